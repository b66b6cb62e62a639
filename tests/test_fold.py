"""Folding one style of an arbitrary-style network into a plain JohnsonNet (``fold_style``)."""
import keras
import numpy as np
import pytest

import tfstyle
from tfstyle.atomic import save_model
from tfstyle.models import JohnsonNet
from tfstyle.models.ghiasi import FittedStyle, fold_style
from tfstyle.runtime.tiling import stylize_tiled

from .conftest import SHARED, smooth_image, tiny_arbitrary_net

#: Largest difference allowed between the folded net and the conditioned network, on [0, 255].
TOLERANCE = 1e-3


def _max_diff(folded, conditioned, image):
    x = image[None].astype("float32")
    return float(np.abs(np.asarray(folded(x)) - np.asarray(conditioned(x))).max())


@pytest.fixture(scope="module")
def tiny():
    net = tiny_arbitrary_net(3, residual_blocks=2)
    # Non-trivial own gammas and betas, so the composition (not only the style's scale) is checked.
    for layer in net.transfer.norms:
        gamma, beta = layer.get_weights()
        rng = np.random.default_rng(len(gamma))
        layer.set_weights([gamma * rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                           beta + rng.normal(0, 0.3, beta.shape).astype("float32")])
    return net


@pytest.mark.parametrize("size", [(48, 64), (37, 53)])
def test_folded_net_paints_what_the_conditioned_network_paints(tiny, rng, size):
    painting = smooth_image(np.random.default_rng(7), 64, 64)
    folded = fold_style(tiny, painting)
    assert type(folded) is JohnsonNet and folded.width == tiny.transfer.width
    assert folded.residual_blocks == tiny.transfer.residual_blocks
    conditioned = tiny.conditioned(tiny.style_parameters(painting))
    assert _max_diff(folded, conditioned, smooth_image(rng, *size)) < TOLERANCE


def test_a_fitted_style_and_scale_offset_zero_fold_too(rng):
    """A ``FittedStyle`` folds as its parameters; Magenta's ``scale_offset=0`` layout is honoured."""
    from tfstyle.models import ArbitraryStyleNet, CompactStylePredictor, StyleTransferNet

    keras.utils.set_random_seed(4)
    net = ArbitraryStyleNet(CompactStylePredictor(width=0.25),
                            StyleTransferNet(width=0.25, residual_blocks=1, scale_offset=0.0, encoder_norm=False,
                                             output_norm=True, input_range="unit", output_activation="sigmoid"),
                            style_size=64)
    params = np.random.default_rng(1).normal(0, 0.5, net.transfer.parameter_count).astype("float32")
    params[: net.transfer.norm_channels[0]] += 1.0  # scales near 1 in the first layer
    folded = fold_style(net, FittedStyle(params))
    assert folded.output_norm and not folded.encoder_norm and folded.output_activation == "sigmoid"
    assert _max_diff(folded, net.conditioned(params), smooth_image(rng, 40, 56)) < TOLERANCE


def test_folded_net_round_trips_keras_and_stylizes_any_size_in_tiles(tiny, rng, tmp_path):
    painting = smooth_image(np.random.default_rng(8), 64, 64)
    folded = fold_style(tiny, painting)
    save_model(folded, tmp_path / "folded.keras")
    again = tfstyle.load_model(str(tmp_path / "folded.keras"))
    assert type(again) is JohnsonNet
    image = smooth_image(rng, 150, 203)
    x = image[None, :64, :64]
    np.testing.assert_allclose(np.asarray(again(x)), np.asarray(folded(x)), atol=TOLERANCE)
    whole = tfstyle.stylize(image.astype(np.uint8), model=again, backend="keras")
    tiled = tfstyle.stylize(image.astype(np.uint8), model=again, tile=96, overlap=32, backend="keras")
    assert whole.shape == tiled.shape == image.shape and whole.dtype == np.uint8
    # Tiles share the whole image's statistics: the same picture up to rounding and tile seams.
    assert np.abs(whole.astype(float) - tiled).mean() < 1.0
    reference = stylize_tiled(tiny.conditioned(tiny.style_parameters(painting)), image, tile=96, overlap=32)
    assert np.abs(tiled.astype(float) - reference).max() <= 1.0


def test_magenta_v1_folds_exactly(rng):
    painting = SHARED / "data" / "style" / "named" / "wave.jpg"
    if not painting.is_file():
        pytest.skip(f"{painting} not found")
    net = tfstyle.load_model("magenta_v1")
    folded = fold_style(net, painting)
    conditioned = net.conditioned(net.style_parameters(painting))
    for size in ((64, 96), (75, 58)):
        assert _max_diff(folded, conditioned, smooth_image(rng, *size)) < TOLERANCE
