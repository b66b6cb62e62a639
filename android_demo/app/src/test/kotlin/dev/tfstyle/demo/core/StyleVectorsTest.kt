package dev.tfstyle.demo.core

import dev.tfstyle.demo.core.ModelMetadataTest.Companion.expectContractError
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.fail
import org.junit.Test

class StyleVectorsTest {
    @Test
    fun parsesNamedVectorsInFileOrder() {
        val vectors = StyleVectors.parse("""{"wave": [1, 2.5, -3], "udnie": [0, 0, 1e-3]}""", 3)
        assertEquals(listOf("wave", "udnie"), vectors.keys.toList())
        assertArrayEquals(floatArrayOf(1f, 2.5f, -3f), vectors["wave"], 0f)
        assertArrayEquals(floatArrayOf(0f, 0f, 0.001f), vectors["udnie"], 0f)
    }

    @Test
    fun rejectsBadFiles() {
        expectContractError("expected 3 values, got 2") { StyleVectors.parse("""{"wave": [1, 2]}""", 3) }
        expectContractError("expected a number") { StyleVectors.parse("""{"wave": [1, "x", 2]}""", 3) }
        expectContractError("no style vectors") { StyleVectors.parse("{}", 3) }
        expectContractError("expected a list") { StyleVectors.parse("""{"wave": 1}""", 3) }
    }

    @Test
    fun strengthInterpolatesLikeMagenta() {
        val style = floatArrayOf(1f, 2f, 3f)
        val content = floatArrayOf(-1f, 0f, 5f)
        assertArrayEquals(style, StyleVectors.blend(style, content, 1f), 0f)
        assertArrayEquals(content, StyleVectors.blend(style, content, 0f), 0f)
        // v = s * style + (1 - s) * content
        assertArrayEquals(floatArrayOf(0.5f, 1.5f, 3.5f), StyleVectors.blend(style, content, 0.75f), 1e-6f)
        expectIllegal { StyleVectors.blend(style, content, 1.5f) }
        expectIllegal { StyleVectors.blend(style, floatArrayOf(1f), 0.5f) }
    }

    @Test
    fun weightedBlendNormalizesTheWeights() {
        val a = floatArrayOf(1f, 0f)
        val b = floatArrayOf(0f, 1f)
        val c = floatArrayOf(4f, 4f)
        assertArrayEquals(floatArrayOf(0.25f, 0.75f), StyleVectors.weightedBlend(listOf(a, b), listOf(1f, 3f)), 1e-6f)
        assertArrayEquals(floatArrayOf(0.25f, 0.75f), StyleVectors.weightedBlend(listOf(a, b), listOf(10f, 30f)), 1e-6f)
        assertArrayEquals(floatArrayOf(2.25f, 2.25f), StyleVectors.weightedBlend(listOf(a, b, c), listOf(1f, 1f, 2f)), 1e-6f) // (a + b) / 4 + c / 2
        assertArrayEquals(a, StyleVectors.weightedBlend(listOf(a, b), listOf(2f, 0f)), 0f)
        expectIllegal { StyleVectors.weightedBlend(listOf(a, b), listOf(0f, 0f)) }
        expectIllegal { StyleVectors.weightedBlend(listOf(a, b), listOf(1f, -1f)) }
        expectIllegal { StyleVectors.weightedBlend(listOf(a, b), listOf(1f)) }
        expectIllegal { StyleVectors.weightedBlend(emptyList(), emptyList()) }
        expectIllegal { StyleVectors.weightedBlend(listOf(a, floatArrayOf(1f)), listOf(1f, 1f)) }
    }

    private fun expectIllegal(block: () -> Unit) {
        try {
            block()
        } catch (e: IllegalArgumentException) {
            return
        }
        fail("expected an IllegalArgumentException")
    }
}
