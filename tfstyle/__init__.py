"""tfstyle: neural style transfer for TensorFlow / Keras 3.

Importing tfstyle is cheap: TensorFlow, Keras and model weights load only when a
function that needs them is first called, and tfstyle never changes the user's Keras
(tensorflow-model-optimization, which switches Keras to tf_keras, is imported only
inside quantization-aware training).

Example:
    >>> import tfstyle
    >>> tfstyle.__version__
    '0.1.0'
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name -> module that defines it; resolved on first access (PEP 562).
_LAZY = {
    "TfstyleError": "tfstyle.errors",
    "ImageError": "tfstyle.errors",
    "WeightsError": "tfstyle.errors",
    "OptionError": "tfstyle.errors",
    "VideoError": "tfstyle.errors",
    "load_image": "tfstyle.image.io",
    "save_image": "tfstyle.image.io",
    "resize_image": "tfstyle.image.io",
    "transfer_color": "tfstyle.image.color",
    "new_style": "tfstyle.training.new_style",
    "vgg19_features": "tfstyle.perceptual.vgg",
    "PerceptualLoss": "tfstyle.perceptual.loss",
    "stylize_optimize": "tfstyle.methods.optimize",
    "stylize": "tfstyle.methods.fast",
    "stylize_tiled": "tfstyle.runtime.tiling",
    "JohnsonNet": "tfstyle.models",
    "AdaINNet": "tfstyle.models",
    "ArbitraryStyleNet": "tfstyle.models",
    "StyleTransferNet": "tfstyle.models",
    "StylePredictor": "tfstyle.models",
    "CompactStylePredictor": "tfstyle.models",
    "stylize_arbitrary": "tfstyle.methods.arbitrary",
    "fit_style": "tfstyle.methods.fit",
    "FittedStyle": "tfstyle.runtime.protocols",
    "load_model": "tfstyle.weights.presets",
    "list_presets": "tfstyle.weights.presets",
    "train_arbitrary": "tfstyle.training.arbitrary",
    "distill_predictor": "tfstyle.training.arbitrary",
    "train_adain": "tfstyle.training.adain",
    "train_johnson": "tfstyle.training.johnson",
    "pretrain_identity": "tfstyle.training.johnson",
    "Scorer": "tfstyle.perceptual.metrics",
    "style_distance": "tfstyle.perceptual.metrics",
    "content_distance": "tfstyle.perceptual.metrics",
    "warping_error": "tfstyle.video.temporal",
    "stylize_video": "tfstyle.video.io",
    "stylize_frames": "tfstyle.video.frames",
}

__all__ = sorted(_LAZY) + ["__version__"]


#: Modules reachable as attributes after a plain ``import tfstyle``: the topic packages, and the public
#: modules under the short names users know (``tfstyle.metrics.style_distance``).
_MODULES = {
    **{name: f"tfstyle.{name}" for name in ("cli", "devtools", "export", "image", "methods", "models", "perceptual",
                                             "runtime", "training", "video", "weights")},
    "arbitrary": "tfstyle.methods.arbitrary",
    "fit": "tfstyle.methods.fit",
    "metrics": "tfstyle.perceptual.metrics",
    "presets": "tfstyle.weights.presets",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tfstyle' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
