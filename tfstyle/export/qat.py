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

    Returns:
        The metadata dict (``format`` is ``"int8-qat"``) with a ``qat`` entry: the copy's
        error, the MSE to the float outputs before and after fine-tuning, and the steps.
    """
    from tfstyle.export.tflite import calibration_images, write_model
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
              "config": json.dumps({k: net.get_config()[k] for k in ("width", "residual_blocks", "padding_mode")})}
    for layer in [*net.normalized_convs(), net.output_conv, *net.norms]:
        for i, weight in enumerate(layer.get_weights()):
            arrays[f"w:{layer.name}:{i}"] = np.asarray(weight)
    with tempfile.TemporaryDirectory(prefix="tfstyle-qat-") as folder:
        job, out, report = (pathlib.Path(folder) / name for name in ("job.npz", "model.tflite", "report.json"))
        np.savez(job, **arrays)
        env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
        done = subprocess.run([sys.executable, "-m", "tfstyle.export.qat_worker", str(job), str(out), str(report)],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0 or not out.exists():
            lines = [line for line in (done.stderr or "").strip().splitlines() if line.strip()]
            raise TfstyleError(f"quantization-aware training failed: {lines[-1] if lines else done.returncode}")
        content = out.read_bytes()
        details = json.loads(report.read_text())
    return write_model(content, path, format="int8-qat", size=(size, size), model=net,
                       extra={"qat": details, "calibration_images": len(photos), "equalized": equalize})
