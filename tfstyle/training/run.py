"""What every tfstyle training run shares: settings checks, exact resume, the ``fit`` loop
with checkpoints and logs, scale-out, and the atomic save of the result."""
from __future__ import annotations

import contextlib
import csv
import os
import pathlib
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import keras

from tfstyle.atomic import write_text
from tfstyle.errors import OptionError
from tfstyle.training.callbacks import STATE_WEIGHTS, ResumableCheckpoint, is_chief, multi_worker, read_state
from tfstyle.training.data import ContentBatches, has_tensorflow, pair_dataset
from tfstyle.training.recipes import Recipe


def prepare_run(
    out: str | os.PathLike,
    recipe: Recipe,
    checkpoint_dir: str | os.PathLike | None,
    **derived: Any,
) -> tuple[pathlib.Path, pathlib.Path, dict | None, dict]:
    """Check the output; return ``(out, checkpoint_dir, state, config)``.

    ``config`` is what the checkpoint records: ``recipe.to_dict()`` plus the ``derived`` settings
    that are not ``None`` (facts of the inputs, e.g. the teacher's ``style_size``). ``state`` is the
    checkpoint to resume (``None`` for a new run); a checkpoint made with other values of the
    recipe's resume fields or of ``derived`` is refused, so a resume never mixes two recipes.
    """
    out = pathlib.Path(out)
    if out.suffix != ".keras":
        raise OptionError(f"the trained network is saved as .keras, got {out}")
    if not out.parent.is_dir():
        raise OptionError(f"output folder does not exist: {out.parent}")
    checkpoint_dir = pathlib.Path(checkpoint_dir) if checkpoint_dir else out.with_suffix(".ckpt")
    config = {**recipe.to_dict(), **{k: v for k, v in derived.items() if v is not None}}
    state = read_state(checkpoint_dir)
    if state is not None:
        changed = recipe.changed(state["config"]) + [k for k, v in derived.items() if state["config"].get(k) != v]
        if changed:
            raise OptionError(
                f"{checkpoint_dir} holds a run with other settings ({', '.join(changed)}); "
                f"delete it or pass another checkpoint_dir"
            )
    return out, checkpoint_dir, state, config


def restore(trainer: keras.Model, checkpoint_dir: pathlib.Path, state: dict | None) -> int:
    """Load the checkpoint (weights and optimizer state) into a built trainer; the epoch to start at."""
    trainer.optimizer.build(trainer.trainable_variables)
    if state is None:
        return 0
    trainer.load_weights(checkpoint_dir / STATE_WEIGHTS)
    return state["epoch"]


def fit_resumable(
    trainer: keras.Model,
    make_data: Callable[[int, int], object],
    *,
    checkpoint_dir: pathlib.Path,
    config: dict,
    steps: int,
    checkpoint_every: int,
    start_epoch: int,
    validation_data=None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    log_dir: pathlib.Path | None = None,
    verbose: int | str = "auto",
) -> None:
    """``fit`` from ``start_epoch`` to ``steps`` (one epoch per checkpoint), checkpointing,
    logging a CSV history and TensorBoard scalars, and recording the time taken.

    ``make_data(start_step, end_step)`` returns the batches of those global steps. Call it inside
    :func:`distribution_scope` (as the trainer was built) to train data-parallel.
    """
    total_epochs = -(-steps // checkpoint_every)
    if start_epoch >= total_epochs:
        return
    start_step, end_step = start_epoch * checkpoint_every, total_epochs * checkpoint_every
    chief = is_chief()  # the other workers of a multi-worker run write nothing
    all_callbacks = [ResumableCheckpoint(checkpoint_dir, config), *callbacks]
    if chief:
        all_callbacks.insert(1, keras.callbacks.CSVLogger(str(checkpoint_dir / "history.csv"), append=True))
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
    if chief and has_tensorflow():
        all_callbacks.append(keras.callbacks.TensorBoard(str(log_dir or checkpoint_dir / "logs"),
                                                         update_freq=max(1, checkpoint_every // 5)))
    started = time.perf_counter()
    trainer.fit(make_data(start_step, end_step), epochs=total_epochs, steps_per_epoch=checkpoint_every,
                initial_epoch=start_epoch, validation_data=validation_data, callbacks=all_callbacks,
                verbose=verbose, shuffle=False)
    if not chief:
        return
    with open(checkpoint_dir / "timing.csv", "a") as f:
        f.write(f"{end_step - start_step},{time.perf_counter() - started:.1f},{keras.backend.backend()}\n")


def pair_batches(content_dir, style_dir, recipe: Recipe, style_size: int) -> tuple[ContentBatches, ContentBatches]:
    """Content crops (``recipe.image_size``) and whole-painting style crops (``style_size``) for a pair trainer.

    ``recipe`` has ``batch_size``, ``image_size``, ``seed``, ``content_limit`` and ``style_limit``.
    """
    contents = ContentBatches(content_dir, batch_size=recipe.batch_size, image_size=recipe.image_size,
                              seed=recipe.seed, limit=recipe.content_limit)
    styles = ContentBatches(style_dir, batch_size=recipe.batch_size, image_size=style_size, seed=recipe.seed + 1,
                            zoom=1.0, limit=recipe.style_limit)
    return contents, styles


def fit_pairs(trainer: keras.Model, batches: tuple[ContentBatches, ContentBatches], recipe: Recipe, *,
              checkpoint_dir: pathlib.Path, config: dict, start_epoch: int, verbose: int | str,
              callbacks: Sequence[keras.callbacks.Callback] = ()) -> None:
    """:func:`fit_resumable` on ``((content, style),)`` batches of :func:`pair_batches`."""
    contents, styles = batches
    fit_resumable(trainer, lambda start, end: pair_dataset(contents, styles, start, end),
                  checkpoint_dir=checkpoint_dir, config=config, steps=recipe.steps,
                  checkpoint_every=recipe.checkpoint_every, start_epoch=start_epoch, verbose=verbose,
                  callbacks=callbacks)


def last_losses(checkpoint_dir: str | os.PathLike) -> dict[str, float]:
    """The last row of a run's ``history.csv`` (losses, validation losses), as numbers; ``{}`` before any."""
    with open(pathlib.Path(checkpoint_dir) / "history.csv") as f:
        rows = list(csv.DictReader(f))
    return {k: float(v) for k, v in rows[-1].items() if v not in ("", "NA") and k != "epoch"} if rows else {}


def timed_run(run: Callable[[], object], checkpoint_dir: str | os.PathLike, record: str | os.PathLike) -> float:
    """Call ``run()`` (a training run checkpointing to ``checkpoint_dir``) and add the seconds it took
    to the total kept in the text file ``record``; return that total (a resumed run adds up).

    A run whose checkpoint did not advance was already done and only reloaded its data: its time
    is not training time and is not added.
    """
    def epoch() -> int | None:
        state = read_state(pathlib.Path(checkpoint_dir))
        return None if state is None else state["epoch"]

    record = pathlib.Path(record)
    before, start = epoch(), time.perf_counter()
    run()
    spent = time.perf_counter() - start if epoch() != before else 0.0
    total = spent + (float(record.read_text()) if record.exists() else 0.0)
    write_text(record, f"{total:.0f}")
    return total


def _tf_strategy(devices: Sequence[str] | None):
    """MultiWorkerMirroredStrategy when ``TF_CONFIG`` names a cluster, else MirroredStrategy over
    ``devices`` (default: the local GPUs, or the logical CPU devices when no GPU); ``None`` for one device."""
    import tensorflow as tf

    if devices is None and multi_worker():
        # Created once per process: TensorFlow allows one collective set-up per program.
        key: tuple = ("multi-worker",)
        if key not in _STRATEGIES:
            _STRATEGIES[key] = tf.distribute.MultiWorkerMirroredStrategy()
        return _STRATEGIES[key]
    if devices is None:
        devices = [d.name for d in tf.config.list_logical_devices("GPU")] or \
            [d.name for d in tf.config.list_logical_devices("CPU")]
    if len(devices) < 2:
        return None
    # One strategy per device set: a model built in one strategy's scope must fit in the same.
    key = tuple(devices)
    if key not in _STRATEGIES:
        _STRATEGIES[key] = tf.distribute.MirroredStrategy(list(devices))
    return _STRATEGIES[key]


_STRATEGIES: dict[tuple, Any] = {}


@contextlib.contextmanager
def distribution_scope(devices: Sequence[str] | None = None) -> Iterator[None]:
    """Data parallelism over the local devices, or over the workers ``TF_CONFIG`` names.

    Build the trainer *and* call ``fit`` inside it: each global batch is split over the devices
    and the gradients are averaged, so a step equals the step of one device on the whole batch.
    Under TensorFlow: ``tf.distribute.MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` holds a
    cluster (one process per worker, see ``docs/training.md``), else ``MirroredStrategy`` over
    ``devices``. Under JAX: ``keras.distribution.DataParallel`` over ``devices`` (restored on exit).
    ``devices`` defaults to all local GPUs, or, without GPUs, the logical CPU devices (one unless
    configured, e.g. ``tf.config.set_logical_device_configuration`` or JAX's
    ``XLA_FLAGS=--xla_force_host_platform_device_count=2``). One device: nothing changes.

    Example:
        >>> with distribution_scope():
        ...     model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.output_shape
        (None, 1)
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        strategy = _tf_strategy(devices)
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            yield
        return
    if backend == "jax":
        chosen = keras.distribution.list_devices() if devices is None else list(devices)
        if len(chosen) > 1:
            previous = keras.distribution.distribution()
            keras.distribution.set_distribution(keras.distribution.DataParallel(devices=chosen))
            try:
                yield
            finally:
                keras.distribution.set_distribution(previous)
            return
    yield


def has_gpu() -> bool:
    """Whether the current Keras backend sees a GPU (decides mixed precision)."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return any(d.platform == "gpu" for d in jax.devices())
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    if not has_tensorflow():
        return False
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))
