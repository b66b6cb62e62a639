"""Tests for tfstyle.image.color (colour preservation, Gatys et al. 2016)."""

from __future__ import annotations

import doctest
import types

import numpy as np
import pytest

from tfstyle.image import color as color_module


@pytest.fixture(scope="module")
def color() -> types.ModuleType:
    return color_module


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


def _stats(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pixels = np.asarray(image, dtype=np.float64).reshape(-1, 3)
    mean = pixels.mean(axis=0)
    centred = pixels - mean
    return mean, centred.T @ centred / len(pixels)


def _correlated_image(rng, shape, mean, mixing) -> np.ndarray:
    noise = rng.standard_normal((shape[0] * shape[1], 3))
    pixels = noise @ np.asarray(mixing, dtype=np.float64).T + np.asarray(mean, dtype=np.float64)
    return pixels.reshape(shape[0], shape[1], 3).astype(np.float32)


# --- YIQ -----------------------------------------------------------------------


def test_yiq_round_trip(color, rng):
    for shape in [(17, 23, 3), (64, 48, 3)]:
        image = rng.uniform(0, 255, shape).astype(np.float32)
        back = color.yiq_to_rgb(color.rgb_to_yiq(image))
        assert back.shape == image.shape
        assert back.dtype == np.float32
        assert np.abs(back - image).max() < 1e-3
        yiq = rng.uniform(-50, 200, shape).astype(np.float32)
        assert np.abs(color.rgb_to_yiq(color.yiq_to_rgb(yiq)) - yiq).max() < 1e-3


def test_yiq_white_black_grey(color):
    white = np.full((2, 3, 3), 255.0, dtype=np.float32)
    black = np.zeros((2, 3, 3), dtype=np.float32)
    grey = np.full((2, 3, 3), 77.0, dtype=np.float32)
    np.testing.assert_allclose(color.rgb_to_yiq(white)[..., 0], 255.0, atol=1e-4)
    np.testing.assert_allclose(color.rgb_to_yiq(white)[..., 1:], 0.0, atol=1e-3)
    np.testing.assert_allclose(color.rgb_to_yiq(black), 0.0, atol=1e-6)
    np.testing.assert_allclose(color.rgb_to_yiq(grey)[..., 0], 77.0, atol=1e-4)
    np.testing.assert_allclose(color.rgb_to_yiq(grey)[..., 1:], 0.0, atol=1e-3)
    np.testing.assert_allclose(color.luminance(white), 255.0, atol=1e-4)
    np.testing.assert_allclose(color.luminance(black), 0.0, atol=1e-6)


def test_yiq_standard_coefficients(color):
    red = np.array([[[255.0, 0.0, 0.0]]], dtype=np.float32)
    green = np.array([[[0.0, 255.0, 0.0]]], dtype=np.float32)
    blue = np.array([[[0.0, 0.0, 255.0]]], dtype=np.float32)
    np.testing.assert_allclose(color.luminance(red), 0.299 * 255, rtol=1e-5)
    np.testing.assert_allclose(color.luminance(green), 0.587 * 255, rtol=1e-5)
    np.testing.assert_allclose(color.luminance(blue), 0.114 * 255, rtol=1e-5)
    np.testing.assert_allclose(color.rgb_to_yiq(red)[0, 0], [76.245, 151.90758, 53.92128], rtol=1e-4)


def test_luminance_shape_and_channel(color, rng):
    image = rng.uniform(0, 255, (5, 7, 3)).astype(np.float32)
    luma = color.luminance(image)
    assert luma.shape == (5, 7)
    assert luma.dtype == np.float32
    np.testing.assert_allclose(luma, color.rgb_to_yiq(image)[..., 0], atol=1e-3)


def test_luminance_rejects_non_rgb(color):
    with pytest.raises(color.ImageError):
        color.luminance(np.zeros((4, 4)))
    with pytest.raises(color.ImageError):
        color.luminance(np.zeros((4, 4, 4)))


def test_luminance_to_rgb(color, rng):
    luma = rng.uniform(0, 255, (6, 4)).astype(np.float32)
    rgb = color.luminance_to_rgb(luma)
    assert rgb.shape == (6, 4, 3)
    assert rgb.dtype == np.float32
    for channel in range(3):
        np.testing.assert_array_equal(rgb[..., channel], luma)
    # A grey image's luminance is the grey value itself.
    np.testing.assert_allclose(color.luminance(rgb), luma, atol=1e-3)
    # HxWx1 is accepted too.
    np.testing.assert_array_equal(color.luminance_to_rgb(luma[..., None]), rgb)
    with pytest.raises(color.ImageError):
        color.luminance_to_rgb(np.zeros((2, 2, 2)))


# --- histogram matching --------------------------------------------------------


def test_match_color_histogram_mean_and_covariance(color, rng):
    # Moderate, different statistics, so that clipping to [0, 255] never bites.
    style = _correlated_image(rng, (60, 50), [90, 110, 70], [[12, 3, 0], [4, 10, 2], [-3, 2, 8]])
    content = _correlated_image(rng, (40, 70), [140, 120, 160], [[15, -4, 2], [2, 9, -3], [5, 1, 11]])
    assert style.min() > 0 and style.max() < 255
    assert content.min() > 0 and content.max() < 255

    result = color.match_color_histogram(style, content)
    assert result.shape == style.shape
    assert result.dtype == np.float32
    assert result.min() > 0 and result.max() < 255  # no clipping happened

    mean_r, cov_r = _stats(result)
    mean_c, cov_c = _stats(content)
    mean_s, cov_s = _stats(style)
    np.testing.assert_allclose(mean_r, mean_c, atol=1e-2)
    np.testing.assert_allclose(cov_r, cov_c, atol=0.05, rtol=1e-3)
    # ...and the statistics really changed.
    assert np.abs(mean_s - mean_c).max() > 20
    assert np.abs(cov_s - cov_c).max() > 20


def test_match_color_histogram_is_symmetric_image_analogies_transform(color, rng):
    style = _correlated_image(rng, (30, 30), [100, 100, 100], [[10, 2, 1], [2, 8, 0], [1, 0, 12]])
    content = _correlated_image(rng, (30, 30), [130, 110, 120], [[7, 1, 3], [0, 9, 1], [2, 2, 6]])
    result = color.match_color_histogram(style, content).reshape(-1, 3).astype(np.float64)
    mean_s, cov_s = _stats(style)
    mean_c, cov_c = _stats(content)

    def sqrtm(matrix, power):
        values, vectors = np.linalg.eigh(matrix)
        return (vectors * values**power) @ vectors.T

    expected_a = sqrtm(cov_c, 0.5) @ sqrtm(cov_s, -0.5)
    expected = (style.reshape(-1, 3) - mean_s) @ expected_a.T + mean_c
    np.testing.assert_allclose(result, expected, atol=1e-2)


def test_match_color_histogram_same_image_is_identity(color, rng):
    image = _correlated_image(rng, (20, 25), [120, 130, 110], [[10, 2, 1], [2, 8, 0], [1, 0, 12]])
    np.testing.assert_allclose(color.match_color_histogram(image, image), image, atol=1e-2)


def test_match_color_histogram_flat_source_and_clipping(color, rng):
    flat = np.full((8, 8, 3), 60.0, dtype=np.float32)
    content = rng.uniform(0, 255, (8, 8, 3)).astype(np.float32)
    result = color.match_color_histogram(flat, content)
    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(result, np.broadcast_to(_stats(content)[0], result.shape), atol=1e-3)

    wild = rng.uniform(0, 255, (16, 16, 3)).astype(np.float32)
    bright = rng.uniform(200, 255, (16, 16, 3)).astype(np.float32)
    bright[0, 0] = 0.0  # large variance with a high mean => values beyond 255 before clipping
    out = color.match_color_histogram(wild, bright)
    assert out.min() >= 0.0 and out.max() <= 255.0


# --- luminance matching ---------------------------------------------------------


def test_match_luminance_mean_and_std(color, rng):
    source = rng.normal(80, 10, (50, 40)).astype(np.float32)
    target = rng.normal(150, 25, (30, 60)).astype(np.float32)
    result = color.match_luminance(source, target)
    assert result.shape == source.shape
    assert result.dtype == np.float32
    assert result.min() > 0 and result.max() < 255
    assert result.mean() == pytest.approx(float(target.mean()), abs=1e-3)
    assert result.std() == pytest.approx(float(target.std()), rel=1e-4)
    # The transform is affine and increasing: ordering is preserved.
    np.testing.assert_array_equal(np.argsort(result, axis=None), np.argsort(source, axis=None))


def test_match_luminance_formula_and_flat(color, rng):
    source = rng.uniform(20, 60, (10, 10))
    target = rng.uniform(100, 160, (10, 10))
    expected = (source - source.mean()) * target.std() / source.std() + target.mean()
    np.testing.assert_allclose(color.match_luminance(source, target), expected, atol=1e-3)

    flat = np.full((5, 5), 42.0)
    result = color.match_luminance(flat, target)
    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(result, target.mean(), atol=1e-3)


# --- transfer_color -------------------------------------------------------------


def test_transfer_color_keeps_stylized_luma_and_content_chroma(color, rng):
    # Mid-range images with modest colour, so no channel needs clipping.
    stylized = rng.uniform(100, 160, (24, 32, 3)).astype(np.float32)
    content = rng.uniform(110, 150, (24, 32, 3)).astype(np.float32)
    result = color.transfer_color(stylized, content)
    assert result.shape == stylized.shape
    assert result.dtype == np.float32
    assert result.min() > 0 and result.max() < 255  # no clipping happened

    yiq_result = color.rgb_to_yiq(result)
    np.testing.assert_allclose(yiq_result[..., 0], color.luminance(stylized), atol=1e-3)
    np.testing.assert_allclose(yiq_result[..., 1:], color.rgb_to_yiq(content)[..., 1:], atol=1e-3)


def test_transfer_color_grey_stylized_gets_content_colours(color, rng):
    # If stylized already has content's luminance, the result is the content image.
    content = rng.uniform(90, 170, (10, 12, 3)).astype(np.float32)
    grey = color.luminance_to_rgb(color.luminance(content))
    np.testing.assert_allclose(color.transfer_color(grey, content), content, atol=1e-3)


def test_transfer_color_clips(color):
    stylized = np.full((2, 2, 3), 250.0, dtype=np.float32)
    content = np.zeros((2, 2, 3), dtype=np.float32)
    content[..., 0] = 255.0  # saturated red: adding its chroma to Y=250 overflows
    result = color.transfer_color(stylized, content)
    assert result.min() >= 0.0 and result.max() <= 255.0
    assert result.max() == 255.0


def test_transfer_color_shape_mismatch(color):
    OptionError = color.OptionError
    stylized = np.zeros((4, 5, 3), dtype=np.float32)
    content = np.zeros((5, 4, 3), dtype=np.float32)
    with pytest.raises(OptionError) as info:
        color.transfer_color(stylized, content)
    message = str(info.value)
    assert "(4, 5, 3)" in message and "(5, 4, 3)" in message
    assert isinstance(info.value, ValueError)


# --- preserve_color option ------------------------------------------------------


def test_preserve_color_modes(color):
    assert color.PRESERVE_COLOR_MODES == ("luminance", "histogram")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (None, None),
        (False, None),
        (True, "luminance"),
        ("luminance", "luminance"),
        ("histogram", "histogram"),
    ],
)
def test_check_preserve_color_valid(color, mode, expected):
    assert color.check_preserve_color(mode) == expected


@pytest.mark.parametrize("mode", ["", "colour", "yiq", 1, 0, 2.5, ["luminance"]])
def test_check_preserve_color_invalid(color, mode):
    OptionError = color.OptionError
    with pytest.raises(OptionError, match="preserve_color must be one of"):
        color.check_preserve_color(mode)


# --- docstring examples ---------------------------------------------------------


def test_doctests(color):
    results = doctest.testmod(color, verbose=False)
    assert results.attempted >= 9
    assert results.failed == 0
