"""Style and content distances: numbers to compare stylization results with.

Both distances are *relative* errors of VGG19 statistics, so they have no units and
do not depend on image size, brightness scale of the features or the number of layers:

* :func:`style_distance` -- mean over :data:`STYLE_LAYERS` of
  ``||G(image) - G(style)||_F / ||G(style)||_F`` where ``G`` is the Gram matrix of the
  layer's features (:func:`tfstyle.perceptual.losses.gram_matrix`, divided by the number of
  positions). Gram matrices do not depend on the image size, so ``image`` and ``style``
  may have different sizes. 0 means identical style statistics.
* :func:`content_distance` -- ``||F(image) - F(content)||_F / ||F(content)||_F`` with
  ``F`` the features at :data:`CONTENT_LAYER`. Both images must have the same size.

Lower is better for both; a stylization trades one against the other. Scoring the
unchanged content image gives the baseline (content distance 0, the content's own
style distance).

To score many images against one style, build a :class:`Scorer` once: it keeps the
style's Gram matrices, and :meth:`Scorer.features` lets an image's VGG features be
computed once and reused (for example a content image used as the reference of many
stylizations). All layers come from one VGG19 pass (the extractor is cached).

Two more numbers that style-transfer papers report (both with the same VGG19 weights, no downloads):

* :func:`cfsd` -- content feature structure distance (Chung et al., StyleID, CVPR 2024): the
  KL divergence between the photo's and the output's patch-similarity maps (softmax over every
  position of the feature dot products at :data:`CFSD_LAYER`): 0 when the output keeps which parts
  of the photo resemble which, whatever their colours and textures.
* :func:`histogram_distance` -- the Hellinger distance between the RGB-uv colour histograms
  (Afifi et al., HistoGAN, CVPR 2021) of the output and the painting: 0 for the same colours, at
  most 1.

ArtFID, FID and LPIPS need Inception / AlexNet weights that no package installable here ships, so
tfstyle does not report them (nor approximates them with other networks).

Images are anything :func:`tfstyle.image.io.load_image` accepts (paths, Pillow images,
``HxWx3`` arrays in ``[0, 255]``), plus ``(1, H, W, 3)`` arrays or tensors such as a
network's output. Images are scored at the size they have: resize them first if
you want a particular scale (style statistics depend on how large brush strokes are
relative to VGG's receptive fields).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from tfstyle.errors import OptionError
from tfstyle.image.io import ImageLike, load_image
from tfstyle.image.similarity import ssim  # public here too: tfstyle.perceptual.metrics.ssim
from tfstyle.perceptual.vgg import CONTENT_LAYER, STYLE_LAYERS

__all__ = [
    "CFSD_LAYER",
    "CONTENT_LAYER",
    "STYLE_LAYERS",
    "ImageFeatures",
    "Scorer",
    "cfsd",
    "content_distance",
    "hellinger",
    "histogram_distance",
    "patch_similarity_kl",
    "psnr",
    "rgb_uv_histogram",
    "ssim",
    "style_distance",
]


Weights = str | os.PathLike | None

#: CFSD's layer: relu3_1, the one StyleID's evaluation uses (``vgg19.features[:12]`` in torchvision).
CFSD_LAYER = "block3_conv1"
#: Keras' VGG19 (Caffe weights) takes pixels in [0, 255]; torchvision's, on which StyleID defined CFSD,
#: takes ``(x / 255 - mean) / std`` (std about 0.226): its activations are about this much smaller. CFSD's
#: softmax is not scale-free, so the features are divided by it to stay near the paper's numbers.
#: The two networks' weights differ, so values are comparable within tfstyle, not digit for digit
#: with published tables.
CFSD_FEATURE_SCALE = 255.0 * 0.226
#: HistoGAN's RGB-uv histogram as StyleID's evaluation computes it: 64 bins per axis over
#: [-3, 3] of log-chroma, inverse-quadratic kernel of width 0.02, pixels weighted by their
#: intensity, images larger than 256 px resized (bilinearly) to 256x256.
HISTOGRAM_BINS, HISTOGRAM_BOUNDS, HISTOGRAM_SIGMA, HISTOGRAM_SIZE = 64, (-3.0, 3.0), 0.02, 256
_EPS = 1e-6  # HistoGAN's guard inside the logarithms and the normalisation


@dataclass(frozen=True)
class ImageFeatures:
    """VGG19 statistics of one image, as :meth:`Scorer.features` returns them.

    Attributes:
        grams: Gram matrix ``(C, C)`` (``float32``) of each layer of :data:`STYLE_LAYERS`, in order.
        content: activations ``(h, w, 512)`` (``float32``) at :data:`CONTENT_LAYER`.
        size: ``(height, width)`` of the image they were computed from.
        structure: activations ``(h, w, 256)`` (``float32``) at :data:`CFSD_LAYER`, for :func:`cfsd`.
    """

    grams: tuple[np.ndarray, ...]
    content: np.ndarray
    size: tuple[int, int]
    structure: np.ndarray | None = None


def _as_image(image: ImageLike, max_size: int | None = None) -> np.ndarray:
    """``load_image``, also accepting a batch of one and array-likes such as tensors."""
    if not isinstance(image, (str, os.PathLike, Image.Image, np.ndarray)) and hasattr(image, "__array__"):
        image = np.asarray(image)  # tensors of any backend
    if isinstance(image, np.ndarray) and image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    return load_image(image, max_size=max_size)


def _relative(difference: float, reference: float) -> float:
    if reference > 0.0:
        return difference / reference
    return 0.0 if difference == 0.0 else float("inf")


def _frobenius(array: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(array, np.float64).ravel()))


class Scorer:
    """Scores images against one style image, keeping the style's Gram matrices.

    Args:
        style: the style image (anything :func:`~tfstyle.image.io.load_image` accepts).
        weights: VGG19 weights, see :func:`tfstyle.perceptual.vgg.resolve_weights`.
        style_size: if given, the style image is first shrunk so its longer side is at
            most this (never enlarged), as ``load_image(style, max_size=style_size)``.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> style = rng.uniform(0, 255, (32, 32, 3))
        >>> photo = np.full((32, 48, 3), 120.0)
        >>> scorer = Scorer(style)
        >>> scorer.style_distance(style)
        0.0
        >>> scores = scorer.score(photo, photo)
        >>> scores["content"], scores["style"] > 0.5
        (0.0, True)
    """

    def __init__(self, style: ImageLike, weights: Weights = None, *, style_size: int | None = None):
        self.weights = weights
        # Straight to VGG19: loading the loaded array again could re-scale a dark float image.
        style_array = _as_image(style, max_size=style_size)
        self.style_features = _features(style_array, weights)
        self.style_grams = self.style_features.grams
        self._style_norms = tuple(_frobenius(g) for g in self.style_grams)
        self.style_histogram = _histogram(style_array)

    # -- features -------------------------------------------------------------

    def features(self, image: ImageLike | ImageFeatures) -> ImageFeatures:
        """VGG19 statistics of ``image`` (one forward pass); an :class:`ImageFeatures` passes through."""
        if isinstance(image, ImageFeatures):
            return image
        return _features(_as_image(image), self.weights)

    # -- distances ------------------------------------------------------------

    def style_layer_distances(self, image: ImageLike | ImageFeatures) -> dict[str, float]:
        """Relative Gram error ``||G(image) - G(style)||_F / ||G(style)||_F`` of each style layer."""
        grams = self.features(image).grams
        return {
            name: _relative(_frobenius(g - s), norm)
            for name, g, s, norm in zip(STYLE_LAYERS, grams, self.style_grams, self._style_norms)
        }

    def style_distance(self, image: ImageLike | ImageFeatures) -> float:
        """Mean over :data:`STYLE_LAYERS` of the relative Gram error to the style (0 = same style)."""
        return float(np.mean(list(self.style_layer_distances(image).values())))

    def content_distance(self, image: ImageLike | ImageFeatures, content: ImageLike | ImageFeatures) -> float:
        """Relative feature error at :data:`CONTENT_LAYER`; same as :func:`content_distance`."""
        return _content_distance(self.features(image), self.features(content))

    def score(self, image: ImageLike | ImageFeatures, content: ImageLike | ImageFeatures) -> dict[str, float]:
        """``{"style": style_distance(image), "content": content_distance(image, content)}``.

        ``image`` goes through VGG19 once for both numbers.
        """
        image_features = self.features(image)
        return {
            "style": self.style_distance(image_features),
            "content": self.content_distance(image_features, content),
        }

    def cfsd(self, image: ImageLike | ImageFeatures, content: ImageLike | ImageFeatures) -> float:
        """:func:`cfsd` of ``image`` to the photo ``content`` (features reused when given)."""
        image_features, content_features = self.features(image), self.features(content)
        _check_same_size(image_features.size, content_features.size)
        return patch_similarity_kl(image_features.structure, content_features.structure, scale=CFSD_FEATURE_SCALE)

    def histogram_distance(self, image: ImageLike) -> float:
        """:func:`histogram_distance` of ``image`` to this scorer's style image (its histogram kept)."""
        return hellinger(rgb_uv_histogram(image), self.style_histogram)

    def report(self, image: ImageLike, content: ImageLike,
               content_features: ImageFeatures | None = None) -> dict[str, float]:
        """Every number at once: ``style``, ``content``, ``ssim`` (to the photo), ``cfsd`` and ``histogram``.

        ``image`` and ``content`` are pixels (SSIM and the histogram need them); pass the photo's
        :meth:`features` as ``content_features`` to reuse them across many outputs.
        """
        # Loaded once: loading a loaded float array again would re-scale a dark one (max <= 1).
        image_array, content_array = _as_image(image), _as_image(content)
        image_features = _features(image_array, self.weights)
        content_features = content_features or _features(content_array, self.weights)
        return {
            **self.score(image_features, content_features),
            "ssim": ssim(image_array, content_array),
            "cfsd": self.cfsd(image_features, content_features),
            "histogram": hellinger(_histogram(image_array), self.style_histogram),
        }


def _check_same_size(image: Sequence[int], content: Sequence[int]) -> None:
    if tuple(image[:2]) != tuple(content[:2]):
        raise OptionError(
            f"content_distance needs images of the same size, got {image[0]}x{image[1]} "
            f"and {content[0]}x{content[1]} (height x width); resize or crop one of them"
        )


def _content_distance(image: ImageFeatures, content: ImageFeatures) -> float:
    _check_same_size(image.size, content.size)
    return _relative(_frobenius(image.content - content.content), _frobenius(content.content))


def _features(image: np.ndarray, weights: Weights) -> ImageFeatures:
    from keras import ops

    from tfstyle.perceptual.losses import gram_matrix
    from tfstyle.perceptual.vgg import vgg19_features

    extractor = vgg19_features(STYLE_LAYERS + (CONTENT_LAYER,), weights=weights)  # CFSD_LAYER is a style layer
    outputs = extractor(image[None].astype(np.float32), training=False)
    grams = tuple(
        np.asarray(ops.convert_to_numpy(gram_matrix(ops.cast(outputs[name], "float32"))))[0] for name in STYLE_LAYERS
    )
    content = np.asarray(ops.convert_to_numpy(ops.cast(outputs[CONTENT_LAYER], "float32")))[0]
    structure = np.asarray(ops.convert_to_numpy(ops.cast(outputs[CFSD_LAYER], "float32")))[0]
    return ImageFeatures(grams=grams, content=content, size=(int(image.shape[0]), int(image.shape[1])),
                         structure=structure)


def style_distance(image: ImageLike, style: ImageLike, *, weights: Weights = None) -> float:
    """Relative Gram-matrix error of ``image`` to ``style``, averaged over :data:`STYLE_LAYERS`.

    ``mean_l ||G_l(image) - G_l(style)||_F / ||G_l(style)||_F``; 0 means identical style
    statistics. The two images may have different sizes. To score many images against
    one style, use :class:`Scorer` (it computes the style's Grams once).

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> noise = rng.uniform(0, 255, (32, 32, 3))
        >>> style_distance(noise, noise)
        0.0
        >>> style_distance(np.full((48, 32, 3), 120.0), noise) > 0.5
        True
    """
    return Scorer(style, weights=weights).style_distance(image)


def content_distance(image: ImageLike, content: ImageLike, *, weights: Weights = None) -> float:
    """Relative error of ``image``'s VGG19 :data:`CONTENT_LAYER` features to ``content``'s.

    ``||F(image) - F(content)||_F / ||F(content)||_F``; 0 means the same content features.
    Both images must have the same height and width, else :class:`~tfstyle.errors.OptionError`.

    Example:
        >>> import numpy as np
        >>> photo = np.full((32, 32, 3), 120.0)
        >>> content_distance(photo, photo)
        0.0
        >>> content_distance(np.zeros((32, 48, 3)), photo)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tfstyle.errors.OptionError: content_distance needs images of the same size, got 32x48 and 32x32 ...
    """
    image_array, content_array = _as_image(image), _as_image(content)
    _check_same_size(image_array.shape, content_array.shape)  # fail before running VGG19
    return _content_distance(_features(image_array, weights), _features(content_array, weights))


def psnr(image: np.ndarray, reference: np.ndarray, peak: float = 255.0) -> float:
    """Peak signal-to-noise ratio of ``image`` against ``reference`` in dB (``inf`` if identical).

    Used to compare a converted or quantized model's output with the float model's.

    Example:
        >>> import numpy as np
        >>> a = np.zeros((4, 4, 3)); b = a.copy(); b[0, 0, 0] = 255.0
        >>> round(psnr(b, a), 2)
        16.81
    """
    image, reference = np.asarray(image, np.float64), np.asarray(reference, np.float64)
    if image.shape != reference.shape:
        raise OptionError(f"psnr needs arrays of the same shape, got {image.shape} and {reference.shape}")
    mse = float(np.mean((image - reference) ** 2))
    return float("inf") if mse == 0 else float(10.0 * np.log10(peak**2 / mse))


def _rows_kl(logits_p: np.ndarray, logits_q: np.ndarray) -> float:
    """``sum_i KL(softmax(logits_p[i]) || softmax(logits_q[i]))`` over rows of float32 logits (overwritten).

    Written as ``sum_j p_j (x_j - y_j) - lse(x) + lse(y)`` on max-shifted logits, so each row is read a few
    times and no log-probability array is made; sums accumulate in float64. Against a float64 computation
    it differs by ~4e-5 (relative) on 384 px images and takes ~1/5 of the time of scipy's ``logsumexp``.
    """
    logits_p -= logits_p.max(axis=1, keepdims=True)
    logits_q -= logits_q.max(axis=1, keepdims=True)
    weights = np.exp(logits_p)
    norm_p = weights.sum(axis=1, dtype=np.float64)
    norm_q = np.exp(logits_q).sum(axis=1, dtype=np.float64)
    logits_p -= logits_q
    expected = np.einsum("ij,ij->i", weights, logits_p, dtype=np.float64) / norm_p
    return float(np.sum(expected - np.log(norm_p) + np.log(norm_q)))


def patch_similarity_kl(output: np.ndarray, content: np.ndarray, *, scale: float = 1.0) -> float:
    """CFSD's formula on two feature maps ``(h, w, C)``: ``sum_i KL(P_content[i] || P_output[i])``.

    ``P[i] = softmax_j(f_i . f_j / C^2)`` over all positions ``j`` (``f`` the features divided by
    ``scale``), the patch-similarity map of StyleID; the KL divergences of the rows are summed
    (PyTorch's ``kl_div(..., reduction="batchmean")`` on a batch of one), so the value grows with
    the number of positions: compare images of one size. Rows are processed in blocks (a 512 px
    image has 16,384 positions: the full maps would take 1 GB each).

    Example (two positions, one channel; the output's map is uniform):
        >>> import math
        >>> p = math.e / (math.e + 1)
        >>> expected = p * math.log(2 * p) + (1 - p) * math.log(2 * (1 - p))
        >>> got = patch_similarity_kl(np.zeros((1, 2, 1)), np.array([[[1.0], [0.0]]]))
        >>> abs(got - expected) < 1e-6  # float32 products, float64 sums
        True
    """
    a, b = np.asarray(output, np.float64), np.asarray(content, np.float64)
    if a.shape != b.shape or a.ndim != 3:
        raise OptionError(f"patch_similarity_kl needs two (h, w, C) maps of one shape, got {a.shape} and {b.shape}")
    channels = a.shape[-1]
    # StyleID divides the features by C before the dot products: logits f_i . f_j / C^2.
    out = (a.reshape(-1, channels) / (scale * channels)).astype(np.float32)
    ref = (b.reshape(-1, channels) / (scale * channels)).astype(np.float32)
    total = 0.0
    for start in range(0, out.shape[0], 1024):
        logits_ref = ref[start:start + 1024] @ ref.T
        logits_out = out[start:start + 1024] @ out.T
        total += _rows_kl(logits_ref, logits_out)
    return max(total, 0.0)  # a KL divergence: rounding may leave -1e-12 for identical maps


def cfsd(image: ImageLike, content: ImageLike, *, weights: Weights = None) -> float:
    """Content feature structure distance of ``image`` to the photo ``content`` (StyleID, CVPR 2024).

    :func:`patch_similarity_kl` of the VGG19 :data:`CFSD_LAYER` (relu3_1) features, divided by
    :data:`CFSD_FEATURE_SCALE`. 0 when the output keeps the photo's self-similarity structure;
    lower is better. Both images must have the same size (it is summed over positions, so
    compare at one size; StyleID reports it at 512x512).

    Example:
        >>> photo = np.random.default_rng(0).uniform(0, 255, (32, 32, 3))
        >>> cfsd(photo, photo)
        0.0
        >>> cfsd(photo[::-1], photo) > 0
        True
    """
    image_array, content_array = _as_image(image), _as_image(content)
    _check_same_size(image_array.shape, content_array.shape)
    return patch_similarity_kl(_features(image_array, weights).structure, _features(content_array, weights).structure,
                               scale=CFSD_FEATURE_SCALE)


def rgb_uv_histogram(image: ImageLike) -> np.ndarray:
    """HistoGAN's RGB-uv histogram of ``image``: ``(3, 64, 64)`` float64, summing to 1.

    For each channel ``c`` of R, G, B, a 2-D histogram of the log-chroma pair
    ``(log(c) - log(c'), log(c) - log(c''))`` (the other two channels, in RGB order) over 64 bins
    spanning [-3, 3], each pixel spread over the bins by the inverse-quadratic kernel
    ``1 / (1 + (d / 0.02)^2)`` and weighted by its intensity ``sqrt(R^2 + G^2 + B^2)``; values in
    [0, 1]; images larger than 256 px are resized to 256x256 first (:data:`HISTOGRAM_SIZE`).

    Example (a grey image: every log-chroma is 0, the three channels' histograms are equal):
        >>> h = rgb_uv_histogram(np.full((16, 16, 3), 128.0))
        >>> h.shape, round(float(h.sum()), 6), bool(np.allclose(h[0], h[2]))
        ((3, 64, 64), 1.0, True)
    """
    return _histogram(_as_image(image))


def _histogram(image: np.ndarray) -> np.ndarray:
    """:func:`rgb_uv_histogram` of a loaded ``(H, W, 3)`` array in [0, 255]."""
    pixels = image / 255.0
    if max(pixels.shape[:2]) > HISTOGRAM_SIZE:
        from keras import ops

        # As StyleID's evaluation: torch's bilinear interpolate (no antialiasing) to a square.
        pixels = np.asarray(ops.convert_to_numpy(ops.image.resize(
            pixels[None].astype(np.float32), (HISTOGRAM_SIZE, HISTOGRAM_SIZE), interpolation="bilinear",
            antialias=False)))[0]
    flat = np.clip(pixels.reshape(-1, 3).astype(np.float64), 0.0, 1.0)
    intensity = np.sqrt(np.sum(flat**2, axis=1) + _EPS)[:, None]
    logs = np.log(flat + _EPS)
    centres = np.linspace(*HISTOGRAM_BOUNDS, HISTOGRAM_BINS)

    def kernel(values):
        # float32 products: 8x faster than float64, and far below the histogram's own resolution.
        return (1.0 / (1.0 + ((values[:, None] - centres[None]) / HISTOGRAM_SIGMA) ** 2)).astype(np.float32)

    hist = np.stack([
        (intensity.astype(np.float32) * kernel(logs[:, c] - logs[:, u])).T @ kernel(logs[:, c] - logs[:, v])
        for c, u, v in ((0, 1, 2), (1, 0, 2), (2, 0, 1))
    ]).astype(np.float64)
    return hist / (hist.sum() + _EPS)


def hellinger(p: np.ndarray, q: np.ndarray) -> float:
    """Hellinger distance ``||sqrt(p) - sqrt(q)||_2 / sqrt(2)`` of two histograms summing to 1 (in [0, 1]).

    Example:
        >>> hellinger(np.array([1.0, 0.0]), np.array([0.0, 1.0])), hellinger(np.ones(4) / 4, np.ones(4) / 4)
        (1.0, 0.0)
    """
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    if p.shape != q.shape:
        raise OptionError(f"hellinger needs two histograms of one shape, got {p.shape} and {q.shape}")
    return float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2.0))


def histogram_distance(image: ImageLike, style: ImageLike) -> float:
    """Colour-histogram distance of ``image`` to the painting ``style`` (HistoGAN, as StyleID reports it).

    :func:`hellinger` of their :func:`rgb_uv_histogram` s: 0 for the same colour distribution,
    1 for disjoint ones; lower is better. The images may have different sizes.

    Example:
        >>> red, blue = np.zeros((16, 16, 3)), np.zeros((16, 16, 3))
        >>> red[..., 0], blue[..., 2] = 200.0, 200.0
        >>> histogram_distance(red, red), histogram_distance(red, blue) > 0.9
        (0.0, True)
    """
    return hellinger(rgb_uv_histogram(image), rgb_uv_histogram(style))
