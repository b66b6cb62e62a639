package dev.tfstyle.demo

import android.app.Application
import android.graphics.Bitmap
import android.net.Uri
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import dev.tfstyle.demo.core.Accelerator
import dev.tfstyle.demo.core.ArbitraryStylizer
import dev.tfstyle.demo.core.ContractException
import dev.tfstyle.demo.core.AcceleratorPlanner
import dev.tfstyle.demo.core.FastStylizer
import dev.tfstyle.demo.core.ModelRole
import dev.tfstyle.demo.core.RgbImage
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.util.Locale
import java.util.concurrent.Executors

/** What the main screen shows. */
data class MainState(
    val engine: StyleEngine? = null,
    val busy: Boolean = true,
    val message: String = "",
    val content: Bitmap? = null,
    val styleImage: Bitmap? = null,
    val result: Bitmap? = null,
    /** e.g. "wave_float16": names the saved and shared files. */
    val resultName: String = "stylized",
)

/** What to stylize with; the arbitrary mode's [builtInVector] is null for "style image from the gallery". */
sealed interface StyleChoice {
    data class Fast(val style: String) : StyleChoice
    data class Arbitrary(val builtInVector: String?, val strength: Float) : StyleChoice
}

/**
 * Holds the engine, the images and the compiled models across configuration changes. All model
 * work runs on one worker thread (a compiled model and its buffers are used from one thread only).
 */
class MainViewModel(application: Application) : AndroidViewModel(application) {
    private val worker = Executors.newSingleThreadExecutor().asCoroutineDispatcher()
    private val _state = MutableStateFlow(MainState())
    val state: StateFlow<MainState> = _state

    private var contentImage: RgbImage? = null
    private var styleImage: RgbImage? = null

    /** The open model session: its key (files + accelerator), runners to close, and the stylizer. */
    private var sessionKey: String? = null
    private var sessionRunners: List<LiteRtRunner> = emptyList()
    private var sessionNotes: List<String> = emptyList()
    private var fast: FastStylizer? = null
    private var arbitrary: ArbitraryStylizer? = null
    private var styleImageVector: Pair<String, FloatArray>? = null // (predictor file, vector) of [styleImage]

    init {
        work("") {
            val engine = StyleEngine(getApplication<Application>())
            val notes = mutableListOf<String>()
            if (engine.catalog.models.isEmpty()) {
                notes += "No models in this APK: run `python export/pipeline.py`, then rebuild (copyExportedModels copies them)."
            }
            if (engine.catalog.missingMetadata.isNotEmpty()) notes += "Ignored (no metadata JSON): ${engine.catalog.missingMetadata.joinToString()}"
            engine.styleVectorsNote?.takeIf { engine.catalog.hasArbitrary }?.let { notes += it }
            notes += "LiteRT GPU accelerator: " + if (engine.gpuAvailable) "available" else "not available on this device (CPU only)"
            _state.update { it.copy(engine = engine) }
            notes.joinToString("\n")
        }
    }

    fun loadContent(uri: Uri) = work("Loading photo…") {
        val bitmap = BitmapIO.decode(getApplication<Application>().contentResolver, uri)
        contentImage = BitmapIO.toRgb(bitmap)
        _state.update { it.copy(content = bitmap, result = null) }
        "Photo ${bitmap.width}x${bitmap.height}"
    }

    fun loadStyleImage(uri: Uri) = work("Loading style image…") {
        val bitmap = BitmapIO.decode(getApplication<Application>().contentResolver, uri, minShortSide = 256)
        styleImage = BitmapIO.toRgb(bitmap)
        styleImageVector = null
        _state.update { it.copy(styleImage = bitmap) }
        "Style image ${bitmap.width}x${bitmap.height}"
    }

    fun stylize(choice: StyleChoice, format: String, accelerator: Accelerator?) = work("Stylizing…") {
        val engine = _state.value.engine ?: error("still loading")
        val photo = contentImage ?: throw IllegalStateException("Pick or take a photo first.")
        when (choice) {
            is StyleChoice.Fast -> stylizeFast(engine, photo, choice.style, format, accelerator)
            is StyleChoice.Arbitrary -> stylizeArbitrary(engine, photo, choice, format, accelerator)
        }
    }

    private fun stylizeFast(engine: StyleEngine, photo: RgbImage, style: String, format: String, accelerator: Accelerator?): String {
        val file = engine.catalog.find(ModelRole.FAST_STYLE, format, style) ?: error("no $style model in format $format")
        val key = "${file.fileName}@$accelerator"
        if (key != sessionKey || fast == null) {
            closeSession()
            val opened = engine.open(file, accelerator)
            sessionRunners = listOf(opened.runner)
            sessionNotes = opened.notes
            fast = FastStylizer(engine.metadata(file), engine.contract.role(ModelRole.FAST_STYLE), opened.runner)
            sessionKey = key
        }
        val stylizer = fast!!
        val start = System.nanoTime()
        val result = stylizer.stylize(photo)
        val ms = (System.nanoTime() - start) / 1e6
        publish(result, "${style}_$format")
        return describe(file.fileName, sessionRunners, ms)
    }

    private fun stylizeArbitrary(engine: StyleEngine, photo: RgbImage, choice: StyleChoice.Arbitrary, format: String, accelerator: Accelerator?): String {
        val catalog = engine.catalog
        val transferFile = catalog.find(ModelRole.ARBITRARY_TRANSFER, format) ?: error("no arbitrary transfer model in format $format")
        val predictorFile = catalog.pick(ModelRole.ARBITRARY_PREDICTOR, listOf(format) + AcceleratorPlanner.preferredFormats)
            ?: error("no arbitrary predictor model")
        val key = "${predictorFile.fileName}+${transferFile.fileName}@$accelerator"
        if (key != sessionKey || arbitrary == null) {
            closeSession()
            val predictor = engine.open(predictorFile, accelerator)
            val transfer = try {
                engine.open(transferFile, accelerator)
            } catch (e: Exception) {
                predictor.runner.close()
                throw e
            }
            sessionRunners = listOf(predictor.runner, transfer.runner)
            sessionNotes = predictor.notes + transfer.notes
            arbitrary = ArbitraryStylizer(
                engine.metadata(predictorFile), predictor.runner, engine.metadata(transferFile), transfer.runner, engine.contract,
            )
            sessionKey = key
        }
        val stylizer = arbitrary!!
        val start = System.nanoTime()
        val (vector, name) = if (choice.builtInVector != null) {
            val v = engine.styleVectors[choice.builtInVector] ?: error("no built-in style vector \"${choice.builtInVector}\"")
            if (v.size != stylizer.vectorLength) throw ContractException("style vector has ${v.size} values, the models use ${stylizer.vectorLength}")
            v to choice.builtInVector
        } else {
            val image = styleImage ?: throw IllegalStateException("Pick a style image first.")
            val cached = styleImageVector?.takeIf { it.first == predictorFile.fileName }?.second
            (cached ?: stylizer.styleVector(image).also { styleImageVector = predictorFile.fileName to it }) to "custom"
        }
        val result = stylizer.stylize(photo, vector, choice.strength)
        val ms = (System.nanoTime() - start) / 1e6
        publish(result, "arbitrary_${name}_${(choice.strength * 100).toInt()}")
        return describe("${predictorFile.fileName} + ${transferFile.fileName}", sessionRunners, ms) +
            String.format(Locale.ROOT, ", strength %.2f", choice.strength)
    }

    private fun publish(result: RgbImage, name: String) {
        val bitmap = BitmapIO.toBitmap(result)
        _state.update { it.copy(result = bitmap, resultName = name) }
    }

    private fun describe(model: String, runners: List<LiteRtRunner>, ms: Double): String {
        val on = runners.map { it.accelerator.label }.distinct().joinToString(" / ")
        val lines = listOf(String.format(Locale.ROOT, "%s on %s: %.0f ms (pre/post-processing included)", model, on, ms)) + sessionNotes
        return lines.joinToString("\n")
    }

    private fun closeSession() {
        sessionRunners.forEach { it.close() }
        sessionRunners = emptyList()
        sessionNotes = emptyList()
        sessionKey = null
        fast = null
        arbitrary = null
        styleImageVector = null
    }

    /** Run [block] on the worker; its return value (or the error) becomes the status message. */
    private fun work(busyMessage: String, block: () -> String) {
        _state.update { it.copy(busy = true, message = busyMessage.ifEmpty { it.message }) }
        viewModelScope.launch(worker) {
            val message = try {
                block()
            } catch (e: Exception) {
                "Error: ${e.message ?: e.javaClass.simpleName}"
            } catch (e: OutOfMemoryError) {
                "Error: out of memory (try a smaller photo)"
            }
            _state.update { it.copy(busy = false, message = message) }
        }
    }

    override fun onCleared() {
        // Queued after any running work; the dispatcher's shutdown lets it run.
        worker.executor.execute { closeSession() }
        worker.close()
    }
}
