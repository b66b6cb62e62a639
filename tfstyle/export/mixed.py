"""The ``mixed`` format's conversion: int8 convolutions, float normalization (ai-edge-quantizer).

CONV_2D and FULLY_CONNECTED get int8 per-channel weights and int8 activations; everything else
(instance norm, its variance, the style projection's scales and shifts) stays float32. The default
``"dynamic"`` recipe quantizes each convolution's input on the fly from its own range, so a photo or
a style vector outside the calibrated range is not clipped; ``"static"`` uses ranges calibrated on
samples (QUANTIZE/DEQUANTIZE around each convolution). Files and metadata:
:func:`tfstyle.export.aeq.quantize_mixed`, ``export_tflite(..., format="mixed")``.
"""
from __future__ import annotations

import os

import numpy as np

from tfstyle.errors import OptionError, TfstyleError, first_line

#: Recipes of the ``mixed`` format.
MIXED_RECIPES = ("dynamic", "static")
#: The ops the mixed format quantizes (everything else stays float32).
MIXED_OPS = ("CONV_2D", "FULLY_CONNECTED")


def mixed_bytes(content: bytes, *, recipe: str = "dynamic", samples: list[dict] | None = None) -> bytes:
    """A float32 ``.tflite`` (bytes) with int8 convolutions and float normalization (see the module doc).

    ``samples`` (``"static"`` only, required there): calibration inputs, a list of
    ``{signature input name: array with the batch axis}``.

    Example:
        >>> import pathlib, tempfile, numpy as np
        >>> from tfstyle.models import JohnsonNet
        >>> from tfstyle.export import export_tflite
        >>> from tfstyle.export.integer import integer_report
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "f.tflite"
        >>> _ = export_tflite(JohnsonNet(width=0.25, residual_blocks=1), path, size=32)
        >>> report = integer_report(mixed_bytes(path.read_bytes()))
        >>> report["full_integer"], "MEAN" in report["float_ops"]
        (False, True)
    """
    from ai_edge_quantizer import qtyping, quantizer

    from tfstyle.runtime.litert import SIGNATURE_KEY

    if recipe not in MIXED_RECIPES:
        raise OptionError(f"mixed recipe must be one of {', '.join(MIXED_RECIPES)}; got {recipe!r}")
    if recipe == "static" and not samples:
        raise OptionError("the static mixed recipe needs calibration samples")
    try:
        qt = quantizer.Quantizer(bytes(content))
        for op in MIXED_OPS:
            name = getattr(qtyping.TFLOperationName, op)
            if recipe == "dynamic":
                qt.add_dynamic_config(".*", name, 8)
            else:
                qt.add_static_config(".*", name, 8, 8)
        ranges = None
        if qt.need_calibration:
            ranges = qt.calibrate({SIGNATURE_KEY: [{k: np.asarray(v, np.float32) for k, v in s.items()} for s in samples]},
                                  num_threads=max(1, min(4, os.cpu_count() or 1)))
        return bytes(qt.quantize(ranges, enable_progress_report=False).quantized_model)
    except Exception as exc:
        raise TfstyleError(f"ai-edge-quantizer (mixed, {recipe}) failed: {first_line(exc)}") from exc
