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
    "load_image": "tfstyle.images",
    "save_image": "tfstyle.images",
    "resize_image": "tfstyle.images",
    "transfer_color": "tfstyle.color",
    "vgg19_features": "tfstyle.vgg",
    "PerceptualLoss": "tfstyle.perceptual",
    "stylize_optimize": "tfstyle.optimize",
    "stylize": "tfstyle.fast",
    "stylize_tiled": "tfstyle.tiling",
    "JohnsonNet": "tfstyle.models",
    "AdaINNet": "tfstyle.models",
    "ArbitraryStyleNet": "tfstyle.models",
    "StyleTransferNet": "tfstyle.models",
    "StylePredictor": "tfstyle.models",
    "CompactStylePredictor": "tfstyle.models",
    "stylize_arbitrary": "tfstyle.arbitrary",
    "fit_style": "tfstyle.fit",
    "FittedStyle": "tfstyle.models.ghiasi",
    "load_model": "tfstyle.presets",
    "list_presets": "tfstyle.presets",
    "train_arbitrary": "tfstyle.training.arbitrary",
    "distill_predictor": "tfstyle.training.arbitrary",
    "train_adain": "tfstyle.training.adain",
    "train_johnson": "tfstyle.training.johnson",
    "pretrain_identity": "tfstyle.training.johnson",
    "Scorer": "tfstyle.metrics",
    "style_distance": "tfstyle.metrics",
    "content_distance": "tfstyle.metrics",
    "warping_error": "tfstyle.metrics",
    "stylize_video": "tfstyle.video",
    "stylize_frames": "tfstyle.frames",
}

__all__ = sorted(_LAZY) + ["__version__"]


#: Submodules reachable as attributes after a plain ``import tfstyle``.
_SUBMODULES = ("arbitrary", "export", "fit", "metrics", "models", "presets", "training")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"tfstyle.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tfstyle' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
