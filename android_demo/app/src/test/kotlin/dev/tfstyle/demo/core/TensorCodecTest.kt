package dev.tfstyle.demo.core

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.fail
import org.junit.Test
import java.nio.ByteBuffer
import java.nio.ByteOrder

class TensorCodecTest {
    private fun image(width: Int, height: Int, values: FloatArray) = RgbImage(width, height, values)
    private fun tensor(dtype: DType, q: Quantization?, shape: List<Int> = listOf(1, 1, 2, 3)) =
        TensorInfo("t", null, shape, dtype, ValueRange(0f, 255f), q)

    @Test
    fun float32IsWrittenAsIsInNativeOrder() {
        val info = tensor(DType.FLOAT32, null)
        val buffer = TensorCodec.encodeImage(image(2, 1, floatArrayOf(0f, 1.5f, 255f, 12f, 13f, 14f)), info)
        assertEquals(ByteOrder.nativeOrder(), buffer.order())
        assertEquals(24, buffer.capacity())
        assertEquals(1.5f, buffer.getFloat(4), 0f)
        assertEquals(14f, buffer.getFloat(20), 0f)
        assertEquals(0, buffer.position())
    }

    @Test
    fun uint8UsesScaleAndZeroPoint() {
        val info = tensor(DType.UINT8, Quantization(2f, 10))
        val buffer = TensorCodec.encodeImage(image(2, 1, floatArrayOf(0f, 3f, 5f, 100f, 600f, -50f)), info)
        val bytes = IntArray(6) { buffer.get(it).toInt() and 0xFF }
        // q = rint(x / 2) + 10, clamped to [0, 255]: 1.5 -> 2, 2.5 -> 2 (ties to even).
        assertArrayEquals(intArrayOf(10, 12, 12, 60, 255, 0), bytes)
        // The exporter's uint8 input (scale 1, zero point 0) takes raw pixel values.
        val raw = TensorCodec.encodeImage(image(2, 1, floatArrayOf(0f, 1f, 127f, 128f, 254f, 255f)), tensor(DType.UINT8, Quantization(1f, 0)))
        assertArrayEquals(intArrayOf(0, 1, 127, 128, 254, 255), IntArray(6) { raw.get(it).toInt() and 0xFF })
    }

    @Test
    fun outputsAreDequantizedAndClamped() {
        val info = tensor(DType.UINT8, Quantization(1.2f, 5))
        val buffer = TensorCodec.allocate(info)
        intArrayOf(0, 5, 6, 100, 255, 220).forEachIndexed { i, q -> buffer.put(i, q.toByte()) }
        val out = TensorCodec.decodeImage(buffer, info)
        // pixel = 1.2 * (q - 5), clamped to [0, 255].
        assertArrayEquals(floatArrayOf(0f, 0f, 1.2f, 114f, 255f, 258f.coerceAtMost(255f)), out.data, 1e-4f)

        val floats = tensor(DType.FLOAT32, null)
        val fb = TensorCodec.allocate(floats)
        floatArrayOf(-3f, 0f, 127.25f, 255f, 300f, Float.NaN).forEachIndexed { i, v -> fb.putFloat(4 * i, v) }
        assertArrayEquals(floatArrayOf(0f, 0f, 127.25f, 255f, 255f, 0f), TensorCodec.decodeImage(fb, floats).data, 0f)
    }

    @Test
    fun int8UsesSignedValues() {
        val info = tensor(DType.INT8, Quantization(1f, -128))
        val buffer = TensorCodec.encodeImage(image(2, 1, floatArrayOf(0f, 1f, 128f, 255f, 256f, -1f)), info)
        assertArrayEquals(byteArrayOf(-128, -127, 0, 127, 127, -128), ByteArray(6) { buffer.get(it) })
        assertArrayEquals(floatArrayOf(0f, 1f, 128f, 255f, 255f, 0f), TensorCodec.decodeImage(buffer, info).data, 0f)
    }

    @Test
    fun vectorsRoundTripWithoutClamping() {
        val info = TensorInfo("style_vector", null, listOf(1, 4), DType.FLOAT32, null, null)
        val v = floatArrayOf(-2.5f, 0f, 3.25f, 1000f)
        assertArrayEquals(v, TensorCodec.decodeVector(TensorCodec.encodeVector(v, info), info), 0f)
        val q = TensorInfo("style_vector", null, listOf(1, 4), DType.INT8, null, Quantization(0.5f, 0))
        assertArrayEquals(floatArrayOf(-2.5f, 0f, 3f, 63.5f), TensorCodec.decodeVector(TensorCodec.encodeVector(v, q), q), 0f)
    }

    @Test
    fun quantizedTensorWithoutParametersTakesRawValues() {
        val info = tensor(DType.UINT8, null)
        val buffer = TensorCodec.encodeImage(image(2, 1, floatArrayOf(0f, 1f, 2f, 3f, 4f, 5f)), info)
        assertArrayEquals(floatArrayOf(0f, 1f, 2f, 3f, 4f, 5f), TensorCodec.decodeImage(buffer, info).data, 0f)
    }

    @Test
    fun refusesMismatchedSizesAndBuffers() {
        val info = tensor(DType.FLOAT32, null)
        expectIllegal("takes 2x1") { TensorCodec.encodeImage(image(1, 2, FloatArray(6)), info) }
        expectIllegal("needs 24 bytes") { TensorCodec.encodeImage(image(2, 1, FloatArray(6)), info, ByteBuffer.allocateDirect(12).order(ByteOrder.nativeOrder())) }
        val wrongOrder = if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) ByteOrder.BIG_ENDIAN else ByteOrder.LITTLE_ENDIAN
        expectIllegal("native byte order") { TensorCodec.encodeImage(image(2, 1, FloatArray(6)), info, ByteBuffer.allocateDirect(24).order(wrongOrder)) }
        expectIllegal("takes 3 values") { TensorCodec.encodeVector(FloatArray(4), TensorInfo("v", null, listOf(1, 3), DType.FLOAT32, null, null)) }
        try {
            TensorCodec.decodeImage(ByteBuffer.allocateDirect(400), TensorInfo("v", null, listOf(1, 100), DType.FLOAT32, null, null))
            fail("a [1, 100] tensor is not an image")
        } catch (e: ContractException) {
            // expected
        }
    }

    private fun expectIllegal(fragment: String, block: () -> Unit) {
        try {
            block()
        } catch (e: IllegalArgumentException) {
            if (!e.message!!.contains(fragment)) fail("message \"${e.message}\" should contain \"$fragment\"")
            return
        }
        fail("expected an IllegalArgumentException mentioning \"$fragment\"")
    }
}
