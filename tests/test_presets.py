"""The networks shipped inside the package (the registry): entries, size budget, one loop over every preset."""
import numpy as np
import pytest
from PIL import Image

import tfstyle
from tfstyle.atomic import save_model
from tfstyle.cli import main
from tfstyle.errors import OptionError
from tfstyle.models import ArbitraryStyleNet, JohnsonNet
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
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
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
