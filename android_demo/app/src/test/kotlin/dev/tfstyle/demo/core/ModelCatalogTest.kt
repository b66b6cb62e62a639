package dev.tfstyle.demo.core

import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class ModelCatalogTest {
    private val contract = TestFiles.contract

    private fun withMetadata(vararg models: String) = models.flatMap { listOf(it, "$it.json") }

    @Test
    fun sortsModelsByRoleStyleAndFormat() {
        val assets = withMetadata(
            "wave_int8_384.tflite", "wave_float32_384.tflite", "udnie_float16_384.tflite",
            "shipwreck_aeq_int8_384.tflite", "shipwreck_equalized_float32_384.tflite",
        ) + listOf("contract.json", "style_vectors.json", "images", "the_scream_float16_384.tflite")
        val catalog = ModelCatalog(contract, assets)
        assertEquals(
            listOf("udnie_float16_384.tflite", "wave_float32_384.tflite", "wave_int8_384.tflite"),
            catalog.models.map { it.fileName },
        )
        assertEquals(listOf("udnie", "wave"), catalog.fastStyles)
        assertEquals(listOf("the_scream_float16_384.tflite"), catalog.missingMetadata)
        assertEquals(listOf("float32", "int8"), catalog.formats(ModelRole.FAST_STYLE, "wave"))
        assertFalse(catalog.hasArbitrary)
    }

    @Test
    fun picksThePreferredFormatPresent() {
        val catalog = ModelCatalog(contract, withMetadata("wave_int8_384.tflite", "wave_float32_384.tflite"))
        assertEquals("float32", catalog.pick(ModelRole.FAST_STYLE, listOf("float16", "float32"), "wave")?.format)
        assertEquals("int8", catalog.pick(ModelRole.FAST_STYLE, listOf("int8"), "wave")?.format)
        assertEquals("float32", catalog.pick(ModelRole.FAST_STYLE, listOf("dynamic"), "wave")?.format) // none preferred: first present
        assertNull(catalog.pick(ModelRole.FAST_STYLE, listOf("float32"), "udnie"))
        assertNull(catalog.pick(ModelRole.ARBITRARY_TRANSFER, listOf("float32")))
    }

    @Test
    fun arbitraryNeedsBothModels() {
        val one = ModelCatalog(contract, withMetadata("arbitrary_transfer_float16_384.tflite"))
        assertFalse(one.hasArbitrary)
        val both = ModelCatalog(contract, withMetadata("arbitrary_transfer_float16_384.tflite", "arbitrary_predictor_int8_256.tflite"))
        assertTrue(both.hasArbitrary)
        assertEquals("int8", both.pick(ModelRole.ARBITRARY_PREDICTOR, listOf("float16"))?.format)
        assertEquals(emptyList<String>(), both.fastStyles)
    }
}
