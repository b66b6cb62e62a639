"""Export command line, TFLite latency measurement, and Magenta's published models."""
from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from PIL import Image

from tfstyle.cli import main
from tfstyle.errors import OptionError
from tfstyle.export import export_tflite, run_tflite
from tfstyle.export.bench import latency
from tfstyle.image.io import cover_crop, load_image
from tfstyle.methods.magenta import MagentaTFLite
from tfstyle.models import JohnsonNet
from tfstyle.perceptual.metrics import psnr

from .conftest import SHARED, smooth_image


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    keras.utils.set_random_seed(0)
    net = JohnsonNet(width=0.25, residual_blocks=1)
    net(np.zeros((1, 32, 32, 3), np.float32))
    folder = tmp_path_factory.mktemp("tiny")
    net.save(folder / "net.keras")
    export_tflite(net, folder / "net.tflite", size=32)
    return folder


def test_latency_reports_median_and_p90(tiny):
    timing = latency(tiny / "net.tflite", num_threads=1, runs=5, warmup=1)
    assert timing["runs"] == 5 and timing["threads"] == 1
    assert 0 < timing["min_ms"] <= timing["median_ms"] <= timing["p90_ms"]


def test_latency_rejects_bad_options(tiny):
    with pytest.raises(OptionError, match="runs must be a positive integer"):
        latency(tiny / "net.tflite", runs=0)
    with pytest.raises(OptionError, match="no such TFLite model"):
        latency(tiny / "missing.tflite")


def test_cli_export_int8_and_bench(tiny, tmp_path, rng, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(3):
        Image.fromarray(smooth_image(rng, 40, 50).astype(np.uint8)).save(photos / f"{i}.jpg")
    out = tmp_path / "m.tflite"
    rc = main(["export", "--model", str(tiny / "net.keras"), "-o", str(out), "--format", "int8", "--size", "32", "48",
               "--calibration", str(photos)])
    assert rc == 0 and "GPU delegate" in capsys.readouterr().out
    meta = json.loads((tmp_path / "m.tflite.json").read_text())
    assert meta["format"] == "int8" and meta["input"]["shape"] == [1, 32, 48, 3] and meta["input"]["dtype"] == "uint8"
    assert main(["bench", str(out), "--threads", "1", "--runs", "2"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("| model | threads") and len(table) == 3 and str(out) in table[2]


def test_cli_export_mixed_says_what_it_suits(tiny, tmp_path, capsys):
    out = tmp_path / "m.tflite"
    assert main(["export", "--model", str(tiny / "net.keras"), "-o", str(out), "--format", "mixed", "--size", "32"]) == 0
    assert "not full-integer, suits CPU" in capsys.readouterr().out
    meta = json.loads((tmp_path / "m.tflite.json").read_text())
    assert meta["format"] == "mixed" and meta["full_integer"] is False and meta["suits"] == ["CPU"]
    assert psnr(run_tflite(out, np.full((32, 32, 3), 100.0)), run_tflite(tiny / "net.tflite", np.full((32, 32, 3), 100.0))) > 30
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert "mixed    CPU: int8 convolutions, float normalization" in capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    ([], "give --model NAME|FILE.keras, --style NAME, or --arbitrary"),
    (["--model", "x.keras", "--size", "1", "2", "3"], "one or two numbers"),
])
def test_cli_export_errors(tmp_path, capsys, extra, message):
    assert main(["export", "-o", str(tmp_path / "m.tflite"), *extra]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "m.tflite").exists()


def test_magenta_runner_strength_moves_from_content_to_style(magenta_dir):
    magenta = MagentaTFLite(magenta_dir / "predict_int8_256.tflite", magenta_dir / "transfer_f16_384.tflite",
                            num_threads=2)
    assert magenta.content_size == (384, 384) and magenta.style_size == (256, 256)
    photo = sorted((SHARED / "data" / "content" / "photos").glob("*.jpg"))[0]
    vector = magenta.style_vector(SHARED / "data" / "style" / "named" / "wave.jpg")
    assert vector.shape == (100,)
    reference = cover_crop(load_image(photo), (384, 384))
    outs = [magenta.stylize(photo, vector, strength=s) for s in (0.0, 0.5, 1.0)]
    assert all(o.shape == (384, 384, 3) and o.dtype == np.uint8 for o in outs)
    # Measured: 14.2, 12.8 and 10.6 dB against the photo.
    quality = [psnr(o, reference) for o in outs]
    assert quality[0] > quality[1] > quality[2] and quality[0] > quality[2] + 2.5
    with pytest.raises(OptionError, match="strength"):
        magenta.stylize(photo, vector, strength=1.5)
    # The same pair behind tfstyle's API: strength and blends go through the style vectors.
    from tfstyle.methods.arbitrary import stylize_arbitrary

    wave = SHARED / "data" / "style" / "named" / "wave.jpg"
    same = stylize_arbitrary(photo, wave, strength=0.5, model=magenta)
    assert np.abs(same.astype(int) - outs[1].astype(int)).max() <= 1
    blend = stylize_arbitrary(photo, [wave, wave], style_weights=[0.3, 0.7], strength=0.5, model=magenta)
    assert np.abs(blend.astype(int) - outs[1].astype(int)).max() <= 1
    with pytest.raises(OptionError, match="no mask"):
        stylize_arbitrary(photo, [wave, wave], mask=np.ones((8, 8)), model=magenta)


def test_equalization_keeps_float_and_lifts_int8_on_a_trained_style(tmp_path):
    from tfstyle.export.equalize import equalize_instance_norm
    from tfstyle.weights.presets import load_model

    net = load_model("wave")
    photos = sorted((SHARED / "data" / "content" / "test").glob("*.jpg"))
    calibration, evaluation = photos[:16], [cover_crop(load_image(p), (128, 128)) for p in photos[-3:]]
    reference = [np.asarray(net(x[None]))[0] for x in evaluation]
    same = equalize_instance_norm(net, [cover_crop(load_image(p), (128, 128)) for p in calibration[:4]])
    assert min(psnr(np.asarray(same(x[None]))[0], r) for x, r in zip(evaluation, reference)) > 60
    quality = {}
    for flag in (False, True):
        path = tmp_path / f"{flag}.tflite"
        meta = export_tflite(net, path, format="int8", size=128, representative_images=calibration, equalize=flag)
        assert meta["equalized"] is flag
        quality[flag] = np.mean([psnr(run_tflite(path, x), r) for x, r in zip(evaluation, reference)])
    # Measured at 384 px: the from-scratch wave went 22.5 -> 28.4 dB; the folded Magenta wave (no
    # encoder norms, narrower ranges) already quantizes well: 31.9 -> 32.7 dB.
    assert quality[True] >= quality[False] and quality[True] > 30


def test_magenta_hub_loader_runs_a_local_savedmodel(tmp_path, rng):
    import tensorflow as tf

    from tfstyle.errors import WeightsError
    from tfstyle.methods.magenta import MagentaHub

    class Fake(tf.Module):
        """Same signature as Magenta's hub model: (content, style) -> [stylized]."""

        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32),
                                      tf.TensorSpec([None, None, None, 3], tf.float32)])
        def __call__(self, content, style):
            return [0.5 * content + 0.5 * tf.reduce_mean(style, axis=[1, 2], keepdims=True)]

    tf.saved_model.save(Fake(), str(tmp_path / "magenta"))
    content, style = smooth_image(rng, 40, 60), rng.uniform(0, 255, (100, 80, 3))
    out = MagentaHub(tmp_path / "magenta").stylize(content, style)
    from tfstyle.image.io import to_uint8

    expected = to_uint8(0.5 * content + 0.5 * cover_crop(style, (256, 256)).mean(axis=(0, 1)))
    assert out.shape == (40, 60, 3) and np.abs(out.astype(int) - expected).max() <= 1
    # Behind tfstyle's API (a local folder instead of the handle), with a mask over two styles.
    from tfstyle.methods.arbitrary import stylize_arbitrary

    hub = MagentaHub(tmp_path / "magenta")
    same = stylize_arbitrary(content, style, model=hub)
    assert np.abs(same.astype(int) - expected.astype(int)).max() <= 1
    mask = np.zeros((40, 60), np.float32)
    mask[:, :30] = 1.0
    black = np.zeros((50, 50, 3), np.float32)
    masked = stylize_arbitrary(content, [style, black], mask=mask, model=hub)
    assert np.abs(masked[:, :30].astype(int) - expected[:, :30]).max() <= 1
    assert np.abs(masked[:, 30:].astype(int) - to_uint8(0.5 * content[:, 30:])).max() <= 1
    with pytest.raises(OptionError, match="not style vectors"):
        stylize_arbitrary(content, style, strength=0.5, model=hub)
    Image.fromarray(to_uint8(content)).save(tmp_path / "photo.png")
    Image.fromarray(to_uint8(style)).save(tmp_path / "style.png")
    assert main(["stylize", str(tmp_path / "photo.png"), str(tmp_path / "style.png"), "--method", "magenta",
                 "--model", str(tmp_path / "magenta"), "-o", str(tmp_path / "out.png"), "-q"]) == 0
    assert np.abs(np.asarray(Image.open(tmp_path / "out.png"), int) - expected).max() <= 2
    with pytest.raises(WeightsError, match="could not load Magenta's model") as info:
        MagentaHub(tmp_path / "missing")
    assert "\n" not in str(info.value)


def test_qat_runs_on_tf_keras_in_its_own_process(tmp_path, rng):
    import os

    from tfstyle.export.qat import export_qat_int8

    keras.utils.set_random_seed(0)
    net = JohnsonNet(width=0.25, residual_blocks=1)
    photos = [smooth_image(rng, 40, 40) for _ in range(6)]
    meta = export_qat_int8(net, tmp_path / "q.tflite", photos, size=32, steps=4, batch_size=2, learning_rate=1e-4)
    # The tf_keras copy computes the Keras 3 network's function before any quantization.
    assert meta["qat"]["copy_max_abs_error"] < 0.05 and meta["qat"]["steps"] == 4
    assert meta["format"] == "int8-qat" and meta["input"]["dtype"] == "uint8" and meta["output"]["dtype"] == "uint8"
    assert "TF_USE_LEGACY_KERAS" not in os.environ  # the caller's process is untouched
    x = cover_crop(photos[0], (32, 32))
    assert psnr(run_tflite(tmp_path / "q.tflite", x), np.asarray(net(x[None]))[0]) > 20


def test_qat_copies_the_phone_network_architecture_and_runs_in_the_background(tmp_path, rng):
    """The shipped fast styles' architecture (space-to-depth, no encoder norms, normalized output, sigmoid) in tf_keras."""
    from tfstyle.export.integer import integer_report
    from tfstyle.export.qat import start_qat_int8

    keras.utils.set_random_seed(1)
    net = JohnsonNet(width=0.25, residual_blocks=1, shuffle=2, encoder_norm=False, output_norm=True,
                     input_range="unit", output_activation="sigmoid")
    photos = [smooth_image(rng, 40, 40) for _ in range(6)]
    job = start_qat_int8(net, tmp_path / "q.tflite", photos, size=32, steps=4, batch_size=2, learning_rate=1e-4)
    meta = job.result(timeout=900)
    assert job.done() and meta["qat"]["copy_max_abs_error"] < 0.05
    assert meta["full_integer"] and integer_report(tmp_path / "q.tflite")["full_integer"]
    x = cover_crop(photos[0], (32, 32))
    assert psnr(run_tflite(tmp_path / "q.tflite", x), np.asarray(net(x[None]))[0]) > 20
