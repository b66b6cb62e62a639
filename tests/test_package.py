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
