package dev.tfstyle.demo

import android.content.Context
import com.google.ai.edge.litert.Environment
import dev.tfstyle.demo.core.Accelerator
import dev.tfstyle.demo.core.AcceleratorPlanner
import dev.tfstyle.demo.core.ModelCatalog
import dev.tfstyle.demo.core.ModelContract
import dev.tfstyle.demo.core.ModelFile
import dev.tfstyle.demo.core.ModelMetadata
import dev.tfstyle.demo.core.StyleVectors
import java.io.FileNotFoundException
import com.google.ai.edge.litert.Accelerator as LiteRtAccelerator

/** A runner and what happened on the way (accelerators skipped or failed). */
class OpenedRunner(val runner: LiteRtRunner, val notes: List<String>)

/**
 * The app's view of its assets: the contract, the models present, their metadata (checked
 * against the contract), the built-in style vectors, and whether LiteRT offers its GPU
 * accelerator here. Not thread-safe: use it from one worker thread.
 */
class StyleEngine(context: Context) {
    private val assets = context.applicationContext.assets

    val contract: ModelContract = ModelContract.parse(readText(ModelContract.ASSET_NAME))
    val catalog = ModelCatalog(contract, assets.list("").orEmpty().toList())

    /** Built-in style vectors (empty when style_vectors.json is not in the APK), and why not. */
    val styleVectors: Map<String, FloatArray>
    val styleVectorsNote: String?

    /**
     * Whether LiteRT registered its GPU accelerator (the litert-gpu library loaded on this device;
     * `Environment.getAvailableAccelerators`). Whether a model compiles on it shows only when it is opened.
     */
    val gpuAvailable: Boolean = try {
        Environment.create().use { LiteRtAccelerator.GPU in it.getAvailableAccelerators() }
    } catch (e: Exception) {
        false
    } catch (e: LinkageError) {
        false
    }

    private val metadata = HashMap<String, ModelMetadata>()

    init {
        val name = contract.asset("style_vectors")
        var vectors: Map<String, FloatArray> = emptyMap()
        var note: String? = null
        try {
            vectors = StyleVectors.parse(readText(name), contract.styleVectorLength, name)
        } catch (e: FileNotFoundException) {
            note = "$name is not in the APK: built-in style vectors need android_demo/tools/make_style_vectors.py (see README)"
        } catch (e: Exception) {
            note = "$name unusable: ${e.message}"
        }
        styleVectors = vectors
        styleVectorsNote = note
    }

    /** The model's metadata, checked against the contract (throws ContractException listing every mismatch). */
    fun metadata(file: ModelFile): ModelMetadata = metadata.getOrPut(file.fileName) {
        val meta = ModelMetadata.parse(readText(file.metadataName), file.metadataName)
        contract.requireValid(meta, file.role, file.fileName)
        meta
    }

    /** Compile [file] for exactly [accelerator] (the benchmark's way: no fallback). */
    fun openRunner(file: ModelFile, accelerator: Accelerator): LiteRtRunner =
        LiteRtRunner.open(assets, file.fileName, metadata(file), accelerator)

    /** Compile [file] for [requested] (null: automatic), falling back to the CPU when the GPU fails. */
    fun open(file: ModelFile, requested: Accelerator?): OpenedRunner {
        val meta = metadata(file)
        val plan = AcceleratorPlanner.plan(requested, gpuAvailable, meta.gpuCompatible, meta.gpuUnsupportedOps)
        val notes = plan.notes.toMutableList()
        var failure: Throwable? = null
        for (accelerator in plan.attempts) {
            try {
                return OpenedRunner(openRunner(file, accelerator), notes)
            } catch (e: Exception) {
                notes += "${accelerator.label} failed: ${e.message}"
                failure = e
            } catch (e: LinkageError) {
                notes += "${accelerator.label} failed: ${e.message}"
                failure = e
            }
        }
        throw IllegalStateException("could not open ${file.fileName}: ${notes.joinToString("; ")}", failure)
    }

    private fun readText(name: String): String = assets.open(name).bufferedReader().use { it.readText() }
}
