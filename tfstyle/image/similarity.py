"""Structural similarity (SSIM, Wang et al. 2004) in NumPy/SciPy: how much of a photo's structure survives.

A foundation module (no Keras, no TensorFlow) so that ``strength="auto"`` works on the LiteRT
path too; :mod:`tfstyle.perceptual.metrics` exposes it as ``tfstyle.perceptual.metrics.ssim``.

Example:
    >>> import numpy as np
    >>> photo = np.random.default_rng(0).uniform(0, 255, (48, 64, 3))
    >>> ssim(photo, photo), round(ssim(np.full_like(photo, 128.0), photo), 3) < 0.05
    (1.0, True)
"""
from __future__ import annotations

import numpy as np

from tfstyle.errors import OptionError

#: Gaussian window and constants of the paper (and of ``tf.image.ssim`` / scikit-image's gaussian mode).
SIGMA, K1, K2 = 1.5, 0.01, 0.03


def ssim(image, reference, *, data_range: float = 255.0) -> float:
    """Mean SSIM of ``image`` against ``reference`` (``HxWx3`` or ``HxW``, same shape, values in [0, 255]).

    Gaussian-weighted local means, variances and covariance (sigma 1.5, truncated at 3.5 sigma),
    population statistics, per channel, averaged over pixels and channels: scikit-image's
    ``structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False)``.
    1 means identical structure; a stylization that keeps the photo's edges scores higher.
    """
    from scipy.ndimage import gaussian_filter

    a, b = np.asarray(image, np.float64), np.asarray(reference, np.float64)
    if a.shape != b.shape or a.ndim not in (2, 3):
        raise OptionError(f"ssim needs two HxW or HxWx3 images of one shape, got {a.shape} and {b.shape}")
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]

    def blur(x):
        return gaussian_filter(x, sigma=(SIGMA, SIGMA, 0), truncate=3.5)

    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    pad = int(3.5 * SIGMA + 0.5)  # as scikit-image: leave out the border the window does not cover
    if min(a.shape[:2]) > 2 * pad:
        s = s[pad:-pad, pad:-pad]
    return float(s.mean())
