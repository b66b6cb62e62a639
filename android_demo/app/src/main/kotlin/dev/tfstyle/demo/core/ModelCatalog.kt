package dev.tfstyle.demo.core

/**
 * The models present among the app's asset names, sorted by the contract's patterns.
 * A model counts only when its metadata file is there too; names matching no pattern
 * (e.g. the exporter's `*_aeq_int8_*` or `*_equalized_*` experiments) are ignored.
 */
class ModelCatalog(val contract: ModelContract, assetNames: Collection<String>) {
    val models: List<ModelFile>

    /** Model files whose metadata JSON is missing (not usable: the app reads tensors from it). */
    val missingMetadata: List<String>

    init {
        val names = assetNames.toSet()
        val matched = assetNames.mapNotNull { contract.match(it) }
        models = matched.filter { it.metadataName in names }
            .sortedWith(compareBy<ModelFile>({ it.role.ordinal }, { styleOrder(it) }, { contract.formats.indexOf(it.format) }))
        missingMetadata = matched.filter { it.metadataName !in names }.map { it.fileName }.sorted()
    }

    private fun styleOrder(file: ModelFile): Int = contract.role(file.role).styles.indexOf(file.style).let { if (it < 0) Int.MAX_VALUE else it }

    /** Shipped fast styles that have at least one model, in the contract's order. */
    val fastStyles: List<String>
        get() = contract.role(ModelRole.FAST_STYLE).styles.filter { style -> models.any { it.role == ModelRole.FAST_STYLE && it.style == style } }

    /** True when both arbitrary-style models are present (in any formats). */
    val hasArbitrary: Boolean
        get() = models.any { it.role == ModelRole.ARBITRARY_PREDICTOR } && models.any { it.role == ModelRole.ARBITRARY_TRANSFER }

    /** Formats present for [role] (and [style] for fast styles), in the contract's order. */
    fun formats(role: ModelRole, style: String? = null): List<String> =
        models.filter { it.role == role && (style == null || it.style == style) }.map { it.format }.distinct()

    fun find(role: ModelRole, format: String, style: String? = null): ModelFile? =
        models.firstOrNull { it.role == role && it.format == format && (style == null || it.style == style) }

    /** The first of [preferred] formats present (then any present one), or null when there is none. */
    fun pick(role: ModelRole, preferred: List<String>, style: String? = null): ModelFile? {
        val present = formats(role, style)
        val format = preferred.firstOrNull { it in present } ?: present.firstOrNull() ?: return null
        return find(role, format, style)
    }
}
