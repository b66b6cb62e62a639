"""Train Ghiasi et al.'s arbitrary-style networks, then distil a compact style predictor.

:func:`train_arbitrary` trains a :class:`~tfstyle.models.ghiasi.StylePredictor` (VGG19
statistics -> style vector) and a :class:`~tfstyle.models.ghiasi.StyleTransferNet` together,
end to end, on pairs of random content photos and random paintings/textures, with the fast
method's perceptual loss (:data:`tfstyle.perceptual.vgg.JOHNSON_STYLE_LAYERS` etc.) against each
pair's own style image. One VGG19 pass over the style batch serves both the predictor's
statistics and the Gram targets.

Three additions to Ghiasi's recipe, all for a useful *strength* control: in every batch the
last ``identity_pairs`` samples use their own content crop as the style (Magenta's strength
interpolates a style's vector with the content's own, so the content's own vector must give
back the content); on those samples an optional pixel term (``reconstruction_weight`` times
the mean squared error to the content, in [0, 255] units) asks for the content itself, not
only its VGG19 statistics; and the transfer network can start from an identity-pretrained
``JohnsonNet`` (``init=``), whose weights it shares; its conditioning starts at zero.

``init`` may also be a trained :class:`~tfstyle.models.ghiasi.ArbitraryStyleNet`: training then
continues from it. If its predictor is a distilled
:class:`~tfstyle.models.ghiasi.CompactStylePredictor`, that predictor stays frozen and only the
transfer network learns (fine-tuning a shipped network without distilling again), unless
``train_predictor=True`` trains it too.

:func:`distill_predictor` then fits a :class:`~tfstyle.models.ghiasi.CompactStylePredictor`
to the teacher's vectors (mean squared error) on style and content images, and saves the
compact predictor with the transfer network: a model that needs no VGG19 to run.

Both are backend-agnostic Keras 3 (``tf.data`` under TensorFlow, a ``PyDataset`` elsewhere),
checkpointed and exactly resumable like every tfstyle training run.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from tfstyle.atomic import save_model
from tfstyle.errors import OptionError
from tfstyle.models.ghiasi import ArbitraryStyleNet, CompactStylePredictor, StylePredictor, StyleTransferNet
from tfstyle.models.johnson import JohnsonNet
from tfstyle.models.layers import Untracked
from tfstyle.perceptual import losses
from tfstyle.perceptual.loss import LOSS_PRESETS, PerceptualLoss
from tfstyle.perceptual.vgg import ENCODER_LAYERS, vgg19_features
from tfstyle.training.data import ContentBatches
from tfstyle.training.recipes import STYLE_WEIGHT, ArbitraryRecipe, DistillRecipe
from tfstyle.training.run import distribution_scope, fit_pairs, fit_resumable, pair_batches, prepare_run, restore
from tfstyle.training.trainer import TermLoggingTrainer
from tfstyle.weights.presets import load_model

TERMS = ("content", "style", "reconstruction")


class ArbitraryTrainer(TermLoggingTrainer):
    """Trains an :class:`~tfstyle.models.ghiasi.ArbitraryStyleNet`; ``fit`` on ``((content, style),)`` batches.

    A VGG19 :class:`~tfstyle.models.ghiasi.StylePredictor` trains end to end with the transfer
    network; any other predictor (a distilled compact one) is frozen, so only the transfer network
    learns, unless ``train_predictor``.

    Loss per pair: ``content_weight * content + style_weight * style`` against that pair's style
    image, with the layers and units of ``loss`` (a :data:`~tfstyle.perceptual.loss.LOSS_PRESETS` preset: by default the fast
    method's), plus ``reconstruction_weight`` times the pixel mean squared error of the identity
    pairs (training only). Reported as ``content_loss``, ``style_loss``, ``reconstruction_loss``.
    ``train_predictor=True`` also trains a compact predictor end to end (it then no longer
    matches the teacher it was distilled from, which only matters for distilling again).

    Example:
        >>> import numpy as np
        >>> from tfstyle.models.ghiasi import ArbitraryStyleNet, StylePredictor, StyleTransferNet
        >>> trainer = ArbitraryTrainer(ArbitraryStyleNet(StylePredictor(), StyleTransferNet(width=0.25)))
        >>> batch = (np.full((2, 32, 32, 3), 60.0, "float32"), np.full((2, 32, 32, 3), 200.0, "float32"))
        >>> sorted(trainer.loss_terms(batch))
        ['content', 'reconstruction', 'style', 'total']
    """

    def __init__(self, net: ArbitraryStyleNet, content_weight: float = 1.0, style_weight: float = STYLE_WEIGHT,
                 identity_pairs: int = 0, reconstruction_weight: float = 0.0, loss: str = "johnson",
                 train_predictor: bool = False, vgg_weights: str | os.PathLike | None = None, **kwargs):
        super().__init__(TERMS, **kwargs)
        if loss not in LOSS_PRESETS:
            raise OptionError(f"loss must be one of {sorted(LOSS_PRESETS)}, got {loss!r}")
        self.net, self.identity_pairs = net, int(identity_pairs)
        self.reconstruction_weight = float(reconstruction_weight)
        self.end_to_end = isinstance(net.predictor, StylePredictor)
        # By default a distilled predictor keeps matching its teacher's vectors, so it does not train.
        net.predictor.trainable = self.end_to_end or bool(train_predictor)
        preset = LOSS_PRESETS[loss]
        self.style_layers = preset["style_layers"]
        # Frozen VGG19 (kept out of checkpoints): the loss, and one pass over each style batch that
        # gives both the Gram targets and the teacher predictor's statistics.
        self._loss = Untracked(PerceptualLoss(preset["content_layers"], self.style_layers,
                                              content_weight=content_weight, style_weight=style_weight,
                                              tv_weight=0.0, style_layer_weights=preset["style_layer_weights"],
                                              relative=preset["relative"], weights=vgg_weights))
        self._style_vgg = Untracked(vgg19_features(tuple(dict.fromkeys((*self.style_layers, *ENCODER_LAYERS))),
                                                   weights=vgg_weights))

    def _style_images(self, content, style, training):
        if not training or not self.identity_pairs:
            return style
        keep = ops.shape(style)[0] - self.identity_pairs
        return ops.concatenate([style[:keep], content[keep:]], axis=0)

    def _predictor_input(self, style):
        # A network continued at a larger style_size keeps seeing paintings at the size its compact
        # predictor learned (the whole painting, as at inference); the loss uses the full size.
        size, height = self.net.style_size, style.shape[1]
        if tuple(style.shape[1:3]) == (size, size):
            return style
        if height % size == 0 and style.shape[2] == height:  # e.g. 256 -> 128: XLA compiles pooling,
            return ops.average_pool(style, height // size, height // size)  # not antialiased resizing
        return ops.image.resize(style, (size, size), interpolation="bilinear")

    def call(self, inputs, training=False):
        content, style = (ops.cast(x, "float32") for x in inputs)
        if content.shape[1:] == style.shape[1:]:
            style = self._style_images(content, style, training)
        style_features = self._style_vgg.value(style)
        if self.end_to_end:
            vectors = self.net.predictor.head(StylePredictor.statistics(style_features))
        else:  # a frozen predictor gets no gradient: only trainable weights are differentiated
            vectors = self.net.predictor(self._predictor_input(style))
        stylized = self.net.transfer((content, vectors), training=training)
        keep = ops.shape(content)[0] - self.identity_pairs
        reconstruction = ops.mean(ops.square(stylized[keep:] - content[keep:])) \
            if training and self.identity_pairs else ops.zeros(())
        return {"stylized": stylized, "reconstruction": reconstruction,
                "content": [ops.stop_gradient(t) for t in self._loss.value.content_targets(content)],
                "grams": [ops.stop_gradient(losses.gram_matrix(style_features[layer])) for layer in self.style_layers]}

    def _terms(self, outputs) -> dict:
        terms = self._loss.value(outputs["stylized"], outputs["content"], outputs["grams"])
        # No total-variation term here.
        return {"content": terms["content"], "style": terms["style"], "reconstruction": outputs["reconstruction"],
                "total": terms["total"] + self.reconstruction_weight * outputs["reconstruction"]}

    def loss_terms(self, inputs) -> dict:
        """``{"content", "style", "reconstruction", "total"}`` for one ``(content, style)`` batch (no metrics
        updated; evaluation batches have no identity pairs, so ``reconstruction`` is 0)."""
        return self._terms(self(inputs))

    def loss_terms_for(self, x, y_pred) -> dict:
        return self._terms(y_pred)


def train_arbitrary(
    content_dir: str | os.PathLike | Sequence[str],
    style_dir: str | os.PathLike | Sequence[str],
    out: str | os.PathLike,
    *,
    recipe: ArbitraryRecipe | None = None,
    init: str | os.PathLike | JohnsonNet | ArbitraryStyleNet | None = None,
    vgg_weights: str | os.PathLike | None = None,
    jit_compile: bool | str = True,
    verbose: int | str = "auto",
    checkpoint_dir: str | os.PathLike | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    **overrides: Any,
) -> ArbitraryStyleNet:
    """Train a VGG19 style predictor and a conditional transfer network; save them to ``out``.

    Args:
        content_dir: folder of content photos (or a list of paths).
        style_dir: folder of paintings and textures (or a list of paths).
        out: ``.keras`` file for the trained :class:`~tfstyle.models.ghiasi.ArbitraryStyleNet`.
        recipe: the hyper-parameters (:class:`~tfstyle.training.recipes.ArbitraryRecipe`, whose fields
            say what each means; the loss is :class:`ArbitraryTrainer`'s); keyword ``overrides``
            replace some of them (``dataclasses.replace(recipe or ArbitraryRecipe(), **overrides)``).
        init: a ``JohnsonNet`` (or ``.keras``) of the same shape to start the transfer net from, or
            an ``ArbitraryStyleNet`` (or ``.keras``) to continue (a compact predictor stays frozen
            unless ``train_predictor``; it keeps seeing paintings at its own size, resized, so the
            shipped 128 px network can continue at ``style_size=256``).
        vgg_weights: see :func:`tfstyle.perceptual.vgg.resolve_weights`.
        jit_compile: passed to ``compile`` (XLA; ~30% faster steps on CPU).
        verbose: Keras progress bar setting.
        checkpoint_dir: default ``<out without .keras>.ckpt/`` (state, ``history.csv``, TensorBoard).
        callbacks: more Keras callbacks for ``fit`` (e.g. :class:`~tfstyle.training.callbacks.StopAfter`).

    Returns:
        The trained network (also saved to ``out``; its predictor needs VGG19 weights to run).

    Example:
        >>> import numpy as np, tempfile, PIL.Image
        >>> folder = tempfile.mkdtemp()
        >>> for i in range(2):
        ...     PIL.Image.fromarray(np.random.default_rng(i).integers(0, 255, (40, 40, 3), np.uint8)).save(
        ...         f"{folder}/{i}.png")
        >>> net = train_arbitrary(folder, folder, f"{folder}/arb.keras", width=0.25, image_size=32, style_size=32,
        ...                       batch_size=2, steps=1, checkpoint_every=1, verbose=0, jit_compile=False)
        >>> tuple(net((np.zeros((1, 32, 32, 3)), np.ones((1, 32, 32, 3)))).shape)
        (1, 32, 32, 3)
    """
    r = ArbitraryRecipe.build(recipe, **overrides)
    start = None if init is None else load_model(init)
    # Continuing an ArbitraryStyleNet is another run than starting one (recorded only then).
    init_network = type(start.predictor).__name__ if isinstance(start, ArbitraryStyleNet) else None
    out, checkpoint_dir, state, config = prepare_run(out, r, checkpoint_dir, init_network=init_network)
    batches = pair_batches(content_dir, style_dir, r, r.style_size)

    keras.utils.set_random_seed(r.seed)
    with distribution_scope():
        if isinstance(start, ArbitraryStyleNet):
            net = _continue_from(start, r.width, r.residual_blocks, r.style_dim)
        else:
            transfer = StyleTransferNet(width=r.width, residual_blocks=r.residual_blocks, style_dim=r.style_dim)
            if start is not None:
                _copy_johnson_weights(start, transfer)
            net = ArbitraryStyleNet(StylePredictor(style_dim=r.style_dim), transfer, style_size=r.style_size)
        trainer = ArbitraryTrainer(net, content_weight=r.content_weight, style_weight=r.style_weight,
                                   identity_pairs=r.identity_pairs, reconstruction_weight=r.reconstruction_weight,
                                   loss=r.loss, train_predictor=r.train_predictor, vgg_weights=vgg_weights)
        trainer.compile(optimizer=keras.optimizers.Adam(r.learning_rate), jit_compile=jit_compile)
        trainer((np.zeros((1, 32, 32, 3), np.float32), np.zeros((1, 32, 32, 3), np.float32)))
        start_epoch = restore(trainer, checkpoint_dir, state)
        fit_pairs(trainer, batches, r, checkpoint_dir=checkpoint_dir, config=config, start_epoch=start_epoch,
                  verbose=verbose, callbacks=callbacks)
    net.predictor.trainable = True  # saved as an ordinary network
    save_model(net, out)
    if isinstance(net.predictor, StylePredictor):
        net.predictor.vgg_weights = None if vgg_weights is None else os.fspath(vgg_weights)
    return net


def _continue_from(start: ArbitraryStyleNet, width: float, residual_blocks: int, style_dim: int) -> ArbitraryStyleNet:
    """A copy of ``start`` (made in the current distribution scope) after checking it has the asked shape.

    It keeps its own ``style_size``: the size its predictor sees paintings at.
    """
    transfer = start.transfer
    if (transfer.width, transfer.residual_blocks, transfer.style_dim) != (width, residual_blocks, style_dim):
        raise OptionError(f"init has width {transfer.width}, {transfer.residual_blocks} residual blocks and "
                          f"style_dim {transfer.style_dim}; asked for {width}, {residual_blocks} and {style_dim}")
    net = ArbitraryStyleNet.from_config(start.get_config())
    net.set_weights(start.get_weights())
    return net


def _copy_johnson_weights(source, transfer: StyleTransferNet) -> None:
    """Start ``transfer`` from a plain ``JohnsonNet`` of the same shape (conditioning stays zero)."""
    source = load_model(source, kind="fast")
    if (source.width, source.residual_blocks) != (transfer.width, transfer.residual_blocks):
        raise OptionError(f"init has width {source.width} and {source.residual_blocks} residual blocks, "
                          f"the transfer net {transfer.width} and {transfer.residual_blocks}")
    source(np.zeros((1, 16, 16, 3), np.float32))
    by_path = {w.path: w for w in source.weights}
    for weight in transfer.weights:
        if "style_params" in weight.path:
            continue
        match = by_path.get(weight.path.replace(transfer.name, source.name, 1))
        if match is None or tuple(match.shape) != tuple(weight.shape):
            raise OptionError(f"init has no weight matching {weight.path}")
        weight.assign(match)


class DistillTrainer(keras.Model):
    """Fits a student predictor to a teacher's style vectors (mean squared error); ``fit`` on ``(images, vectors)``."""

    def __init__(self, student: keras.Model, **kwargs):
        super().__init__(**kwargs)
        self.student = student

    def call(self, images, training=False):
        return self.student(images, training=training)


class _TeacherVectors(keras.utils.PyDataset):
    """Batches of images (half styles, half contents) with the teacher's vectors as targets."""

    def __init__(self, teacher, styles: ContentBatches, contents: ContentBatches, start: int, end: int):
        super().__init__(workers=1, use_multiprocessing=False)
        self.teacher, self.styles, self.contents, self.start, self.end = teacher, styles, contents, start, end

    def __len__(self) -> int:
        return self.end - self.start

    def __getitem__(self, index: int):
        step = self.start + index
        images = np.concatenate([self.styles.batch(step), self.contents.batch(step)])
        return images, np.asarray(self.teacher(images), np.float32)


def distill_predictor(
    teacher: str | os.PathLike | ArbitraryStyleNet,
    style_dir: str | os.PathLike | Sequence[str],
    content_dir: str | os.PathLike | Sequence[str],
    out: str | os.PathLike,
    *,
    recipe: DistillRecipe | None = None,
    vgg_weights: str | os.PathLike | None = None,
    verbose: int | str = "auto",
    checkpoint_dir: str | os.PathLike | None = None,
    **overrides: Any,
) -> ArbitraryStyleNet:
    """Distil a :class:`~tfstyle.models.ghiasi.CompactStylePredictor` from a trained network's VGG19 predictor.

    Each step shows ``batch_size / 2`` style crops and as many content crops (strength
    interpolates with the content's own vector, so the student must know photos too) at the
    teacher's ``style_size``; the student regresses the teacher's vectors. The result, saved to
    ``out``, pairs the student with the teacher's transfer network.

    Args:
        teacher: a trained :class:`~tfstyle.models.ghiasi.ArbitraryStyleNet` (or its ``.keras``) with a
            ``StylePredictor``.
        style_dir, content_dir: images to distil on (folders or lists of paths).
        out: ``.keras`` file for the compact network.
        recipe: the hyper-parameters (:class:`~tfstyle.training.recipes.DistillRecipe`); keyword
            ``overrides`` replace some of them, as in :func:`train_arbitrary`.
        vgg_weights: VGG19 weights for the teacher.
        verbose, checkpoint_dir: as in :func:`train_arbitrary`.

    Returns:
        The compact network (also saved to ``out``).

    Example:
        >>> import numpy as np, tempfile, PIL.Image
        >>> from tfstyle.models.ghiasi import ArbitraryStyleNet, StylePredictor, StyleTransferNet
        >>> folder = tempfile.mkdtemp()
        >>> for i in range(2):
        ...     PIL.Image.fromarray(np.random.default_rng(i).integers(0, 255, (40, 40, 3), np.uint8)).save(
        ...         f"{folder}/{i}.png")
        >>> teacher = ArbitraryStyleNet(StylePredictor(), StyleTransferNet(width=0.25), style_size=32)
        >>> net = distill_predictor(teacher, folder, folder, f"{folder}/compact.keras", width=0.25, batch_size=2,
        ...                         steps=1, checkpoint_every=1, verbose=0)
        >>> type(net.predictor).__name__
        'CompactStylePredictor'
    """
    r = DistillRecipe.build(recipe, **overrides)
    teacher = load_model(teacher, kind="arbitrary")
    if not isinstance(teacher.predictor, StylePredictor):
        raise OptionError(f"the teacher's predictor must be a StylePredictor, got {type(teacher.predictor).__name__}")
    if vgg_weights is not None:
        teacher.predictor.vgg_weights = os.fspath(vgg_weights)
    out, checkpoint_dir, state, config = prepare_run(out, r, checkpoint_dir, style_size=teacher.style_size)
    half, size = r.batch_size // 2, teacher.style_size
    styles = ContentBatches(style_dir, batch_size=half, image_size=size, seed=r.seed, zoom=1.0, limit=r.style_limit)
    contents = ContentBatches(content_dir, batch_size=half, image_size=size, seed=r.seed + 1, zoom=1.0,
                              limit=r.content_limit)
    keras.utils.set_random_seed(r.seed)
    student = CompactStylePredictor(style_dim=teacher.style_dim, width=r.width)
    trainer = DistillTrainer(student)
    trainer.compile(optimizer=keras.optimizers.Adam(r.learning_rate), loss="mse")
    trainer(np.zeros((1, size, size, 3), np.float32))
    start_epoch = restore(trainer, checkpoint_dir, state)
    fit_resumable(trainer, lambda start, end: _TeacherVectors(teacher.predictor, styles, contents, start, end),
                  checkpoint_dir=checkpoint_dir, config=config, steps=r.steps, checkpoint_every=r.checkpoint_every,
                  start_epoch=start_epoch, verbose=verbose)
    net = ArbitraryStyleNet(student, teacher.transfer, style_size=teacher.style_size)
    save_model(net, out)
    return net
