"""fit_style: optimizing a style's parameters moves the output towards the painting; FittedStyle files."""
import numpy as np
import pytest
from PIL import Image

from tfstyle.cli import main
from tfstyle.errors import OptionError
from tfstyle.methods.arbitrary import stylize_arbitrary
from tfstyle.methods.fit import fit_style
from tfstyle.models import ArbitraryStyleNet, CompactStylePredictor, StyleTransferNet
from tfstyle.models.ghiasi import FittedStyle
from tfstyle.perceptual.metrics import Scorer

from .conftest import smooth_image, tiny_arbitrary_net


@pytest.fixture(scope="module")
def net():
    return tiny_arbitrary_net(7)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(11)
    return {"photo": smooth_image(rng, 48, 64), "painting": 255 - smooth_image(rng, 64, 64)}


@pytest.fixture(scope="module")
def fitted(net, images, vgg_weights):
    return fit_style(images["painting"], images["photo"], model=net, steps=8, size=64, learning_rate=0.05,
                     vgg_weights=vgg_weights)


def test_fitting_lowers_the_style_distance(net, images, fitted, vgg_weights):
    losses = fitted.style_losses
    assert len(losses) == 8 and losses[-1] < 0.8 * losses[0]
    scorer = Scorer(images["painting"], weights=vgg_weights, style_size=64)
    before = scorer.style_distance(stylize_arbitrary(images["photo"], images["painting"], model=net))
    after = scorer.style_distance(stylize_arbitrary(images["photo"], fitted, model=net))
    assert after < 0.9 * before


def test_zero_steps_gives_the_predicted_style(net, images):
    predicted = fit_style(images["painting"], images["photo"], model=net, steps=0)
    assert predicted.params.shape == (net.transfer.parameter_count,) and predicted.style_losses == ()
    np.testing.assert_array_equal(stylize_arbitrary(images["photo"], predicted, model=net),
                                  stylize_arbitrary(images["photo"], images["painting"], model=net))


def test_fitted_styles_take_strength_and_blend(net, images, fitted):
    photo = images["photo"]
    at_zero = stylize_arbitrary(photo, fitted, model=net, strength=0.0)
    np.testing.assert_array_equal(at_zero, stylize_arbitrary(photo, images["painting"], model=net, strength=0.0))
    half = stylize_arbitrary(photo, [fitted, images["painting"]], style_weights=[1, 1], model=net)
    assert half.shape == photo.shape
    assert not np.array_equal(half, stylize_arbitrary(photo, fitted, model=net))


def test_fitted_style_file_round_trips(fitted, tmp_path):
    path = tmp_path / "style.npz"
    fitted.save(path)
    loaded = FittedStyle.load(path)
    np.testing.assert_array_equal(loaded.params, fitted.params)
    assert loaded.style_losses == pytest.approx(fitted.style_losses)
    assert [p.name for p in tmp_path.iterdir()] == ["style.npz"]
    with pytest.raises(OptionError, match=".npz"):
        fitted.save(tmp_path / "style.json")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(OptionError, match="not a fitted style"):
        FittedStyle.load(tmp_path / "bad.npz")


def test_a_style_fitted_for_another_network_is_refused(images, fitted):
    other = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.5, residual_blocks=1))
    with pytest.raises(OptionError, match="another network"):
        stylize_arbitrary(images["photo"], fitted, model=other)
    with pytest.raises(OptionError, match="steps"):
        fit_style(images["painting"], images["photo"], model=other, steps=-1)


def test_cli_fit_steps(net, images, tmp_path, vgg_weights, capsys):
    model = tmp_path / "net.keras"
    net.save(model)
    photo, painting, out = tmp_path / "photo.png", tmp_path / "painting.png", tmp_path / "out.png"
    Image.fromarray(images["photo"].astype(np.uint8)).save(photo)
    Image.fromarray(images["painting"].astype(np.uint8)).save(painting)
    base = ["stylize", str(photo), str(painting), "-q"]
    assert main([*base, "--method", "arbitrary", "--model", str(model), "--fit-steps", "2", "-o", str(out)]) == 0
    assert Image.open(out).size == (64, 48)
    for extra in (["--method", "optimize"], ["--method", "arbitrary", "--fit-steps", "-1"], ["--style", "wave"]):
        assert main([*base, "--fit-steps", "2", *extra, "-o", str(tmp_path / "x.png")]) == 1
        assert "--fit-steps" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
