package dev.tfstyle.demo.core

import java.nio.ByteBuffer
import java.nio.ByteOrder

/**
 * Conversion between images/vectors and the model's tensor buffers, from the metadata alone.
 *
 * Inputs: float32 tensors get the values as they are ([0, 255] for images); uint8/int8 tensors
 * get q = round(x / scale) + zero_point (ties to even, like tfstyle's Python `_to_input`), clamped
 * to the type's range. Outputs: quantized values become scale * (q - zero_point); image outputs
 * are then clamped to [0, 255]. Buffers are direct and in native byte order (what TFLite wants);
 * reads and writes are absolute, so the buffers' positions do not matter here.
 */
object TensorCodec {
    fun allocate(info: TensorInfo): ByteBuffer = ByteBuffer.allocateDirect(info.byteSize).order(ByteOrder.nativeOrder())

    /** Write [image] (exactly the tensor's H x W) into [buffer] laid out as [info]. */
    fun encodeImage(image: RgbImage, info: TensorInfo, buffer: ByteBuffer = allocate(info)): ByteBuffer {
        if (!info.isImage) throw ContractException("input \"${info.name}\" is not a [1, H, W, 3] image: ${info.shape}")
        if (image.width != info.imageWidth || image.height != info.imageHeight) {
            throw IllegalArgumentException("input \"${info.name}\" takes ${info.imageWidth}x${info.imageHeight}, got ${image.width}x${image.height}")
        }
        encodeValues(image.data, info, buffer)
        return buffer
    }

    /** Write a flat vector (e.g. a style vector) into [buffer] laid out as [info]. */
    fun encodeVector(values: FloatArray, info: TensorInfo, buffer: ByteBuffer = allocate(info)): ByteBuffer {
        if (values.size != info.elementCount) {
            throw IllegalArgumentException("input \"${info.name}\" takes ${info.elementCount} values (${info.shape}), got ${values.size}")
        }
        encodeValues(values, info, buffer)
        return buffer
    }

    /** Read an image output, dequantized and clamped to [0, 255]. */
    fun decodeImage(buffer: ByteBuffer, info: TensorInfo): RgbImage {
        if (!info.isImage) throw ContractException("output \"${info.name}\" is not a [1, H, W, 3] image: ${info.shape}")
        val values = decodeValues(buffer, info)
        for (i in values.indices) {
            val v = values[i]
            values[i] = if (v.isNaN()) 0f else v.coerceIn(0f, 255f)
        }
        return RgbImage(info.imageWidth, info.imageHeight, values)
    }

    /** Read a flat output (e.g. a style vector), dequantized, not clamped. */
    fun decodeVector(buffer: ByteBuffer, info: TensorInfo): FloatArray = decodeValues(buffer, info)

    private fun checkCapacity(buffer: ByteBuffer, info: TensorInfo) {
        if (buffer.capacity() != info.byteSize) {
            throw IllegalArgumentException("tensor \"${info.name}\" needs ${info.byteSize} bytes, the buffer has ${buffer.capacity()}")
        }
        if (info.dtype == DType.FLOAT32 && buffer.order() != ByteOrder.nativeOrder()) {
            throw IllegalArgumentException("float buffers must be in native byte order")
        }
    }

    private fun encodeValues(values: FloatArray, info: TensorInfo, buffer: ByteBuffer) {
        checkCapacity(buffer, info)
        when (info.dtype) {
            DType.FLOAT32 -> for (i in values.indices) buffer.putFloat(4 * i, values[i])
            DType.UINT8, DType.INT8 -> {
                val q = info.effectiveQuantization
                for (i in values.indices) buffer.put(i, q.quantize(values[i], info.dtype).toByte())
            }
        }
    }

    private fun decodeValues(buffer: ByteBuffer, info: TensorInfo): FloatArray {
        checkCapacity(buffer, info)
        val out = FloatArray(info.elementCount)
        when (info.dtype) {
            DType.FLOAT32 -> for (i in out.indices) out[i] = buffer.getFloat(4 * i)
            DType.UINT8 -> {
                val q = info.effectiveQuantization
                for (i in out.indices) out[i] = q.dequantize(buffer.get(i).toInt() and 0xFF)
            }
            DType.INT8 -> {
                val q = info.effectiveQuantization
                for (i in out.indices) out[i] = q.dequantize(buffer.get(i).toInt())
            }
        }
        return out
    }
}
