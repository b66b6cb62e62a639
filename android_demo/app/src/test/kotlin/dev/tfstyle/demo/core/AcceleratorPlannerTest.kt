package dev.tfstyle.demo.core

import dev.tfstyle.demo.core.Accelerator.CPU
import dev.tfstyle.demo.core.Accelerator.GPU
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

class AcceleratorPlannerTest {
    private fun plan(requested: Accelerator?, gpu: Boolean = true, model: Boolean? = true) =
        AcceleratorPlanner.plan(requested, gpu, model, listOf("SOME_OP"))

    @Test
    fun autoUsesTheGpuWhenDeviceAndModelAllowIt() {
        assertEquals(AcceleratorPlan(listOf(GPU, CPU), emptyList()), plan(null))
        assertEquals(listOf(GPU, CPU), plan(null, model = null).attempts) // unknown: try, fall back
        val noGpu = plan(null, gpu = false)
        assertEquals(listOf(CPU), noGpu.attempts)
        assertTrue(noGpu.notes.single().startsWith("CPU: LiteRT has no GPU accelerator"))
        val modelSaysNo = plan(null, model = false)
        assertEquals(listOf(CPU), modelSaysNo.attempts)
        assertTrue(modelSaysNo.notes.single().contains("SOME_OP"))
    }

    @Test
    fun explicitChoices() {
        assertEquals(AcceleratorPlan(listOf(GPU, CPU), emptyList()), plan(GPU))
        val noGpu = plan(GPU, gpu = false)
        assertEquals(listOf(CPU), noGpu.attempts)
        assertTrue(noGpu.notes.single().startsWith("not on the GPU"))
        assertEquals(listOf(CPU), plan(GPU, model = false).attempts)
        assertEquals(AcceleratorPlan(listOf(CPU), emptyList()), plan(CPU, gpu = false, model = false))
        assertEquals(AcceleratorPlan(listOf(CPU), emptyList()), plan(CPU))
    }

    @Test
    fun onlyLiteRtsCpuAndGpuAccelerators() {
        assertEquals(listOf("CPU", "GPU"), Accelerator.entries.map { it.name })
        assertEquals("float16", AcceleratorPlanner.preferredFormats.first())
        assertEquals(setOf("float32", "float16", "dynamic", "int8"), AcceleratorPlanner.preferredFormats.toSet())
    }
}
