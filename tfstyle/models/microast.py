"""MicroAST arbitrary style transfer (Wang et al., AAAI 2023), ported from the authors' PyTorch code.

"MicroAST: Towards Super-Fast Ultra-Resolution Arbitrary Style Transfer", Zhizhong Wang, Lei Zhao,
Zhiwen Zuo, Ailin Li, Haibo Chen, Wei Xing, Dongming Lu; https://github.com/EndyWon/MicroAST (MIT
licence, see ``tfstyle/weights/MICROAST_LICENSE.md``). This is a re-implementation of the authors'
``net_microAST.py`` / ``test_microAST.py`` with ``keras.ops`` (any backend); the published weights are
converted by ``tools/convert_microast.py`` into ``tfstyle/weights/microast_v1.keras``.

Architecture (0.47 M parameters; every conv reflection-pads ``kernel_size // 2`` first):

* **Encoder** (two copies with their own weights: content and style): conv 9x9 3->16, ReLU;
  grouped 3x3 stride-2 conv 16->32 (16 groups: depthwise, 2 filters per channel), ReLU; 1x1 32->32,
  ReLU; grouped 3x3 stride-2 32->64 (32 groups), ReLU; 1x1 64->64, ReLU; a residual block
  (``x + conv(relu(conv(x)))``, full 3x3 convs) -> ``f1``; a second residual block -> ``f2``. Both
  ``f1`` and ``f2`` are at 1/4 of the image size (``ceil(ceil(H / 2) / 2)``).
* **Modulator**: four depthwise 3x3 convs, each followed by a global average: filter weights and
  biases ``w1, b1`` from the style's ``f1`` and ``w2, b2`` from its ``f2`` (64 numbers each).
* **Decoder** (dual modulation): feature modulation (AdaIN with the style's ``f2`` statistics) of the
  content's ``f2``; a residual block whose conv outputs are *filter-modulated*
  (``y1 = w2 * conv1(x) + b2 * x``, ``y2 = w2 * conv2(relu(y1)) + b2 * relu(y1)``, out ``x + y2``);
  AdaIN with the style's ``f1`` statistics; a second filter-modulated block (``w1, b1``); then
  bilinear 2x upsampling (half-pixel, as ``nn.Upsample(scale_factor=2, mode="bilinear")``), grouped
  3x3 64->32 (32 groups of 2 channels), ReLU, 1x1 32->32, ReLU, bilinear 2x, grouped 3x3 32->16, ReLU,
  1x1 16->16, ReLU, conv 9x9 16->3 (linear). Statistics use PyTorch's unbiased variance + 1e-5.
  The content's ``f1`` is not used at inference.

The style enters only through a **style code** of :data:`CODE_SIZE` (512) numbers per image
(:meth:`MicroASTNet.encode_style`), laid out as :data:`CODE_LAYOUT`: blending codes blends styles
in the statistics/modulation space, a per-pixel code paints styles in regions, and one code
serves every tile of a large image (:meth:`MicroASTNet.decode`).
"""
from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from tfstyle.errors import OptionError
from tfstyle.image.blend import normalize_weights
from tfstyle.image.io import load_image
from tfstyle.models.layers import image_batch, reflect_pad
from tfstyle.runtime.protocols import CodeStylizer
from tfstyle.weights.registry import PresetMixin

#: Channels of the bottleneck features (the authors' ``64 * slim_factor``, ``slim_factor = 1``).
CHANNELS = 64
#: Named 64-number blocks of a style code, in order (stage 1 acts first in the decoder).
CODE_LAYOUT = ("mean2", "std2", "weight2", "bias2", "mean1", "std1", "weight1", "bias1")
#: Numbers in one style code.
CODE_SIZE = CHANNELS * len(CODE_LAYOUT)
#: The output is computed at a multiple of this and cropped back to the content's size.
STRIDE = 4
#: Smallest content or style side (the 9x9 reflection padding needs 5 pixels; 1/4 size >= 2).
MIN_SIDE = 8
EPSILON = 1e-5
#: Long side style images are scaled to before their code is taken.
STYLE_SIDE = 512


def _check_image_size(images, what: str) -> None:
    for side in images.shape[1:3]:
        if side is not None and side < MIN_SIDE:
            raise OptionError(f"{what} must be at least {MIN_SIDE}x{MIN_SIDE} pixels, got shape {tuple(images.shape)}")


def _as_batch(images, what: str):
    images = image_batch(images, what)
    _check_image_size(images, what)
    return images


def mean_std(x, epsilon: float = EPSILON):
    """Per-image, per-channel mean and std over height and width, as the authors' ``calc_mean_std``.

    The variance is PyTorch's unbiased one (divided by ``n - 1``) plus ``epsilon``. Both results
    are ``(B, 1, 1, C)``.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).normal(2, 3, (1, 6, 5, 2)).astype("float32")
        >>> mean, std = (np.asarray(t) for t in mean_std(x))
        >>> bool(np.allclose(std[0, 0, 0], np.sqrt(x.var((1, 2), ddof=1)[0] + 1e-5), rtol=1e-5))
        True
    """
    shape = ops.shape(x)
    count = ops.cast(shape[1] * shape[2], x.dtype)
    mean = ops.mean(x, axis=(1, 2), keepdims=True)
    centered = x - mean
    var = ops.sum(centered * centered, axis=(1, 2), keepdims=True) / ops.maximum(count - 1.0, 1.0)
    return mean, ops.sqrt(var + epsilon)


def upsample_bilinear2x(x):
    """2x bilinear upsampling with half-pixel centres and clamped borders (PyTorch ``align_corners=False``).

    Exactly ``0.75 * x[i] + 0.25 * x[i -/+ 1]`` (edge-replicated) for the even/odd outputs along each
    axis, interleaved by stack and reshape: any size, any backend, and TFLite builtins only.

    Example:
        >>> import numpy as np
        >>> x = np.array([0.0, 4.0, 8.0], "float32").reshape(1, 1, 3, 1)
        >>> np.asarray(upsample_bilinear2x(x))[0, 0, :, 0].tolist()
        [0.0, 1.0, 3.0, 5.0, 7.0, 8.0]
    """
    channels = x.shape[-1]
    for axis in (1, 2):
        first = x[:, :1] if axis == 1 else x[:, :, :1]
        last = x[:, -1:] if axis == 1 else x[:, :, -1:]
        inner_prev = x[:, :-1] if axis == 1 else x[:, :, :-1]
        inner_next = x[:, 1:] if axis == 1 else x[:, :, 1:]
        previous = ops.concatenate([first, inner_prev], axis=axis)
        following = ops.concatenate([inner_next, last], axis=axis)
        even = 0.75 * x + 0.25 * previous
        odd = 0.75 * x + 0.25 * following
        shape = ops.shape(x)
        stacked = ops.stack([even, odd], axis=axis + 1)
        if axis == 1:
            x = ops.reshape(stacked, (shape[0], shape[1] * 2, shape[2], channels))
        else:
            x = ops.reshape(stacked, (shape[0], shape[1], shape[2] * 2, channels))
    return x


@keras.saving.register_keras_serializable(package="tfstyle")
class MicroASTConv(keras.layers.Layer):
    """Reflection padding of ``kernel_size // 2`` then a (grouped) convolution, like the authors' ``ConvLayer``.

    The kernel is stored as ``(k, k, in_channels // groups, out_channels)`` (Keras' grouped layout;
    PyTorch's ``(out, in // groups, k, k)`` transposed by ``(2, 3, 1, 0)``). Grouped convolutions run
    as depthwise convolutions (TensorFlow's CPU kernels and TFLite's delegates have no general
    grouped conv): one input channel per group is a depthwise conv with ``out // in`` filters per
    channel; one output channel per group sums the depthwise results of its group's channels.

    Example:
        >>> import numpy as np
        >>> conv = MicroASTConv(4, 8, 3, strides=2, groups=4)
        >>> tuple(conv(np.zeros((1, 7, 9, 4), "float32")).shape)
        (1, 4, 5, 8)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, strides: int = 1, groups: int = 1,
                 **kwargs):
        super().__init__(**kwargs)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"groups {groups} must divide in_channels {in_channels} and out_channels {out_channels}")
        per_in, per_out = in_channels // groups, out_channels // groups
        if groups > 1 and per_in > 1 and per_out > 1:
            raise ValueError("grouped convolutions need one input or one output channel per group")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.strides, self.groups = int(kernel_size), int(strides), int(groups)
        self.kernel = self.add_weight(shape=(kernel_size, kernel_size, per_in, out_channels), name="kernel",
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(shape=(out_channels,), name="bias", initializer="zeros")
        self.built = True

    def build(self, input_shape):
        pass

    def call(self, x):
        k, groups = self.kernel_size, self.groups
        x = reflect_pad(x, k // 2)
        kernel = ops.cast(self.kernel, x.dtype)
        if groups == 1:
            y = ops.conv(x, kernel, strides=self.strides, padding="valid")
        elif self.in_channels == groups:  # depthwise, out // in filters per channel
            kernel = ops.reshape(kernel, (k, k, self.in_channels, self.out_channels // groups))
            y = ops.depthwise_conv(x, kernel, strides=self.strides, padding="valid")
        else:  # one output per group: depthwise over the inputs, then the sum of each group's channels
            per_in = self.in_channels // groups
            kernel = ops.reshape(ops.transpose(kernel, (0, 1, 3, 2)), (k, k, self.in_channels, 1))
            y = ops.depthwise_conv(x, kernel, strides=self.strides, padding="valid")
            parts = [y[..., i::per_in] for i in range(per_in)]
            y = parts[0]
            for part in parts[1:]:
                y = y + part
        return y + ops.cast(self.bias, x.dtype)

    def compute_output_shape(self, input_shape):
        def out(size):
            return None if size is None else (size - 1) // self.strides + 1

        return (input_shape[0], out(input_shape[1]), out(input_shape[2]), self.out_channels)

    def get_config(self):
        return {**super().get_config(), "in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": self.kernel_size, "strides": self.strides, "groups": self.groups}


@keras.saving.register_keras_serializable(package="tfstyle")
class MicroASTResidual(keras.layers.Layer):
    """The authors' ``ResidualLayer``: ``x + conv2(relu(conv1(x)))``, or filter-modulated with ``(weight, bias)``.

    With ``modulation=(w, b)`` (each broadcastable to ``x``, e.g. ``(B, 1, 1, C)``):
    ``y1 = w * conv1(x) + b * x``, ``y2 = w * conv2(relu(y1)) + b * relu(y1)``, output ``x + y2``.

    Example:
        >>> import numpy as np
        >>> block = MicroASTResidual(8)
        >>> x = np.ones((1, 5, 6, 8), "float32")
        >>> tuple(block(x).shape), tuple(block(x, modulation=(np.ones((1, 1, 1, 8)), np.zeros((1, 1, 1, 8)))).shape)
        ((1, 5, 6, 8), (1, 5, 6, 8))
    """

    def __init__(self, channels: int = CHANNELS, kernel_size: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.channels, self.kernel_size = int(channels), int(kernel_size)
        self.conv1 = MicroASTConv(channels, channels, kernel_size, name="conv1")
        self.conv2 = MicroASTConv(channels, channels, kernel_size, name="conv2")
        self.built = True

    def build(self, input_shape):
        pass

    def call(self, x, modulation=None):
        if modulation is None:
            return x + self.conv2(ops.relu(self.conv1(x)))
        weight, bias = modulation
        x3 = ops.relu(weight * self.conv1(x) + bias * x)
        return x + weight * self.conv2(x3) + bias * x3

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "kernel_size": self.kernel_size}


@keras.saving.register_keras_serializable(package="tfstyle")
class MicroASTEncoder(keras.layers.Layer):
    """The authors' ``Encoder``: images in [0, 1] -> ``[f1, f2]``, both ``(B, ceil(ceil(H/2)/2), ..., 64)``.

    Example:
        >>> import numpy as np
        >>> f1, f2 = MicroASTEncoder()(np.zeros((1, 13, 10, 3), "float32"))
        >>> tuple(f1.shape), tuple(f2.shape)
        ((1, 4, 3, 64), (1, 4, 3, 64))
    """

    #: (PyTorch index in ``enc1``, in, out, kernel, stride, groups) of the plain convs (each followed by ReLU).
    PLAN = ((0, 3, 16, 9, 1, 1), (2, 16, 32, 3, 2, 16), (4, 32, 32, 1, 1, 1), (6, 32, 64, 3, 2, 32),
            (8, 64, 64, 1, 1, 1))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.convs = [MicroASTConv(i, o, k, s, g, name=f"enc1_{n}") for n, i, o, k, s, g in self.PLAN]
        self.res1 = MicroASTResidual(CHANNELS, name="enc1_10")
        self.res2 = MicroASTResidual(CHANNELS, name="enc2_0")
        self.built = True

    def build(self, input_shape):
        pass

    def torch_layers(self) -> dict:
        """``{PyTorch module path: conv layer}`` (``<path>.conv_layer.weight`` / ``.bias`` in the checkpoint)."""
        layers = {f"enc1.{n}": conv for (n, *_), conv in zip(self.PLAN, self.convs)}
        for path, block in (("enc1.10", self.res1), ("enc2.0", self.res2)):
            layers.update({f"{path}.conv1": block.conv1, f"{path}.conv2": block.conv2})
        return layers

    def call(self, x):
        for conv in self.convs:
            x = ops.relu(conv(x))
        f1 = self.res1(x)
        return [f1, self.res2(f1)]

    def compute_output_shape(self, input_shape):
        def out(size):
            return None if size is None else ((size + 1) // 2 + 1) // 2

        shape = (input_shape[0], out(input_shape[1]), out(input_shape[2]), CHANNELS)
        return [shape, shape]


@keras.saving.register_keras_serializable(package="tfstyle")
class MicroASTModulator(keras.layers.Layer):
    """The authors' ``Modulator``: style ``[f1, f2]`` -> filter weights ``[w1, w2]`` and biases ``[b1, b2]``.

    Each is a depthwise 3x3 conv then a global average: ``(B, 1, 1, 64)``.

    Example:
        >>> import numpy as np
        >>> f = np.ones((1, 4, 4, 64), "float32")
        >>> weights, biases = MicroASTModulator()([f, f])
        >>> tuple(weights[0].shape)
        (1, 1, 1, 64)
    """

    NAMES = ("weight1", "bias1", "weight2", "bias2")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.convs = {name: MicroASTConv(CHANNELS, CHANNELS, 3, groups=CHANNELS, name=name) for name in self.NAMES}
        self.built = True

    def build(self, input_shape):
        pass

    def torch_layers(self) -> dict:
        """``{PyTorch module path: conv layer}``."""
        return {f"{name}.0": conv for name, conv in self.convs.items()}

    def call(self, features):
        f1, f2 = features
        out = {name: ops.mean(conv(f1 if name.endswith("1") else f2), axis=(1, 2), keepdims=True)
               for name, conv in self.convs.items()}
        return [out["weight1"], out["weight2"]], [out["bias1"], out["bias2"]]


@keras.saving.register_keras_serializable(package="tfstyle")
class MicroASTDecoder(keras.layers.Layer):
    """The authors' ``Decoder``: content ``f2`` + style code -> image in [0, 1] (unclipped), 4x the feature size.

    ``call(content_f2, code, alpha=1.0)``: ``code`` is ``(B or 1, 512)`` or a per-pixel map
    ``(B or 1, h, w, 512)`` at the features' size (see :data:`CODE_LAYOUT`); ``alpha`` interpolates
    the feature modulation as the authors do (the filter modulation stays).

    Example:
        >>> import numpy as np
        >>> decoder = MicroASTDecoder()
        >>> code = np.concatenate([np.zeros((1, 64)), np.ones((1, 64)), np.ones((1, 64)), np.zeros((1, 64))] * 2, 1)
        >>> tuple(decoder(np.zeros((1, 3, 5, 64), "float32"), code.astype("float32")).shape)
        (1, 12, 20, 3)
    """

    #: (PyTorch index in ``dec3``, in, out, kernel, groups, upsample before) of the convs after the blocks.
    PLAN = ((1, 64, 32, 3, 32, True), (3, 32, 32, 1, 1, False), (6, 32, 16, 3, 16, True), (8, 16, 16, 1, 1, False),
            (10, 16, 3, 9, 1, False))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.res1 = MicroASTResidual(CHANNELS, name="dec1")
        self.res2 = MicroASTResidual(CHANNELS, name="dec2")
        self.convs = [MicroASTConv(i, o, k, 1, g, name=f"dec3_{n}") for n, i, o, k, g, _ in self.PLAN]
        self.built = True

    def build(self, input_shape):
        pass

    def torch_layers(self) -> dict:
        """``{PyTorch module path: conv layer}``."""
        layers = {"dec1.conv1": self.res1.conv1, "dec1.conv2": self.res1.conv2,
                  "dec2.conv1": self.res2.conv1, "dec2.conv2": self.res2.conv2}
        layers.update({f"dec3.{n}": conv for (n, *_), conv in zip(self.PLAN, self.convs)})
        return layers

    def call(self, content_f2, code, alpha=1.0, stats=None, return_stats=False):
        """``stats``: the content's ``(mean, std)`` at both modulations instead of its own (tiles of
        one image share them); ``return_stats``: return ``(output, those statistics)``."""
        collect = []
        code = ops.cast(code, content_f2.dtype)
        if len(code.shape) == 2:
            code = code[:, None, None, :]
        part = {name: code[..., i * CHANNELS:(i + 1) * CHANNELS] for i, name in enumerate(CODE_LAYOUT)}
        given = iter(stats) if stats is not None else None

        def feature_modulation(x, mean, std):
            x_mean, x_std = mean_std(x) if given is None else next(given)
            collect.append((x_mean, x_std))
            modulated = (x - x_mean) / x_std * std + mean
            if isinstance(alpha, (int, float)) and alpha == 1:
                return modulated
            return alpha * modulated + (1.0 - alpha) * x

        x = feature_modulation(content_f2, part["mean2"], part["std2"])
        x = self.res1(x, modulation=(part["weight2"], part["bias2"]))
        x = feature_modulation(x, part["mean1"], part["std1"])
        x = self.res2(x, modulation=(part["weight1"], part["bias1"]))
        last = len(self.convs) - 1
        for i, (conv, (*_, upsample)) in enumerate(zip(self.convs, self.PLAN)):
            if upsample:
                x = upsample_bilinear2x(x)
            x = conv(x)
            if i < last:
                x = ops.relu(x)
        return (x, collect) if return_stats else x


def _resize_mask(mask, size):
    """``(H, W)`` mask in [0, 1] -> ``(1, h, w, 1)`` (area-weighted: border cells get fractions)."""
    mask = np.asarray(mask, np.float32)
    mask = mask[..., 0] if mask.ndim == 3 and mask.shape[-1] == 1 else mask
    if mask.ndim != 2 or mask.min() < 0 or mask.max() > 1:
        raise OptionError(f"mask must be (H, W) with values in [0, 1], got shape {mask.shape}")
    if mask.shape == tuple(size):
        return ops.convert_to_tensor(mask[None, :, :, None])
    return ops.clip(ops.image.resize(mask[None, :, :, None], size, antialias=True), 0.0, 1.0)


@keras.saving.register_keras_serializable(package="tfstyle")
class MicroASTNet(PresetMixin, keras.Model):
    """MicroAST: ``(content, style)`` RGB in [0, 255] -> stylized content in [0, 255] (Wang et al. 2023).

    ``call((content, style), alpha=1.0)`` is the authors' ``TestNet`` (inputs divided by 255, no
    normalization; ``alpha`` interpolates the feature modulation as in their ``--alpha``, which does
    *not* give the photo back at 0). Batches ``(B, H, W, 3)``; the style batch has ``B`` images or 1
    and any size. The network computes at a multiple of 4 (its two stride-2 convs round up and its
    upsampling doubles): the output is cropped back to the content's size and clipped to [0, 255].

    :meth:`stylize` adds a strength that returns the photo at 0, style blending and two styles in
    two regions; :meth:`encode_style` + :meth:`decode` split the work so a style code is computed
    once (tiles, video, blends). Load the converted weights with
    ``keras.saving.load_model("tfstyle/weights/microast_v1.keras")``.

    Example:
        >>> import numpy as np
        >>> net = MicroASTNet()
        >>> content, style = np.zeros((1, 30, 41, 3), "float32"), np.full((1, 24, 24, 3), 99.0, "float32")
        >>> tuple(net((content, style)).shape)
        (1, 30, 41, 3)
    """

    preset_kind = "arbitrary"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.content_encoder = MicroASTEncoder(name="content_encoder")
        self.style_encoder = MicroASTEncoder(name="style_encoder")
        self.modulator = MicroASTModulator(name="modulator")
        self.decoder = MicroASTDecoder(name="decoder")
        self.built = True

    def torch_layers(self) -> dict:
        """``{"<checkpoint>.<module path>": conv layer}`` for the four published checkpoints.

        Each conv has two tensors in its checkpoint: ``<module path>.conv_layer.weight`` and ``.bias``;
        ``<checkpoint>`` is ``content_encoder``, ``style_encoder``, ``modulator`` or ``decoder``.

        Example:
            >>> sorted(MicroASTNet().torch_layers())[:2]
            ['content_encoder.enc1.0', 'content_encoder.enc1.10.conv1']
        """
        layers = {}
        for part in ("content_encoder", "style_encoder", "modulator", "decoder"):
            layers.update({f"{part}.{path}": conv for path, conv in getattr(self, part).torch_layers().items()})
        return layers

    # -- the style code -------------------------------------------------------------------------
    def encode_style(self, style_images):
        """Style codes ``(B, 512)`` of RGB style images ``(H, W, 3)`` or ``(B, H, W, 3)`` in [0, 255].

        Layout :data:`CODE_LAYOUT`: the style's ``f2`` mean and std, the modulator's ``w2, b2``, then
        ``f1`` mean and std and ``w1, b1``. Weighted sums of codes blend styles.

        Example:
            >>> import numpy as np
            >>> tuple(MicroASTNet().encode_style(np.zeros((32, 32, 3), "float32")).shape)
            (1, 512)
        """
        style = _as_batch(style_images, "style") / 255.0
        f1, f2 = self.style_encoder(style)
        (w1, w2), (b1, b2) = self.modulator([f1, f2])
        mean1, std1 = mean_std(f1)
        mean2, std2 = mean_std(f2)
        code = ops.concatenate([mean2, std2, w2, b2, mean1, std1, w1, b1], axis=-1)
        return ops.reshape(code, (-1, CODE_SIZE))

    def _forward01(self, content01, code, alpha=1.0, stats=None, return_stats=False):
        """The authors' computation on content in [0, 1]: raw decoder output (4x the features, unclipped)."""
        _, f2 = self.content_encoder(content01)
        return self.decoder(f2, code, alpha=alpha, stats=stats, return_stats=return_stats)

    def decode(self, content, code, alpha: float = 1.0, stats=None):
        """Stylize RGB ``content`` in [0, 255] with style code(s) ``code`` (from :meth:`encode_style`).

        ``code`` is ``(B or 1, 512)``, or a per-pixel map ``(B or 1, h, w, 512)`` at a quarter of the
        (rounded-up) content size. ``alpha`` is the authors' feature-modulation strength. Returns
        ``(B, H, W, 3)`` in [0, 255]. Instance statistics are those of ``content`` unless ``stats``
        (from :meth:`content_stats`) gives them: tiles of a large image share the whole image's.

        Example:
            >>> import numpy as np
            >>> net = MicroASTNet()
            >>> code = net.encode_style(np.zeros((32, 32, 3), "float32"))
            >>> tuple(net.decode(np.zeros((1, 21, 18, 3), "float32"), code).shape)
            (1, 21, 18, 3)
        """
        if isinstance(alpha, (int, float)) and not 0 <= alpha <= 1:
            raise OptionError(f"alpha must be in [0, 1], got {alpha}")
        content = _as_batch(content, "content")
        height, width = content.shape[1], content.shape[2]
        out = self._forward01(content / 255.0, code, alpha, stats=stats)
        if height is None or width is None:
            shape = ops.shape(content)
            height, width = shape[1], shape[2]
        return ops.clip(out[:, :height, :width, :], 0.0, 1.0) * 255.0

    def content_stats(self, content, code) -> list:
        """The content's ``(mean, std)`` at the decoder's two feature modulations (for :meth:`decode`)."""
        return list(self._forward01(_as_batch(content, "content") / 255.0, code, return_stats=True)[1])

    def blend_codes(self, styles, style_weights: Sequence[float] | None = None):
        """One style code ``(1, 512)`` from style images mixed by ``style_weights`` (default equal)."""
        styles = list(styles) if isinstance(styles, (list, tuple)) else [styles]
        if not styles:
            raise OptionError("need at least one style image")
        weights = normalize_weights(style_weights, len(styles), "style_weights")
        return sum(w * self.encode_style(s) for w, s in zip(weights, styles) if w > 0)

    def conditioned(self, code) -> MicroASTConditioned:
        """This network bound to one style code: a one-style network for :func:`tfstyle.stylize_tiled`."""
        return MicroASTConditioned(self, code)

    def stylizer(self) -> MicroASTStylizer:
        """This network's :class:`~tfstyle.runtime.protocols.ArbitraryStylizer` adapter."""
        return MicroASTStylizer(self)

    def call(self, inputs, alpha=1.0):
        content, style = inputs
        return self.decode(content, self.encode_style(style), alpha=alpha)

    def stylize(self, content, style, alpha: float = 1.0, style_weights: Sequence[float] | None = None, mask=None,
                alpha_mode: str = "pixel"):
        """Stylize ``content`` with one style, a blend of styles, or two styles in two regions.

        Args:
            content: RGB image ``(H, W, 3)`` or batch ``(B, H, W, 3)`` in [0, 255].
            style: one style image (or batch), or a list of them (each its own size).
            alpha: strength in [0, 1]. With ``alpha_mode="pixel"`` (default) the result is
                ``alpha * stylized + (1 - alpha) * content``: 0 returns the photo exactly.
                ``alpha_mode="feature"`` is the authors' ``--alpha`` (feature modulation only; the
                decoder was never trained to reconstruct, so 0 does not return the photo).
            style_weights: weights for a list of styles (non-negative, normalized to sum 1; default
                equal): their style codes (statistics and filter modulation) are blended.
            mask: ``(H, W)`` or ``(H, W, 1)`` in [0, 1], only with exactly two styles: where it is 1
                the first style is painted, where 0 the second. Resized (area-weighted) to the
                features (1/4 of the content); the codes are blended per feature pixel.
            alpha_mode: ``"pixel"`` or ``"feature"``.

        Returns:
            The stylized image(s) in [0, 255], shaped like ``content``.

        Example:
            >>> import numpy as np
            >>> net = MicroASTNet()
            >>> content = np.zeros((32, 48, 3), "float32")
            >>> a, b = np.full((32, 32, 3), 20.0, "float32"), np.full((40, 24, 3), 200.0, "float32")
            >>> tuple(net.stylize(content, [a, b], style_weights=[0.3, 0.7]).shape)
            (32, 48, 3)
            >>> mask = np.zeros((32, 48)); mask[:, :24] = 1
            >>> tuple(net.stylize(content, [a, b], mask=mask, alpha=0.5).shape)
            (32, 48, 3)
        """
        if alpha_mode not in ("pixel", "feature"):
            raise OptionError(f"alpha_mode must be 'pixel' or 'feature', got {alpha_mode!r}")
        if not 0 <= float(alpha) <= 1:
            raise OptionError(f"alpha must be in [0, 1], got {alpha}")
        single = len(np.shape(content)) == 3
        content = _as_batch(content, "content")
        styles = list(style) if isinstance(style, (list, tuple)) else [style]
        if not styles:
            raise OptionError("need at least one style image")
        if mask is not None:
            if len(styles) != 2:
                raise OptionError(f"a mask needs exactly two styles (region 1, region 0), got {len(styles)}")
            if style_weights is not None:
                raise OptionError("pass either a mask or style_weights, not both")
            size = tuple(((side + 1) // 2 + 1) // 2 for side in content.shape[1:3])
            weight = _resize_mask(mask, size)
            codes = [self.encode_style(s) for s in styles]
            code = weight * codes[0][:, None, None, :] + (1.0 - weight) * codes[1][:, None, None, :]
        else:
            code = self.blend_codes(styles, style_weights)
        if alpha_mode == "feature":
            images = self.decode(content, code, alpha=float(alpha))
        elif alpha == 0:
            images = content
        else:
            images = self.decode(content, code)
            if alpha < 1:
                images = float(alpha) * images + (1.0 - float(alpha)) * content
        return images[0] if single else images

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {"name": self.name}


class MicroASTConditioned:
    """A :class:`MicroASTNet` bound to one style code, shaped like a fast network for tiling.

    ``net(images, stats=None)`` stylizes; ``net.norm_stats(images)`` gives the content statistics
    that every tile of a large image then shares (:func:`tfstyle.stylize_tiled`).
    """

    def __init__(self, net: MicroASTNet, code):
        self.net, self.code = net, code

    def __call__(self, images, stats=None):
        return self.net.decode(images, self.code, stats=stats)

    def norm_stats(self, images) -> list:
        return self.net.content_stats(images, self.code)


class MicroASTStylizer(CodeStylizer):
    """MicroAST's adapter: codes from :meth:`MicroASTNet.encode_style` (mixed by weight); strength blends the
    picture with the photo (``alpha_mode="pixel"``: 0 gives the photo back exactly).

    Example:
        >>> import numpy as np
        >>> photo, painting = np.full((32, 40, 3), 90.0, "float32"), np.full((24, 24, 3), 200.0, "float32")
        >>> float(MicroASTNet().stylizer().paint(photo, [painting], strength=0.0).max())
        90.0
    """

    family = "MicroAST"
    mixes_own_code = False

    def __init__(self, net: MicroASTNet):
        self.net = net

    def style_code(self, style):
        self.check_style(style)
        return self.net.encode_style(load_image(style, max_size=STYLE_SIDE))

    def conditioned(self, code) -> MicroASTConditioned:
        return MicroASTConditioned(self.net, code)
