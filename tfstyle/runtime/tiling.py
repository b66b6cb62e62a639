"""Stylizing images too large for one pass of a feed-forward network, tile by tile.

A :class:`~tfstyle.models.johnson.JohnsonNet` run on a 4K or 8K photo at once needs
gigabytes of activations (the first layers hold 32 float32 channels per pixel, over 1 GB
at 4K for each of them).  :func:`stylize_tiled` instead runs the network on one
``tile x tile`` window at a time and blends the overlapping windows, so peak memory is
bounded by the tile size plus the input and output images.

Two things make the tiles agree with each other (and with an untiled run):

* **Shared statistics.**  Instance normalization would otherwise normalize each tile
  with its own mean and variance, so a dark tile and a bright tile would be stylized
  differently and the grid would show.  Every tile is normalized with the statistics of
  the whole image instead (:meth:`JohnsonNet.norm_stats` of a downscaled copy).
* **Aligned, blended windows.**  Tiles start at multiples of 4 (the network downsamples
  twice by 2), so each tile computes exactly the features of the whole image except
  within the network's receptive field (~55 px) of the tile's cut edges.  Overlapping
  tiles are averaged with raised-cosine weights that fall to zero at the cut edges, which
  hides those edge errors and leaves no seams.

Every tile has the same shape (edge tiles are shifted inwards, not shrunk), so on
TensorFlow one ``tf.function`` traced once serves every tile.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from tfstyle.errors import ImageError, OptionError
from tfstyle.image.io import MIN_SIDE, check_rgb_array, resize_image

__all__ = ["stylize_tiled", "fit_tile", "max_overlap"]

ALIGN = 4  # the networks downsample by 4: tiles start and end on multiples of this


#: Default overlap of neighbouring tiles and long side of the copy whole-image statistics come from.
DEFAULT_OVERLAP, DEFAULT_STATS_SIZE = 64, 1024


def stylize_tiled(
    net: Any,
    image: np.ndarray,
    *,
    tile: int = 512,
    overlap: int = DEFAULT_OVERLAP,
    stats_size: int = DEFAULT_STATS_SIZE,
    progress: bool = False,
) -> np.ndarray:
    """Stylize a large ``image`` with ``net`` one overlapping tile at a time.

    Args:
        net: a feed-forward stylization network such as
            :class:`~tfstyle.models.johnson.JohnsonNet` (or its LiteRT files,
            :class:`tfstyle.runtime.preset_files.LiteNet`): ``net(images, stats=...)`` maps
            float32 ``(B, H, W, 3)`` in ``[0, 255]`` to the same shape, and
            ``net.norm_stats(images)`` returns its instance-norm statistics.
        image: float32 ``(H, W, 3)`` RGB array in ``[0, 255]`` (other real dtypes are
            converted; it is not modified).
        tile: side of the square windows the network sees, or ``(height, width)`` of
            rectangular ones (e.g. strips as wide as the image, :func:`fit_tile`); at least
            64, rounded down to a multiple of 4.  Memory grows with the tile's area; larger
            tiles waste less work on overlaps.
        overlap: pixels shared by neighbouring tiles (at least 0); tiles are spread evenly,
            so actual overlaps are at least this (rounded up to a multiple of 4).  Along a
            side whose window is at most twice the overlap (small tiles, or thin images'
            strips) the overlap shrinks to the largest that fits (:func:`max_overlap`, about
            half the window); along a side one window covers, none is needed.  The network sees
            ~55 px around each pixel: overlaps of 64 or more make tiled and untiled results
            practically identical.
        stats_size: the whole-image instance-norm statistics are computed on a copy
            of ``image`` downscaled so its long side is at most this (at least 32; a thin
            image's short side is never brought under 16 px).  If
            the image is no larger, tiled and untiled results agree to within the
            blending error; otherwise the statistics of the smaller copy are an
            approximation (fine details have different variance at another scale), and
            a larger ``stats_size`` brings the result closer to an untiled run.
        progress: show a ``tqdm`` progress bar over the tiles.

    Returns:
        float32 ``(H, W, 3)`` in ``[0, 255]``.  If the image fits in one tile it is
        stylized in one pass with its own statistics, exactly as ``net`` would (after
        reflect-padding to a multiple of 4).

    Raises:
        OptionError: ``tile`` (under 64), ``overlap`` (negative) or ``stats_size`` (under 32) is
            out of range.
        ImageError: ``image`` is not ``(H, W, 3)`` or a side is shorter than 16.

    Example:
        >>> import numpy as np
        >>> from tfstyle.models.johnson import JohnsonNet
        >>> net = JohnsonNet(width=0.25)
        >>> image = np.random.default_rng(0).uniform(0, 255, (90, 150, 3)).astype("float32")
        >>> out = stylize_tiled(net, image, tile=64, overlap=16)
        >>> out.shape, out.dtype
        ((90, 150, 3), dtype('float32'))
        >>> bool(out.min() >= 0 and out.max() <= 255)
        True
    """
    tile_h, tile_w = _check_tile(tile)
    overlap = _check_int("overlap", overlap, minimum=0)
    stats_size = _check_int("stats_size", stats_size, minimum=32)

    image = check_rgb_array(image)
    height, width = image.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ImageError(f"image too small to stylize: {width}x{height} (sides must be at least {MIN_SIDE})")
    image = image.astype(np.float32, copy=False)

    if height <= tile_h and width <= tile_w:
        return _stylize_whole(net, image)

    # Whole-image statistics from a copy small enough to run in one pass.
    small = _stats_copy(image, stats_size)
    stats = net.norm_stats(pad_to(small, round_up(small.shape[0]), round_up(small.shape[1]))[None])
    del small

    grid = TileGrid(height, width, (tile_h, tile_w), overlap)
    return grid.paint(image, _tile_runner(net, stats, grid.tile_h, grid.tile_w), progress=progress)


class TileGrid:
    """Overlapping windows covering a ``height x width`` image, and the weights that blend them.

    Windows are ``tile_h x tile_w`` (at most ``tile``: a side, or ``(height, width)``), start on
    multiples of :data:`ALIGN`, are spread evenly with at least ``overlap`` pixels shared (at most
    :func:`max_overlap` of the window: small windows keep a smaller overlap), and blend
    with smooth ramps (:func:`axis_weights`). :func:`stylize_tiled` and the tiled video engines paint with it.

    Example:
        >>> import numpy as np
        >>> grid = TileGrid(100, 180, tile=64, overlap=16)
        >>> out = grid.paint(np.full((100, 180, 3), 7.0, np.float32), lambda batch: batch)
        >>> bool(np.allclose(out, 7.0)), (grid.tile_h, grid.tile_w)
        (True, (64, 64))
    """

    def __init__(self, height: int, width: int, tile: int | tuple[int, int], overlap: int):
        self.height, self.width = height, width
        tile_h, tile_w = _sides(tile)
        self.ys, self.tile_h = tile_starts(height, tile_h, overlap)
        self.xs, self.tile_w = tile_starts(width, tile_w, overlap)
        self.wy, self.wx = axis_weights(self.ys, self.tile_h, height), axis_weights(self.xs, self.tile_w, width)

    def paint(self, image: np.ndarray, run: Callable[[np.ndarray], Any], progress: bool = False) -> np.ndarray:
        """Blend ``run(patch)`` over every window; ``patch`` is ``(1, tile_h, tile_w, 3)`` (edge-padded at
        the image's border), the result ``(1, tile_h, tile_w, 3)`` array-like. Clipped to [0, 255]."""
        result = np.zeros((self.height, self.width, 3), np.float32)
        positions = [(iy, ix) for iy in range(len(self.ys)) for ix in range(len(self.xs))]
        for iy, ix in _progress(positions, progress):
            y0, x0 = self.ys[iy], self.xs[ix]
            y1, x1 = min(y0 + self.tile_h, self.height), min(x0 + self.tile_w, self.width)
            patch = pad_to(image[y0:y1, x0:x1], self.tile_h, self.tile_w)
            out = np.asarray(run(patch[None]))[0, : y1 - y0, : x1 - x0]
            weights = self.wy[iy][:, None, None] * self.wx[ix][None, :, None]
            # In place when the output is the network's own array: no strip-sized temporary to fault in.
            if out.flags.writeable and out.dtype == np.float32 and not np.may_share_memory(out, image) \
                    and not np.may_share_memory(out, patch):
                result[y0:y1, x0:x1] += np.multiply(out, weights, out=out)
            else:
                result[y0:y1, x0:x1] += out * weights
            del patch, out
        np.clip(result, 0.0, 255.0, out=result)
        return result


# --------------------------------------------------------------------------
# helpers


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise OptionError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise OptionError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _sides(tile: Any) -> tuple:
    """``(tile_h, tile_w)`` of a tile given as a side or as a ``(height, width)`` pair (not checked)."""
    return tuple(tile) if isinstance(tile, (tuple, list)) and len(tile) == 2 else (tile, tile)


def _check_tile(tile: Any) -> tuple[int, int]:
    """``(tile_h, tile_w)`` from a side or a pair, each at least 64 and rounded down to a multiple of 4."""
    checked = tuple(_check_int("tile", side, minimum=64) for side in _sides(tile))
    return tuple(side - side % ALIGN for side in checked)


def fit_tile(height: int, width: int, max_pixels: int, max_width: int,
             overlap: int = DEFAULT_OVERLAP) -> tuple[int, int]:
    """The ``(tile_h, tile_w)`` that covers a ``height x width`` image in the fewest windows of at most
    ``max_pixels`` each and at most ``max_width`` wide: the whole image when it fits, else strips as
    wide as the image (up to ``max_width``), each as short as that many strips allow.

    Strips overlap only above and below, so a 4K image costs ~1.06x its pixels in three strips
    where square tiles of the same area cost ~1.7x.

    Example:
        >>> fit_tile(2160, 3840, max_pixels=3_000_000, max_width=4096)
        (764, 3840)
        >>> fit_tile(900, 1200, max_pixels=3_000_000, max_width=4096)
        (900, 1200)
    """
    if height * width <= max_pixels and width <= max_width:
        # One window (a small image still gets one wider than two overlaps: a valid tile).
        return tuple(max(round_up(side), round_up(2 * overlap + 1), 64) for side in (height, width))

    def side(size: int, parts: int) -> int:
        # The shortest tile for which tile_starts gives `parts` windows.
        return round_up(-(-(round_up(size) + (parts - 1) * round_up(overlap)) // parts))

    columns = 1 if width <= max_width else -(-(width - overlap) // (max_width - overlap))
    tile_w = side(width, columns)
    rows = max(1, -(-(height * tile_w) // max_pixels))
    while side(height, rows) * tile_w > max_pixels and side(height, rows) > 2 * overlap + ALIGN:
        rows += 1
    return max(side(height, rows), 64), tile_w


def round_up(size: int) -> int:
    """``size`` rounded up to a multiple of :data:`ALIGN`."""
    return -(-size // ALIGN) * ALIGN


def pad_to(array: np.ndarray, height: int, width: int) -> np.ndarray:
    """Reflect-pad ``array`` (H, W, C) at the bottom and right to ``(height, width)``."""
    pad_h, pad_w = height - array.shape[0], width - array.shape[1]
    if pad_h == 0 and pad_w == 0:
        return array
    return np.pad(array, ((0, pad_h), (0, pad_w), (0, 0)), mode="reflect")


def _to_numpy(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):  # e.g. a LiteRT network (tfstyle.runtime.preset_files.LiteNet): no Keras needed
        return x.astype(np.float32, copy=False)
    from keras import ops

    return np.asarray(ops.convert_to_numpy(x), dtype=np.float32)


def _stats_copy(image: np.ndarray, stats_size: int) -> np.ndarray:
    """``image`` downscaled so its long side is at most ``stats_size``; a thin image's short side stays at 16 px
    or more (its long side then at most ``stats_size ** 2 / 16``, so the copy never has more pixels than a
    ``stats_size`` square)."""
    height, width = image.shape[:2]
    long_side, short_side = max(height, width), min(height, width)
    if long_side <= stats_size:
        return image
    if short_side * stats_size >= MIN_SIDE * long_side:
        return resize_image(image, long_side=stats_size)
    short = min(short_side, MIN_SIDE)
    long = min(round(long_side * short / short_side), stats_size * stats_size // short)
    if (short, long) == (short_side, long_side):
        return image
    return resize_image(image, size=(short, long) if height < width else (long, short))


def _stylize_whole(net: Any, image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    out = _to_numpy(net(pad_to(image, round_up(height), round_up(width))[None]))
    return np.clip(out[0, :height, :width], 0.0, 255.0)


def max_overlap(tile: int) -> int:
    """The largest overlap :func:`tile_starts` keeps for windows of ``tile`` px: the largest under half the
    window, rounded up to a multiple of 4 (so every overlap under half the window keeps its old layout).

    >>> max_overlap(64), max_overlap(100), max_overlap(512)
    (32, 52, 256)
    """
    return max(0, round_up(-(-tile // 2) - 1))


def tile_starts(size: int, tile: int, overlap: int) -> tuple[list[int], int]:
    """Tile starts along one axis (multiples of 4, spread evenly) and the tile length.

    The tiles cover ``[0, round_up(size))``; only the last may reach past ``size`` (by
    less than 4 px, filled by reflection).  Neighbours overlap by at least
    ``min(overlap, max_overlap(tile))``: a small window keeps a smaller overlap instead of
    failing.  ``tile`` must be at least 8 (:func:`stylize_tiled` asks at least 64).
    """
    padded = round_up(size)
    if padded <= tile:
        return [0], padded
    if tile < 2 * ALIGN:
        raise OptionError(f"tile must be at least {2 * ALIGN}, got {tile}")
    stride_units = (tile - min(round_up(overlap), max_overlap(tile))) // ALIGN
    units = (padded - tile) // ALIGN
    intervals = -(-units // stride_units)
    return [ALIGN * (units * k // intervals) for k in range(intervals + 1)], tile


def axis_weights(starts: Sequence[int], length: int, size: int) -> list[np.ndarray]:
    """Per-tile blending weights along one axis, summing to 1 at every pixel.

    A tile's output is wrong near its cut edges (edges on the image border do not
    count), where the network padded instead of seeing the neighbouring pixels.  So in
    an overlap of ``d`` pixels each tile's raw weight is (almost) zero over the outer
    third next to its own cut edge, rises as ``sin^2`` over the middle third and is 1 over
    the inner third: two neighbours' ramps are ``sin^2`` / ``cos^2`` over the middle
    third.  The raw weights are then divided by their sum.
    """
    n = len(starts)
    raw = []
    for k, start in enumerate(starts):
        pos = np.arange(length, dtype=np.float64) + 0.5  # pixel centres from the tile start
        weight = np.ones(length)
        if k > 0:
            ramp = starts[k - 1] + length - start
            weight = np.minimum(weight, _ramp(pos, ramp))
        if k < n - 1:
            ramp = start + length - starts[k + 1]
            weight = np.minimum(weight, _ramp(length - pos, ramp))
        raw.append(weight)
    total = np.zeros(round_up(size) if n > 1 else length)
    for start, weight in zip(starts, raw):
        total[start : start + length] += weight
    return [
        (weight / total[start : start + length])[: min(length, size - start)].astype(np.float32)
        for start, weight in zip(starts, raw)
    ]


def _ramp(distance: np.ndarray, overlap: int) -> np.ndarray:
    """Raw weight at ``distance`` px from a cut edge shared over ``overlap`` px."""
    if overlap <= 0:
        return np.ones_like(distance)
    third = overlap / 3
    # Never exactly 0, so every pixel keeps a positive total weight.
    return np.sin(np.clip(distance / third - 1.0, 0.0, 1.0) * (math.pi / 2)) ** 2 + 1e-6


def _tile_runner(net: Any, stats: Any, height: int, width: int) -> Callable[[np.ndarray], np.ndarray]:
    """``f(batch) -> numpy``: ``net(batch, stats=stats)`` for ``(1, height, width, 3)`` batches.

    On TensorFlow the call is traced once into a ``tf.function`` with a fixed input
    signature: graph execution is faster than eager and every tile reuses one graph.
    ``stats=None`` normalizes each tile with its own statistics (only for comparisons).
    Networks that answer in NumPy (``net.numpy_io``, e.g. :class:`tfstyle.runtime.preset_files.LiteNet`) are
    called as they are, without Keras.
    """
    if getattr(net, "numpy_io", False):
        return lambda batch: _to_numpy(net(batch, stats=stats))
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if stats is not None:
            stats = [(tf.convert_to_tensor(mean), tf.convert_to_tensor(var)) for mean, var in stats]
        spec = tf.TensorSpec((1, height, width, 3), tf.float32)
        graph = tf.function(lambda batch: net(batch, stats=stats), input_signature=[spec], autograph=False)
        return lambda batch: np.asarray(graph(batch), np.float32)
    return lambda batch: _to_numpy(net(batch, stats=stats))


def _progress(items: list, enabled: bool):
    if not enabled:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="tiles", unit="tile")
