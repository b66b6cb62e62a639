"""Train a Johnson feed-forward network for one style.

Backend-agnostic: under TensorFlow it reads batches through ``tf.data`` and scales out with
``tf.distribute.MirroredStrategy``; under JAX (e.g. the GPU machine, which has no
TensorFlow) through a ``keras.utils.PyDataset`` with ``keras.distribution.DataParallel``.
Checkpoints every ``checkpoint_every`` steps; running the same command again resumes
exactly where it stopped (same weights, optimizer state and batches).
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from tfstyle.atomic import save_model
from tfstyle.image.io import ImageLike, load_image
from tfstyle.models.johnson import JohnsonNet
from tfstyle.perceptual.loss import PerceptualLoss
from tfstyle.training.callbacks import SampleImages
from tfstyle.training.data import ContentBatches, uses_tf_data
from tfstyle.training.recipes import STYLE_WEIGHT, TV_WEIGHT, IdentityRecipe, JohnsonRecipe
from tfstyle.training.run import distribution_scope, fit_resumable, has_gpu, prepare_run, restore
from tfstyle.training.trainer import StyleTransferTrainer
from tfstyle.weights.presets import load_model

__all__ = ["STYLE_WEIGHT", "TV_WEIGHT", "JohnsonRecipe", "IdentityRecipe", "train_johnson", "pretrain_identity"]


def train_johnson(
    style: ImageLike,
    content_dir: str | os.PathLike | Sequence[str],
    out: str | os.PathLike,
    *,
    recipe: JohnsonRecipe | None = None,
    val_dir: str | os.PathLike | None = None,
    val_batches: int = 2,
    checkpoint_dir: str | os.PathLike | None = None,
    log_dir: str | os.PathLike | None = None,
    init: str | os.PathLike | JohnsonNet | None = None,
    vgg_weights: str | os.PathLike | None = None,
    mixed_precision: bool | None = None,
    jit_compile: bool | str = True,
    verbose: int | str = "auto",
    **overrides: Any,
) -> JohnsonNet:
    """Train a :class:`~tfstyle.models.JohnsonNet` to paint like ``style``; save it to ``out``.

    Args:
        style: the style image.
        content_dir: folder of training photos (or a list of paths).
        out: where the trained network is saved (``.keras``).
        recipe: the hyper-parameters (:class:`~tfstyle.training.recipes.JohnsonRecipe`, whose fields
            say what each means); keyword ``overrides`` replace some of them
            (``dataclasses.replace(recipe or JohnsonRecipe(), **overrides)``).
        val_dir: folder of validation photos: losses on ``val_batches`` batches are logged per checkpoint.
        checkpoint_dir: default ``<out without .keras>.ckpt/``; holds the resumable state,
            CSV and TensorBoard logs (``log_dir``, default ``<checkpoint_dir>/logs``) and
            sample images. Running again resumes; a checkpoint of another recipe is refused.
        init: start from these weights instead of random ones: a fast preset name, a ``.keras``
            file or a ``JohnsonNet`` of the same shape (e.g. from :func:`pretrain_identity`).
        vgg_weights: see :func:`tfstyle.perceptual.vgg.resolve_weights`.
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
    r = JohnsonRecipe.build(recipe, **overrides)
    if r.style_size is None:  # recorded as the size used
        r = dataclasses.replace(r, style_size=2 * r.image_size)
    out, checkpoint_dir, state, config = prepare_run(out, r, checkpoint_dir)

    style_image = load_image(style, max_size=r.style_size)
    batches = ContentBatches(content_dir, batch_size=r.batch_size, image_size=r.image_size, seed=r.seed,
                             limit=r.content_limit)
    val = ContentBatches(val_dir, batch_size=r.batch_size, image_size=r.image_size, seed=r.seed + 1,
                         limit=val_batches * r.batch_size) if val_dir else None

    keras.utils.set_random_seed(r.seed)
    if mixed_precision is None:
        mixed_precision = has_gpu()
    if mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16" if keras.backend.backend() == "jax"
                                                else "mixed_float16")
    try:
        with distribution_scope():
            net = JohnsonNet(width=r.width, residual_blocks=r.residual_blocks, padding_mode=r.padding_mode)
            loss = PerceptualLoss(content_layers=r.content_layers, style_layers=r.style_layers,
                                  content_weight=r.content_weight, style_weight=r.style_weight,
                                  tv_weight=r.tv_weight, style_layer_weights=r.style_layer_weights,
                                  weights=vgg_weights)
            trainer = StyleTransferTrainer(net, loss, loss.style_targets([style_image]))
            trainer.compile(optimizer=keras.optimizers.Adam(r.learning_rate), jit_compile=jit_compile)
            trainer(np.zeros((1, r.image_size, r.image_size, 3), np.float32))
            if init is not None:
                net.set_weights(load_model(init).get_weights())
            start_epoch = restore(trainer, checkpoint_dir, state)
            if uses_tf_data():
                make_data, val_data = batches.tf_dataset, val.tf_dataset(0, val_batches) if val else None
            else:
                make_data, val_data = batches.py_dataset, val.py_dataset(0, val_batches) if val else None
            samples = SampleImages((val or batches).batch(10**6)[:2], checkpoint_dir / "samples")
            fit_resumable(trainer, make_data, checkpoint_dir=checkpoint_dir, config=config, steps=r.steps,
                          checkpoint_every=r.checkpoint_every, start_epoch=start_epoch, validation_data=val_data,
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
    recipe: IdentityRecipe | None = None,
    verbose: int | str = "auto",
    **overrides: Any,
) -> JohnsonNet:
    """Train a ``JohnsonNet`` to reproduce its input (pixel MSE); save it to ``out`` (``.keras``).

    No VGG is involved, so it is cheap; used as ``init=`` for :func:`train_johnson`, style
    training starts from a network that already reproduces its input. (In short CPU runs of
    a few hundred steps this did not by itself prevent the early loss of content.)
    ``recipe`` (:class:`~tfstyle.training.recipes.IdentityRecipe`) and keyword ``overrides`` as in
    :func:`train_johnson`; not checkpointed.

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
    r = IdentityRecipe.build(recipe, **overrides)
    out = pathlib.Path(out)
    batches = ContentBatches(content_dir, batch_size=r.batch_size, image_size=r.image_size, seed=r.seed,
                             limit=r.content_limit)
    keras.utils.set_random_seed(r.seed)
    net = JohnsonNet(width=r.width, residual_blocks=r.residual_blocks, padding_mode=r.padding_mode)
    net.compile(optimizer=keras.optimizers.Adam(r.learning_rate), loss="mse")
    data = batches.tf_dataset(0, r.steps) if uses_tf_data() else batches.py_dataset(0, r.steps)
    net.fit(data, epochs=1, steps_per_epoch=r.steps, verbose=verbose, shuffle=False)
    save_model(net, out)
    return net


def _as_float32(net: JohnsonNet) -> JohnsonNet:
    """A float32 copy (a ``.keras`` saved under a mixed policy would reload as half precision)."""
    copy = JohnsonNet(width=net.width, residual_blocks=net.residual_blocks, padding_mode=net.padding_mode)
    copy(np.zeros((1, 32, 32, 3), np.float32))
    copy.set_weights([np.asarray(w, np.float32) for w in net.get_weights()])
    return copy
