"""AdaIN arbitrary style transfer (Huang & Belongie 2017).

A frozen VGG19 encoder (up to relu4_1) encodes content and style; adaptive instance
normalization gives the content features the style features' per-channel mean and std;
a trained decoder (a mirror of the encoder) turns the result into an image. One network
paints any style, with a content-style trade-off (the paper's ``alpha``: ``strength``), interpolation between
styles and spatial control (different styles in different regions).

Keras' VGG19 (Caffe weights, input in [0, 255]) is not the "normalised" VGG of the paper
(Gatys et al. rescaled every filter to a mean activation of 1). Its mean activations,
measured on 40 photos and 40 paintings at 256 px, are about 20 (relu1_1), 130 (relu2_1),
130 (relu3_1) and 500 (relu4_1), within ~15% between photos and paintings:
:data:`FEATURE_SCALES`. AdaIN itself does not care (it is equivariant to per-channel
scale), but the decoder's input and the training losses are divided by these so they
see the magnitudes the paper's recipe was tuned for.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from tfstyle.errors import OptionError
from tfstyle.image.blend import normalize_weights
from tfstyle.image.io import load_image
from tfstyle.models.layers import InstanceNormalization, NearestUpsample2D, PaddedConv2D, Untracked, image_batch
from tfstyle.perceptual.vgg import ENCODER_LAYERS, FEATURE_SCALES, vgg19_features
from tfstyle.runtime.protocols import CodeStylizer
from tfstyle.weights.registry import PresetMixin

#: Where AdaIN is applied: relu4_1, the last encoder layer.
BOTTLENECK = ENCODER_LAYERS[-1]
#: relu4_1 is 1/8 of the image size: inputs are padded to a multiple of this.
STRIDE = 8
#: Long side style images are scaled to (the paper trains on 512 px paintings).
STYLE_SIDE = 512
EPSILON = 1e-5


def _moments(x):
    # Statistics in float32: squares of relu4_1 activations (hundreds) overflow float16.
    return InstanceNormalization.moments(ops.cast(x, "float32"))


def adain(content_features, style_features, epsilon: float = 1e-5):
    """Adaptive instance normalization: ``content_features`` with ``style_features``' statistics.

    Each image's channels are normalized over height and width, then scaled by the style's
    per-channel std and shifted by its mean: ``std(s) * (c - mean(c)) / std(c) + mean(s)``
    with ``std = sqrt(variance + epsilon)``. The two may differ in height and width; the
    style batch is either the content's size or 1 (shared). Computed in float32.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> content = rng.normal(0, 1, (1, 8, 8, 2)).astype("float32")
        >>> style = rng.normal((5, -3), (2, 0.5), (1, 12, 6, 2)).astype("float32")
        >>> out = np.asarray(adain(content, style))
        >>> bool(np.allclose(out.mean((1, 2)), style.mean((1, 2)), atol=1e-4))
        True
        >>> bool(np.allclose(out.std((1, 2)), style.std((1, 2)), atol=1e-3))
        True
    """
    content_mean, content_var = _moments(content_features)
    style_mean, style_var = _moments(style_features)
    normalized = (ops.cast(content_features, "float32") - content_mean) * ops.rsqrt(content_var + epsilon)
    return normalized * ops.sqrt(style_var + epsilon) + style_mean


def _masked_adain(content_features, style_features, weight, epsilon: float = 1e-5):
    """AdaIN of the region ``weight`` (``(B or 1, h, w, 1)`` in [0, 1]) of the content.

    The content statistics are weighted by ``weight`` (the paper's spatial control normalizes
    each region with its own statistics, so one region's colours do not leak into the other's).
    """
    content = ops.cast(content_features, "float32")
    weight = ops.cast(weight, "float32")
    # A region the mask does not cover gets zero weight below, whatever its (guarded) statistics.
    total = ops.maximum(ops.sum(weight, axis=(1, 2), keepdims=True), 1e-6)
    mean = ops.sum(content * weight, axis=(1, 2), keepdims=True) / total
    centered = content - mean
    var = ops.sum(centered * centered * weight, axis=(1, 2), keepdims=True) / total
    style_mean, style_var = _moments(style_features)
    return centered * ops.rsqrt(var + epsilon) * ops.sqrt(style_var + epsilon) + style_mean


@keras.saving.register_keras_serializable(package="tfstyle")
class AdaINDecoder(keras.Model):
    """Decoder: relu4_1 features ``(B, h, w, 512)`` -> RGB ``(B, 8h, 8w, 3)`` in [0, 255].

    The encoder mirrored, pooling replaced by nearest upsampling: conv 256, up, 3 x conv 256,
    conv 128, up, conv 128, conv 64, up, conv 64, conv 3; 3x3 kernels, reflection padding,
    ReLU after all but the last, no normalization (the paper found it hurts: instance
    norm would undo the style statistics AdaIN just put in).

    Output mapping: linear, ``127.5 * (1 + x)``, as in the paper (no tanh or sigmoid): a
    bounded map saturates and slows training, and the loss, not a squashing function,
    teaches the decoder to stay in range. Values may therefore fall slightly outside
    [0, 255]; :class:`AdaINNet` clips at inference, training sees the unclipped values so
    gradients never vanish.

    Args:
        width: channel multiplier for the decoder's inner layers (1.0 as in the paper; 0.5
            is ~4x cheaper).
        padding_mode: ``"reflect"`` (as in the paper) or ``"zero"``.
        input_scale: the input is multiplied by this first (``1 / FEATURE_SCALES[relu4_1]``
            brings Keras' VGG activations to about 1).
        in_channels: channels of the input features.

    Example:
        >>> import numpy as np
        >>> decoder = AdaINDecoder(width=0.5)
        >>> tuple(decoder(np.zeros((1, 4, 6, 512), "float32")).shape)
        (1, 32, 48, 3)
    """

    def __init__(self, width: float = 1.0, padding_mode: str = "reflect",
                 input_scale: float = 1.0 / FEATURE_SCALES[BOTTLENECK], in_channels: int = 512, **kwargs):
        super().__init__(**kwargs)
        if not 0 < width <= 4:
            raise ValueError(f"width must be in (0, 4], got {width}")
        self.width, self.padding_mode = float(width), padding_mode
        self.input_scale, self.in_channels = float(input_scale), int(in_channels)

        def ch(n: int) -> int:
            return max(8, round(n * width))

        # (filters, upsample before) per conv; the last conv (3 channels) is linear.
        plan = [(ch(256), False), (ch(256), True), (ch(256), False), (ch(256), False), (ch(128), False),
                (ch(128), True), (ch(64), False), (ch(64), True), (3, False)]
        self.convs = [PaddedConv2D(filters, 3, 1, padding_mode, name=f"conv{i}") for i, (filters, _) in enumerate(plan)]
        self._upsample_before = [up for _, up in plan]
        self.upsample = NearestUpsample2D(2, name="upsample")
        # Built now, so the weights exist before the first call (a .keras file loads into them).
        channels = self.in_channels
        for conv in self.convs:
            conv.build((None, None, None, channels))
            channels = conv.filters
        self.built = True

    def call(self, features, training=None):
        x = ops.cast(features, self.compute_dtype) * ops.cast(self.input_scale, self.compute_dtype)
        last = len(self.convs) - 1
        for i, (conv, upsample) in enumerate(zip(self.convs, self._upsample_before)):
            if upsample:
                x = self.upsample(x, training=training)
            x = conv(x)
            if i < last:
                x = ops.relu(x)
        return (ops.cast(x, "float32") + 1.0) * 127.5

    def compute_output_shape(self, input_shape):
        def up(size):
            return None if size is None else size * STRIDE

        return (input_shape[0], up(input_shape[1]), up(input_shape[2]), 3)

    def get_config(self):
        return {"width": self.width, "padding_mode": self.padding_mode, "input_scale": self.input_scale,
                "in_channels": self.in_channels, "name": self.name}




@keras.saving.register_keras_serializable(package="tfstyle")
class AdaINNet(PresetMixin, keras.Model):
    """AdaIN style transfer: ``(content, style)`` RGB in [0, 255] -> stylized content in [0, 255].

    Only the decoder is saved: the VGG19 encoder is frozen ImageNet weights, rebuilt on
    first use from ``vgg_weights`` (see :func:`tfstyle.perceptual.vgg.resolve_weights`; ``None``
    resolves ``$TFSTYLE_VGG19_WEIGHTS`` or Keras' download on the machine that loads it).

    ``call((content, style), alpha=1.0)``: batches ``(B, H, W, 3)``; the style batch has
    ``B`` images or 1 (shared) and any size. ``alpha`` in [0, 1] trades content for style
    (``alpha * adain(fc, fs) + (1 - alpha) * fc`` is decoded). Any content size >= 8 works:
    sizes that are not multiples of 8 are reflection-padded, decoded and cropped back.
    :meth:`stylize` adds style interpolation and spatial control.

    Example:
        >>> import numpy as np
        >>> net = AdaINNet(decoder_width=0.5)
        >>> content, style = np.zeros((1, 36, 40, 3), "float32"), np.full((1, 32, 32, 3), 99.0, "float32")
        >>> tuple(net((content, style), alpha=0.5).shape)
        (1, 36, 40, 3)
    """

    preset_kind = "arbitrary"

    def __init__(self, decoder_width: float = 1.0, vgg_weights: str | os.PathLike | None = None, **kwargs):
        super().__init__(**kwargs)
        self.decoder_width = float(decoder_width)
        self.vgg_weights = None if vgg_weights is None else os.fspath(vgg_weights)
        self.decoder = AdaINDecoder(width=decoder_width, name="decoder")
        # Frozen, shared between networks, and kept out of .keras files.
        self._encoder = Untracked()
        self.built = True

    def get_encoder(self) -> keras.Model:
        """The frozen VGG19 encoder: images -> ``{layer: features}`` for :data:`ENCODER_LAYERS`.

        A method, not a property: Keras' saving reads every attribute and would store it.
        """
        if self._encoder.value is None:
            self._encoder.value = vgg19_features(ENCODER_LAYERS, weights=self.vgg_weights)
        return self._encoder.value

    def encode(self, images) -> dict:
        """VGG19 features ``{layer: (B, h, w, C)}`` of RGB images in [0, 255]."""
        return self.get_encoder()(image_batch(images, "images"))

    def _features(self, content):
        """Bottleneck features of a content batch, reflect-padded to a multiple of :data:`STRIDE` first."""
        height, width = content.shape[1], content.shape[2]
        if height is not None and width is not None and (height % STRIDE or width % STRIDE):
            if height < STRIDE or width < STRIDE:
                raise OptionError(f"content must be at least {STRIDE}x{STRIDE} pixels, got {height}x{width}")
            # Pooling would drop the remainder; reflecting it keeps the border content-like.
            pads = ((0, 0), (0, -height % STRIDE), (0, -width % STRIDE), (0, 0))
            content = ops.pad(content, pads, mode="reflect")
        return ops.cast(self.get_encoder()(content)[BOTTLENECK], "float32")

    def _decode(self, content, make_target, alpha):
        if isinstance(alpha, (int, float)) and not 0 <= alpha <= 1:
            raise OptionError(f"alpha must be in [0, 1], got {alpha}")
        height, width = content.shape[1], content.shape[2]
        features = self._features(content)
        target = alpha * make_target(features) + (1.0 - alpha) * features
        images = ops.clip(self.decoder(target), 0.0, 255.0)
        return images[:, :height, :width, :] if height is not None else images

    def style_code(self, style) -> tuple[np.ndarray, np.ndarray]:
        """A style image's AdaIN code: the per-channel mean and ``sqrt(variance + eps)`` of its relu4_1 features.

        Codes mix linearly: a weighted sum of codes is the paper's interpolation of AdaIN targets, and
        ``alpha * code + (1 - alpha) * content's code`` is its content-style trade-off, exactly.
        """
        image = load_image(style, max_size=STYLE_SIDE)
        mean, var = _moments(self.get_encoder()(image_batch(image, "style"))[BOTTLENECK])
        return np.asarray(mean, np.float32), np.asarray(ops.sqrt(var + EPSILON), np.float32)

    def decode_code(self, content, code, stats=None):
        """``content`` (``(B, H, W, 3)`` in [0, 255]) painted with a :meth:`style_code`; its relu4_1 statistics
        are ``stats`` (from :meth:`content_stats`: tiles of a large image share the whole image's) or its own."""
        mean_s, std_s = code

        def make_target(features):
            mean_c, var_c = _moments(features) if stats is None else stats[0]
            return (features - mean_c) * ops.rsqrt(var_c + EPSILON) * std_s + mean_s

        return self._decode(image_batch(content, "content"), make_target, 1.0)

    def content_stats(self, content) -> list:
        """``[(mean, variance)]`` of ``content``'s relu4_1 features (for :meth:`decode_code`)."""
        return [_moments(self._features(image_batch(content, "content")))]

    def stylizer(self) -> AdaINStylizer:
        """This network's :class:`~tfstyle.runtime.protocols.ArbitraryStylizer` adapter."""
        return AdaINStylizer(self)

    def call(self, inputs, alpha=1.0):
        content, style = inputs
        content, style = image_batch(content, "content"), image_batch(style, "style")
        style_features = self.get_encoder()(style)[BOTTLENECK]
        return self._decode(content, lambda features: adain(features, style_features), alpha)

    def stylize(self, content, style, strength: float = 1.0, style_weights: Sequence[float] | None = None,
                mask=None, *, alpha: float | None = None):
        """Stylize ``content`` with one style, a blend of styles, or two styles in two regions.

        Args:
            content: RGB image ``(H, W, 3)`` or batch ``(B, H, W, 3)`` in [0, 255].
            style: one style image (or batch), or a list of them (each its own size).
            strength: content-style trade-off in [0, 1], the paper's ``alpha`` (0: the content's own
                features decoded, 1: the full style); the same name and meaning as
                :func:`tfstyle.stylize_arbitrary`'s ``strength``.
            style_weights: interpolation weights for a list of styles (non-negative, normalized
                to sum to 1; default equal): the AdaIN targets are blended (paper, Sec. 7).
            mask: ``(H, W)`` or ``(H, W, 1)`` in [0, 1], only with exactly two styles: where it is
                1 the first style is painted, where 0 the second. It is resized to the feature
                map (1/8 of the content); each region is normalized with its own content
                statistics, as in the paper's spatial control.
            alpha: the old name of ``strength`` (a :class:`DeprecationWarning`).

        Returns:
            The stylized image(s) in [0, 255], shaped like ``content``.

        Example:
            >>> import numpy as np
            >>> net = AdaINNet(decoder_width=0.5)
            >>> content = np.zeros((32, 48, 3), "float32")
            >>> a, b = np.full((32, 32, 3), 20.0, "float32"), np.full((40, 24, 3), 200.0, "float32")
            >>> tuple(net.stylize(content, [a, b], style_weights=[0.3, 0.7]).shape)
            (32, 48, 3)
            >>> mask = np.zeros((32, 48)); mask[:, :24] = 1
            >>> tuple(net.stylize(content, [a, b], mask=mask).shape)
            (32, 48, 3)
        """
        if alpha is not None:
            warnings.warn("AdaINNet.stylize(alpha=) is now strength=", DeprecationWarning, stacklevel=2)
            strength = alpha
        if isinstance(strength, (int, float)) and not 0 <= strength <= 1:
            raise OptionError(f"strength must be in [0, 1], got {strength}")
        single = len(np.shape(content)) == 3
        content = image_batch(content, "content")
        styles = list(style) if isinstance(style, (list, tuple)) else [style]
        if not styles:
            raise OptionError("need at least one style image")
        encoder = self.get_encoder()
        features = [encoder(image_batch(s, "style"))[BOTTLENECK] for s in styles]
        if mask is not None:
            if len(styles) != 2:
                raise OptionError(f"a mask needs exactly two styles (region 1, region 0), got {len(styles)}")
            if style_weights is not None:
                raise OptionError("pass either a mask or style_weights, not both")
            mask = np.asarray(mask, np.float32)
            mask = mask[..., 0] if mask.ndim == 3 and mask.shape[-1] == 1 else mask
            if mask.ndim != 2 or mask.min() < 0 or mask.max() > 1:
                raise OptionError(f"mask must be (H, W) with values in [0, 1], got shape {mask.shape}")
            first, second = features

            def make_target(fc):
                size = (fc.shape[1], fc.shape[2]) if fc.shape[1] is not None else tuple(ops.shape(fc)[1:3])
                # Antialiased resize: border cells get the fraction of their area in region 1.
                weight = ops.clip(ops.image.resize(mask[None, :, :, None], size, antialias=True), 0.0, 1.0)
                return weight * _masked_adain(fc, first, weight) + (1.0 - weight) * _masked_adain(fc, second,
                                                                                                   1.0 - weight)
        else:
            weights = normalize_weights(style_weights, len(styles), "style_weights")

            def make_target(fc):
                # Weighted sum of the AdaIN targets (not of the styles' statistics), as in the paper.
                return sum(w * adain(fc, fs) for w, fs in zip(weights, features) if w > 0)

        images = self._decode(content, make_target, strength)
        return images[0] if single else images

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {"decoder_width": self.decoder_width, "vgg_weights": self.vgg_weights, "name": self.name}


class AdaINConditioned:
    """An :class:`AdaINNet` bound to one style code: a :class:`~tfstyle.runtime.protocols.NormStatsNet`."""

    def __init__(self, net: AdaINNet, code):
        self.net, self.code = net, code

    def __call__(self, images, stats=None):
        return self.net.decode_code(images, self.code, stats=stats)

    def norm_stats(self, images) -> list:
        return self.net.content_stats(images)


class AdaINStylizer(CodeStylizer):
    """AdaIN's adapter: codes are relu4_1 statistics; strength mixes the photo's own code (AdaIN's ``alpha``).

    Example:
        >>> import numpy as np
        >>> net = AdaINNet(decoder_width=0.5)
        >>> photo, painting = np.full((32, 40, 3), 90.0, "float32"), np.full((24, 24, 3), 200.0, "float32")
        >>> net.stylizer().paint(photo, [painting], strength=0.5).shape
        (32, 40, 3)
    """

    family = "AdaIN"

    def __init__(self, net: AdaINNet):
        self.net = net

    def style_code(self, style):
        self.check_style(style)
        return self.net.style_code(style)

    def own_code(self, content):
        # At the photo's own size: then mixing it in is exactly AdaIN's alpha.
        mean, var = self.net.content_stats(np.asarray(content, np.float32))[0]
        return np.asarray(mean, np.float32), np.asarray(ops.sqrt(var + EPSILON), np.float32)

    def conditioned(self, code) -> AdaINConditioned:
        return AdaINConditioned(self.net, code)
