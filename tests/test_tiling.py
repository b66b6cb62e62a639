"""Tests for tfstyle.runtime.tiling: tiled stylization must match the untiled network."""
from __future__ import annotations

import keras
import numpy as np
import pytest

from tfstyle.errors import ImageError, OptionError
from tfstyle.models.johnson import JohnsonNet
from tfstyle.perceptual.metrics import psnr
from tfstyle.runtime.tiling import axis_weights, max_overlap, stylize_tiled, tile_starts

from .conftest import smooth_image


@pytest.fixture(scope="module")
def net() -> JohnsonNet:
    """A small JohnsonNet with random, deterministic weights and non-default norm parameters."""
    keras.utils.set_random_seed(7)
    model = JohnsonNet(width=0.25)
    model(np.zeros((1, 32, 32, 3), "float32"))
    rng = np.random.default_rng(3)
    for layer in model.norms:
        channels = layer.gamma.shape[0]
        layer.gamma.assign(1.0 + 0.5 * rng.standard_normal(channels).astype("float32"))
        layer.beta.assign(0.3 * rng.standard_normal(channels).astype("float32"))
    return model


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    """192x256, dark on the left and bright on the right, so tiles' own statistics differ."""
    img = smooth_image(np.random.default_rng(1), 192, 256)
    return np.clip(img * np.linspace(0.3, 1.2, 256)[None, :, None], 0, 255).astype(np.float32)


@pytest.fixture(scope="module")
def untiled(net, image) -> np.ndarray:
    return np.asarray(net(image[None]))[0]


class OwnStatistics:
    """Wraps a net so every tile is normalized with its own statistics (naive tiling)."""

    def __init__(self, net):
        self.net = net

    def __call__(self, images, stats=None):
        return self.net(images)

    def norm_stats(self, images):
        return self.net.norm_stats(images)


@pytest.fixture(scope="module")
def tiled(net, image) -> np.ndarray:
    return stylize_tiled(net, image, tile=128, overlap=32, stats_size=1024)


@pytest.fixture(scope="module")
def naive(net, image) -> np.ndarray:
    return stylize_tiled(OwnStatistics(net), image, tile=128, overlap=32)


def test_tiled_matches_untiled(image, untiled, tiled):
    assert tiled.shape == image.shape and tiled.dtype == np.float32
    quality, max_error = psnr(tiled, untiled), float(np.abs(tiled - untiled).max())
    print(f"tiled vs untiled: PSNR {quality:.2f} dB, max abs error {max_error:.2f}")
    assert quality >= 35.0, quality
    assert max_error < 40.0, max_error


def test_shared_statistics_matter(untiled, tiled, naive):
    shared, own = psnr(tiled, untiled), psnr(naive, untiled)
    print(f"shared statistics: {shared:.2f} dB, per-tile statistics: {own:.2f} dB")
    assert own < 30.0
    assert shared > own + 10.0


def test_downscaled_statistics_stay_close(net, image, untiled, naive):
    # Statistics of a 128-px copy: not exact, but far better than per-tile statistics.
    small = psnr(stylize_tiled(net, image, tile=128, overlap=32, stats_size=128), untiled)
    print(f"statistics from a 128-px copy: {small:.2f} dB")
    assert small > psnr(naive, untiled) + 3.0


def test_one_tile_is_exactly_untiled(net, image, untiled):
    out = stylize_tiled(net, image, tile=256, overlap=64)
    np.testing.assert_allclose(out, untiled, atol=1e-3)
    # A size that is not a multiple of 4: the untiled run of the reflect-padded image.
    odd = image[:101, :90]
    padded = np.pad(odd, ((0, 3), (0, 2), (0, 0)), mode="reflect")
    expected = np.asarray(net(padded[None]))[0, :101, :90]
    np.testing.assert_allclose(stylize_tiled(net, odd, tile=128, overlap=32), expected, atol=1e-3)


@pytest.mark.parametrize("tile, overlap", [(64, 0), (100, 20), (512, 64)])
def test_odd_sizes_keep_shape(net, tile, overlap):
    img = smooth_image(np.random.default_rng(5), 131, 197)
    out = stylize_tiled(net, img, tile=tile, overlap=overlap)
    assert out.shape == (131, 197, 3) and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 255.0


def test_tile_rounded_down_to_multiple_of_4(net, image, tiled):
    np.testing.assert_array_equal(stylize_tiled(net, image, tile=130, overlap=32), tiled)


def test_progress_bar(net, capsys):
    img = smooth_image(np.random.default_rng(6), 96, 100)
    stylize_tiled(net, img, tile=64, overlap=8, progress=True)
    assert "tiles" in capsys.readouterr().err


@pytest.mark.parametrize(
    "options",
    [
        {"tile": 60},
        {"tile": 0},
        {"tile": 128.0},
        {"tile": True},
        {"overlap": -1},
        {"overlap": 8.5},
        {"stats_size": 16},
    ],
)
def test_bad_options(net, options):
    with pytest.raises(OptionError) as exc_info:
        stylize_tiled(net, np.zeros((64, 64, 3), np.float32), **options)
    message = str(exc_info.value)
    assert "\n" not in message and message.split()[0] == next(iter(options)), message


@pytest.mark.parametrize("tile, overlap", [(64, 32), (66, 32), (64, 64), (100, 64), (135, 64), (512, 256)])
def test_overlap_adapts_to_small_tiles(net, tile, overlap):
    """The default overlap (64) with a small tile, or any overlap over half the tile, shrinks to fit: no error."""
    img = smooth_image(np.random.default_rng(8), 100, 600)
    out = stylize_tiled(net, img, tile=tile, overlap=overlap)
    assert out.shape == img.shape and np.isfinite(out).all()
    kept = min(overlap, max_overlap(tile - tile % 4))
    np.testing.assert_array_equal(out, stylize_tiled(net, img, tile=tile, overlap=kept))  # the largest that fits

@pytest.mark.parametrize("shape", [(64, 64), (64, 64, 4), (8, 64, 3), (1, 64, 64, 3)])
def test_bad_images(net, shape):
    with pytest.raises(ImageError):
        stylize_tiled(net, np.zeros(shape, np.float32))


@pytest.mark.parametrize(
    "size, tile, overlap",
    [(192, 128, 32), (256, 128, 32), (2160, 512, 64), (3840, 512, 64), (131, 64, 16), (1001, 100, 7), (100, 128, 0),
     (5000, 64, 64), (20000, 100, 64), (300, 132, 200), (68, 64, 28)],
)
def test_tile_layout(size, tile, overlap):
    tile -= tile % 4
    starts, length = tile_starts(size, tile, overlap)
    padded = -(-size // 4) * 4
    assert length == min(tile, padded)  # every tile has the same shape
    assert starts[0] == 0 and starts[-1] + length == padded  # covers the image
    assert all(s % 4 == 0 for s in starts)  # aligned with the network's downsampling
    kept = min(overlap, max_overlap(tile))  # a small window keeps the largest overlap under half of it
    assert all(b - a <= length - kept for a, b in zip(starts, starts[1:]))  # overlap honoured
    weights = np.zeros(size)
    for start, w in zip(starts, axis_weights(starts, length, size)):
        weights[start : start + len(w)] += w
    np.testing.assert_allclose(weights, 1.0, rtol=1e-5)


@pytest.mark.parametrize("height, width", [(2160, 3840), (4320, 7680), (3000, 2000), (700, 900), (5000, 300)])
def test_fit_tile_keeps_windows_in_budget_with_little_overlap(height, width):
    from tfstyle.runtime.tiling import TileGrid, fit_tile

    budget, max_width = 3_000_000, 4096
    tile_h, tile_w = fit_tile(height, width, budget, max_width, overlap=64)
    grid = TileGrid(height, width, (tile_h, tile_w), 64)
    assert grid.tile_h * grid.tile_w <= budget and grid.tile_w <= max_width
    computed = len(grid.ys) * len(grid.xs) * grid.tile_h * grid.tile_w
    if height * width <= budget:
        assert len(grid.ys) == len(grid.xs) == 1
    if (height, width) == (2160, 3840):  # 4K: three full-width strips, 1.06x the pixels (1536 px squares: 1.7x)
        assert (len(grid.ys), len(grid.xs)) == (3, 1) and computed / (height * width) < 1.07
