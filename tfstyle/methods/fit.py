"""Fit the arbitrary-style network to one painting: a few optimization steps on its style parameters.

The style predictor gives a painting's parameters in one forward pass; how close the result
comes to the painting is limited by how well the predictor and the network's 100-number style
space generalize (see ``benchmarks/results/arbitrary_validation.md``). :func:`fit_style` starts
from the predicted parameters and optimizes only them -- a scale and a shift for each channel of
each instance normalization, about 1,600 numbers; the convolutions stay frozen -- against the
perceptual loss on a few photos (by default the photo being painted). The result, a
:class:`~tfstyle.models.ghiasi.FittedStyle`, paints any photo at any size like a predicted style, blends, takes
strength and masks (:func:`tfstyle.stylize_arbitrary`), and saves to a small ``.npz`` file.

The loss is the ``"relative"`` preset of :data:`tfstyle.perceptual.loss.LOSS_PRESETS`: squared relative Gram
errors at relu1_1 .. relu5_1 and content at relu4_2, the layers of :mod:`tfstyle.perceptual.metrics`.
Each step runs the transfer network and VGG19 forward and backward on the photos, so it needs the
VGG19 weights (:func:`tfstyle.perceptual.vgg.resolve_weights`); on a 2-core CPU a step takes about
2 s per 256 px photo. Keras' ``train_on_batch`` does the optimization, so nothing in it is TensorFlow-specific (a
4-step fit was checked by hand under ``KERAS_BACKEND=jax``: its loss falls; the test suite runs
TensorFlow, where a first JAX call would cost ~40 s of the test budget).
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.image.io import ImageLike, cover_crop, load_image
from tfstyle.runtime.protocols import FittedStyle, as_stylizer
from tfstyle.weights.presets import load_model

__all__ = ["fit_style", "FIT_SIZE", "FIT_STEPS"]

#: Long side of the photos (and the painting) a style is fitted at.
FIT_SIZE = 256
#: Default optimization steps.
FIT_STEPS = 30
#: Adam's learning rate on the style parameters (scales are about 1, shifts about 0..10).
FIT_LEARNING_RATE = 0.03
#: Content weight of the fitting loss (style weight 1), as in the shipped network's last training stage.
FIT_CONTENT_WEIGHT = 0.1


def _photos(photos: Sequence[ImageLike], size: int) -> np.ndarray:
    """One photo keeps its aspect ratio (long side ``size``); several are cover-cropped to squares."""
    if len(photos) == 1:
        return load_image(photos[0], max_size=size)[None]
    return np.stack([cover_crop(load_image(p), (size, size)) for p in photos])


def _fitter(transfer, params: np.ndarray, photos: np.ndarray, style: np.ndarray, content_weight: float,
            vgg_weights):
    """A Keras model whose only weights are the style parameters, its loss the fitting loss."""
    import keras
    from keras import ops

    from tfstyle.models.layers import Untracked
    from tfstyle.perceptual.loss import LOSS_PRESETS, PerceptualLoss
    from tfstyle.training.trainer import TermLoggingTrainer

    preset = LOSS_PRESETS["relative"]
    loss = PerceptualLoss(preset["content_layers"], preset["style_layers"], content_weight=content_weight,
                          style_weight=1.0, relative=True, weights=vgg_weights)

    class StyleFitter(TermLoggingTrainer):
        def __init__(self):
            super().__init__(("content", "style"))
            self.params = self.add_weight(shape=(1, params.size), initializer=keras.initializers.Constant(params),
                                          name="style_parameters")
            # The network, the loss and the fixed targets stay out of the trainable weights.
            self._fixed = Untracked((transfer, loss, loss.content_targets(photos), loss.style_targets([style])))

        def call(self, images, training=False):
            net = self._fixed.value[0]
            return net.transform(images, net.unpack(ops.broadcast_to(self.params, (ops.shape(images)[0],
                                                                                    params.size))))

        def loss_terms_for(self, x, y_pred) -> dict:
            _, perceptual, content, grams = self._fixed.value
            return perceptual(y_pred, content, grams)

    return StyleFitter()


def fit_style(
    style: ImageLike,
    photos: ImageLike | Sequence[ImageLike],
    *,
    model=None,
    steps: int = FIT_STEPS,
    size: int = FIT_SIZE,
    content_weight: float = FIT_CONTENT_WEIGHT,
    learning_rate: float = FIT_LEARNING_RATE,
    vgg_weights: str | os.PathLike | None = None,
    progress: bool = False,
) -> FittedStyle:
    """Fit the arbitrary-style network's style parameters to ``style`` on ``photos``.

    Args:
        style: the painting.
        photos: the photo to be painted, or a few photos for a style to reuse on any photo.
        model: an :class:`~tfstyle.models.ghiasi.ArbitraryStyleNet`, a ``.keras`` file, or
            ``None`` for the shipped one (its transfer network stays unchanged).
        steps: Adam steps; 0 returns the predicted parameters.
        size: long side the photos and the painting are fitted at (one photo keeps its
            aspect ratio; several are cover-cropped to ``size`` squares).
        content_weight: weight of the content term (style weight 1); higher keeps more photo.
        learning_rate: Adam's learning rate.
        vgg_weights: VGG19 weights for the loss (see :func:`tfstyle.perceptual.vgg.resolve_weights`).
        progress: show a progress bar over the steps.

    Returns:
        A :class:`~tfstyle.models.ghiasi.FittedStyle` to pass as a style to :func:`tfstyle.stylize_arbitrary`.

    Example:
        >>> import numpy as np
        >>> from tfstyle.models.ghiasi import ArbitraryStyleNet, CompactStylePredictor, StyleTransferNet
        >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25))
        >>> rng = np.random.default_rng(0)
        >>> painting, photo = rng.uniform(0, 255, (48, 48, 3)), np.full((32, 40, 3), 120.0)
        >>> fitted = fit_style(painting, photo, model=net, steps=2, size=32)
        >>> fitted.params.shape == (net.transfer.parameter_count,), len(fitted.style_losses)
        (True, 2)
    """
    import keras
    from tqdm.auto import tqdm

    if steps < 0 or size < 16:
        raise OptionError(f"steps must be >= 0 and size >= 16, got steps={steps}, size={size}")
    net = load_model(model, kind="arbitrary")
    stylizer = as_stylizer(net)
    if not stylizer.fits_styles:
        raise OptionError(f"fit_style needs a Ghiasi network (an ArbitraryStyleNet), got {stylizer.family}")
    photos = list(photos) if isinstance(photos, (list, tuple)) else [photos]
    if not photos:
        raise OptionError("fit_style needs at least one photo")
    painting = load_image(style)
    params = net.style_parameters(painting)
    if steps == 0:
        return FittedStyle(params)
    batch = _photos(photos, size)
    fitter = _fitter(net.transfer, params, batch, load_image(painting, max_size=size), content_weight, vgg_weights)
    # XLA would compile longer than a few dozen steps take.
    fitter.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=False)
    style_losses = []
    for _ in tqdm(range(steps), desc="fit style", unit="step", disable=not progress, dynamic_ncols=True):
        fitter.reset_metrics()
        style_losses.append(float(fitter.train_on_batch(batch, return_dict=True)["style_loss"]))
    return FittedStyle(np.asarray(keras.ops.convert_to_numpy(fitter.params), np.float32)[0], tuple(style_losses))
