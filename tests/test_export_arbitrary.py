"""Arbitrary-style export (predictor + transfer TFLite files) and the arbitrary CLI."""
import json

import numpy as np
import pytest
from PIL import Image

from tfstyle.cli import main
from tfstyle.export.arbitrary import export_arbitrary
from tfstyle.perceptual.metrics import psnr
from tfstyle.runtime.litert import run_signature

from .conftest import smooth_image, tiny_arbitrary_net
from .test_android_contract import check_model_against_contract


@pytest.fixture(scope="module")
def net():
    return tiny_arbitrary_net(3, style_size=128)


@pytest.fixture(scope="module")
def pictures():
    rng = np.random.default_rng(6)
    return [smooth_image(rng, 96, 96) for _ in range(8)], [smooth_image(rng, 128, 128) for _ in range(8)]


def _keras_outputs(net, photo, style):
    # The predictor file resizes its input to net.style_size: bilinear at exactly 1/2 is a 2x2 mean.
    factor = style.shape[0] // net.style_size
    small = style.reshape(net.style_size, factor, net.style_size, factor, 3).mean((1, 3))
    vector = np.asarray(net.predict_style(small[None]))
    return vector, np.asarray(net.transfer((photo[None], vector)))[0]


def test_float32_matches_keras_and_the_app_contract(net, pictures, tmp_path):
    photos, styles = pictures
    metas = export_arbitrary(net, tmp_path, content_size=384, style_input_size=256)
    for role, meta in (("arbitrary_predictor", metas["predictor"]), ("arbitrary_transfer", metas["transfer"])):
        check_model_against_contract(meta, role, file_name=meta["file"])
        assert json.loads((tmp_path / (meta["file"] + ".json")).read_text()) == meta
    style = np.asarray(Image.fromarray(styles[0].astype(np.uint8)).resize((256, 256), Image.BILINEAR), np.float32)
    photo = np.asarray(Image.fromarray(photos[0].astype(np.uint8)).resize((384, 384), Image.BILINEAR), np.float32)
    vector = run_signature(tmp_path / metas["predictor"]["file"], {"style": style[None]})["style_vector"]
    expected_vector, expected = _keras_outputs(net, photo, style)
    np.testing.assert_allclose(vector, expected_vector, atol=1e-3 * np.abs(expected_vector).max())
    out = run_signature(tmp_path / metas["transfer"]["file"], {"content": photo[None], "style_vector": expected_vector})
    assert psnr(np.clip(out["stylized"][0], 0, 255), expected) > 60


def test_int8_is_uint8_throughout_and_close(net, pictures, tmp_path):
    photos, styles = pictures
    metas = export_arbitrary(net, tmp_path, format="int8", content_size=96, style_input_size=128,
                             representative_images=photos, representative_styles=styles)
    transfer, predictor = metas["transfer"], metas["predictor"]
    assert [t["dtype"] for t in transfer["inputs"] + transfer["outputs"]] == ["uint8"] * 3
    assert transfer["inputs"][0]["quantization"] == [1.0, 0] and predictor["inputs"][0]["quantization"] == [1.0, 0]
    assert transfer["gpu_compatible"] and predictor["gpu_compatible"]
    expected_vector, expected = _keras_outputs(net, photos[1], styles[1])
    vector = run_signature(tmp_path / predictor["file"], {"style": styles[1][None]})["style_vector"]
    assert np.abs(vector - expected_vector).max() < 0.1 * np.abs(expected_vector).max()
    out = run_signature(tmp_path / transfer["file"], {"content": photos[1][None], "style_vector": expected_vector})
    assert psnr(np.clip(out["stylized"][0], 0, 255), expected) > 25


def test_qat_options_are_checked(net, tmp_path):
    from tfstyle.errors import OptionError

    with pytest.raises(OptionError, match="qat_steps .*needs format 'int8'"):
        export_arbitrary(net, tmp_path, content_size=32, style_input_size=128, qat_steps=5)
    with pytest.raises(OptionError, match="style_pool must be a non-negative integer"):
        export_arbitrary(net, tmp_path, content_size=32, style_input_size=128, style_pool=-1)
    assert not list(tmp_path.iterdir())


def test_int8_needs_both_calibration_sets(net, pictures, tmp_path):
    with pytest.raises(Exception, match="representative_styles"):
        export_arbitrary(net, tmp_path, format="int8", content_size=64, representative_images=pictures[0])
    assert not list(tmp_path.iterdir())


def test_cli_arbitrary_stylize_and_export(net, pictures, tmp_path, capsys):
    photos, styles = pictures
    model = tmp_path / "arb.keras"
    net.save(model)
    for name, image in (("photo.png", photos[0]), ("a.png", styles[0]), ("b.png", styles[1])):
        Image.fromarray(image.astype(np.uint8)).save(tmp_path / name)
    mask = np.zeros((96, 96), np.uint8)
    mask[:, :48] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    photo, a, b = (str(tmp_path / n) for n in ("photo.png", "a.png", "b.png"))
    out = tmp_path / "out.jpg"
    assert main(["stylize", photo, a, "--method", "arbitrary", "--model", str(model), "--strength", "0.7",
                 "-o", str(out), "-q"]) == 0
    assert Image.open(out).size == (96, 96)
    assert main(["stylize", photo, a, b, "--method", "arbitrary", "--model", str(model), "--mask",
                 str(tmp_path / "mask.png"), "-o", str(tmp_path / "masked.png"), "-q"]) == 0
    for extra, message in ((["--strength", "2"], "strength"), (["--style", "wave"], "--style NAME")):
        args = ["stylize", photo, a, "-o", str(tmp_path / "x.jpg"), "--method", "arbitrary", *extra]
        assert main(args) == 1 or main(args) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "x.jpg").exists()
    folder = tmp_path / "tflite"
    folder.mkdir()
    assert main(["export", "--arbitrary", "--model", str(model), "-o", str(folder), "--size", "64"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "arbitrary_predictor_float32_256.tflite", "arbitrary_predictor_float32_256.tflite.json",
        "arbitrary_transfer_float32_64.tflite", "arbitrary_transfer_float32_64.tflite.json"]


def test_a_refused_transfer_file_leaves_no_predictor_behind(net, tmp_path, monkeypatch):
    import tfstyle.export.arbitrary as module
    from tfstyle.errors import TfstyleError

    real = module.write_signature_model

    def refuse_transfer(content, path, **kwargs):
        if kwargs["extra"]["role"] == "arbitrary_transfer":
            raise TfstyleError("refused on purpose")
        return real(content, path, **kwargs)

    monkeypatch.setattr(module, "write_signature_model", refuse_transfer)
    with pytest.raises(TfstyleError, match="refused on purpose"):
        export_arbitrary(net, tmp_path, content_size=32, style_input_size=128)
    assert not list(tmp_path.iterdir())


def _integer_only(path) -> list[str]:
    """What makes a file not full-integer: float tensors, DEQUANTIZE ops, io other than uint8/int8."""
    from tfstyle.export.tflite import op_types
    from tfstyle.runtime.litert import make_interpreter

    interpreter = make_interpreter(model_path=str(path))
    problems = [f"{t['name']}: {np.dtype(t['dtype']).name}" for t in interpreter.get_tensor_details()
                if np.dtype(t["dtype"]).name not in ("int8", "uint8", "int32")]
    problems += [f"op {op}" for op in op_types(path) if op == "DEQUANTIZE"]
    runner = interpreter.get_signature_runner()
    for detail in [*runner.get_input_details().values(), *runner.get_output_details().values()]:
        if np.dtype(detail["dtype"]).name not in ("uint8", "int8"):
            problems.append(f"io {detail['name']}: {np.dtype(detail['dtype']).name}")
    return problems


@pytest.mark.parametrize("integer_graph", [False, True])
def test_int8_pair_is_full_integer(net, pictures, tmp_path, integer_graph):
    photos, styles = pictures
    metas = export_arbitrary(net, tmp_path, format="int8", content_size=64, style_input_size=128,
                             representative_images=photos[:4], representative_styles=styles[:4],
                             integer_graph=integer_graph)
    assert metas["transfer"]["integer_graph"] is integer_graph
    for meta in metas.values():
        assert _integer_only(tmp_path / meta["file"]) == [], meta["file"]


def test_integer_graph_is_the_same_function():
    import keras

    from tfstyle.export.equalize import checked_integer_forward, integer_friendly_forward
    from tfstyle.models import JohnsonNet

    rng = np.random.default_rng(3)
    photo = smooth_image(rng, 48, 64)
    conditional = tiny_arbitrary_net(4, residual_blocks=2).transfer
    vector = rng.normal(0, 1, (1, 100)).astype(np.float32)
    same = integer_friendly_forward(conditional, True)(photo[None], vector)
    assert psnr(np.asarray(same)[0], np.asarray(conditional((photo[None], vector)))[0]) > 70
    plain = JohnsonNet(width=0.25, residual_blocks=1, shuffle=2, output_norm=True, output_activation="sigmoid")
    expected = np.asarray(plain(photo[None]))[0]  # builds the layers
    assert psnr(np.asarray(integer_friendly_forward(plain)(photo[None]))[0], expected) > 70
    assert checked_integer_forward(plain, photo) is not None
    # A network of another structure keeps its own graph.
    other = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(3, 1)])
    assert checked_integer_forward(other, photo) is None


def test_int8_transfer_fidelity_on_real_photos(tmp_path):
    """The default network (tfstyle_mobile_v4) at 128 px: int8 transfer against the Keras network on validation photos."""
    from tfstyle.image.io import cover_crop, list_images, load_image
    from tfstyle.weights.presets import load_model

    from .conftest import SHARED

    content, paintings = SHARED / "data" / "content" / "test", SHARED / "data" / "style" / "train"
    if not content.is_dir() or not paintings.is_dir():
        pytest.skip("../shared/data not found")
    model = load_model(None, kind="arbitrary")
    photo_files, painting_files = list_images(content), list_images(paintings)
    metas = export_arbitrary(model, tmp_path, format="int8", content_size=128, style_input_size=256,
                             representative_images=photo_files[:12], representative_styles=painting_files[:12],
                             num_calibration=12)
    photos = [cover_crop(load_image(p), (128, 128)) for p in photo_files[150:153]]
    vectors = np.asarray(model.predict_style(np.stack([cover_crop(load_image(p), (256, 256))
                                                       for p in painting_files[-2:]])), np.float32)
    scores = []
    for photo in photos:
        for vector in vectors:
            expected = np.asarray(model.transfer((photo[None], vector[None])))[0]
            out = run_signature(tmp_path / metas["transfer"]["file"], {"content": photo[None],
                                                                      "style_vector": vector[None]})["stylized"][0]
            scores.append(psnr(np.clip(out, 0, 255), expected))
    # Measured here: mean 25.8 dB, worst 24.3 (integer_graph=True: 23.1 / 16.9). Issue #28's bar (35 dB worst
    # at 384 px on holdout pairs) is not reached; this guards against regressions.
    assert min(scores) > 23.5 and np.mean(scores) > 25.0


def test_fake_quantization_has_the_int8_files_error(net, pictures, tmp_path):
    """The keras.ops fake-INT8 forward is as far from float as the converted int8 file is (not bit-exact)."""
    from tfstyle.export.equalize import equalize_instance_norm
    from tfstyle.export.fakequant import FakeQuantTransfer
    from tfstyle.export.tflite import calibration_images

    photos, styles = pictures
    metas = export_arbitrary(net, tmp_path, format="int8", content_size=64, style_input_size=128,
                             representative_images=photos[:4], representative_styles=styles[:4],
                             integer_graph=True)
    assert metas["transfer"]["integer_graph"] is True
    # The export's own calibration pairs: photos cropped to 64, vectors of the styles at net.style_size.
    cal = np.stack(calibration_images(photos[:4], (64, 64), 4))
    vectors = np.stack([_keras_outputs(net, cal[0], style)[0][0] for style in styles[:4]])
    fake = FakeQuantTransfer(equalize_instance_norm(net.transfer, list(cal)))
    fake.calibrate(cal, vectors)
    photo = calibration_images(photos[6:7], (64, 64), 1)[0]
    for vector in vectors[:2]:
        int8 = run_signature(tmp_path / metas["transfer"]["file"], {"content": photo[None],
                                                                    "style_vector": vector[None]})["stylized"][0]
        faked = np.asarray(fake(photo[None], vector[None]))[0]
        plain = np.asarray(fake.float_forward(photo[None], vector[None]))[0]
        # Measured: the int8 file 29.6 / 29.9 dB from float, the fake forward 30.2 / 30.4 dB.
        assert psnr(plain, np.asarray(net.transfer((photo[None], vector[None])))[0]) > 50
        assert abs(psnr(faked, plain) - psnr(int8, plain)) < 2.5, (psnr(faked, plain), psnr(int8, plain))
        assert psnr(faked, plain) < 40


def test_qat_export_is_full_integer_and_records_both_measurements(net, pictures, tmp_path):
    photos, styles = pictures
    metas = export_arbitrary(net, tmp_path, format="int8", content_size=48, style_input_size=128,
                             representative_images=photos[:4], representative_styles=styles[:4], qat_steps=6)
    qat = metas["transfer"]["qat"]
    assert qat["steps"] == 6 and qat["shipped"] in ("ptq", "qat")
    # The fake-INT8 forward's error against the float network, before and after fine-tuning (6 steps on a
    # random network need not lower it: the test checks the record, the benchmark measures the gain).
    assert 0 < qat["mse_before"] < 1e4 and 0 < qat["mse_after"] < 1e4
    for key in ("ptq", "qat"):
        assert qat[key]["pairs"] in (3, 6) and 5 < qat[key]["worst_psnr"] <= qat[key]["mean_psnr"]
    shipped = qat[qat["shipped"]]["worst_psnr"]
    assert shipped == max(qat["ptq"]["worst_psnr"], qat["qat"]["worst_psnr"])
    assert metas["transfer"]["integer_graph"] is (qat["shipped"] == "qat")
    for meta in metas.values():
        assert _integer_only(tmp_path / meta["file"]) == [], meta["file"]
