"""Blend weights and style blending, in NumPy alone (no Keras: the LiteRT path uses them too).

Example:
    >>> normalize_weights(None, 4, "style blend")
    [0.25, 0.25, 0.25, 0.25]
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.options import check_fraction, check_strength

#: Below this strength, an arbitrary-style network's picture also fades into the photo (linearly, to the
#: photo itself at 0). Mixing style vectors alone never gives the photo back: the content's own vector
#: paints it in its own colours and textures (17-18 dB PSNR at strength 0 for magenta_v1,
#: benchmarks/results/strength.md); from this strength up, strength is the vector mix alone.
FADE_BELOW = 0.5


def photo_weight(strength: float) -> float:
    """The painted picture's weight against the photo at ``strength``: ``min(1, strength / FADE_BELOW)``.

    Example:
        >>> [photo_weight(s) for s in (0.0, 0.25, 0.5, 1.0)]
        [0.0, 0.5, 1.0, 1.0]
    """
    return min(1.0, check_fraction("strength", strength) / FADE_BELOW)


def fade_to_photo(painted: np.ndarray, photo: np.ndarray, strength: float) -> np.ndarray:
    """``painted`` faded into ``photo`` by :func:`photo_weight` (``painted`` itself from :data:`FADE_BELOW` up).

    Example:
        >>> import numpy as np
        >>> fade_to_photo(np.full(2, 200.0), np.full(2, 100.0), 0.1).tolist()
        [120.0, 120.0]
    """
    weight = photo_weight(strength)
    if weight >= 1:
        return painted
    return weight * np.asarray(painted, np.float32) + (1.0 - weight) * np.asarray(photo, np.float32)


def normalize_weights(weights: Sequence[float] | None, count: int, what: str) -> list[float]:
    """``count`` finite, non-negative weights scaled to sum to 1 (``None``: equal weights).

    Example:
        >>> normalize_weights([3, 1], 2, "style blend")
        [0.75, 0.25]
    """
    if weights is None:
        return [1.0 / count] * count
    weights = [float(w) for w in weights]
    if len(weights) != count or any(not np.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise OptionError(f"{what} needs {count} non-negative weights with a positive sum, got {weights}")
    return [w / sum(weights) for w in weights]


def blend_style_vectors(vectors, weights=None, content_vector=None, strength: float = 1.0) -> np.ndarray:
    """``strength * sum(w_i * v_i) + (1 - strength) * content_vector`` (weights normalized to sum 1).

    Example:
        >>> import numpy as np
        >>> blend_style_vectors([np.ones(2), np.zeros(2)], [3, 1], content_vector=np.full(2, 4.0), strength=0.5)
        array([2.375, 2.375])
    """
    check_strength(strength)
    weights = normalize_weights(weights, len(vectors), "style_weights")
    mixed = sum(w * np.asarray(v, np.float64) for w, v in zip(weights, vectors))
    if strength < 1:
        if content_vector is None:
            raise OptionError("strength below 1 needs the content's own style vector")
        mixed = strength * mixed + (1.0 - strength) * np.asarray(content_vector, np.float64)
    return mixed
