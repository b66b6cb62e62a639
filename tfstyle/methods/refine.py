"""The refine dial: a few steps of Gatys' optimization, starting from a network's painting.

A feed-forward network paints in one pass (tens of milliseconds to half a second); Gatys et al.'s
optimization gets closer to the painting but needs hundreds of VGG19 steps from the photo.
:func:`refine` starts from the network's output and takes ``steps`` optimizer steps on the loss
the library's metrics measure (:class:`~tfstyle.perceptual.loss.PerceptualLoss` with
``relative=True``: squared relative Gram errors at relu1_1 .. relu5_1 and the relative content error
at relu4_2, the terms of :mod:`tfstyle.perceptual.metrics`): a dial from the network's picture (0
steps) toward full optimization. Measured at 512 px (``benchmarks/results/refine.md``), the steps bring
the picture's colours toward the painting's and its structure toward the photo's, but not yet the
512 px style distance (see ``WORK_SIDE``).

Speed: one VGG19 step at 512 px costs about 4-5 s on an idle 2-core CPU (9 CPU seconds). Pictures larger
than ``work_size`` (default :data:`WORK_SIDE`) are optimized at that size and only the *change* is
upsampled and added to the full-size picture, so large images cost no more per step; a smaller
``work_size`` is faster but, measured, a weaker dial (see :data:`WORK_SIDE`).
(``tfstyle.stylize_optimize`` starts from the photo or noise and cannot take a start image,
hence this module.)
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.image.io import ImageLike, load_image, resize_image

# tfstyle.perceptual (Keras) is imported inside the functions: stylize_arbitrary imports this module, and
# its LiteRT path must not import Keras or TensorFlow unless a refinement is asked for.

#: Long side the optimization runs at: images up to this size are optimized whole, larger ones at this size
#: with the change upsampled. Measured in ``benchmarks/refine.py`` on 512 px holdout pairs: optimizing at
#: 256 px moved colours and structure but not the 512 px style distance (its first layers see the network's
#: fine strokes, which an upsampled change leaves alone); at the full 512 px, 5 steps lowered both the style
#: and the content distance.
WORK_SIDE = 512
#: Weights of the relative content and style terms (each about 1 for an unrelated image), and Adam's step:
#: chosen on a ``content/test`` photo x ``style/train`` painting at 512 px (``benchmarks/refine.py --set tune``),
#: where 5 steps took the style distance from 0.358 to 0.283 and the content distance from 0.80 to 0.87.
CONTENT_WEIGHT = 1.0
STYLE_WEIGHT = 4.0
#: Adam's step on the [0, 255] pixel scale (``optimizer="adam"``).
LEARNING_RATE = 4.0
#: L-BFGS-B's first step, in pixel levels (see ``_run_lbfgs``).
LBFGS_FIRST_STEP = 2.0
OPTIMIZERS = ("adam", "lbfgs")

#: ``callback(step, image) -> bool``: ``image`` the current float32 work-size image; True stops.
Callback = Callable[[int, np.ndarray], bool]


def check_refine(refine: object) -> int:
    """``refine`` as an int, or :class:`~tfstyle.errors.OptionError` unless it is an integer >= 0.

    Example:
        >>> check_refine(10)
        10
    """
    if isinstance(refine, bool) or not isinstance(refine, (int, np.integer)) or refine < 0:
        raise OptionError(f"refine must be an integer >= 0 (optimizer steps), got {refine!r}")
    return int(refine)


def refine(
    painted: np.ndarray,
    content: ImageLike,
    style: ImageLike | Sequence[ImageLike],
    *,
    steps: int = 10,
    style_weights: Sequence[float] | None = None,
    work_size: int | None = WORK_SIDE,
    style_size: int | None = None,
    content_weight: float = CONTENT_WEIGHT,
    style_weight: float = STYLE_WEIGHT,
    optimizer: str = "adam",
    learning_rate: float = LEARNING_RATE,
    vgg_weights: str | os.PathLike | None = None,
    callback: Callback | None = None,
) -> np.ndarray:
    """Move ``painted`` toward ``style`` by ``steps`` steps of the perceptual optimization.

    Args:
        painted: the picture to start from, ``(H, W, 3)`` in [0, 255] (a network's output).
        content: the photo it was painted from, resized to ``painted``'s size if it differs.
        style: one style image or a list of them (their Gram targets blended with ``style_weights``).
        steps: optimizer steps (each one VGG19 forward and backward pass at ``work_size``); 0
            returns ``painted`` unchanged.
        work_size: long side the optimization runs at when ``painted`` is larger; the change is
            upsampled to ``painted``'s size. ``None``: always the full size.
        style_size: long side the style images are first shrunk to (default: ``painted``'s long
            side); they are then scaled like the picture, so brush strokes keep their size.
        content_weight, style_weight: weights of the relative content and style terms.
        optimizer: ``"adam"`` (every step the same cost, a steady dial) or ``"lbfgs"`` (SciPy L-BFGS-B
            within [0, 255]; ``steps`` counts its loss evaluations).
        learning_rate: Adam's step in pixel values.
        vgg_weights: VGG19 weights (see :func:`tfstyle.perceptual.vgg.resolve_weights`).
        callback: called after every step, see :data:`Callback`.

    Returns:
        The refined picture, ``float32`` ``(H, W, 3)`` in [0, 255].

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> photo = rng.uniform(0, 255, (48, 64, 3)).astype("float32")
        >>> style = rng.uniform(0, 255, (32, 32, 3))
        >>> refine(photo, photo, style, steps=2).shape
        (48, 64, 3)
    """
    steps = check_refine(steps)
    if optimizer not in OPTIMIZERS:
        raise OptionError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    if work_size is not None and (isinstance(work_size, bool) or not isinstance(work_size, int) or work_size < 32):
        raise OptionError(f"work_size must be an integer >= 32 or None, got {work_size!r}")
    if not learning_rate > 0:
        raise OptionError(f"learning_rate must be > 0, got {learning_rate!r}")
    painted = load_image(painted)
    if steps == 0:
        return painted
    styles = list(style) if isinstance(style, (list, tuple)) else [style]
    if not styles:
        raise OptionError("need at least one style image")
    if style_weights is not None and len(style_weights) != len(styles):
        raise OptionError(f"style_weights has {len(style_weights)} weights for {len(styles)} style images")
    height, width = painted.shape[:2]
    photo = load_image(content)
    if photo.shape[:2] != (height, width):
        photo = resize_image(photo, size=(height, width))
    long_side = max(height, width)
    factor = 1.0 if work_size is None or long_side <= work_size else work_size / long_side
    small = (max(1, round(height * factor)), max(1, round(width * factor)))
    start = resize_image(painted, size=small) if factor != 1.0 else painted
    photo = resize_image(photo, size=small) if factor != 1.0 else photo
    style_images = []
    for s in styles:
        image = load_image(s, max_size=style_size or long_side)
        if factor != 1.0:
            image = resize_image(image, long_side=max(16, round(max(image.shape[:2]) * factor)))
        style_images.append(image)

    loss = _loss(float(content_weight), float(style_weight), vgg_weights)
    content_targets = loss.content_targets(photo[None])
    style_targets = loss.style_targets(style_images, style_weights)
    step_fn = _value_and_grad(loss)

    def objective(image: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = step_fn(image.reshape((1,) + small + (3,)).astype(np.float32), content_targets, style_targets)
        return float(total), np.asarray(grad)[0]

    run = _run_lbfgs if optimizer == "lbfgs" else functools.partial(_run_adam, learning_rate=learning_rate)
    result = run(objective, start, steps, callback)
    if factor == 1.0:
        return np.clip(result, 0.0, 255.0).astype(np.float32)
    return _add_change(painted, result - start)


def _add_change(painted: np.ndarray, change: np.ndarray) -> np.ndarray:
    """``painted`` plus ``change`` upsampled (bicubic) to its size, clipped to [0, 255].

    The change has negative values, so it cannot go through ``resize_image`` (which clips)."""
    from keras import ops

    up = ops.image.resize(change[None].astype(np.float32), painted.shape[:2], interpolation="bicubic")
    return np.clip(painted + np.asarray(ops.convert_to_numpy(up))[0], 0.0, 255.0).astype(np.float32)


@functools.lru_cache(maxsize=4)
def _loss(content_weight: float, style_weight: float, vgg_weights):
    """The relative :class:`~tfstyle.perceptual.loss.PerceptualLoss` at the metrics' layers.

    Cached: building the VGG19 extractors costs about a second, a large share of a 10-step refinement."""
    from tfstyle.perceptual.loss import PerceptualLoss
    from tfstyle.perceptual.vgg import CONTENT_LAYER, STYLE_LAYERS

    return PerceptualLoss(content_layers=(CONTENT_LAYER,), style_layers=STYLE_LAYERS, content_weight=content_weight,
                          style_weight=style_weight, weights=vgg_weights, relative=True)


@functools.lru_cache(maxsize=4)
def _value_and_grad(loss):
    """A compiled ``(image, content_targets, style_targets) -> (total, gradient)`` kept per loss.

    The targets are arguments, not captured constants, so one trace serves every photo and painting
    of a size (tracing VGG19's gradient costs seconds on a CPU: more than a few steps)."""
    import tensorflow as tf  # the optimizer loop is TensorFlow's edge, as in stylize_optimize

    @tf.function(reduce_retracing=True, autograph=False)  # no Python control flow to convert
    def value_and_grad(image, content_targets, style_targets):
        with tf.GradientTape() as tape:
            tape.watch(image)
            total = loss(image, content_targets, style_targets)["total"]
        return total, tape.gradient(total, image)

    return value_and_grad


def _run_lbfgs(objective, image: np.ndarray, steps: int, callback: Callback | None) -> np.ndarray:
    from scipy.optimize import minimize

    shape = image.shape
    # L-BFGS-B's first step has length 1 in its variables; in pixels that is nothing (a 256 px image has
    # 200,000 of them), and a 10-step budget would be spent finding the scale. In units of
    # LBFGS_FIRST_STEP * sqrt(pixels) the first step moves each pixel by about LBFGS_FIRST_STEP levels.
    unit = LBFGS_FIRST_STEP * np.sqrt(image.size)
    done = 0

    def fun(flat):
        total, grad = objective(flat.reshape(shape) * unit)
        return total, grad.astype(np.float64).ravel() * unit

    def on_step(intermediate_result):
        nonlocal done
        done += 1
        if callback and callback(done, (intermediate_result.x.reshape(shape) * unit).astype(np.float32)):
            raise StopIteration  # SciPy >= 1.11 ends the run cleanly and returns the best x.

    # maxfun = steps: a step is one VGG19 pass, so the cost is what the caller asked for even when
    # the line search needs a second evaluation.
    result = minimize(fun, image.astype(np.float64).ravel() / unit, jac=True, method="L-BFGS-B",
                      bounds=[(0.0, 255.0 / unit)], callback=on_step,
                      options={"maxiter": steps, "maxfun": steps, "maxcor": 20, "ftol": 0.0, "gtol": 0.0})
    return (result.x.reshape(shape) * unit).astype(np.float32)


def _run_adam(objective, image: np.ndarray, steps: int, callback: Callback | None, *,
              learning_rate: float) -> np.ndarray:
    import keras

    variable = keras.Variable(image, dtype="float32")
    optimizer = keras.optimizers.Adam(learning_rate=float(learning_rate), beta_1=0.9, epsilon=1e-8)
    for step in range(1, steps + 1):
        _, grad = objective(np.asarray(variable))
        optimizer.apply_gradients([(grad, variable)])
        variable.assign(keras.ops.clip(variable, 0.0, 255.0))
        if callback and callback(step, np.asarray(variable)):
            break
    return np.asarray(variable)
