package dev.tfstyle.demo.core

import com.google.gson.JsonArray
import com.google.gson.JsonElement
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import com.google.gson.JsonPrimitive

/** A contract, metadata or style-vector file that does not say what the app needs (the message says what). */
class ContractException(message: String, cause: Throwable? = null) : Exception(message, cause)

/**
 * Strict reading helpers over Gson's tree model (no reflection, so Kotlin's non-null types hold).
 * Every failure is a [ContractException] naming the file ([where]) and the key.
 */
internal object Json {
    fun parseObject(text: String, where: String): JsonObject {
        val element = try {
            JsonParser.parseString(text)
        } catch (e: RuntimeException) { // JsonParseException, or IllegalStateException on odd input
            throw ContractException("$where is not valid JSON: ${e.message}", e)
        }
        if (element == null || !element.isJsonObject) throw ContractException("$where: expected a JSON object at the top")
        return element.asJsonObject
    }

    fun has(obj: JsonObject, key: String): Boolean = obj.has(key) && !obj.get(key).isJsonNull

    fun required(obj: JsonObject, key: String, where: String): JsonElement {
        val value = obj.get(key)
        if (value == null || value.isJsonNull) throw ContractException("$where: missing \"$key\"")
        return value
    }

    fun string(obj: JsonObject, key: String, where: String): String = asString(required(obj, key, where), "$where.$key")

    fun optString(obj: JsonObject, key: String, where: String): String? =
        if (has(obj, key)) asString(obj.get(key), "$where.$key") else null

    fun int(obj: JsonObject, key: String, where: String): Int = asInt(required(obj, key, where), "$where.$key")

    fun optBoolean(obj: JsonObject, key: String, where: String): Boolean? {
        if (!has(obj, key)) return null
        val value = obj.get(key)
        if (value !is JsonPrimitive || !value.isBoolean) throw ContractException("$where.$key: expected true or false, got $value")
        return value.asBoolean
    }

    fun obj(obj: JsonObject, key: String, where: String): JsonObject {
        val value = required(obj, key, where)
        if (!value.isJsonObject) throw ContractException("$where.$key: expected an object, got $value")
        return value.asJsonObject
    }

    fun array(obj: JsonObject, key: String, where: String): JsonArray = asArray(required(obj, key, where), "$where.$key")

    fun asArray(value: JsonElement, where: String): JsonArray {
        if (!value.isJsonArray) throw ContractException("$where: expected a list, got $value")
        return value.asJsonArray
    }

    fun asObject(value: JsonElement, where: String): JsonObject {
        if (!value.isJsonObject) throw ContractException("$where: expected an object, got $value")
        return value.asJsonObject
    }

    fun asString(value: JsonElement, where: String): String {
        if (value !is JsonPrimitive || !value.isString) throw ContractException("$where: expected a string, got $value")
        return value.asString
    }

    fun asDouble(value: JsonElement, where: String): Double {
        if (value !is JsonPrimitive || !value.isNumber) throw ContractException("$where: expected a number, got $value")
        val number = value.asDouble
        if (number.isNaN() || number.isInfinite()) throw ContractException("$where: expected a finite number, got $value")
        return number
    }

    fun asInt(value: JsonElement, where: String): Int {
        val number = asDouble(value, where)
        if (number != Math.rint(number) || number > Int.MAX_VALUE || number < Int.MIN_VALUE) {
            throw ContractException("$where: expected an integer, got $value")
        }
        return number.toInt()
    }

    fun intList(obj: JsonObject, key: String, where: String): List<Int> =
        array(obj, key, where).mapIndexed { i, e -> asInt(e, "$where.$key[$i]") }

    fun stringList(obj: JsonObject, key: String, where: String): List<String> =
        array(obj, key, where).mapIndexed { i, e -> asString(e, "$where.$key[$i]") }
}
