package dev.tfstyle.demo.core

import java.nio.ByteBuffer

/**
 * Runs one model signature. The Android layer implements it with a TFLite Interpreter
 * (`runSignature`); tests use plain Kotlin fakes. Buffers are keyed by the signature's
 * input/output names and laid out as [TensorCodec] writes them.
 */
interface TensorRunner : AutoCloseable {
    fun run(inputs: Map<String, ByteBuffer>, outputs: Map<String, ByteBuffer>)
}

/** A fast-style network: photo in, stylized photo out, names and layout from its metadata. */
class FastStylizer(meta: ModelMetadata, role: RoleContract, private val runner: TensorRunner) {
    private val input = meta.input(role.inputs.single().name)
    private val output = meta.output(role.outputs.single().name)
    private val inputBuffer = TensorCodec.allocate(input)
    private val outputBuffer = TensorCodec.allocate(output)

    val width: Int get() = input.imageWidth
    val height: Int get() = input.imageHeight

    /** Cover-crop [photo] to the model's size, run it, and return the stylized square. */
    fun stylize(photo: RgbImage): RgbImage {
        TensorCodec.encodeImage(ImageOps.coverCrop(photo, width, height), input, inputBuffer)
        runner.run(mapOf(input.name to inputBuffer), mapOf(output.name to outputBuffer))
        return TensorCodec.decodeImage(outputBuffer, output)
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
    private val styleBuffer = TensorCodec.allocate(styleInput)
    private val vectorOutBuffer = TensorCodec.allocate(vectorOutput)
    private val contentBuffer = TensorCodec.allocate(contentInput)
    private val vectorInBuffer = TensorCodec.allocate(vectorInput)
    private val stylizedBuffer = TensorCodec.allocate(stylizedOutput)

    val vectorLength: Int = vectorOutput.elementCount

    init {
        if (vectorInput.elementCount != vectorLength) {
            throw ContractException("the predictor gives ${vectorLength} values but the transfer model takes ${vectorInput.elementCount}")
        }
    }

    /** The style vector of [image] (cover-cropped to the predictor's size). */
    fun styleVector(image: RgbImage): FloatArray {
        TensorCodec.encodeImage(ImageOps.coverCrop(image, styleInput.imageWidth, styleInput.imageHeight), styleInput, styleBuffer)
        predictor.run(mapOf(styleInput.name to styleBuffer), mapOf(vectorOutput.name to vectorOutBuffer))
        return TensorCodec.decodeVector(vectorOutBuffer, vectorOutput)
    }

    /** Stylize [photo] (cover-cropped to the transfer model's size) with [style] at [strength] in [0, 1]. */
    fun stylize(photo: RgbImage, style: FloatArray, strength: Float = 1f): RgbImage {
        require(style.size == vectorLength) { "style vector has ${style.size} values, expected $vectorLength" }
        require(strength in 0f..1f) { "strength must be in [0, 1], got $strength" }
        val content = ImageOps.coverCrop(photo, contentInput.imageWidth, contentInput.imageHeight)
        val vector = if (strength >= 1f) style else StyleVectors.blend(style, styleVector(content), strength)
        TensorCodec.encodeImage(content, contentInput, contentBuffer)
        TensorCodec.encodeVector(vector, vectorInput, vectorInBuffer)
        transfer.run(
            mapOf(contentInput.name to contentBuffer, vectorInput.name to vectorInBuffer),
            mapOf(stylizedOutput.name to stylizedBuffer),
        )
        return TensorCodec.decodeImage(stylizedBuffer, stylizedOutput)
    }
}

/** Inputs and output buffers for timing any model from its metadata (a colour gradient for images, a ramp for vectors). */
object BenchmarkInputs {
    fun inputs(meta: ModelMetadata): Map<String, ByteBuffer> = meta.inputs.associate { info ->
        info.name to if (info.isImage) {
            TensorCodec.encodeImage(gradient(info.imageWidth, info.imageHeight), info)
        } else {
            TensorCodec.encodeVector(FloatArray(info.elementCount) { i -> (i % 7) / 7f }, info)
        }
    }

    fun outputs(meta: ModelMetadata): Map<String, ByteBuffer> = meta.outputs.associate { it.name to TensorCodec.allocate(it) }

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
