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
