"""Magenta's style predictor: MobileNetV2 (width 1.0) features -> mean over the image -> 100 numbers.

The distilled predictor of Ghiasi et al. (2017) as Magenta publishes it in
``predict_int8_256.tflite``: a MobileNetV2 body (``MobilenetV2/Conv`` ... ``MobilenetV2/Conv_1``,
1280 channels), each channel averaged over the image (``bottleneck/Mean``), and one 1x1
convolution to the 100-number style vector (``mobilenet_conv/Conv``, no activation). The image
enters as RGB in [0, 1] with no other preprocessing. Batch norms stay folded into the
convolutions (each conv has a bias), exactly as in the file; ``tools/convert_magenta.py``
fills the weights.
"""
from __future__ import annotations

import keras
from keras import ops

#: MobileNetV2 inverted-residual blocks after the first one: (expansion, output channels, repeats, first stride).
BLOCKS = ((6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def block_names() -> list[tuple[str, int, int, int]]:
    """``[(name, expansion, output channels, stride), ...]`` of the 17 inverted-residual blocks, Magenta's names."""
    plan = [("expanded_conv", 1, 16, 1)]
    for expansion, channels, repeats, stride in BLOCKS:
        for i in range(repeats):
            plan.append((f"expanded_conv_{len(plan)}", expansion, channels, stride if i == 0 else 1))
    return plan


@keras.saving.register_keras_serializable(package="tfstyle")
class MobileNetStylePredictor(keras.Model):
    """Style image(s) ``(B, H, W, 3)`` in [0, 255] -> style vectors ``(B, style_dim)`` with a MobileNetV2.

    Layers are named after Magenta's TensorFlow scopes (``Conv``, ``expanded_conv_3_expand``,
    ``expanded_conv_3_depthwise``, ``expanded_conv_3_project``, ``Conv_1``, ``bottleneck``);
    convolutions use TensorFlow's ``"same"`` padding and ReLU6, project convolutions are linear,
    and a block adds its input when stride and channels allow (as MobileNetV2). Magenta ran it on
    256x256 squares; any size works (the features are averaged).

    Args:
        style_dim: length of the style vector.
        output_range: ``(low, high)`` to clip the style vector to, or ``None``. Magenta's int8
            file stores its output as int8 with one scale, so its vectors saturate at that
            range ([-2.05, 3.02]); the converter sets it so the port saturates in the same way
            (15 of the 79 holdout paintings reach it).

    Example:
        >>> import numpy as np
        >>> predictor = MobileNetStylePredictor()
        >>> tuple(predictor(np.zeros((2, 64, 48, 3), "float32")).shape), predictor.style_dim
        ((2, 100), 100)
    """

    def __init__(self, style_dim: int = 100, output_range: tuple[float, float] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.style_dim = int(style_dim)
        if output_range is not None:
            output_range = (float(output_range[0]), float(output_range[1]))
            if not output_range[0] < output_range[1]:
                raise ValueError(f"output_range must be (low, high) with low < high, got {output_range}")
        self.output_range = output_range
        layers = keras.layers
        self.stem = layers.Conv2D(32, 3, strides=2, padding="same", name="Conv")
        self.blocks = []
        channels = 32
        for name, expansion, out, stride in block_names():
            expand = None
            if expansion != 1:
                expand = layers.Conv2D(channels * expansion, 1, padding="same", name=f"{name}_expand")
                expand.build((None, None, None, channels))
            depthwise = layers.DepthwiseConv2D(3, strides=stride, padding="same", name=f"{name}_depthwise")
            depthwise.build((None, None, None, channels * expansion))
            project = layers.Conv2D(out, 1, padding="same", name=f"{name}_project")
            project.build((None, None, None, channels * expansion))
            self.blocks.append((expand, depthwise, project, stride == 1 and out == channels))
            channels = out
        self.head = layers.Conv2D(1280, 1, padding="same", name="Conv_1")
        self.bottleneck = layers.Dense(self.style_dim, name="bottleneck")
        self.stem.build((None, None, None, 3))
        self.head.build((None, None, None, channels))
        self.bottleneck.build((None, 1280))
        self.built = True

    def conv_layers(self) -> list:
        """Every layer with weights, in Magenta's order (stem, blocks' expand/depthwise/project, head, bottleneck)."""
        inner = [layer for expand, depthwise, project, _ in self.blocks
                 for layer in (expand, depthwise, project) if layer is not None]
        return [self.stem, *inner, self.head, self.bottleneck]

    def pooled_features(self, images):
        """The trunk's average-pooled head activations ``(B, 1280)``: what :attr:`bottleneck` maps to a style vector."""
        x = ops.relu6(self.stem(ops.cast(images, "float32") / 255.0))
        for expand, depthwise, project, residual in self.blocks:
            y = x if expand is None else ops.relu6(expand(x))
            y = project(ops.relu6(depthwise(y)))
            x = x + y if residual else y
        return ops.mean(ops.relu6(self.head(x)), axis=(1, 2))

    def call(self, images):
        vectors = self.bottleneck(self.pooled_features(images))
        return vectors if self.output_range is None else ops.clip(vectors, *self.output_range)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.style_dim)

    def get_config(self):
        return {"style_dim": self.style_dim, "output_range": None if self.output_range is None else
                list(self.output_range), "name": self.name}
