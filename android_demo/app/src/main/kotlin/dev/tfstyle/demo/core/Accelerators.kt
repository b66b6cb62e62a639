package dev.tfstyle.demo.core

/**
 * Where a model runs: one of LiteRT 2's hardware accelerators, as `CompiledModel.Options` takes
 * them. [CPU] is LiteRT's CPU accelerator (XNNPACK); [GPU] is its GPU accelerator, used alone so
 * that a model compiles on it only when every op runs there.
 */
enum class Accelerator(val label: String) {
    CPU("CPU (XNNPACK)"),
    GPU("GPU"),
}

/** The accelerators to try, in order, and why any wish was not followed. */
data class AcceleratorPlan(val attempts: List<Accelerator>, val notes: List<String>)

/**
 * Which accelerator to try first, from facts the Android layer gathers: whether LiteRT registered
 * its GPU accelerator on this device, and whether the model's metadata says all its ops run on the
 * GPU. Every plan ends with the CPU, the fallback when compiling for the GPU fails.
 */
object AcceleratorPlanner {
    /** [requested] null means automatic: the GPU where the model suits it, else the CPU. */
    fun plan(
        requested: Accelerator?,
        gpuAvailable: Boolean,
        modelGpuCompatible: Boolean?,
        gpuUnsupportedOps: List<String> = emptyList(),
    ): AcceleratorPlan {
        if (requested == Accelerator.CPU) return AcceleratorPlan(listOf(Accelerator.CPU), emptyList())
        val gpuReason = when {
            !gpuAvailable -> "LiteRT has no GPU accelerator on this device"
            modelGpuCompatible == false -> "the model uses ops the GPU cannot run: ${gpuUnsupportedOps.joinToString(", ").ifEmpty { "see its metadata" }}"
            else -> null
        }
        if (gpuReason == null) return AcceleratorPlan(listOf(Accelerator.GPU, Accelerator.CPU), emptyList())
        val note = if (requested == null) "CPU: $gpuReason" else "not on the GPU: $gpuReason"
        return AcceleratorPlan(listOf(Accelerator.CPU), listOf(note))
    }

    /** Model formats to prefer (first available wins): float16 halves the file and suits the GPU. */
    val preferredFormats: List<String> = listOf("float16", "float32", "int8", "dynamic")
}
