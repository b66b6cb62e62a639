"""Which TFLite builtin ops the TFLite GPU delegate can run.

:data:`GPU_DELEGATE_OPS` is an explicit allow-list of op *names*. It was taken from the
``switch`` in ``CheckGpuDelegateCompatibility(const OpSignature&)`` of
``tensorflow/lite/tools/versioning/gpu_compatibility.cc`` (tensorflow/tensorflow, commit
057f8c812fb0), which is where the GPU delegate's ``IsSupported`` logic from
``tensorflow/lite/delegates/gpu/common/model_builder.cc`` now lives. Every builtin that switch
accepts is listed; ``BROADCAST_TO``, ``EXPAND_DIMS``, ``SQUEEZE``, ``GATHER_ND`` and the
resource-variable ops are not in it. Custom ops (including every Flex op) are never allowed.

It is a name-level check, so it is necessary but not sufficient: the delegate also checks
op parameters (for example ``MIRROR_PAD`` only in ``REFLECT`` mode, which is what
``keras.ops.pad(mode="reflect")`` produces; ``MEAN``/``SUM`` only over constant int32 axes;
``CAST`` only between some types; at most 4-D tensors, batch 1) and tensor types (float32 /
float16, or int8 / uint8 when quantized models are allowed).

``tf.lite.experimental.Analyzer.analyze(gpu_compatibility=True)`` is deliberately not used:
in this environment (TF 2.21) it reports "compatible" for every model, even one with a
Flex op, so it cannot gate anything.
"""
from __future__ import annotations

from collections.abc import Iterable

__all__ = ["GPU_DELEGATE_OPS", "check_gpu_ops"]

#: TFLite builtin op names that the GPU delegate accepts (see the module docstring).
GPU_DELEGATE_OPS: frozenset[str] = frozenset(
    {
        # Convolution, pooling, matrix products.
        "CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "FULLY_CONNECTED", "BATCH_MATMUL",
        "AVERAGE_POOL_2D", "MAX_POOL_2D",
        # Activations.
        "RELU", "RELU6", "RELU_N1_TO_1", "LEAKY_RELU", "PRELU", "HARD_SWISH", "LOGISTIC",
        "TANH", "ELU", "GELU", "SOFTMAX",
        # One-input elementwise.
        "ABS", "COS", "SIN", "EXP", "LOG", "FLOOR", "NEG", "RSQRT", "SQRT", "SQUARE", "SIGN",
        # Two-input elementwise.
        "ADD", "ADD_N", "SUB", "MUL", "DIV", "POW", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE",
        "FLOOR_DIV", "FLOOR_MOD", "EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS",
        "LESS_EQUAL", "LOGICAL_AND",
        # Reductions.
        "MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "CUMSUM",
        # Shape, layout and data movement.
        "RESHAPE", "TRANSPOSE", "CONCATENATION", "PACK", "SPLIT", "SPLIT_V", "SLICE",
        "STRIDED_SLICE", "TILE", "GATHER", "SELECT", "SELECT_V2", "ONE_HOT", "CAST",
        "PAD", "PADV2", "MIRROR_PAD", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR",
        "SPACE_TO_DEPTH", "DEPTH_TO_SPACE", "DENSIFY",
        # Quantization (accepted when the delegate runs quantized models).
        "QUANTIZE", "DEQUANTIZE",
        # LSTM (basic kernel with TANH, or full kernel).
        "LSTM",
    }
)


def check_gpu_ops(ops: Iterable[str]) -> list[str]:
    """Return the sorted op names in ``ops`` that are not in :data:`GPU_DELEGATE_OPS`.

    Example:
        >>> check_gpu_ops(["CONV_2D", "MIRROR_PAD", "BROADCAST_TO", "FlexRFFT"])
        ['BROADCAST_TO', 'FlexRFFT']
    """
    if isinstance(ops, str):
        ops = [ops]
    return sorted({str(op) for op in ops} - GPU_DELEGATE_OPS)
