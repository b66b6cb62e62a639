"""Train a Johnson feed-forward network for one style.

Backend-agnostic: under TensorFlow it reads batches through ``tf.data`` and scales out with
``tf.distribute.MirroredStrategy``; under JAX (e.g. the GPU machine, which has no
TensorFlow) through a ``keras.utils.PyDataset`` with ``keras.distribution.DataParallel``.
Checkpoints every ``checkpoint_every`` steps; running the same command again resumes
exactly where it stopped (same weights, optimizer state and batches).
"""
from __future__ import annotations

import os
import pathlib
from collections.abc import Sequence

import keras
import numpy as np

from tfstyle.data import ContentBatches, uses_tf_data
from tfstyle.errors import OptionError
from tfstyle.images import ImageLike, load_image
from tfstyle.io import save_model
from tfstyle.models.johnson import JohnsonNet
from tfstyle.perceptual import PerceptualLoss
from tfstyle.presets import load_model
from tfstyle.training.callbacks import SampleImages
from tfstyle.training.run import distribution_scope, fit_resumable, has_gpu, prepare_run, restore
from tfstyle.trainer import StyleTransferTrainer
from tfstyle.vgg import JOHNSON_CONTENT_LAYERS, JOHNSON_STYLE_LAYER_WEIGHTS, JOHNSON_STYLE_LAYERS

#: Default loss: Johnson et al.'s layers (:data:`tfstyle.vgg.JOHNSON_STYLE_LAYERS`), no total
#: variation. The style weight was chosen on 128 px CPU runs (tools/train_pretrained.py):
#: content stays legible and the texture is strong. A deeper content layer (relu4_2, as in
#: Engstrom's recipe) kept too little content at 128 px.
STYLE_WEIGHT = 3e-3
TV_WEIGHT = 0.0

#: Settings that must match for a checkpoint to be resumed.
_RESUME_KEYS = ("width", "residual_blocks", "padding_mode", "image_size", "batch_size", "checkpoint_every",
                "learning_rate", "content_weight", "style_weight", "tv_weight", "content_layers",
                "style_layers", "style_layer_weights", "style_size", "seed")


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
    content_layers: Sequence[str] = JOHNSON_CONTENT_LAYERS,
    style_layers: Sequence[str] = JOHNSON_STYLE_LAYERS,
    style_layer_weights: Sequence[float] | None = JOHNSON_STYLE_LAYER_WEIGHTS,
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
    jit_compile: bool | str = True,
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
            al. train 40k steps of batch 4 at 256 px. On a CPU budget, start from
            :func:`pretrain_identity` (``init=``) with ``learning_rate=2e-4``: a few hundred
            steps at 128 px then give clean results (the shipped styles: 400 steps); from a
            random start, or at 1e-3, the first few hundred steps lose the content.
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
        init: start from these weights instead of random ones: a fast preset name, a ``.keras``
            file or a ``JohnsonNet`` of the same shape (e.g. from :func:`pretrain_identity`).
        vgg_weights: see :func:`tfstyle.vgg.resolve_weights`.
        mixed_precision: ``mixed_float16`` / ``mixed_bfloat16`` on GPUs (default: on when a
            GPU is present).
        jit_compile: passed to ``compile``. On by default: Keras' ``"auto"`` turns XLA off on
            CPU-only machines, yet it makes a CPU step ~30% faster at 128 px
            (``benchmarks/results/train_speed.txt``).
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
        ...                     image_size=32, batch_size=1, steps=2, checkpoint_every=1, verbose=0,
        ...                     jit_compile=False)
        >>> tuple(net(np.zeros((1, 32, 32, 3), "float32")).shape)
        (1, 32, 32, 3)
    """
    style_size = style_size or 2 * image_size
    config = {
        "width": width, "residual_blocks": residual_blocks, "padding_mode": padding_mode,
        "image_size": image_size, "batch_size": batch_size, "checkpoint_every": checkpoint_every,
        "learning_rate": learning_rate, "content_weight": content_weight, "style_weight": style_weight,
        "tv_weight": tv_weight, "content_layers": list(content_layers), "style_layers": list(style_layers),
        "style_layer_weights": None if style_layer_weights is None else [float(w) for w in style_layer_weights],
        "style_size": style_size, "seed": seed,
    }
    out, checkpoint_dir, state = prepare_run(out, steps, checkpoint_every, checkpoint_dir, config, _RESUME_KEYS)

    style_image = load_image(style, max_size=style_size)
    batches = ContentBatches(content_dir, batch_size=batch_size, image_size=image_size, seed=seed,
                             limit=content_limit, progress=bool(verbose))
    val = ContentBatches(val_dir, batch_size=batch_size, image_size=image_size, seed=seed + 1,
                         limit=val_batches * batch_size, progress=False) if val_dir else None

    keras.utils.set_random_seed(seed)
    if mixed_precision is None:
        mixed_precision = has_gpu()
    if mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16" if keras.backend.backend() == "jax"
                                                else "mixed_float16")
    try:
        with distribution_scope():
            net = JohnsonNet(width=width, residual_blocks=residual_blocks, padding_mode=padding_mode)
            loss = PerceptualLoss(content_layers=content_layers, style_layers=style_layers,
                                  content_weight=content_weight, style_weight=style_weight, tv_weight=tv_weight,
                                  style_layer_weights=style_layer_weights, weights=vgg_weights)
            trainer = StyleTransferTrainer(net, loss, loss.style_targets([style_image]))
            trainer.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=jit_compile)
            trainer(np.zeros((1, image_size, image_size, 3), np.float32))
            if init is not None:
                net.set_weights(load_model(init).get_weights())
            start_epoch = restore(trainer, checkpoint_dir, state)
        if uses_tf_data():
            make_data, val_data = batches.tf_dataset, val.tf_dataset(0, val_batches) if val else None
        else:
            make_data, val_data = batches.py_dataset, val.py_dataset(0, val_batches) if val else None
        samples = SampleImages((val or batches).batch(10**6)[:2], checkpoint_dir / "samples")
        fit_resumable(trainer, make_data, checkpoint_dir=checkpoint_dir, config=config, steps=steps,
                      checkpoint_every=checkpoint_every, start_epoch=start_epoch, validation_data=val_data,
                      callbacks=[samples], log_dir=pathlib.Path(log_dir) if log_dir else None, verbose=verbose)
    finally:
        if mixed_precision:
            keras.mixed_precision.set_global_policy("float32")
    if mixed_precision:
        net = _as_float32(net)
    save_model(net, out)
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
    training starts from a network that already reproduces its input. (In short CPU runs of
    a few hundred steps this did not by itself prevent the early loss of content.)

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
    data = batches.tf_dataset(0, steps) if uses_tf_data() else batches.py_dataset(0, steps)
    net.fit(data, epochs=1, steps_per_epoch=steps, verbose=verbose, shuffle=False)
    save_model(net, out)
    return net


def _as_float32(net: JohnsonNet) -> JohnsonNet:
    """A float32 copy (a ``.keras`` saved under a mixed policy would reload as half precision)."""
    copy = JohnsonNet(width=net.width, residual_blocks=net.residual_blocks, padding_mode=net.padding_mode)
    copy(np.zeros((1, 32, 32, 3), np.float32))
    copy.set_weights([np.asarray(w, np.float32) for w in net.get_weights()])
    return copy
