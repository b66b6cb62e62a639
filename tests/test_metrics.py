"""Style and content distances (tfstyle.perceptual.metrics) on real VGG19 features."""
import keras
import numpy as np
import pytest

from tfstyle.errors import OptionError
from tfstyle.image.io import save_image
from tfstyle.perceptual import metrics
from tfstyle.perceptual.vgg import vgg19_features

from .conftest import smooth_image


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(7)
    # Periodic textures (a 16 px tile repeated): tiling them again changes no statistics
    # except through VGG's zero padding at the borders.
    return {
        "a": np.tile(smooth_image(rng, 16, 16), (4, 4, 1)),  # 64x64
        "b": np.tile(smooth_image(rng, 16, 16), (4, 4, 1)),
        "photo": smooth_image(rng, 48, 64),
    }


def _numpy_reference(image, style, content, weights):
    """The definitions written out in NumPy (float64) from the raw VGG19 features."""
    layers = list(metrics.STYLE_LAYERS) + [metrics.CONTENT_LAYER]
    model = vgg19_features(layers, weights=weights)

    def feats(x):
        out = model(np.asarray(x, np.float32)[None])
        return {name: np.asarray(out[name], np.float64)[0] for name in layers}

    def gram(f):
        flat = f.reshape(-1, f.shape[-1])
        return flat.T @ flat / flat.shape[0]

    fi, fs, fc = feats(image), feats(style), feats(content)
    style_d = np.mean([
        np.linalg.norm(gram(fi[n]) - gram(fs[n])) / np.linalg.norm(gram(fs[n])) for n in metrics.STYLE_LAYERS
    ])
    c = metrics.CONTENT_LAYER
    content_d = np.linalg.norm(fi[c] - fc[c]) / np.linalg.norm(fc[c])
    return style_d, content_d


def test_distance_to_itself_is_zero(vgg_weights, images):
    a, photo = images["a"], images["photo"]
    assert abs(metrics.style_distance(a, a, weights=vgg_weights)) < 1e-6
    assert abs(metrics.content_distance(photo, photo, weights=vgg_weights)) < 1e-6
    scorer = metrics.Scorer(photo, weights=vgg_weights)
    scores = scorer.score(photo, photo)
    assert abs(scores["style"]) < 1e-6 and abs(scores["content"]) < 1e-6


def test_matches_numpy_computation(vgg_weights, images):
    image, style, content = images["photo"], images["a"], images["photo"][::-1].copy()
    expected_style, expected_content = _numpy_reference(image, style, content, vgg_weights)
    got_style = metrics.style_distance(image, style, weights=vgg_weights)
    got_content = metrics.content_distance(image, content, weights=vgg_weights)
    assert 0.1 < expected_style < 2 and 0.1 < expected_content < 2  # a real, non-trivial check
    assert got_style == pytest.approx(expected_style, rel=1e-4)
    assert got_content == pytest.approx(expected_content, rel=1e-4)


def test_style_distance_nearly_size_invariant_and_discriminative(vgg_weights, images):
    a, b = images["a"], images["b"]
    scorer = metrics.Scorer(a, weights=vgg_weights)
    tiled = np.tile(a, (2, 2, 1))  # 128x128, the same periodic texture
    per_layer = scorer.style_layer_distances(tiled)
    assert list(per_layer) == list(metrics.STYLE_LAYERS)
    # Measured at 64 px: ~0.03 at block1 rising to ~0.5 at block5 (a 4x4 map there, so
    # zero-padding borders weigh a lot); the mean ~0.2, and it halves each time the
    # size doubles. A different texture is far away (~0.8).
    assert per_layer["block1_conv1"] < 0.05
    tiled_distance = scorer.style_distance(tiled)
    other_distance = scorer.style_distance(b)
    assert tiled_distance < 0.3
    assert other_distance > 0.5
    assert other_distance > 2.5 * tiled_distance
    # A crop of the same texture is close too; a flat grey image is about as far as can be.
    assert scorer.style_distance(a[:48, :48]) < 0.3
    assert scorer.style_distance(np.full((64, 64, 3), 128.0)) > 0.9


def test_content_distance_is_discriminative(vgg_weights, images, rng):
    photo = images["photo"]
    noisy = np.clip(photo + rng.normal(0, 4, photo.shape), 0, 255)
    small = metrics.content_distance(noisy, photo, weights=vgg_weights)
    large = metrics.content_distance(photo[::-1].copy(), photo, weights=vgg_weights)
    assert 0 < small < 0.3
    assert large > 0.5 and large > 3 * small


def test_content_distance_needs_same_size(vgg_weights, images):
    with pytest.raises(OptionError, match="same size.*48x64.*64x64"):
        metrics.content_distance(images["photo"], images["a"], weights=vgg_weights)
    scorer = metrics.Scorer(images["a"], weights=vgg_weights)
    with pytest.raises(OptionError, match="same size"):
        scorer.score(images["photo"], images["a"])


def test_scorer_matches_functions_and_accepts_many_inputs(vgg_weights, images, tmp_path):
    style, photo = images["a"], images["photo"]
    output = np.clip(photo * 0.7 + 40.0, 0, 255)
    scorer = metrics.Scorer(style, weights=vgg_weights)
    scores = scorer.score(output, photo)
    assert scores["style"] == metrics.style_distance(output, style, weights=vgg_weights)
    assert scores["content"] == metrics.content_distance(output, photo, weights=vgg_weights)
    assert scores["style"] == pytest.approx(np.mean(list(scorer.style_layer_distances(output).values())))

    # Precomputed features give the same numbers; so do a batch of one and a file path.
    feats = scorer.features(output)
    assert feats.size == (48, 64) and feats.content.shape == (6, 8, 512)
    assert [g.shape for g in feats.grams] == [(64, 64), (128, 128), (256, 256), (512, 512), (512, 512)]
    assert scorer.score(feats, scorer.features(photo)) == scores
    assert scorer.style_distance(output[None]) == scores["style"]
    assert scorer.style_distance(keras.ops.convert_to_tensor(output[None], "float32")) == scores["style"]
    rounded = np.rint(output).astype(np.uint8)
    path = save_image(rounded, tmp_path / "out.png")
    assert scorer.style_distance(path) == scorer.style_distance(rounded)


def test_style_size_shrinks_the_style(vgg_weights, images):
    big = np.tile(images["a"], (2, 2, 1))  # 128 px
    shrunk = metrics.Scorer(big, weights=vgg_weights, style_size=64)
    assert shrunk.style_features.size == (64, 64)
    assert metrics.Scorer(big, weights=vgg_weights).style_features.size == (128, 128)


def test_ssim_matches_scikit_image():
    from skimage.metrics import structural_similarity

    rng = np.random.default_rng(4)
    photo = rng.uniform(0, 255, (60, 80, 3))
    noisy = np.clip(photo + rng.normal(0, 30, photo.shape), 0, 255)
    expected = structural_similarity(noisy, photo, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                     data_range=255, channel_axis=-1)
    assert abs(metrics.ssim(noisy, photo) - expected) < 1e-9
    assert metrics.ssim(photo, photo) == 1.0
    with pytest.raises(OptionError):
        metrics.ssim(photo, photo[:10])


# -- CFSD (StyleID) and the colour-histogram distance (HistoGAN) ------------------------------------------


def _kl_rows(content_map, output_map):
    """StyleID's CFSD on flat (positions, C) maps, written out densely in float64."""
    def log_softmax_rows(f):
        logits = (f / f.shape[1]) @ (f / f.shape[1]).T
        logits = logits - logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    log_p, log_q = log_softmax_rows(content_map), log_softmax_rows(output_map)
    return float(np.sum(np.exp(log_p) * (log_p - log_q)))


def test_patch_similarity_kl_hand_computed():
    import math

    # Two positions, two channels: content f0 = (2, 0), f1 = (0, 2); logits f_i . f_j / C^2 = [[1, 0], [0, 1]];
    # the output's features are all zero, so its map is uniform (1/2 everywhere).
    content = np.array([[[2.0, 0.0], [0.0, 2.0]]])
    p = math.e / (math.e + 1.0)
    row = p * math.log(p / 0.5) + (1 - p) * math.log((1 - p) / 0.5)
    assert metrics.patch_similarity_kl(np.zeros_like(content), content) == pytest.approx(2 * row, rel=1e-5)  # float32 products
    # KL(P_content || P_output), not symmetric: the other way round it is KL(uniform || P), and 0 for one map.
    reverse = 0.5 * math.log(0.5 / p) + 0.5 * math.log(0.5 / (1 - p))
    assert metrics.patch_similarity_kl(content, np.zeros_like(content)) == pytest.approx(2 * reverse, rel=1e-5)
    assert metrics.patch_similarity_kl(content, content) == 0.0
    # scale divides the features: logits shrink by scale^2 (here to 1/4, 0).
    p4 = math.exp(0.25) / (math.exp(0.25) + 1.0)
    row4 = p4 * math.log(p4 / 0.5) + (1 - p4) * math.log((1 - p4) / 0.5)
    assert metrics.patch_similarity_kl(np.zeros_like(content), content, scale=2.0) == pytest.approx(2 * row4, rel=1e-5)
    with pytest.raises(OptionError, match="one shape"):
        metrics.patch_similarity_kl(content, content[:, :1])


def test_patch_similarity_kl_blocks_match_dense(rng):
    # 40 x 30 = 1,200 positions: more than one block of 1,024 rows.
    content = rng.uniform(0, 3, (40, 30, 4))
    output = content + rng.normal(0, 0.5, content.shape)
    expected = _kl_rows(content.reshape(-1, 4), output.reshape(-1, 4))
    assert expected > 0.01
    assert metrics.patch_similarity_kl(output, content) == pytest.approx(expected, rel=1e-5)


def test_cfsd_on_vgg19_relu3_1(vgg_weights, images, rng):
    photo = images["photo"]
    model = vgg19_features(["block3_conv1"], weights=vgg_weights)

    def feats(x):
        return np.asarray(model(np.asarray(x, np.float32)[None])["block3_conv1"], np.float64)[0]

    noisy = np.clip(photo + rng.normal(0, 8, photo.shape), 0, 255)
    expected = metrics.patch_similarity_kl(feats(noisy), feats(photo), scale=metrics.CFSD_FEATURE_SCALE)
    assert metrics.cfsd(noisy, photo, weights=vgg_weights) == pytest.approx(expected, rel=1e-4)
    assert metrics.cfsd(photo, photo, weights=vgg_weights) == 0.0
    # A photo with its structure kept (noise, a colour change) is closer than a flipped one.
    flipped = metrics.cfsd(photo[::-1].copy(), photo, weights=vgg_weights)
    recoloured = metrics.cfsd(photo[..., ::-1].copy(), photo, weights=vgg_weights)
    assert metrics.cfsd(noisy, photo, weights=vgg_weights) < flipped and recoloured < flipped
    with pytest.raises(OptionError, match="same size"):
        metrics.cfsd(images["a"], photo, weights=vgg_weights)


def test_rgb_uv_histogram_hand_computed():
    # A grey image: every log-chroma is 0, so each channel's histogram is outer(k, k) with
    # k_i = 1 / (1 + (c_i / 0.02)^2) at the 64 bin centres c_i of [-3, 3]; normalised over the three channels.
    hist = metrics.rgb_uv_histogram(np.full((16, 16, 3), 90.0))
    k = 1.0 / (1.0 + (np.linspace(-3, 3, 64) / 0.02) ** 2)
    expected = np.outer(k, k) / (3 * k.sum() ** 2)
    assert hist.shape == (3, 64, 64)
    for channel in range(3):
        np.testing.assert_allclose(hist[channel], expected, rtol=1e-5)  # float32 products
    # Intensity weights cancel in the normalisation: brightness alone changes nothing.
    colour = np.zeros((16, 16, 3))
    colour[...] = (200.0, 120.0, 60.0)
    np.testing.assert_allclose(metrics.rgb_uv_histogram(colour * 0.5), metrics.rgb_uv_histogram(colour), atol=1e-4)


def test_hellinger_and_histogram_distance_hand_computed():
    p, q = np.array([0.25, 0.75]), np.array([0.75, 0.25])
    expected = np.sqrt(2 * (0.5 - np.sqrt(0.75)) ** 2) / np.sqrt(2)  # 0.366
    assert metrics.hellinger(p, q) == pytest.approx(expected)
    assert metrics.hellinger(p, p) == 0.0
    assert metrics.hellinger(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == 1.0
    with pytest.raises(OptionError):
        metrics.hellinger(p, np.ones(3) / 3)
    orange = np.zeros((16, 16, 3))
    orange[...] = (200.0, 120.0, 60.0)
    # Swapping red and blue moves every pixel to other bins: nearly disjoint histograms.
    assert metrics.histogram_distance(orange, orange) == 0.0
    assert metrics.histogram_distance(orange, orange[..., ::-1].copy()) > 0.9
    # Half the pixels changed: in between.
    half = orange.copy()
    half[:8] = orange[:8, :, ::-1]
    assert 0.3 < metrics.histogram_distance(half, orange) < 0.9


def test_histogram_resizes_large_images_like_styleid(rng):
    # A 512 px image made of 2x2 blocks resizes (bilinear, no antialiasing, half-pixel centres) exactly to
    # its 256 px original, as torch's interpolate does in StyleID's evaluation.
    small = rng.uniform(0, 255, (256, 256, 3)).astype(np.float32)
    big = np.repeat(np.repeat(small, 2, axis=0), 2, axis=1)
    np.testing.assert_allclose(metrics.rgb_uv_histogram(big), metrics.rgb_uv_histogram(small), rtol=1e-4, atol=1e-9)


def test_scorer_report_has_every_number(vgg_weights, images):
    style, photo = images["a"], images["photo"]
    output = np.clip(photo * 0.6 + 0.4 * np.resize(style, photo.shape), 0, 255)
    scorer = metrics.Scorer(style, weights=vgg_weights)
    report = scorer.report(output, photo)
    assert set(report) == {"style", "content", "ssim", "cfsd", "histogram"}
    assert report["cfsd"] == pytest.approx(metrics.cfsd(output, photo, weights=vgg_weights), rel=1e-6)
    assert report["histogram"] == pytest.approx(metrics.histogram_distance(output, style), abs=1e-12)
    assert report["ssim"] == metrics.ssim(output, photo)
    assert {k: report[k] for k in ("style", "content")} == scorer.score(output, photo)
    assert report == scorer.report(output, photo, content_features=scorer.features(photo))
