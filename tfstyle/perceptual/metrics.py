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
from tfstyle.image.similarity import ssim  # noqa: F401  (public here: tfstyle.perceptual.metrics.ssim)
from tfstyle.perceptual.vgg import CONTENT_LAYER, STYLE_LAYERS

__all__ = [
    "STYLE_LAYERS",
    "CONTENT_LAYER",
    "ImageFeatures",
    "Scorer",
    "style_distance",
    "content_distance",
    "psnr",
    "ssim",
]


Weights = str | os.PathLike | None


@dataclass(frozen=True)
class ImageFeatures:
    """VGG19 statistics of one image, as :meth:`Scorer.features` returns them.

    Attributes:
        grams: Gram matrix ``(C, C)`` (``float32``) of each layer of :data:`STYLE_LAYERS`, in order.
        content: activations ``(h, w, 512)`` (``float32``) at :data:`CONTENT_LAYER`.
        size: ``(height, width)`` of the image they were computed from.
    """

    grams: tuple[np.ndarray, ...]
    content: np.ndarray
    size: tuple[int, int]


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
        self.style_features = _features(_as_image(style, max_size=style_size), weights)
        self.style_grams = self.style_features.grams
        self._style_norms = tuple(_frobenius(g) for g in self.style_grams)

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

    extractor = vgg19_features(STYLE_LAYERS + (CONTENT_LAYER,), weights=weights)
    outputs = extractor(image[None].astype(np.float32), training=False)
    grams = tuple(
        np.asarray(ops.convert_to_numpy(gram_matrix(ops.cast(outputs[name], "float32"))))[0] for name in STYLE_LAYERS
    )
    content = np.asarray(ops.convert_to_numpy(ops.cast(outputs[CONTENT_LAYER], "float32")))[0]
    return ImageFeatures(grams=grams, content=content, size=(int(image.shape[0]), int(image.shape[1])))


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
