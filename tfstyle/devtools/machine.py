"""The machine a benchmark or a training run ran on (recorded with every result).

:func:`info` gives the facts as a dict, :func:`describe` as one line. Both need neither
TensorFlow nor Keras (the lent GPU machine has JAX and no TensorFlow): library versions come
from the installed distributions, and the GPUs from whichever of TensorFlow or JAX is installed.

Example:
    >>> model, flags = cpu()
    >>> set(flags) <= set(CPU_FLAGS)
    True
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import pathlib
import platform

#: Instruction-set extensions that decide how fast inference and training run (x86: AVX2, AVX-512
#: and its VNNI/BF16 dot products, AVX-VNNI, AMX; ARM: the dot-product, int8 matrix and SVE units).
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "asimddp", "i8mm",
             "sve", "bf16")
#: Libraries whose versions are recorded (display name -> distributions that provide it).
LIBRARIES = {"TensorFlow": ("tensorflow", "tensorflow-cpu", "tf-nightly"), "JAX": ("jax",), "Keras": ("keras",)}


def cpu() -> tuple[str | None, list[str]]:
    """CPU model and the :data:`CPU_FLAGS` it has, from ``/proc/cpuinfo`` (``None, []`` elsewhere)."""
    model, flags = None, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "Hardware") and model is None:
                    model = value.strip()
                elif key in ("flags", "Features"):  # x86, ARM
                    flags.update(value.split())
    except OSError:
        pass
    return model, [flag for flag in CPU_FLAGS if flag in flags]


def _version(distributions: tuple[str, ...]) -> str | None:
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _gpus() -> list[str]:
    """GPU names as TensorFlow (if installed, else JAX) sees them."""
    if importlib.util.find_spec("tensorflow") is not None:
        import tensorflow as tf

        return [d.name for d in tf.config.list_physical_devices("GPU")]
    if importlib.util.find_spec("jax") is not None:
        import jax

        return [d.device_kind for d in jax.devices() if d.platform == "gpu"]
    return []


def info() -> dict:
    """CPU model, usable and online cores, instruction-set flags, GPUs, OS, Python and library versions."""
    model, flags = cpu()
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    versions = {name: _version(dists) for name, dists in LIBRARIES.items()}
    return {"cpu": model or platform.processor() or "unknown CPU", "cores": cores, "online_cores": os.cpu_count(),
            "cpu_flags": flags, "gpus": _gpus(), "os": f"{platform.system()} {platform.machine()}",
            "python": platform.python_version(), "libraries": {k: v for k, v in versions.items() if v}}


def describe() -> str:
    """:func:`info` in one line, e.g. ``"Intel Xeon ..., 2 usable cores (4 online), avx2 avx512f, no GPU,
    Linux x86_64, Python 3.11.7, TensorFlow 2.21.0, Keras 3.15.0"``."""
    facts = info()
    gpu = f"GPU: {', '.join(facts['gpus'])}" if facts["gpus"] else "no GPU"
    flags = " ".join(facts["cpu_flags"]) or "no listed CPU flags"
    libraries = "".join(f", {name} {version}" for name, version in facts["libraries"].items())
    return (f"{facts['cpu']}, {facts['cores']} usable cores ({facts['online_cores']} online), {flags}, {gpu}, "
            f"{facts['os']}, Python {facts['python']}{libraries}")


def publish(lines: list[str], out: str | os.PathLike | None) -> None:
    """Print a Markdown result and, if ``out`` is given, append it to that file."""
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        from tfstyle.atomic import write_text

        old = pathlib.Path(out).read_text() if pathlib.Path(out).is_file() else ""
        write_text(out, old + text + "\n")  # a whole report or none, even if interrupted
