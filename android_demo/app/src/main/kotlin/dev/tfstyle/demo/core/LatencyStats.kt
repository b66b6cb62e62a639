package dev.tfstyle.demo.core

import kotlin.math.ceil
import kotlin.math.floor

/** Latency of repeated runs, in milliseconds. */
data class LatencySummary(
    val runs: Int,
    val medianMs: Double,
    val p90Ms: Double,
    val minMs: Double,
    val maxMs: Double,
    val meanMs: Double,
) {
    override fun toString(): String = "median %.1f ms, p90 %.1f ms (min %.1f, %d runs)".format(java.util.Locale.ROOT, medianMs, p90Ms, minMs, runs)
}

object LatencyStats {
    /** Median, 90th percentile, min, max and mean of [samplesMs] (at least one sample). */
    fun summarize(samplesMs: DoubleArray): LatencySummary {
        require(samplesMs.isNotEmpty()) { "no samples" }
        require(samplesMs.all { it.isFinite() }) { "samples must be finite" }
        val sorted = samplesMs.sortedArray()
        return LatencySummary(
            runs = sorted.size,
            medianMs = percentileOfSorted(sorted, 50.0),
            p90Ms = percentileOfSorted(sorted, 90.0),
            minMs = sorted.first(),
            maxMs = sorted.last(),
            meanMs = sorted.sum() / sorted.size,
        )
    }

    /** The [q]-th percentile (0..100) with linear interpolation between order statistics (numpy's default). */
    fun percentile(samples: DoubleArray, q: Double): Double {
        require(samples.isNotEmpty()) { "no samples" }
        return percentileOfSorted(samples.sortedArray(), q)
    }

    private fun percentileOfSorted(sorted: DoubleArray, q: Double): Double {
        require(q in 0.0..100.0) { "percentile must be in [0, 100], got $q" }
        val position = (sorted.size - 1) * q / 100.0
        val lo = floor(position).toInt()
        val hi = ceil(position).toInt()
        val fraction = position - lo
        return sorted[lo] + (sorted[hi] - sorted[lo]) * fraction
    }
}

/** Times a piece of work: [warmup] untimed runs, then [runs] timed ones. */
object Benchmark {
    fun measure(runs: Int, warmup: Int = 3, clockNanos: () -> Long = System::nanoTime, body: () -> Unit): LatencySummary {
        require(runs >= 1) { "runs must be >= 1, got $runs" }
        require(warmup >= 0) { "warmup must be >= 0, got $warmup" }
        repeat(warmup) { body() }
        val samples = DoubleArray(runs)
        for (i in 0 until runs) {
            val start = clockNanos()
            body()
            samples[i] = (clockNanos() - start) / 1e6
        }
        return LatencyStats.summarize(samples)
    }
}

/** One model on one accelerator, as the benchmark screen lists it: timings, or why there are none. */
data class BenchmarkRow(
    val model: String,
    val accelerator: String,
    val summary: LatencySummary?,
    val initMs: Double?,
    val problem: String? = null,
)

/** The benchmark screen's fixed-width table (monospace text, copyable). */
object BenchmarkReport {
    private const val MODEL = 34
    private const val ACCELERATOR = 16

    val header: String =
        "model".padEnd(MODEL) + "accelerator".padEnd(ACCELERATOR) + "median ms".padStart(10) + "p90 ms".padStart(10) + "init ms".padStart(10)

    fun line(row: BenchmarkRow): String {
        val start = row.model.padEnd(MODEL) + row.accelerator.padEnd(ACCELERATOR)
        val s = row.summary
        if (s == null) return start + "n/a: " + (row.problem ?: "not run")
        return start + ms(s.medianMs) + ms(s.p90Ms) + (row.initMs?.let { ms(it) } ?: "".padStart(10))
    }

    private fun ms(value: Double): String = "%.1f".format(java.util.Locale.ROOT, value).padStart(10)
}
