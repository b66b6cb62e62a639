package dev.tfstyle.demo.core

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

class TensorCodecTest {
    private fun image(width: Int, height: Int, values: FloatArray) = RgbImage(width, height, values)
    private fun tensor(dtype: DType, q: Quantization?, shape: List<Int> = listOf(1, 1, 2, 3)) =
        TensorInfo("t", null, shape, dtype, ValueRange(0f, 255f), q)

    private fun floats(data: TensorData): FloatArray = (data as TensorData.Floats).values
    private fun bytes(data: TensorData): ByteArray = (data as TensorData.Bytes).values
    private fun unsigned(data: TensorData): IntArray = bytes(data).map { it.toInt() and 0xFF }.toIntArray()

    @Test
    fun float32IsWrittenAsFloats() {
        val info = tensor(DType.FLOAT32, null)
        val values = floatArrayOf(0f, 1.5f, 255f, 12f, 13f, 14f)
        val data = TensorCodec.encodeImage(image(2, 1, values), info)
        assertArrayEquals(values, floats(data), 0f)
        assertEquals(6, data.size)
        assertTrue(TensorCodec.allocate(tensor(DType.UINT8, null)) is TensorData.Bytes)
        assertTrue(TensorCodec.allocate(tensor(DType.INT8, null)) is TensorData.Bytes)
    }

    @Test
    fun uint8UsesScaleAndZeroPoint() {
        val info = tensor(DType.UINT8, Quantization(2f, 10))
        val data = TensorCodec.encodeImage(image(2, 1, floatArrayOf(0f, 3f, 5f, 100f, 600f, -50f)), info)
        // q = rint(x / 2) + 10, clamped to [0, 255]: 1.5 -> 2, 2.5 -> 2 (ties to even).
        assertArrayEquals(intArrayOf(10, 12, 12, 60, 255, 0), unsigned(data))
        // The exporter's uint8 input (scale 1, zero point 0) takes raw pixel values.
        val raw = TensorCodec.encodeImage(image(2, 1, floatArrayOf(0f, 1f, 127f, 128f, 254f, 255f)), tensor(DType.UINT8, Quantization(1f, 0)))
        assertArrayEquals(intArrayOf(0, 1, 127, 128, 254, 255), unsigned(raw))
    }

    @Test
    fun outputsAreDequantizedAndClamped() {
        val info = tensor(DType.UINT8, Quantization(1.2f, 5))
        val data = TensorData.Bytes(intArrayOf(0, 5, 6, 100, 255, 220).map { it.toByte() }.toByteArray())
        // pixel = 1.2 * (q - 5), clamped to [0, 255]: the bytes are read as unsigned.
        assertArrayEquals(floatArrayOf(0f, 0f, 1.2f, 114f, 255f, 255f), TensorCodec.decodeImage(data, info).data, 1e-4f)

        val floats = TensorData.Floats(floatArrayOf(-3f, 0f, 127.25f, 255f, 300f, Float.NaN))
        assertArrayEquals(floatArrayOf(0f, 0f, 127.25f, 255f, 255f, 0f), TensorCodec.decodeImage(floats, tensor(DType.FLOAT32, null)).data, 0f)
        assertEquals(-3f, floats.values[0], 0f) // decoding leaves the runner's values alone
    }

    @Test
    fun int8UsesSignedValues() {
        val info = tensor(DType.INT8, Quantization(1f, -128))
        val data = TensorCodec.encodeImage(image(2, 1, floatArrayOf(0f, 1f, 128f, 255f, 256f, -1f)), info)
        assertArrayEquals(byteArrayOf(-128, -127, 0, 127, 127, -128), bytes(data))
        assertArrayEquals(floatArrayOf(0f, 1f, 128f, 255f, 255f, 0f), TensorCodec.decodeImage(data, info).data, 0f)
    }

    @Test
    fun vectorsRoundTripWithoutClamping() {
        val info = TensorInfo("style_vector", null, listOf(1, 4), DType.FLOAT32, null, null)
        val v = floatArrayOf(-2.5f, 0f, 3.25f, 1000f)
        assertArrayEquals(v, TensorCodec.decodeVector(TensorCodec.encodeVector(v, info), info), 0f)
        val q = TensorInfo("style_vector", null, listOf(1, 4), DType.INT8, null, Quantization(0.5f, 0))
        assertArrayEquals(floatArrayOf(-2.5f, 0f, 3f, 63.5f), TensorCodec.decodeVector(TensorCodec.encodeVector(v, q), q), 0f)
        val u = TensorInfo("style_vector", null, listOf(1, 4), DType.UINT8, null, Quantization(2f, 128))
        assertArrayEquals(floatArrayOf(-2f, 0f, 4f, 254f), TensorCodec.decodeVector(TensorCodec.encodeVector(v, u), u), 0f)
    }

    @Test
    fun quantizedTensorWithoutParametersTakesRawValues() {
        val info = tensor(DType.UINT8, null)
        val data = TensorCodec.encodeImage(image(2, 1, floatArrayOf(0f, 1f, 2f, 3f, 4f, 5f)), info)
        assertArrayEquals(floatArrayOf(0f, 1f, 2f, 3f, 4f, 5f), TensorCodec.decodeImage(data, info).data, 0f)
    }

    @Test
    fun refusesMismatchedSizesAndTypes() {
        val info = tensor(DType.FLOAT32, null)
        expectIllegal("takes 2x1") { TensorCodec.encodeImage(image(1, 2, FloatArray(6)), info) }
        expectIllegal("has 6 values") { TensorCodec.encodeImage(image(2, 1, FloatArray(6)), info, TensorData.Floats(FloatArray(3))) }
        expectIllegal("is float32, got bytes") { TensorCodec.encodeImage(image(2, 1, FloatArray(6)), info, TensorData.Bytes(ByteArray(6))) }
        expectIllegal("is uint8, got floats") { TensorCodec.decodeImage(TensorData.Floats(FloatArray(6)), tensor(DType.UINT8, null)) }
        expectIllegal("takes 3 values") { TensorCodec.encodeVector(FloatArray(4), TensorInfo("v", null, listOf(1, 3), DType.FLOAT32, null, null)) }
        try {
            TensorCodec.decodeImage(TensorData.Floats(FloatArray(100)), TensorInfo("v", null, listOf(1, 100), DType.FLOAT32, null, null))
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
