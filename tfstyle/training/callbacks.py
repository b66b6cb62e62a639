"""Callbacks for resumable, observable training."""
from __future__ import annotations

import json
import os
import pathlib
import tempfile
import time

import keras
import numpy as np

from tfstyle.atomic import atomic_paths
from tfstyle.training.trainer import tf_config

STATE_WEIGHTS = "state.weights.h5"
STATE_JSON = "state.json"


def multi_worker() -> bool:
    """Whether ``TF_CONFIG`` describes a cluster and the backend is TensorFlow (a multi-worker run).

    Example:
        >>> import os
        >>> multi_worker() == (keras.backend.backend() == "tensorflow" and "cluster" in os.environ.get("TF_CONFIG", ""))
        True
    """
    return keras.backend.backend() == "tensorflow" and bool(tf_config().get("cluster"))


def is_chief() -> bool:
    """Whether this process writes the run's files: always, except on the workers of a multi-worker
    run other than the chief (the ``chief`` task, or ``worker`` 0 when the cluster has no chief).

    Example:
        >>> is_chief() or multi_worker()
        True
    """
    if not multi_worker():
        return True
    config = tf_config()
    task = config.get("task") or {}
    kind, index = task.get("type", "worker"), int(task.get("index", 0))
    return kind == "chief" or (kind == "worker" and index == 0 and "chief" not in config["cluster"])


def read_state(directory: str | os.PathLike) -> dict | None:
    """The last checkpoint's metadata in ``directory`` (``None`` if there is none)."""
    path = pathlib.Path(directory) / STATE_JSON
    if not path.is_file() or not (pathlib.Path(directory) / STATE_WEIGHTS).is_file():
        return None
    return json.loads(path.read_text())


class ResumableCheckpoint(keras.callbacks.Callback):
    """Saves weights, optimizer state and the epoch at the end of every epoch.

    Both files are written to temporary names and renamed, weights first, so a run
    killed at any moment leaves the previous complete checkpoint. The metadata holds
    ``config`` so a resume with different settings can be refused.
    """

    def __init__(self, directory: str | os.PathLike, config: dict):
        super().__init__()
        self.directory = pathlib.Path(directory)
        self.config = config

    def on_epoch_end(self, epoch, logs=None):
        if not is_chief():
            # Every worker holds the same weights and the chief writes them. Yet saving creates a
            # variable (Keras builds a throwaway optimizer), a collective step under
            # MultiWorkerMirroredStrategy that every worker must take: the others save to scratch.
            with tempfile.TemporaryDirectory() as scratch:
                self.model.save_weights(pathlib.Path(scratch) / STATE_WEIGHTS)
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        state = {"epoch": epoch + 1, "config": self.config,
                 "logs": {k: float(v) for k, v in (logs or {}).items()}}
        # Renamed in this order: a run killed between the two renames still resumes (the
        # state file names the epoch of the weights it last saw).
        with atomic_paths(self.directory / STATE_WEIGHTS, self.directory / STATE_JSON) as (weights, meta):
            weights.unlink()
            self.model.save_weights(weights)
            meta.write_text(json.dumps(state, indent=1))


class StopAfter(keras.callbacks.Callback):
    """Ends ``fit`` at the first epoch end (a checkpoint) after ``seconds`` of training.

    For runs on a lent machine with a fixed time budget: the steps done are whatever fits, and
    every epoch end leaves a resumable checkpoint (list it after :class:`ResumableCheckpoint`).

    Example:
        >>> StopAfter(60).seconds
        60.0
    """

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = float(seconds)
        self._start = None

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if time.perf_counter() - self._start >= self.seconds:
            self.model.stop_training = True


class SampleImages(keras.callbacks.Callback):
    """After each epoch, stylizes fixed sample images: a JPEG strip in ``directory`` and,
    under TensorFlow, a TensorBoard image summary."""

    def __init__(self, images: np.ndarray, directory: str | os.PathLike, tensorboard: bool = True):
        super().__init__()
        self.images = np.asarray(images, np.float32)
        self.directory = pathlib.Path(directory)
        self.tensorboard = tensorboard and keras.backend.backend() == "tensorflow"
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        from tfstyle.image.io import save_image

        out = self.model.predict(self.images, verbose=0)  # NumPy on every backend; all workers take part
        if not is_chief():
            return
        strip = np.concatenate([np.concatenate(list(self.images), 1), np.concatenate(list(out), 1)], 0)
        self.directory.mkdir(parents=True, exist_ok=True)
        save_image(strip, self.directory / f"epoch_{epoch + 1:04d}.jpg", quality=85)
        if self.tensorboard:
            import tensorflow as tf

            if self._writer is None:
                self._writer = tf.summary.create_file_writer(str(self.directory.parent / "images"))
            with self._writer.as_default():
                tf.summary.image("stylized", np.clip(out, 0, 255).astype(np.uint8), step=epoch + 1,
                                 max_outputs=len(out))
            self._writer.flush()
