package dev.tfstyle.demo.core

/**
 * One tensor's values in the element type the model uses, as LiteRT's `TensorBuffer` writes and
 * reads them: float32 tensors as a [FloatArray] (`writeFloat`/`readFloat`), uint8 and int8 tensors
 * as their raw bytes (`writeInt8`/`readInt8`; a uint8 value q is the byte `q.toByte()`).
 */
sealed class TensorData {
    /** Number of elements. */
    abstract val size: Int

    /** The values of a float32 tensor. */
    class Floats(val values: FloatArray) : TensorData() {
        override val size: Int get() = values.size
    }

    /** The bytes of a uint8 or int8 tensor. */
    class Bytes(val values: ByteArray) : TensorData() {
        override val size: Int get() = values.size
    }
}

/**
 * Conversion between images/vectors and the model's tensors, from the metadata alone.
 *
 * Inputs: float32 tensors get the values as they are ([0, 255] for images); uint8/int8 tensors
 * get q = round(x / scale) + zero_point (ties to even, like tfstyle's Python `_to_input`), clamped
 * to the type's range. Outputs: quantized values become scale * (q - zero_point); image outputs
 * are then clamped to [0, 255]. The scale and zero point always come from the metadata JSON:
 * LiteRT's Kotlin API does not expose a tensor's quantization parameters.
 */
object TensorCodec {
    /** Zeroed values for [info]: floats for float32, bytes for uint8/int8. */
    fun allocate(info: TensorInfo): TensorData =
        if (info.dtype == DType.FLOAT32) TensorData.Floats(FloatArray(info.elementCount)) else TensorData.Bytes(ByteArray(info.elementCount))

    /** Write [image] (exactly the tensor's H x W) into [into], laid out as [info]. */
    fun encodeImage(image: RgbImage, info: TensorInfo, into: TensorData = allocate(info)): TensorData {
        if (!info.isImage) throw ContractException("input \"${info.name}\" is not a [1, H, W, 3] image: ${info.shape}")
        if (image.width != info.imageWidth || image.height != info.imageHeight) {
            throw IllegalArgumentException("input \"${info.name}\" takes ${info.imageWidth}x${info.imageHeight}, got ${image.width}x${image.height}")
        }
        encodeValues(image.data, info, into)
        return into
    }

    /** Write a flat vector (e.g. a style vector) into [into], laid out as [info]. */
    fun encodeVector(values: FloatArray, info: TensorInfo, into: TensorData = allocate(info)): TensorData {
        if (values.size != info.elementCount) {
            throw IllegalArgumentException("input \"${info.name}\" takes ${info.elementCount} values (${info.shape}), got ${values.size}")
        }
        encodeValues(values, info, into)
        return into
    }

    /** Read an image output, dequantized and clamped to [0, 255]. */
    fun decodeImage(data: TensorData, info: TensorInfo): RgbImage {
        if (!info.isImage) throw ContractException("output \"${info.name}\" is not a [1, H, W, 3] image: ${info.shape}")
        val values = decodeValues(data, info)
        for (i in values.indices) {
            val v = values[i]
            values[i] = if (v.isNaN()) 0f else v.coerceIn(0f, 255f)
        }
        return RgbImage(info.imageWidth, info.imageHeight, values)
    }

    /** Read a flat output (e.g. a style vector), dequantized, not clamped. */
    fun decodeVector(data: TensorData, info: TensorInfo): FloatArray = decodeValues(data, info)

    private fun check(data: TensorData, info: TensorInfo) {
        val floats = data is TensorData.Floats
        if (floats != (info.dtype == DType.FLOAT32)) {
            throw IllegalArgumentException("tensor \"${info.name}\" is ${info.dtype.key}, got ${if (floats) "floats" else "bytes"}")
        }
        if (data.size != info.elementCount) {
            throw IllegalArgumentException("tensor \"${info.name}\" has ${info.elementCount} values (${info.shape}), got ${data.size}")
        }
    }

    private fun encodeValues(values: FloatArray, info: TensorInfo, into: TensorData) {
        check(into, info)
        when (into) {
            is TensorData.Floats -> values.copyInto(into.values)
            is TensorData.Bytes -> {
                val q = info.effectiveQuantization
                for (i in values.indices) into.values[i] = q.quantize(values[i], info.dtype).toByte()
            }
        }
    }

    private fun decodeValues(data: TensorData, info: TensorInfo): FloatArray {
        check(data, info)
        return when (data) {
            is TensorData.Floats -> data.values.copyOf()
            is TensorData.Bytes -> {
                val q = info.effectiveQuantization
                val mask = if (info.dtype == DType.UINT8) 0xFF else -1 // uint8: the byte's unsigned value
                FloatArray(data.size) { i -> q.dequantize(data.values[i].toInt() and mask) }
            }
        }
    }
}
