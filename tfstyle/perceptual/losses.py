"""Style-transfer losses written with ``keras.ops`` (they run on any Keras backend).

Conventions: features are ``(batch, height, width, channels)``; Gram matrices are
normalised by the number of spatial positions so they do not depend on image size;
every loss is a mean, so weights do not depend on image size or batch size either.
"""
from __future__ import annotations

from collections.abc import Sequence

from keras import ops


def gram_matrix(features):
    """Channel correlations of ``features``: ``(B, H, W, C) -> (B, C, C)``, divided by ``H * W``.

    Example:
        >>> import numpy as np
        >>> f = np.ones((1, 2, 2, 3), "float32")
        >>> np.asarray(gram_matrix(f))[0, 0].tolist()
        [1.0, 1.0, 1.0]
    """
    features = ops.cast(features, "float32")
    shape = ops.shape(features)
    positions = ops.cast(shape[1] * shape[2], "float32")
    return ops.einsum("bijc,bijd->bcd", features, features) / positions


def _weighted_sum(terms: Sequence, weights: Sequence[float] | None):
    if weights is None:
        weights = [1.0 / len(terms)] * len(terms)
    if len(weights) != len(terms):
        raise ValueError(f"got {len(weights)} layer weights for {len(terms)} layers")
    total = 0.0
    for weight, term in zip(weights, terms):
        total = total + weight * term
    return total


def _relative_error(difference, target, axes):
    """Per-sample ``||difference||^2 / ||target||^2`` over ``axes``, averaged over the batch."""
    error = ops.sum(ops.square(difference), axis=axes)
    norm = ops.sum(ops.square(target), axis=axes)
    return ops.mean(error / (norm + 1e-8))


def style_loss(features: Sequence, target_grams: Sequence, layer_weights: Sequence[float] | None = None,
               *, relative: bool = False):
    """Weighted sum over layers of the mean squared difference between Gram matrices.

    Args:
        features: per-layer activations of the image being optimized, ``(B, H, W, C)`` each.
        target_grams: per-layer target Grams, ``(1, C, C)`` (shared by the batch) or ``(B, C, C)``.
        layer_weights: one weight per layer; default ``1 / number_of_layers`` each.
        relative: use each sample's squared *relative* error ``||G - T||^2 / ||T||^2`` instead (the
            square of :func:`tfstyle.perceptual.metrics.style_distance`'s per-layer term): every layer and every
            style image then counts the same, whatever the size of its activations.

    Example:
        >>> import numpy as np
        >>> f = np.ones((1, 4, 4, 2), "float32")
        >>> float(style_loss([f], [np.zeros((1, 2, 2), "float32")]))
        1.0
        >>> round(float(style_loss([f], [np.full((1, 2, 2), 2.0, "float32")], relative=True)), 4)
        0.25
    """
    terms = []
    for f, g in zip(features, target_grams):
        gram, target = gram_matrix(f), ops.cast(g, "float32")
        if relative:
            terms.append(_relative_error(gram - target, ops.broadcast_to(target, ops.shape(gram)), axes=(1, 2)))
        else:
            terms.append(ops.mean(ops.square(gram - target)))
    return _weighted_sum(terms, layer_weights)


def content_loss(features: Sequence, targets: Sequence, layer_weights: Sequence[float] | None = None,
                 *, relative: bool = False):
    """Weighted sum over layers of the mean squared feature difference.

    With ``relative``, each sample's ``||F - T||^2 / ||T||^2`` instead (the square of
    :func:`tfstyle.perceptual.metrics.content_distance`).

    Example:
        >>> import numpy as np
        >>> float(content_loss([np.full((1, 2, 2, 1), 3.0)], [np.ones((1, 2, 2, 1))]))
        4.0
        >>> float(content_loss([np.full((1, 2, 2, 1), 3.0)], [np.ones((1, 2, 2, 1))], relative=True))
        4.0
    """
    terms = []
    for f, t in zip(features, targets):
        f, t = ops.cast(f, "float32"), ops.cast(t, "float32")
        terms.append(_relative_error(f - t, t, axes=(1, 2, 3)) if relative else ops.mean(ops.square(f - t)))
    return _weighted_sum(terms, layer_weights)


def total_variation_loss(images):
    """Mean squared difference between neighbouring pixels (horizontal plus vertical).

    Example:
        >>> import numpy as np
        >>> img = np.zeros((1, 2, 2, 1), "float32"); img[0, :, 1] = 2.0
        >>> float(total_variation_loss(img))
        4.0
    """
    images = ops.cast(images, "float32")
    dy = images[:, 1:, :, :] - images[:, :-1, :, :]
    dx = images[:, :, 1:, :] - images[:, :, :-1, :]
    return ops.mean(ops.square(dy)) + ops.mean(ops.square(dx))
