package dev.tfstyle.demo.core

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertSame
import org.junit.Test

class ImageOpsTest {
    /** value(x, y, c) = (37x + 91y + 53c) mod 256, the image the golden values below were made from. */
    private fun pattern(width: Int, height: Int): RgbImage {
        val image = RgbImage(width, height)
        for (y in 0 until height) for (x in 0 until width) for (c in 0 until 3) {
            image.data[(y * width + x) * 3 + c] = ((x * 37 + y * 91 + c * 53) % 256).toFloat()
        }
        return image
    }

    /*
     * Golden values: Pillow 11, each channel of pattern() as a mode "F" image,
     * Image.resize((w, h), Image.BILINEAR); printed with 5 decimals:
     *   np.stack([np.asarray(Image.fromarray(a[:, :, c], mode="F").resize((w, h), Image.BILINEAR)) for c in range(3)], -1)
     */
    @Test
    fun shrinkingMatchesPillowBilinear() {
        val expected = floatArrayOf(
            80.85714f, 118.18367f, 150.28572f, 110.55556f, 155.42857f, 123.09524f, 160.57143f, 150.87755f, 156.85715f,
            114.14286f, 120.12244f, 110.42857f, 86.95238f, 115.57143f, 140.12698f, 120.71428f, 152.81633f, 127.44897f,
        )
        assertArrayEquals(expected, ImageOps.resize(pattern(5, 4), 3, 2).data, 2e-3f)
    }

    @Test
    fun shrinkingBothWaysMatchesPillowBilinear() {
        val expected = floatArrayOf(
            64.78214f, 117.78214f, 151.58215f, 137.36890f, 169.29575f, 152.83232f, 140.24695f, 129.24695f, 113.56403f, 75.46786f,
            96.46786f, 149.46785f, 135.54604f, 127.59365f, 110.70158f, 105.02168f, 128.88347f, 116.66938f, 114.92412f, 141.56097f,
            164.03523f, 148.36508f, 142.85078f, 134.89841f, 90.63493f, 131.44444f, 156.81270f, 124.07588f, 139.61247f, 135.02982f,
            133.97832f, 146.73984f, 107.46883f, 103.45396f, 117.44444f, 158.25397f, 163.53214f, 147.96072f, 122.33214f, 98.75305f,
            100.24085f, 127.48476f, 101.63110f, 152.28963f, 150.65549f, 174.21785f, 167.78928f, 120.21786f,
        )
        assertArrayEquals(expected, ImageOps.resize(pattern(9, 6), 4, 4).data, 2e-3f)
    }

    @Test
    fun enlargingMatchesPillowBilinear() {
        val result = ImageOps.resize(pattern(4, 3), 7, 5)
        // A few of Pillow's 105 values: corners and the middle.
        assertEquals(0f, result[0, 0, 0], 2e-3f)
        assertEquals(53f, result[0, 0, 1], 2e-3f)
        assertEquals(13.21429f, result[1, 0, 0], 2e-3f)
        assertEquals(111f, result[6, 0, 0], 2e-3f)
        assertEquals(91f, result[0, 2, 0], 2e-3f)
        assertEquals(104.21429f, result[1, 2, 0], 2e-3f)
        assertEquals(145.60001f, result[0, 3, 0], 2e-3f)
        assertEquals(158.81429f, result[1, 3, 0], 2e-3f)
        assertEquals(143f, result[6, 4, 2], 2e-3f)
        assertEquals(37f, result[6, 4, 0], 2e-3f)
        assertEquals(76.78571f, result[5, 4, 1], 2e-3f)
    }

    @Test
    fun coverCropGeometryIsPythons() {
        // (srcW, srcH, target) -> (scaledW, scaledH, left, top), computed by tfstyle.image.io.cover_crop's formula.
        assertEquals(CoverCropGeometry(512, 384, 64, 0), ImageOps.coverCropGeometry(1000, 750, 384, 384))
        assertEquals(CoverCropGeometry(512, 384, 64, 0), ImageOps.coverCropGeometry(4000, 3000, 384, 384))
        assertEquals(CoverCropGeometry(384, 384, 0, 0), ImageOps.coverCropGeometry(384, 384, 384, 384))
        assertEquals(CoverCropGeometry(3840, 384, 1728, 0), ImageOps.coverCropGeometry(1000, 100, 384, 384))
        assertEquals(CoverCropGeometry(2, 5, 0, 1), ImageOps.coverCropGeometry(2, 5, 2, 2))
        // 5 x 0.5 = 2.5: Python's round gives 2 (half to even), Math.round would give 3.
        assertEquals(CoverCropGeometry(2, 2, 0, 0), ImageOps.coverCropGeometry(5, 4, 2, 2))
    }

    @Test
    fun coverCropMatchesPillowResizeThenCentreCrop() {
        // 9x6 -> cover 4x4: resized to 6x4, window from x = 1 (Pillow BILINEAR, then numpy slicing).
        val expected = floatArrayOf(
            99.90278f, 152.90277f, 141.90277f, 153.34723f, 174.34723f, 163.34723f, 146.90277f, 150.12500f, 114.23611f, 115.01389f,
            79.12500f, 114.34722f, 104.29630f, 109.88889f, 106.00000f, 110.33334f, 134.88889f, 121.51852f, 111.00000f, 132.39505f,
            160.11111f, 126.51852f, 163.71605f, 166.14815f, 112.48148f, 146.51851f, 152.11111f, 128.00000f, 133.59259f, 129.70370f,
            128.66666f, 165.86420f, 92.44444f, 134.70370f, 108.69136f, 136.40741f, 123.98611f, 112.98611f, 112.65278f, 92.09722f,
            91.76389f, 134.09723f, 85.65278f, 138.65277f, 173.87500f, 139.09723f, 192.09723f, 102.87500f,
        )
        val result = ImageOps.coverCrop(pattern(9, 6), 4, 4)
        assertEquals(4, result.width)
        assertEquals(4, result.height)
        assertArrayEquals(expected, result.data, 2e-3f)
    }

    @Test
    fun constantImagesStayConstant() {
        val grey = RgbImage(37, 23, FloatArray(37 * 23 * 3) { 77.25f })
        for (out in listOf(ImageOps.resize(grey, 5, 9), ImageOps.resize(grey, 80, 61), ImageOps.coverCrop(grey, 16, 16))) {
            for (v in out.data) assertEquals(77.25f, v, 1e-3f)
        }
    }

    @Test
    fun sameSizeIsIdentityAndCropIsExact() {
        val image = pattern(6, 5)
        assertArrayEquals(image.data, ImageOps.resize(image, 6, 5).data, 0f)
        assertSame(image, ImageOps.coverCrop(image, 6, 5))
        val square = ImageOps.coverCrop(image, 5, 5) // no resize: the centre 5x5 (left = 0 after integer halving of 1)
        assertEquals(image[0, 0, 0], square[0, 0, 0], 0f)
        assertEquals(image[4, 4, 2], square[4, 4, 2], 0f)
        val crop = ImageOps.crop(image, 2, 1, 3, 2)
        assertEquals(image[2, 1, 1], crop[0, 0, 1], 0f)
        assertEquals(image[4, 2, 2], crop[2, 1, 2], 0f)
    }

    @Test
    fun decodeSampleSizeKeepsTheShortSide() {
        assertEquals(1, ImageOps.sampleSizeFor(1000, 750, 768))
        assertEquals(2, ImageOps.sampleSizeFor(4000, 1536, 768))
        assertEquals(1, ImageOps.sampleSizeFor(4000, 1535, 768))
        assertEquals(2, ImageOps.sampleSizeFor(4032, 3024, 768))
        assertEquals(4, ImageOps.sampleSizeFor(6000, 4000, 768))
        assertEquals(1, ImageOps.sampleSizeFor(100, 100, 768))
    }

    @Test
    fun argbRoundTrip() {
        val pixels = intArrayOf(0xFF102030.toInt(), 0x80FFFFFF.toInt(), 0x00000000, 0xFF7F8081.toInt())
        val image = RgbImage.fromArgb(pixels, 2, 2)
        assertArrayEquals(floatArrayOf(16f, 32f, 48f, 255f, 255f, 255f, 0f, 0f, 0f, 127f, 128f, 129f), image.data, 0f)
        // Alpha is dropped (opaque out), values round half to even and clamp.
        assertArrayEquals(intArrayOf(0xFF102030.toInt(), 0xFFFFFFFF.toInt(), 0xFF000000.toInt(), 0xFF7F8081.toInt()), image.toArgb())
        val odd = RgbImage(1, 1, floatArrayOf(-4f, 254.5f, 300f))
        assertArrayEquals(intArrayOf(0xFF00FEFF.toInt()), odd.toArgb())
        assertArrayEquals(intArrayOf(0xFF020300.toInt()), RgbImage(1, 1, floatArrayOf(2.5f, 3.4999f, Float.NaN)).toArgb())
    }
}
