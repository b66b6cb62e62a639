package dev.tfstyle.demo.core

import dev.tfstyle.demo.core.ModelMetadataTest.Companion.expectContractError
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

class ModelContractTest {
    private val contract = TestFiles.contract

    @Test
    fun readsTheAppsContract() {
        assertEquals(listOf("float32", "float16", "dynamic", "int8"), contract.formats)
        assertEquals(ModelRole.entries.toSet(), contract.roles.keys)
        assertEquals("style_vectors.json", contract.asset("style_vectors"))
        assertEquals(ModelContract.ASSET_NAME, contract.asset("contract"))
        assertEquals(100, contract.styleVectorLength)
        val fast = contract.role(ModelRole.FAST_STYLE)
        assertEquals(listOf(384, 384), fast.size)
        assertEquals(DType.UINT8, fast.input("content").dtypes["int8"])
        assertEquals(DType.FLOAT32, fast.output("stylized").dtypes["float16"])
        assertEquals(listOf("content", "style_vector"), contract.role(ModelRole.ARBITRARY_TRANSFER).inputs.map { it.name })
        assertNull(contract.role(ModelRole.ARBITRARY_PREDICTOR).output("style_vector").range)
    }

    @Test
    fun matchesFileNames() {
        val wave = contract.match("wave_float16_384.tflite")
        assertEquals(ModelFile("wave_float16_384.tflite", ModelRole.FAST_STYLE, "float16", "wave", "wave_float16_384.tflite.json"), wave)
        assertEquals("starry_night", contract.match("starry_night_int8_384.tflite")?.style)
        assertEquals("woman_with_hat", contract.match("woman_with_hat_dynamic_384.tflite")?.style)
        val predictor = contract.match("arbitrary_predictor_int8_256.tflite")!!
        assertEquals(ModelRole.ARBITRARY_PREDICTOR, predictor.role)
        assertEquals("int8", predictor.format)
        assertNull(predictor.style)
        assertEquals(ModelRole.ARBITRARY_TRANSFER, contract.match("arbitrary_transfer_float32_384.tflite")?.role)
        // The exporter's experiments and other sizes are not app models.
        for (name in listOf(
            "shipwreck_aeq_int8_384.tflite", "shipwreck_equalized_float32_384.tflite", "shipwreck_release_int8_384.tflite",
            "shipwreck_qat_int8_384.tflite", "wave_float32_256.tflite", "wave_float32_384.tflite.json", "mosaic_float32_384.tflite",
            "arbitrary_predictor_float32_384.tflite", "xwave_float32_384.tflite",
        )) {
            assertNull(name, contract.match(name))
        }
    }

    @Test
    fun fixturesConform() {
        for ((name, role) in listOf(
            "shipwreck_float32_384.tflite" to ModelRole.FAST_STYLE,
            "shipwreck_int8_384.tflite" to ModelRole.FAST_STYLE,
            "arbitrary_predictor_float32_256.tflite" to ModelRole.ARBITRARY_PREDICTOR,
            "arbitrary_transfer_int8_384.tflite" to ModelRole.ARBITRARY_TRANSFER,
        )) {
            val meta = TestFiles.metadata(contract.metadataName(name))
            assertEquals(name, emptyList<String>(), contract.validate(meta, role, name))
        }
    }

    @Test
    fun reportsEveryMismatch() {
        val good = TestFiles.metadataText("shipwreck_int8_384.tflite.json")
        fun problems(text: String, file: String? = "shipwreck_int8_384.tflite") =
            contract.validate(ModelMetadata.parse(text), ModelRole.FAST_STYLE, file).joinToString("\n")

        assertTrue(problems(good.replace("\"content\"", "\"image\"")).contains("inputs [image], expected [content]"))
        assertTrue(problems(good.replace("\"stylized\"", "\"out\"")).contains("outputs [out], expected [stylized]"))
        assertTrue(problems(good.replaceFirst("\"uint8\"", "\"float32\"")).contains("dtype float32, expected uint8 for format int8"))
        assertTrue(problems(good.replaceFirst("\"uint8\"", "\"float32\"")).contains("float tensor with quantization"))
        assertTrue(problems(good).isEmpty())
        assertTrue(problems(good, "shipwreck_float32_384.tflite").contains("file name says format \"float32\""))
        assertTrue(problems(good, "shipwreck_int8_256.tflite").contains("does not match"))
        assertTrue(problems(good.replace("\"serving_default\"", "\"main\"")).contains("signature \"main\""))
        val noQuantization = good.replace(Regex("\"quantization\": \\[\\s*1.0,\\s*0\\s*]"), "\"quantization\": null")
        assertTrue(problems(noQuantization).contains("uint8 without quantization"))
        val wrongShape = TestFiles.metadataText("shipwreck_float32_384.tflite.json").replaceFirst(Regex("384,\\s*384,"), "256, 256,")
        assertTrue(problems(wrongShape, null).contains("input \"content\": shape [1, 256, 256, 3]"))
        val noGpuKey = TestFiles.metadataText("shipwreck_float32_384.tflite.json").replace("\"gpu_compatible\"", "\"gpu_ok\"")
        assertTrue(problems(noGpuKey, null).contains("metadata has no \"gpu_compatible\""))
        val wrongRange = good.replaceFirst(Regex("\"range\": \\[\\s*0,\\s*255\\s*]"), "\"range\": [0, 1]")
        assertTrue(problems(wrongRange).contains("range [0, 1], expected [0, 255]"))

        expectContractError("does not match the app's contract") {
            contract.requireValid(ModelMetadata.parse(good), ModelRole.ARBITRARY_TRANSFER)
        }
    }

    @Test
    fun rejectsBrokenContracts() {
        val text = TestFiles.contractFile.readText()
        expectContractError("roles the app does not know") {
            ModelContract.parse(text.replace("\"arbitrary_transfer\": {", "\"arbitrary_transfer\": {}, \"video\": {"))
        }
        expectContractError("missing \"fast_style\"") { ModelContract.parse(text.replace("\"fast_style\"", "\"fast\"")) }
        expectContractError("not a regular expression") { ModelContract.parse(text.replace("^arbitrary_predictor_(", "^arbitrary_predictor_((")) }
    }

    /**
     * Metadata that tfstyle's exporter has just written (tests/test_android_contract.py exports
     * tiny models and passes their folder in TFSTYLE_METADATA_DIR): each must conform for the
     * role its file name gives. Without the variable there is nothing to check here.
     */
    @Test
    fun exportedMetadataConforms() {
        val dir = System.getenv("TFSTYLE_METADATA_DIR") ?: return
        val files = File(dir).listFiles { f -> f.name.endsWith(".tflite" + contract.metadataSuffix) }.orEmpty().sortedBy { it.name }
        assertTrue("no exported metadata in $dir", files.isNotEmpty())
        for (file in files) {
            val modelName = file.name.removeSuffix(contract.metadataSuffix)
            val model = contract.match(modelName)
            assertNotNull("$modelName matches no role's file pattern", model)
            assertTrue("$modelName: the model file is missing beside its metadata", File(dir, modelName).isFile)
            val meta = ModelMetadata.parse(file.readText(), file.name)
            assertEquals(modelName, emptyList<String>(), contract.validate(meta, model!!.role, modelName))
            println("exported metadata conforms: ${file.name} (${model.role.key}, ${meta.format})")
        }
    }
}
