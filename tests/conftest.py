"""Fixtures shared by the tests."""
from __future__ import annotations

import os
import pathlib

import numpy as np
import pytest


@pytest.fixture(scope="session")
def vgg_weights() -> str:
    """Path of the VGG19 weights the suite uses (set by the root conftest from ../shared)."""
    path = os.environ.get("TFSTYLE_VGG19_WEIGHTS")
    if not path or not os.path.isfile(path):
        message = "VGG19 weights not found: set TFSTYLE_VGG19_WEIGHTS to a VGG19 notop .h5 file"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def smooth_image(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A random but photo-like (spatially smooth, colourful) float32 image in [0, 255]."""
    from PIL import Image

    small = rng.uniform(0, 255, (max(2, height // 8), max(2, width // 8), 3)).astype(np.uint8)
    return np.asarray(Image.fromarray(small).resize((width, height), Image.BICUBIC), np.float32)


SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def magenta_dir():
    """Magenta's published TFLite models (../shared/anchors/magenta)."""
    path = SHARED / "anchors" / "magenta"
    if not (path / "predict_int8_256.tflite").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"Magenta's models not found in {path}")
        pytest.skip(f"Magenta's models not found in {path}")
    return path


def tiny_arbitrary_net(seed: int, *, residual_blocks: int = 1, style_size: int = 64):
    """A small ``ArbitraryStyleNet`` with random (non-zero) conditioning, so styles really differ."""
    import keras

    from tfstyle.models import ArbitraryStyleNet, CompactStylePredictor, StyleTransferNet

    keras.utils.set_random_seed(seed)
    model = ArbitraryStyleNet(CompactStylePredictor(width=0.25),
                              StyleTransferNet(width=0.25, residual_blocks=residual_blocks), style_size=style_size)
    kernel, bias = model.transfer.style_params.get_weights()
    model.transfer.style_params.set_weights(
        [np.random.default_rng(0).normal(0, 0.05, kernel.shape).astype("float32"), bias])
    return model
