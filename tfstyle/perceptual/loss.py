"""The VGG19 perceptual loss shared by every tfstyle method.

:class:`PerceptualLoss` owns the VGG19 extractor, the layer choice and the weights;
optimization-based stylization calls it on one image, feed-forward training on a batch.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from keras import ops

from tfstyle.errors import OptionError
from tfstyle.image.blend import normalize_weights
from tfstyle.perceptual import losses
from tfstyle.perceptual.vgg import (
    CONTENT_LAYER,
    JOHNSON_CONTENT_LAYERS,
    JOHNSON_STYLE_LAYER_WEIGHTS,
    JOHNSON_STYLE_LAYERS,
    STYLE_LAYERS,
    vgg19_features,
)

#: Loss presets (the ``loss=`` of the arbitrary-style trainer and of :func:`tfstyle.fit_style`).
#: ``"johnson"``: the fast method's layers and units (:data:`~tfstyle.perceptual.vgg.JOHNSON_STYLE_LAYERS`, Grams
#: weighted by 1/C^2). ``"relative"``: each pair's squared relative errors
#: (:func:`tfstyle.perceptual.losses.style_loss`), Grams at Gatys et al.'s relu1_1 .. relu5_1 and content at
#: relu4_2 (the layers of :mod:`tfstyle.perceptual.metrics`), so every painting and every layer counts the same
#: whatever its brightness or contrast (the absolute loss lets high-contrast paintings dominate a
#: batch); its weights are of order 1.
LOSS_PRESETS = {
    "johnson": {"content_layers": JOHNSON_CONTENT_LAYERS, "style_layers": JOHNSON_STYLE_LAYERS,
                "style_layer_weights": JOHNSON_STYLE_LAYER_WEIGHTS, "relative": False},
    "relative": {"content_layers": (CONTENT_LAYER,), "style_layers": STYLE_LAYERS,
                 "style_layer_weights": None, "relative": True},
}


class PerceptualLoss:
    """Content + style + total-variation loss on VGG19 features.

    ``total = content_weight * content + style_weight * style + tv_weight * tv`` where
    ``content`` and ``style`` are layer-weighted means (layer weights are normalised to
    sum to 1) and images are RGB floats in [0, 255].

    With ``relative=True`` the content and style terms are each sample's squared relative
    errors (see :func:`tfstyle.perceptual.losses.style_loss`), so they are about 1 for an unrelated image
    whatever the layers, the image or the painting.

    Example:
        >>> import numpy as np
        >>> loss = PerceptualLoss(style_layers=["block1_conv1"], content_layers=["block1_conv2"])
        >>> style = loss.style_targets([np.full((32, 32, 3), 128.0, "float32")])
        >>> content = loss.content_targets(np.zeros((1, 32, 32, 3), "float32"))
        >>> terms = loss(np.zeros((1, 32, 32, 3), "float32"), content, style)
        >>> sorted(terms)
        ['content', 'style', 'total', 'tv']
        >>> float(terms["content"]) == 0.0
        True
    """

    def __init__(
        self,
        content_layers: Sequence[str] = (CONTENT_LAYER,),
        style_layers: Sequence[str] = STYLE_LAYERS,
        content_weight: float = 1.0,
        style_weight: float = 1e-3,
        tv_weight: float = 0.0,
        content_layer_weights: Sequence[float] | None = None,
        style_layer_weights: Sequence[float] | None = None,
        weights: str | os.PathLike | None = None,
        pooling: str = "max",
        relative: bool = False,
    ) -> None:
        self.content_layers = tuple(content_layers)
        self.style_layers = tuple(style_layers)
        if not self.content_layers or not self.style_layers:
            raise OptionError("need at least one content layer and one style layer")
        for name, value in (("content_weight", content_weight), ("style_weight", style_weight),
                            ("tv_weight", tv_weight)):
            if not np.isfinite(value) or value < 0:
                raise OptionError(f"{name} must be a finite number >= 0, got {value}")
        self.content_weight = float(content_weight)
        self.style_weight = float(style_weight)
        self.tv_weight = float(tv_weight)
        self.relative = bool(relative)
        self.content_layer_weights = normalize_weights(content_layer_weights, len(self.content_layers),
                                                       "content layers")
        self.style_layer_weights = normalize_weights(style_layer_weights, len(self.style_layers), "style layers")
        self.extractor = vgg19_features(self.content_layers + self.style_layers, weights=weights, pooling=pooling)
        # Content targets need only the content layers: often a much shallower network.
        self.content_extractor = vgg19_features(self.content_layers, weights=weights, pooling=pooling)

    def features(self, images) -> dict:
        """VGG19 activations of ``images`` (``(B, H, W, 3)`` in [0, 255]) for every loss layer."""
        return self.extractor(images)

    def content_targets(self, images) -> list:
        """Content-layer activations of ``images``, to pass as ``content_targets``."""
        feats = self.content_extractor(images)
        return [feats[name] for name in self.content_layers]

    def style_targets(self, style_images: Sequence, blend: Sequence[float] | None = None) -> list:
        """Gram-matrix targets for one or several style images, blended with ``blend`` weights.

        Blending Gram targets is exact: the weighted sum of per-style losses differs from the
        loss against the weighted mean Gram only by a constant.
        """
        if len(style_images) == 0:
            raise OptionError("need at least one style image")
        blend = normalize_weights(blend, len(style_images), "style blend")
        grams = None
        for weight, image in zip(blend, style_images):
            image = ops.convert_to_tensor(image, dtype="float32")
            if len(image.shape) == 3:
                image = image[None]
            feats = self.features(image)
            layer_grams = [weight * losses.gram_matrix(feats[name]) for name in self.style_layers]
            grams = layer_grams if grams is None else [a + b for a, b in zip(grams, layer_grams)]
        return grams

    def __call__(self, images, content_targets: Sequence, style_targets: Sequence) -> dict:
        """Loss terms for ``images``: a dict with ``total``, ``content``, ``style`` and ``tv``."""
        feats = self.features(images)
        content = losses.content_loss(
            [feats[name] for name in self.content_layers], content_targets, self.content_layer_weights,
            relative=self.relative,
        )
        style = losses.style_loss([feats[name] for name in self.style_layers], style_targets, self.style_layer_weights,
                                  relative=self.relative)
        tv = losses.total_variation_loss(images) if self.tv_weight else ops.zeros((), "float32")
        total = self.content_weight * content + self.style_weight * style + self.tv_weight * tv
        return {"total": total, "content": content, "style": style, "tv": tv}
