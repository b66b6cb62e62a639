"""Instance-norm-aware channel equalization: the same network, friendlier to INT8.

Instance normalization removes any per-channel scale and shift of its input. So every
convolution that feeds one can have its output channels rescaled and re-centred freely:
the network computes the same function (exactly, up to the norm's epsilon). INT8 uses one
range per activation tensor; before a norm, channels can differ by orders of magnitude in
scale, and the small ones drown in quantization noise that the norm then amplifies by
1/std. Rescaling every channel to zero mean and unit std on real images fixes that
(shipped wave style at 384x384: INT8 PSNR against float 22.5 -> 28.4 dB).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def equalize_instance_norm(net, images: Sequence[np.ndarray], epsilon: float = 1e-3):
    """A copy of ``net`` whose pre-norm convolution outputs have zero mean and unit std on ``images``.

    Args:
        net: a network with ``normalized_convs()`` and ``norm_stats(images)`` (a
            :class:`~tfstyle.models.JohnsonNet` or a :class:`~tfstyle.models.StyleTransferNet`, whose
            statistics are taken without conditioning: any rescaling keeps the function).
        images: real ``HxWx3`` images in [0, 255] (e.g. the INT8 calibration set).
        epsilon: added to each channel's std (dead channels keep a finite scale).

    Example:
        >>> import numpy as np
        >>> from tfstyle.models import JohnsonNet
        >>> net = JohnsonNet(width=0.25, residual_blocks=1)
        >>> x = np.random.default_rng(0).uniform(0, 255, (1, 32, 32, 3)).astype("float32")
        >>> same = equalize_instance_norm(net, [x[0]])
        >>> float(np.abs(np.asarray(same(x)) - np.asarray(net(x))).max()) < 0.05
        True
    """
    first = np.asarray(images[0], np.float32)[None]
    if not net.built:
        net(first)
    copy = type(net).from_config(net.get_config())
    if not copy.built:
        copy(first)
    copy.set_weights(net.get_weights())
    stats = [net.norm_stats(np.asarray(image, np.float32)[None]) for image in images]
    for index, conv in enumerate(copy.normalized_convs()):
        mean = np.mean([np.asarray(s[index][0], np.float64).reshape(-1) for s in stats], axis=0)
        std = np.mean([np.sqrt(np.asarray(s[index][1], np.float64).reshape(-1)) for s in stats], axis=0) + epsilon
        kernel, bias = conv.get_weights()
        conv.set_weights([(kernel / std).astype(kernel.dtype), ((bias - mean) / std).astype(bias.dtype)])
    return copy
