"""PerceptualLoss: the weighting and blending around the raw losses."""
import numpy as np
import pytest

from tfstyle.errors import OptionError
from tfstyle.perceptual import losses
from tfstyle.perceptual.loss import PerceptualLoss

from .conftest import smooth_image


@pytest.fixture(scope="module")
def loss(vgg_weights):
    return PerceptualLoss(
        content_layers=["block2_conv2"], style_layers=["block1_conv1", "block2_conv1"],
        content_weight=2.0, style_weight=1e-3, tv_weight=0.5, style_layer_weights=[1, 3], weights=vgg_weights,
    )


def test_total_is_weighted_sum_of_terms(loss, rng):
    content, style, image = (smooth_image(rng, 32, 32)[None] for _ in range(3))
    terms = {k: float(v) for k, v in loss(image, loss.content_targets(content), loss.style_targets([style[0]])).items()}
    assert terms["total"] == pytest.approx(2.0 * terms["content"] + 1e-3 * terms["style"] + 0.5 * terms["tv"], rel=1e-5)
    feats = loss.features(image)
    style_feats = loss.features(style)
    expected_style = 0.25 * np.mean((np.asarray(losses.gram_matrix(feats["block1_conv1"]))
                                     - np.asarray(losses.gram_matrix(style_feats["block1_conv1"]))) ** 2)
    expected_style += 0.75 * np.mean((np.asarray(losses.gram_matrix(feats["block2_conv1"]))
                                      - np.asarray(losses.gram_matrix(style_feats["block2_conv1"]))) ** 2)
    assert terms["style"] == pytest.approx(expected_style, rel=1e-4)


def test_zero_for_its_own_targets(loss, rng):
    image = smooth_image(rng, 32, 32)[None]
    terms = loss(image, loss.content_targets(image), loss.style_targets([image[0]]))
    assert float(terms["content"]) == 0.0
    assert float(terms["style"]) == pytest.approx(0.0, abs=1e-6)


def test_blended_targets_are_weighted_mean_of_grams(loss, rng):
    a, b = smooth_image(rng, 32, 48), smooth_image(rng, 40, 40)
    blended = loss.style_targets([a, b], blend=[3, 1])
    ga, gb = loss.style_targets([a]), loss.style_targets([b])
    for g, x, y in zip(blended, ga, gb):
        np.testing.assert_allclose(np.asarray(g), 0.75 * np.asarray(x) + 0.25 * np.asarray(y), rtol=1e-5, atol=1e-3)


def test_bad_options(vgg_weights):
    with pytest.raises(OptionError, match="style_weight"):
        PerceptualLoss(style_weight=-1, weights=vgg_weights)
    with pytest.raises(OptionError, match="style layers needs 2"):
        PerceptualLoss(style_layers=["block1_conv1", "block2_conv1"], style_layer_weights=[1], weights=vgg_weights)
