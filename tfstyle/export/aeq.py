"""Post-training quantization with Google's ``ai-edge-quantizer``: INT8 candidates and the mixed format.

:func:`quantize_tflite` quantizes an existing float32 ``.tflite`` file (from
:func:`tfstyle.export.export_tflite`) with one of its recipes, calibrating on real images. Measured
on the shipped wave style at 384x384 (PSNR against the float model): ``static_wi8_ai8`` 32.2 dB
where the converter's INT8 gives 28.4 dB; ``static_wi8_ai16`` 47.5 dB but ~13x slower on CPU (no
XNNPACK kernels).

:func:`quantize_mixed` writes the ``mixed`` format: int8 convolutions (CONV_2D and FULLY_CONNECTED:
int8 per-channel weights, activations quantized to int8 at each convolution) and everything else
(instance norm, its variance, the style projection's scales and shifts) in float32, for CPUs. The
default ``"dynamic"`` recipe quantizes each convolution's input on the fly from its own range, so a
photo or a style vector outside the calibrated range is not clipped; ``"static"`` uses ranges
calibrated on samples (QUANTIZE/DEQUANTIZE around each convolution). Measured on wave at 384 px, 4
holdout photos, against its float32 file (AVX2 EPYC, loaded): dynamic 41.8 dB mean / 40.1 dB worst,
static 36.3 / 35.5 dB, the full-integer int8 file ~31.5 dB. It is not full-integer (an NPU will not
take it); full-integer files are ``int8``.
"""
from __future__ import annotations

import json
import os
import pathlib

import numpy as np

from tfstyle.atomic import write_files
from tfstyle.errors import OptionError, TfstyleError, first_line
from tfstyle.export.mixed import MIXED_OPS, MIXED_RECIPES, mixed_bytes  # noqa: F401 - the mixed format's names here too

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
    from tfstyle.export.integer import metadata as integer_metadata

    metadata = {"format": f"aeq:{recipe}", "size_bytes": len(content), "source_model": source.name,
                "calibration_images": len(images), **integer_metadata(content, "int8"),
                **gpu_accelerator_metadata(content, {INPUT_NAME: [0, 255], OUTPUT_NAME: [0, 255]}, require_gpu=False)}
    target = pathlib.Path(path)
    write_files({target: content, target.with_name(target.name + ".json"): json.dumps(metadata, indent=2) + "\n"})
    return metadata


def quantize_mixed(
    float_model: str | os.PathLike,
    path: str | os.PathLike,
    *,
    recipe: str = "dynamic",
    samples: list[dict] | None = None,
    require_gpu: bool = False,
) -> dict:
    """Write the ``mixed`` version of a float32 ``.tflite`` file (any signature) and its ``.json``.

    The metadata starts from the float file's ``.json`` when there is one (inputs, outputs, role,
    size) and records ``format: "mixed"``, ``mixed_recipe``, ``float_source``, the ops, GPU checks,
    ``full_integer`` (false) and ``suits`` (``["CPU"]``).

    Example:
        >>> import pathlib, tempfile
        >>> from tfstyle.models import JohnsonNet
        >>> from tfstyle.export import export_tflite
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = export_tflite(JohnsonNet(width=0.25, residual_blocks=1), folder / "f.tflite", size=32)
        >>> meta = quantize_mixed(folder / "f.tflite", folder / "m.tflite")
        >>> meta["format"], meta["suits"], meta["size_bytes"] < (folder / "f.tflite").stat().st_size
        ('mixed', ['CPU'], True)
    """
    from tfstyle.export.tflite import _check_target, _common_metadata, check_ops, gpu_accelerator_metadata

    source = pathlib.Path(float_model)
    if not source.is_file():
        raise OptionError(f"no such TFLite model: {source}")
    target = _check_target(path)
    sidecar = source.with_name(source.name + ".json")
    base = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    content = mixed_bytes(source.read_bytes(), recipe=recipe, samples=samples)
    ops, unsupported = check_ops(content, require_gpu)
    tensors = base.get("inputs", [base["input"]] if "input" in base else []) + \
        base.get("outputs", [base["output"]] if "output" in base else [])
    ranges = {t["name"]: t.get("range") for t in tensors} or {"content": [0, 255], "stylized": [0, 255]}
    gpu = gpu_accelerator_metadata(content, ranges, require_gpu)
    metadata = {**base, **_common_metadata(content, "mixed", ops, unsupported, None, gpu),
                "format": "mixed", "mixed_recipe": recipe, "float_source": source.name,
                "source_model": base.get("source_model")}
    if "file" in base:
        metadata["file"] = target.name
    write_files({target: content, target.with_name(target.name + ".json"): json.dumps(metadata, indent=2) + "\n"})
    return metadata


def export_arbitrary_mixed(net, folder: str | os.PathLike, *, content_size=384, style_input_size: int = 256,
                           prefix: str = "arbitrary", recipe: str = "dynamic", require_gpu: bool = False) -> dict:
    """An arbitrary network's predictor and transfer files in the ``mixed`` format (``*_mixed_*.tflite``).

    Exports float32 files with :func:`tfstyle.export.arbitrary.export_arbitrary` into a temporary
    folder and writes their :func:`quantize_mixed` versions into ``folder``; returns
    ``{role: metadata}`` as ``export_arbitrary`` does (only the dynamic recipe needs no samples).

    Example:
        >>> import tempfile
        >>> from tfstyle.models import ArbitraryStyleNet, CompactStylePredictor, StyleTransferNet
        >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25, residual_blocks=1),
        ...                         style_size=64)
        >>> metas = export_arbitrary_mixed(net, tempfile.mkdtemp(), content_size=32, style_input_size=64)
        >>> sorted(m["file"] for m in metas.values())
        ['arbitrary_predictor_mixed_64.tflite', 'arbitrary_transfer_mixed_32.tflite']
    """
    import tempfile

    from tfstyle.export.arbitrary import export_arbitrary

    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise OptionError(f"output folder does not exist: {folder}")
    with tempfile.TemporaryDirectory(prefix="tfstyle-mixed-") as scratch:
        floats = export_arbitrary(net, scratch, format="float32", content_size=content_size,
                                  style_input_size=style_input_size, prefix=prefix)
        targets = {role: folder / meta["file"].replace("_float32_", "_mixed_") for role, meta in floats.items()}
        metas = {}
        try:
            for role, meta in floats.items():
                metas[role] = quantize_mixed(pathlib.Path(scratch) / meta["file"], targets[role], recipe=recipe,
                                             require_gpu=require_gpu)
        except BaseException:
            for target in targets.values():  # both files or neither
                target.unlink(missing_ok=True)
                target.with_name(target.name + ".json").unlink(missing_ok=True)
            raise
    return metas
