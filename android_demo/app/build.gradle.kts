import groovy.json.JsonSlurper
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
}

// ---------------------------------------------------------------------------------------------
// Models: copyExportedModels copies from export/build (written by `python export/pipeline.py`)
// every .tflite whose name matches a role's file_pattern in contract.json, its .tflite.json
// metadata, and style_vectors.json (android_demo/tools/make_style_vectors.py) when present, into
// build/generated/tfstyleAssets, which is an assets folder of the app. Nothing is committed.
//   -Ptfstyle.exportDir=/path   another folder
//   -Ptfstyle.formats=float16,int8   only these formats (smaller APK)
// ---------------------------------------------------------------------------------------------
val contractFile: File = file("src/main/assets/contract.json")
val exportDir: File = (findProperty("tfstyle.exportDir") as String?)?.let { rootProject.file(it) }
    ?: rootProject.file("../export/build")
val wantedFormats: Set<String>? = (findProperty("tfstyle.formats") as String?)
    ?.split(",")?.map { it.trim() }?.filter { it.isNotEmpty() }?.toSet()
val generatedAssets: File = layout.buildDirectory.dir("generated/tfstyleAssets").get().asFile

/** (pattern, index of its "format" group) for every role in contract.json. */
@Suppress("UNCHECKED_CAST")
fun contractPatterns(): List<Pair<Regex, Int>> {
    val contract = JsonSlurper().parse(contractFile) as Map<String, Any?>
    val roles = contract["roles"] as Map<String, Map<String, Any?>>
    return roles.values.map { role ->
        val groups = role["pattern_groups"] as List<String>
        Regex(role["file_pattern"] as String) to (groups.indexOf("format") + 1)
    }
}

fun isAppModel(fileName: String, patterns: List<Pair<Regex, Int>>): Boolean = patterns.any { (regex, formatGroup) ->
    val match = regex.matchEntire(fileName) ?: return@any false
    wantedFormats == null || match.groupValues[formatGroup] in wantedFormats!!
}

val copyExportedModels by tasks.registering(Sync::class) {
    group = "tfstyle"
    description = "Copies the exported models named in contract.json (+ metadata, style_vectors.json) into the app's assets."
    val patterns = contractPatterns()
    inputs.file(contractFile)
    from(exportDir) {
        include { element ->
            !element.isDirectory && (
                element.name == "style_vectors.json" ||
                    isAppModel(element.name, patterns) ||
                    (element.name.endsWith(".tflite.json") && isAppModel(element.name.removeSuffix(".json"), patterns))
                )
        }
    }
    into(generatedAssets)
    doLast {
        val copied = generatedAssets.listFiles()?.map { it.name }.orEmpty()
        val models = copied.count { it.endsWith(".tflite") }
        if (models == 0) {
            logger.warn("copyExportedModels: no models in $exportDir; run `python export/pipeline.py` first (the app will say it has no models)")
        } else {
            logger.lifecycle("copyExportedModels: $models models from $exportDir")
        }
        copied.filter { it.endsWith(".tflite") && "$it.json" !in copied }.forEach {
            logger.warn("copyExportedModels: $it has no metadata file beside it; the app will ignore it")
        }
    }
}

android {
    namespace = "dev.tfstyle.demo"
    compileSdk = 35

    defaultConfig {
        applicationId = "dev.tfstyle.demo"
        minSdk = 24 // what the LiteRT 2 AARs declare
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }

    buildTypes {
        release {
            isMinifyEnabled = false
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets {
        getByName("main") {
            java.srcDir("src/main/kotlin")
            assets.srcDir(generatedAssets)
        }
        getByName("test") {
            java.srcDir("src/test/kotlin")
        }
    }

    // CompiledModel.create(assets, name) reads the model out of the APK; stored uncompressed, that
    // is a plain copy rather than an inflate.
    androidResources {
        noCompress.add("tflite")
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

tasks.named("preBuild") {
    dependsOn(copyExportedModels)
}

dependencies {
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.appcompat)
    implementation(libs.androidx.activity.ktx)
    implementation(libs.androidx.lifecycle.runtime.ktx)
    implementation(libs.androidx.lifecycle.viewmodel.ktx)
    implementation(libs.androidx.exifinterface)
    implementation(libs.material)
    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.gson)
    implementation(libs.litert)
    implementation(libs.litert.gpu)

    // JVM unit tests of the Android-free classes (also runnable without Gradle: ../run_jvm_tests.sh).
    testImplementation(libs.junit)
}
