"""Johnson et al. (2016) feed-forward style transfer network.

9x9 conv 32 -> stride-2 conv 64 -> stride-2 conv 128 -> residual blocks (128) ->
upsample + conv 64 -> upsample + conv 32 -> 9x9 conv 3, instance normalization and ReLU
after every inner conv, a linear output around 127.5, clipped to [0, 255] except while
training (a tanh output saturates, and its dead gradients leave black blobs that training
cannot remove). Upsampling is nearest resize + conv
(transposed convolutions lose ~15 dB PSNR under INT8 and cause checkerboard artefacts).

Options reproduce Magenta's variant of the architecture (Ghiasi et al. 2017, see
:mod:`tfstyle.models.ghiasi`): plain convolutions with a bias (batch norm folded) and no norm in
the encoder (``encoder_norm=False``), a norm after the output convolution (``output_norm=True``),
inputs in [0, 1] (``input_range="unit"``), a sigmoid output (``output_activation="sigmoid"``).

``shuffle=2`` is the phone-first variant (tfstyle's student, :mod:`tfstyle.models.student`): the
image enters through space-to-depth and leaves through depth-to-space (pixel shuffle), so no
convolution runs at full resolution. The two full-resolution 9x9 convolutions and the
full-resolution decoder convolution, which cost most of the time on XNNPACK and in INT8 (few
channels per pixel vectorize badly), become 3x3 convolutions at half resolution with more
channels. The residual blocks and the first decoder convolution keep their shapes, so they can
start from a ported network's weights.
"""
from __future__ import annotations

import keras
from keras import ops

from tfstyle.models.layers import InstanceNormalization, NearestUpsample2D, PaddedConv2D, space_to_depth
from tfstyle.weights.registry import PresetMixin

INPUT_RANGES = ("signed", "unit")
OUTPUT_ACTIVATIONS = ("linear", "sigmoid")
SHUFFLES = (1, 2)


@keras.saving.register_keras_serializable(package="tfstyle")
class JohnsonNet(PresetMixin, keras.Model):
    """Image transform network: RGB ``(B, H, W, 3)`` in [0, 255] -> stylized, same shape.

    Any height and width work; sizes that are multiples of 4 come back exactly.

    Args:
        width: channel multiplier (1.0 as in the paper; 0.5 and 0.25 for phones).
        residual_blocks: number of 128-channel (times ``width``) residual blocks.
        padding_mode: ``"reflect"`` (no border artefacts) or ``"zero"`` (faster in TFLite).
        encoder_norm: instance norm after the three encoder convolutions (``False``: conv + bias + ReLU).
        output_norm: instance norm (conditioned, in :class:`~tfstyle.models.StyleTransferNet`) after the
            output convolution.
        input_range: the network sees images scaled to [-1, 1] (``"signed"``) or [0, 1] (``"unit"``).
        output_activation: ``"linear"`` (``127.5 + 127.5 x``, clipped) or ``"sigmoid"`` (``255 sigmoid(x)``).
        epsilon: the instance norms' variance epsilon.
        shuffle: 1 (the original) or 2: space-to-depth input, depth-to-space output, every
            convolution at half resolution or below (see the module docstring).

    ``call(images, stats=None)``: ``stats`` as returned by :meth:`norm_stats` replaces each
    instance-norm layer's own statistics (used for tiled stylization of large images).

    Example:
        >>> import numpy as np
        >>> net = JohnsonNet(width=0.25)
        >>> tuple(net(np.zeros((1, 64, 48, 3), "float32")).shape)
        (1, 64, 48, 3)
    """

    #: What a shipped network of this class does (see :mod:`tfstyle.weights.presets`).
    preset_kind = "fast"

    def __init__(self, width: float = 1.0, residual_blocks: int = 5, padding_mode: str = "reflect",
                 encoder_norm: bool = True, output_norm: bool = False, input_range: str = "signed",
                 output_activation: str = "linear", epsilon: float = 1e-5, shuffle: int = 1, **kwargs):
        super().__init__(**kwargs)
        if not 0 < width <= 4:
            raise ValueError(f"width must be in (0, 4], got {width}")
        if input_range not in INPUT_RANGES:
            raise ValueError(f"input_range must be one of {INPUT_RANGES}, got {input_range!r}")
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"output_activation must be one of {OUTPUT_ACTIVATIONS}, got {output_activation!r}")
        if shuffle not in SHUFFLES:
            raise ValueError(f"shuffle must be one of {SHUFFLES}, got {shuffle!r}")
        self.width, self.residual_blocks, self.padding_mode = float(width), int(residual_blocks), padding_mode
        self.encoder_norm, self.output_norm = bool(encoder_norm), bool(output_norm)
        self.input_range, self.output_activation, self.epsilon = input_range, output_activation, float(epsilon)
        self.shuffle = int(shuffle)

        def ch(n: int) -> int:
            return max(8, int(round(n * width)))

        def conv(filters, kernel, stride=1, name=None):
            return PaddedConv2D(filters, kernel, stride, padding_mode, name=name)

        # Attribute order is the .keras files' layout: encoder, res_convs, decoder, upsample, output_conv.
        if self.shuffle == 1:
            self.encoder = [conv(ch(32), 9, name="enc1"), conv(ch(64), 3, 2, name="enc2"),
                            conv(ch(128), 3, 2, name="enc3")]
        else:
            # Half resolution after space-to-depth: the stem and the last decoder conv get the
            # channels of the half-resolution layers, the head predicts 2x2 pixels per position.
            self.encoder = [conv(ch(64), 3, name="enc1"), conv(ch(128), 3, 2, name="enc2")]
        self.res_convs = [
            (conv(ch(128), 3, name=f"res{i}_a"), conv(ch(128), 3, name=f"res{i}_b")) for i in range(residual_blocks)
        ]
        last = ch(32) if self.shuffle == 1 else ch(64)
        self.decoder = [conv(ch(64), 3, name="dec1"), conv(last, 3, name="dec2")]
        self.upsample = NearestUpsample2D(2, name="upsample")
        self.output_conv = conv(3, 9, name="out") if self.shuffle == 1 else conv(3 * self.shuffle ** 2, 3, name="out")
        n_norms = len(self.normalized_convs())
        self.norms = [InstanceNormalization(epsilon=self.epsilon, name=f"in{i}") for i in range(n_norms)]

    def _forward(self, images, stats=None, collect=None, training=None, conditioning=None, taps=None):
        norms = iter(self.norms)
        stat_iter = iter(stats) if stats is not None else None
        condition_iter = iter(conditioning) if conditioning is not None else None

        def norm(x):
            layer = next(norms)
            moments = next(stat_iter) if stat_iter is not None else layer.moments(x)
            if collect is not None:
                collect.append(moments)
            y = layer(x, moments=moments)
            if condition_iter is not None:
                # Conditional instance norm: a per-image scale and shift on top of the layer's own.
                scale, shift = next(condition_iter)
                y = y * ops.cast(scale, y.dtype) + ops.cast(shift, y.dtype)
            return y

        x = ops.cast(images, self.compute_dtype)
        x = x / 255.0 if self.input_range == "unit" else x / 127.5 - 1.0
        if self.shuffle > 1:
            x = space_to_depth(x, self.shuffle, training=training)
        for layer in self.encoder:
            x = layer(x)
            x = ops.relu(norm(x) if self.encoder_norm else x)
        for conv_a, conv_b in self.res_convs:
            y = ops.relu(norm(conv_a(x)))
            x = x + norm(conv_b(y))
        if taps is not None:
            taps.append(x)
        # The decoder upsamples back to the encoder's input resolution (full, or half when shuffled).
        upsampled = len(self.encoder) - 1
        for index, layer in enumerate(self.decoder):
            x = self.upsample(x, training=training) if index < upsampled else x
            x = ops.relu(norm(layer(x)))
        x = self.output_conv(x)
        if self.output_norm:
            x = norm(x)
        if self.shuffle > 1:
            x = ops.depth_to_space(x, self.shuffle)
        x = ops.cast(x, "float32")
        if self.output_activation == "sigmoid":
            return ops.sigmoid(x) * 255.0
        x = x * 127.5 + 127.5
        return x if training else ops.clip(x, 0.0, 255.0)

    def call(self, images, stats=None, training=None):
        return self._forward(images, stats=stats, training=training)

    def transform(self, images, conditioning=None, stats=None, training=None, taps: list | None = None):
        """The network with optional per-image ``conditioning``: one ``(scale, shift)`` per norm layer.

        Each pair (``(B, 1, 1, C)`` each) multiplies and shifts that layer's normalized output
        (conditional instance normalization, Dumoulin et al. 2017); ``None`` is :meth:`call`.
        ``taps``, a list, receives the residual trunk's output (a distillation target).
        """
        return self._forward(images, stats=stats, training=training, conditioning=conditioning, taps=taps)

    def norm_stats(self, images, conditioning=None) -> list:
        """Instance-norm statistics ``[(mean, variance), ...]`` of every norm layer for ``images``."""
        collected: list = []
        self._forward(images, collect=collected, conditioning=conditioning)
        return collected

    def normalized_convs(self) -> list:
        """The convolutions that feed an instance norm, in the order of :meth:`norm_stats`."""
        return [*(self.encoder if self.encoder_norm else []), *(conv for pair in self.res_convs for conv in pair),
                *self.decoder, *([self.output_conv] if self.output_norm else [])]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (3,)

    def get_config(self):
        config = {"width": self.width, "residual_blocks": self.residual_blocks, "padding_mode": self.padding_mode,
                  "name": self.name}
        # Options only when they differ from the defaults: configs (and .keras files) of the
        # original architecture stay exactly as they were.
        options = {"encoder_norm": self.encoder_norm, "output_norm": self.output_norm,
                   "input_range": self.input_range, "output_activation": self.output_activation,
                   "epsilon": self.epsilon, "shuffle": self.shuffle}
        defaults = {"encoder_norm": True, "output_norm": False, "input_range": "signed",
                    "output_activation": "linear", "epsilon": 1e-5, "shuffle": 1}
        return {**config, **{k: v for k, v in options.items() if v != defaults[k]}}
