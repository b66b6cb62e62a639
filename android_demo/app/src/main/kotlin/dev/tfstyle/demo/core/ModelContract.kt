package dev.tfstyle.demo.core

import com.google.gson.JsonObject

/** The kinds of model the app runs; [key] is the role's name in contract.json. */
enum class ModelRole(val key: String) {
    FAST_STYLE("fast_style"),
    ARBITRARY_PREDICTOR("arbitrary_predictor"),
    ARBITRARY_TRANSFER("arbitrary_transfer");

    companion object {
        fun fromKey(key: String): ModelRole? = entries.firstOrNull { it.key == key }
    }
}

/** What the contract promises about one tensor; its dtype depends on the file's format. */
data class TensorContract(
    val name: String,
    val shape: List<Int>,
    val dtypes: Map<String, DType>,
    val range: ValueRange?,
)

data class RoleContract(
    val role: ModelRole,
    val filePattern: Regex,
    val patternGroups: List<String>,
    val styles: List<String>,
    val size: List<Int>,
    val signature: String,
    val inputs: List<TensorContract>,
    val outputs: List<TensorContract>,
) {
    fun input(name: String): TensorContract = inputs.first { it.name == name }
    fun output(name: String): TensorContract = outputs.first { it.name == name }
}

/** A model file name that matched a role's pattern. */
data class ModelFile(
    val fileName: String,
    val role: ModelRole,
    val format: String,
    val style: String?,
    val metadataName: String,
)

/**
 * The app's model contract (assets/contract.json): per role, the file-name pattern, the
 * signature, and each input/output tensor's name, shape, dtype (per format) and value range.
 *
 * [validate] checks one metadata file against it, the same rules as
 * `check_model_against_contract` in tests/test_android_contract.py.
 */
class ModelContract(
    val version: Int,
    val metadataSuffix: String,
    val formats: List<String>,
    val requiredMetadataKeys: List<String>,
    val styleVectorLength: Int,
    val assets: Map<String, String>,
    val roles: Map<ModelRole, RoleContract>,
) {
    fun role(role: ModelRole): RoleContract = roles.getValue(role)

    /** The asset file named [key] in the contract's "assets" (e.g. "style_vectors"). */
    fun asset(key: String): String = assets[key] ?: throw ContractException("contract.json names no asset \"$key\"")

    fun metadataName(modelFileName: String): String = modelFileName + metadataSuffix

    /** The role, format and style of a model file name, or null when no role's pattern matches it. */
    fun match(fileName: String): ModelFile? {
        for (contract in roles.values) {
            val result = contract.filePattern.matchEntire(fileName) ?: continue
            val groups = contract.patternGroups.withIndex().associate { (i, name) -> name to result.groupValues[i + 1] }
            val format = groups["format"] ?: continue
            return ModelFile(fileName, contract.role, format, groups["style"], metadataName(fileName))
        }
        return null
    }

    /**
     * Every way [meta] breaks the contract for [role] (empty when it conforms). With [fileName],
     * the name must match the role's pattern and its format group must equal the metadata's format.
     */
    fun validate(meta: ModelMetadata, role: ModelRole, fileName: String? = null): List<String> {
        val contract = role(role)
        val problems = mutableListOf<String>()
        for (key in requiredMetadataKeys) if (key !in meta.keys) problems += "metadata has no \"$key\""
        if (meta.format !in formats) problems += "format \"${meta.format}\" is not one of $formats"
        if (fileName != null) {
            val file = match(fileName)
            when {
                file == null || file.role != role -> problems += "file name \"$fileName\" does not match ${contract.filePattern.pattern}"
                file.format != meta.format -> problems += "file name says format \"${file.format}\", metadata says \"${meta.format}\""
            }
        }
        if (meta.signature != contract.signature) problems += "signature \"${meta.signature}\", expected \"${contract.signature}\""
        if (meta.size != contract.size) problems += "size ${meta.size}, expected ${contract.size}"
        checkTensors("input", meta.inputs, contract.inputs, meta.format, problems)
        checkTensors("output", meta.outputs, contract.outputs, meta.format, problems)
        return problems
    }

    /** [validate], throwing a [ContractException] that lists the problems. */
    fun requireValid(meta: ModelMetadata, role: ModelRole, fileName: String? = null) {
        val problems = validate(meta, role, fileName)
        if (problems.isNotEmpty()) {
            throw ContractException("${fileName ?: role.key} does not match the app's contract: ${problems.joinToString("; ")}")
        }
    }

    private fun checkTensors(kind: String, actual: List<TensorInfo>, expected: List<TensorContract>, format: String, problems: MutableList<String>) {
        val actualNames = actual.map { it.name }.toSet()
        val expectedNames = expected.map { it.name }.toSet()
        if (actualNames != expectedNames) problems += "${kind}s $actualNames, expected $expectedNames"
        for (want in expected) {
            val got = actual.firstOrNull { it.name == want.name } ?: continue
            val at = "$kind \"${want.name}\""
            if (got.shape != want.shape) problems += "$at: shape ${got.shape}, expected ${want.shape}"
            val dtype = want.dtypes[format]
            if (dtype != null && got.dtype != dtype) problems += "$at: dtype ${got.dtype.key}, expected ${dtype.key} for format $format"
            if (want.range != null && got.range != want.range) problems += "$at: range ${got.range}, expected ${want.range}"
            if (got.dtype.quantized && got.quantization == null) problems += "$at: ${got.dtype.key} without quantization [scale, zero_point]"
            if (!got.dtype.quantized && got.quantization != null) problems += "$at: float tensor with quantization ${got.quantization}"
        }
    }

    companion object {
        /** The contract's own asset name (also listed in its "assets" as "contract"). */
        const val ASSET_NAME = "contract.json"

        fun parse(text: String, where: String = ASSET_NAME): ModelContract {
            val obj = Json.parseObject(text, where)
            val formats = Json.stringList(obj, "formats", where)
            val assetsObj = Json.obj(obj, "assets", where)
            val assets = assetsObj.keySet().associateWith { Json.string(assetsObj, it, "$where.assets") }
            val rolesObj = Json.obj(obj, "roles", where)
            val roleObjects = ModelRole.entries.associateWith { Json.obj(rolesObj, it.key, "$where.roles") }
            val unknown = rolesObj.keySet().filter { ModelRole.fromKey(it) == null }
            if (unknown.isNotEmpty()) throw ContractException("$where: roles the app does not know: $unknown")
            val roles = LinkedHashMap<ModelRole, RoleContract>()
            for ((role, roleObj) in roleObjects) roles[role] = parseRole(role, roleObj, formats, "$where.roles.${role.key}")
            val contract = ModelContract(
                version = Json.int(obj, "contract_version", where),
                metadataSuffix = Json.string(obj, "metadata_suffix", where),
                formats = formats,
                requiredMetadataKeys = Json.stringList(obj, "required_metadata_keys", where),
                styleVectorLength = Json.int(obj, "style_vector_length", where),
                assets = assets,
                roles = roles,
            )
            if (assets["contract"] != ASSET_NAME) throw ContractException("$where: assets.contract must be \"$ASSET_NAME\"")
            return contract
        }

        private fun parseRole(role: ModelRole, obj: JsonObject, formats: List<String>, where: String): RoleContract {
            val pattern = Json.string(obj, "file_pattern", where)
            val regex = try {
                Regex(pattern)
            } catch (e: IllegalArgumentException) {
                throw ContractException("$where.file_pattern: not a regular expression: ${e.message}", e)
            }
            val groups = Json.stringList(obj, "pattern_groups", where)
            if ("format" !in groups) throw ContractException("$where.pattern_groups must include \"format\"")
            return RoleContract(
                role = role,
                filePattern = regex,
                patternGroups = groups,
                styles = Json.stringList(obj, "styles", where),
                size = Json.intList(obj, "size", where),
                signature = Json.string(obj, "signature", where),
                inputs = Json.array(obj, "inputs", where).mapIndexed { i, e -> parseTensor(Json.asObject(e, "$where.inputs[$i]"), formats, "$where.inputs[$i]") },
                outputs = Json.array(obj, "outputs", where).mapIndexed { i, e -> parseTensor(Json.asObject(e, "$where.outputs[$i]"), formats, "$where.outputs[$i]") },
            )
        }

        private fun parseTensor(obj: JsonObject, formats: List<String>, where: String): TensorContract {
            val dtypeObj = Json.obj(obj, "dtype", where)
            val dtypes = formats.associateWith { DType.parse(Json.string(dtypeObj, it, "$where.dtype"), "$where.dtype.$it") }
            val range = if (Json.has(obj, "range")) {
                val values = Json.array(obj, "range", where)
                if (values.size() != 2) throw ContractException("$where.range: expected [min, max]")
                ValueRange(Json.asDouble(values[0], "$where.range").toFloat(), Json.asDouble(values[1], "$where.range").toFloat())
            } else {
                null
            }
            return TensorContract(Json.string(obj, "name", where), Json.intList(obj, "shape", where), dtypes, range)
        }
    }
}
