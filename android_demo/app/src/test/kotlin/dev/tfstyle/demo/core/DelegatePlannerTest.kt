package dev.tfstyle.demo.core

import dev.tfstyle.demo.core.Accelerator.CPU_1_THREAD
import dev.tfstyle.demo.core.Accelerator.CPU_4_THREADS
import dev.tfstyle.demo.core.Accelerator.GPU
import dev.tfstyle.demo.core.Accelerator.NNAPI
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

class DelegatePlannerTest {
    private fun plan(requested: Accelerator?, device: Boolean = true, model: Boolean? = true, nnapi: Boolean = true) =
        DelegatePlanner.plan(requested, device, model, listOf("SOME_OP"), nnapi)

    @Test
    fun autoUsesTheGpuWhenDeviceAndModelAllowIt() {
        assertEquals(listOf(GPU, CPU_4_THREADS), plan(null).attempts)
        assertEquals(listOf(GPU, CPU_4_THREADS), plan(null, model = null).attempts) // unknown: try, fall back
        assertEquals(listOf(CPU_4_THREADS), plan(null, device = false).attempts)
        val modelSaysNo = plan(null, model = false)
        assertEquals(listOf(CPU_4_THREADS), modelSaysNo.attempts)
        assertTrue(modelSaysNo.notes.single().contains("SOME_OP"))
    }

    @Test
    fun explicitChoicesFallBackToTheCpu() {
        assertEquals(listOf(GPU, CPU_4_THREADS), plan(GPU).attempts)
        assertTrue(plan(GPU, device = false).notes.single().contains("CompatibilityList"))
        assertEquals(listOf(NNAPI, CPU_4_THREADS), plan(NNAPI).attempts)
        assertEquals(listOf(CPU_4_THREADS), plan(NNAPI, nnapi = false).attempts)
        assertEquals(listOf(CPU_1_THREAD), plan(CPU_1_THREAD, device = false).attempts)
        assertEquals(listOf(CPU_4_THREADS), plan(CPU_4_THREADS).attempts)
        assertEquals(1, CPU_1_THREAD.threads)
        assertEquals(4, CPU_4_THREADS.threads)
    }

    @Test
    fun formatPreferences() {
        assertEquals("float16", DelegatePlanner.preferredFormats(GPU).first())
        assertEquals("int8", DelegatePlanner.preferredFormats(NNAPI).first())
        for (a in listOf(null) + Accelerator.entries) {
            assertEquals(setOf("float32", "float16", "dynamic", "int8"), DelegatePlanner.preferredFormats(a).toSet())
        }
    }
}
