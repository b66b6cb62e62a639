package dev.tfstyle.demo.core

import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

class ModelMetadataTest {
    @Test
    fun readsTheExportersFloat32Layout() {
        // Written by tfstyle.export.export_tflite (export/pipeline.py), copied verbatim.
        val meta = TestFiles.metadata("shipwreck_float32_384.tflite.json")
        assertEquals("float32", meta.format)
        assertEquals(listOf(384, 384), meta.size)
        assertEquals("serving_default", meta.signature)
        val input = meta.input("content")
        assertEquals(listOf(1, 384, 384, 3), input.shape)
        assertEquals(DType.FLOAT32, input.dtype)
        assertEquals(ValueRange(0f, 255f), input.range)
        assertNull(input.quantization)
        assertEquals("serving_default_content:0", input.tensor)
        assertEquals(384 * 384 * 3 * 4, input.byteSize)
        assertTrue(input.isImage)
        assertEquals("stylized", meta.outputs.single().name)
        assertEquals(true, meta.gpuCompatible)
        assertTrue("CONV_2D" in meta.ops)
        assertEquals(1756636L, meta.sizeBytes)
        assertTrue("source_model" in meta.keys)
    }

    @Test
    fun readsTheExportersInt8Layout() {
        val meta = TestFiles.metadata("shipwreck_int8_384.tflite.json")
        val input = meta.input("content")
        val output = meta.output("stylized")
        assertEquals(DType.UINT8, input.dtype)
        assertEquals(Quantization(1f, 0), input.quantization)
        assertEquals(DType.UINT8, output.dtype)
        assertEquals(384 * 384 * 3, output.byteSize)
        assertEquals(Quantization(1f, 0), output.effectiveQuantization)
    }

    @Test
    fun readsTheListLayoutOfTheArbitraryModels() {
        val predictor = TestFiles.metadata("arbitrary_predictor_float32_256.tflite.json")
        assertEquals(listOf("style"), predictor.inputs.map { it.name })
        assertEquals(listOf(1, 100), predictor.output("style_vector").shape)
        assertNull(predictor.output("style_vector").range)
        assertFalse(predictor.output("style_vector").isImage)

        val transfer = TestFiles.metadata("arbitrary_transfer_int8_384.tflite.json")
        assertEquals(listOf("content", "style_vector"), transfer.inputs.map { it.name })
        assertEquals(Quantization(1.0039f, 2), transfer.output("stylized").quantization)
        assertEquals(false, transfer.gpuCompatible)
        assertEquals(listOf("SOME_OP"), transfer.gpuUnsupportedOps)
    }

    @Test
    fun rejectsMetadataWithoutTensors() {
        // The exporter's ai-edge-quantizer experiment writes a shorter metadata file: not an app model.
        expectContractError("missing \"input\"") { TestFiles.metadata("shipwreck_aeq_int8_384.tflite.json") }
        expectContractError("missing \"input\"") {
            ModelMetadata.parse("""{"format": "float32", "signature": "serving_default", "output": $TENSOR}""")
        }
    }

    @Test
    fun rejectsAmbiguousOrBrokenFiles() {
        expectContractError("both") {
            ModelMetadata.parse("""{"format": "float32", "signature": "s", "input": $TENSOR, "inputs": [$TENSOR], "output": $TENSOR}""")
        }
        expectContractError("not valid JSON") { ModelMetadata.parse("""{"format": """) }
        expectContractError("unsupported dtype \"float16\"") {
            ModelMetadata.parse("""{"format": "float16", "signature": "s", "input": ${TENSOR.replace("float32", "float16")}, "output": $TENSOR}""")
        }
        expectContractError("expected an integer") {
            ModelMetadata.parse("""{"format": "float32", "signature": "s", "input": ${TENSOR.replace("384,", "384.5,")}, "output": $TENSOR}""")
        }
        expectContractError("scale must be positive") {
            ModelMetadata.parse("""{"format": "int8", "signature": "s", "input": ${TENSOR.replace("\"float32\", \"quantization\": null", "\"uint8\", \"quantization\": [0, 3]")}, "output": $TENSOR}""")
        }
        expectContractError("repeated") {
            ModelMetadata.parse("""{"format": "float32", "signature": "s", "inputs": [$TENSOR, $TENSOR], "output": $TENSOR}""")
        }
    }

    @Test
    fun quantizationRoundsHalfToEvenAndClamps() {
        val q = Quantization(0.5f, 10)
        assertEquals(10, q.quantize(0f, DType.UINT8))
        assertEquals(10, q.quantize(0.25f, DType.UINT8)) // 0.5 rounds to 0 (even)
        assertEquals(12, q.quantize(0.75f, DType.UINT8)) // 1.5 rounds to 2
        assertEquals(12, q.quantize(1.25f, DType.UINT8)) // 2.5 rounds to 2
        assertEquals(255, q.quantize(1000f, DType.UINT8))
        assertEquals(0, q.quantize(-1000f, DType.UINT8))
        assertEquals(-128, q.quantize(-1000f, DType.INT8))
        assertEquals(3.5f, q.dequantize(17), 0f)
    }

    companion object {
        const val TENSOR = """{"name": "content", "shape": [1, 384, 384, 3], "dtype": "float32", "quantization": null}"""

        fun expectContractError(fragment: String, block: () -> Unit) {
            try {
                block()
            } catch (e: ContractException) {
                assertTrue("message \"${e.message}\" should contain \"$fragment\"", e.message!!.contains(fragment))
                return
            }
            fail("expected a ContractException mentioning \"$fragment\"")
        }
    }
}
