"""Layers shared by tfstyle's networks, written with ``keras.ops`` for every backend.

Each is chosen so the networks convert cleanly to TFLite (measured with TF 2.21, see
the project notes): instance normalization as plain means (it stays fully integer under
INT8; the variance avoids SQUARED_DIFFERENCE, which 16x8 quantization cannot run), and
nearest upsampling as expand/broadcast/reshape (Keras' ``UpSampling2D`` breaks
conversion at dynamic sizes).
"""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

from tfstyle.errors import OptionError


@keras.saving.register_keras_serializable(package="tfstyle")
class InstanceNormalization(keras.layers.Layer):
    """Normalizes each image's channels over height and width, then scales and shifts.

    ``call(x, moments=None)``: with ``moments=(mean, variance)`` (each ``(B, 1, 1, C)``)
    those statistics are used instead of ``x``'s own, which lets a large image be
    processed in tiles that all share the statistics of the whole image.

    Example:
        >>> import numpy as np
        >>> layer = InstanceNormalization()
        >>> y = np.asarray(layer(np.random.default_rng(0).normal(3, 2, (1, 8, 8, 4)).astype("float32")))
        >>> bool(abs(y.mean()) < 1e-5 and abs(y.std() - 1) < 1e-3)
        True
    """

    def __init__(self, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    @staticmethod
    def moments(x):
        """Per-image, per-channel mean and variance over height and width."""
        mean = ops.mean(x, axis=(1, 2), keepdims=True)
        centered = x - mean
        return mean, ops.mean(centered * centered, axis=(1, 2), keepdims=True)

    def call(self, x, moments=None):
        mean, variance = self.moments(x) if moments is None else moments
        scale = self.gamma * ops.rsqrt(variance + self.epsilon)
        # One multiply and one add over the feature map (the per-channel shift is folded first):
        # elementwise passes over large maps cost as much as the convolutions at 4K.
        return x * scale + (self.beta - mean * scale)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


def reflect_pad(x, pad: int):
    """Reflection-pad height and width of ``(B, H, W, C)`` by ``pad``, as one-row slices and a concat.

    Same values as ``ops.pad(x, ..., mode="reflect")``, but TFLite's MIRROR_PAD is not run by
    the XNNPACK delegate: as MIRROR_PAD it took 45% of a 384x384 JohnsonNet's CPU time,
    as slices and CONCATENATION (delegated) almost nothing (float32 484 -> 276 ms, 1 thread).

    Example:
        >>> import numpy as np
        >>> x = np.arange(12, dtype="float32").reshape(1, 3, 4, 1)
        >>> bool(np.array_equal(reflect_pad(x, 2), np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect")))
        True
    """
    if pad == 0:
        return x
    for axis in (1, 2):
        def row(i):
            index = [slice(None)] * 4
            index[axis] = slice(i, i + 1 or None)
            return x[tuple(index)]

        before = [row(i) for i in range(pad, 0, -1)]
        after = [row(-1 - i) for i in range(1, pad + 1)]
        x = ops.concatenate([*before, x, *after], axis=axis)
    return x


@keras.saving.register_keras_serializable(package="tfstyle")
class PaddedConv2D(keras.layers.Layer):
    """``Conv2D`` after explicit ``"reflect"`` or ``"zero"`` padding of ``kernel_size // 2``.

    Reflection padding avoids dark borders; zero padding is ~30% faster in TFLite.
    With stride 2 the output is ``ceil(size / 2)``, like ``padding="same"``.
    """

    def __init__(self, filters: int, kernel_size: int, strides: int = 1, padding_mode: str = "reflect", **kwargs):
        super().__init__(**kwargs)
        if padding_mode not in ("reflect", "zero"):
            raise ValueError(f"padding_mode must be 'reflect' or 'zero', got {padding_mode!r}")
        self.filters, self.kernel_size, self.strides, self.padding_mode = filters, kernel_size, strides, padding_mode
        self.conv = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding="valid", name="conv")

    def build(self, input_shape):
        pad = self.kernel_size // 2
        self.conv.build((input_shape[0], None, None, input_shape[-1]))
        self._pad = ((0, 0), (pad, pad), (pad, pad), (0, 0))

    def call(self, x):
        if self.padding_mode == "reflect":
            return self.conv(reflect_pad(x, self.kernel_size // 2))
        return self.conv(ops.pad(x, self._pad, mode="constant"))

    def compute_output_shape(self, input_shape):
        def out(size):
            return None if size is None else (size - 1) // self.strides + 1

        return (input_shape[0], out(input_shape[1]), out(input_shape[2]), self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding_mode": self.padding_mode,
        }


def space_to_depth(x, block: int, training=None):
    """``ops.space_to_depth(x, block)``; at inference on unknown sizes a stride-``block`` one-hot convolution.

    The convolution gives the same values (each output is one input times 1 plus zeros) and
    converts to CONV_2D, which XNNPACK runs at any size; SPACE_TO_DEPTH on a dynamic-shape LiteRT
    file is left to TFLite's kernels and splits the XNNPACK graph. Known sizes (eager calls,
    fixed-size and INT8 exports) keep SPACE_TO_DEPTH, which INT8 passes through unrounded.

    Example:
        >>> import numpy as np
        >>> import tensorflow as tf
        >>> x = np.arange(32, dtype="float32").reshape(1, 4, 4, 2)
        >>> dynamic = tf.function(lambda t: space_to_depth(t, 2), input_signature=[tf.TensorSpec((1, None, None, 2))])
        >>> bool(np.array_equal(np.asarray(dynamic(x)), np.asarray(ops.space_to_depth(x, 2))))
        True
    """
    if training or (x.shape[1] is not None and x.shape[2] is not None):
        return ops.space_to_depth(x, block)
    channels = x.shape[-1]
    # Output channel (dy * block + dx) * channels + c takes input pixel (dy, dx), channel c.
    kernel = np.eye(block * block * channels, dtype=np.float32).reshape(block, block, channels, -1)
    return ops.conv(x, ops.cast(kernel, x.dtype), strides=block, padding="valid")


@keras.saving.register_keras_serializable(package="tfstyle")
class NearestUpsample2D(keras.layers.Layer):
    """Nearest-neighbour upsampling by an integer ``factor`` for any input size.

    Training uses expand/broadcast/reshape (any size, unlike Keras' ``UpSampling2D``, and compiles
    with XLA); inference at unknown sizes copies the channels and uses depth-to-space (ops XNNPACK
    runs in dynamic-shape LiteRT files); inference at known sizes uses a nearest resize. All give
    identical values.

    Example:
        >>> import numpy as np
        >>> x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
        >>> np.asarray(NearestUpsample2D(2)(x))[0, :, :, 0].tolist()
        [[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]]
    """

    def __init__(self, factor: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x, training=None):
        if not training and x.shape[1] is not None and x.shape[2] is not None:
            # Inference at a static size (e.g. a fixed-size TFLite export): a real resize, which
            # converts to RESIZE_NEAREST_NEIGHBOR, an op the TFLite GPU delegate runs (BROADCAST_TO
            # is not). Not while training: its gradient has no XLA kernel on CPU.
            size = (x.shape[1] * self.factor, x.shape[2] * self.factor)
            return ops.image.resize(x, size, interpolation="nearest")
        if not training:
            # Unknown sizes at inference (the dynamic-shape LiteRT files): channel copies then
            # DEPTH_TO_SPACE, two ops XNNPACK runs at any size. The broadcast form below leaves
            # SHAPE/PACK/BROADCAST_TO to TFLite's own kernels, which split the XNNPACK graph (4K
            # ran 1.4x slower and faulted in twice the memory).
            return ops.depth_to_space(ops.concatenate([x] * self.factor**2, axis=-1), self.factor)
        shape = ops.shape(x)
        batch, height, width, channels = shape[0], shape[1], shape[2], x.shape[-1]
        x = ops.expand_dims(ops.expand_dims(x, 2), 4)
        x = ops.broadcast_to(x, (batch, height, self.factor, width, self.factor, channels))
        return ops.reshape(x, (batch, height * self.factor, width * self.factor, channels))

    def compute_output_shape(self, input_shape):
        def up(size):
            return None if size is None else size * self.factor

        return (input_shape[0], up(input_shape[1]), up(input_shape[2]), input_shape[3])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Untracked:
    """Holds a Keras object out of Keras' tracking and of its saving.

    ``.keras`` files and ``save_weights`` store every attribute that is a Keras object, even
    private ones; a plain holder is skipped. Used for the frozen VGG19 encoder.
    """

    __slots__ = ("value",)

    def __init__(self, value=None):
        self.value = value


def image_batch(images, what: str):
    """RGB images ``(H, W, 3)`` or ``(B, H, W, 3)`` as a float32 batch; a one-line :class:`OptionError` otherwise.

    Example:
        >>> import numpy as np
        >>> tuple(image_batch(np.zeros((4, 5, 3)), "content").shape)
        (1, 4, 5, 3)
    """
    images = ops.cast(ops.convert_to_tensor(images), "float32")
    if len(images.shape) == 3:
        images = images[None]
    if len(images.shape) != 4 or images.shape[-1] != 3:
        raise OptionError(f"{what} must be RGB images (H, W, 3) or (B, H, W, 3), got shape {tuple(images.shape)}")
    return images
