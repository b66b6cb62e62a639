"""Export image models to TensorFlow Lite and run the exported files.

:func:`export_tflite` converts a Keras 3 image model (a :class:`tfstyle.models.JohnsonNet`
or any ``keras.Model`` mapping ``(1, H, W, 3)`` float32 in [0, 255] to the same) at one
fixed input size to a self-contained ``.tflite`` file, in one of :data:`FORMATS`:

* ``"float32"``: plain float model.
* ``"float16"``: weights stored as float16 (half the size), computed in float32 on CPU.
* ``"dynamic"``: int8 weights, float activations (dynamic-range quantization).
* ``"int8"``: full integer quantization calibrated on real images (no float tensors left
  inside: CPUs and NPUs; :func:`tfstyle.export.integer.integer_report` checks it). With ``uint8_io=True`` the model takes and returns ``uint8``: the input is pinned
  to [0, 255] (scale 1, zero point 0: raw pixel bytes go in); the output keeps the range
  calibrated on the images (about scale 1, zero point 0 when the outputs span [0, 255]), and
  its ``[scale, zero_point]`` is recorded in the metadata (pixel = scale * (q - zero_point)).
* ``"mixed"`` (:data:`EXPORT_FORMATS`): int8 convolutions, float normalization (ai-edge-quantizer,
  :func:`tfstyle.export.aeq.quantize_mixed`): closest to float among the 8-bit files, CPUs only.

The metadata's ``suits`` names the accelerators a file suits: full-integer ``int8`` CPU and NPU,
``float16`` GPU, ``mixed`` and ``dynamic`` CPU.

Every export writes ``<path>.json`` beside the model with its metadata (formats,
input/output names, shapes, dtypes, quantization, op list, GPU delegate compatibility: the op
allow-list, and a run on LiteRT's GPU accelerator where a Vulkan device exists).
Both files are written atomically: a failed export leaves nothing behind.

Conversion route (measured with TF 2.21 / Keras 3.15): the model is written with
``keras.export.ExportArchive`` to a temporary SavedModel with one endpoint
``content -> {"stylized": ...}`` at the fixed size, then converted with
``tf.lite.TFLiteConverter.from_saved_model``. That freezes the weights into constants and
gives the signature ``serving_default`` an input named ``content`` and an output named
``stylized``. ``from_concrete_functions`` (with or without the model as trackable object),
and ``tf.saved_model.save`` of a ``tf.Module`` holding the Keras 3 model, both leave the
weights as resource variables (``VAR_HANDLE``/``READ_VARIABLE`` ops, NaN outputs).

TensorFlow (Flex) ops are never allowed: a model that needs them fails to export with
:class:`tfstyle.errors.TfstyleError`.

Example:
    >>> import tempfile, os, numpy as np
    >>> from tfstyle.runtime.litert import run_tflite
    >>> from tfstyle.models import JohnsonNet
    >>> net = JohnsonNet(width=0.25, residual_blocks=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "net.tflite")
    ...     meta = export_tflite(net, path, size=(32, 32))
    ...     out = run_tflite(path, np.full((32, 32, 3), 128.0))
    >>> meta["input"]["name"], meta["output"]["name"], out.shape
    ('content', 'stylized', (32, 32, 3))
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import pathlib
import re
import tempfile
import warnings
from collections.abc import Iterable, Sequence

import numpy as np

from tfstyle.atomic import write_files
from tfstyle.errors import OptionError, TfstyleError, first_line
from tfstyle.export.gpu_ops import check_gpu_ops
from tfstyle.runtime.litert import SIGNATURE_KEY, make_interpreter
from tfstyle.runtime.protocols import NormalizedConvNet

__all__ = ["EXPORT_FORMATS", "FORMATS", "convert_signature", "export_tflite", "op_types"]

#: The TFLite converter's formats (also the arbitrary pair's and the Android contract's).
FORMATS = ("float32", "float16", "dynamic", "int8")
#: Formats accepted by :func:`export_tflite`: :data:`FORMATS` and ``"mixed"`` (int8 convolutions, float norms).
EXPORT_FORMATS = (*FORMATS, "mixed")

#: Names of the exported signature, its input and its output.
INPUT_NAME = "content"
OUTPUT_NAME = "stylized"


# --------------------------------------------------------------------------
# export


def export_tflite(
    model,
    path: str | os.PathLike,
    *,
    format: str = "float32",
    size: int | Sequence[int] = (384, 384),
    representative_images=None,
    num_calibration: int = 64,
    uint8_io: bool = True,
    require_gpu: bool = False,
    equalize: bool = True,
) -> dict:
    """Convert ``model`` at a fixed input size to a ``.tflite`` file; return its metadata.

    Args:
        model: a ``keras.Model`` mapping float32 ``(1, H, W, 3)`` in [0, 255] to the same
            shape and range (for example a :class:`tfstyle.models.JohnsonNet`).
        path: the ``.tflite`` file to write (its folder must exist). The metadata goes to
            ``<path>.json``. Both are written atomically.
        format: one of :data:`EXPORT_FORMATS`.
        size: the fixed input size ``(height, width)``, or one int for a square.
        representative_images: real images for ``"int8"`` calibration (required there,
            ignored otherwise): a folder, an image path, or a list of paths and/or
            ``HxWx3`` arrays (an ``NxHxWx3`` array counts as N images). Each is resized
            to cover ``size`` (aspect ratio kept) and centre-cropped.
        num_calibration: use at most this many of them.
        uint8_io: for ``"int8"``: ``uint8`` input (scale 1, zero point 0: raw pixels) and
            ``uint8`` output (calibrated scale and zero point, in the metadata); ``False``
            keeps float32 input and output (QUANTIZE/DEQUANTIZE at the edges).
        require_gpu: refuse (:class:`TfstyleError`, nothing written) a model with ops that
            the TFLite GPU delegate does not support (see :mod:`tfstyle.export.gpu_ops`), or,
            where a Vulkan device exists, that LiteRT's GPU accelerator does not run fully.
        equalize: for ``"int8"``, first rescale the channels that feed each instance norm on
            the calibration images (:func:`tfstyle.export.equalize.equalize_instance_norm`; the
            float function is unchanged, INT8 is much closer to it). Models without
            ``normalized_convs`` are exported as they are.

    Returns:
        The metadata dict that is also written to ``<path>.json``: ``format``, ``size``,
        ``signature``, ``input`` and ``output`` (``name``, ``tensor``, ``shape``, ``dtype``,
        ``range``, ``quantization`` as ``[scale, zero_point]`` or ``None``),
        ``size_bytes``, ``ops``, ``gpu_compatible``, ``gpu_unsupported_ops`` (the op allow-list),
        ``gpu_check`` and ``gpu_accelerator`` (LiteRT's GPU accelerator where a Vulkan device exists:
        :func:`gpu_accelerator_metadata`), ``full_integer``, ``integer_report`` and ``suits`` (the
        accelerators it suits: :mod:`tfstyle.export.integer`), ``tfstyle_version`` and ``source_model``
        (``class`` and ``config``).

    Raises:
        OptionError: a bad option, or ``"int8"`` without ``representative_images``.
        ImageError: a representative image cannot be read.
        TfstyleError: conversion failed, needs Flex ops, gives the wrong output shape, or
            (with ``require_gpu``) uses ops the GPU delegate cannot run.
    """
    if format not in EXPORT_FORMATS:
        raise OptionError(f"format must be one of {', '.join(EXPORT_FORMATS)}; got {format!r}")
    height, width = parse_size(size)
    if isinstance(num_calibration, bool) or not isinstance(num_calibration, (int, np.integer)) or num_calibration < 1:
        raise OptionError(f"num_calibration must be a positive integer, got {num_calibration!r}")
    target = _check_target(path)

    calibration = None
    if format == "int8":
        if representative_images is None:
            raise OptionError("format 'int8' needs representative_images (a folder or a list of real images)")
        calibration = calibration_images(representative_images, (height, width), int(num_calibration))
        if equalize and isinstance(model, NormalizedConvNet):
            from tfstyle.export.equalize import equalize_instance_norm

            model = equalize_instance_norm(model, calibration)

    if format == "mixed":
        from tfstyle.export.mixed import mixed_bytes

        content = mixed_bytes(_convert(model, (height, width), "float32", None, False))
    else:
        content = _convert(model, (height, width), format, calibration, bool(uint8_io))
    extra = {"mixed_recipe": "dynamic"} if format == "mixed" else {}
    if calibration is not None:
        extra = {"calibration_images": len(calibration), "equalized": bool(equalize and isinstance(model, NormalizedConvNet))}
    return write_model(content, target, format=format, size=(height, width), model=model, extra=extra,
                       require_gpu=require_gpu)


def check_ops(content: bytes, require_gpu: bool) -> tuple[list[str], list[str]]:
    """``(ops, gpu_unsupported)`` of a converted model; refuses Flex/custom ops (and GPU misses if required)."""
    ops = _op_types_from_bytes(content)
    flex = [op for op in ops if op not in _builtin_names().values() or op == "CUSTOM"]
    if flex:
        raise TfstyleError(f"the converted model contains TensorFlow (Flex) or custom ops, which tfstyle never "
                           f"exports: {', '.join(flex)}")
    unsupported = check_gpu_ops(ops)
    if require_gpu and unsupported:
        raise TfstyleError(f"the model uses ops the TFLite GPU delegate does not support: {', '.join(unsupported)} "
                           "(export without require_gpu to get a CPU model)")
    return ops, unsupported


def _common_metadata(content: bytes, format: str, ops: list[str], unsupported: list[str], model,
                     gpu: dict) -> dict:
    from tfstyle import __version__
    from tfstyle.export.integer import metadata as integer_metadata

    return {"size_bytes": len(content), "ops": ops, "gpu_compatible": not unsupported,
            "gpu_unsupported_ops": unsupported, **gpu, **integer_metadata(content, format),
            "tfstyle_version": __version__,
            "source_model": _describe_model(model) if model is not None else None}


def gpu_accelerator_metadata(content: bytes, ranges: dict[str, list[float] | None], require_gpu: bool) -> dict:
    """``gpu_check`` (which check judged GPU readiness) and ``gpu_accelerator`` (its result) for the metadata.

    Where a Vulkan device exists the converted model runs on LiteRT's GPU accelerator
    (:func:`tfstyle.export.gpu_check.check_on_gpu`: fully accelerated or the ops that fall back,
    PSNR against the CPU interpreter on random inputs within ``ranges``, by signature name);
    elsewhere the op allow-list (``gpu_compatible``) is the only check, and ``gpu_accelerator``
    says why. With ``require_gpu`` a model the accelerator does not run fully is refused.
    """
    from tfstyle.export.gpu_check import check_on_gpu, gpu_unavailable_reason

    reason = gpu_unavailable_reason()  # cheap, cached: no temporary file or child process without a device
    if reason is not None:
        result = {"available": False, "reason": reason}
    else:
        with tempfile.TemporaryDirectory(prefix="tfstyle-gpu-") as folder:
            model_path = pathlib.Path(folder) / "model.tflite"
            model_path.write_bytes(content)
            peaks = {name: span[1] - span[0] for name, span in ranges.items() if span}
            result = check_on_gpu(model_path, input_ranges=ranges, peak=peaks)
        result.pop("check", None)
    if require_gpu and result["available"] and not result.get("fully_accelerated"):
        why = result.get("error") or ", ".join(result.get("fallback_ops") or []) or "see the delegate's log"
        raise TfstyleError(f"the model does not run fully on LiteRT's GPU accelerator ({why}); "
                           "export without require_gpu to get a CPU model")
    return {"gpu_check": "litert GPU accelerator" if result["available"] else "op allow-list",
            "gpu_accelerator": result}


def write_model(content: bytes, path, *, format: str, size: tuple[int, int], model=None, extra: dict | None = None,
                require_gpu: bool = False) -> dict:
    """Check a converted image model and write it with its metadata JSON (both atomically); return the metadata.

    Refuses (:class:`TfstyleError`, nothing written) Flex or custom ops, an output shape other
    than the input's, and with ``require_gpu`` ops the GPU delegate cannot run (the op allow-list,
    and where a Vulkan device exists LiteRT's GPU accelerator: see :func:`gpu_accelerator_metadata`).
    ``extra`` is merged into the metadata.
    """
    height, width = size
    target = _check_target(path)
    ops, unsupported = check_ops(content, require_gpu)
    interpreter = make_interpreter(model_content=content)
    input_detail, output_detail = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    expected = [1, height, width, 3]
    if list(output_detail["shape"]) != expected:
        raise TfstyleError(f"the model maps a {height}x{width} image to shape {list(output_detail['shape'])}, "
                           f"expected {expected}")
    gpu = gpu_accelerator_metadata(content, {INPUT_NAME: [0, 255], OUTPUT_NAME: [0, 255]}, require_gpu)
    metadata = {
        "format": format,
        "size": [height, width],
        "signature": SIGNATURE_KEY,
        "input": _describe_tensor(INPUT_NAME, input_detail),
        "output": _describe_tensor(OUTPUT_NAME, output_detail),
        **_common_metadata(content, format, ops, unsupported, model, gpu),
        **(extra or {}),
    }
    _write_with_metadata(target, content, metadata)
    return metadata


def write_signature_model(content: bytes, path, *, format: str, size: tuple[int, int],
                          shapes: dict[str, list[int]], ranges: dict[str, list[float] | None], model=None,
                          extra: dict | None = None, require_gpu: bool = False) -> dict:
    """Like :func:`write_model` for a model with several named inputs/outputs (metadata ``inputs``/``outputs``).

    ``shapes`` gives the expected shape of every input and output by signature name (a mismatch
    is refused); ``ranges`` their value ranges (``None``: unbounded, e.g. style vectors).
    """
    target = _check_target(path)
    ops, unsupported = check_ops(content, require_gpu)
    runner = make_interpreter(model_content=content).get_signature_runner(SIGNATURE_KEY)
    described = {}
    for kind, details in (("inputs", runner.get_input_details()), ("outputs", runner.get_output_details())):
        described[kind] = []
        for name, detail in details.items():
            if name not in shapes or list(detail["shape"]) != list(shapes[name]):
                raise TfstyleError(f"exported {kind[:-1]} {name!r} has shape {list(detail['shape'])}, "
                                   f"expected {shapes.get(name)}")
            described[kind].append(_describe_tensor(name, detail, value_range=ranges.get(name)))
    gpu = gpu_accelerator_metadata(content, ranges, require_gpu)
    metadata = {"format": format, "size": list(size), "signature": SIGNATURE_KEY, **described,
                **_common_metadata(content, format, ops, unsupported, model, gpu), **(extra or {})}
    _write_with_metadata(target, content, metadata)
    return metadata


def _write_with_metadata(target: pathlib.Path, content: bytes, metadata: dict) -> None:
    """The model and ``<model>.json`` beside it, both atomically."""
    write_files({target: content, target.with_name(target.name + ".json"): json.dumps(metadata, indent=2) + "\n"})


def parse_size(size) -> tuple[int, int]:
    """``(height, width)`` from one side or a pair of positive integers (:class:`OptionError` otherwise)."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size, size)
    try:
        height, width = (int(s) for s in size)
        ok = all(not isinstance(s, bool) and float(s) == int(s) for s in size)
    except (TypeError, ValueError):
        ok = False
    if not ok or height < 1 or width < 1:
        raise OptionError(f"size must be (height, width) of positive integers, got {size!r}")
    return height, width


def _check_target(path) -> pathlib.Path:
    if not isinstance(path, (str, os.PathLike)):
        raise OptionError(f"path must be a file path, got {type(path).__name__}")
    target = pathlib.Path(os.fspath(path))
    if target.is_dir():
        raise OptionError(f"output path is a folder: {target}")
    if not target.parent.is_dir():
        raise OptionError(f"output folder does not exist: {target.parent}")
    return target


def calibration_images(source, size: tuple[int, int], limit: int) -> list[np.ndarray]:
    """Load up to ``limit`` real images, each resized to cover ``size`` and centre-cropped."""
    from tfstyle.image.io import cover_crop, list_images, load_image

    if isinstance(source, (str, os.PathLike)):
        items: list = list_images(source) if os.path.isdir(source) else [source]
    elif isinstance(source, np.ndarray):
        items = [source] if source.ndim == 3 else list(source)
    elif isinstance(source, Iterable):
        items = []
        for item in source:
            if isinstance(item, np.ndarray) and item.ndim == 4:
                items.extend(item)
            else:
                items.append(item)
    else:
        raise OptionError(f"representative_images must be a folder, a path or a list of paths/arrays, "
                          f"got {type(source).__name__}")
    if not items:
        raise OptionError(f"representative_images holds no images: {source!r}"[:200])
    return [cover_crop(load_image(item), size) for item in items[:limit]]


def _convert(model, size, format, calibration, uint8_io) -> bytes:
    import tensorflow as tf

    height, width = size
    if not getattr(model, "built", True):
        model(np.zeros((1, height, width, 3), np.float32))  # create the weights outside tracing
    pin_input = format == "int8" and uint8_io

    def serve(content):
        return {OUTPUT_NAME: tf.cast(model(pin_pixels(content) if pin_input else content), tf.float32)}

    representative = None if calibration is None else [{INPUT_NAME: image[None]} for image in calibration]
    return convert_signature(model, serve, {INPUT_NAME: (1, height, width, 3)}, format, representative, uint8_io)


def pin_pixels(x):
    """Pins a tensor's INT8 range to [0, 255]: the converter then gives a uint8 input scale 1, zero point 0.

    So raw pixel bytes go in. (The same pin on the output was measured to wreck the int8 model,
    29 -> 16 dB PSNR; outputs keep their calibrated range, recorded in the metadata.)
    """
    import tensorflow as tf

    return tf.quantization.fake_quant_with_min_max_args(x, min=0.0, max=255.0, num_bits=8)


def convert_signature(model, serve, inputs: dict[str, tuple], format: str, representative=None,
                      uint8_io: bool = True) -> bytes:
    """Convert ``serve(**inputs) -> {name: tensor}`` (tracking ``model``'s weights) to TFLite bytes.

    ``inputs`` maps each input name to its fixed float32 shape; the signature is ``serving_default``.
    ``representative`` (``int8`` only) is a list of ``{input name: array}`` calibration samples; with
    ``uint8_io`` every input and output of an ``int8`` model is ``uint8`` (TFLite sets all at once).
    """
    import keras
    import tensorflow as tf

    specs = [tf.TensorSpec(shape, tf.float32, name=name) for name, shape in inputs.items()]
    with tempfile.TemporaryDirectory(prefix="tfstyle-export-") as folder:
        try:
            archive = keras.export.ExportArchive()
            archive.track(model)
            archive.add_endpoint(SIGNATURE_KEY, serve, input_signature=specs)
            with _quiet():
                archive.write_out(folder, verbose=False)
        except TfstyleError:
            raise
        except Exception as exc:
            shapes = ", ".join(f"{n} {list(s)}" for n, s in inputs.items())
            raise TfstyleError(f"could not trace the model at {shapes} for export: {_first_line(exc)}") from exc

        converter = tf.lite.TFLiteConverter.from_saved_model(folder, signature_keys=[SIGNATURE_KEY])
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]  # never SELECT_TF_OPS (Flex)
        if format == "float16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        elif format == "dynamic":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        elif format == "int8":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.representative_dataset = lambda: iter(representative)
            if uint8_io:
                converter.inference_input_type = tf.uint8
                converter.inference_output_type = tf.uint8
        try:
            with _quiet():
                return bytes(converter.convert())
        except Exception as exc:
            message = str(exc)
            if "flex op" in message.lower() or "select_tf_ops" in message.lower():
                needed = sorted(set(re.findall(r"'tf\.(\w+)' op is neither", message)))
                what = ", ".join(needed) or "see the converter log"
                raise TfstyleError(
                    f"the model needs TensorFlow ops that TFLite has no builtin for ({what}); tfstyle never "
                    f"exports Flex (SELECT_TF_OPS) ops, so rewrite them with TFLite builtins ({format} conversion)"
                ) from exc
            raise TfstyleError(f"TFLite conversion ({format}) failed: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    return first_line(exc, prefer=("error", "op"))


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _describe_tensor(name: str, detail: dict, value_range: list | None = (0, 255)) -> dict:
    scale, zero_point = detail.get("quantization", (0.0, 0))
    quantized = np.dtype(detail["dtype"]).kind in "iu" and scale != 0
    return {
        "name": name,
        "tensor": detail["name"],
        "shape": [int(s) for s in detail["shape"]],
        "dtype": np.dtype(detail["dtype"]).name,
        "range": None if value_range is None else list(value_range),
        "quantization": [float(scale), int(zero_point)] if quantized else None,
    }


def _describe_model(model) -> dict:
    cls = type(model)
    config = None
    with contextlib.suppress(Exception):
        config = json.loads(json.dumps(model.get_config()))
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "config": config}


def op_types(path: str | os.PathLike) -> list[str]:
    """The sorted set of op names in a ``.tflite`` file (custom and Flex ops by their custom name).

    Read from the flatbuffer itself (all subgraphs), so it lists what is in the file, not
    what a delegate has replaced (the interpreter's op details show ``DELEGATE`` instead).
    """
    source = os.fspath(path)
    try:
        with open(source, "rb") as handle:
            content = handle.read()
    except OSError as exc:
        raise OptionError(f"cannot read TFLite model {source}: {exc}") from exc
    return _op_types_from_bytes(content)


@functools.lru_cache(maxsize=1)
def _builtin_names() -> dict[int, str]:
    from tensorflow.lite.python import schema_py_generated as schema

    return {value: name for name, value in vars(schema.BuiltinOperator).items() if not name.startswith("_")}


def _op_types_from_bytes(content: bytes) -> list[str]:
    from tensorflow.lite.python import schema_py_generated as schema

    names = _builtin_names()
    try:
        model = schema.Model.GetRootAsModel(content, 0)
        codes = []
        for i in range(model.OperatorCodesLength()):
            code = model.OperatorCodes(i)
            # Codes above 127 only live in BuiltinCode; older files only fill DeprecatedBuiltinCode.
            builtin = max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode()))
            if builtin == schema.BuiltinOperator.CUSTOM:
                custom = code.CustomCode()
                codes.append(custom.decode() if custom else "CUSTOM")
            else:
                codes.append(names.get(builtin, f"BUILTIN_{builtin}"))
        used = set()
        for s in range(model.SubgraphsLength()):
            subgraph = model.Subgraphs(s)
            for o in range(subgraph.OperatorsLength()):
                used.add(codes[subgraph.Operators(o).OpcodeIndex()])
    except Exception as exc:
        raise TfstyleError(f"not a readable TFLite flatbuffer ({_first_line(exc)})") from exc
    return sorted(used)

