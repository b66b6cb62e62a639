"""Arbitrary style transfer with a style-prediction network (Ghiasi et al. 2017, Magenta).

A *style predictor* maps any style image to a short style vector (100 numbers); a *style
transfer network* (Johnson's architecture) paints a content image in that style: every
instance normalization takes a per-image scale and shift computed from the vector by one
dense layer (conditional instance normalization, Dumoulin et al. 2017).

Two predictors share the same output space:

* :class:`StylePredictor` (the teacher): per-channel mean and standard deviation of frozen
  VGG19 features (relu1_1 .. relu4_1, scaled to about 1) -> two dense layers. Magenta uses
  an ImageNet InceptionV3 for this; VGG19's ImageNet weights are the ones available here,
  and first- and second-order channel statistics are exactly what Gram/AdaIN-style losses
  measure of a style, so the trainable part stays small and trains quickly.
* :class:`CompactStylePredictor` (for phones and for offline use without VGG19): five
  strided convolutions, mean+std pooling and two dense layers (~0.5 M weights), distilled
  from the teacher's vectors (:func:`tfstyle.training.arbitrary.distill_predictor`).

:class:`ArbitraryStyleNet` holds one predictor and one transfer network; it is what
``tfstyle.stylize_arbitrary`` runs and what ships in the package.
"""
from __future__ import annotations

import os

import keras
import numpy as np
from keras import ops

from tfstyle.errors import OptionError
from tfstyle.image.io import cover_crop, load_image
from tfstyle.models.johnson import JohnsonNet
from tfstyle.models.layers import InstanceNormalization, Untracked
from tfstyle.perceptual.vgg import ENCODER_LAYERS, FEATURE_SCALES, vgg19_features
from tfstyle.runtime.protocols import CodeStylizer, FittedStyle
from tfstyle.weights.registry import PresetMixin

#: Length of the style vector (Magenta's bottleneck).
STYLE_DIM = 100
#: Side of the square style image the predictors see (Magenta: 256).
STYLE_SIZE = 256
#: :class:`StyleTransferNet` options of Magenta's published transfer network (``transfer_*.tflite``,
#: Ghiasi et al. 2017): width 0.25, reflection padding, conv + bias + ReLU encoder (batch norm
#: folded), conditional instance norm (epsilon 1e-5) after every residual and decoder conv and
#: after the output conv, gamma used as the scale itself, [0, 1] input, sigmoid output.
MAGENTA_TRANSFER = {"width": 0.25, "residual_blocks": 5, "padding_mode": "reflect", "encoder_norm": False,
                    "output_norm": True, "input_range": "unit", "output_activation": "sigmoid", "epsilon": 1e-5,
                    "scale_offset": 0.0}


def _mean_std_pool(x, epsilon: float = 1e-5):
    """``(B, H, W, C)`` -> ``(B, 2C)``: each channel's mean and standard deviation."""
    mean, variance = InstanceNormalization.moments(ops.cast(x, "float32"))
    return ops.concatenate([mean[:, 0, 0, :], ops.sqrt(variance[:, 0, 0, :] + epsilon)], axis=-1)


@keras.saving.register_keras_serializable(package="tfstyle")
class StylePredictor(keras.Model):
    """Style image(s) ``(B, H, W, 3)`` in [0, 255] -> style vectors ``(B, style_dim)``, from VGG19.

    The VGG19 encoder is frozen ImageNet weights, rebuilt on first use from ``vgg_weights``
    (see :func:`tfstyle.perceptual.vgg.resolve_weights`) and never saved; only the two dense layers are.

    Example:
        >>> import numpy as np
        >>> predictor = StylePredictor()
        >>> tuple(predictor(np.zeros((2, 64, 64, 3), "float32")).shape)
        (2, 100)
    """

    def __init__(self, style_dim: int = STYLE_DIM, hidden: int = 512, vgg_weights: str | os.PathLike | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.style_dim, self.hidden_units = int(style_dim), int(hidden)
        self.vgg_weights = None if vgg_weights is None else os.fspath(vgg_weights)
        self.hidden = keras.layers.Dense(self.hidden_units, activation="relu", name="hidden")
        self.bottleneck = keras.layers.Dense(self.style_dim, name="bottleneck")
        channels = 2 * sum(64 * 2 ** i for i in range(len(ENCODER_LAYERS)))
        self.hidden.build((None, channels))
        self.bottleneck.build((None, self.hidden_units))
        self._encoder = Untracked()
        self.built = True

    def get_encoder(self) -> keras.Model:
        """The frozen VGG19 encoder (a method: Keras' saving would store a property)."""
        if self._encoder.value is None:
            self._encoder.value = vgg19_features(ENCODER_LAYERS, weights=self.vgg_weights)
        return self._encoder.value

    @staticmethod
    def statistics(features: dict):
        """``(B, 1920)`` from VGG19 ``features``: each channel's mean and std (relu1_1..relu4_1), scaled to ~1."""
        return ops.concatenate([_mean_std_pool(features[layer]) / FEATURE_SCALES[layer] for layer in ENCODER_LAYERS],
                               axis=-1)

    def head(self, statistics):
        """Style vectors from :meth:`statistics` (lets a trainer share one VGG19 pass)."""
        return self.bottleneck(self.hidden(statistics))

    def call(self, images):
        return self.head(self.statistics(self.get_encoder()(ops.cast(images, "float32"))))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.style_dim)

    def get_config(self):
        return {"style_dim": self.style_dim, "hidden": self.hidden_units, "vgg_weights": self.vgg_weights,
                "name": self.name}


@keras.saving.register_keras_serializable(package="tfstyle")
class CompactStylePredictor(keras.Model):
    """A small convolutional style predictor: ``(B, H, W, 3)`` in [0, 255] -> ``(B, style_dim)``.

    3x3 convolutions (32, 64, 128, 128, 256 channels times ``width``; the first four with
    stride 2), ReLU, then each channel's mean and std over the image and two dense layers.
    Needs no VGG19, converts to TFLite with GPU-delegate ops only, and costs ~0.3 GFLOP at
    256x256.

    Example:
        >>> import numpy as np
        >>> tuple(CompactStylePredictor(width=0.5)(np.zeros((1, 256, 256, 3), "float32")).shape)
        (1, 100)
    """

    def __init__(self, style_dim: int = STYLE_DIM, width: float = 1.0, hidden: int = 256, **kwargs):
        super().__init__(**kwargs)
        self.style_dim, self.width, self.hidden_units = int(style_dim), float(width), int(hidden)
        plan = [(32, 2), (64, 2), (128, 2), (128, 1), (256, 2)]
        self.convs = [keras.layers.Conv2D(max(8, round(c * width)), 3, strides=s, padding="same", activation="relu",
                                          name=f"conv{i}") for i, (c, s) in enumerate(plan)]
        self.hidden = keras.layers.Dense(self.hidden_units, activation="relu", name="hidden")
        self.bottleneck = keras.layers.Dense(self.style_dim, name="bottleneck")
        channels = 3
        for conv in self.convs:
            conv.build((None, None, None, channels))
            channels = conv.filters
        self.hidden.build((None, 2 * channels))
        self.bottleneck.build((None, self.hidden_units))
        self.built = True

    def call(self, images):
        x = ops.cast(images, self.compute_dtype) / 127.5 - 1.0
        for conv in self.convs:
            x = conv(x)
        return self.bottleneck(self.hidden(_mean_std_pool(x)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.style_dim)

    def get_config(self):
        return {"style_dim": self.style_dim, "width": self.width, "hidden": self.hidden_units, "name": self.name}


@keras.saving.register_keras_serializable(package="tfstyle")
class StyleTransferNet(JohnsonNet):
    """Johnson's transform network with conditional instance normalization.

    ``call((images, style_vectors))``: images ``(B, H, W, 3)`` in [0, 255] and style vectors
    ``(B, style_dim)`` (or ``(1, style_dim)``, shared) -> stylized images, same shape.

    One dense layer maps the style vector to a scale ``scale_offset + a`` and a shift ``b`` for
    every instance-norm layer (Magenta: "style parameters"); it starts at zero, so a new network
    (``scale_offset=1``) is the plain :class:`~tfstyle.models.JohnsonNet` it extends, and its
    weights can start from one (e.g. :func:`~tfstyle.training.johnson.pretrain_identity`). Use
    :meth:`conditioning` and :meth:`~JohnsonNet.transform` to run it with given per-layer
    parameters (tiling, blending). Other keyword arguments are :class:`~tfstyle.models.JohnsonNet`'s.

    :data:`MAGENTA_TRANSFER` is the configuration of Magenta's published network (width 0.25,
    ``scale_offset=0``: Magenta's projection gives the scale itself; no encoder norms, a norm on
    the output, sigmoid output); ``tools/convert_magenta.py`` fills it with Magenta's weights.

    Example:
        >>> import numpy as np
        >>> net = StyleTransferNet(width=0.25)
        >>> tuple(net((np.zeros((1, 32, 48, 3), "float32"), np.zeros((1, 100), "float32"))).shape)
        (1, 32, 48, 3)
        >>> magenta = StyleTransferNet(**MAGENTA_TRANSFER)
        >>> magenta.parameter_count, len(magenta.norms)
        (694, 13)
    """

    #: Needs a style to paint: a component, not a shipped network of its own.
    preset_kind = None

    def __init__(self, width: float = 0.5, residual_blocks: int = 5, padding_mode: str = "reflect",
                 style_dim: int = STYLE_DIM, scale_offset: float = 1.0, **kwargs):
        super().__init__(width=width, residual_blocks=residual_blocks, padding_mode=padding_mode, **kwargs)
        self.style_dim = int(style_dim)
        self.scale_offset = float(scale_offset)
        self.norm_channels = [conv.filters for conv in self.normalized_convs()]
        self.style_params = keras.layers.Dense(2 * sum(self.norm_channels), kernel_initializer="zeros",
                                               name="style_params")
        self.style_params.build((None, self.style_dim))
        # Build every layer now, so weights exist before the first call (a .keras file loads into them).
        self._forward(np.zeros((1, 16, 16, 3), "float32"))
        self.built = True

    @property
    def parameter_count(self) -> int:
        """Length of the flat style parameters (:meth:`style_parameters`): a scale and a shift per channel."""
        return 2 * sum(self.norm_channels)

    def style_parameters(self, style_vectors):
        """Flat per-channel ``(scale - scale_offset, shift)`` of every instance norm, ``(B, parameter_count)``.

        An affine function of the style vector, so blending vectors and blending these agree; a
        style fitted by :func:`tfstyle.fit_style` is one of these, not a vector.
        """
        return ops.cast(self.style_params(ops.cast(style_vectors, "float32")), "float32")

    def unpack(self, params) -> list:
        """Flat style parameters ``(B, parameter_count)`` -> per-layer ``(scale, shift)``, each ``(B, 1, 1, C)``."""
        params = ops.cast(params, "float32")
        pairs, start = [], 0
        for channels in self.norm_channels:
            scale = params[:, start:start + channels]
            shift = params[:, start + channels:start + 2 * channels]
            pairs.append((self.scale_offset + scale[:, None, None, :], shift[:, None, None, :]))
            start += 2 * channels
        return pairs

    def conditioning(self, style_vectors) -> list:
        """Per-layer ``(scale, shift)``, each ``(B, 1, 1, C)``, for style vectors ``(B, style_dim)``."""
        return self.unpack(self.style_parameters(style_vectors))

    def call(self, inputs, stats=None, training=None):
        images, style_vectors = inputs
        return self.transform(images, self.conditioning(style_vectors), stats=stats, training=training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (3,)

    def get_config(self):
        config = {**super().get_config(), "style_dim": self.style_dim}
        return config if self.scale_offset == 1.0 else {**config, "scale_offset": self.scale_offset}


@keras.saving.register_keras_serializable(package="tfstyle")
class ArbitraryStyleNet(PresetMixin, keras.Model):
    """A style predictor and a :class:`StyleTransferNet`: ``call((content, style))`` -> stylized content.

    ``style`` is a batch of style images (``B`` or 1), best at ``style_size`` squares, the size
    the predictor was trained on (any size runs: the predictors pool over the image). Strength and blending work on the style vectors
    (:meth:`predict_style`); ``tfstyle.stylize_arbitrary`` adds them, tiling and colour.

    Example:
        >>> import numpy as np
        >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25))
        >>> content, style = np.zeros((1, 32, 32, 3), "float32"), np.full((1, 64, 64, 3), 90.0, "float32")
        >>> tuple(net((content, style)).shape), tuple(net.predict_style(style).shape)
        ((1, 32, 32, 3), (1, 100))
    """

    preset_kind = "arbitrary"

    def __init__(self, predictor: keras.Model, transfer: StyleTransferNet, style_size: int = STYLE_SIZE, **kwargs):
        super().__init__(**kwargs)
        if predictor.style_dim != transfer.style_dim:
            raise ValueError(f"predictor makes {predictor.style_dim} numbers, transfer needs {transfer.style_dim}")
        self.predictor, self.transfer = predictor, transfer
        #: Side of the square style crops the predictor was trained on (style images are cover-cropped to it).
        self.style_size = int(style_size)
        self.built = True

    @property
    def style_dim(self) -> int:
        return self.transfer.style_dim

    def predict_style(self, style_images):
        """Style vectors ``(B, style_dim)`` of style images ``(B, H, W, 3)`` in [0, 255]."""
        return self.predictor(ops.cast(style_images, "float32"))

    def call(self, inputs, training=None):
        content, style = inputs
        return self.transfer((content, self.predict_style(style)), training=training)

    def style_vector(self, style) -> np.ndarray:
        """The style vector ``(style_dim,)`` of one image, cover-cropped to ``style_size`` squares as in training.

        Example:
            >>> import numpy as np
            >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25))
            >>> net.style_vector(np.full((300, 200, 3), 80, np.uint8)).shape
            (100,)
        """
        image = cover_crop(load_image(style), (self.style_size, self.style_size))
        return np.asarray(self.predict_style(image[None]), np.float32)[0]

    def style_parameters(self, style) -> np.ndarray:
        """Flat style parameters ``(parameter_count,)`` of a style image or a :class:`FittedStyle`.

        An image goes through the predictor (:meth:`style_vector`), then the transfer network's
        :meth:`StyleTransferNet.style_parameters`.

        Example:
            >>> import numpy as np
            >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25))
            >>> net.style_parameters(np.full((40, 40, 3), 80, np.uint8)).shape == (net.transfer.parameter_count,)
            True
        """
        if isinstance(style, FittedStyle):
            if style.params.shape != (self.transfer.parameter_count,):
                raise OptionError(f"this fitted style has {style.params.size} parameters, the network takes "
                                  f"{self.transfer.parameter_count}: it was fitted for another network")
            return style.params
        return np.asarray(self.transfer.style_parameters(self.style_vector(style)[None]), np.float32)[0]

    def conditioned(self, params: np.ndarray) -> ConditionedTransfer:
        """The transfer network bound to one style's flat parameters (a one-style network for tiling)."""
        return ConditionedTransfer(self.transfer, params)

    def stylizer(self) -> GhiasiStylizer:
        """This network's :class:`~tfstyle.runtime.protocols.ArbitraryStylizer` adapter."""
        return GhiasiStylizer(self)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {"predictor": keras.saving.serialize_keras_object(self.predictor),
                "transfer": keras.saving.serialize_keras_object(self.transfer), "style_size": self.style_size,
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        predictor = keras.saving.deserialize_keras_object(config.pop("predictor"))
        transfer = keras.saving.deserialize_keras_object(config.pop("transfer"))
        return cls(predictor, transfer, **config)


class ConditionedTransfer:
    """A :class:`StyleTransferNet` bound to one style's flat parameters.

    Looks like a :class:`~tfstyle.models.JohnsonNet` to :func:`tfstyle.runtime.tiling.stylize_tiled`
    (``net(images, stats=...)`` and ``net.norm_stats(images)``).
    """

    def __init__(self, transfer: StyleTransferNet, params: np.ndarray):
        self.transfer = transfer
        self.conditioning = transfer.unpack(np.asarray(params, np.float32)[None])

    def __call__(self, images, stats=None):
        return self.transfer.transform(images, self.conditioning, stats=stats)

    def norm_stats(self, images) -> list:
        return self.transfer.norm_stats(images, conditioning=self.conditioning)


class GhiasiStylizer(CodeStylizer):
    """Ghiasi's (and Magenta's) adapter: codes are flat style parameters (from the predictor, or a
    :class:`FittedStyle`); strength mixes in the photo's own and, below
    :data:`tfstyle.image.blend.FADE_BELOW`, fades the picture into the photo.

    Example:
        >>> import numpy as np
        >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25))
        >>> photo = np.full((32, 40, 3), 90.0, "float32")
        >>> float(net.stylizer().paint(photo, [np.zeros((24, 24, 3))], strength=0.0).max())
        90.0
    """

    family = "Ghiasi"
    fits_styles = True
    fades_to_photo = True

    def __init__(self, net: ArbitraryStyleNet):
        self.net = net

    def style_code(self, style) -> np.ndarray:
        return self.net.style_parameters(style)

    def conditioned(self, code) -> ConditionedTransfer:
        return self.net.conditioned(code)


def fold_style(net: ArbitraryStyleNet, style, *, name: str | None = None) -> JohnsonNet:
    """One style of ``net`` folded into a plain :class:`~tfstyle.models.JohnsonNet` (a fast-style network).

    A conditional-instance-norm network with a fixed style is a Johnson network whose instance
    norms carry that style's scale and shift: each norm computes ``(n g0 + b0) s + t`` (``n`` the
    normalized input, ``g0, b0`` the layer's own gamma and beta, ``s, t`` the style's scale and
    shift), which is a norm with gamma ``g0 s`` and beta ``b0 s + t``. The result has ``net``'s
    transfer configuration (the options :class:`~tfstyle.models.JohnsonNet` takes), the same
    convolution weights, and paints what ``net.conditioned(net.style_parameters(style))`` paints,
    with no predictor and no style input: it tiles, exports and ships like any fast style.

    Args:
        net: the arbitrary-style network.
        style: a style image (through ``net``'s predictor, cover-cropped to ``net.style_size``) or a
            :class:`FittedStyle` fitted for ``net``.
        name: the new network's Keras name (default ``"johnson_net"``-like, Keras' choice).

    Example:
        >>> import numpy as np
        >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25))
        >>> folded = fold_style(net, np.full((64, 64, 3), 90, np.uint8))
        >>> type(folded).__name__, folded.width
        ('JohnsonNet', 0.25)
    """
    import inspect

    transfer = net.transfer
    accepted = set(inspect.signature(JohnsonNet.__init__).parameters) - {"self", "kwargs"}
    options = {key: value for key, value in transfer.get_config().items() if key in accepted}
    folded = JohnsonNet(**options, **({"name": name} if name else {}))
    folded(np.zeros((1, 16, 16, 3), "float32"))  # build every layer
    pairs = transfer.unpack(np.asarray(net.style_parameters(style), np.float32)[None])
    source_convs = [*transfer.encoder, *(c for pair in transfer.res_convs for c in pair), *transfer.decoder,
                    transfer.output_conv]
    target_convs = [*folded.encoder, *(c for pair in folded.res_convs for c in pair), *folded.decoder,
                    folded.output_conv]
    for source, target in zip(source_convs, target_convs, strict=True):
        target.set_weights(source.get_weights())
    for source, target, (scale, shift) in zip(transfer.norms, folded.norms, pairs, strict=True):
        gamma, beta = (np.asarray(keras.ops.convert_to_numpy(w), np.float64) for w in (source.gamma, source.beta))
        scale = np.asarray(keras.ops.convert_to_numpy(scale), np.float64).reshape(-1)
        shift = np.asarray(keras.ops.convert_to_numpy(shift), np.float64).reshape(-1)
        target.gamma.assign((gamma * scale).astype(np.float32))
        target.beta.assign((beta * scale + shift).astype(np.float32))
    return folded
