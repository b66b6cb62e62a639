package dev.tfstyle.demo

import android.content.res.AssetManager
import com.google.ai.edge.litert.CompiledModel
import com.google.ai.edge.litert.LiteRtException
import com.google.ai.edge.litert.TensorBuffer
import com.google.ai.edge.litert.TensorType
import dev.tfstyle.demo.core.Accelerator
import dev.tfstyle.demo.core.ContractException
import dev.tfstyle.demo.core.DType
import dev.tfstyle.demo.core.ModelMetadata
import dev.tfstyle.demo.core.TensorData
import dev.tfstyle.demo.core.TensorInfo
import dev.tfstyle.demo.core.TensorRunner
import com.google.ai.edge.litert.Accelerator as LiteRtAccelerator

/**
 * A model compiled by LiteRT 2 (`CompiledModel`) for one [Accelerator], run through the model's
 * signature by tensor name. On opening, the signature's tensors are compared with the metadata
 * where LiteRT's Kotlin API describes them, so a mismatched .tflite/.json pair fails here with a
 * clear message instead of producing garbage.
 *
 * API as documented in https://ai.google.dev/edge/litert/next/android_kotlin (CompiledModel.create,
 * CompiledModel.Options, buffers, writeFloat/readFloat, run) and as declared in LiteRT's sources,
 * litert/kotlin/src/main/kotlin/com/google/ai/edge/litert/{Model,TensorBuffer,Common}.kt.
 */
class LiteRtRunner private constructor(
    private val model: CompiledModel,
    private val meta: ModelMetadata,
    val accelerator: Accelerator,
    private val inputBuffers: Map<String, TensorBuffer>,
    private val outputBuffers: Map<String, TensorBuffer>,
) : TensorRunner {

    override fun run(inputs: Map<String, TensorData>): Map<String, TensorData> {
        for ((name, buffer) in inputBuffers) {
            when (val data = inputs[name] ?: throw IllegalArgumentException("no value for input \"$name\"")) {
                is TensorData.Floats -> buffer.writeFloat(data.values)
                // uint8 and int8 alike: TensorBuffer::Write copies the bytes whatever the element type.
                is TensorData.Bytes -> buffer.writeInt8(data.values)
            }
        }
        model.run(inputBuffers, outputBuffers, meta.signature)
        // Reading waits for the accelerator, so a timed run() includes the whole inference.
        return meta.outputs.associate { info ->
            val buffer = outputBuffers.getValue(info.name)
            info.name to if (info.dtype == DType.FLOAT32) TensorData.Floats(buffer.readFloat()) else TensorData.Bytes(buffer.readInt8())
        }
    }

    override fun close() {
        inputBuffers.values.forEach { it.close() }
        outputBuffers.values.forEach { it.close() }
        model.close()
    }

    companion object {
        /**
         * Compile the asset [fileName] for [accelerator]. The GPU is asked for alone, so creation
         * throws (LiteRtException) unless the GPU accelerator is present and runs every op; the
         * caller then falls back to the CPU.
         */
        fun open(assets: AssetManager, fileName: String, meta: ModelMetadata, accelerator: Accelerator): LiteRtRunner {
            val options = CompiledModel.Options(
                when (accelerator) {
                    Accelerator.CPU -> LiteRtAccelerator.CPU
                    Accelerator.GPU -> LiteRtAccelerator.GPU
                },
            )
            val model = CompiledModel.create(assets, fileName, options)
            val buffers = mutableListOf<TensorBuffer>()
            try {
                checkSignature(model, meta)
                val inputs = meta.inputs.associate { it.name to model.createInputBuffer(it.name, meta.signature).also(buffers::add) }
                val outputs = meta.outputs.associate { it.name to model.createOutputBuffer(it.name, meta.signature).also(buffers::add) }
                return LiteRtRunner(model, meta, accelerator, inputs, outputs)
            } catch (e: Exception) {
                buffers.forEach { it.close() }
                model.close()
                throw e
            }
        }

        private fun checkSignature(model: CompiledModel, meta: ModelMetadata) {
            for (info in meta.inputs) compare("input", info) { model.getInputTensorType(info.name, meta.signature) }
            for (info in meta.outputs) compare("output", info) { model.getOutputTensorType(info.name, meta.signature) }
        }

        private fun compare(kind: String, info: TensorInfo, query: () -> TensorType) {
            val type = try {
                query()
            } catch (e: LiteRtException) {
                // TensorType.ElementType has no UINT8: for a uint8 tensor the JNI layer throws
                // "Unsupported element type in Kotlin" (litert/kotlin/src/main/jni/litert_compiled_model_jni.cc),
                // so a uint8 tensor's type and shape are taken from the metadata.
                if (info.dtype == DType.UINT8) return
                throw ContractException("$kind \"${info.name}\": ${e.message} (its metadata says ${info.dtype.key} ${info.shape})")
            }
            val dtype = when (type.elementType) {
                TensorType.ElementType.FLOAT -> DType.FLOAT32
                TensorType.ElementType.INT8 -> DType.INT8
                else -> throw ContractException("$kind \"${info.name}\": unsupported tensor type ${type.elementType}")
            }
            if (dtype != info.dtype) throw ContractException("$kind \"${info.name}\": the model has ${dtype.key}, its metadata says ${info.dtype.key}")
            val shape = type.layout?.dimensions
            if (shape != null && shape != info.shape) {
                throw ContractException("$kind \"${info.name}\": the model has shape $shape, its metadata says ${info.shape}")
            }
        }
    }
}
