package dev.tfstyle.demo

import android.content.Context
import android.os.Build
import dev.tfstyle.demo.core.Accelerator
import dev.tfstyle.demo.core.DelegatePlanner
import dev.tfstyle.demo.core.ModelCatalog
import dev.tfstyle.demo.core.ModelContract
import dev.tfstyle.demo.core.ModelFile
import dev.tfstyle.demo.core.ModelMetadata
import dev.tfstyle.demo.core.StyleVectors
import org.tensorflow.lite.gpu.CompatibilityList
import java.io.FileInputStream
import java.io.FileNotFoundException
import java.nio.MappedByteBuffer
import java.nio.channels.FileChannel

/** A runner and what happened on the way (delegates skipped or failed). */
class OpenedRunner(val runner: TfliteRunner, val notes: List<String>)

/**
 * The app's view of its assets: the contract, the models present, their metadata (checked
 * against the contract), the built-in style vectors, and which delegates this device offers.
 * Not thread-safe: use it from one worker thread.
 */
class StyleEngine(context: Context) {
    private val assets = context.applicationContext.assets

    val contract: ModelContract = ModelContract.parse(readText(ModelContract.ASSET_NAME))
    val catalog = ModelCatalog(contract, assets.list("").orEmpty().toList())

    /** Built-in style vectors (empty when style_vectors.json is not in the APK), and why not. */
    val styleVectors: Map<String, FloatArray>
    val styleVectorsNote: String?

    /** Whether TFLite's GPU delegate supports this device (false also when its native library is missing). */
    val gpuSupported: Boolean = try {
        CompatibilityList().use { it.isDelegateSupportedOnThisDevice }
    } catch (e: Exception) {
        false
    } catch (e: LinkageError) {
        false
    }

    val nnapiAvailable: Boolean = Build.VERSION.SDK_INT >= 27

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

    /** Open [file] on exactly [accelerator] (the benchmark's way: no fallback). */
    fun openRunner(file: ModelFile, accelerator: Accelerator): TfliteRunner =
        TfliteRunner.open(mapAsset(file.fileName), metadata(file), accelerator)

    /** Open [file] on [requested] (null: automatic), falling back to the CPU when a delegate fails. */
    fun open(file: ModelFile, requested: Accelerator?): OpenedRunner {
        val meta = metadata(file)
        val plan = DelegatePlanner.plan(requested, gpuSupported, meta.gpuCompatible, meta.gpuUnsupportedOps, nnapiAvailable)
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

    /** Memory-map an uncompressed asset (the build keeps .tflite files uncompressed). */
    private fun mapAsset(name: String): MappedByteBuffer = assets.openFd(name).use { fd ->
        FileInputStream(fd.fileDescriptor).use { stream ->
            stream.channel.map(FileChannel.MapMode.READ_ONLY, fd.startOffset, fd.declaredLength)
        }
    }
}
