"""VGG19 feature extractor for perceptual (style and content) losses.

Inputs are RGB images as floats in [0, 255]; the extractor applies VGG's own
preprocessing (RGB -> BGR, ImageNet mean subtracted) itself, so callers never do.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import keras
from keras import ops

from tfstyle.errors import OptionError, WeightsError, first_line

#: Environment variable naming a local VGG19 notop ``.h5`` file; it overrides ``"imagenet"``.
WEIGHTS_ENV = "TFSTYLE_VGG19_WEIGHTS"
#: Where Keras itself downloads VGG19's ImageNet weights from (same URL, file name and hash).
IMAGENET_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
    "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
)
IMAGENET_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
IMAGENET_MD5 = "253f8cb515780f3b799900260a226db6"
#: Caffe-style ImageNet channel means, in BGR order, as keras.applications.vgg19 uses them.
BGR_MEAN = (103.939, 116.779, 123.68)
LAYER_NAMES = tuple(
    f"block{b}_conv{c}" for b, n in ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4)) for c in range(1, n + 1)
)

# The layer sets every loss, model and metric of tfstyle uses, defined once. (Keras' ``blockB_convC``
# is the paper's ``reluB_C``: the extractor returns activations after the ReLU.)

#: Gatys et al.'s style layers, relu1_1 .. relu5_1: the optimization method, the ``"relative"`` loss
#: preset and the style distance of :mod:`tfstyle.perceptual.metrics`.
STYLE_LAYERS: tuple[str, ...] = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
#: Gatys et al.'s content layer, relu4_2 (same users as :data:`STYLE_LAYERS`).
CONTENT_LAYER: str = "block4_conv2"
#: Johnson et al.'s layers for fast networks: content relu2_2; style relu1_2, relu2_2, relu3_3, relu4_3,
#: weighted by 1/C^2 (the paper divides each Gram by C).
JOHNSON_CONTENT_LAYERS: tuple[str, ...] = ("block2_conv2",)
JOHNSON_STYLE_LAYERS: tuple[str, ...] = ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3")
JOHNSON_STYLE_LAYER_WEIGHTS: tuple[float, ...] = tuple(1.0 / c**2 for c in (64, 128, 256, 512))
#: The encoder of AdaIN and of the VGG19 style predictor: relu1_1 .. relu4_1 (AdaIN is applied at the last).
ENCODER_LAYERS: tuple[str, ...] = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")
#: Mean activation of each encoder layer of Keras' VGG19 on natural images: dividing by it brings
#: features to about 1 (approximates the normalised VGG that AdaIN's loss weights were tuned on).
FEATURE_SCALES: dict[str, float] = {"block1_conv1": 20.0, "block2_conv1": 130.0, "block3_conv1": 130.0,
                                    "block4_conv1": 500.0}


@keras.saving.register_keras_serializable(package="tfstyle")
class VGGPreprocess(keras.layers.Layer):
    """Turns RGB floats in [0, 255] into VGG19's input (BGR, ImageNet mean subtracted)."""

    def call(self, images):
        bgr = ops.flip(ops.cast(images, self.compute_dtype), axis=-1)
        return bgr - ops.convert_to_tensor(BGR_MEAN, dtype=self.compute_dtype)


def resolve_weights(weights: str | os.PathLike | None = None) -> str:
    """Return a local path to VGG19 notop weights.

    ``weights`` is ``"imagenet"`` (Keras' download and cache in ``~/.keras/models``), a
    path to a local ``.h5`` file, or ``None``: then ``$TFSTYLE_VGG19_WEIGHTS`` if set,
    else ``"imagenet"``. Raises :class:`~tfstyle.WeightsError` with the fix when the
    file is missing or cannot be downloaded.

    Example:
        >>> import os
        >>> resolve_weights(os.environ["TFSTYLE_VGG19_WEIGHTS"]).endswith(".h5")
        True
    """
    if weights is None:
        weights = os.environ.get(WEIGHTS_ENV) or "imagenet"
    if weights == "imagenet":
        try:
            return keras.utils.get_file(
                IMAGENET_FILE, IMAGENET_URL, cache_subdir="models", file_hash=IMAGENET_MD5
            )
        except Exception as exc:  # Keras raises bare Exception for URL/HTTP failures.
            raise WeightsError(
                f"could not download the VGG19 ImageNet weights ({first_line(exc)}). Download {IMAGENET_URL} "
                f"once and pass its path (weights=PATH, or --vgg-weights PATH on the command line), "
                f"or set {WEIGHTS_ENV}=PATH"
            ) from None
    path = os.path.expanduser(os.fspath(weights))
    if not os.path.isfile(path):
        raise WeightsError(
            f"VGG19 weights file not found: {path} (pass weights='imagenet' to download Keras' "
            f"file, or the path of a VGG19 notop .h5 file)"
        )
    return path


@functools.lru_cache(maxsize=8)
def _vgg19_backbone(path: str) -> keras.Model:
    try:
        return keras.applications.VGG19(include_top=False, weights=path, input_shape=(None, None, 3))
    except Exception as exc:
        raise WeightsError(
            f"could not load VGG19 weights from {path}: {first_line(exc)} "
            f"(expected Keras' VGG19 notop .h5 file)"
        ) from None


def vgg19_features(
    layers: Sequence[str],
    weights: str | os.PathLike | None = None,
    pooling: str = "max",
) -> keras.Model:
    """Build a frozen model mapping RGB images in [0, 255] to VGG19 activations.

    Args:
        layers: Keras layer names of VGG19 (e.g. ``"block4_conv2"``); the network stops
            at the deepest one, so unused blocks cost nothing.
        weights: see :func:`resolve_weights`.
        pooling: ``"max"`` (VGG19 as trained) or ``"avg"`` (Gatys et al. found average
            pooling gives smoother gradients for image optimization).

    Returns:
        A ``keras.Model`` taking ``(batch, height, width, 3)`` and returning a dict
        ``{layer_name: (batch, h, w, channels)}``.

    Example:
        >>> import numpy as np
        >>> model = vgg19_features(["block1_conv1", "block2_conv1"])
        >>> out = model(np.zeros((1, 32, 32, 3), "float32"))
        >>> tuple(out["block2_conv1"].shape)
        (1, 16, 16, 128)
    """
    layers = tuple(dict.fromkeys(layers))
    unknown = [name for name in layers if name not in LAYER_NAMES]
    if not layers or unknown:
        raise OptionError(
            f"unknown VGG19 layer(s) {unknown or '(none given)'}; choose from {', '.join(LAYER_NAMES)}"
        )
    if pooling not in ("max", "avg"):
        raise OptionError(f"pooling must be 'max' or 'avg', got {pooling!r}")
    return _build_features(layers, resolve_weights(weights), pooling)


@functools.lru_cache(maxsize=16)
def _build_features(layers: tuple[str, ...], path: str, pooling: str) -> keras.Model:
    backbone = _vgg19_backbone(path)
    deepest = max(LAYER_NAMES.index(name) for name in layers)
    inputs = keras.Input((None, None, 3), name="rgb_0_255")
    x = VGGPreprocess(name="vgg_preprocess")(inputs)
    outputs = {}
    for layer in backbone.layers[1:]:
        if isinstance(layer, keras.layers.MaxPooling2D):
            # Reuse VGG's conv layers (and their weights) but choose the pooling kind.
            pool = keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
            x = pool(2, name=f"{layer.name}_{pooling}")(x)
        else:
            x = layer(x)
            if layer.name in layers:
                outputs[layer.name] = x
        if layer.name == LAYER_NAMES[deepest]:
            break
    model = keras.Model(inputs, outputs, name=f"vgg19_features_{pooling}")
    model.trainable = False
    return model
