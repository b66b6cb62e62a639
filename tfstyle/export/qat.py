"""Quantization-aware training (tensorflow-model-optimization) for INT8 export, kept out of process.

tfmot quantizes only tf_keras (Keras 2) models and flips ``TF_USE_LEGACY_KERAS`` when imported,
so it never runs in the caller's process: :func:`export_qat_int8` saves the network's weights
and real photos to a temporary file and runs :mod:`tfstyle.export.qat_worker` in a fresh Python,
which rebuilds the same architecture in tf_keras, fine-tunes it with fake quantization to match
the float network, and converts it to full-integer INT8.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

from tfstyle.errors import OptionError, TfstyleError


def export_qat_int8(
    net,
    path: str | os.PathLike,
    images,
    *,
    size: int = 384,
    steps: int = 100,
    batch_size: int = 2,
    learning_rate: float = 1e-5,
    num_images: int = 64,
    uint8_io: bool = True,
    equalize: bool = True,
    timeout: float | None = None,
) -> dict:
    """Fine-tune ``net`` (a :class:`~tfstyle.models.JohnsonNet`) with QAT and write a full-INT8 ``.tflite``.

    Args:
        net: the float network.
        path: the ``.tflite`` to write (metadata goes to ``<path>.json``, as for ``export_tflite``).
        images: real photos (folder, paths or arrays), cover-cropped to ``size``; used for
            fine-tuning (the targets are the float network's own outputs) and calibration.
        size: the fixed square input size.
        steps, batch_size, learning_rate: the fine-tuning.
        num_images: use at most this many photos.
        uint8_io: uint8 input and output (raw pixels), else float32.
        equalize: start from :func:`~tfstyle.export.equalize.equalize_instance_norm` (same function).
        timeout: seconds the worker may take (``None``: no limit); past it, it is stopped and
            :class:`TfstyleError` raised.

    Returns:
        The metadata dict (``format`` is ``"int8-qat"``) with a ``qat`` entry: the copy's
        error, the MSE to the float outputs before and after fine-tuning, and the steps.
    """
    return start_qat_int8(net, path, images, size=size, steps=steps, batch_size=batch_size,
                          learning_rate=learning_rate, num_images=num_images, uint8_io=uint8_io,
                          equalize=equalize).result(timeout)


class QatJob:
    """A running QAT worker (:func:`start_qat_int8`); :meth:`result` waits for it and writes the file."""

    def __init__(self, process: subprocess.Popen, folder: tempfile.TemporaryDirectory, path, net, photos: int,
                 size: int, equalize: bool):
        self.process, self._folder, self.path, self._net = process, folder, path, net
        self._photos, self._size, self._equalize = photos, size, equalize

    def done(self) -> bool:
        """Whether the worker has finished (successfully or not)."""
        return self.process.poll() is not None

    def result(self, timeout: float | None = None) -> dict:
        """Wait (at most ``timeout`` seconds), write the ``.tflite`` and its metadata; return the metadata."""
        from tfstyle.export.tflite import write_model

        folder = pathlib.Path(self._folder.name)
        try:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise TfstyleError(f"quantization-aware training took longer than {timeout:.0f} s; stopped") from None
            out, report = folder / "model.tflite", folder / "report.json"
            stderr = (folder / "log.txt").read_text(errors="replace")
            if self.process.returncode != 0 or not out.exists():
                lines = [line for line in (stderr or "").strip().splitlines() if line.strip()]
                raise TfstyleError(f"quantization-aware training failed: {lines[-1] if lines else self.process.returncode}")
            content = out.read_bytes()
            details = json.loads(report.read_text())
        finally:
            self._folder.cleanup()
        return write_model(content, self.path, format="int8-qat", size=(self._size, self._size), model=self._net,
                           extra={"qat": details, "calibration_images": self._photos, "equalized": self._equalize})


def start_qat_int8(net, path: str | os.PathLike, images, *, size: int = 384, steps: int = 100, batch_size: int = 2,
                   learning_rate: float = 1e-5, num_images: int = 64, uint8_io: bool = True,
                   equalize: bool = True) -> QatJob:
    """Start :func:`export_qat_int8`'s worker process and return at once (several styles can train side by side).

    Example (a child process that imports TensorFlow Model Optimization, ~30 s; the doctest run skips it
    because ``tests/test_export_tools.py`` runs the same call):
        >>> import pathlib, tempfile, numpy as np
        >>> from tfstyle.models import JohnsonNet
        >>> photos = [np.random.default_rng(i).uniform(0, 255, (32, 32, 3)) for i in range(2)]
        >>> job = start_qat_int8(JohnsonNet(width=0.25, residual_blocks=1), pathlib.Path(tempfile.mkdtemp()) / "q.tflite",
        ...                      photos, size=32, steps=1)  # doctest: +SKIP
        >>> job.result(timeout=600)["format"]  # doctest: +SKIP
        'int8-qat'
    """
    from tfstyle.export.tflite import calibration_images
    from tfstyle.runtime.protocols import NormalizedConvNet

    if not isinstance(net, NormalizedConvNet):
        raise OptionError("quantization-aware training supports JohnsonNet networks")
    photos = calibration_images(images, (size, size), num_images)
    if equalize:
        from tfstyle.export.equalize import equalize_instance_norm

        net = equalize_instance_norm(net, photos[:16])
    batch = np.stack(photos).astype(np.float32)
    reference = np.concatenate([np.asarray(net(batch[i:i + 1])) for i in range(len(batch))])
    arrays = {"images": batch, "reference": reference, "steps": steps, "batch_size": batch_size,
              "learning_rate": learning_rate, "uint8_io": uint8_io,
              "config": json.dumps({k: v for k, v in net.get_config().items() if k != "name"})}
    # Every layer with weights, by name (the worker's copy uses the same names; the phone
    # network's encoder feeds no norm, so normalized_convs() alone would miss it).
    for layer in net.layers:
        for i, weight in enumerate(layer.get_weights()):
            arrays[f"w:{layer.name}:{i}"] = np.asarray(weight)
    folder = tempfile.TemporaryDirectory(prefix="tfstyle-qat-")
    job, out, report = (pathlib.Path(folder.name) / name for name in ("job.npz", "model.tflite", "report.json"))
    np.savez(job, **arrays)
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    # The worker's log goes to a file: a pipe nobody reads while it trains would fill and stall it.
    with open(pathlib.Path(folder.name) / "log.txt", "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "tfstyle.export.qat_worker", str(job), str(out), str(report)],
                                   env=env, stdout=subprocess.DEVNULL, stderr=log)
    return QatJob(process, folder, path, net, len(photos), size, equalize)
