"""One line describing the machine a benchmark ran on (committed with every result)."""
from __future__ import annotations

import os
import platform


def describe() -> str:
    """CPU model, usable cores, GPUs, OS and library versions."""
    import keras
    import tensorflow as tf

    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    gpus = tf.config.list_physical_devices("GPU")
    gpu = f"GPU: {', '.join(d.name for d in gpus)}" if gpus else "no GPU"
    return (
        f"{cpu}, {cores} usable cores ({os.cpu_count()} online), {gpu}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )


def publish(lines: list[str], out: str | os.PathLike | None) -> None:
    """Print a Markdown result and, if ``out`` is given, append it to that file."""
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        with open(out, "a") as f:
            f.write(text + "\n")
