package dev.tfstyle.demo

import android.app.Application
import android.os.Bundle
import android.view.View
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.ProgressBar
import android.widget.Spinner
import android.widget.TextView
import androidx.activity.viewModels
import androidx.appcompat.app.AppCompatActivity
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.lifecycleScope
import androidx.lifecycle.repeatOnLifecycle
import androidx.lifecycle.viewModelScope
import dev.tfstyle.demo.core.Accelerator
import dev.tfstyle.demo.core.Benchmark
import dev.tfstyle.demo.core.BenchmarkInputs
import dev.tfstyle.demo.core.BenchmarkReport
import dev.tfstyle.demo.core.BenchmarkRow
import dev.tfstyle.demo.core.ModelFile
import dev.tfstyle.demo.core.ModelRole
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.util.concurrent.Executors

data class BenchmarkState(
    val engine: StyleEngine? = null,
    val running: Boolean = false,
    val lines: List<String> = emptyList(),
)

/**
 * Per-model latency on each LiteRT accelerator (CPU, GPU): median and p90 over N timed runs after
 * 3 warm-up runs, plus the time to compile the model and create its buffers. Each model and
 * accelerator gets a fresh CompiledModel; an accelerator that cannot run a model gets a row saying why.
 */
class BenchmarkViewModel(application: Application) : AndroidViewModel(application) {
    private val worker = Executors.newSingleThreadExecutor().asCoroutineDispatcher()
    private val _state = MutableStateFlow(BenchmarkState())
    val state: StateFlow<BenchmarkState> = _state

    init {
        viewModelScope.launch(worker) {
            val engine = try {
                StyleEngine(getApplication<Application>())
            } catch (e: Exception) {
                _state.update { it.copy(lines = listOf("Error: ${e.message}")) }
                return@launch
            }
            _state.update { it.copy(engine = engine) }
        }
    }

    fun run(files: List<ModelFile>, runs: Int) {
        val engine = _state.value.engine ?: return
        if (_state.value.running) return
        _state.update { it.copy(running = true, lines = listOf(BenchmarkReport.header)) }
        viewModelScope.launch(worker) {
            try {
                for (file in files) {
                    for (accelerator in Accelerator.entries) {
                        ensureActive()
                        val line = BenchmarkReport.line(measure(engine, file, accelerator, runs))
                        _state.update { it.copy(lines = it.lines + line) }
                    }
                }
                _state.update { it.copy(lines = it.lines + "done: $runs timed runs each, after 3 warm-up runs") }
            } finally {
                _state.update { it.copy(running = false) }
            }
        }
    }

    private fun measure(engine: StyleEngine, file: ModelFile, accelerator: Accelerator, runs: Int): BenchmarkRow {
        fun skipped(why: String) = BenchmarkRow(file.fileName, accelerator.label, null, null, why)
        val meta = try {
            engine.metadata(file)
        } catch (e: Exception) {
            return skipped("metadata: ${e.message}")
        }
        when {
            accelerator == Accelerator.GPU && !engine.gpuAvailable -> return skipped("LiteRT has no GPU accelerator on this device")
            accelerator == Accelerator.GPU && meta.gpuCompatible == false -> return skipped("ops the GPU cannot run: ${meta.gpuUnsupportedOps.joinToString()}")
        }
        val start = System.nanoTime()
        val runner = try {
            engine.openRunner(file, accelerator)
        } catch (e: Exception) {
            return skipped("could not open: ${e.message}")
        } catch (e: LinkageError) {
            return skipped("could not open: ${e.message}")
        }
        return try {
            val initMs = (System.nanoTime() - start) / 1e6
            val inputs = BenchmarkInputs.inputs(meta)
            val summary = Benchmark.measure(runs = runs, warmup = 3) { runner.run(inputs) }
            BenchmarkRow(file.fileName, accelerator.label, summary, initMs)
        } catch (e: Exception) {
            skipped("failed: ${e.message}")
        } finally {
            runner.close()
        }
    }

    override fun onCleared() {
        worker.close()
    }
}

class BenchmarkActivity : AppCompatActivity() {
    private val viewModel: BenchmarkViewModel by viewModels()
    private lateinit var modelSet: Spinner
    private lateinit var runsField: EditText
    private lateinit var runButton: Button
    private lateinit var progress: ProgressBar
    private lateinit var results: TextView

    /** Spinner entries: a label and the model files it benchmarks. */
    private var sets: List<Pair<String, List<ModelFile>>> = emptyList()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_benchmark)
        supportActionBar?.setDisplayHomeAsUpEnabled(true)
        modelSet = findViewById(R.id.modelSet)
        runsField = findViewById(R.id.runs)
        runButton = findViewById(R.id.run)
        progress = findViewById(R.id.progress)
        results = findViewById(R.id.results)

        runButton.setOnClickListener {
            val runs = runsField.text.toString().toIntOrNull()?.coerceIn(1, 1000) ?: 20
            val files = sets.getOrNull(modelSet.selectedItemPosition)?.second ?: return@setOnClickListener
            viewModel.run(files, runs)
        }
        lifecycleScope.launch {
            repeatOnLifecycle(Lifecycle.State.STARTED) {
                viewModel.state.collect { render(it) }
            }
        }
    }

    override fun onSupportNavigateUp(): Boolean {
        finish()
        return true
    }

    private fun render(state: BenchmarkState) {
        val engine = state.engine
        if (engine != null && sets.isEmpty()) {
            val catalog = engine.catalog
            sets = catalog.fastStyles.map { style ->
                getString(R.string.bench_all_formats, style) to catalog.models.filter { it.role == ModelRole.FAST_STYLE && it.style == style }
            } + if (catalog.hasArbitrary) {
                listOf(getString(R.string.bench_all_formats, "arbitrary") to catalog.models.filter { it.role != ModelRole.FAST_STYLE })
            } else {
                emptyList()
            }
            modelSet.adapter = ArrayAdapter(this, android.R.layout.simple_spinner_item, sets.map { it.first }).also {
                it.setDropDownViewResource(android.R.layout.simple_spinner_dropdown_item)
            }
        }
        runButton.isEnabled = engine != null && !state.running && sets.isNotEmpty()
        progress.visibility = if (state.running) View.VISIBLE else View.GONE
        results.text = state.lines.joinToString("\n")
    }
}
