package dev.tfstyle.demo.core

import com.google.gson.JsonObject

/** Element types the app can feed and read. (float16 tensors at the edges are not produced by the exporter.) */
enum class DType(val key: String, val bytes: Int, val minValue: Int, val maxValue: Int) {
    FLOAT32("float32", 4, 0, 0),
    UINT8("uint8", 1, 0, 255),
    INT8("int8", 1, -128, 127);

    val quantized: Boolean get() = this != FLOAT32

    companion object {
        fun parse(key: String, where: String): DType =
            entries.firstOrNull { it.key == key }
                ?: throw ContractException("$where: unsupported dtype \"$key\" (the app handles float32, uint8 and int8)")
    }
}

/** Affine quantization of one tensor: real = scale * (q - zeroPoint). */
data class Quantization(val scale: Float, val zeroPoint: Int) {
    init {
        require(scale > 0f && scale.isFinite()) { "quantization scale must be a positive number, got $scale" }
    }

    fun dequantize(q: Int): Float = scale * (q - zeroPoint)

    /** Nearest quantized value (ties to even, like numpy's round), clamped to [dtype]'s range. */
    fun quantize(value: Float, dtype: DType): Int {
        val q = Math.rint(value.toDouble() / scale) + zeroPoint
        return q.coerceIn(dtype.minValue.toDouble(), dtype.maxValue.toDouble()).toInt()
    }

    companion object {
        /** What a quantized tensor without recorded parameters means: the raw values. */
        val IDENTITY = Quantization(1f, 0)
    }
}

data class ValueRange(val min: Float, val max: Float) {
    override fun toString(): String = "[${min.clean()}, ${max.clean()}]"
}

internal fun Float.clean(): String = if (this == Math.rint(this.toDouble()).toFloat()) toInt().toString() else toString()

/** One input or output tensor as the metadata describes it. */
data class TensorInfo(
    val name: String,
    val tensor: String?,
    val shape: List<Int>,
    val dtype: DType,
    val range: ValueRange?,
    val quantization: Quantization?,
) {
    val elementCount: Int get() = shape.fold(1) { acc, d -> acc * d }
    val byteSize: Int get() = elementCount * dtype.bytes

    /** The parameters used to quantize/dequantize values: the recorded ones, or the identity. */
    val effectiveQuantization: Quantization get() = quantization ?: Quantization.IDENTITY

    /** True for a `[1, H, W, 3]` image tensor. */
    val isImage: Boolean get() = shape.size == 4 && shape[0] == 1 && shape[3] == 3

    val imageHeight: Int get() = if (isImage) shape[1] else throw ContractException("tensor \"$name\" is not an image: $shape")
    val imageWidth: Int get() = if (isImage) shape[2] else throw ContractException("tensor \"$name\" is not an image: $shape")

    companion object {
        fun parse(obj: JsonObject, where: String): TensorInfo {
            val name = Json.string(obj, "name", where)
            val at = "$where \"$name\""
            val shape = Json.intList(obj, "shape", at)
            if (shape.isEmpty() || shape.any { it < 1 }) throw ContractException("$at: bad shape $shape")
            val dtype = DType.parse(Json.string(obj, "dtype", at), "$at.dtype")
            val range = if (Json.has(obj, "range")) {
                val values = Json.array(obj, "range", at)
                if (values.size() != 2) throw ContractException("$at.range: expected [min, max], got $values")
                ValueRange(Json.asDouble(values[0], "$at.range").toFloat(), Json.asDouble(values[1], "$at.range").toFloat())
            } else {
                null
            }
            val quantization = if (Json.has(obj, "quantization")) {
                val values = Json.array(obj, "quantization", at)
                if (values.size() != 2) throw ContractException("$at.quantization: expected [scale, zero_point], got $values")
                val scale = Json.asDouble(values[0], "$at.quantization").toFloat()
                if (scale <= 0f) throw ContractException("$at.quantization: scale must be positive, got $scale")
                Quantization(scale, Json.asInt(values[1], "$at.quantization"))
            } else {
                null
            }
            return TensorInfo(name, Json.optString(obj, "tensor", at), shape, dtype, range, quantization)
        }
    }
}

/**
 * The metadata JSON that tfstyle's exporter writes beside each model (`<model>.tflite.json`).
 *
 * Both layouts are read: one `"input"`/`"output"` object (fast-style networks) or
 * `"inputs"`/`"outputs"` lists (the two arbitrary-style models).
 */
data class ModelMetadata(
    val format: String,
    val size: List<Int>?,
    val signature: String,
    val inputs: List<TensorInfo>,
    val outputs: List<TensorInfo>,
    val sizeBytes: Long?,
    val ops: List<String>,
    val gpuCompatible: Boolean?,
    val gpuUnsupportedOps: List<String>,
    val tfstyleVersion: String?,
    /** Every top-level key present in the file (for the contract's required keys). */
    val keys: Set<String>,
) {
    fun input(name: String): TensorInfo =
        inputs.firstOrNull { it.name == name }
            ?: throw ContractException("the model has no input \"$name\" (inputs: ${inputs.map { it.name }})")

    fun output(name: String): TensorInfo =
        outputs.firstOrNull { it.name == name }
            ?: throw ContractException("the model has no output \"$name\" (outputs: ${outputs.map { it.name }})")

    companion object {
        fun parse(text: String, where: String = "metadata"): ModelMetadata {
            val obj = Json.parseObject(text, where)
            val inputs = tensors(obj, "input", "inputs", where)
            val outputs = tensors(obj, "output", "outputs", where)
            val size = if (Json.has(obj, "size")) Json.intList(obj, "size", where) else null
            val sizeBytes = if (Json.has(obj, "size_bytes")) Json.asDouble(obj.get("size_bytes"), "$where.size_bytes").toLong() else null
            return ModelMetadata(
                format = Json.string(obj, "format", where),
                size = size,
                signature = Json.string(obj, "signature", where),
                inputs = inputs,
                outputs = outputs,
                sizeBytes = sizeBytes,
                ops = if (Json.has(obj, "ops")) Json.stringList(obj, "ops", where) else emptyList(),
                gpuCompatible = Json.optBoolean(obj, "gpu_compatible", where),
                gpuUnsupportedOps = if (Json.has(obj, "gpu_unsupported_ops")) Json.stringList(obj, "gpu_unsupported_ops", where) else emptyList(),
                tfstyleVersion = Json.optString(obj, "tfstyle_version", where),
                keys = obj.keySet().filter { Json.has(obj, it) }.toSet(),
            )
        }

        private fun tensors(obj: JsonObject, single: String, plural: String, where: String): List<TensorInfo> {
            val hasSingle = Json.has(obj, single)
            val hasPlural = Json.has(obj, plural)
            if (hasSingle && hasPlural) throw ContractException("$where: has both \"$single\" and \"$plural\"")
            val list = when {
                hasPlural -> Json.array(obj, plural, where).mapIndexed { i, e -> TensorInfo.parse(Json.asObject(e, "$where.$plural[$i]"), "$where.$plural[$i]") }
                hasSingle -> listOf(TensorInfo.parse(Json.obj(obj, single, where), "$where.$single"))
                else -> throw ContractException("$where: missing \"$single\" (or \"$plural\")")
            }
            if (list.isEmpty()) throw ContractException("$where: \"$plural\" is empty")
            val names = list.map { it.name }
            if (names.toSet().size != names.size) throw ContractException("$where: repeated tensor names in $names")
            return list
        }
    }
}
