"""One line describing the machine a benchmark ran on (committed with every result)."""
from __future__ import annotations

import os
import platform


def describe() -> str:
    """CPU model, usable cores, GPUs, OS and library versions."""
    import keras

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
    try:
        import tensorflow as tf

        gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
        framework = f"TensorFlow {tf.__version__}"
    except ImportError:  # the lent GPU machine has JAX, not TensorFlow
        import jax

        gpus = [d.device_kind for d in jax.devices() if d.platform == "gpu"]
        framework = f"JAX {jax.__version__}"
    gpu = f"GPU: {', '.join(gpus)}" if gpus else "no GPU"
    return (
        f"{cpu}, {cores} usable cores ({os.cpu_count()} online), {gpu}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, {framework}, Keras {keras.__version__}"
    )


def publish(lines: list[str], out: str | os.PathLike | None) -> None:
    """Print a Markdown result and, if ``out`` is given, append it to that file."""
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        with open(out, "a") as f:
            f.write(text + "\n")
