package dev.tfstyle.demo.core

import dev.tfstyle.demo.core.ModelMetadataTest.Companion.expectContractError
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** The stylizers' data flow, with plain-Kotlin stand-ins for LiteRT's CompiledModel. */
class StylizersTest {
    private val contract = TestFiles.contract

    private fun photo(width: Int, height: Int): RgbImage {
        val image = RgbImage(width, height)
        for (i in image.data.indices) image.data[i] = ((i * 7919L) % 256).toFloat()
        return image
    }

    /** Returns the single input as the single output, mapping each float through [f] (float models) or copying the bytes. */
    private class CopyRunner(val f: (Float) -> Float = { it }) : TensorRunner {
        var calls = 0
        override fun run(inputs: Map<String, TensorData>): Map<String, TensorData> {
            calls++
            assertEquals(setOf("content"), inputs.keys)
            val output = when (val input = inputs.getValue("content")) {
                is TensorData.Floats -> TensorData.Floats(FloatArray(input.size) { f(input.values[it]) })
                is TensorData.Bytes -> TensorData.Bytes(input.values.copyOf())
            }
            assertEquals(384 * 384 * 3, output.size)
            return mapOf("stylized" to output)
        }

        override fun close() {}
    }

    @Test
    fun fastStylizerFloat32() {
        val meta = TestFiles.metadata("shipwreck_float32_384.tflite.json")
        val runner = CopyRunner { 255f - it + 10f } // the decode must clamp 265 to 255
        val stylizer = FastStylizer(meta, contract.role(ModelRole.FAST_STYLE), runner)
        val input = photo(500, 400)
        val out = stylizer.stylize(input)
        assertEquals(1, runner.calls)
        assertEquals(384, out.width)
        assertEquals(384, out.height)
        val square = ImageOps.coverCrop(input, 384, 384)
        for (i in out.data.indices step 997) assertEquals(minOf(255f, 265f - square.data[i]), out.data[i], 1e-4f)
    }

    @Test
    fun fastStylizerUint8() {
        val meta = TestFiles.metadata("shipwreck_int8_384.tflite.json")
        val stylizer = FastStylizer(meta, contract.role(ModelRole.FAST_STYLE), CopyRunner())
        val input = photo(384, 600)
        val out = stylizer.stylize(input)
        val square = ImageOps.coverCrop(input, 384, 384)
        // uint8 in with scale 1, zero point 0 and back: the pixels, rounded.
        for (i in out.data.indices step 991) assertEquals(Math.rint(square.data[i].toDouble()).toFloat(), out.data[i], 0f)
    }

    /** Predictor stand-in: vector[i] = mean of channel i % 3 of the style image, + i. */
    private class MeanPredictor : TensorRunner {
        var calls = 0
        override fun run(inputs: Map<String, TensorData>): Map<String, TensorData> {
            calls++
            val image = (inputs.getValue("style") as TensorData.Floats).values
            assertEquals(256 * 256 * 3, image.size)
            return mapOf("style_vector" to TensorData.Floats(FloatArray(100) { i -> mean(image, i % 3) + i }))
        }

        override fun close() {}

        companion object {
            fun mean(values: FloatArray, channel: Int): Float {
                var sum = 0.0
                val n = values.size / 3
                for (p in 0 until n) sum += values[3 * p + channel]
                return (sum / n).toFloat()
            }

            fun expected(image: RgbImage): FloatArray {
                val square = ImageOps.coverCrop(image, 256, 256)
                return FloatArray(100) { i ->
                    var sum = 0.0
                    for (p in 0 until 256 * 256) sum += square.data[3 * p + i % 3]
                    (sum / (256 * 256)).toFloat() + i
                }
            }
        }
    }

    /** Transfer stand-in (uint8 in and out, like the int8 fixture): copies the content and records the
     *  style vector it got, dequantized with the fixture's scale 2 and zero point 0. */
    private class RecordingTransfer : TensorRunner {
        var vector: FloatArray? = null
        override fun run(inputs: Map<String, TensorData>): Map<String, TensorData> {
            val v = (inputs.getValue("style_vector") as TensorData.Bytes).values
            vector = FloatArray(100) { 2f * (v[it].toInt() and 0xFF) }
            val content = (inputs.getValue("content") as TensorData.Bytes).values
            return mapOf("stylized" to TensorData.Bytes(content.copyOf()))
        }

        override fun close() {}
    }

    @Test
    fun arbitraryStylizerBlendsWithTheContentsOwnVector() {
        val predictorMeta = TestFiles.metadata("arbitrary_predictor_float32_256.tflite.json")
        val transferMeta = TestFiles.metadata("arbitrary_transfer_int8_384.tflite.json")
        val predictor = MeanPredictor()
        val transfer = RecordingTransfer()
        val stylizer = ArbitraryStylizer(predictorMeta, predictor, transferMeta, transfer, contract)
        assertEquals(100, stylizer.vectorLength)

        val painting = photo(300, 200)
        val style = stylizer.styleVector(painting)
        assertArrayEquals(MeanPredictor.expected(painting), style, 1e-3f)
        assertEquals(1, predictor.calls)

        val content = photo(640, 480)
        val full = stylizer.stylize(content, style, 1f)
        assertEquals(1, predictor.calls) // full strength needs no content vector
        assertArrayEquals(style, transfer.vector, 1.0001f)  // one uint8 step (scale 2) of rounding
        // Output is uint8 with scale 1.0039 and zero point 2 (fixture): pixel = 1.0039 * (q - 2), clamped.
        val square = ImageOps.coverCrop(content, 384, 384)
        for (i in full.data.indices step 1009) {
            val q = Math.rint(square.data[i].toDouble()).toFloat()
            assertEquals((1.0039f * (q - 2f)).coerceIn(0f, 255f), full.data[i], 1e-3f)
        }

        stylizer.stylize(content, style, 0.25f)
        assertEquals(2, predictor.calls)
        val contentVector = MeanPredictor.expected(square)
        val expected = FloatArray(100) { 0.25f * style[it] + 0.75f * contentVector[it] }
        assertArrayEquals(expected, transfer.vector, 1.0001f)
    }

    @Test
    fun arbitraryStylizerRefusesMismatchedVectorLengths() {
        val predictorMeta = TestFiles.metadata("arbitrary_predictor_float32_256.tflite.json")
        val text = TestFiles.metadataText("arbitrary_transfer_int8_384.tflite.json").replace("\"shape\": [1, 100]", "\"shape\": [1, 64]")
        expectContractError("gives 100 values but the transfer model takes 64") {
            ArbitraryStylizer(predictorMeta, MeanPredictor(), ModelMetadata.parse(text), RecordingTransfer(), contract)
        }
    }

    @Test
    fun aMissingOutputIsAContractError() {
        val meta = TestFiles.metadata("shipwreck_float32_384.tflite.json")
        val silent = object : TensorRunner {
            override fun run(inputs: Map<String, TensorData>): Map<String, TensorData> = emptyMap()
            override fun close() {}
        }
        expectContractError("returned no output \"stylized\"") {
            FastStylizer(meta, contract.role(ModelRole.FAST_STYLE), silent).stylize(photo(384, 384))
        }
    }

    @Test
    fun benchmarkInputsFollowTheMetadata() {
        val transferMeta = TestFiles.metadata("arbitrary_transfer_int8_384.tflite.json")
        val inputs = BenchmarkInputs.inputs(transferMeta)
        assertEquals(setOf("content", "style_vector"), inputs.keys)
        assertEquals(384 * 384 * 3, (inputs.getValue("content") as TensorData.Bytes).size)
        assertEquals(100, (inputs.getValue("style_vector") as TensorData.Bytes).size)  // uint8 in the int8 file
        val floatInputs = BenchmarkInputs.inputs(TestFiles.metadata("arbitrary_predictor_float32_256.tflite.json"))
        assertEquals(256 * 256 * 3, (floatInputs.getValue("style") as TensorData.Floats).size)
        val g = BenchmarkInputs.gradient(3, 2)
        assertArrayEquals(floatArrayOf(0f, 0f, 128f, 127.5f, 0f, 128f, 255f, 0f, 128f), g.data.copyOf(9), 0f)
        assertTrue(g.data.last() == 128f)
    }
}
