package dev.tfstyle.demo.core

import org.junit.Assert.assertEquals
import org.junit.Test

class LatencyStatsTest {
    // Expected values from numpy: np.median(x), np.percentile(x, 90) (linear interpolation).
    private val samples = doubleArrayOf(12.5, 3.0, 7.25, 100.0, 55.5, 8.0, 9.0, 10.0, 1.0, 42.0, 13.0)

    @Test
    fun medianAndP90MatchNumpy() {
        val s = LatencyStats.summarize(samples)
        assertEquals(11, s.runs)
        assertEquals(10.0, s.medianMs, 1e-12)
        assertEquals(55.5, s.p90Ms, 1e-12)
        assertEquals(1.0, s.minMs, 0.0)
        assertEquals(100.0, s.maxMs, 0.0)
        assertEquals(samples.sum() / 11, s.meanMs, 1e-12)

        val four = LatencyStats.summarize(samples.copyOf(4))
        assertEquals(9.875, four.medianMs, 1e-12)
        assertEquals(73.75, four.p90Ms, 1e-9)
        assertEquals(12.5, LatencyStats.summarize(doubleArrayOf(12.5)).p90Ms, 0.0)
        assertEquals(1.0, LatencyStats.percentile(samples, 0.0), 0.0)
        assertEquals(100.0, LatencyStats.percentile(samples, 100.0), 0.0)
    }

    @Test
    fun inputIsNotReordered() {
        val copy = samples.copyOf()
        LatencyStats.summarize(copy)
        assertEquals(samples.toList(), copy.toList())
    }

    @Test
    fun benchmarkWarmsUpThenTimesEachRun() {
        var now = 0L
        var calls = 0
        val durationsMs = longArrayOf(50, 50, 50, 10, 20, 30, 40, 100) // 3 warm-up runs first
        val s = Benchmark.measure(runs = 5, warmup = 3, clockNanos = { now }) {
            now += durationsMs[calls++] * 1_000_000
        }
        assertEquals(8, calls)
        assertEquals(5, s.runs)
        assertEquals(30.0, s.medianMs, 1e-9)
        assertEquals(76.0, s.p90Ms, 1e-9) // 40 + 0.6 * (100 - 40)
        assertEquals(10.0, s.minMs, 1e-9)
        assertEquals("median 30.0 ms, p90 76.0 ms (min 10.0, 5 runs)", s.toString())
    }
}

class BenchmarkReportTest {
    @Test
    fun formatsRowsAsAFixedWidthTable() {
        val summary = LatencyStats.summarize(doubleArrayOf(10.0, 20.0, 30.0))
        val line = BenchmarkReport.line(BenchmarkRow("wave_float16_384.tflite", Accelerator.GPU.label, summary, 123.456))
        assertEquals(BenchmarkReport.header.length, line.length)
        assertEquals(listOf("wave_float16_384.tflite", "GPU", "20.0", "28.0", "123.5"), line.split(Regex("\\s+")))
        val skipped = BenchmarkReport.line(BenchmarkRow("wave_int8_384.tflite", Accelerator.GPU.label, null, null, "no GPU accelerator"))
        assertEquals(true, skipped.endsWith("n/a: no GPU accelerator"))
        val cpu = BenchmarkReport.line(BenchmarkRow("wave_int8_384.tflite", Accelerator.CPU.label, summary, 5.0))
        assertEquals(BenchmarkReport.header.length, cpu.length)
        assertEquals(true, BenchmarkReport.header.contains("accelerator"))
    }
}
