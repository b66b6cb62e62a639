package dev.tfstyle.demo

import dev.tfstyle.demo.core.Accelerator
import dev.tfstyle.demo.core.ContractException
import dev.tfstyle.demo.core.DType
import dev.tfstyle.demo.core.ModelMetadata
import dev.tfstyle.demo.core.TensorInfo
import dev.tfstyle.demo.core.TensorRunner
import org.tensorflow.lite.DataType
import org.tensorflow.lite.Interpreter
import org.tensorflow.lite.Tensor
import org.tensorflow.lite.gpu.CompatibilityList
import org.tensorflow.lite.gpu.GpuDelegate
import org.tensorflow.lite.nnapi.NnApiDelegate
import java.nio.ByteBuffer
import kotlin.math.abs

/**
 * A TFLite interpreter on one [Accelerator], run through the model's signature by tensor name.
 * On opening, the model's real signature tensors are compared with its metadata, so a
 * mismatched .tflite/.json pair fails here with a clear message instead of producing garbage.
 */
class TfliteRunner private constructor(
    private val interpreter: Interpreter,
    private val delegate: AutoCloseable?,
    val accelerator: Accelerator,
    private val signature: String,
) : TensorRunner {

    override fun run(inputs: Map<String, ByteBuffer>, outputs: Map<String, ByteBuffer>) {
        // TFLite copies outputs with put() at the buffer's position: start every buffer at 0.
        inputs.values.forEach { it.rewind() }
        outputs.values.forEach { it.rewind() }
        interpreter.runSignature(HashMap<String, Any>(inputs), HashMap<String, Any>(outputs), signature)
    }

    override fun close() {
        interpreter.close()
        delegate?.close()
    }

    companion object {
        /** Open [model] (a memory-mapped .tflite) on [accelerator]; throws when the delegate cannot be applied. */
        fun open(model: ByteBuffer, meta: ModelMetadata, accelerator: Accelerator): TfliteRunner {
            val options = Interpreter.Options()
            var delegate: AutoCloseable? = null
            try {
                when (accelerator) {
                    Accelerator.CPU_1_THREAD, Accelerator.CPU_4_THREADS -> {
                        options.setNumThreads(accelerator.threads)
                        options.setUseXNNPACK(true)
                    }
                    Accelerator.GPU -> {
                        val gpu = CompatibilityList().use { list ->
                            if (!list.isDelegateSupportedOnThisDevice) {
                                throw UnsupportedOperationException("the GPU delegate does not support this device (CompatibilityList)")
                            }
                            GpuDelegate(list.bestOptionsForThisDevice)
                        }
                        delegate = gpu
                        options.addDelegate(gpu)
                    }
                    Accelerator.NNAPI -> {
                        val nnapi = NnApiDelegate()
                        delegate = nnapi
                        options.addDelegate(nnapi)
                        options.setNumThreads(accelerator.threads) // for any ops NNAPI leaves on the CPU
                    }
                }
                val interpreter = Interpreter(model, options)
                try {
                    checkSignature(interpreter, meta)
                } catch (e: Exception) {
                    interpreter.close()
                    throw e
                }
                return TfliteRunner(interpreter, delegate, accelerator, meta.signature)
            } catch (e: Throwable) {
                delegate?.close()
                throw e
            }
        }

        private fun checkSignature(interpreter: Interpreter, meta: ModelMetadata) {
            val keys = interpreter.signatureKeys.toList()
            if (meta.signature !in keys) throw ContractException("the model has no signature \"${meta.signature}\" (it has $keys)")
            for (info in meta.inputs) compare("input", info, interpreter.getInputTensorFromSignature(info.name, meta.signature))
            for (info in meta.outputs) compare("output", info, interpreter.getOutputTensorFromSignature(info.name, meta.signature))
        }

        private fun compare(kind: String, info: TensorInfo, tensor: Tensor) {
            val shape = tensor.shape().toList()
            if (shape != info.shape) throw ContractException("$kind \"${info.name}\": the model has shape $shape, its metadata says ${info.shape}")
            val dtype = when (tensor.dataType()) {
                DataType.FLOAT32 -> DType.FLOAT32
                DataType.UINT8 -> DType.UINT8
                DataType.INT8 -> DType.INT8
                else -> throw ContractException("$kind \"${info.name}\": unsupported tensor type ${tensor.dataType()}")
            }
            if (dtype != info.dtype) throw ContractException("$kind \"${info.name}\": the model has ${dtype.key}, its metadata says ${info.dtype.key}")
            if (dtype.quantized) {
                val q = tensor.quantizationParams()
                val recorded = info.effectiveQuantization
                if (abs(q.scale - recorded.scale) > 1e-6f * recorded.scale || q.zeroPoint != recorded.zeroPoint) {
                    throw ContractException("$kind \"${info.name}\": the model quantizes with [${q.scale}, ${q.zeroPoint}], its metadata says [${recorded.scale}, ${recorded.zeroPoint}]")
                }
            }
        }
    }
}
