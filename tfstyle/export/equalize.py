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


# --------------------------------------------------------------------------
# the same function as a graph that quantizes better


def integer_friendly_forward(net, conditional: bool = False):
    """``forward(images, style_vectors=None)``: ``net``'s function, written for full-integer INT8 export.

    Same values as ``net(images)`` (a :class:`~tfstyle.models.JohnsonNet`) or
    ``net((images, style_vectors))`` (a :class:`~tfstyle.models.StyleTransferNet`) up to float
    rounding, with two changes to the graph the converter sees (an experiment, off by default in
    :func:`tfstyle.export.arbitrary.export_arbitrary`: on ``tfstyle_mobile_v3`` it lifted INT8 on
    some pairs, +2.7 dB on 384 px validation photos, and lowered it on others, -2.7 dB on a holdout
    painting whose style vector lies outside the calibration paintings', -2.7 dB mean at 128 px;
    see ``benchmarks/results/int8_fidelity.md``):

    * every conditional instance norm is one multiply and one add on the centred map,
      ``(x - mean) * (gamma * rsqrt(var + eps) * s) + (beta * s + b)``: the model's graph
      normalizes, scales and shifts, then multiplies and adds the style's scale ``s`` and shift
      ``b``: two full-size INT8 tensors, each rounded, instead of four;
    * the style projection is one small matrix product per norm layer and per scale/shift
      (sliced from the dense ``style_params`` layer's weights), so each gets its own INT8 range;
      the model's single dense output shares one range across all layers' scales and shifts,
      and 2 x layers slices of it follow.

    Tried and not kept (no gain on the same validation pairs): normalizing twice (the second
    variance of an already normalized map has a tight range), equalizing each channel's maximum
    instead of its std, 64 or 128 calibration photos instead of 32.

    Args:
        net: the network (its layers are used as they are: equalize first if wanted).
        conditional: ``net`` takes ``(images, style_vectors)`` (its style projection's weights
            are read now, as constants: call this outside tracing).
    """
    from keras import ops

    from tfstyle.models.layers import space_to_depth

    encoder, res_convs, decoder = list(net.encoder), list(net.res_convs), list(net.decoder)
    upsample, output_conv, norms = net.upsample, net.output_conv, list(net.norms)
    encoder_norm, output_norm, shuffle = bool(net.encoder_norm), bool(net.output_norm), int(net.shuffle)
    unit, sigmoid = net.input_range == "unit", net.output_activation == "sigmoid"
    slices = []
    if conditional:
        kernel, bias = (np.asarray(w, np.float32) for w in net.style_params.get_weights())
        offset, start = float(net.scale_offset), 0
        for channels in net.norm_channels:
            scale = slice(start, start + channels)
            shift = slice(start + channels, start + 2 * channels)
            slices.append((kernel[:, scale], bias[scale] + offset, kernel[:, shift], bias[shift]))
            start += 2 * channels
        if len(slices) != len(norms):
            raise ValueError(f"{len(slices)} conditioned layers for {len(norms)} norms")

    def forward(images, style_vectors=None):
        conditions = iter(slices)
        layers = iter(norms)

        def norm(x):
            layer = next(layers)
            centred = x - ops.mean(x, axis=(1, 2), keepdims=True)
            variance = ops.mean(centred * centred, axis=(1, 2), keepdims=True)
            scale = layer.gamma * ops.rsqrt(variance + layer.epsilon)
            shift = layer.beta
            if slices:
                scale_kernel, scale_bias, shift_kernel, shift_bias = next(conditions)
                style_scale = ops.matmul(style_vectors, scale_kernel) + scale_bias
                style_shift = ops.matmul(style_vectors, shift_kernel) + shift_bias
                style_scale, style_shift = style_scale[:, None, None, :], style_shift[:, None, None, :]
                scale, shift = scale * style_scale, shift * style_scale + style_shift
            return centred * scale + shift

        x = ops.cast(images, "float32")
        x = x / 255.0 if unit else x / 127.5 - 1.0
        if shuffle > 1:
            x = space_to_depth(x, shuffle)
        for layer in encoder:
            x = layer(x)
            x = ops.relu(norm(x) if encoder_norm else x)
        for conv_a, conv_b in res_convs:
            y = ops.relu(norm(conv_a(x)))
            x = x + norm(conv_b(y))
        for index, layer in enumerate(decoder):
            x = upsample(x) if index < len(encoder) - 1 else x
            x = ops.relu(norm(layer(x)))
        x = output_conv(x)
        if output_norm:
            x = norm(x)
        if shuffle > 1:
            x = ops.depth_to_space(x, shuffle)
        if sigmoid:
            return ops.sigmoid(x) * 255.0
        return ops.clip(x * 127.5 + 127.5, 0.0, 255.0)

    return forward


def checked_integer_forward(net, image, style_vector=None, *, min_psnr: float = 60.0):
    """:func:`integer_friendly_forward` if it reproduces ``net`` on ``image`` (PSNR >= ``min_psnr``), else ``None``.

    ``image`` is one ``HxWx3`` calibration image in [0, 255]; ``style_vector`` (one ``(style_dim,)``
    vector) makes it a conditional network, called ``net((images, style_vectors))``. A network of another structure (missing layers, other
    options) gives ``None``: the caller exports the model's own graph.
    """
    batch = np.asarray(image, np.float32)[None]
    try:
        forward = integer_friendly_forward(net, style_vector is not None)
        if style_vector is None:
            expected, got = net(batch), forward(batch)
        else:
            vector = np.asarray(style_vector, np.float32).reshape(1, -1)
            expected, got = net((batch, vector)), forward(batch, vector)
        expected, got = np.asarray(expected, np.float64), np.asarray(got, np.float64)
    except (AttributeError, TypeError, ValueError, StopIteration):
        return None
    if expected.shape != got.shape:
        return None
    mse = float(np.mean((np.clip(expected, 0, 255) - np.clip(got, 0, 255)) ** 2))
    return forward if mse == 0 or 10 * np.log10(255.0**2 / mse) >= min_psnr else None
