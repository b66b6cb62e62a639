package dev.tfstyle.demo

import android.Manifest
import android.content.ActivityNotFoundException
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import android.os.Bundle
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.ImageView
import android.widget.LinearLayout
import android.widget.ProgressBar
import android.widget.RadioButton
import android.widget.RadioGroup
import android.widget.SeekBar
import android.widget.Spinner
import android.widget.TextView
import android.widget.Toast
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.activity.viewModels
import androidx.appcompat.app.AppCompatActivity
import androidx.core.content.ContextCompat
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.lifecycleScope
import androidx.lifecycle.repeatOnLifecycle
import dev.tfstyle.demo.core.Accelerator
import dev.tfstyle.demo.core.AcceleratorPlanner
import dev.tfstyle.demo.core.ModelRole
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Main screen: photo (gallery or camera), mode (fast style / arbitrary), style, strength,
 * model format, accelerator; stylize; save to the gallery or share; open the benchmark.
 */
class MainActivity : AppCompatActivity() {
    private val viewModel: MainViewModel by viewModels()

    private lateinit var contentImage: ImageView
    private lateinit var styleImage: ImageView
    private lateinit var resultImage: ImageView
    private lateinit var mode: RadioGroup
    private lateinit var modeArbitrary: RadioButton
    private lateinit var styleSpinner: Spinner
    private lateinit var formatSpinner: Spinner
    private lateinit var acceleratorSpinner: Spinner
    private lateinit var arbitraryOptions: LinearLayout
    private lateinit var strength: SeekBar
    private lateinit var strengthLabel: TextView
    private lateinit var status: TextView
    private lateinit var progress: ProgressBar
    private lateinit var stylizeButton: Button
    private lateinit var saveButton: Button
    private lateinit var shareButton: Button

    private var engine: StyleEngine? = null
    private var cameraUri: Uri? = null

    /** Accelerator spinner entries: index 0 is automatic (null). */
    private val accelerators: List<Accelerator?> = listOf(null) + Accelerator.entries

    private val pickPhoto = registerForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
        if (uri != null) viewModel.loadContent(uri)
    }
    private val pickStyle = registerForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
        if (uri != null) viewModel.loadStyleImage(uri)
    }
    private val takePhoto = registerForActivityResult(ActivityResultContracts.TakePicture()) { saved ->
        val uri = cameraUri
        if (saved && uri != null) viewModel.loadContent(uri)
    }
    private val requestWrite = registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) saveResult() else toast(getString(R.string.permission_denied))
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        cameraUri = savedInstanceState?.getString(KEY_CAMERA_URI)?.let(Uri::parse)

        contentImage = findViewById(R.id.contentImage)
        styleImage = findViewById(R.id.styleImage)
        resultImage = findViewById(R.id.resultImage)
        mode = findViewById(R.id.mode)
        modeArbitrary = findViewById(R.id.modeArbitrary)
        styleSpinner = findViewById(R.id.style)
        formatSpinner = findViewById(R.id.format)
        acceleratorSpinner = findViewById(R.id.accelerator)
        arbitraryOptions = findViewById(R.id.arbitraryOptions)
        strength = findViewById(R.id.strength)
        strengthLabel = findViewById(R.id.strengthLabel)
        status = findViewById(R.id.status)
        progress = findViewById(R.id.progress)
        stylizeButton = findViewById(R.id.stylize)
        saveButton = findViewById(R.id.save)
        shareButton = findViewById(R.id.share)

        acceleratorSpinner.adapter = adapter(accelerators.map { it?.label ?: getString(R.string.accelerator_auto) })

        val imageOnly = PickVisualMediaRequest.Builder().setMediaType(ActivityResultContracts.PickVisualMedia.ImageOnly).build()
        findViewById<Button>(R.id.pickPhoto).setOnClickListener { pickPhoto.launch(imageOnly) }
        findViewById<Button>(R.id.takePhoto).setOnClickListener { launchCamera() }
        findViewById<Button>(R.id.pickStyleImage).setOnClickListener { pickStyle.launch(imageOnly) }
        findViewById<Button>(R.id.openBenchmark).setOnClickListener { startActivity(Intent(this, BenchmarkActivity::class.java)) }
        stylizeButton.setOnClickListener { stylize() }
        saveButton.setOnClickListener { save() }
        shareButton.setOnClickListener { share() }

        mode.setOnCheckedChangeListener { _, _ -> refreshChoices() }
        styleSpinner.onItemSelectedListener = onSelected { refreshFormats(); refreshStyleImageButton() }
        strength.setOnSeekBarChangeListener(object : SeekBar.OnSeekBarChangeListener {
            override fun onProgressChanged(seekBar: SeekBar, value: Int, fromUser: Boolean) = showStrength()
            override fun onStartTrackingTouch(seekBar: SeekBar) {}
            override fun onStopTrackingTouch(seekBar: SeekBar) {}
        })
        showStrength()

        lifecycleScope.launch {
            repeatOnLifecycle(Lifecycle.State.STARTED) {
                viewModel.state.collect { render(it) }
            }
        }
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        cameraUri?.let { outState.putString(KEY_CAMERA_URI, it.toString()) }
    }

    private fun render(state: MainState) {
        if (state.engine != null && engine == null) {
            engine = state.engine
            refreshChoices()
        }
        contentImage.setImageBitmap(state.content)
        styleImage.setImageBitmap(state.styleImage)
        resultImage.setImageBitmap(state.result)
        status.text = if (state.engine == null) getString(R.string.loading) else state.message
        progress.visibility = if (state.busy) View.VISIBLE else View.GONE
        val ready = state.engine != null && !state.busy
        stylizeButton.isEnabled = ready && styleSpinner.selectedItem != null && formatSpinner.selectedItem != null
        saveButton.isEnabled = state.result != null
        shareButton.isEnabled = state.result != null
    }

    private val arbitraryMode: Boolean get() = modeArbitrary.isChecked

    /** Fill the style spinner for the mode (fast styles, or built-in style vectors + "from gallery"). */
    private fun refreshChoices() {
        val engine = engine ?: return
        val catalog = engine.catalog
        if (!catalog.hasArbitrary) modeArbitrary.isEnabled = false
        arbitraryOptions.visibility = if (arbitraryMode) View.VISIBLE else View.GONE
        val styles = if (arbitraryMode) engine.styleVectors.keys.toList() + getString(R.string.style_from_gallery) else catalog.fastStyles
        styleSpinner.adapter = adapter(styles)
        refreshFormats()
        refreshStyleImageButton()
    }

    private fun refreshStyleImageButton() {
        findViewById<Button>(R.id.pickStyleImage).isEnabled = arbitraryMode && builtInVector() == null
    }

    /** Formats present for the current choice; the previous or else the preferred one selected. */
    private fun refreshFormats() {
        val engine = engine ?: return
        val catalog = engine.catalog
        val style = styleSpinner.selectedItem as String?
        val formats = when {
            arbitraryMode -> catalog.formats(ModelRole.ARBITRARY_TRANSFER)
            style != null -> catalog.formats(ModelRole.FAST_STYLE, style)
            else -> emptyList()
        }
        val previous = formatSpinner.selectedItem as String?
        formatSpinner.adapter = adapter(formats)
        val preferred = previous?.takeIf { it in formats }
            ?: AcceleratorPlanner.preferredFormats.firstOrNull { it in formats }
        if (preferred != null) formatSpinner.setSelection(formats.indexOf(preferred))
        render(viewModel.state.value)
    }

    private fun selectedAccelerator(): Accelerator? = accelerators[acceleratorSpinner.selectedItemPosition.coerceAtLeast(0)]

    /** The selected built-in style vector's name, or null for "image from gallery". */
    private fun builtInVector(): String? {
        val item = styleSpinner.selectedItem as String? ?: return null
        return item.takeIf { engine?.styleVectors?.containsKey(it) == true }
    }

    private fun showStrength() {
        strengthLabel.text = getString(R.string.strength_label, strength.progress)
    }

    private fun stylize() {
        if (viewModel.state.value.content == null) return toast(getString(R.string.no_photo))
        val format = formatSpinner.selectedItem as String? ?: return
        val choice = if (arbitraryMode) {
            val vector = builtInVector()
            if (vector == null && viewModel.state.value.styleImage == null) return toast(getString(R.string.no_style_image))
            StyleChoice.Arbitrary(vector, strength.progress / 100f)
        } else {
            StyleChoice.Fast(styleSpinner.selectedItem as String? ?: return)
        }
        viewModel.stylize(choice, format, selectedAccelerator())
    }

    private fun launchCamera() {
        val uri = BitmapIO.cameraUri(this)
        cameraUri = uri
        try {
            takePhoto.launch(uri)
        } catch (e: ActivityNotFoundException) {
            toast(getString(R.string.no_camera))
        }
    }

    private fun save() {
        val needsPermission = Build.VERSION.SDK_INT < 29 &&
            ContextCompat.checkSelfPermission(this, Manifest.permission.WRITE_EXTERNAL_STORAGE) != PackageManager.PERMISSION_GRANTED
        if (needsPermission) requestWrite.launch(Manifest.permission.WRITE_EXTERNAL_STORAGE) else saveResult()
    }

    private fun saveResult() {
        val state = viewModel.state.value
        val bitmap = state.result ?: return
        lifecycleScope.launch {
            val error = withContext(Dispatchers.IO) {
                try {
                    BitmapIO.saveToGallery(applicationContext, bitmap, "tfstyle_${state.resultName}_${System.currentTimeMillis()}")
                    null
                } catch (e: Exception) {
                    e.message ?: e.javaClass.simpleName
                }
            }
            toast(if (error == null) getString(R.string.saved) else getString(R.string.save_failed, error))
        }
    }

    private fun share() {
        val state = viewModel.state.value
        val bitmap = state.result ?: return
        lifecycleScope.launch {
            val uri = withContext(Dispatchers.IO) { BitmapIO.shareableUri(applicationContext, bitmap, "tfstyle_${state.resultName}") }
            val send = Intent(Intent.ACTION_SEND).apply {
                type = "image/png"
                putExtra(Intent.EXTRA_STREAM, uri)
                addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
            }
            startActivity(Intent.createChooser(send, getString(R.string.share_title)))
        }
    }

    private fun adapter(items: List<String>) =
        ArrayAdapter(this, android.R.layout.simple_spinner_item, items).also {
            it.setDropDownViewResource(android.R.layout.simple_spinner_dropdown_item)
        }

    private fun onSelected(action: () -> Unit) = object : AdapterView.OnItemSelectedListener {
        override fun onItemSelected(parent: AdapterView<*>?, view: View?, position: Int, id: Long) = action()
        override fun onNothingSelected(parent: AdapterView<*>?) = action()
    }

    private fun toast(text: String) = Toast.makeText(this, text, Toast.LENGTH_LONG).show()

    private companion object {
        const val KEY_CAMERA_URI = "camera_uri"
    }
}
