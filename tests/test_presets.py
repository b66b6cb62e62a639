"""The networks shipped inside the package (the registry): entries, size budget, one loop over every preset."""
import numpy as np
import pytest
from PIL import Image

import tfstyle
from tfstyle.atomic import save_model
from tfstyle.cli import main
from tfstyle.errors import OptionError
from tfstyle.models import ArbitraryStyleNet, JohnsonNet
from tfstyle.runtime import preset_files
from tfstyle.weights.presets import model_kind
from tfstyle.weights.registry import default_preset, preset_entry, preset_names, preset_path

from .conftest import smooth_image

#: PSNR (dB) of every shipped arbitrary network's strength-0 output against the photo (astronaut, 192 px).
MIN_STRENGTH0_PSNR = 30.0
#: Strengths at which the distance to the photo must grow.
STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)

REQUIRED = {"wave", "starry_night", "the_scream", "udnie", "shipwreck", "woman_with_hat"}
STYLES = preset_names("fast")
PRESETS = preset_names()


def test_shipped_weights_stay_within_40_mb():
    assert REQUIRED <= set(STYLES)
    files = [preset_path(name) for name in PRESETS]
    assert all(f.is_file() for f in files)
    assert sum(f.stat().st_size for f in files) <= 40 * 2**20


@pytest.mark.parametrize("name", PRESETS)
def test_every_entry_records_source_licence_recipe_and_quality(name):
    entry = preset_entry(name)
    assert entry["kind"] in ("fast", "arbitrary") and entry["class"] and entry["file"]
    assert entry["licence"] and entry["source"] and entry["title"]
    assert entry["recipe"] and entry["quality"]


def test_defaults_name_presets_of_their_kind():
    for kind in ("fast", "arbitrary"):
        assert preset_entry(default_preset(kind))["kind"] == kind


def test_phone_preset_is_the_student_and_export_arbitrary_uses_it(tmp_path, monkeypatch):
    """``tfstyle export --arbitrary`` (and the Android demo) export the phone-first student."""
    from tfstyle.export import arbitrary as export_module
    from tfstyle.weights.registry import phone_preset

    entry = preset_entry(phone_preset())
    assert entry["kind"] == "arbitrary"
    model = tfstyle.load_model(phone_preset())
    assert model.transfer.shuffle == 2  # space-to-depth in, pixel shuffle out
    exported = []
    monkeypatch.setattr(export_module, "export_arbitrary",
                        lambda net, out, **kw: exported.append(net) or {})
    assert main(["export", "--arbitrary", "-o", str(tmp_path)]) == 0
    assert exported[0].transfer.shuffle == 2 and exported[0].transfer.get_config() == model.transfer.get_config()


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_loads_stylizes_round_trips_and_exports(name, rng, tmp_path):
    """The one loop every shipped network goes through: a new preset is covered by its entry."""
    import keras

    from tfstyle.export import export_tflite
    from tfstyle.export.arbitrary import export_arbitrary
    from tfstyle.runtime.litert import run_signature, run_tflite

    entry = preset_entry(name)
    model = tfstyle.load_model(name)
    assert type(model).__name__ == entry["class"] and model_kind(model) == entry["kind"]
    assert type(model).from_preset(name) is not model  # a fresh copy for training
    image = smooth_image(rng, 64, 96).astype(np.uint8)
    painting = smooth_image(np.random.default_rng(5), 80, 80).astype(np.uint8)
    if entry["kind"] == "fast":
        out = tfstyle.stylize(image, model=name)
    else:
        out = tfstyle.stylize_arbitrary(image, painting, model=name)
    assert out.shape == image.shape and out.dtype == np.uint8
    # A shipped network repaints the photo: far from the input, not a flat colour.
    assert np.abs(out.astype(float) - image).mean() > 5 and out.std() > 10

    path = tmp_path / f"{name}.keras"
    save_model(model, path)
    again = keras.saving.load_model(path, compile=False)
    x = image[None, :64, :64].astype("float32")
    if entry["kind"] == "fast":
        np.testing.assert_allclose(np.asarray(again(x)), np.asarray(model(x)), atol=1e-3)
        export_tflite(model, tmp_path / "net.tflite", size=(32, 32))
        assert run_tflite(tmp_path / "net.tflite", image[:32, :32]).shape == (32, 32, 3)
    else:
        s = painting[None].astype("float32")
        np.testing.assert_allclose(np.asarray(again((x, s))), np.asarray(model((x, s))), atol=1e-3)
        (tmp_path / "tflite").mkdir()
        metas = export_arbitrary(model, tmp_path / "tflite", content_size=32, style_input_size=64)
        if "predictor" in metas:
            vector = run_signature(tmp_path / "tflite" / metas["predictor"]["file"], {"style": s[:, :64, :64]})
            assert next(iter(vector.values())).size == model.style_dim
        else:
            out = run_signature(tmp_path / "tflite" / metas["stylize"]["file"],
                                {"content": x[:, :32, :32], "style": s[:, :64, :64]})["stylized"]
            assert out.shape == (1, 32, 32, 3)


def test_load_model_takes_names_paths_and_models_and_says_what_is_wrong(tmp_path):
    assert tfstyle.load_model(STYLES[0]) is tfstyle.load_model(STYLES[0])
    net = JohnsonNet(width=0.25, residual_blocks=1)
    assert tfstyle.load_model(net) is net
    save_model(net, tmp_path / "n.keras")
    assert isinstance(tfstyle.load_model(str(tmp_path / "n.keras")), JohnsonNet)
    with pytest.raises(OptionError, match="unknown preset 'nope'"):
        tfstyle.load_model("nope")
    with pytest.raises(OptionError, match="neither a preset name"):
        tfstyle.load_model("painting.jpg")
    with pytest.raises(OptionError, match="fast-style network"):
        tfstyle.load_model(STYLES[0], kind="arbitrary")
    with pytest.raises(OptionError, match="not a ArbitraryStyleNet"):
        ArbitraryStyleNet.from_preset(STYLES[0])


def test_list_presets_and_cli(capsys):
    rows = {row["name"]: row for row in tfstyle.list_presets()}
    assert set(rows) == set(PRESETS)
    assert all(row["size_mb"] > 0 and row["licence"] for row in rows.values())
    assert [r["name"] for r in tfstyle.list_presets("fast")] == STYLES
    assert main(["presets"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in PRESETS)


def test_cli_stylizes_with_a_shipped_style(tmp_path, rng):
    src = tmp_path / "photo.jpg"
    Image.fromarray(smooth_image(rng, 72, 100).astype(np.uint8)).save(src)
    out = tmp_path / "out.jpg"
    assert main(["stylize", str(src), "--style", "wave", "-o", str(out), "-q"]) == 0
    assert Image.open(out).size == (100, 72)



def test_shipped_arbitrary_network_offline_strength_and_cli(tmp_path):
    """Runs in a fresh process without VGG19 weights: the shipped network needs none."""
    import json
    import os
    import subprocess
    import sys

    rng = np.random.default_rng(2)
    photo, painting = tmp_path / "photo.png", tmp_path / "painting.png"
    Image.fromarray(smooth_image(rng, 96, 128).astype(np.uint8)).save(photo)
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8).repeat(4, 0).repeat(4, 1)).save(painting)
    from skimage import data

    # scikit-image's astronaut (NASA, public domain): a real photo for the strength-0 check.
    Image.fromarray(data.astronaut()).resize((192, 192), Image.BICUBIC).save(tmp_path / "astronaut.png")
    script = f"""
import json, numpy as np, tfstyle
from tfstyle.image.io import load_image
from tfstyle.perceptual.metrics import psnr
from tfstyle.weights.registry import preset_names
astronaut = load_image({str(tmp_path / "astronaut.png")!r})
rows = {{}}
for name in preset_names("arbitrary"):
    out = {{s: tfstyle.stylize_arbitrary(astronaut, {str(painting)!r}, strength=s, model=name) for s in STRENGTHS}}
    rows[name] = {{"distance": [float(np.abs(out[s].astype(float) - astronaut).mean()) for s in STRENGTHS],
                  "psnr0": float(psnr(out[0.0], astronaut))}}
print(json.dumps(rows))
""".replace("STRENGTHS", repr(STRENGTHS))
    env = {k: v for k, v in os.environ.items() if k != "TFSTYLE_VGG19_WEIGHTS"}
    env["KERAS_HOME"] = str(tmp_path / "no-keras-cache")  # no cached ImageNet weights either
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-1500:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(rows) == set(preset_names("arbitrary"))
    for name, row in rows.items():
        # Strength 0 gives the photo back, and more strength moves further from it, for every preset.
        assert row["psnr0"] >= MIN_STRENGTH0_PSNR, (name, row)
        assert all(a < b for a, b in zip(row["distance"], row["distance"][1:])), (name, row)
    out = tmp_path / "out.jpg"
    assert main(["stylize", str(photo), str(painting), "--method", "arbitrary", "--strength", "0.7",
                 "-o", str(out), "-q"]) == 0
    assert Image.open(out).size == (128, 96)


# -------------------------------------------------------------- the LiteRT files prebuilt in the package (#30)

#: The prebuilt LiteRT files may weigh at most this much (they ship in every install, the light one included).
MAX_SHIPPED_MB = 30


def test_the_package_ships_litert_files_built_from_the_current_keras_files():
    """Every shipped preset's files exist, were built from today's ``.keras`` file in today's cache format, and
    match their manifest: retraining a ``.keras`` file without running tools/build_preset_files.py fails here."""
    import json

    names = preset_files.shipped_presets()
    assert REQUIRED | {default_preset("arbitrary")} <= set(names)
    for name in names:
        assert preset_files.shipped_problem(name) is None, (name, preset_files.shipped_problem(name))
        manifest = json.loads((preset_files.shipped_dir(name) / "manifest.json").read_text())
        assert manifest["keras_sha256"] == preset_files.keras_sha256(name)
        assert set(manifest["sha256"]) == set(preset_files.ROLES[manifest["kind"]])
    total = sum(p.stat().st_size for p in preset_files.SHIPPED_DIR.rglob("*") if p.is_file())
    assert total <= MAX_SHIPPED_MB * 1e6, f"{total / 1e6:.1f} MB"
    assert {p.name for p in preset_files.SHIPPED_DIR.iterdir()} == set(names)  # no leftovers of dropped presets


def test_a_retrained_keras_file_makes_the_shipped_files_stale(tmp_path, monkeypatch):
    """A real other ``.keras`` file under the preset's name: the prebuilt files no longer serve it (the user cache
    does, built on demand), and the check names the tool that rebuilds them."""
    import shutil

    from tfstyle.weights import registry

    weights = tmp_path / "weights"
    shutil.copytree(registry.WEIGHTS_DIR, weights, ignore=shutil.ignore_patterns("*.keras", "litert"))
    shutil.copy(preset_path("udnie"), weights / preset_entry("wave")["file"])  # wave.keras now holds udnie
    shutil.copytree(preset_files.SHIPPED_DIR / "wave", tmp_path / "litert" / "wave")
    monkeypatch.setattr(registry, "WEIGHTS_DIR", weights)
    monkeypatch.setattr(preset_files, "SHIPPED_DIR", tmp_path / "litert")
    monkeypatch.setenv("TFSTYLE_CACHE", str(tmp_path / "cache"))
    assert "tools/build_preset_files.py" in preset_files.shipped_problem("wave")
    assert preset_files.shipped_files("wave") is None and preset_files.cached_files("wave") is None


def _photo(size: int = 256):
    from tfstyle.image.io import load_image

    from .conftest import SHARED

    paths = sorted((SHARED / "data" / "holdout" / "content").glob("*.jpg"))
    if not paths:
        pytest.skip("holdout photos not found")
    return load_image(paths[0], max_size=size)


def _psnr(a, b) -> float:
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


@pytest.mark.parametrize("name", ["wave", "starry_night", "the_scream", "udnie", "shipwreck", "woman_with_hat",
                                  default_preset("arbitrary")])
def test_shipped_litert_files_paint_like_their_keras_file(name, monkeypatch, tmp_path):
    """Each prebuilt file against the ``.keras`` network it was built from, on a real photo, >= 40 dB: ``whole``
    (stylize), ``stats`` + ``tile`` (tiled with shared statistics) and ``smooth`` (a video frame's
    smoothed statistics); for the arbitrary network also the ``predictor`` (through the style vector)."""
    from tfstyle.video.temporal import smoothed_norms
    from tfstyle.weights.presets import load_model

    monkeypatch.setenv("TFSTYLE_CACHE", str(tmp_path))  # nothing cached: only the package's files can serve
    files = preset_files.choose(name, preset_entry(name)["kind"], "auto")
    assert files == preset_files.shipped_files(name) and files["whole"].parent == preset_files.shipped_dir(name)
    photo = _photo()
    net = load_model(name)
    if preset_entry(name)["kind"] == "fast":
        lite, keras_net = preset_files.LiteNet(files), net
        pairs = [(tfstyle.stylize(photo, name, backend="litert"), tfstyle.stylize(photo, name, backend="keras")),
                 (tfstyle.stylize(photo, name, backend="litert", tile=128, overlap=32),
                  tfstyle.stylize(photo, name, backend="keras", tile=128, overlap=32))]
    else:
        style = _photo(256)[::-1]  # another real picture as the painting
        vector, keras_vector = preset_files.LiteArbitrary(files).style_vector(style), net.style_vector(style)
        assert np.abs(vector - keras_vector).max() <= 1e-3 * max(1.0, np.abs(keras_vector).max())
        lite = preset_files.LiteNet(files, vector)
        keras_net = net.conditioned(np.asarray(net.transfer.style_parameters(keras_vector[None]))[0])
        pairs = [(tfstyle.stylize_arbitrary(photo, style, model=name, strength=0.7, backend="litert"),
                  tfstyle.stylize_arbitrary(photo, style, model=name, strength=0.7, backend="keras")),
                 (tfstyle.stylize_arbitrary(photo, style, model=name, tile=128, overlap=32, backend="litert"),
                  tfstyle.stylize_arbitrary(photo, style, model=name, tile=128, overlap=32, backend="keras"))]
    for lite_out, keras_out in pairs:
        assert _psnr(lite_out, keras_out) >= 40, (name, _psnr(lite_out, keras_out))
    # smooth: a first frame with its own statistics, then a second one smoothed with them
    a, b = photo[None, :128, :192].astype(np.float32), photo[None, 64:192, 32:224].astype(np.float32)
    out, first = lite.smoothed(a, None, 0.0)
    assert _psnr(out, np.asarray(keras_net(a))) >= 40, name
    out, _ = lite.smoothed(b, first, 0.9)
    with smoothed_norms(keras_net, first, 0.9):
        expected = np.asarray(keras_net(b))
    assert _psnr(out, expected) >= 40, name
