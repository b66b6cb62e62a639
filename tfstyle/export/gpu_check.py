"""Run a ``.tflite`` file on LiteRT's GPU accelerator and compare it with the CPU interpreter.

:func:`check_on_gpu` compiles the file with ``ai_edge_litert.compiled_model.CompiledModel`` on
``HardwareAccelerator.GPU | CPU`` (LiteRT's WebGPU accelerator; on Linux it runs over Vulkan),
and reports

* ``fully_accelerated``: ``CompiledModel.is_fully_accelerated()``, the one verdict the Python API
  exposes;
* ``fallback_ops``: the ops the GPU delegate refused, with its reasons (``fallback_details``) and
  how many ops it split between GPU and CPU. The Python API has no call for these: they come from
  the delegate's own log ("Following operations are not supported by GPU delegate: ..."), so they
  are ``None`` when that log is missing;
* ``psnr_vs_cpu``: the outputs on the GPU against the CPU interpreter's
  (:func:`tfstyle.runtime.litert.make_interpreter`) on the same inputs.

Without a Vulkan device it returns ``available: False`` and a ``reason`` instead of raising; that
verdict is cached for the process, so exporting many files pays for the probe once. Setting
``TFSTYLE_NO_GPU_ACCELERATOR=1`` hides the device (the export then falls back to the op allow-list
of :mod:`tfstyle.export.gpu_ops`).

The GPU run happens in a child Python (``python -m tfstyle.export.gpu_check``) with a timeout: the
accelerator is native code driving a Vulkan driver, which may crash or hang, and the delegate's log
goes to the process's own stderr, which only a child's can be read from. The child gets a private
``XDG_RUNTIME_DIR`` (a fresh 0700 folder) because the WebGPU/Vulkan stack looks there.

On a machine without a GPU the "GPU" is Mesa's lavapipe, a software Vulkan driver running on the
CPU (``software: True``): any time measured there is CPU time, recorded as
``software_vulkan_cpu_ms``, never as GPU speed.

Example:
    >>> import os
    >>> before = os.environ.get("TFSTYLE_NO_GPU_ACCELERATOR")
    >>> os.environ["TFSTYLE_NO_GPU_ACCELERATOR"] = "1"
    >>> gpu_unavailable_reason()
    'hidden by TFSTYLE_NO_GPU_ACCELERATOR'
    >>> _ = os.environ.pop("TFSTYLE_NO_GPU_ACCELERATOR") if before is None else os.environ.update(
    ...     TFSTYLE_NO_GPU_ACCELERATOR=before)
"""
from __future__ import annotations

import ctypes.util
import glob
import json
import math
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.runtime.litert import from_output, make_interpreter, to_input

__all__ = ["CHECK_NAME", "HIDE_ENV", "check_on_gpu", "gpu_unavailable_reason", "summary"]

#: What :func:`check_on_gpu` results (and export metadata) call this check.
CHECK_NAME = "litert GPU accelerator"
#: Set to a non-empty value other than ``0`` to hide the GPU accelerator (the no-device path).
HIDE_ENV = "TFSTYLE_NO_GPU_ACCELERATOR"
#: PSNR when the GPU's outputs equal the CPU's exactly (JSON has no infinity).
IDENTICAL_PSNR = 200.0

# Where the Vulkan loader looks for driver manifests on Linux (besides $VK_DRIVER_FILES / $VK_ICD_FILENAMES).
_ICD_DIRS = ("/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d", "/usr/share/vulkan/icd.d")
# Delegate log lines that mean "no GPU to run on" rather than "this model failed".
_NO_DEVICE = ("No adapters found", "Failed to initialize WebGPU environment", "Failed to get or create delegate WebGPU")

_unavailable: str | None = None  # the per-process verdict once a probe found no device


def gpu_unavailable_reason() -> str | None:
    """Why the GPU accelerator cannot run here (``None``: it may; only a run tells for sure).

    Cheap checks first (the hiding variable; on Linux the Vulkan loader library and a driver
    manifest), then whatever an earlier :func:`check_on_gpu` in this process found.
    """
    if os.environ.get(HIDE_ENV, "") not in ("", "0"):
        return f"hidden by {HIDE_ENV}"
    if _unavailable is not None:
        return _unavailable
    if sys.platform.startswith("linux"):
        if ctypes.util.find_library("vulkan") is None:
            return "no Vulkan loader (libvulkan.so.1); install a Vulkan driver, e.g. Mesa's mesa-vulkan-drivers"
        listed = [p for var in ("VK_DRIVER_FILES", "VK_ICD_FILENAMES", "VK_ADD_DRIVER_FILES")
                  for p in os.environ.get(var, "").split(os.pathsep) if p]
        if not any(os.path.exists(p) for p in listed) and not any(glob.glob(f"{d}/*.json") for d in _ICD_DIRS):
            return "no Vulkan driver manifest (icd.d/*.json); install a Vulkan driver, e.g. mesa-vulkan-drivers"
    return None


def check_on_gpu(path: str | os.PathLike, inputs: Mapping[str, np.ndarray] | Sequence[np.ndarray] | None = None, *,
                 input_ranges: Mapping[str, Sequence[float] | None] | None = None,
                 peak: float | Mapping[str, float] | None = None, runs: int = 1, seed: int = 0,
                 timeout: float = 300.0) -> dict:
    """Run ``path`` on LiteRT's GPU accelerator and on the CPU interpreter; return what happened.

    Args:
        path: a ``.tflite`` file.
        inputs: float values per input (by signature input name, or a list in input order),
            each with its batch dimension; quantized inputs are quantized with the tensor's scale
            and zero point. ``None``: deterministic random values (``seed``) of each input's dtype
            and shape: see ``input_ranges``.
        input_ranges: for random inputs, each float input's value range by input name: ``(low,
            high)`` draws uniformly from it, ``None`` from a standard normal (e.g. style vectors);
            an input not named here gets [0, 255] (the range of tfstyle's images).
        peak: the peak value for PSNR: one number for every output or one per output name;
            ``None`` (or a name missing from the mapping) uses the CPU output's own value range.
        runs: GPU runs; with more than one, the median time of the runs after the first is
            recorded: as ``software_vulkan_cpu_ms`` unless the adapter is known to be hardware
            (then ``accelerator_ms``).
        seed: seed of the random inputs.
        timeout: seconds the child process may take before it is killed.

    Returns:
        ``{"check", "available": False, "reason"}`` without a device; otherwise ``check``,
        ``available: True``, ``adapter``, ``software``, ``fully_accelerated``, ``fallback_ops``,
        ``fallback_details``, ``ops_on_gpu``, ``ops_on_cpu``, ``psnr_vs_cpu`` (the worst output,
        capped at :data:`IDENTICAL_PSNR`; ``None`` when the GPU gives NaN/inf where the CPU does not,
        counted in ``nonfinite_vs_cpu``), ``max_abs_diff_vs_cpu``, ``psnr_per_output``; or
        ``error`` (with ``available: True``) when the accelerator failed on this model.
    """
    global _unavailable
    source = os.fspath(path)
    if not os.path.isfile(source):
        raise OptionError(f"no such TFLite model: {source}")
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise OptionError(f"runs must be a positive integer, got {runs!r}")
    reason = gpu_unavailable_reason()
    if reason is not None:
        return {"check": CHECK_NAME, "available": False, "reason": reason}

    interpreter = make_interpreter(model_path=source, num_threads=2)
    interpreter.allocate_tensors()
    names = _io_names(interpreter)
    feed = _inputs(interpreter.get_input_details(), names, inputs, seed, input_ranges or {})
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], feed[detail["name"]])
    interpreter.invoke()
    cpu = {d["name"]: (interpreter.get_tensor(d["index"]).copy(), d, names[d["index"]])
           for d in interpreter.get_output_details()}

    with tempfile.TemporaryDirectory(prefix="tfstyle-gpu-check-") as folder:
        folder = pathlib.Path(folder)
        np.savez(folder / "inputs.npz", **feed)
        env = {**os.environ, "XDG_RUNTIME_DIR": tempfile.mkdtemp(dir=folder)}  # mkdtemp: mode 0700
        package_root = str(pathlib.Path(__file__).resolve().parents[2])  # the child imports this very tfstyle
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        command = [sys.executable, "-m", "tfstyle.export.gpu_check", source, str(folder), str(runs)]
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"check": CHECK_NAME, "available": True, "error": f"the GPU run took over {timeout:.0f} s (killed)"}
        log = done.stderr or ""
        report_file = folder / "report.json"
        report = json.loads(report_file.read_text()) if report_file.is_file() else {}
        gpu = dict(np.load(folder / "outputs.npz")) if (folder / "outputs.npz").is_file() else None

    if any(marker in log for marker in _NO_DEVICE):
        _unavailable = "no Vulkan adapter found (" + _adapter_error(log) + ")"
        return {"check": CHECK_NAME, "available": False, "reason": _unavailable}
    result = {"check": CHECK_NAME, "available": True, **_parse_log(log)}
    if "error" in report or gpu is None:
        result["error"] = report.get("error") or _last_line(log) or f"the GPU run exited with {done.returncode}"
        return result
    result["fully_accelerated"] = bool(report["fully_accelerated"])
    if result["fully_accelerated"]:
        result.update(fallback_ops=[], fallback_details=[])
    result.update(_compare(cpu, gpu, peak))
    if report.get("times_ms"):
        # Only an adapter known to be hardware gets a GPU time; unknown counts as software (CPU) time.
        label = "accelerator_ms" if result.get("software") is False else "software_vulkan_cpu_ms"
        result[label] = float(np.median(report["times_ms"]))
    return result


def summary(result: dict) -> str:
    """One line for a report table: ``"yes, 61.2 dB"``, ``"no (falls back: ARG_MAX, CAST), 48.0 dB"``, ``"-"``."""
    if not result or not result.get("available"):
        return "-"
    if "error" in result:
        return f"error: {result['error']}"
    verdict = "yes" if result["fully_accelerated"] else (
        f"no (falls back: {', '.join(result['fallback_ops'])})" if result.get("fallback_ops") else "no")
    if result.get("psnr_vs_cpu") is None:
        return f"{verdict}, {result.get('nonfinite_vs_cpu', '?')} NaN/inf values the CPU does not give"
    return f"{verdict}, {result['psnr_vs_cpu']:.1f} dB"


def _io_names(interpreter) -> dict[int, str]:
    """Tensor index -> the name callers use: its signature name, or the tensor's name without signatures."""
    names = {d["index"]: d["name"] for d in [*interpreter.get_input_details(), *interpreter.get_output_details()]}
    for key in interpreter.get_signature_list():
        runner = interpreter.get_signature_runner(key)
        for name, detail in [*runner.get_input_details().items(), *runner.get_output_details().items()]:
            names[detail["index"]] = name
    return names


def _inputs(details: list[dict], names: dict[int, str], given, seed: int, ranges: Mapping) -> dict[str, np.ndarray]:
    """Each input's array as the interpreter takes it, keyed by tensor name."""
    if given is None:
        rng = np.random.default_rng(seed)
        feed = {}
        for d in details:
            span = ranges.get(names[d["index"]], (0.0, 255.0))
            shape = tuple(int(s) for s in d["shape"])
            values = rng.standard_normal(shape) if span is None else rng.uniform(span[0], span[1], size=shape)
            feed[d["name"]] = to_input(values.astype(np.float32), d)
        return feed
    if isinstance(given, Mapping):
        by_name = {names[d["index"]]: d for d in details}
        if set(given) != set(by_name):
            raise OptionError(f"the model takes inputs {sorted(by_name)}, got {sorted(given)}")
        pairs = [(by_name[name], value) for name, value in given.items()]
    else:
        if len(given) != len(details):
            raise OptionError(f"the model takes {len(details)} inputs, got {len(given)}")
        pairs = list(zip(details, given))
    feed = {}
    for detail, value in pairs:
        array = np.asarray(value, np.float32)
        if list(array.shape) != [int(s) for s in detail["shape"]]:
            raise OptionError(f"input {detail['name']} has shape {list(detail['shape'])}, got {list(array.shape)}")
        feed[detail["name"]] = to_input(array, detail)
    return feed


def _compare(cpu: dict, gpu: dict, peak) -> dict:
    from tfstyle.perceptual.metrics import psnr  # lazily: tfstyle.perceptual.metrics imports Keras

    per_output, worst_diff, nonfinite = {}, 0.0, 0
    for name, (raw, detail, shown) in cpu.items():
        if name not in gpu:
            raise OptionError(f"the GPU run returned no output {name!r}")
        ref, out = from_output(raw, detail), from_output(gpu[name].reshape(raw.shape), detail)
        # NaN/inf where the CPU has finite values (e.g. float16 overflow on the GPU) has no PSNR.
        bad = int(np.sum(~np.isfinite(out) & np.isfinite(ref)))
        nonfinite += bad
        value = peak.get(shown) if isinstance(peak, Mapping) else peak
        value = value if value else float(np.ptp(ref)) or 1.0
        per_output[shown] = None if bad else round(min(psnr(out, ref, peak=value), IDENTICAL_PSNR), 2)
        if not bad:
            worst_diff = max(worst_diff, float(np.max(np.abs(out - ref))))
    scores = list(per_output.values())
    return {"psnr_vs_cpu": None if None in scores else min(scores), "psnr_per_output": per_output,
            "max_abs_diff_vs_cpu": worst_diff, "nonfinite_vs_cpu": nonfinite}


def _parse_log(log: str) -> dict:
    """Adapter and GPU/CPU op split from the delegate's log (``None`` where it says nothing)."""
    parsed = {"adapter": None, "software": None, "fallback_ops": None, "fallback_details": None,
              "ops_on_gpu": None, "ops_on_cpu": None}
    adapter = re.search(r"Selected adapter: (.*?), arch=.*?adapterType=([^\n]*)", log)
    if adapter:
        parsed["adapter"] = adapter.group(1).strip()
        parsed["software"] = "software" in adapter.group(0).lower()
    split = re.search(r"(\d+) operations will run on the GPU, and the remaining (\d+) operations? will run on the CPU",
                      log)
    if split:
        parsed["ops_on_gpu"], parsed["ops_on_cpu"] = int(split.group(1)), int(split.group(2))
    block = re.search(r"Following operations are not supported by GPU delegate:\n(.*?)(?:\n\d+ operations will run|\Z)",
                      log, re.S)
    if block:
        details = [line.strip() for line in block.group(1).splitlines() if re.match(r"\s*[A-Z0-9_]+:", line)]
        parsed["fallback_details"] = details
        parsed["fallback_ops"] = sorted({line.split(":", 1)[0] for line in details})
    return parsed


def _adapter_error(log: str) -> str:
    for line in log.splitlines():
        if "No adapters found" in line or "vkCreateInstance" in line:
            return line.strip()[-160:]
    return "WebGPU could not start"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][-300:] if lines else ""


def _worker(model: str, folder: str, runs: int) -> int:
    """The child: compile on GPU (CPU for what the GPU refuses), run, write ``outputs.npz`` and ``report.json``."""
    from ai_edge_litert.compiled_model import CompiledModel, HardwareAccelerator

    folder = pathlib.Path(folder)
    report: dict = {}
    try:
        compiled = CompiledModel.from_file(model, hardware_accel=HardwareAccelerator.GPU | HardwareAccelerator.CPU)
        report["fully_accelerated"] = compiled.is_fully_accelerated()
        signature = next(iter(compiled.get_signature_list()))  # Magenta's files have "<placeholder signature>"
        feed = np.load(folder / "inputs.npz")
        inputs, outputs = {}, {}
        for key, detail in compiled.get_input_tensor_details(signature).items():
            inputs[key] = compiled.create_input_buffer_by_name(signature, key)
            inputs[key].write(feed[detail["name"]])
        out_details = compiled.get_output_tensor_details(signature)
        for key in out_details:
            outputs[key] = compiled.create_output_buffer_by_name(signature, key)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            compiled.run_by_name(signature, inputs, outputs)  # returns before the GPU is done: time the reads too
            results = {detail["name"]: outputs[key].read(math.prod(detail["shape"]), np.dtype(detail["dtype"]))
                       for key, detail in out_details.items()}
            times.append((time.perf_counter() - start) * 1000.0)
        report["times_ms"] = times[1:]
        np.savez(folder / "outputs.npz", **results)
    except Exception as exc:  # noqa: BLE001 - the parent reports it
        report["error"] = " ".join(str(exc).split())[-300:]
    (folder / "report.json").write_text(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1], sys.argv[2], int(sys.argv[3])))
