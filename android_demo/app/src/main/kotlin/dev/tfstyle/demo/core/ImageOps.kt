package dev.tfstyle.demo.core

import kotlin.math.ceil
import kotlin.math.max
import kotlin.math.min

/** An RGB image as interleaved float values in [0, 255] (row-major, 3 values a pixel). */
class RgbImage(val width: Int, val height: Int, val data: FloatArray = FloatArray(width * height * 3)) {
    init {
        require(width > 0 && height > 0) { "image size must be positive, got ${width}x$height" }
        require(data.size == width * height * 3) { "expected ${width * height * 3} values for ${width}x$height RGB, got ${data.size}" }
    }

    operator fun get(x: Int, y: Int, channel: Int): Float = data[(y * width + x) * 3 + channel]

    /** ARGB_8888 pixels (alpha 255); values rounded to nearest (ties to even) and clamped to [0, 255]. */
    fun toArgb(): IntArray {
        val pixels = IntArray(width * height)
        for (i in pixels.indices) {
            val r = toByte(data[3 * i])
            val g = toByte(data[3 * i + 1])
            val b = toByte(data[3 * i + 2])
            pixels[i] = (0xFF shl 24) or (r shl 16) or (g shl 8) or b
        }
        return pixels
    }

    companion object {
        /** From ARGB_8888 pixels (Android's Bitmap.getPixels layout); alpha is ignored. */
        fun fromArgb(pixels: IntArray, width: Int, height: Int): RgbImage {
            require(pixels.size == width * height) { "expected ${width * height} pixels for ${width}x$height, got ${pixels.size}" }
            val image = RgbImage(width, height)
            for (i in pixels.indices) {
                val p = pixels[i]
                image.data[3 * i] = ((p shr 16) and 0xFF).toFloat()
                image.data[3 * i + 1] = ((p shr 8) and 0xFF).toFloat()
                image.data[3 * i + 2] = (p and 0xFF).toFloat()
            }
            return image
        }

        internal fun toByte(value: Float): Int {
            if (value.isNaN()) return 0
            return Math.rint(value.toDouble()).coerceIn(0.0, 255.0).toInt()
        }
    }
}

/** Where a cover-crop resizes to and which window it keeps (as tfstyle.image.io.cover_crop computes it). */
data class CoverCropGeometry(val scaledWidth: Int, val scaledHeight: Int, val left: Int, val top: Int)

/**
 * Resizing without Android: separable bilinear (triangle) filtering that widens with the
 * reduction factor, so shrinking averages every source pixel instead of aliasing. This is the
 * algorithm of Pillow's `Image.resize(..., BILINEAR)`; on float images the results agree with
 * Pillow to float rounding (see ImageOpsTest).
 *
 * [coverCrop] uses the geometry of the Python side's `cover_crop` exactly (scale to cover, sizes
 * rounded half-to-even like Python's round, centre window); only the filter differs (Python
 * uses Lanczos/bicubic).
 */
object ImageOps {
    fun coverCropGeometry(srcWidth: Int, srcHeight: Int, width: Int, height: Int): CoverCropGeometry {
        require(srcWidth > 0 && srcHeight > 0 && width > 0 && height > 0) { "sizes must be positive" }
        val scale = max(height.toDouble() / srcHeight, width.toDouble() / srcWidth)
        val scaledHeight = max(height, Math.rint(srcHeight * scale).toInt())
        val scaledWidth = max(width, Math.rint(srcWidth * scale).toInt())
        return CoverCropGeometry(scaledWidth, scaledHeight, (scaledWidth - width) / 2, (scaledHeight - height) / 2)
    }

    /** Resize [image] to cover [width] x [height] (aspect ratio kept), then keep the centre window. */
    fun coverCrop(image: RgbImage, width: Int, height: Int): RgbImage {
        val g = coverCropGeometry(image.width, image.height, width, height)
        return resample(image, g.scaledWidth, g.scaledHeight, g.left, g.top, width, height)
    }

    /** Resize [image] to [width] x [height] (aspect ratio not kept). */
    fun resize(image: RgbImage, width: Int, height: Int): RgbImage {
        require(width > 0 && height > 0) { "size must be positive, got ${width}x$height" }
        return resample(image, width, height, 0, 0, width, height)
    }

    /** Filter taps of one axis: output i reads [count] inputs from [start] with weights at i * [stride]. */
    internal class Taps(val start: IntArray, val count: IntArray, val weights: DoubleArray, val stride: Int)

    /**
     * Taps for resizing [inSize] to [outSize] along one axis, for the outputs
     * [first] until [first] + [n] (a crop window of the resized axis).
     */
    internal fun taps(inSize: Int, outSize: Int, first: Int, n: Int): Taps {
        val scale = inSize.toDouble() / outSize
        val filterScale = max(scale, 1.0)
        val support = filterScale // the triangle filter's support is 1
        val stride = ceil(support).toInt() * 2 + 1
        val ss = 1.0 / filterScale
        val start = IntArray(n)
        val count = IntArray(n)
        val weights = DoubleArray(n * stride)
        for (i in 0 until n) {
            val center = (first + i + 0.5) * scale
            val xmin = max((center - support + 0.5).toInt(), 0) // toInt truncates toward zero, like C
            val xmax = min((center + support + 0.5).toInt(), inSize) - xmin
            var total = 0.0
            for (x in 0 until xmax) {
                val w = triangle((x + xmin - center + 0.5) * ss)
                weights[i * stride + x] = w
                total += w
            }
            if (total != 0.0) for (x in 0 until xmax) weights[i * stride + x] /= total
            start[i] = xmin
            count[i] = xmax
        }
        return Taps(start, count, weights, stride)
    }

    private fun triangle(x: Double): Double {
        val a = if (x < 0) -x else x
        return if (a < 1.0) 1.0 - a else 0.0
    }

    private fun resample(src: RgbImage, scaledW: Int, scaledH: Int, left: Int, top: Int, outW: Int, outH: Int): RgbImage {
        require(left >= 0 && top >= 0 && left + outW <= scaledW && top + outH <= scaledH) { "crop window outside the resized image" }
        // Horizontal pass (every source row), then vertical; float storage between, like Pillow's "F" mode.
        val horizontal: RgbImage = if (scaledW == src.width) {
            crop(src, left, 0, outW, src.height)
        } else {
            val t = taps(src.width, scaledW, left, outW)
            val out = RgbImage(outW, src.height)
            for (y in 0 until src.height) {
                val row = y * src.width * 3
                for (i in 0 until outW) {
                    var r = 0.0
                    var g = 0.0
                    var b = 0.0
                    val base = i * t.stride
                    for (k in 0 until t.count[i]) {
                        val w = t.weights[base + k]
                        val p = row + (t.start[i] + k) * 3
                        r += src.data[p] * w
                        g += src.data[p + 1] * w
                        b += src.data[p + 2] * w
                    }
                    val o = (y * outW + i) * 3
                    out.data[o] = r.toFloat()
                    out.data[o + 1] = g.toFloat()
                    out.data[o + 2] = b.toFloat()
                }
            }
            out
        }
        if (scaledH == src.height) return crop(horizontal, 0, top, outW, outH)
        val t = taps(src.height, scaledH, top, outH)
        val out = RgbImage(outW, outH)
        for (j in 0 until outH) {
            val base = j * t.stride
            for (x in 0 until outW) {
                var r = 0.0
                var g = 0.0
                var b = 0.0
                for (k in 0 until t.count[j]) {
                    val w = t.weights[base + k]
                    val p = ((t.start[j] + k) * outW + x) * 3
                    r += horizontal.data[p] * w
                    g += horizontal.data[p + 1] * w
                    b += horizontal.data[p + 2] * w
                }
                val o = (j * outW + x) * 3
                out.data[o] = r.toFloat()
                out.data[o + 1] = g.toFloat()
                out.data[o + 2] = b.toFloat()
            }
        }
        return out
    }

    /**
     * Android's BitmapFactory `inSampleSize` for decoding a [width] x [height] photo: the largest
     * power of two that still leaves the short side at least [minShortSide] pixels (1 for small photos).
     */
    fun sampleSizeFor(width: Int, height: Int, minShortSide: Int): Int {
        require(width > 0 && height > 0 && minShortSide > 0) { "sizes must be positive" }
        val shortSide = min(width, height)
        var sample = 1
        while (shortSide / (sample * 2) >= minShortSide) sample *= 2
        return sample
    }

    /** The [width] x [height] window of [image] at ([left], [top]). */
    fun crop(image: RgbImage, left: Int, top: Int, width: Int, height: Int): RgbImage {
        require(left >= 0 && top >= 0 && left + width <= image.width && top + height <= image.height) {
            "crop ${width}x$height at ($left, $top) is outside a ${image.width}x${image.height} image"
        }
        if (left == 0 && top == 0 && width == image.width && height == image.height) return image
        val out = RgbImage(width, height)
        for (y in 0 until height) {
            System.arraycopy(image.data, ((top + y) * image.width + left) * 3, out.data, y * width * 3, width * 3)
        }
        return out
    }
}
