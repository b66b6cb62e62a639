package dev.tfstyle.demo.core

/** Where a model runs. CPU variants use the XNNPACK delegate; [threads] is the interpreter's thread count. */
enum class Accelerator(val label: String, val threads: Int) {
    CPU_1_THREAD("CPU 1 thread (XNNPACK)", 1),
    CPU_4_THREADS("CPU 4 threads (XNNPACK)", 4),
    GPU("GPU delegate", 4),
    NNAPI("NNAPI", 4),
}

/** The accelerators to try, in order, and why any wish was not followed. */
data class DelegatePlan(val attempts: List<Accelerator>, val notes: List<String>)

/**
 * Which delegate to try first, from facts the Android layer gathers: whether the GPU delegate's
 * CompatibilityList accepts this device, whether the model's metadata says the GPU delegate can
 * run all its ops, and whether NNAPI is there. Every plan ends with CPU (XNNPACK), the fallback
 * when a delegate fails to initialise.
 */
object DelegatePlanner {
    /** [requested] null means automatic: the GPU where it can run the model, else the CPU with 4 threads. */
    fun plan(
        requested: Accelerator?,
        gpuSupportedOnDevice: Boolean,
        modelGpuCompatible: Boolean?,
        gpuUnsupportedOps: List<String> = emptyList(),
        nnapiAvailable: Boolean,
    ): DelegatePlan {
        val fallback = Accelerator.CPU_4_THREADS
        val gpuReason = when {
            !gpuSupportedOnDevice -> "the GPU delegate does not support this device (CompatibilityList)"
            modelGpuCompatible == false -> "the model uses ops the GPU delegate cannot run: ${gpuUnsupportedOps.joinToString(", ").ifEmpty { "see its metadata" }}"
            else -> null
        }
        return when (requested) {
            null -> if (gpuReason == null) DelegatePlan(listOf(Accelerator.GPU, fallback), emptyList()) else DelegatePlan(listOf(fallback), listOf("CPU: $gpuReason"))
            Accelerator.GPU -> if (gpuReason == null) DelegatePlan(listOf(Accelerator.GPU, fallback), emptyList()) else DelegatePlan(listOf(fallback), listOf("not on the GPU: $gpuReason"))
            Accelerator.NNAPI -> if (nnapiAvailable) DelegatePlan(listOf(Accelerator.NNAPI, fallback), emptyList()) else DelegatePlan(listOf(fallback), listOf("not on NNAPI: it needs Android 8.1 (API 27) or newer"))
            Accelerator.CPU_1_THREAD, Accelerator.CPU_4_THREADS -> DelegatePlan(listOf(requested), emptyList())
        }
    }

    /** Model formats to prefer on [accelerator] (first available wins): float16 halves the file and suits the GPU. */
    fun preferredFormats(accelerator: Accelerator?): List<String> = when (accelerator) {
        null, Accelerator.GPU -> listOf("float16", "float32", "int8", "dynamic")
        Accelerator.NNAPI -> listOf("int8", "float16", "float32", "dynamic")
        Accelerator.CPU_1_THREAD, Accelerator.CPU_4_THREADS -> listOf("float16", "float32", "int8", "dynamic")
    }
}
