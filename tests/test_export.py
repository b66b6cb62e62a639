"""TFLite export: every format converts, runs, matches Keras and writes honest metadata."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tfstyle.errors import OptionError, TfstyleError
from tfstyle.export import FORMATS, GPU_DELEGATE_OPS, check_gpu_ops, export_tflite, op_types, run_tflite
from tfstyle.perceptual.metrics import psnr

from .conftest import smooth_image

SIZE = 64
# Measured (TF 2.21, seeded tiny JohnsonNet below, 2-core AVX2 CPU): float32 121.5 dB, float16 66.8 dB,
# dynamic 37.7 dB, int8 (uint8 I/O) 26.8 dB. Thresholds sit ~3 dB under those (float32: under 110
# means something is really wrong, not float rounding).
MIN_PSNR = {"float32": 110.0, "float16": 63.5, "dynamic": 34.5, "int8": 23.5}
JOHNSON_OPS = {"ADD", "CONV_2D", "MEAN", "STRIDED_SLICE", "CONCATENATION", "MUL", "RESIZE_NEAREST_NEIGHBOR", "RSQRT", "SUB", "MINIMUM", "RELU"}


def _interpreter(path):
    import warnings

    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    return interpreter


@pytest.fixture(scope="module")
def net():
    import keras

    from tfstyle.models import JohnsonNet

    keras.utils.set_random_seed(7)
    model = JohnsonNet(width=0.25, residual_blocks=1)
    model(np.zeros((1, SIZE, SIZE, 3), np.float32))
    rng = np.random.default_rng(7)
    for norm in model.norms:  # away from the identity defaults, so quantizing them is tested
        norm.gamma.assign(rng.uniform(0.5, 1.5, norm.gamma.shape).astype("float32"))
        norm.beta.assign(rng.normal(0.0, 0.3, norm.beta.shape).astype("float32"))
    return model


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(11)
    return [smooth_image(rng, SIZE + 16, SIZE + 32) for _ in range(8)] + [smooth_image(rng, SIZE, SIZE)]


@pytest.fixture(scope="module")
def calibration_folder(tmp_path_factory, images):
    from tfstyle.image.io import save_image

    folder = tmp_path_factory.mktemp("calibration")
    for i, image in enumerate(images[:8]):
        save_image(image, folder / f"photo{i}.png")
    return folder


@pytest.fixture(scope="module")
def exported(net, calibration_folder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    result = {}
    for fmt in FORMATS:
        path = folder / f"wave_{fmt}.tflite"
        meta = export_tflite(net, path, format=fmt, size=(SIZE, SIZE), representative_images=calibration_folder)
        result[fmt] = (path, meta)
    return result


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_match_keras(fmt, exported, net, images):
    path, meta = exported[fmt]
    test_image = images[-1]  # not in the calibration set
    expected = np.asarray(net(test_image[None]))[0]
    out = run_tflite(path, test_image)
    assert out.shape == (SIZE, SIZE, 3) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 255.0
    value = psnr(out, expected)
    print(f"{fmt}: PSNR {value:.2f} dB, {meta['size_bytes']} bytes, ops {meta['ops']}")
    assert value >= MIN_PSNR[fmt], f"{fmt}: {value:.2f} dB"


@pytest.mark.parametrize("fmt", FORMATS)
def test_ops_no_flex_and_metadata_round_trips(fmt, exported):
    path, meta = exported[fmt]
    ops = op_types(path)
    assert ops == meta["ops"]
    assert not [op for op in ops if op.startswith(("Flex", "CUSTOM"))]
    assert JOHNSON_OPS <= set(ops)
    assert set(ops) - JOHNSON_OPS <= {"QUANTIZE", "DEQUANTIZE"}

    on_disk = json.loads(path.with_name(path.name + ".json").read_text())
    assert on_disk == meta
    assert meta["format"] == fmt and meta["size_bytes"] == path.stat().st_size
    assert meta["source_model"]["class"].endswith("JohnsonNet")
    assert meta["source_model"]["config"]["width"] == 0.25
    interpreter = _interpreter(path)
    assert interpreter.get_signature_list() == {"serving_default": {"inputs": ["content"], "outputs": ["stylized"]}}
    for key, detail in (("input", interpreter.get_input_details()[0]), ("output", interpreter.get_output_details()[0])):
        entry = meta[key]
        assert entry["tensor"] == detail["name"]
        assert entry["shape"] == [1, SIZE, SIZE, 3] == list(detail["shape"])
        assert entry["dtype"] == np.dtype(detail["dtype"]).name
        assert entry["range"] == [0, 255]
        if entry["quantization"] is None:
            assert entry["dtype"] == "float32"
        else:
            assert entry["quantization"] == pytest.approx(list(detail["quantization"]))
    assert meta["input"]["name"] == "content" and meta["output"]["name"] == "stylized"


def test_int8_is_fully_integer_with_uint8_io(exported):
    path, meta = exported["int8"]
    assert meta["input"]["dtype"] == meta["output"]["dtype"] == "uint8"
    assert meta["input"]["quantization"] == [1.0, 0]  # raw pixel bytes go in
    scale, zero_point = meta["output"]["quantization"]
    assert 0.9 < scale <= 1.05 and 0 <= zero_point <= 10
    ops = meta["ops"]
    assert "QUANTIZE" in ops and "DEQUANTIZE" not in ops  # uint8 <-> int8 requantization at the edges only
    types = {np.dtype(t["dtype"]).name for t in _interpreter(path).get_tensor_details()}
    assert types <= {"int8", "int32", "uint8"}, types  # no float tensor anywhere inside
    assert meta["calibration_images"] == 8


def test_int8_float_io_and_array_calibration(net, images, tmp_path):
    path = tmp_path / "float_io.tflite"
    batch = np.stack(images[:4])[:, :SIZE, :SIZE]  # one NxHxWx3 array
    meta = export_tflite(net, path, format="int8", size=SIZE, representative_images=batch, uint8_io=False)
    assert meta["input"]["dtype"] == "float32" and meta["input"]["quantization"] is None
    assert {"QUANTIZE", "DEQUANTIZE"} <= set(meta["ops"])
    assert meta["calibration_images"] == 4
    assert psnr(run_tflite(path, images[-1]), np.asarray(net(images[-1][None]))[0]) >= 20.0


def test_gpu_allow_list(exported, net, tmp_path):
    import keras

    ops = exported["float32"][1]["ops"]
    # Reflection padding (slices + concat) and the fixed-size nearest upsampling are on the list.
    assert {"STRIDED_SLICE", "CONCATENATION", "RESIZE_NEAREST_NEIGHBOR", "CONV_2D"} <= set(ops) <= GPU_DELEGATE_OPS
    assert check_gpu_ops(ops) == [] and exported["float32"][1]["gpu_compatible"] is True
    export_tflite(net, tmp_path / "ok.tflite", size=SIZE, require_gpu=True)
    # A model with an op the GPU delegate lacks is refused, and nothing is left on disk.
    inputs = keras.Input((16, 16, 3))
    outputs = keras.ops.broadcast_to(keras.ops.mean(inputs, axis=(1, 2), keepdims=True), (1, 16, 16, 3))
    bad = keras.Model(inputs, outputs)
    with pytest.raises(TfstyleError, match="BROADCAST_TO"):
        export_tflite(bad, tmp_path / "gpu.tflite", size=16, require_gpu=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.tflite", "ok.tflite.json"]


def test_gpu_compatible_model_passes(tmp_path):
    import keras

    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs / 255.0)
    outputs = keras.layers.Conv2D(3, 1, activation="sigmoid")(x) * 255.0
    meta = export_tflite(keras.Model(inputs, outputs), tmp_path / "gpu.tflite", size=16, require_gpu=True)
    assert meta["gpu_compatible"] is True and meta["gpu_unsupported_ops"] == []
    assert set(meta["ops"]) <= GPU_DELEGATE_OPS


def test_int8_needs_representative_images(net, tmp_path):
    with pytest.raises(OptionError, match="representative_images"):
        export_tflite(net, tmp_path / "x.tflite", format="int8", size=SIZE)
    with pytest.raises(OptionError, match="format"):
        export_tflite(net, tmp_path / "x.tflite", format="int4", size=SIZE)
    with pytest.raises(OptionError, match="size"):
        export_tflite(net, tmp_path / "x.tflite", size=(0, 64))
    with pytest.raises(OptionError, match="folder"):
        export_tflite(net, tmp_path / "missing" / "x.tflite", size=SIZE)
    assert list(tmp_path.iterdir()) == []


def test_run_tflite_needs_the_model_size(exported, images):
    path = exported["float32"][0]
    with pytest.raises(OptionError, match="64x64"):
        run_tflite(path, images[0])  # 80x96
    with pytest.raises(OptionError, match="HxWx3"):
        run_tflite(path, images[-1][..., 0])


def test_failed_conversion_leaves_nothing(net, tmp_path, monkeypatch):
    import tensorflow as tf

    original = tf.lite.TFLiteConverter.from_saved_model

    def from_saved_model(*args, **kwargs):
        converter = original(*args, **kwargs)

        def broken():
            raise RuntimeError("simulated converter failure")

        converter.convert = broken
        return converter

    monkeypatch.setattr(tf.lite.TFLiteConverter, "from_saved_model", from_saved_model)
    path = tmp_path / "broken.tflite"
    with pytest.raises(TfstyleError, match="simulated converter failure"):
        export_tflite(net, path, size=SIZE)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_old_file(net, tmp_path, monkeypatch):
    import tfstyle.atomic as io_module

    path = tmp_path / "old.tflite"
    path.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(io_module.os, "replace", broken_replace)
    with pytest.raises(TfstyleError, match="disk full"):
        export_tflite(net, path, size=SIZE)
    assert path.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["old.tflite"]


def test_flex_ops_are_refused(tmp_path):
    import keras
    import tensorflow as tf

    class NeedsFlex(keras.Model):
        def call(self, x):
            return tf.math.cumprod(x / 255.0 + 0.5, axis=1)  # no TFLite builtin: would need SELECT_TF_OPS

    with pytest.raises(TfstyleError, match="Cumprod"):
        export_tflite(NeedsFlex(), tmp_path / "flex.tflite", size=16)
    assert list(tmp_path.iterdir()) == []


def test_import_is_light():
    code = (
        "import sys, tfstyle.export; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tensorflow_model_optimization', 'keras')]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_full_integer_report_and_metadata(exported):
    """int8 is integer between input and output; the float formats are not, and each says what it suits."""
    from tfstyle.export.integer import integer_report

    path, meta = exported["int8"]
    report = integer_report(path)
    assert report["full_integer"] and report["float_ops"] == [] and report["dequantize_ops"] == 0
    assert report["float_tensors"] == 0 and report["io_dtypes"] == {"serving_default_content:0": "uint8",
                                                                   "StatefulPartitionedCall:0": "uint8"}
    assert meta["full_integer"] is True and meta["integer_report"] == report and meta["suits"] == ["CPU", "NPU"]
    for fmt in ("float32", "float16", "dynamic"):
        path, meta = exported[fmt]
        report = integer_report(path)
        assert meta["full_integer"] is False and "CONV_2D" in report["float_ops"] and report["float_tensors"] > 0
    assert integer_report(exported["float16"][0])["dequantize_ops"] > 0  # float16 weights widened in the graph
    assert exported["float16"][1]["suits"] == ["GPU", "CPU"] and exported["dynamic"][1]["suits"] == ["CPU"]


def test_int8_float_io_is_still_full_integer_inside(net, images, tmp_path):
    """A float input quantized at once and an output dequantized last are the graph's edges, not inside it."""
    from tfstyle.export.integer import integer_report

    path = tmp_path / "float_io.tflite"
    export_tflite(net, path, format="int8", size=SIZE, representative_images=images[:4], uint8_io=False)
    report = integer_report(path)
    assert report["full_integer"] and set(report["io_dtypes"].values()) == {"float32"}


def test_shipped_int8_files_are_full_integer(calibration_folder, tmp_path):
    """The real release networks (a shipped fast style, the phone network's predictor and transfer) at 64 px."""
    from tfstyle.export.arbitrary import export_arbitrary
    from tfstyle.export.integer import integer_report
    from tfstyle.weights.presets import load_model
    from tfstyle.weights.registry import phone_preset, preset_names

    style = preset_names("fast")[0]
    path = tmp_path / f"{style}_int8.tflite"
    meta = export_tflite(load_model(style, kind="fast"), path, format="int8", size=SIZE,
                         representative_images=calibration_folder, num_calibration=4)
    report = integer_report(path)
    assert report["full_integer"], report
    assert meta["full_integer"] and meta["suits"] == ["CPU", "NPU"]
    metas = export_arbitrary(load_model(phone_preset(), kind="arbitrary"), tmp_path, format="int8", content_size=SIZE,
                             representative_images=calibration_folder, representative_styles=calibration_folder,
                             num_calibration=4)
    for role, meta in metas.items():
        report = integer_report(tmp_path / meta["file"])
        assert report["full_integer"], (role, report["float_ops"], report["float_tensor_names"])
        assert meta["full_integer"] and meta["suits"] == ["CPU", "NPU"]


def test_magenta_int8_transfer_is_not_full_integer():
    """Magenta's published "int8" transfer file keeps float ops and DEQUANTIZE inside (Edge TPU compilers refuse it)."""
    from tfstyle.export.integer import integer_report

    from .conftest import SHARED

    path = SHARED / "anchors" / "magenta" / "transfer_int8_384.tflite"
    if not path.is_file():
        pytest.skip("needs ../shared/anchors/magenta")
    report = integer_report(path)
    assert not report["full_integer"] and report["dequantize_ops"] > 0 and "RSQRT" in report["float_ops"]
    assert integer_report(path.with_name("predict_int8_256.tflite"))["full_integer"]


def test_mixed_format_int8_convolutions_float_norms(net, images, tmp_path):
    from tfstyle.export.integer import integer_report

    path = tmp_path / "mixed.tflite"
    meta = export_tflite(net, path, format="mixed", size=SIZE)
    value = psnr(run_tflite(path, images[-1]), np.asarray(net(images[-1][None]))[0])
    assert value >= MIN_PSNR["dynamic"], value  # int8 convolutions, float norms: near dynamic range, far above int8
    report = integer_report(path)
    assert not report["full_integer"] and {"MEAN", "RSQRT"} <= set(report["float_ops"])
    assert meta["format"] == "mixed" and meta["mixed_recipe"] == "dynamic" and meta["suits"] == ["CPU"]
    assert meta["input"]["dtype"] == "float32" and "DEQUANTIZE" not in meta["ops"]
    float_size = export_tflite(net, tmp_path / "f.tflite", size=SIZE)["size_bytes"]
    assert meta["size_bytes"] < 0.6 * float_size  # int8 convolution weights
    with pytest.raises(OptionError, match="format must be one of"):
        export_tflite(net, tmp_path / "x.tflite", format="int4", size=SIZE)
