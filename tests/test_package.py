"""Importing tfstyle is cheap and leaves the user's Keras alone."""
import os
import subprocess
import sys

CHECK = """
import os, sys, time
start = time.perf_counter()
import tfstyle
elapsed = time.perf_counter() - start
heavy = [m for m in ("tensorflow", "keras", "tf_keras", "tensorflow_model_optimization") if m in sys.modules]
print(heavy, os.environ.get("TF_USE_LEGACY_KERAS"), f"{elapsed:.3f}")
import tfstyle.methods.optimize, tfstyle.methods.fast, tfstyle.training.johnson, tfstyle.perceptual.metrics
import keras
print("tensorflow_model_optimization" in sys.modules, os.environ.get("TF_USE_LEGACY_KERAS"), keras.__version__[0])
"""


def test_import_is_light_and_keeps_keras_3():
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=env, timeout=300,
                         check=True).stdout.splitlines()
    heavy, legacy, seconds = out[0].rsplit(" ", 2)
    assert heavy == "[]" and legacy == "None"
    assert float(seconds) < 0.5
    assert out[1] == "False None 3"


def test_public_names_resolve():
    import tfstyle

    for name in tfstyle.__all__:
        assert getattr(tfstyle, name) is not None


def _setup_cfg():
    import configparser
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    return root, config


def _names(requirements: str) -> set[str]:
    import re

    return {re.split(r"[<>=~!\[; ]", line.strip(), maxsplit=1)[0].lower()
            for line in requirements.splitlines() if line.strip() and not line.strip().startswith("#")}


def test_the_base_install_is_light_and_the_extras_hold_the_rest():
    """#30: the base install runs the shipped presets (NumPy, Pillow, ai-edge-litert, tqdm); TensorFlow, video, QAT
    and the comparison models are extras; ``==`` pins only with a comment saying why."""
    root, config = _setup_cfg()
    assert _names(config["options"]["install_requires"]) == {"numpy", "pillow", "ai-edge-litert", "tqdm"}
    extras = config["options.extras_require"]
    assert {"tf", "video", "qat", "compare", "all", "test"} <= set(extras)
    assert {"tensorflow", "keras"} <= _names(extras["tf"]) and {"opencv-python-headless", "imageio-ffmpeg"} == \
        _names(extras["video"])
    assert "tfstyle[tf,video,qat,compare,beam]" in extras["all"] and "tfstyle[all]" in extras["test"]
    lines = (root / "setup.cfg").read_text().splitlines()
    for i, line in enumerate(lines):
        if "==" in line and not line.strip().startswith("#"):
            assert lines[i - 1].strip().startswith("#"), f"a pin without a comment saying why: {line.strip()}"


def test_package_data_ships_the_prebuilt_litert_files():
    """A non-editable install carries every prebuilt file: each is matched by a package_data pattern."""
    import glob

    from tfstyle.runtime.preset_files import SHIPPED_DIR

    root, config = _setup_cfg()
    patterns = [p.strip() for p in config["options.package_data"]["tfstyle"].replace(",", "\n").splitlines()
                if p.strip()]
    package = root / "tfstyle"
    files = [p.relative_to(package).as_posix() for p in SHIPPED_DIR.rglob("*") if p.is_file()]
    assert any(f.endswith(".tflite") for f in files) and any(f.endswith("manifest.json") for f in files)
    matched = {f for pattern in patterns for f in glob.glob(pattern, root_dir=package)}  # setuptools' globbing
    assert sorted(set(files) - matched) == []
