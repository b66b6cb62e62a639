"""The Android demo's model contract, checked against tfstyle's exporter and the app's Kotlin code.

``android_demo/app/src/main/assets/contract.json`` says, per model role (fast style, arbitrary
predictor, arbitrary transfer), which file names the app loads and what it expects of each
input/output tensor: name, shape, dtype (per export format) and value range. Here:

* the contract agrees with the Python side (formats, shipped styles, the pipeline's file names);
* metadata that :func:`tfstyle.export.export_tflite` really writes (a tiny JohnsonNet, float32
  and int8) conforms to it (:func:`check_model_against_contract`), and the checker catches
  mismatches;
* the Kotlin sources read the contract (roles, asset names, keys) and the Gradle build uses it;
* the app runs models with LiteRT 2 (``CompiledModel`` on its CPU or GPU accelerator), not with the
  legacy TensorFlow Lite ``Interpreter``, GPU delegate or NNAPI, and targets SDK 35;
* the app's JVM unit tests (``android_demo/run_jvm_tests.sh``: Kotlin compiler + JUnit, no
  Gradle or Android SDK) pass, including the Kotlin validator run on the metadata exported here;
* ``android_demo/tools/make_style_vectors.py`` writes style vectors the app can read.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import os
import pathlib
import re
import subprocess

import numpy as np
import pytest

from .conftest import smooth_image

ROOT = pathlib.Path(__file__).resolve().parents[1]
ANDROID = ROOT / "android_demo"
APP = ANDROID / "app"
CONTRACT_PATH = APP / "src" / "main" / "assets" / "contract.json"
KOTLIN_MAIN = APP / "src" / "main" / "kotlin" / "dev" / "tfstyle" / "demo"
KOTLIN_CORE = KOTLIN_MAIN / "core"
JVM_TESTS = ANDROID / "run_jvm_tests.sh"
VERSION_CATALOG = ANDROID / "gradle" / "libs.versions.toml"
STYLE_VECTORS_TOOL = ANDROID / "tools" / "make_style_vectors.py"

ROLES = ("fast_style", "arbitrary_predictor", "arbitrary_transfer")
DTYPES = ("float32", "uint8", "int8")
SIZE = 384


def load_contract(path: str | os.PathLike = CONTRACT_PATH) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _tensors(meta: dict, single: str, plural: str) -> list[dict] | None:
    """A metadata file's tensors: the fast-style layout (one dict) or the arbitrary one (a list)."""
    if meta.get(single) is not None and meta.get(plural) is not None:
        return None
    if meta.get(plural) is not None:
        return list(meta[plural])
    if meta.get(single) is not None:
        return [meta[single]]
    return None


def contract_problems(meta: dict, role: str, file_name: str | None = None, contract: dict | None = None) -> list[str]:
    """Every way ``meta`` (a ``<model>.tflite.json`` dict) breaks the contract for ``role`` (empty: conforms).

    The same rules as ``ModelContract.validate`` in the app's Kotlin code.
    """
    contract = contract or load_contract()
    spec = contract["roles"][role]
    problems = [f'metadata has no "{key}"' for key in contract["required_metadata_keys"] if meta.get(key) is None]
    fmt = meta.get("format")
    if fmt not in contract["formats"]:
        problems.append(f"format {fmt!r} is not one of {contract['formats']}")
    if file_name is not None:
        match = re.fullmatch(spec["file_pattern"], file_name)
        if match is None:
            problems.append(f"file name {file_name!r} does not match {spec['file_pattern']}")
        else:
            groups = dict(zip(spec["pattern_groups"], match.groups()))
            if groups.get("format") != fmt:
                problems.append(f"file name says format {groups.get('format')!r}, metadata says {fmt!r}")
            if "style" in groups and groups["style"] not in spec["styles"]:
                problems.append(f"style {groups['style']!r} is not one of {spec['styles']}")
    if meta.get("signature") != spec["signature"]:
        problems.append(f"signature {meta.get('signature')!r}, expected {spec['signature']!r}")
    if list(meta.get("size") or []) != spec["size"]:
        problems.append(f"size {meta.get('size')}, expected {spec['size']}")
    for kind, single, plural in (("input", "input", "inputs"), ("output", "output", "outputs")):
        tensors = _tensors(meta, single, plural)
        if tensors is None:
            problems.append(f'needs exactly one of "{single}" and "{plural}"')
            continue
        got = {t.get("name"): t for t in tensors}
        want = {t["name"]: t for t in spec[plural]}
        if set(got) != set(want) or len(got) != len(tensors):
            problems.append(f"{plural} {[t.get('name') for t in tensors]}, expected {sorted(want)}")
        for name, expected in want.items():
            tensor = got.get(name)
            if tensor is None:
                continue
            at = f"{kind} {name!r}"
            if list(tensor.get("shape") or []) != expected["shape"]:
                problems.append(f"{at}: shape {tensor.get('shape')}, expected {expected['shape']}")
            dtype = tensor.get("dtype")
            if fmt in expected["dtype"] and dtype != expected["dtype"][fmt]:
                problems.append(f"{at}: dtype {dtype}, expected {expected['dtype'][fmt]} for format {fmt}")
            if expected["range"] is not None and list(tensor.get("range") or []) != expected["range"]:
                problems.append(f"{at}: range {tensor.get('range')}, expected {expected['range']}")
            quantization = tensor.get("quantization")
            if dtype in ("uint8", "int8"):
                if not (isinstance(quantization, list) and len(quantization) == 2 and quantization[0] > 0
                        and float(quantization[1]) == int(quantization[1])):
                    problems.append(f"{at}: {dtype} needs quantization [scale > 0, zero_point], got {quantization}")
            elif quantization is not None:
                problems.append(f"{at}: float tensor with quantization {quantization}")
    return problems


def check_model_against_contract(meta: dict, role: str, file_name: str | None = None, contract: dict | None = None) -> None:
    """Assert that one model's metadata conforms to the app's contract for ``role``.

    Args:
        meta: the metadata dict the exporter writes to ``<model>.tflite.json`` (either layout:
            ``input``/``output`` dicts, or ``inputs``/``outputs`` lists).
        role: ``"fast_style"``, ``"arbitrary_predictor"`` or ``"arbitrary_transfer"``.
        file_name: the model's file name (``wave_int8_384.tflite``), checked against the role's
            pattern and the metadata's format when given.
        contract: the parsed contract.json (read from the app's assets when omitted).

    Raises:
        AssertionError: listing every mismatch.
    """
    problems = contract_problems(meta, role, file_name, contract)
    assert not problems, f"{file_name or role} breaks the Android contract: " + "; ".join(problems)


# --------------------------------------------------------------------------
# the contract itself


@pytest.fixture(scope="module")
def contract() -> dict:
    return load_contract()


def test_contract_agrees_with_the_python_side(contract):
    from tfstyle.export import FORMATS
    from tfstyle.weights.registry import preset_names

    assert tuple(contract["roles"]) == ROLES
    assert contract["formats"] == list(FORMATS)
    assert contract["assets"]["contract"] == CONTRACT_PATH.name
    fast = contract["roles"]["fast_style"]
    assert sorted(fast["styles"]) == preset_names("fast")
    for role, spec in contract["roles"].items():
        pattern = re.compile(spec["file_pattern"])  # also valid for java.util.regex: no (?P<...>) groups
        assert "(?P" not in spec["file_pattern"], role
        assert pattern.groups == len(spec["pattern_groups"]) and "format" in spec["pattern_groups"], role
        assert spec["signature"] == "serving_default", role
        for tensor in spec["inputs"] + spec["outputs"]:
            assert set(tensor["dtype"]) == set(contract["formats"]), (role, tensor["name"])
            assert set(tensor["dtype"].values()) <= set(DTYPES), (role, tensor["name"])
            if len(tensor["shape"]) == 4:  # images: [1, H, W, 3] at the role's size, pixel values
                assert tensor["shape"] == [1, *spec["size"], 3] and tensor["range"] == [0, 255], (role, tensor["name"])
            else:  # style vectors
                assert tensor["shape"] == [1, contract["style_vector_length"]], (role, tensor["name"])
    predictor, transfer = contract["roles"]["arbitrary_predictor"], contract["roles"]["arbitrary_transfer"]
    assert [t["name"] for t in predictor["inputs"]] == ["style"]
    assert [t["name"] for t in predictor["outputs"]] == ["style_vector"]
    assert [t["name"] for t in transfer["inputs"]] == ["content", "style_vector"]
    assert [t["name"] for t in transfer["outputs"]] == ["stylized"]


def test_file_patterns_take_the_pipelines_names_only(contract):
    from tfstyle.export.tflite import INPUT_NAME, OUTPUT_NAME
    from tfstyle.runtime.litert import SIGNATURE_KEY

    fast = contract["roles"]["fast_style"]
    assert [fast["inputs"][0]["name"], fast["outputs"][0]["name"], fast["signature"]] == [INPUT_NAME, OUTPUT_NAME,
                                                                                          SIGNATURE_KEY]
    for style in fast["styles"]:
        for fmt in contract["formats"]:
            match = re.fullmatch(fast["file_pattern"], f"{style}_{fmt}_{SIZE}.tflite")  # export/pipeline.py's names
            assert match and match.groups() == (style, fmt)
    # The pipeline's INT8 experiments and other sizes are not app models.
    for name in ("shipwreck_aeq_int8_384.tflite", "shipwreck_equalized_float32_384.tflite",
                 "shipwreck_release_int8_384.tflite", "shipwreck_qat_int8_384.tflite", "wave_float32_256.tflite",
                 "wave_float32_384.tflite.json", "mosaic_float32_384.tflite"):
        assert not any(re.fullmatch(spec["file_pattern"], name) for spec in contract["roles"].values()), name
    assert re.fullmatch(contract["roles"]["arbitrary_predictor"]["file_pattern"], "arbitrary_predictor_int8_256.tflite")
    assert re.fullmatch(contract["roles"]["arbitrary_transfer"]["file_pattern"], "arbitrary_transfer_float16_384.tflite")


# --------------------------------------------------------------------------
# real exporter output


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> pathlib.Path:
    """A tiny JohnsonNet exported as the pipeline names it, float32 and int8 (folder with .tflite + .json)."""
    from tfstyle.export import export_tflite
    from tfstyle.models import JohnsonNet

    folder = tmp_path_factory.mktemp("android-contract")
    net = JohnsonNet(width=0.25, residual_blocks=1)
    rng = np.random.default_rng(7)
    calibration = [smooth_image(rng, SIZE, SIZE).astype(np.uint8) for _ in range(4)]
    for fmt in ("float32", "int8"):
        extra = {"representative_images": calibration} if fmt == "int8" else {}
        export_tflite(net, folder / f"wave_{fmt}_{SIZE}.tflite", format=fmt, size=(SIZE, SIZE), **extra)
    return folder


@pytest.mark.parametrize("fmt", ["float32", "int8"])
def test_exported_metadata_matches_the_contract(exported, contract, fmt):
    name = f"wave_{fmt}_{SIZE}.tflite"
    assert (exported / name).is_file()
    meta = json.loads((exported / (name + contract["metadata_suffix"])).read_text())  # the file the app reads
    check_model_against_contract(meta, "fast_style", name, contract)
    expected = "uint8" if fmt == "int8" else "float32"
    assert meta["input"]["dtype"] == meta["output"]["dtype"] == expected


def test_phone_preset_pair_matches_the_contract(tmp_path, contract):
    """The arbitrary pair the app ships (the registry's phone preset, the student) as the pipeline exports it."""
    import tfstyle
    from tfstyle.export.arbitrary import export_arbitrary
    from tfstyle.weights.registry import phone_preset

    metas = export_arbitrary(tfstyle.load_model(phone_preset()), tmp_path, format="float16", content_size=SIZE)
    for role, key in (("arbitrary_predictor", "predictor"), ("arbitrary_transfer", "transfer")):
        name = metas[key]["file"]
        meta = json.loads((tmp_path / (name + contract["metadata_suffix"])).read_text())
        check_model_against_contract(meta, role, name, contract)


def test_checker_reports_mismatches(exported, contract):
    meta = json.loads((exported / f"wave_int8_{SIZE}.tflite.json").read_text())
    check_model_against_contract(meta, "fast_style", f"wave_int8_{SIZE}.tflite", contract)

    def problems(change, file_name=f"wave_int8_{SIZE}.tflite", role="fast_style"):
        broken = copy.deepcopy(meta)
        change(broken)
        return "\n".join(contract_problems(broken, role, file_name, contract))

    assert "inputs ['image']" in problems(lambda m: m["input"].update(name="image"))
    assert "shape [1, 256, 256, 3]" in problems(lambda m: m["output"].update(shape=[1, 256, 256, 3]))
    assert "dtype float32, expected uint8" in problems(lambda m: m["input"].update(dtype="float32"))
    assert "uint8 needs quantization" in problems(lambda m: m["output"].update(quantization=None))
    assert "range [0, 1]" in problems(lambda m: m["input"].update(range=[0, 1]))
    assert "signature 'main'" in problems(lambda m: m.update(signature="main"))
    assert 'no "gpu_compatible"' in problems(lambda m: m.pop("gpu_compatible"))
    assert 'exactly one of "input" and "inputs"' in problems(lambda m: m.update(inputs=[m["input"]]))
    assert "says format 'float32'" in problems(lambda m: None, file_name=f"wave_float32_{SIZE}.tflite")
    assert "does not match" in problems(lambda m: None, file_name=f"wave_aeq_int8_{SIZE}.tflite")
    assert "inputs ['content'], expected ['content', 'style_vector']" in problems(lambda m: None, None,
                                                                                  "arbitrary_transfer")
    with pytest.raises(AssertionError, match="breaks the Android contract"):
        check_model_against_contract({**meta, "format": "int4"}, "fast_style", contract=contract)


# --------------------------------------------------------------------------
# the Kotlin side


def _kotlin(path: pathlib.Path) -> str:
    return path.read_text(encoding="utf-8")


def test_kotlin_sources_read_the_contract(contract):
    model_contract = _kotlin(KOTLIN_CORE / "ModelContract.kt")
    # The roles the app knows are the contract's roles.
    enum = re.search(r"enum class ModelRole\(val key: String\) \{(.*?);", model_contract, re.DOTALL).group(1)
    assert tuple(re.findall(r'\w+\("(\w+)"\)', enum)) == ROLES
    assert re.search(r'const val ASSET_NAME = "(.+?)"', model_contract).group(1) == contract["assets"]["contract"]
    assert CONTRACT_PATH.is_file()
    # Every key the contract uses is read by the Kotlin parser.
    role_keys = {key for spec in contract["roles"].values() for key in spec if key != "description"}
    tensor_keys = {key for spec in contract["roles"].values() for t in spec["inputs"] + spec["outputs"] for key in t}
    top_keys = set(contract) - {"about", "roles"}
    for key in top_keys | role_keys | tensor_keys | {"roles"}:
        assert f'"{key}"' in model_contract, f"ModelContract.kt never reads {key!r}"
    # The metadata keys the contract requires are read by the metadata parser.
    model_metadata = _kotlin(KOTLIN_CORE / "ModelMetadata.kt")
    for key in contract["required_metadata_keys"] + ["input", "inputs", "output", "outputs", "quantization", "range"]:
        assert f'"{key}"' in model_metadata, f"ModelMetadata.kt never reads {key!r}"
    # Asset names: every JSON asset named in Kotlin is the contract's; every contract asset key used exists.
    kotlin = "\n".join(_kotlin(p) for p in sorted(KOTLIN_MAIN.rglob("*.kt")))
    assert set(re.findall(r'"([\w.-]+\.json)"', kotlin)) <= set(contract["assets"].values())
    used_keys = set(re.findall(r'\.asset\("(\w+)"\)', kotlin))
    assert used_keys and used_keys <= set(contract["assets"]), used_keys
    # The Gradle task that copies models filters them with the contract's patterns.
    gradle = (APP / "build.gradle.kts").read_text()
    assert "src/main/assets/contract.json" in gradle and '"file_pattern"' in gradle and '"pattern_groups"' in gradle
    assert 'namespace = "dev.tfstyle.demo"' in gradle
    # The core classes (the JVM-tested ones) use no Android API.
    for path in KOTLIN_CORE.glob("*.kt"):
        assert not re.search(r"^import (android|androidx)\.", _kotlin(path), re.MULTILINE), path.name


def _implementation_dependencies() -> dict[str, str | None]:
    """``group:name`` -> version of every ``implementation(libs.…)`` in app/build.gradle.kts, via the version catalog.

    The catalog is read with regular expressions (its ``alias = { group, name, version.ref }`` lines):
    ``tomllib`` needs Python 3.11, and tfstyle supports 3.10.
    """
    catalog = VERSION_CATALOG.read_text(encoding="utf-8")
    versions = dict(re.findall(r'^([\w-]+) = "([^"]+)"$', catalog, re.MULTILINE))
    libraries = {}
    for alias, body in re.findall(r"^([\w-]+) = \{(.*)\}$", catalog, re.MULTILINE):
        fields = dict(re.findall(r'([\w.]+) = "([^"]+)"', body))
        if "group" not in fields:  # a plugin
            continue
        libraries[alias.replace("-", ".").replace("_", ".")] = (f"{fields['group']}:{fields['name']}",
                                                                versions.get(fields.get("version.ref")))
    gradle = (APP / "build.gradle.kts").read_text(encoding="utf-8")
    return dict(libraries[accessor]
                for accessor in re.findall(r"^\s*implementation\(libs\.([\w.]+)\)", gradle, re.MULTILINE))


def test_app_runs_on_litert_2():
    """LiteRT 2's CompiledModel (CPU/GPU accelerators) replaced TFLite's Interpreter, GPU delegate and NNAPI."""
    dependencies = _implementation_dependencies()
    litert = dependencies.get("com.google.ai.edge.litert:litert")
    assert litert is not None, sorted(dependencies)
    assert int(litert.split(".")[0]) >= 2, litert
    # The GPU accelerator, a separate artifact since LiteRT 2.3, at the same version.
    assert dependencies.get("com.google.ai.edge.litert:litert-gpu") == litert, sorted(dependencies)
    for path in (APP / "build.gradle.kts", ANDROID / "build.gradle.kts", ANDROID / "settings.gradle.kts",
                 VERSION_CATALOG):
        assert "org.tensorflow" not in path.read_text(encoding="utf-8"), path.name

    gradle = (APP / "build.gradle.kts").read_text(encoding="utf-8")
    sdk = {key: int(value) for key, value in re.findall(r"^\s*(\w+Sdk) = (\d+)", gradle, re.MULTILINE)}
    assert sdk == {"compileSdk": 35, "targetSdk": 35, "minSdk": 24}, sdk  # minSdk 24: as the LiteRT 2 AARs declare

    sources = sorted((APP / "src").rglob("*.kt"))
    assert sources
    for path in sources:
        text = _kotlin(path)
        assert not re.search(r"nnapi", text, re.IGNORECASE), f"{path.name} mentions NNAPI"
        for legacy in ("Interpreter(", "GpuDelegate", "CompatibilityList", "org.tensorflow"):
            assert legacy not in text, f"{path.name} uses {legacy}"
    runner = _kotlin(KOTLIN_MAIN / "LiteRtRunner.kt")
    for api in ("import com.google.ai.edge.litert.CompiledModel", "CompiledModel.create(", "CompiledModel.Options(",
                "createInputBuffer(", "createOutputBuffer(", "writeFloat(", "readFloat(", "writeInt8(", "readInt8("):
        assert api in runner, api
    # The app's choices are LiteRT's CPU and GPU accelerators (plus "automatic", which is no enum entry).
    core = _kotlin(KOTLIN_CORE / "Accelerators.kt")
    accelerators = re.search(r"enum class Accelerator\(.*?\) \{(.*?)\}", core, re.DOTALL).group(1)
    assert re.findall(r"^\s*(\w+)\(", accelerators, re.MULTILINE) == ["CPU", "GPU"]


def test_jvm_unit_tests(exported):
    """Compile the Kotlin core + JUnit tests with kotlinc and run them (no Gradle, no Android SDK).

    The Kotlin contract validator also runs on the metadata exported above (TFSTYLE_METADATA_DIR).
    """
    env = {**os.environ, "TFSTYLE_METADATA_DIR": str(exported), "JVM_TEST_BUILD_DIR": str(exported.parent / "jvm")}
    result = subprocess.run(["nice", "-n", "10", "bash", str(JVM_TESTS)], check=False, capture_output=True, text=True,
                            env=env, timeout=900)
    output = result.stdout + result.stderr
    if result.returncode == 77:
        pytest.skip("no Kotlin compiler on this machine (npm install -g kotlin-compiler@2.1.0): " + output.strip())
    assert result.returncode == 0, output[-6000:]
    assert re.search(r"^OK \(\d+ tests\)$", result.stdout, re.MULTILINE), output[-3000:]
    for fmt in ("float32", "int8"):
        assert f"exported metadata conforms: wave_{fmt}_{SIZE}.tflite.json" in result.stdout, output[-3000:]


# --------------------------------------------------------------------------
# the style-vector tool


def _tiny_predictor(path: pathlib.Path, contract: dict) -> None:
    """A small stand-in predictor with the contract's signature: style [1,256,256,3] -> style_vector [1,100]."""
    import tempfile

    import keras
    import tensorflow as tf

    spec = contract["roles"]["arbitrary_predictor"]
    (inp,), (out,) = spec["inputs"], spec["outputs"]
    image = keras.Input(tuple(inp["shape"][1:]))
    x = keras.layers.Conv2D(8, 3, strides=8)(keras.layers.Rescaling(1 / 255)(image))
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(image, keras.layers.Dense(out["shape"][-1])(x))
    with tempfile.TemporaryDirectory() as folder:
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint(spec["signature"], lambda style: {out["name"]: model(style)},
                             input_signature=[tf.TensorSpec(inp["shape"], tf.float32, name=inp["name"])])
        archive.write_out(folder, verbose=False)
        content = tf.lite.TFLiteConverter.from_saved_model(folder, signature_keys=[spec["signature"]]).convert()
    path.write_bytes(content)


def test_make_style_vectors(tmp_path, contract):
    from PIL import Image

    from tfstyle.image.io import cover_crop, load_image
    from tfstyle.runtime.litert import make_interpreter

    spec = importlib.util.spec_from_file_location("make_style_vectors", STYLE_VECTORS_TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)

    predictor = tmp_path / "arbitrary_predictor_float32_256.tflite"
    _tiny_predictor(predictor, contract)
    rng = np.random.default_rng(3)
    paintings = {"swirl": smooth_image(rng, 300, 200), "grid": smooth_image(rng, 256, 512)}
    paths = []
    for name, image in paintings.items():
        Image.fromarray(image.astype(np.uint8)).save(tmp_path / f"{name}.png")
        paths.append(str(tmp_path / f"{name}.png"))
    out = tmp_path / "style_vectors.json"
    assert tool.main([str(predictor), paths[0], f"checkered={paths[1]}", "--out", str(out)]) == 0

    vectors = json.loads(out.read_text())  # the layout StyleVectors.parse reads: {"name": [100 floats]}
    assert list(vectors) == ["swirl", "checkered"]
    assert all(len(v) == contract["style_vector_length"] for v in vectors.values())
    # Same numbers as running the predictor directly on the cover-cropped image.
    runner = make_interpreter(model_path=str(predictor)).get_signature_runner("serving_default")
    direct = runner(style=cover_crop(load_image(paths[0]), (256, 256))[None].astype(np.float32))["style_vector"]
    np.testing.assert_allclose(vectors["swirl"], direct.reshape(-1), rtol=1e-5, atol=1e-6)
    assert not np.allclose(vectors["swirl"], vectors["checkered"])
