package dev.tfstyle.demo.core

import java.io.File

/** Files the tests read: the app's real contract.json and the metadata fixtures. */
object TestFiles {
    /** assets/contract.json; tests run with the app module as working directory (Gradle and run_jvm_tests.sh). */
    val contractFile: File
        get() = File(System.getProperty("tfstyle.contract") ?: "src/main/assets/contract.json")

    val contract: ModelContract by lazy { ModelContract.parse(contractFile.readText()) }

    /** A fixture from src/test/resources/metadata. */
    fun metadataText(name: String): String =
        TestFiles::class.java.getResource("/metadata/$name")?.readText()
            ?: throw AssertionError("test resource /metadata/$name is missing")

    fun metadata(name: String): ModelMetadata = ModelMetadata.parse(metadataText(name), name)
}
