"""Post-training quantization with Google's ``ai-edge-quantizer``, to compare with the TFLite converter's.

It quantizes an existing float32 ``.tflite`` file (from :func:`tfstyle.export.export_tflite`)
with one of its recipes, calibrating on real images. Measured on the shipped wave style at
384x384 (PSNR against the float model): ``static_wi8_ai8`` 32.2 dB where the converter's
INT8 gives 28.4 dB; ``static_wi8_ai16`` 47.5 dB but ~13x slower on CPU (no XNNPACK kernels).
"""
from __future__ import annotations

import json
import os
import pathlib

import numpy as np

from tfstyle.atomic import write_files
from tfstyle.errors import OptionError, TfstyleError, first_line

RECIPES = ("static_wi8_ai8", "static_wi8_ai16", "dynamic_wi8_afp32", "weight_only_wi8_afp32")


def quantize_tflite(
    float_model: str | os.PathLike,
    path: str | os.PathLike,
    calibration,
    *,
    recipe: str = "static_wi8_ai8",
    num_calibration: int = 16,
) -> dict:
    """Quantize a float32 ``.tflite`` image model with ai-edge-quantizer; write ``path`` and ``path.json``.

    Args:
        float_model: the float32 model (single ``content`` input, as :func:`export_tflite` writes).
        path: the quantized ``.tflite`` to write.
        calibration: real images (folder, paths or arrays), cover-cropped to the model's size.
        recipe: one of :data:`RECIPES`.
        num_calibration: use at most this many images.

    Returns:
        Metadata (also written beside the model): ``format`` (``"aeq:<recipe>"``),
        ``size_bytes``, ``source_model``, ``calibration_images``, ``gpu_check`` and ``gpu_accelerator``
        (LiteRT's GPU accelerator where a Vulkan device exists, see
        :func:`tfstyle.export.tflite.gpu_accelerator_metadata`).

    Example:
        >>> import pathlib, tempfile, numpy as np
        >>> from tfstyle.models import JohnsonNet
        >>> from tfstyle.export import export_tflite
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = export_tflite(JohnsonNet(width=0.25, residual_blocks=1), folder / "f.tflite", size=32)
        >>> images = [np.random.default_rng(i).uniform(0, 255, (32, 32, 3)) for i in range(2)]
        >>> quantize_tflite(folder / "f.tflite", folder / "q.tflite", images)["format"]
        'aeq:static_wi8_ai8'
    """
    from tfstyle.export.tflite import INPUT_NAME, OUTPUT_NAME, calibration_images, gpu_accelerator_metadata
    from tfstyle.runtime.litert import SIGNATURE_KEY, make_interpreter

    if recipe not in RECIPES:
        raise OptionError(f"recipe must be one of {', '.join(RECIPES)}; got {recipe!r}")
    source = pathlib.Path(float_model)
    if not source.is_file():
        raise OptionError(f"no such TFLite model: {source}")
    interpreter = make_interpreter(model_path=str(source))
    size = tuple(int(s) for s in interpreter.get_input_details()[0]["shape"][1:3])
    images = calibration_images(calibration, size, num_calibration)

    from ai_edge_quantizer import quantizer
    from ai_edge_quantizer import recipe as recipes

    try:
        qt = quantizer.Quantizer(str(source), getattr(recipes, recipe)())
        ranges = None
        if qt.need_calibration:
            ranges = qt.calibrate({SIGNATURE_KEY: [{INPUT_NAME: image[None].astype(np.float32)} for image in images]},
                                  num_threads=max(1, min(4, os.cpu_count() or 1)))
        result = qt.quantize(ranges, enable_progress_report=False)
    except Exception as exc:
        raise TfstyleError(f"ai-edge-quantizer ({recipe}) failed: {first_line(exc)}") from exc
    content = bytes(result.quantized_model)
    metadata = {"format": f"aeq:{recipe}", "size_bytes": len(content), "source_model": source.name,
                "calibration_images": len(images),
                **gpu_accelerator_metadata(content, {INPUT_NAME: [0, 255], OUTPUT_NAME: [0, 255]}, require_gpu=False)}
    target = pathlib.Path(path)
    write_files({target: content, target.with_name(target.name + ".json"): json.dumps(metadata, indent=2) + "\n"})
    return metadata
