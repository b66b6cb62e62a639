"""Exporting tfstyle's networks for phones: TensorFlow Lite files and their metadata.

Importing this package is cheap (TensorFlow loads on the first export or run) and never
imports tensorflow-model-optimization.

Example:
    >>> from tfstyle.export import FORMATS, check_gpu_ops
    >>> FORMATS
    ('float32', 'float16', 'dynamic', 'int8')
    >>> check_gpu_ops(["CONV_2D", "BROADCAST_TO"])
    ['BROADCAST_TO']
"""
from __future__ import annotations

from tfstyle.export.gpu_ops import GPU_DELEGATE_OPS, check_gpu_ops
from tfstyle.export.litert_cache import build_litert_cache, ensure_litert_cache
from tfstyle.export.tflite import FORMATS, export_tflite, op_types
from tfstyle.runtime.litert import run_tflite

__all__ = ["FORMATS", "GPU_DELEGATE_OPS", "build_litert_cache", "check_gpu_ops", "ensure_litert_cache", "export_tflite",
           "op_types", "run_tflite"]
