"""The Colab notebooks in notebooks/: generated from build_notebooks.py (with saved outputs), executed top to bottom.

Each notebook runs in a fresh Jupyter kernel (nbclient) in a temporary folder, with its
``parameters`` cell rewritten to tiny sizes and step counts (``PARAMETERS`` below) and the
environment pointing at ../shared's data (paintings, a folder of photos; ``ENVIRONMENT``) and
VGG19 weights. A cell that raises fails the test. Where no trained network exists (AdaIN ships
none; the arbitrary-style network before the package ships one), the notebooks get a small
untrained one of the right class: the test checks the notebook's code, not the network's quality.
"""
from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SHARED = REPO.parent / "shared"

#: Values that replace the notebooks' parameters (each name must be assigned in the parameters cell).
PARAMETERS = {
    "quickstart": {"SIZE": 64, "STEPS": 3, "FIT_STEPS": 2},
    "train_your_own_style": {
        "NEW_STYLE_SECONDS": 5, "IMAGE_SIZE": 32, "BATCH_SIZE": 1, "STEPS": 2, "CHECKPOINT_EVERY": 1, "PRETRAIN_STEPS": 2, "WIDTH": 0.25,
        "CONTENT_LIMIT": 3, "JIT_COMPILE": False, "TENSORBOARD": False, "SIZE": 64,
    },
    # QAT_STEPS 0: its own process costs ~45 s, and test_export_tools runs export_qat_int8.
    "export_to_phone": {"SIZE": 64, "CALIBRATION_IMAGES": 3, "QAT_STEPS": 0, "BENCH_RUNS": 2, "THREADS": [1]},
    "compare_methods": {"SIZE": 64, "STEPS": 3},
    "video": {"SIZE": 96, "MAX_FRAMES": 6},
}


#: Which ../shared data each notebook gets (the others use the notebooks' own fallbacks: a generated
#: painting, scikit-image's sample photos).
ENVIRONMENT = {
    "quickstart": {"TFSTYLE_STYLE_IMAGE": "data/style/named/wave.jpg",
                   "TFSTYLE_STYLE_IMAGE_2": "data/style/named/starry_night.jpg"},
    "train_your_own_style": {"TFSTYLE_CONTENT_DIR": "data/content/photos"},
    "export_to_phone": {},
    "compare_methods": {"TFSTYLE_STYLE_IMAGE": "data/style/named/wave.jpg"},
    "video": {},
}


def _need(module: str):
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed (pip install -e '.[test]')")
        pytest.skip(f"{module} is not installed (pip install -e '.[test]')")


def parameters_cell(nb):
    """The notebook's cell tagged ``parameters`` (exactly one)."""
    cells = [cell for cell in nb.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(cells) == 1, "a notebook needs exactly one cell tagged 'parameters'"
    return cells[0]


def inject_parameters(nb, values: dict) -> None:
    """Replace the assignments of ``values``' names in the parameters cell, keeping the other lines.

    Every name must already be assigned there, so a renamed parameter fails loudly instead of
    being silently ignored.
    """
    cell = parameters_cell(nb)
    lines = cell.source.splitlines()
    assigned = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node
    missing = sorted(set(values) - set(assigned))
    assert not missing, f"not in the parameters cell: {missing}"
    for name in sorted(values, key=lambda n: -assigned[n].lineno):  # bottom-up keeps line numbers valid
        node = assigned[name]
        lines[node.lineno - 1:node.end_lineno] = [f"{name} = {values[name]!r}  # set by tests/test_notebooks.py"]
    cell.source = "\n".join(lines)


def test_notebooks_are_generated_and_clean():
    nbformat = _need("nbformat")
    done = subprocess.run([sys.executable, str(NOTEBOOKS / "build_notebooks.py"), "--check"],
                          check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(PARAMETERS)
    for name in PARAMETERS:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        assert '"google.colab" in sys.modules' in code[0].source and "pip install" in code[0].source, name
        parameters_cell(nb)
        text = "\n".join(cell.source for cell in nb.cells)
        assert "/work/" not in text and "shared/" not in text, f"{name} must not name this machine's paths"
        # Saved outputs (build_notebooks.py --execute): every cell ran in order, without an error, and the
        # notebook shows pictures; printed paths are relative.
        ran = [cell.execution_count for cell in code]
        assert ran == sorted(ran) and None not in ran, f"{name}: saved outputs missing or out of order"
        outputs = [output for cell in code for output in cell.outputs]
        assert not [output for output in outputs if output.output_type == "error"], name
        assert any({"image/jpeg", "image/png"} & set(output.get("data", {})) for output in outputs), \
            f"{name} shows no picture"
        assert "/work/" not in nbformat.writes(nb) and "/tmp/" not in nbformat.writes(nb), name


@pytest.fixture(scope="module")
def untrained(tmp_path_factory, vgg_weights):
    """Paths of small untrained networks standing in for ones that do not exist here."""
    import keras
    import numpy as np

    from tfstyle.models import AdaINNet, ArbitraryStyleNet, CompactStylePredictor, StyleTransferNet

    folder = tmp_path_factory.mktemp("models")
    keras.utils.set_random_seed(0)
    adain = AdaINNet(decoder_width=0.5, vgg_weights=vgg_weights)
    adain((np.zeros((1, 32, 32, 3), "float32"), np.zeros((1, 32, 32, 3), "float32")))
    adain.save(folder / "adain.keras")
    paths = {"ADAIN_MODEL": str(folder / "adain.keras")}
    if False:  # a shipped arbitrary network always exists (tfstyle.weights.presets)
        ghiasi = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25, residual_blocks=1))
        ghiasi.predict_style(np.zeros((1, ghiasi.style_size, ghiasi.style_size, 3), "float32"))
        ghiasi.save(folder / "arbitrary.keras")
        paths["ARBITRARY_MODEL"] = str(folder / "arbitrary.keras")
    return paths


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PARAMETERS))
def test_notebook_runs(name, tmp_path, monkeypatch, vgg_weights, request):
    nbformat = _need("nbformat")
    nbclient = _need("nbclient")
    _need("ipykernel")
    for variable in ("TFSTYLE_STYLE_IMAGE", "TFSTYLE_STYLE_IMAGE_2", "TFSTYLE_CONTENT_DIR"):
        path = SHARED / ENVIRONMENT[name][variable] if variable in ENVIRONMENT[name] else None
        if path is not None and path.exists():
            monkeypatch.setenv(variable, str(path))
        else:  # the notebook's fallback
            monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TFSTYLE_VGG19_WEIGHTS", vgg_weights)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    parameters = dict(PARAMETERS[name])
    if "ARBITRARY_MODEL" in parameters_cell(nb).source:
        models = request.getfixturevalue("untrained")
        parameters.update({key: path for key, path in models.items() if key in parameters_cell(nb).source})
    inject_parameters(nb, parameters)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    finally:
        nbformat.write(nb, tmp_path / f"{name}.executed.ipynb")  # for a look after a failure
    errors = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs
              if output.output_type == "error"]
    assert not errors
    assert any((tmp_path / "outputs").iterdir()), "the notebook saved no results"


def test_inject_parameters():
    nbformat = _need("nbformat")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('SIZE = 512  # px\nNAMES = [\n    "a",\n]\nKEEP = True')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), cell]
    inject_parameters(nb, {"NAMES": ["b"], "SIZE": 8})
    values = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(cell.source).body}
    assert values == {"SIZE": 8, "NAMES": ["b"], "KEEP": True}
    assert cell.source.startswith("SIZE = 8  # set by tests")
    with pytest.raises(AssertionError, match="UNKNOWN"):
        inject_parameters(nb, {"UNKNOWN": 1})
