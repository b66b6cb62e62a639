"""Train the decoder of an :class:`~tfstyle.models.AdaINNet` (Huang & Belongie 2017).

The recipe of the paper and its reference code: content photos and style images, both
resized to a short side of 2x the crop size and randomly cropped; Adam at 1e-4 with
inverse-time decay (``lr / (1 + 5e-5 * step)``), batches of 8 pairs, 160k steps.

Loss, with ``f`` the frozen VGG19 encoder, ``g`` the decoder and ``t = adain(f(c), f(s))``:

* content: ``mean((f(g(t)) - t)^2)`` at relu4_1;
* style: sum over relu1_1..relu4_1 of ``mean((mu(phi(g(t))) - mu(phi(s)))^2) +
  mean((sigma(phi(g(t))) - sigma(phi(s)))^2)`` (means over batch and channels);
* total: ``content + style_weight * style``.

The paper writes sums of L2 norms; its reference implementations compute exactly these
mean-squared forms (Torch/PyTorch ``MSELoss``) with style weight 10, on the *normalised*
VGG19 (every filter's mean activation is 1). Keras' VGG19 is not normalised, so every
layer's features are divided by its mean activation (:data:`~tfstyle.perceptual.vgg.FEATURE_SCALES`)
before the losses: that restores the balance the weight 10 was tuned for (without it the
content term, at relu4_1 with activations ~500, would outweigh the relu1_1 style term
(~20) by ~600x), and makes the logged losses comparable with the reference code's.

Backend-agnostic like :mod:`tfstyle.training.johnson` (tf.data under TensorFlow, a
``PyDataset`` elsewhere) and exactly resumable: each batch is a pure function of
``(seed, step)``.
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
from tfstyle.models.adain import BOTTLENECK, AdaINNet, adain
from tfstyle.models.layers import InstanceNormalization, Untracked
from tfstyle.perceptual.vgg import ENCODER_LAYERS, FEATURE_SCALES, vgg19_features
from tfstyle.training.data import ContentBatches, pair_dataset
from tfstyle.training.recipes import AdainRecipe
from tfstyle.training.run import distribution_scope, fit_resumable, prepare_run, restore
from tfstyle.training.trainer import TermLoggingTrainer

#: The paper's style weight (:class:`~tfstyle.training.recipes.AdainRecipe` says why it keeps its meaning here).
STYLE_WEIGHT = AdainRecipe.style_weight
TERMS = ("content", "style")


def _mean_std(features, epsilon: float = 1e-5):
    """Per-image, per-channel mean and std ``sqrt(variance + epsilon)``, each ``(B, C)``."""
    mean, variance = InstanceNormalization.moments(ops.cast(features, "float32"))
    return mean[:, 0, 0, :], ops.sqrt(variance[:, 0, 0, :] + epsilon)


class AdaINTrainer(TermLoggingTrainer):
    """Trains ``decoder`` (an :class:`~tfstyle.models.adain.AdaINDecoder`); ``fit`` on ``((content, style),)``.

    ``call((content, style))`` returns ``{"stylized", "target", "style_mean", "style_std"}``:
    the decoded images (unclipped), the AdaIN target and the style statistics per layer,
    which :meth:`compute_loss` compares against. The VGG19 encoder is deliberately not
    tracked: it stays frozen and out of checkpoints. Loss terms are reported as
    ``content_loss`` and ``style_loss`` next to ``loss``.

    Example:
        >>> import numpy as np
        >>> from tfstyle.models.adain import AdaINDecoder
        >>> trainer = AdaINTrainer(AdaINDecoder(width=0.5))
        >>> batch = (np.zeros((1, 32, 32, 3), "float32"), np.full((1, 32, 32, 3), 90.0, "float32"))
        >>> sorted(float(v) > 0 for v in trainer.loss_terms(batch).values())
        [True, True, True]
    """

    def __init__(self, decoder: keras.Model, style_weight: float = STYLE_WEIGHT,
                 vgg_weights: str | os.PathLike | None = None, **kwargs):
        super().__init__(TERMS, **kwargs)
        if not np.isfinite(style_weight) or style_weight < 0:
            raise OptionError(f"style_weight must be a finite number >= 0, got {style_weight}")
        self.decoder = decoder
        self.style_weight = float(style_weight)
        self._encoder = Untracked(vgg19_encoder(vgg_weights))  # frozen: kept out of checkpoints

    def call(self, inputs, training=False):
        content, style = inputs
        content_features = self._encoder.value(ops.cast(content, "float32"))[BOTTLENECK]
        style_features = self._encoder.value(ops.cast(style, "float32"))
        target = ops.stop_gradient(adain(content_features, style_features[BOTTLENECK]))
        stats = [_mean_std(style_features[layer]) for layer in ENCODER_LAYERS]
        return {"stylized": self.decoder(target, training=training), "target": target,
                "style_mean": [ops.stop_gradient(m) for m, _ in stats],
                "style_std": [ops.stop_gradient(s) for _, s in stats]}

    def _terms(self, outputs) -> dict:
        features = self._encoder.value(outputs["stylized"])
        scale = FEATURE_SCALES[BOTTLENECK]
        content = ops.mean(ops.square((ops.cast(features[BOTTLENECK], "float32") - outputs["target"]) / scale))
        style = 0.0
        for layer, target_mean, target_std in zip(ENCODER_LAYERS, outputs["style_mean"], outputs["style_std"]):
            mean, std = _mean_std(features[layer])
            scale = FEATURE_SCALES[layer]
            style = style + ops.mean(ops.square((mean - target_mean) / scale)) + \
                ops.mean(ops.square((std - target_std) / scale))
        return {"content": content, "style": style, "total": content + self.style_weight * style}

    def loss_terms(self, inputs) -> dict:
        """``{"content", "style", "total"}`` losses for one ``(content, style)`` batch (no metrics updated)."""
        return self._terms(self(inputs))

    def loss_terms_for(self, x, y_pred) -> dict:
        return self._terms(y_pred)


def vgg19_encoder(weights: str | os.PathLike | None = None) -> keras.Model:
    """The frozen VGG19 encoder of AdaIN (relu1_1 .. relu4_1)."""
    return vgg19_features(ENCODER_LAYERS, weights=weights)


def train_adain(
    content_dir: str | os.PathLike | Sequence[str],
    style_dir: str | os.PathLike | Sequence[str],
    out: str | os.PathLike,
    *,
    recipe: AdainRecipe | None = None,
    vgg_weights: str | os.PathLike | None = None,
    jit_compile: bool | str = True,
    verbose: int | str = "auto",
    checkpoint_dir: str | os.PathLike | None = None,
    **overrides: Any,
) -> AdaINNet:
    """Train an :class:`~tfstyle.models.AdaINNet` on content photos and style images; save it to ``out``.

    Each step sees ``batch_size`` content crops and as many style crops of ``image_size``
    squares, taken from images resized to a short side of ``zoom * image_size``.

    Args:
        content_dir: folder of content photos (COCO in the paper), or a list of paths.
        style_dir: folder of style images (WikiArt in the paper), or a list of paths.
        out: where the trained network is saved (``.keras``; only the decoder's weights, the
            encoder is rebuilt from VGG19 weights when it is loaded).
        recipe: the hyper-parameters (:class:`~tfstyle.training.recipes.AdainRecipe`, whose fields
            say what each means); keyword ``overrides`` replace some of them
            (``dataclasses.replace(recipe or AdainRecipe(), **overrides)``).
        vgg_weights: VGG19 weights for training (see :func:`tfstyle.perceptual.vgg.resolve_weights`). The
            saved file records ``None`` (it never names a path of this machine); the returned
            network uses ``vgg_weights``.
        jit_compile: passed to ``compile`` (XLA; on by default, as in
            :func:`~tfstyle.training.johnson.train_johnson`: faster steps on CPU too).
        verbose: Keras progress bar setting.
        checkpoint_dir: default ``<out without .keras>.ckpt/``; holds the resumable state,
            ``history.csv``, ``timing.csv`` and TensorBoard logs (``logs/``).

    Returns:
        The trained network (also saved to ``out``).

    Example:
        >>> import numpy as np, tempfile, PIL.Image
        >>> folder = tempfile.mkdtemp()
        >>> for i in range(2):
        ...     PIL.Image.fromarray(np.random.default_rng(i).integers(0, 255, (40, 40, 3), np.uint8)).save(
        ...         f"{folder}/{i}.png")
        >>> net = train_adain(folder, folder, f"{folder}/adain.keras", decoder_width=0.5, image_size=32,
        ...                   batch_size=1, steps=1, checkpoint_every=1, verbose=0, jit_compile=False)
        >>> tuple(net((np.zeros((1, 32, 32, 3)), np.ones((1, 32, 32, 3)))).shape)
        (1, 32, 32, 3)
    """
    r = AdainRecipe.build(recipe, **overrides)
    out, checkpoint_dir, state, config = prepare_run(
        out, r, checkpoint_dir, feature_scales=[FEATURE_SCALES[layer] for layer in ENCODER_LAYERS])

    contents = ContentBatches(content_dir, batch_size=r.batch_size, image_size=r.image_size, seed=r.seed, zoom=r.zoom,
                              limit=r.content_limit)
    # Another seed: the style crop of a step is independent of its content crop.
    styles = ContentBatches(style_dir, batch_size=r.batch_size, image_size=r.image_size, seed=r.seed + 1, zoom=r.zoom,
                            limit=r.style_limit)

    keras.utils.set_random_seed(r.seed)
    with distribution_scope():
        # Saved with vgg_weights=None so the file is portable; set to the training weights after saving.
        net = AdaINNet(decoder_width=r.decoder_width, vgg_weights=None)
        trainer = AdaINTrainer(net.decoder, style_weight=r.style_weight, vgg_weights=vgg_weights)
        schedule = keras.optimizers.schedules.InverseTimeDecay(r.learning_rate, decay_steps=1, decay_rate=r.lr_decay)
        trainer.compile(optimizer=keras.optimizers.Adam(schedule), jit_compile=jit_compile)
        trainer((np.zeros((1, 32, 32, 3), np.float32), np.zeros((1, 32, 32, 3), np.float32)))
        start_epoch = restore(trainer, checkpoint_dir, state)
        fit_resumable(trainer, lambda start, end: pair_dataset(contents, styles, start, end),
                      checkpoint_dir=checkpoint_dir, config=config, steps=r.steps, checkpoint_every=r.checkpoint_every,
                      start_epoch=start_epoch, verbose=verbose)
    save_model(net, out)
    net.vgg_weights = None if vgg_weights is None else os.fspath(vgg_weights)
    return net
