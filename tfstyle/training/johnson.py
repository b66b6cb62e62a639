"""Train a Johnson feed-forward network for one style.

Backend-agnostic: under TensorFlow it reads batches through ``tf.data`` and scales out with
``tf.distribute.MirroredStrategy``; under JAX (e.g. the GPU machine, which has no
TensorFlow) through a ``keras.utils.PyDataset`` with ``keras.distribution.DataParallel``.
Checkpoints every ``checkpoint_every`` steps; running the same command again resumes
exactly where it stopped (same weights, optimizer state and batches).
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import time
from collections.abc import Sequence

import keras
import numpy as np

from tfstyle.data import ContentBatches
from tfstyle.errors import OptionError
from tfstyle.images import ImageLike, load_image
from tfstyle.models.johnson import JohnsonNet
from tfstyle.perceptual import PerceptualLoss
from tfstyle.training.callbacks import STATE_WEIGHTS, ResumableCheckpoint, SampleImages, read_state
from tfstyle.training.trainer import StyleTransferTrainer

#: Default loss: the published fast-style-transfer recipe (Engstrom's, which trains well with
#: instance norm), converted to tfstyle's mean-based losses. There: content relu4_2 x 7.5,
#: style relu1_1..relu5_1 x 100 with Grams divided by H*W*C (so each layer's squared error is
#: divided by C^2), total variation x 200. Here, with content weight 1: style layer weights
#: proportional to 1/C^2 and style weight 100 / 7.5 * sum(1/C^2) = 4.37e-3; TV weight 200/7.5.
CONTENT_LAYERS = ("block4_conv2",)
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
STYLE_LAYER_WEIGHTS = tuple(1.0 / c**2 for c in (64, 128, 256, 512, 512))
STYLE_WEIGHT = 100.0 / 7.5 * sum(STYLE_LAYER_WEIGHTS)
TV_WEIGHT = 200.0 / 7.5

#: Settings that must match for a checkpoint to be resumed.
_RESUME_KEYS = ("width", "residual_blocks", "padding_mode", "image_size", "batch_size", "checkpoint_every",
                "learning_rate", "content_weight", "style_weight", "tv_weight", "content_layers",
                "style_layers", "style_layer_weights", "style_size", "seed")


def _distribution_scope():
    """A data-parallel scope over all local accelerators (no-op on one device)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        if len(tf.config.list_logical_devices("GPU")) > 1:
            return tf.distribute.MirroredStrategy().scope()
    elif backend == "jax":
        devices = keras.distribution.list_devices()
        if len(devices) > 1:
            keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    return contextlib.nullcontext()


def train_johnson(
    style: ImageLike,
    content_dir: str | os.PathLike | Sequence[str],
    out: str | os.PathLike,
    *,
    width: float = 0.5,
    residual_blocks: int = 5,
    padding_mode: str = "reflect",
    image_size: int = 256,
    batch_size: int = 4,
    steps: int = 20000,
    checkpoint_every: int = 100,
    learning_rate: float = 1e-3,
    content_weight: float = 1.0,
    style_weight: float = STYLE_WEIGHT,
    tv_weight: float = TV_WEIGHT,
    content_layers: Sequence[str] = CONTENT_LAYERS,
    style_layers: Sequence[str] = STYLE_LAYERS,
    style_layer_weights: Sequence[float] | None = STYLE_LAYER_WEIGHTS,
    style_size: int | None = None,
    val_dir: str | os.PathLike | None = None,
    val_batches: int = 2,
    checkpoint_dir: str | os.PathLike | None = None,
    log_dir: str | os.PathLike | None = None,
    content_limit: int | None = None,
    seed: int = 0,
    init: str | os.PathLike | JohnsonNet | None = None,
    vgg_weights: str | os.PathLike | None = None,
    mixed_precision: bool | None = None,
    jit_compile: bool | str = "auto",
    verbose: int | str = "auto",
) -> JohnsonNet:
    """Train a :class:`~tfstyle.models.JohnsonNet` to paint like ``style``; save it to ``out``.

    Args:
        style: the style image.
        content_dir: folder of training photos (or a list of paths).
        out: where the trained network is saved (``.keras``).
        width, residual_blocks, padding_mode: network shape (see ``JohnsonNet``).
        image_size, batch_size: training crops are ``image_size`` squares.
        steps: total optimizer steps (a resumed run counts the steps already done). Johnson et
            al. train 40k steps of batch 4 at 256 px; expect blotchy results (dark "droplets",
            lost content) for the first few hundred steps.
        checkpoint_every: steps per checkpoint (and per Keras epoch).
        learning_rate: Adam's learning rate.
        content_weight, style_weight, tv_weight, content_layers, style_layers, style_layer_weights:
            the loss (see :class:`~tfstyle.perceptual.PerceptualLoss`).
        style_size: long side of the style image (default ``2 * image_size``); smaller
            values give larger strokes.
        val_dir: folder of validation photos: validation losses are logged per checkpoint.
        checkpoint_dir: default ``<out without .keras>.ckpt/``; holds the resumable state,
            CSV and TensorBoard logs (``log_dir``, default ``<checkpoint_dir>/logs``) and
            sample images.
        content_limit: use only this many training photos (quick experiments, tests).
        seed: decides initialization and every batch.
        init: start from these weights instead of random ones: a ``JohnsonNet``, a ``.keras``
            file or a ``.weights.h5`` file of the same shape (e.g. from :func:`pretrain_identity`,
            which makes short trainings much cleaner).
        vgg_weights: see :func:`tfstyle.vgg.resolve_weights`.
        mixed_precision: ``mixed_float16`` / ``mixed_bfloat16`` on GPUs (default: on when a
            GPU is present).
        jit_compile: passed to ``compile``.
        verbose: Keras progress bar setting.

    Returns:
        The trained network (also saved to ``out``).

    Example:
        >>> import numpy as np, tempfile, PIL.Image
        >>> folder = tempfile.mkdtemp()
        >>> for i in range(2):
        ...     PIL.Image.fromarray(np.random.default_rng(i).integers(0, 255, (48, 48, 3), np.uint8)).save(
        ...         f"{folder}/{i}.png")
        >>> net = train_johnson(np.full((32, 32, 3), 200.0), folder, f"{folder}/net.keras", width=0.25,
        ...                     image_size=32, batch_size=1, steps=2, checkpoint_every=1, verbose=0)
        >>> tuple(net(np.zeros((1, 32, 32, 3), "float32")).shape)
        (1, 32, 32, 3)
    """
    out = pathlib.Path(out)
    if out.suffix != ".keras":
        raise OptionError(f"the trained network is saved as .keras, got {out}")
    if not out.parent.is_dir():
        raise OptionError(f"output folder does not exist: {out.parent}")
    if steps < 1 or checkpoint_every < 1:
        raise OptionError(f"steps and checkpoint_every must be >= 1, got {steps} and {checkpoint_every}")
    checkpoint_dir = pathlib.Path(checkpoint_dir) if checkpoint_dir else out.with_suffix(".ckpt")
    log_dir = pathlib.Path(log_dir) if log_dir else checkpoint_dir / "logs"
    style_size = style_size or 2 * image_size
    config = {
        "width": width, "residual_blocks": residual_blocks, "padding_mode": padding_mode,
        "image_size": image_size, "batch_size": batch_size, "checkpoint_every": checkpoint_every,
        "learning_rate": learning_rate, "content_weight": content_weight, "style_weight": style_weight,
        "tv_weight": tv_weight, "content_layers": list(content_layers), "style_layers": list(style_layers),
        "style_layer_weights": None if style_layer_weights is None else [float(w) for w in style_layer_weights],
        "style_size": style_size, "seed": seed,
    }
    state = read_state(checkpoint_dir)
    if state is not None:
        changed = [k for k in _RESUME_KEYS if state["config"].get(k) != config[k]]
        if changed:
            raise OptionError(
                f"{checkpoint_dir} holds a run with other settings ({', '.join(changed)}); "
                f"delete it or pass another checkpoint_dir"
            )

    style_image = load_image(style, max_size=style_size)
    batches = ContentBatches(content_dir, batch_size=batch_size, image_size=image_size, seed=seed,
                             limit=content_limit, progress=bool(verbose))
    val = ContentBatches(val_dir, batch_size=batch_size, image_size=image_size, seed=seed + 1,
                         limit=val_batches * batch_size, progress=False) if val_dir else None

    keras.utils.set_random_seed(seed)
    if mixed_precision is None:
        mixed_precision = bool(keras.distribution.list_devices("gpu")) if keras.backend.backend() == "jax" else \
            _tf_has_gpu()
    if mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16" if keras.backend.backend() == "jax"
                                                else "mixed_float16")
    try:
        with _distribution_scope():
            net = JohnsonNet(width=width, residual_blocks=residual_blocks, padding_mode=padding_mode)
            loss = PerceptualLoss(content_layers=content_layers, style_layers=style_layers,
                                  content_weight=content_weight, style_weight=style_weight, tv_weight=tv_weight,
                                  style_layer_weights=style_layer_weights, weights=vgg_weights)
            trainer = StyleTransferTrainer(net, loss, loss.style_targets([style_image]))
            trainer.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=jit_compile)
            trainer(np.zeros((1, image_size, image_size, 3), np.float32))
            trainer.optimizer.build(trainer.trainable_variables)
            start_epoch = 0
            if init is not None:
                net.set_weights(_load_net(init).get_weights())
            if state is not None:
                trainer.load_weights(checkpoint_dir / STATE_WEIGHTS)
                start_epoch = state["epoch"]
        total_epochs = -(-steps // checkpoint_every)
        if start_epoch < total_epochs:
            start_step, end_step = start_epoch * checkpoint_every, total_epochs * checkpoint_every
            if keras.backend.backend() == "tensorflow":
                train_data = batches.tf_dataset(start_step, end_step)
                val_data = val.tf_dataset(0, val_batches) if val else None
            else:
                train_data = batches.py_dataset(start_step, end_step)
                val_data = val.py_dataset(0, val_batches) if val else None
            callbacks = [ResumableCheckpoint(checkpoint_dir, config),
                         keras.callbacks.CSVLogger(str(checkpoint_dir / "history.csv"), append=True)]
            sample_source = val if val else batches
            callbacks.append(SampleImages(sample_source.batch(10**6)[:2], checkpoint_dir / "samples"))
            if _has_tensorflow():
                callbacks.append(keras.callbacks.TensorBoard(str(log_dir), update_freq=max(1, checkpoint_every // 5)))
            checkpoint_dir.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            trainer.fit(train_data, epochs=total_epochs, steps_per_epoch=checkpoint_every,
                        initial_epoch=start_epoch, validation_data=val_data, callbacks=callbacks, verbose=verbose,
                        shuffle=False)
            _append_time(checkpoint_dir, time.perf_counter() - started, end_step - start_step)
    finally:
        if mixed_precision:
            keras.mixed_precision.set_global_policy("float32")
    if mixed_precision:
        net = _as_float32(net)
    tmp = out.with_name(f".tmp-{out.name}")
    net.save(tmp)
    os.replace(tmp, out)
    return net


def pretrain_identity(
    content_dir: str | os.PathLike | Sequence[str],
    out: str | os.PathLike,
    *,
    width: float = 0.5,
    residual_blocks: int = 5,
    padding_mode: str = "reflect",
    image_size: int = 256,
    batch_size: int = 4,
    steps: int = 300,
    learning_rate: float = 2e-3,
    content_limit: int | None = None,
    seed: int = 0,
    verbose: int | str = "auto",
) -> JohnsonNet:
    """Train a ``JohnsonNet`` to reproduce its input (pixel MSE); save it to ``out`` (``.keras``).

    No VGG is involved, so it is cheap; used as ``init=`` for :func:`train_johnson`, style
    training then starts from a network that already keeps the content and only has to add
    the style, which avoids the blotchy early phase of training from scratch.

    Example:
        >>> import numpy as np, tempfile, PIL.Image
        >>> folder = tempfile.mkdtemp()
        >>> PIL.Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 48, 3), np.uint8)).save(
        ...     f"{folder}/a.png")
        >>> net = pretrain_identity(folder, f"{folder}/id.keras", width=0.25, image_size=32, batch_size=1,
        ...                         steps=2, verbose=0)
        >>> net.width
        0.25
    """
    out = pathlib.Path(out)
    batches = ContentBatches(content_dir, batch_size=batch_size, image_size=image_size, seed=seed,
                             limit=content_limit, progress=bool(verbose))
    keras.utils.set_random_seed(seed)
    net = JohnsonNet(width=width, residual_blocks=residual_blocks, padding_mode=padding_mode)
    net.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    data = batches.tf_dataset(0, steps) if _has_tensorflow() and keras.backend.backend() == "tensorflow" \
        else batches.py_dataset(0, steps)
    net.fit(data, epochs=1, steps_per_epoch=steps, verbose=verbose, shuffle=False)
    tmp = out.with_name(f".tmp-{out.name}")
    net.save(tmp)
    os.replace(tmp, out)
    return net


def _load_net(source: str | os.PathLike | JohnsonNet) -> JohnsonNet:
    if isinstance(source, JohnsonNet):
        return source
    path = pathlib.Path(source)
    if not path.is_file():
        raise OptionError(f"no such weights file: {path}")
    if path.name.endswith(".weights.h5"):
        raise OptionError("init needs a .keras file (its shape is read from it)")
    return keras.saving.load_model(path, compile=False)


def _as_float32(net: JohnsonNet) -> JohnsonNet:
    """A float32 copy (a ``.keras`` saved under a mixed policy would reload as half precision)."""
    copy = JohnsonNet(width=net.width, residual_blocks=net.residual_blocks, padding_mode=net.padding_mode)
    copy(np.zeros((1, 32, 32, 3), np.float32))
    copy.set_weights([np.asarray(w, np.float32) for w in net.get_weights()])
    return copy


def _append_time(checkpoint_dir: pathlib.Path, seconds: float, steps: int) -> None:
    with open(checkpoint_dir / "timing.csv", "a") as f:
        f.write(f"{steps},{seconds:.1f},{keras.backend.backend()}\n")


def _has_tensorflow() -> bool:
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True


def _tf_has_gpu() -> bool:
    if not _has_tensorflow():
        return False
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))
