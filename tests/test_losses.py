"""Losses against direct NumPy computations."""
import numpy as np
import pytest

from tfstyle.perceptual import losses


def np_gram(f):
    b, h, w, c = f.shape
    x = f.reshape(b, h * w, c).astype(np.float64)
    return np.einsum("bnc,bnd->bcd", x, x) / (h * w)


def test_gram_matrix_matches_numpy(rng):
    f = rng.normal(size=(2, 5, 7, 4)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(losses.gram_matrix(f)), np_gram(f), rtol=1e-5, atol=1e-5)


def test_gram_is_symmetric_and_size_independent(rng):
    f = rng.normal(size=(1, 4, 4, 3)).astype(np.float32)
    tiled = np.tile(f, (1, 3, 2, 1))  # same statistics, 6x the positions
    g = np.asarray(losses.gram_matrix(f))
    np.testing.assert_allclose(g, np.swapaxes(g, 1, 2), atol=1e-6)
    np.testing.assert_allclose(np.asarray(losses.gram_matrix(tiled)), g, rtol=1e-5)


def test_style_loss_matches_numpy_with_layer_weights(rng):
    feats = [rng.normal(size=(2, 6, 6, 3)).astype(np.float32), rng.normal(size=(2, 3, 3, 5)).astype(np.float32)]
    targets = [np_gram(rng.normal(size=(1, 4, 4, 3))), np_gram(rng.normal(size=(1, 2, 2, 5)))]
    weights = [0.25, 2.0]
    expected = sum(w * np.mean((np_gram(f) - t) ** 2) for w, f, t in zip(weights, feats, targets))
    got = float(losses.style_loss(feats, [t.astype(np.float32) for t in targets], weights))
    assert got == pytest.approx(expected, rel=1e-5)
    default = float(losses.style_loss(feats, [t.astype(np.float32) for t in targets]))
    assert default == pytest.approx(sum(0.5 * np.mean((np_gram(f) - t) ** 2) for f, t in zip(feats, targets)), rel=1e-5)


def test_style_loss_zero_against_own_gram(rng):
    f = rng.normal(size=(1, 8, 8, 4)).astype(np.float32)
    assert float(losses.style_loss([f], [np_gram(f).astype(np.float32)])) == pytest.approx(0.0, abs=1e-8)


def test_content_loss_matches_numpy(rng):
    a, b = rng.normal(size=(2, 2, 3, 4, 5)).astype(np.float32)
    c, d = rng.normal(size=(2, 1, 2, 2, 7)).astype(np.float32)
    expected = 0.3 * np.mean((a - b) ** 2) + 0.7 * np.mean((c - d) ** 2)
    assert float(losses.content_loss([a, c], [b, d], [0.3, 0.7])) == pytest.approx(expected, rel=1e-5)


def test_relative_losses_match_numpy_per_sample_and_ignore_scale(rng):
    feats = rng.normal(size=(2, 6, 6, 3)).astype(np.float32)
    targets = np_gram(rng.normal(size=(2, 4, 4, 3)) * np.array([1.0, 30.0])[:, None, None, None])
    expected = np.mean([np.sum((np_gram(feats)[i] - targets[i]) ** 2) / np.sum(targets[i] ** 2) for i in range(2)])
    got = float(losses.style_loss([feats], [targets.astype(np.float32)], relative=True))
    assert got == pytest.approx(expected, rel=1e-4)
    # Scaling an image's features and its target together leaves the relative loss unchanged.
    scaled = float(losses.style_loss([10 * feats], [100 * targets.astype(np.float32)], relative=True))
    assert scaled == pytest.approx(got, rel=1e-4)
    a, b = rng.normal(size=(2, 2, 3, 4, 5)).astype(np.float32)
    expected = np.mean([np.sum((a[i] - b[i]) ** 2) / np.sum(b[i] ** 2) for i in range(2)])
    assert float(losses.content_loss([a], [b], relative=True)) == pytest.approx(expected, rel=1e-5)


def test_relative_style_loss_is_the_squared_style_distance(vgg_weights):
    from tfstyle.perceptual.loss import PerceptualLoss
    from tfstyle.perceptual.metrics import STYLE_LAYERS, Scorer

    rng = np.random.default_rng(1)
    image, style = rng.uniform(0, 255, (2, 48, 48, 3)).astype(np.float32)
    loss = PerceptualLoss(["block4_conv2"], STYLE_LAYERS, relative=True, weights=vgg_weights)
    terms = loss(image[None], loss.content_targets(image[None]), loss.style_targets([style]))
    layer_distances = Scorer(style, weights=vgg_weights).style_layer_distances(image)
    assert float(terms["style"]) == pytest.approx(np.mean(np.square(list(layer_distances.values()))), rel=1e-3)
    assert float(terms["content"]) == pytest.approx(0.0, abs=1e-6)


def test_total_variation_matches_numpy(rng):
    img = rng.uniform(0, 255, size=(2, 9, 11, 3)).astype(np.float32)
    expected = np.mean(np.diff(img, axis=1) ** 2) + np.mean(np.diff(img, axis=2) ** 2)
    assert float(losses.total_variation_loss(img)) == pytest.approx(expected, rel=1e-5)
    assert float(losses.total_variation_loss(np.full((1, 5, 5, 3), 7.0, np.float32))) == 0.0


def test_layer_weight_count_mismatch_raises(rng):
    f = rng.normal(size=(1, 2, 2, 1)).astype(np.float32)
    with pytest.raises(ValueError, match="2 layer weights for 1 layers"):
        losses.content_loss([f], [f], [0.5, 0.5])
