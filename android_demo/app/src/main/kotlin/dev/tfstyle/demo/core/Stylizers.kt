package dev.tfstyle.demo.core

/**
 * Runs one model signature. The Android layer implements it with LiteRT's `CompiledModel`
 * (`LiteRtRunner`); tests use plain Kotlin fakes. Tensors are keyed by the signature's
 * input/output names and hold values as [TensorCodec] writes and reads them.
 */
interface TensorRunner : AutoCloseable {
    /** Run the signature on [inputs] (every input, by name) and return every output by name. */
    fun run(inputs: Map<String, TensorData>): Map<String, TensorData>
}

/** [info]'s tensor among a runner's [outputs]. */
private fun outputOf(outputs: Map<String, TensorData>, info: TensorInfo): TensorData =
    outputs[info.name] ?: throw ContractException("the runner returned no output \"${info.name}\" (it returned ${outputs.keys})")

/** A fast-style network: photo in, stylized photo out, names and layout from its metadata. */
class FastStylizer(meta: ModelMetadata, role: RoleContract, private val runner: TensorRunner) {
    private val input = meta.input(role.inputs.single().name)
    private val output = meta.output(role.outputs.single().name)
    private val inputData = TensorCodec.allocate(input)

    val width: Int get() = input.imageWidth
    val height: Int get() = input.imageHeight

    /** Cover-crop [photo] to the model's size, run it, and return the stylized square. */
    fun stylize(photo: RgbImage): RgbImage {
        TensorCodec.encodeImage(ImageOps.coverCrop(photo, width, height), input, inputData)
        return TensorCodec.decodeImage(outputOf(runner.run(mapOf(input.name to inputData)), output), output)
    }
}

/**
 * Arbitrary style (Ghiasi et al. / Magenta layout): a predictor maps a style image to a style
 * vector; the transfer model maps content + vector to the stylized photo. Strength s mixes the
 * style vector with the content's own: v = s * v_style + (1 - s) * v_content.
 */
class ArbitraryStylizer(
    predictorMeta: ModelMetadata,
    private val predictor: TensorRunner,
    transferMeta: ModelMetadata,
    private val transfer: TensorRunner,
    contract: ModelContract,
) {
    private val predictorRole = contract.role(ModelRole.ARBITRARY_PREDICTOR)
    private val transferRole = contract.role(ModelRole.ARBITRARY_TRANSFER)
    private val styleInput = predictorMeta.input(predictorRole.inputs.single().name)
    private val vectorOutput = predictorMeta.output(predictorRole.outputs.single().name)
    private val contentInput = transferMeta.input(transferRole.inputs.first { it.shape.size == 4 }.name)
    private val vectorInput = transferMeta.input(transferRole.inputs.first { it.shape.size != 4 }.name)
    private val stylizedOutput = transferMeta.output(transferRole.outputs.single().name)
    private val styleData = TensorCodec.allocate(styleInput)
    private val contentData = TensorCodec.allocate(contentInput)
    private val vectorData = TensorCodec.allocate(vectorInput)

    val vectorLength: Int = vectorOutput.elementCount

    init {
        if (vectorInput.elementCount != vectorLength) {
            throw ContractException("the predictor gives ${vectorLength} values but the transfer model takes ${vectorInput.elementCount}")
        }
    }

    /** The style vector of [image] (cover-cropped to the predictor's size). */
    fun styleVector(image: RgbImage): FloatArray {
        TensorCodec.encodeImage(ImageOps.coverCrop(image, styleInput.imageWidth, styleInput.imageHeight), styleInput, styleData)
        return TensorCodec.decodeVector(outputOf(predictor.run(mapOf(styleInput.name to styleData)), vectorOutput), vectorOutput)
    }

    /** Stylize [photo] (cover-cropped to the transfer model's size) with [style] at [strength] in [0, 1]. */
    fun stylize(photo: RgbImage, style: FloatArray, strength: Float = 1f): RgbImage {
        require(style.size == vectorLength) { "style vector has ${style.size} values, expected $vectorLength" }
        require(strength in 0f..1f) { "strength must be in [0, 1], got $strength" }
        val content = ImageOps.coverCrop(photo, contentInput.imageWidth, contentInput.imageHeight)
        val vector = if (strength >= 1f) style else StyleVectors.blend(style, styleVector(content), strength)
        TensorCodec.encodeImage(content, contentInput, contentData)
        TensorCodec.encodeVector(vector, vectorInput, vectorData)
        val outputs = transfer.run(mapOf(contentInput.name to contentData, vectorInput.name to vectorData))
        return TensorCodec.decodeImage(outputOf(outputs, stylizedOutput), stylizedOutput)
    }
}

/** Inputs for timing any model from its metadata (a colour gradient for images, a ramp for vectors). */
object BenchmarkInputs {
    fun inputs(meta: ModelMetadata): Map<String, TensorData> = meta.inputs.associate { info ->
        info.name to if (info.isImage) {
            TensorCodec.encodeImage(gradient(info.imageWidth, info.imageHeight), info)
        } else {
            TensorCodec.encodeVector(FloatArray(info.elementCount) { i -> (i % 7) / 7f }, info)
        }
    }

    fun gradient(width: Int, height: Int): RgbImage {
        val image = RgbImage(width, height)
        for (y in 0 until height) for (x in 0 until width) {
            val o = (y * width + x) * 3
            image.data[o] = 255f * x / maxOf(1, width - 1)
            image.data[o + 1] = 255f * y / maxOf(1, height - 1)
            image.data[o + 2] = 128f
        }
        return image
    }
}
