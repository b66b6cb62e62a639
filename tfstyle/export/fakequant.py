"""Quantization-aware fine-tuning of a conditional transfer network, with fake INT8 written in ``keras.ops``.

tensorflow-model-optimization quantizes only tf_keras (Keras 2) models: the fast styles reach it
through a tf_keras copy in a child process (:mod:`tfstyle.export.qat`), but its layer-wise
wrappers know nothing of a conditional instance norm whose scale and shift come from a second
input, which is where the arbitrary transfer network loses most under INT8 (issue #28). So here
the quantization is simulated directly in the graph the converter will see: the integer-friendly
forward (:func:`tfstyle.export.equalize.integer_friendly_forward`: each conditional norm one
multiply-add on the centred map, one small projection per layer), with

* every convolution and projection kernel rounded to symmetric INT8 per output channel, as the
  TFLite converter stores them;
* every op output rounded to asymmetric INT8 over a per-tensor range taken, as the converter's
  calibrator does, as the global minimum and maximum over calibration samples (re-measured while
  the weights move);
* the straight-through estimator (the rounding's gradient is one inside the range, zero outside).

:func:`finetune_quantized` fine-tunes the float weights so that this fake-INT8 forward reproduces
the float network's own outputs on photo x style-vector pairs; the result is then converted by the
ordinary post-training converter (which measures its ranges again). :func:`covering_vectors` picks
calibration style vectors that span the range of a larger pool of paintings' vectors.

Example:
    >>> import keras, numpy as np
    >>> from tfstyle.models import StyleTransferNet
    >>> keras.utils.set_random_seed(0)
    >>> net = StyleTransferNet(width=0.25, residual_blocks=1, output_norm=True, shuffle=2)
    >>> photos = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    >>> vectors = np.random.default_rng(1).normal(0, 1, (2, 100)).astype("float32")
    >>> fake = FakeQuantTransfer(net)
    >>> fake.calibrate(photos, vectors)
    >>> out = np.asarray(fake(photos[:1], vectors[:1]))
    >>> error = np.abs(out - np.asarray(fake.float_forward(photos[:1], vectors[:1])))
    >>> out.shape, bool(error.mean() < 15)  # int8 rounding: a few levels on average (0-255 scale)
    ((1, 32, 32, 3), True)
"""
from __future__ import annotations

import logging
import time

import numpy as np
from keras import ops

from tfstyle.models.layers import reflect_pad


def fake_quant(x, low, high):
    """``x`` rounded to asymmetric INT8 over ``[low, high]`` (zero exactly representable); straight-through gradient.

    Example:
        >>> import numpy as np
        >>> q = np.asarray(fake_quant(np.array([-2.0, 0.0, 0.301, 5.0], "float32"), -1.0, 1.0))
        >>> [round(float(v), 4) for v in q]
        [-1.0039, 0.0, 0.298, 0.9961]
    """
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    scale = max(high - low, 1e-8) / 255.0
    # TFLite nudges the zero point to an integer, so 0 is exact and the range shifts a little.
    zero = float(np.clip(np.round(-128.0 - low / scale), -128, 127))
    lo, hi = (-128.0 - zero) * scale, (127.0 - zero) * scale
    clipped = ops.clip(x, lo, hi)
    rounded = ops.round(clipped / scale) * scale
    return clipped + ops.stop_gradient(rounded - clipped)


def fake_quant_weight(w, axis: int = -1):
    """``w`` rounded to symmetric INT8 (levels -127..127) per slice along ``axis``; straight-through gradient.

    Example:
        >>> import numpy as np
        >>> w = np.array([[1.0, 0.015], [-0.3, 0.02]], "float32")
        >>> np.asarray(fake_quant_weight(w) * 127 / np.array([1.0, 0.02])).round(3).tolist()
        [[127.0, 95.0], [-38.0, 127.0]]
    """
    axes = tuple(i for i in range(len(w.shape)) if i != axis % len(w.shape))
    scale = ops.maximum(ops.max(ops.abs(w), axis=axes, keepdims=True), 1e-12) / 127.0
    scale = ops.stop_gradient(scale)
    rounded = ops.round(w / scale) * scale
    return w + ops.stop_gradient(rounded - w)


class FakeQuantTransfer:
    """A :class:`~tfstyle.models.StyleTransferNet`'s integer-friendly forward with fake INT8 at the converter's points.

    ``fake(images, vectors)`` runs with quantization (after :meth:`calibrate`), :meth:`float_forward`
    without; both read the network's own variables, so gradients reach its weights. Supported: the
    networks :func:`~tfstyle.export.equalize.integer_friendly_forward` reproduces (checked on export).
    """

    def __init__(self, net):
        self.net = net
        self.ranges: list[list[float]] = []
        self._mode = "float"
        self._index = 0

    # ----------------------------------------------------------------- quantization points

    def _q(self, x):
        """One quantized tensor of the converted graph: record its range, or round it."""
        index, self._index = self._index, self._index + 1
        if self._mode == "float":
            return x
        if self._mode == "calibrate":
            low, high = float(ops.min(x)), float(ops.max(x))
            if index == len(self.ranges):
                self.ranges.append([low, high])
            else:
                self.ranges[index] = [min(self.ranges[index][0], low), max(self.ranges[index][1], high)]
            return x
        low, high = self.ranges[index]
        return fake_quant(x, low, high)

    def _kernel(self, w, axis=-1):
        return w if self._mode != "quant" else fake_quant_weight(w, axis)

    def _conv(self, layer, x):
        conv = layer.conv
        pad = layer.kernel_size // 2
        x = reflect_pad(x, pad) if layer.padding_mode == "reflect" else ops.pad(
            x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
        y = ops.conv(x, self._kernel(conv.kernel), strides=layer.strides, padding="valid")
        return y + conv.bias

    # ----------------------------------------------------------------- forward

    def _forward(self, images, vectors, mode: str):
        net = self.net
        self._mode, self._index = mode, 0
        q = self._q
        kernel, bias = net.style_params.kernel, net.style_params.bias
        vectors = q(ops.cast(vectors, "float32"))
        norms, start = iter(net.norms), 0
        channel_starts = []
        for channels in net.norm_channels:
            channel_starts.append(start)
            start += 2 * channels
        layer_index = iter(range(len(net.norms)))

        def norm(x, relu: bool):
            layer, i = next(norms), next(layer_index)
            channels, begin = net.norm_channels[i], channel_starts[i]
            # Each layer's projection is its own FULLY_CONNECTED, so its own range (integer graph).
            scale_kernel = self._kernel(kernel[:, begin:begin + channels])
            shift_kernel = self._kernel(kernel[:, begin + channels:begin + 2 * channels])
            style_scale = q(ops.matmul(vectors, scale_kernel) + bias[begin:begin + channels] + net.scale_offset)
            style_shift = q(ops.matmul(vectors, shift_kernel) + bias[begin + channels:begin + 2 * channels])
            style_scale, style_shift = style_scale[:, None, None, :], style_shift[:, None, None, :]
            mean = q(ops.mean(x, axis=(1, 2), keepdims=True))
            centred = q(x - mean)
            variance = q(ops.mean(q(centred * centred), axis=(1, 2), keepdims=True))
            scale = q(layer.gamma * q(ops.rsqrt(q(variance + layer.epsilon))))
            scale = q(scale * style_scale)
            shift = q(q(layer.beta * style_scale) + style_shift)
            y = q(centred * scale)
            y = y + shift
            return q(ops.relu(y) if relu else y)

        x = ops.cast(images, "float32")
        x = q(x / 255.0 if net.input_range == "unit" else x / 127.5 - 1.0)
        if net.shuffle > 1:
            x = ops.space_to_depth(x, net.shuffle)
        for layer in net.encoder:
            x = self._conv(layer, x)
            # Without a norm, the ReLU is fused into the convolution: one rounded tensor.
            x = norm(q(x), True) if net.encoder_norm else q(ops.relu(x))
        for conv_a, conv_b in net.res_convs:
            y = norm(q(self._conv(conv_a, x)), True)
            x = q(x + norm(q(self._conv(conv_b, y)), False))
        for index, layer in enumerate(net.decoder):
            x = net.upsample(x) if index < len(net.encoder) - 1 else x
            x = norm(q(self._conv(layer, x)), True)
        x = q(self._conv(net.output_conv, x))
        if net.output_norm:
            x = norm(x, False)
        if net.shuffle > 1:
            x = ops.depth_to_space(x, net.shuffle)
        if net.output_activation == "sigmoid":
            # LOGISTIC's INT8 output has the fixed range [0, 1) (scale 1/256).
            x = ops.sigmoid(x)
            if mode == "quant":
                x = fake_quant(x, 0.0, 255.0 / 256.0)
            return q(x * 255.0)
        return q(ops.clip(x * 127.5 + 127.5, 0.0, 255.0))

    def __call__(self, images, vectors):
        """The fake-INT8 forward (:meth:`calibrate` first)."""
        if not self.ranges:
            raise ValueError("calibrate the fake quantization first")
        return self._forward(images, vectors, "quant")

    def float_forward(self, images, vectors):
        """The same graph without rounding: the network's float function."""
        return self._forward(images, vectors, "float")

    def calibrate(self, images, vectors, batch: int = 8) -> None:
        """Ranges from scratch: global minimum and maximum of every tensor over the pairs ``(images[i], vectors[i])``."""
        self.ranges = []
        images, vectors = np.asarray(images, np.float32), np.asarray(vectors, np.float32)
        # Batched: instance norms are per image, and a batch's min/max is the min/max of its pairs'.
        for start in range(0, len(images), batch):
            self._forward(images[start:start + batch], vectors[start:start + batch].reshape(-1, vectors.shape[-1]),
                          "calibrate")


def covering_vectors(net, vectors: np.ndarray, count: int) -> np.ndarray:
    """``count`` rows of ``vectors`` chosen greedily so their style parameters span the pool's per-parameter range.

    ``net`` is the transfer network (``style_parameters``). The first pick is the vector closest to
    the pool's mean; each next one extends the covered ``[min, max]`` of the ``parameter_count``
    norm parameters the most (relative to each parameter's pool span).

    Example:
        >>> import numpy as np
        >>> from tfstyle.models import StyleTransferNet
        >>> net = StyleTransferNet(width=0.25, residual_blocks=1)
        >>> pool = np.random.default_rng(0).normal(0, 1, (50, 100)).astype("float32")
        >>> covering_vectors(net, pool, 5).shape
        (5, 100)
    """
    vectors = np.asarray(vectors, np.float32)
    params = np.asarray(net.style_parameters(vectors), np.float64)
    span = np.maximum(params.max(0) - params.min(0), 1e-9)
    first = int(np.argmin(np.linalg.norm(vectors - vectors.mean(0), axis=1)))
    chosen, low, high = [first], params[first].copy(), params[first].copy()
    while len(chosen) < min(count, len(vectors)):
        gain = ((np.maximum(params, high) - high) + (low - np.minimum(params, low))) / span
        score = gain.sum(1)
        score[chosen] = -1
        pick = int(np.argmax(score))
        chosen.append(pick)
        low, high = np.minimum(low, params[pick]), np.maximum(high, params[pick])
    return vectors[chosen]


def finetune_quantized(
    net,
    photos: np.ndarray,
    vectors: np.ndarray,
    calibration: tuple[np.ndarray, np.ndarray],
    *,
    steps: int = 200,
    batch_size: int = 2,
    learning_rate: float = 5e-5,
    crop: int | None = None,
    recalibrate_every: int = 50,
    jitter: float = 0.25,
    seed: int = 0,
    log=None,
) -> dict:
    """Fine-tune ``net`` (in place) so its fake-INT8 forward reproduces its own float outputs; a report.

    Args:
        net: a :class:`~tfstyle.models.StyleTransferNet` (the copy that will be converted).
        photos: training photos ``(N, H, W, 3)`` in [0, 255].
        vectors: training style vectors ``(M, style_dim)`` (the float predictor's, on paintings);
            each step pairs random photos with random vectors, each pushed away from the pool's
            mean by a random factor in ``[1, 1 + jitter]`` (so the net also learns vectors a little
            beyond the paintings it saw).
        calibration: ``(images, vectors)`` pairs the converter will calibrate on; the fake ranges are
            measured on them before training and every ``recalibrate_every`` steps.
        steps, batch_size, learning_rate: Adam on the MSE in pixels.
        crop: random square crops of this side (``None``: whole photos).
        seed: the pairing and crops.
        log: ``print``-like callable for progress (default: this module's logger, at INFO).

    Returns:
        ``{"steps", "seconds", "mse_before", "mse_after"}``: the fake-INT8 forward's mean squared error
        (pixels) against the float network on the calibration pairs before and after.

    Example:
        >>> import numpy as np
        >>> from tfstyle.models import StyleTransferNet
        >>> net = StyleTransferNet(width=0.25, residual_blocks=1, output_norm=True, shuffle=2)
        >>> rng = np.random.default_rng(0)
        >>> photos = rng.uniform(0, 255, (4, 32, 32, 3)).astype("float32")
        >>> vectors = rng.normal(0, 1, (4, 100)).astype("float32")
        >>> report = finetune_quantized(net, photos, vectors, (photos[:2], vectors[:2]), steps=0)
        >>> sorted(report)
        ['mse_after', 'mse_before', 'seconds', 'steps']
    """
    import keras
    import tensorflow as tf

    photos = np.asarray(photos, np.float32)
    vectors = np.asarray(vectors, np.float32)
    cal_images, cal_vectors = (np.asarray(a, np.float32) for a in calibration)
    log = log or logging.getLogger(__name__).info
    fake = FakeQuantTransfer(net)
    # Targets are the float network before any change: fine-tuning moves the weights under them.
    float_copy = type(net).from_config(net.get_config())
    float_copy((photos[:1, :16, :16], vectors[:1]))
    float_copy.set_weights(net.get_weights())
    reference = FakeQuantTransfer(float_copy)
    chunks = [slice(i, i + 8) for i in range(0, len(cal_images), 8)]
    cal_targets = [np.asarray(reference.float_forward(cal_images[c], cal_vectors[c])) for c in chunks]

    def calibration_mse() -> float:
        errors = [(np.asarray(fake(cal_images[c], cal_vectors[c])) - target) ** 2 for c, target in zip(chunks, cal_targets)]
        return float(np.mean(np.concatenate(errors)))

    fake.calibrate(cal_images, cal_vectors)
    before = calibration_mse()
    variables = list(net.trainable_variables)
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build(variables)
    mean = vectors.mean(0)
    rng = np.random.default_rng(seed)

    def make_step():
        # Traced anew after each calibration: the ranges are constants of the graph.
        @tf.function
        def train_step(images, style):
            target = reference.float_forward(images, style)
            with tf.GradientTape() as tape:
                loss = ops.mean((fake(images, style) - target) ** 2)
            grads = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(grads, variables))
            return loss

        return train_step

    train_step = make_step()

    start = time.perf_counter()
    height, width = photos.shape[1:3]
    for step in range(int(steps)):
        if step and step % recalibrate_every == 0:
            fake.calibrate(cal_images, cal_vectors)
            train_step = make_step()
        picks = rng.integers(0, len(photos), batch_size)
        if crop is not None and crop < min(height, width):
            tops, lefts = rng.integers(0, height - crop + 1, batch_size), rng.integers(0, width - crop + 1, batch_size)
            images = np.stack([photos[p, t:t + crop, s:s + crop] for p, t, s in zip(picks, tops, lefts)])
        else:
            images = photos[picks]
        style = vectors[rng.integers(0, len(vectors), batch_size)]
        style = mean + (style - mean) * rng.uniform(1.0, 1.0 + jitter, (batch_size, 1)).astype(np.float32)
        loss = float(train_step(images, style))
        if step % 25 == 0 or step == steps - 1:
            log(f"qat step {step}: mse {loss:.2f} ({time.perf_counter() - start:.0f} s)")
    fake.calibrate(cal_images, cal_vectors)
    return {"steps": int(steps), "seconds": round(time.perf_counter() - start, 1), "mse_before": round(before, 3),
            "mse_after": round(calibration_mse(), 3)}
