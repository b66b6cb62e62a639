"""Run TensorFlow Lite files: the LiteRT interpreter, image models and named signatures.

Needs neither TensorFlow nor Keras when ``ai-edge-litert`` is installed (it is a dependency),
so stylizing through an exported file starts in a fraction of a second.

Example:
    >>> import numpy as np
    >>> from tfstyle.runtime.litert import run_tflite
    >>> run_tflite("missing.tflite", np.zeros((8, 8, 3)))
    Traceback (most recent call last):
    tfstyle.errors.OptionError: no such TFLite model: missing.tflite
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
import warnings

import numpy as np

from tfstyle.errors import OptionError, TfstyleError, first_line

#: The signature every tfstyle export has.
SIGNATURE_KEY = "serving_default"


def default_threads(cap: int) -> int:
    """Interpreter threads: the cores this process may run on (its CPU affinity), at most ``cap``."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cap, cores))


def _first_line(exc: BaseException) -> str:
    return first_line(exc, prefer=("error", "op"))


#: Lines that native libraries write straight to file descriptor 2 on every start, though nothing is wrong:
#: LiteRT's note on its XNNPACK delegate, and TensorFlow's absl banner, CUDA probing (on a machine without a GPU)
#: and CPU-feature notice. :func:`quiet_native_stderr` drops them and keeps every other line.
NATIVE_NOISE = re.compile(
    r"Created TensorFlow Lite XNNPACK delegate for CPU"
    r"|All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|cudart_stub\.cc:\d+\] Could not find cuda drivers"
    r"|\.cc:\d+\] failed call to cuInit"
    r"|cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized"
    r"|^To enable the following instructions: .* rebuild TensorFlow"
    r"|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|oneDNN custom operations are on"
)


@contextlib.contextmanager
def quiet_native_stderr():
    """Run the block with file descriptor 2 sent to a temporary file, then write back all but :data:`NATIVE_NOISE`.

    C++ libraries (LiteRT, TensorFlow) print to the file descriptor, where neither :mod:`warnings` nor
    :mod:`logging` reach; real errors they print in the block still come out, just after it. Python's own
    ``sys.stderr`` writes in the block are flushed first and come out after it, in order.

    Example:
        >>> with quiet_native_stderr():
        ...     _ = os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\\n")
    """
    with _STDERR_LOCK:  # one redirection at a time: threads restoring each other's would lose stderr
        yield from _quiet_native_stderr()


_STDERR_LOCK = threading.RLock()


def _quiet_native_stderr():
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no file descriptor 2 (an embedded interpreter): nothing to hide
        yield
        return
    try:
        with tempfile.TemporaryFile() as capture:
            os.dup2(capture.fileno(), 2)
            try:
                yield
            finally:
                with contextlib.suppress(AttributeError, OSError, ValueError):
                    sys.stderr.flush()
                os.dup2(saved, 2)
                capture.seek(0)
                kept = [line for line in capture.read().splitlines(keepends=True)
                        if not NATIVE_NOISE.search(line.decode("utf-8", "replace"))]
                if kept:
                    os.write(2, b"".join(kept))
    finally:
        os.close(saved)


class _QuietFirstUse:
    """A LiteRT interpreter whose first allocation runs under :func:`quiet_native_stderr`.

    LiteRT creates its XNNPACK delegate (and prints a note about it) lazily, on the first allocation:
    ``allocate_tensors``, ``invoke`` or a signature runner's first call. Everything else is the interpreter's own.
    """

    def __init__(self, interpreter):
        self._litert = interpreter
        self._quiet = True

    def __getattr__(self, name):
        return getattr(self._litert, name)

    def first_use(self, call, *args, **kwargs):
        if not self._quiet:
            return call(*args, **kwargs)
        with quiet_native_stderr():
            result = call(*args, **kwargs)
        self._quiet = False
        return result

    def allocate_tensors(self):
        return self.first_use(self._litert.allocate_tensors)

    def invoke(self):
        return self.first_use(self._litert.invoke)

    def get_signature_runner(self, *args, **kwargs):
        return _QuietRunner(self._litert.get_signature_runner(*args, **kwargs), self)


class _QuietRunner:
    """A signature runner whose calls go through its interpreter's :meth:`_QuietFirstUse.first_use`."""

    def __init__(self, runner, interpreter: _QuietFirstUse):
        self._runner, self._interpreter = runner, interpreter

    def __getattr__(self, name):
        return getattr(self._runner, name)

    def __call__(self, *args, **kwargs):
        return self._interpreter.first_use(self._runner, *args, **kwargs)


def make_interpreter(**kwargs):
    """A TFLite interpreter (``model_path=`` or ``model_content=``, ``num_threads=``).

    From ai_edge_litert (XNNPACK on CPU) when installed, else ``tf.lite`` (its deprecation
    warning hidden); both give identical outputs and speed. LiteRT's "Created TensorFlow Lite XNNPACK
    delegate" line, printed by its C++ runtime on the first allocation, is dropped
    (:func:`quiet_native_stderr`); its errors still reach stderr.
    """
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _QuietFirstUse(tf.lite.Interpreter(**kwargs))
    return _QuietFirstUse(Interpreter(**kwargs))


def run_tflite(path: str | os.PathLike, image: np.ndarray, num_threads: int = 2) -> np.ndarray:
    """Run a ``.tflite`` image model on one ``HxWx3`` image in [0, 255]; return float32 ``HxWx3``.

    Float32 and uint8/int8 inputs and outputs are handled from the interpreter's details
    (quantized values use the tensors' scale and zero point). The image must already have
    the model's input size (:class:`OptionError` otherwise). The result is clipped to [0, 255].
    """
    if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)) or num_threads < 1:
        raise OptionError(f"num_threads must be a positive integer, got {num_threads!r}")
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3:
        raise OptionError(f"expected an HxWx3 image, got shape {tuple(array.shape)}")
    if array.dtype.kind not in "biuf":
        raise OptionError(f"unsupported image dtype: {array.dtype}")
    source = os.fspath(path)
    if not os.path.isfile(source):
        raise OptionError(f"no such TFLite model: {source}")
    try:
        interpreter = make_interpreter(model_path=source, num_threads=int(num_threads))
        interpreter.allocate_tensors()
    except Exception as exc:
        raise TfstyleError(f"cannot load TFLite model {source}: {_first_line(exc)}") from exc
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    expected = tuple(int(s) for s in inp["shape"][1:3])
    if tuple(array.shape[:2]) != expected:
        raise OptionError(f"the model takes {expected[0]}x{expected[1]} images, got "
                          f"{array.shape[0]}x{array.shape[1]}; resize or crop the image first")
    interpreter.set_tensor(inp["index"], to_input(array.astype(np.float32)[None], inp))
    interpreter.invoke()
    result = from_output(interpreter.get_tensor(out["index"]), out)[0]
    return np.clip(result, 0.0, 255.0).astype(np.float32)


def run_signature(path: str | os.PathLike, inputs: dict[str, np.ndarray], num_threads: int = 2) -> dict:
    """Run a ``.tflite`` model's ``serving_default`` signature on named float inputs; float32 outputs by name.

    Quantized (uint8/int8) inputs and outputs are converted with their scale and zero point;
    each input needs the batch dimension (e.g. ``(1, 384, 384, 3)``, ``(1, 100)``).
    """
    source = os.fspath(path)
    if not os.path.isfile(source):
        raise OptionError(f"no such TFLite model: {source}")
    try:
        runner = make_interpreter(model_path=source, num_threads=int(num_threads)).get_signature_runner(SIGNATURE_KEY)
    except Exception as exc:
        raise TfstyleError(f"cannot load TFLite model {source}: {_first_line(exc)}") from exc
    details = runner.get_input_details()
    if set(details) != set(inputs):
        raise OptionError(f"the model takes inputs {sorted(details)}, got {sorted(inputs)}")
    feed = {name: to_input(np.asarray(value, np.float32), details[name]) for name, value in inputs.items()}
    outputs = runner(**feed)
    out_details = runner.get_output_details()
    return {name: from_output(np.asarray(value), out_details[name]) for name, value in outputs.items()}


def to_input(x: np.ndarray, detail: dict) -> np.ndarray:
    """Float values as the tensor ``detail`` takes them (quantized with its scale and zero point if integer)."""
    dtype = np.dtype(detail["dtype"])
    if dtype.kind == "f":
        return x.astype(dtype)
    scale, zero_point = detail["quantization"]
    q = np.round(x / scale) + zero_point if scale else np.round(x)
    info = np.iinfo(dtype)
    return np.clip(q, info.min, info.max).astype(dtype)


def from_output(y: np.ndarray, detail: dict) -> np.ndarray:
    """An output tensor as float32 values (dequantized with its scale and zero point if integer)."""
    if np.dtype(detail["dtype"]).kind == "f":
        return y.astype(np.float32)
    scale, zero_point = detail["quantization"]
    y = y.astype(np.float32)
    return (y - zero_point) * scale if scale else y
