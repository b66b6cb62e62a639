package dev.tfstyle.demo.core

/**
 * Style vectors of the arbitrary-style models: the built-in ones (assets/style_vectors.json,
 * `{"name": [100 floats], ...}`, made by android_demo/tools/make_style_vectors.py) and blending.
 */
object StyleVectors {
    /** Parse style_vectors.json; names keep the file's order. Every vector must have [length] finite values. */
    fun parse(text: String, length: Int, where: String = "style_vectors.json"): LinkedHashMap<String, FloatArray> {
        val obj = Json.parseObject(text, where)
        val vectors = LinkedHashMap<String, FloatArray>()
        for (name in obj.keySet()) {
            val values = Json.asArray(obj.get(name), "$where.$name")
            if (values.size() != length) throw ContractException("$where.$name: expected $length values, got ${values.size()}")
            vectors[name] = FloatArray(length) { i -> Json.asDouble(values[i], "$where.$name[$i]").toFloat() }
        }
        if (vectors.isEmpty()) throw ContractException("$where holds no style vectors")
        return vectors
    }

    /**
     * Magenta's strength control: v = s * style + (1 - s) * content, where content is the
     * content image's own predicted vector; s = 1 is the full style, s = 0 the content's own.
     */
    fun blend(style: FloatArray, content: FloatArray, strength: Float): FloatArray {
        require(style.size == content.size) { "vectors differ in length: ${style.size} vs ${content.size}" }
        require(strength in 0f..1f) { "strength must be in [0, 1], got $strength" }
        return FloatArray(style.size) { i -> strength * style[i] + (1f - strength) * content[i] }
    }

    /** Weighted mix of several style vectors; the weights (>= 0, not all 0) are normalized to sum 1. */
    fun weightedBlend(vectors: List<FloatArray>, weights: List<Float>): FloatArray {
        require(vectors.isNotEmpty()) { "no vectors to blend" }
        require(vectors.size == weights.size) { "${vectors.size} vectors but ${weights.size} weights" }
        val length = vectors[0].size
        require(vectors.all { it.size == length }) { "vectors differ in length" }
        require(weights.all { it >= 0f && it.isFinite() }) { "weights must be finite and >= 0, got $weights" }
        val total = weights.fold(0.0) { acc, w -> acc + w }
        require(total > 0.0) { "weights must not all be 0" }
        val out = FloatArray(length)
        for ((vector, weight) in vectors.zip(weights)) {
            val w = weight / total
            for (i in 0 until length) out[i] = (out[i] + w * vector[i]).toFloat()
        }
        return out
    }
}
