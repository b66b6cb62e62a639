"""Magenta's published TFLite models ported to tfstyle's Keras models (tools/convert_magenta.py).

Parity against the TFLite files on holdout images, the shipped ``tfstyle/weights/magenta_v1.keras``,
serialization, TFLite export, and the converter's name mapping.
"""
import importlib.util
import pathlib

import keras
import numpy as np
import pytest

from tfstyle.image.io import cover_crop, load_image
from tfstyle.models import ArbitraryStyleNet, MobileNetStylePredictor, StyleTransferNet
from tfstyle.models.ghiasi import MAGENTA_TRANSFER
from tfstyle.weights.registry import preset_entry

from .conftest import SHARED, smooth_image

ROOT = pathlib.Path(__file__).parents[1]
SHIPPED = ROOT / "tfstyle" / "weights" / "magenta_v1.keras"
HOLDOUT = SHARED / "data" / "holdout"


def _images(kind: str) -> list:
    folder = HOLDOUT / kind
    if not folder.is_dir():
        pytest.skip(f"holdout images not found in {folder}")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def _converter():
    spec = importlib.util.spec_from_file_location("convert_magenta", ROOT / "tools" / "convert_magenta.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _interpreter(path):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path), num_threads=2)
    interpreter.allocate_tensors()
    return interpreter


def _psnr(a, b, peak=255.0) -> float:
    return float(10 * np.log10(peak ** 2 / np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))


@pytest.fixture(scope="module")
def magenta_net() -> ArbitraryStyleNet:
    return keras.saving.load_model(SHIPPED)


@pytest.fixture(scope="module")
def tflite_vectors(magenta_dir):
    """Magenta's int8 predictor: the bottleneck of every holdout painting at 256x256 ([0, 1] input)."""
    interpreter = _interpreter(magenta_dir / "predict_int8_256.tflite")
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    crops, vectors = [], []
    for path in _images("style"):
        crop = cover_crop(load_image(path), (256, 256)).astype(np.float32)
        interpreter.set_tensor(inp["index"], (crop / 255.0)[None])
        interpreter.invoke()
        crops.append(crop)
        vectors.append(interpreter.get_tensor(out["index"]).reshape(-1).copy())
    return np.stack(crops), np.stack(vectors)


def test_predictor_matches_int8_tflite_on_every_holdout_painting(magenta_net, tflite_vectors):
    crops, theirs = tflite_vectors
    ours = np.concatenate([np.asarray(magenta_net.predict_style(crops[i:i + 16])) for i in range(0, len(crops), 16)])
    cosine = np.sum(ours * theirs, 1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    assert len(cosine) >= 79 and cosine.min() >= 0.99, sorted(cosine)[:3]


def test_transfer_matches_f16_tflite_at_384(magenta_net, magenta_dir, tflite_vectors):
    interpreter = _interpreter(magenta_dir / "transfer_f16_384.tflite")
    inputs = interpreter.get_input_details()
    content_in = next(d for d in inputs if d["shape"][-1] == 3)
    vector_in = next(d for d in inputs if d["shape"][-1] == 100)
    _, vectors = tflite_vectors
    photos = _images("content")
    for i, path in enumerate([photos[0], photos[len(photos) // 2], photos[-1]]):
        photo = cover_crop(load_image(path), (384, 384)).astype(np.float32)
        vector = vectors[(7 * i) % len(vectors)]
        interpreter.set_tensor(content_in["index"], (photo / 255.0)[None])
        interpreter.set_tensor(vector_in["index"], vector.reshape(1, 1, 1, 100))
        interpreter.invoke()
        theirs = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0] * 255.0
        ours = np.asarray(magenta_net.transfer((photo[None], vector[None])))[0]
        assert _psnr(ours, theirs) >= 45.0, (path.name, _psnr(ours, theirs))


def test_transfer_runs_at_other_sizes_and_tiles(magenta_net, rng):
    from tfstyle import stylize_arbitrary

    content = smooth_image(rng, 200, 296)
    style = smooth_image(rng, 256, 256)
    out = np.asarray(magenta_net((content[None], style[None])))
    assert out.shape == (1, 200, 296, 3) and np.isfinite(out).all() and 0 <= out.min() and out.max() <= 255
    assert out.std() > 1.0  # a stylization, not a constant image
    whole = stylize_arbitrary(content, style, model=magenta_net, tile=1024)
    tiled = stylize_arbitrary(content, style, model=magenta_net, tile=128, overlap=32)
    assert whole.shape == tiled.shape == (200, 296, 3)
    assert _psnr(whole, tiled) > 30.0


def test_keras_round_trip_is_identical(magenta_net, tmp_path, rng):
    path = tmp_path / "magenta.keras"
    magenta_net.save(path)
    again = keras.saving.load_model(path)
    assert isinstance(again.predictor, MobileNetStylePredictor) and again.style_size == 256
    assert again.transfer.get_config() == magenta_net.transfer.get_config()
    content, style = smooth_image(rng, 64, 96)[None], smooth_image(rng, 96, 96)[None]
    np.testing.assert_array_equal(np.asarray(again((content, style))), np.asarray(magenta_net((content, style))))


@pytest.mark.parametrize("fmt", ["float16", "int8"])
def test_exports_to_tflite(magenta_net, tmp_path, rng, fmt):
    from tfstyle.export.arbitrary import export_arbitrary

    kwargs = {}
    if fmt == "int8":
        kwargs = {"representative_images": [smooth_image(rng, 64, 64) for _ in range(2)],
                  "representative_styles": [smooth_image(rng, 128, 128) for _ in range(2)], "num_calibration": 2}
    metas = export_arbitrary(magenta_net, tmp_path, format=fmt, content_size=64, style_input_size=128, **kwargs)
    for role in ("predictor", "transfer"):
        assert (tmp_path / metas[role]["file"]).stat().st_size > 10_000
    if fmt == "float16":
        interpreter = _interpreter(tmp_path / metas["transfer"]["file"])
        runner = interpreter.get_signature_runner()
        content, vector = smooth_image(rng, 64, 64), np.asarray(magenta_net.predict_style(smooth_image(rng, 256, 256)[None]))
        out = runner(content=content[None], style_vector=vector)["stylized"]
        assert _psnr(out[0], np.asarray(magenta_net.transfer((content[None], vector)))[0]) > 40.0


def test_converter_rebuilds_the_shipped_arrays(magenta_dir, magenta_net):
    convert = _converter()
    net = convert.convert(magenta_dir / "predict_int8_256.tflite", magenta_dir / "transfer_f16_384.tflite")
    ours, shipped = net.get_weights(), magenta_net.get_weights()
    assert len(ours) == len(shipped)
    assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(ours, shipped))
    assert net.get_config()["predictor"]["config"] == magenta_net.get_config()["predictor"]["config"]
    low, high = net.predictor.output_range  # the int8 output's range: Magenta's vectors saturate there
    assert -2.1 < low < -2.0 and 3.0 < high < 3.05
    record = preset_entry("magenta_v1")
    assert record["kind"] == "arbitrary" and record["licence"].startswith("Apache-2.0") and record["file"] == SHIPPED.name
    assert (SHIPPED.parent / record["licence_file"]).is_file()


def test_converter_names_missing_and_leftover_tensors(magenta_dir):
    convert = _converter()
    source = convert.read_tflite(magenta_dir / "transfer_f16_384.tflite")
    tensors = dict(source.tensors)
    name = "transformer/residual/residual3/conv1/weights"
    del tensors[name]
    with pytest.raises(convert.ConversionError, match=f"missing tensors: {name}"):
        convert.convert_transfer(convert.TensorSource(tensors, source.bias_of))
    tensors = {**source.tensors, "transformer/extra/weights": np.zeros((3,), np.float32)}
    with pytest.raises(convert.ConversionError, match="left over .*transformer/extra/weights"):
        convert.convert_transfer(convert.TensorSource(tensors, source.bias_of))


def test_default_options_keep_the_original_network():
    """New options default to today's behaviour and stay out of configs (old .keras files load as before)."""
    config = StyleTransferNet(width=0.25, residual_blocks=1).get_config()
    assert set(config) == {"width", "residual_blocks", "padding_mode", "name", "style_dim"}
    magenta = StyleTransferNet(**{**MAGENTA_TRANSFER, "residual_blocks": 1})
    assert len(magenta.normalized_convs()) == len(magenta.norms) == 5  # 2 residual, 2 decoder, output
    assert StyleTransferNet.from_config(magenta.get_config()).get_config() == magenta.get_config()
