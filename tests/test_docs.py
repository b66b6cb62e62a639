"""The HTML API reference (docs/build_api.py, pdoc) builds, and the public API documents examples."""
from __future__ import annotations

import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
BUILD = REPO / "docs" / "build_api.py"

#: Pages that must exist in the built reference.
KEY_PAGES = ("index.html", "tfstyle.html", "tfstyle/models.html", "tfstyle/export.html", "tfstyle/export/qat.html",
             "tfstyle/export/tflite.html", "tfstyle/training.html", "tfstyle/presets.html", "tfstyle/metrics.html",
             "tfstyle/optimize.html", "tfstyle/fast.html")


def _build_api():
    spec = importlib.util.spec_from_file_location("build_api", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    try:
        import pdoc  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("pdoc is not installed (pip install -e '.[test]')")
        pytest.skip("pdoc is not installed (pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("api")
    # A fresh interpreter, as a user runs it: its own check that tfmot was never imported is meaningful there.
    env = {key: value for key, value in os.environ.items() if key != "TF_USE_LEGACY_KERAS"}
    done = subprocess.run([sys.executable, str(BUILD), "-o", str(out)], check=False, capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_key_pages_exist(built):
    missing = [page for page in KEY_PAGES if not (built / page).is_file()]
    assert not missing, f"missing pages: {missing}"
    assert not (built / "tfstyle" / "__main__.html").exists()
    html = (built / "tfstyle" / "export" / "tflite.html").read_text(encoding="utf-8")
    assert "export_tflite" in html and "representative_images" in html


def test_every_module_has_a_page(built):
    names = _build_api().module_names()
    assert "tfstyle.export.qat" in names and "tfstyle.__main__" not in names
    missing = [name for name in names if not (built / f"{name.replace('.', '/')}.html").is_file()]
    assert not missing, f"no page for: {missing}"


def test_build_refuses_tfmot():
    """While the docs build, importing tensorflow-model-optimization fails (it would switch Keras to tf_keras)."""
    blocker = _build_api()._Blocker()
    for name in ("tensorflow_model_optimization", "tensorflow_model_optimization.quantization.keras"):
        with pytest.raises(ImportError, match="tf_keras"):
            blocker.find_spec(name)
    assert blocker.find_spec("tensorflow") is None and blocker.find_spec("tf_keras") is None


def test_example_section_detection():
    build_api = _build_api()

    def documented():
        """Do it.

        Example:
            >>> 1
            1
        """

    def numpy_style():
        """Do it.

        Examples
        --------
        >>> 1
        1
        """

    def bare_doctest():
        """Do it.

        >>> 1
        1
        """

    assert build_api.has_example(documented) and build_api.has_example(numpy_style)
    assert not build_api.has_example(bare_doctest) and not build_api.has_example(lambda: None)


def test_public_api_has_examples():
    """Every public function and class in ``tfstyle.__all__`` has an ``Example:`` section in its docstring."""
    lacking = _build_api().lacking_examples()
    assert not lacking, f"no 'Example:' section in the docstring of: {', '.join(lacking)}"
