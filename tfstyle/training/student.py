"""Distil the phone-first student (:mod:`tfstyle.models.student`) from an arbitrary-style teacher.

Each step paints a batch of content crops in the styles of a batch of paintings with both
networks, given the same style vectors (the teacher's predictor, shared and frozen), and
trains the student's transfer network on the mean absolute pixel difference (in [0, 1]) plus
``feature_weight`` times the mean squared difference of the residual trunks' outputs. No VGG19
runs, so a step costs two cheap forward passes and one backward pass. The last
``mixed_pairs`` samples of each batch use a random mix of the painting's vector and the
photo's own, the vectors that strength below 1 produces.

Backend-agnostic Keras 3, checkpointed and exactly resumable like every tfstyle training run.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from tfstyle.atomic import save_model
from tfstyle.models.ghiasi import ArbitraryStyleNet
from tfstyle.models.layers import Untracked
from tfstyle.models.student import student_from
from tfstyle.training.recipes import StudentRecipe
from tfstyle.training.run import distribution_scope, fit_pairs, pair_batches, prepare_run, restore
from tfstyle.training.trainer import TermLoggingTrainer
from tfstyle.weights.presets import load_model

TERMS = ("pixel", "feature")


class StudentTrainer(TermLoggingTrainer):
    """Trains ``student``'s transfer network to paint what ``teacher`` paints; ``fit`` on ``((content, style),)``.

    Example:
        >>> import numpy as np
        >>> from tfstyle.models.ghiasi import MAGENTA_TRANSFER, CompactStylePredictor, StyleTransferNet
        >>> teacher = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(**MAGENTA_TRANSFER))
        >>> trainer = StudentTrainer(student_from(teacher), teacher, mixed_pairs=1)
        >>> batch = (np.full((2, 32, 32, 3), 60.0, "float32"), np.full((2, 32, 32, 3), 200.0, "float32"))
        >>> sorted(trainer.loss_terms(batch))
        ['feature', 'pixel', 'total']
    """

    def __init__(self, student: ArbitraryStyleNet, teacher: ArbitraryStyleNet, feature_weight: float = 0.01,
                 mixed_pairs: int = 0, seed: int = 0, **kwargs):
        super().__init__(TERMS, **kwargs)
        self.net, self.feature_weight, self.mixed_pairs = student, float(feature_weight), int(mixed_pairs)
        student.predictor.trainable = False  # the student keeps the teacher's style vectors
        self._teacher = Untracked(teacher)  # frozen, and out of checkpoints
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _vectors(self, content, style):
        predictor = self._teacher.value.predictor
        vectors = predictor(style)
        if not self.mixed_pairs:
            return vectors
        keep = ops.shape(style)[0] - self.mixed_pairs
        own = predictor(content[keep:])
        mix = keras.random.uniform((self.mixed_pairs, 1), seed=self.seed_generator)
        return ops.concatenate([vectors[:keep], own + mix * (vectors[keep:] - own)], axis=0)

    def call(self, inputs, training=False):
        content, style = (ops.cast(x, "float32") for x in inputs)
        vectors = ops.stop_gradient(self._vectors(content, style))
        teacher = self._teacher.value.transfer
        teacher_taps: list = []
        target = teacher.transform(content, teacher.conditioning(vectors), taps=teacher_taps)
        student = self.net.transfer
        taps: list = []
        painted = student.transform(content, student.conditioning(vectors), training=training, taps=taps)
        return {"painted": painted, "target": ops.stop_gradient(target), "taps": taps[0],
                "target_taps": ops.stop_gradient(teacher_taps[0])}

    def _terms(self, outputs) -> dict:
        pixel = ops.mean(ops.abs(outputs["painted"] - outputs["target"])) / 255.0
        feature = ops.mean(ops.square(outputs["taps"] - outputs["target_taps"]))
        return {"pixel": pixel, "feature": feature, "total": pixel + self.feature_weight * feature}

    def loss_terms(self, inputs) -> dict:
        """``{"pixel", "feature", "total"}`` for one ``(content, style)`` batch (no metrics updated)."""
        return self._terms(self(inputs))

    def loss_terms_for(self, x, y_pred) -> dict:
        return self._terms(y_pred)


def distill_student(
    content_dir: str | os.PathLike | Sequence[str],
    style_dir: str | os.PathLike | Sequence[str],
    out: str | os.PathLike,
    *,
    teacher: str | os.PathLike | ArbitraryStyleNet = "magenta_v1",
    recipe: StudentRecipe | None = None,
    jit_compile: bool | str = False,
    verbose: int | str = "auto",
    checkpoint_dir: str | os.PathLike | None = None,
    **overrides: Any,
) -> ArbitraryStyleNet:
    """Distil the phone-first student from ``teacher`` (warm-started from it); save it to ``out``.

    Args:
        content_dir: folder of content photos (or a list of paths).
        style_dir: folder of paintings and textures (or a list of paths).
        out: ``.keras`` file for the student :class:`~tfstyle.models.ghiasi.ArbitraryStyleNet`.
        teacher: a preset name, ``.keras`` file or network with Magenta's transfer configuration.
        recipe: the hyper-parameters (:class:`~tfstyle.training.recipes.StudentRecipe`); keyword
            ``overrides`` replace some of them.
        jit_compile: passed to ``compile``. Off by default: on a 2-core CPU, XLA made a step 1.7x slower
            and the predictor's pass 30x slower than TensorFlow's own kernels (oneDNN).
        verbose: Keras progress bar setting.
        checkpoint_dir: default ``<out without .keras>.ckpt/``; run the same call again to resume.

    Returns:
        The student (also saved to ``out``).

    Example:
        >>> import numpy as np, tempfile, PIL.Image
        >>> from tfstyle.models.ghiasi import MAGENTA_TRANSFER, CompactStylePredictor, StyleTransferNet
        >>> folder = tempfile.mkdtemp()
        >>> for i in range(2):
        ...     PIL.Image.fromarray(np.random.default_rng(i).integers(0, 255, (40, 40, 3), np.uint8)).save(
        ...         f"{folder}/{i}.png")
        >>> teacher = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(**MAGENTA_TRANSFER),
        ...                             style_size=32)
        >>> net = distill_student(folder, folder, f"{folder}/student.keras", teacher=teacher, image_size=32,
        ...                       batch_size=2, mixed_pairs=1, steps=1, checkpoint_every=1, verbose=0,
        ...                       jit_compile=False)
        >>> net.transfer.shuffle
        2
    """
    r = StudentRecipe.build(recipe, **overrides)
    teacher_net = load_model(teacher, kind="arbitrary")
    out, checkpoint_dir, state, config = prepare_run(
        out, r, checkpoint_dir, teacher=teacher if isinstance(teacher, str) else None)
    batches = pair_batches(content_dir, style_dir, r, teacher_net.style_size)
    keras.utils.set_random_seed(r.seed)
    with distribution_scope():
        net = student_from(teacher_net)
        trainer = StudentTrainer(net, teacher_net, feature_weight=r.feature_weight, mixed_pairs=r.mixed_pairs,
                                 seed=r.seed)
        trainer.compile(optimizer=keras.optimizers.Adam(r.learning_rate), jit_compile=jit_compile)
        size = (1, r.image_size, r.image_size, 3)
        trainer((np.zeros(size, np.float32), np.zeros((1, teacher_net.style_size, teacher_net.style_size, 3),
                                                      np.float32)))
        start_epoch = restore(trainer, checkpoint_dir, state)
        fit_pairs(trainer, batches, r, checkpoint_dir=checkpoint_dir, config=config, start_epoch=start_epoch,
                  verbose=verbose)
    net.predictor.trainable = True  # saved as an ordinary network
    save_model(net, out)
    return net
