"""Colour preservation for neural style transfer.

Implements the two methods of Gatys et al. 2016, "Preserving Color in Neural
Artistic Style Transfer" (arXiv:1606.05897):

* **Colour histogram matching** (:func:`match_color_histogram`): before the
  style transfer, the style image is linearly transformed so that the mean and
  3x3 covariance of its RGB pixels equal those of the content image.
* **Luminance-only transfer** (:func:`luminance`, :func:`match_luminance`,
  :func:`luminance_to_rgb`, :func:`transfer_color`): the style transfer runs on
  the luminance channel only (style luminance matched to the content's), then
  the result's luminance is combined with the I and Q (colour) channels of the
  content image in YIQ space.

Everything here is pure NumPy. Images are float arrays of shape HxWx3, RGB,
with values in [0, 255]; results are float32.
"""

from __future__ import annotations

import numpy as np

from tfstyle.errors import ImageError, OptionError

__all__ = [
    "PRESERVE_COLOR_MODES",
    "check_preserve_color",
    "luminance",
    "luminance_to_rgb",
    "match_color_histogram",
    "match_luminance",
    "rgb_to_yiq",
    "transfer_color",
    "yiq_to_rgb",
]

#: Valid values of the ``preserve_color`` option (besides ``None``/``False``/``True``).
PRESERVE_COLOR_MODES: tuple[str, ...] = ("luminance", "histogram")

# Standard NTSC (FCC) RGB -> YIQ matrix. Rows: Y, I, Q. Y's row sums to 1, so
# white (255, 255, 255) has Y = 255 and I = Q = 0.
_RGB_TO_YIQ = np.array(
    [
        [0.299, 0.587, 0.114],
        [0.595716, -0.274453, -0.321263],
        [0.211456, -0.522591, 0.311135],
    ],
    dtype=np.float64,
)
# Exact inverse (rather than the rounded textbook matrix), so that the two
# conversions round-trip to floating-point precision.
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ)


def _as_pixels(image: np.ndarray, name: str) -> np.ndarray:
    """Return ``image`` as a float64 array whose last axis has length 3."""
    array = np.asarray(image, dtype=np.float64)
    if array.ndim < 1 or array.shape[-1] != 3:
        raise ImageError(f"{name} must have 3 channels on its last axis, got shape {array.shape}")
    return array


def _as_image(image: np.ndarray, name: str) -> np.ndarray:
    """Return ``image`` as a non-empty float64 HxWx3 array, or raise ImageError."""
    array = np.asarray(image, dtype=np.float64)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ImageError(f"{name} must be an HxWx3 RGB image, got shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ImageError(f"{name} is empty (shape {array.shape})")
    return array


def rgb_to_yiq(image: np.ndarray) -> np.ndarray:
    """Convert RGB to NTSC YIQ.

    ``image`` has 3 channels on its last axis (normally HxWx3) with values in
    [0, 255]; Y is then in [0, 255] and I, Q are signed. Returns float32.

    >>> yiq = rgb_to_yiq(np.array([[[255.0, 255.0, 255.0]]]))  # white
    >>> round(float(yiq[0, 0, 0]), 3), bool(np.allclose(yiq[..., 1:], 0.0, atol=1e-3))
    (255.0, True)
    """
    pixels = _as_pixels(image, "image")
    return (pixels @ _RGB_TO_YIQ.T).astype(np.float32)


def yiq_to_rgb(image: np.ndarray) -> np.ndarray:
    """Convert NTSC YIQ back to RGB; the exact inverse of :func:`rgb_to_yiq`.

    No clipping is applied. Returns float32.

    >>> rgb = np.array([[[10.0, 128.0, 250.0]]])
    >>> bool(np.allclose(yiq_to_rgb(rgb_to_yiq(rgb)), rgb, atol=1e-3))
    True
    """
    pixels = _as_pixels(image, "image")
    return (pixels @ _YIQ_TO_RGB.T).astype(np.float32)


def luminance(image: np.ndarray) -> np.ndarray:
    """Return the luminance (YIQ's Y channel) of an HxWx3 RGB image, as HxW float32.

    >>> luminance(np.full((1, 2, 3), 255.0)).tolist()
    [[255.0, 255.0]]
    """
    array = _as_image(image, "image")
    return (array @ _RGB_TO_YIQ[0]).astype(np.float32)


def luminance_to_rgb(luma: np.ndarray) -> np.ndarray:
    """Turn an HxW (or HxWx1) luminance image into an HxWx3 grey RGB image.

    The value is repeated on the three channels, so that a luminance-only image
    can go through a network that expects RGB input. Returns float32.

    >>> luminance_to_rgb(np.array([[0.0, 100.0]])).tolist()
    [[[0.0, 0.0, 0.0], [100.0, 100.0, 100.0]]]
    """
    array = np.asarray(luma, dtype=np.float32)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 2:
        raise ImageError(f"luminance must be an HxW array, got shape {array.shape}")
    return np.repeat(array[..., np.newaxis], 3, axis=-1)


def match_luminance(
    source_luma: np.ndarray, target_luma: np.ndarray, *, eps: float = 1e-6
) -> np.ndarray:
    """Match the mean and standard deviation of ``source_luma`` to ``target_luma``'s.

    Computes ``(source - mean_s) * std_t / std_s + mean_t`` (Gatys et al.
    2016, luminance-only transfer), where a flat source (``std_s`` below
    ``eps``) simply becomes ``mean_t`` everywhere. The two arrays may have
    different shapes; the result has the source's shape, is clipped to
    [0, 255] and is float32.

    >>> match_luminance(np.array([[0.0, 10.0]]), np.array([[100.0, 140.0]])).tolist()
    [[100.0, 140.0]]
    """
    source = np.asarray(source_luma, dtype=np.float64)
    target = np.asarray(target_luma, dtype=np.float64)
    if source.size == 0 or target.size == 0:
        raise ImageError(
            f"cannot match luminance of empty arrays (shapes {source.shape} and {target.shape})"
        )
    mean_s, std_s = source.mean(), source.std()
    mean_t, std_t = target.mean(), target.std()
    result = (source - mean_s) * (std_t / max(std_s, eps)) + mean_t
    return np.clip(result, 0.0, 255.0).astype(np.float32)


def _symmetric_sqrt(cov: np.ndarray, *, inverse: bool = False, eps: float = 0.0) -> np.ndarray:
    """Symmetric square root (or inverse square root) of a symmetric PSD matrix."""
    values, vectors = np.linalg.eigh(cov)
    values = np.clip(values, 0.0, None) + eps
    roots = 1.0 / np.sqrt(values) if inverse else np.sqrt(values)
    return (vectors * roots) @ vectors.T


def match_color_histogram(
    source: np.ndarray, target: np.ndarray, *, eps: float = 1e-5
) -> np.ndarray:
    """Give ``source`` the colour mean and covariance of ``target`` (linear histogram matching).

    This is the colour-histogram-matching method of Gatys et al. 2016 in its
    symmetric "image analogies" form: each pixel ``x`` of ``source`` becomes
    ``A (x - mu_s) + mu_t`` with ``A = C_t^(1/2) C_s^(-1/2)``, where ``mu`` and
    ``C`` are the per-pixel RGB mean and 3x3 covariance, and the matrix square
    roots are the symmetric ones (via eigendecomposition; ``eps`` is added to
    the source's eigenvalues for stability). Typically ``source`` is the style
    image and ``target`` the content image; they may differ in size. The
    result has the source's shape, is clipped to [0, 255] and is float32.

    >>> rng = np.random.default_rng(0)
    >>> style = rng.uniform(50, 100, (8, 8, 3))
    >>> content = rng.uniform(120, 200, (8, 8, 3))
    >>> out = match_color_histogram(style, content)
    >>> bool(np.allclose(out.reshape(-1, 3).mean(0), content.reshape(-1, 3).mean(0), atol=1e-2))
    True
    """
    src = _as_image(source, "source")
    tgt = _as_image(target, "target")
    src_pixels = src.reshape(-1, 3)
    tgt_pixels = tgt.reshape(-1, 3)

    mu_s = src_pixels.mean(axis=0)
    mu_t = tgt_pixels.mean(axis=0)
    centred_s = src_pixels - mu_s
    centred_t = tgt_pixels - mu_t
    cov_s = centred_s.T @ centred_s / len(src_pixels)
    cov_t = centred_t.T @ centred_t / len(tgt_pixels)

    transform = _symmetric_sqrt(cov_t) @ _symmetric_sqrt(cov_s, inverse=True, eps=eps)
    result = centred_s @ transform.T + mu_t
    return np.clip(result, 0.0, 255.0).reshape(src.shape).astype(np.float32)


def transfer_color(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Combine the luminance of ``stylized`` with the colour (I, Q) of ``content``.

    Both are HxWx3 RGB images of the same shape (an :class:`OptionError` naming
    both shapes is raised otherwise). The result keeps Y from ``stylized`` and
    takes I and Q from ``content`` (YIQ space), converted back to RGB, clipped
    to [0, 255], float32. This finishes luminance-only style transfer and also
    works as post-hoc colour preservation for any stylized image.

    Example:
        >>> stylized = np.full((1, 1, 3), 100.0)
        >>> content = np.array([[[150.0, 120.0, 90.0]]])
        >>> out = transfer_color(stylized, content)
        >>> round(float(luminance(out)[0, 0]), 3)
        100.0
    """
    styl = np.asarray(stylized)
    cont = np.asarray(content)
    if styl.shape != cont.shape:
        raise OptionError(
            "transfer_color needs images of the same shape, got stylized "
            f"{styl.shape} and content {cont.shape}"
        )
    styl = _as_image(styl, "stylized")
    cont = _as_image(cont, "content")
    yiq = cont @ _RGB_TO_YIQ.T
    yiq[..., 0] = styl @ _RGB_TO_YIQ[0]
    rgb = yiq @ _YIQ_TO_RGB.T
    return np.clip(rgb, 0.0, 255.0).astype(np.float32)


def check_preserve_color(mode: str | bool | None) -> str | None:
    """Validate the ``preserve_color`` option and return its canonical value.

    ``None`` or ``False`` -> ``None`` (no colour preservation); ``True`` ->
    ``"luminance"``; one of :data:`PRESERVE_COLOR_MODES` (case and surrounding
    spaces ignored) -> that mode. Anything else raises :class:`OptionError`.

    >>> check_preserve_color(True), check_preserve_color(None), check_preserve_color("histogram")
    ('luminance', None, 'histogram')
    """
    if mode is None or mode is False:
        return None
    if mode is True:
        return "luminance"
    if isinstance(mode, str):
        name = mode.strip().lower()
        if name in PRESERVE_COLOR_MODES:
            return name
    raise OptionError(
        "preserve_color must be one of "
        + ", ".join(repr(m) for m in PRESERVE_COLOR_MODES)
        + f", True, False or None; got {mode!r}"
    )
