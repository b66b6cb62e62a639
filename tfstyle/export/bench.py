"""Latency of ``.tflite`` models on this machine (XNNPACK CPU delegate, via ai-edge-litert)."""
from __future__ import annotations

import os
import time

import numpy as np

from tfstyle.errors import OptionError, TfstyleError, first_line
from tfstyle.runtime.litert import make_interpreter


def _check_positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise OptionError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def random_inputs(interpreter, seed: int = 0) -> list[np.ndarray]:
    """One random array per model input, in its dtype and shape (values do not change latency)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for detail in interpreter.get_input_details():
        dtype = np.dtype(detail["dtype"])
        if dtype.kind == "f":
            arrays.append(rng.uniform(0, 1, detail["shape"]).astype(dtype))
        else:
            info = np.iinfo(dtype)
            arrays.append(rng.integers(info.min, int(info.max) + 1, detail["shape"]).astype(dtype))
    return arrays


def latency(path: str | os.PathLike, *, num_threads: int = 2, runs: int = 30, warmup: int = 3) -> dict:
    """Time ``runs`` invocations of a ``.tflite`` model after ``warmup`` untimed ones.

    Returns:
        ``{"median_ms", "p90_ms", "min_ms", "runs", "threads"}``.

    Example:
        >>> import pathlib, tempfile, numpy as np
        >>> from tfstyle.models import JohnsonNet
        >>> from tfstyle.export import export_tflite
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.tflite"
        >>> _ = export_tflite(JohnsonNet(width=0.25, residual_blocks=1), path, size=32)
        >>> timing = latency(path, num_threads=1, runs=3)
        >>> timing["runs"], timing["median_ms"] > 0
        (3, True)
    """
    num_threads = _check_positive("num_threads", num_threads)
    runs = _check_positive("runs", runs)
    source = os.fspath(path)
    if not os.path.isfile(source):
        raise OptionError(f"no such TFLite model: {source}")
    try:
        interpreter = make_interpreter(model_path=source, num_threads=num_threads)
        interpreter.allocate_tensors()
    except Exception as exc:
        raise TfstyleError(f"cannot load TFLite model {source}: {first_line(exc)}") from exc
    for detail, array in zip(interpreter.get_input_details(), random_inputs(interpreter)):
        interpreter.set_tensor(detail["index"], array)
    for _ in range(max(0, int(warmup))):
        interpreter.invoke()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        interpreter.invoke()
        times.append((time.perf_counter() - start) * 1000.0)
    return {"median_ms": float(np.median(times)), "p90_ms": float(np.percentile(times, 90)),
            "min_ms": float(np.min(times)), "runs": runs, "threads": num_threads}
