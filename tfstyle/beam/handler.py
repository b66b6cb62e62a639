"""A RunInference ``ModelHandler`` for tfstyle networks: a preset name or a ``.keras`` file in, stylized images out.

The network runs exactly as ``tfstyle stylize`` runs it (same function, same options, same backend
choice), so a Beam output is byte for byte the command line's on the same image.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from apache_beam.ml.inference.base import ModelHandler, PredictionResult

from tfstyle.beam.files import local_copy
from tfstyle.errors import OptionError

__all__ = ["StyleModel", "StyleModelHandler"]

BACKENDS = ("auto", "litert", "keras")


def _not_memory_note(record: logging.LogRecord) -> bool:
    # Beam 2.7x's RunInference logs this on the root logger for every batch wherever PyTorch is missing (its
    # memory reader sits behind an import of torch): noise on every run of a TensorFlow/LiteRT pipeline.
    return not str(record.msg).startswith("Resource module is not available")


logging.getLogger().addFilter(_not_memory_note)


class StyleModel:
    """A loaded network with its options: ``model(image) -> uint8 image``; what :class:`StyleModelHandler` loads.

    ``model`` is a preset name (its LiteRT files, or Keras, chosen by the stylize function as
    ``backend`` says) or a loaded Keras network. Calls are serialized: a LiteRT interpreter is not
    safe to call from two threads, and each call already uses several cores.
    """

    def __init__(self, model, kind: str, backend: str, options: dict, styles: list | None = None):
        self.model, self.kind, self.backend, self.options, self.styles = model, kind, backend, options, styles
        self._lock = threading.Lock()

    def __call__(self, image) -> np.ndarray:
        """Stylize one image (a path or an array, as :func:`tfstyle.stylize` takes) into a ``uint8`` array."""
        with self._lock:
            if self.kind == "fast":
                from tfstyle.methods.fast import stylize

                return stylize(image, self.model, backend=self.backend, **self.options)
            from tfstyle.methods.arbitrary import stylize_arbitrary

            return stylize_arbitrary(image, self.styles, model=self.model, backend=self.backend, **self.options)

    def video(self, src: str, dst: str) -> None:
        """Stylize the clip ``src`` into ``dst`` (:func:`tfstyle.stylize_video`, written atomically)."""
        from tfstyle.video.io import stylize_video

        options = {key: value for key, value in self.options.items() if key in ("size", "preserve_color", "tile")}
        with self._lock:
            stylize_video(src, dst, model=self.model, style=self.styles, method=self.kind, **options)


class StyleModelHandler(ModelHandler[np.ndarray, PredictionResult, StyleModel]):
    """Run a tfstyle network in Beam's ``RunInference``: examples are images, inferences ``uint8`` images.

    Args:
        model: a shipped preset name (``tfstyle presets``) or a ``.keras`` file (any Beam file system).
            A fast network paints its own style; an arbitrary one paints like ``styles``.
        styles: paths of the paintings an arbitrary network paints like (several are blended equally).
        size, preserve_color, tile: as ``tfstyle stylize --size/--preserve-color/--tile``.
        backend: ``"auto"`` (a preset's LiteRT files, built once on first use, else Keras), ``"litert"``
            or ``"keras"``, as ``tfstyle stylize --backend``.
        max_batch_size: images per ``run_inference`` call (default 1: images differ in size, and a
            bad one fails only itself).

    :meth:`load_model` runs once per worker process (Beam shares the model between its threads); it
    builds a preset's LiteRT files when missing, as the command line does, and stylizes one small
    image so the interpreter or Keras graph is ready before the first element.

    Example:
        >>> handler = StyleModelHandler("wave", size=64)
        >>> model = handler.load_model()
        >>> [result.inference.shape for result in handler.run_inference([np.zeros((48, 80, 3))], model)]
        [(38, 64, 3)]
    """

    def __init__(self, model: str | os.PathLike, *, styles: Sequence[str] | None = None, size: int | None = None,
                 preserve_color: str | None = None, tile: int | None = None, backend: str = "auto",
                 max_batch_size: int = 1):
        super().__init__(max_batch_size=max_batch_size)
        if backend not in BACKENDS:
            raise OptionError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        self.spec = os.fspath(model)
        self.styles = [os.fspath(path) for path in styles or ()]
        self.options = {"size": size, "preserve_color": preserve_color, "tile": tile}
        self.backend = backend
        self._check()

    def _check(self) -> None:
        """Refuse a wrong network or missing paintings in one line, before a pipeline starts."""
        from tfstyle.weights.registry import is_preset_name, preset_entry

        if is_preset_name(self.spec):
            kind = preset_entry(self.spec)["kind"]
            if kind == "arbitrary" and not self.styles:
                raise OptionError(f"{self.spec!r} is an arbitrary-style network: give the paintings it paints like "
                                  "(styles=, --style-image)")
            if kind == "fast" and self.styles:
                raise OptionError(f"{self.spec!r} is a fast network: it paints its own style, it takes no paintings")
        elif not self.spec.endswith(".keras"):
            raise OptionError(f"{self.spec!r} is neither a preset name (see 'tfstyle presets') nor a .keras file")

    def load_model(self) -> StyleModel:
        """The network, ready to run: a preset's name with its backend decided, or a loaded Keras network."""
        from tfstyle.image.io import load_image
        from tfstyle.weights.presets import load_model, model_kind
        from tfstyle.weights.registry import is_preset_name, preset_entry

        styles = None
        if self.styles:  # read as the command line reads them, through a local copy when remote
            styles = []
            for path in self.styles:
                with local_copy(path) as local:
                    styles.append(load_image(local))
        if is_preset_name(self.spec):
            kind = preset_entry(self.spec)["kind"]
            backend = _backend(self.spec, kind, self.backend)
            model = self.spec if backend != "keras" else load_model(self.spec, kind=kind)
        else:
            with local_copy(self.spec) as local:
                model = load_model(local)
            kind = model_kind(model) or "fast"
            backend = self.backend
        loaded = StyleModel(model, kind, backend, dict(self.options), styles)
        loaded(np.full((64, 64, 3), 128, np.float32))  # load the interpreter / trace Keras now, once per worker
        return loaded

    def run_inference(self, batch: Sequence[np.ndarray], model: StyleModel,
                      inference_args: dict[str, Any] | None = None) -> Iterable[PredictionResult]:
        """Stylize each image of ``batch`` (they may differ in size); a failure raises (RunInference's dead letter)."""
        return [PredictionResult(example, model(example), model_id=self.spec) for example in batch]

    def get_num_bytes(self, batch: Sequence[np.ndarray]) -> int:
        return int(sum(np.asarray(example).nbytes for example in batch))

    def get_metrics_namespace(self) -> str:
        return "tfstyle"


def _backend(name: str, kind: str, backend: str) -> str:
    """``backend`` after building preset ``name``'s LiteRT files on first use, as ``tfstyle stylize`` decides it
    (``keras`` where ``auto`` cannot build them), so Beam and the command line run the same code."""
    from tfstyle.runtime import preset_files

    if not preset_files.needs_build(name, kind, backend):
        return backend
    from tfstyle.export.litert_cache import litert_or_keras

    return backend if litert_or_keras(name, strict=backend == "litert") is not None else "keras"
