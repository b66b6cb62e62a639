#!/usr/bin/env bash
# Compile the app's Android-free classes (app/src/main/kotlin/dev/tfstyle/demo/core) with their
# JUnit 4 tests (app/src/test/kotlin) using a plain Kotlin compiler, and run the tests on the JVM:
# no Gradle, no Android SDK. The classpath holds only the Kotlin stdlib, Gson and JUnit, so a core
# class that used an Android API would not compile here.
#
# Installs nothing. It looks for:
#   kotlinc  $KOTLINC, else the npm package kotlin-compiler (npm install -g kotlin-compiler@2.1.0),
#            else `kotlinc` on PATH
#   JUnit 4  $JUNIT_JAR (+ $HAMCREST_JAR), else Debian's junit4 + libhamcrest-java, else ~/.m2
#   Gson     $GSON_JAR, else Debian's libgoogle-gson-java, else ~/.m2
# Exit status: 0 all tests passed; 1 a compile error or failing test; 77 no Kotlin compiler (skip);
# 2 another tool or jar is missing.
# Environment passed to the tests: TFSTYLE_METADATA_DIR (a folder of exported *.tflite.json files
# that ModelContractTest checks against contract.json).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
APP="$HERE/app"
BUILD="${JVM_TEST_BUILD_DIR:-$HERE/build/jvm-tests}"

find_kotlinc() {
    if [[ -n "${KOTLINC:-}" ]]; then
        echo "$KOTLINC"
        return
    fi
    if command -v npm >/dev/null 2>&1; then
        local root
        root="$(npm root -g 2>/dev/null || true)"
        if [[ -n "$root" && -x "$root/kotlin-compiler/bin/kotlinc" ]]; then
            echo "$root/kotlin-compiler/bin/kotlinc"
            return
        fi
    fi
    command -v kotlinc 2>/dev/null || true
}

first_file() { # the first existing file among the arguments (globs allowed)
    local f
    for f in "$@"; do
        [[ -f "$f" ]] && { echo "$f"; return; }
    done
    true
}

KOTLINC_BIN="$(find_kotlinc)"
if [[ -z "$KOTLINC_BIN" ]]; then
    echo "SKIP: no Kotlin compiler (set KOTLINC, or: npm install -g kotlin-compiler@2.1.0)" >&2
    exit 77
fi
command -v java >/dev/null 2>&1 || { echo "MISSING: java (OpenJDK 17)" >&2; exit 2; }

M2="${HOME:-/root}/.m2/repository"
JUNIT="${JUNIT_JAR:-$(first_file /usr/share/java/junit4.jar "$M2"/junit/junit/4.13.2/junit-4.13.2.jar "$M2"/junit/junit/4.*/junit-4.*.jar)}"
HAMCREST="${HAMCREST_JAR:-$(first_file /usr/share/java/hamcrest-core.jar /usr/share/java/hamcrest-all.jar /usr/share/java/hamcrest.jar "$M2"/org/hamcrest/hamcrest-core/1.3/hamcrest-core-1.3.jar "$M2"/org/hamcrest/hamcrest/*/hamcrest-*.jar)}"
GSON="${GSON_JAR:-$(first_file /usr/share/java/gson.jar "$M2"/com/google/code/gson/gson/2.10.1/gson-2.10.1.jar "$M2"/com/google/code/gson/gson/2.*/gson-2.*.jar)}"
for pair in "JUnit 4 (apt-get install junit4):$JUNIT" "Hamcrest (apt-get install libhamcrest-java):$HAMCREST" "Gson (apt-get install libgoogle-gson-java):$GSON"; do
    if [[ -z "${pair##*:}" || ! -f "${pair##*:}" ]]; then
        echo "MISSING: ${pair%:*}" >&2
        exit 2
    fi
done

KOTLIN_HOME="$(cd "$(dirname "$(readlink -f "$KOTLINC_BIN")")/.." && pwd)"
STDLIB="$(first_file "$KOTLIN_HOME/lib/kotlin-stdlib.jar" /usr/share/java/kotlin-stdlib.jar)"
[[ -n "$STDLIB" ]] || { echo "MISSING: kotlin-stdlib.jar beside $KOTLINC_BIN" >&2; exit 2; }

MAIN_SOURCES=("$APP"/src/main/kotlin/dev/tfstyle/demo/core/*.kt)
TEST_SOURCES=("$APP"/src/test/kotlin/dev/tfstyle/demo/core/*.kt)
if grep -lE '^import (android|androidx)\.' "${MAIN_SOURCES[@]}"; then
    echo "FAIL: the core classes above import Android APIs" >&2
    exit 1
fi

# C1-only JIT and the serial GC halve a short compiler run on a small machine (48 s -> 25 s on 2 cores).
export JAVA_OPTS="${JAVA_OPTS:--Xmx512M -Xms128M -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"
echo "kotlinc: $KOTLINC_BIN ($("$KOTLINC_BIN" -version 2>&1 | tr -d '\n' | sed 's/^info: //'))"
echo "classpath: $GSON $JUNIT $HAMCREST"
rm -rf "$BUILD"
mkdir -p "$BUILD/classes"
# One compiler run for the core classes and their tests (each kotlinc start costs ~10 s here).
"$KOTLINC_BIN" -jvm-target 17 -Werror -cp "$GSON:$JUNIT:$HAMCREST" -d "$BUILD/classes" "${MAIN_SOURCES[@]}" "${TEST_SOURCES[@]}"

# Every compiled top-level class whose name ends in Test (a source file may hold several).
TEST_CLASSES=()
for f in "$BUILD"/classes/dev/tfstyle/demo/core/*Test.class; do
    TEST_CLASSES+=("dev.tfstyle.demo.core.$(basename "$f" .class)")
done
echo "running ${#TEST_CLASSES[@]} test classes"
# Working directory app/, as Gradle runs unit tests (they read src/main/assets/contract.json).
cd "$APP"
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$BUILD/classes:$APP/src/test/resources:$STDLIB:$GSON:$JUNIT:$HAMCREST" org.junit.runner.JUnitCore "${TEST_CLASSES[@]}"
