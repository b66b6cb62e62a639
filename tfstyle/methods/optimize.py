"""Optimization-based style transfer (Gatys, Ecker and Bethge 2015).

The pixels of one image are optimized against the VGG19 perceptual loss. Defaults are
chosen for speed on a CPU: L-BFGS-B (SciPy) with box constraints to [0, 255], starting
from the content image, coarse-to-fine over image scales (most iterations run at a
quarter of the pixels), and a compiled TensorFlow loss-and-gradient function.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.image import color as colors
from tfstyle.image.io import ImageLike, batched, load_image, resize_image, to_uint8
from tfstyle.perceptual.loss import PerceptualLoss
from tfstyle.perceptual.vgg import CONTENT_LAYER, STYLE_LAYERS

OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise")
#: Smallest long side a coarse scale may have: below it the deep VGG layers see too little
#: for the coarse result to help (measured in benchmarks/gatys.py at 256 px).
MIN_SCALE_SIDE = 256
#: Iterations at each coarse scale, as a fraction of ``steps`` (run at the finest scale).
COARSE_STEPS = 0.5

#: ``callback(scale_index, step, image, terms) -> bool``: ``image`` is the current float32
#: HxWx3 image, ``terms`` the loss terms as floats; returning True stops the optimization.
Callback = Callable[[int, int, np.ndarray, dict], bool]


def scale_sizes(height: int, width: int, scales: int) -> list[tuple[int, int]]:
    """Image sizes (height, width) for coarse-to-fine optimization, coarsest first.

    Each scale halves the previous one; scales whose long side would fall under
    ``MIN_SCALE_SIDE`` are dropped.

    Example:
        >>> scale_sizes(600, 800, 3)
        [(300, 400), (600, 800)]
    """
    sizes = []
    for k in range(scales - 1, -1, -1):
        factor = 0.5**k
        if k and max(height, width) * factor < MIN_SCALE_SIDE:
            continue
        sizes.append((max(1, round(height * factor)), max(1, round(width * factor))))
    return sizes


class _Objective:
    """Compiled ``image -> (total, terms, gradient)`` for one content size and style target."""

    def __init__(self, loss: PerceptualLoss, content: np.ndarray, styles: Sequence[np.ndarray], blend):
        import tensorflow as tf  # The optimizer loop is TensorFlow's edge of the library.

        self.shape = (1,) + content.shape
        self.content_targets = loss.content_targets(content[None])
        self.style_targets = loss.style_targets(styles, blend)

        @tf.function(reduce_retracing=True)
        def value_and_grad(image):
            with tf.GradientTape() as tape:
                tape.watch(image)
                terms = loss(image, self.content_targets, self.style_targets)
            return terms, tape.gradient(terms["total"], image)

        self._fn = value_and_grad

    def __call__(self, image: np.ndarray) -> tuple[float, dict, np.ndarray]:
        terms, grad = self._fn(np.asarray(image, np.float32).reshape(self.shape))
        terms = {name: float(value) for name, value in terms.items()}
        return terms["total"], terms, np.asarray(grad)[0]


def _run_lbfgs(objective: _Objective, image: np.ndarray, steps: int, on_step) -> np.ndarray:
    from scipy.optimize import minimize

    shape = image.shape
    last = {}

    def fun(flat):
        total, terms, grad = objective(flat.reshape(shape))
        last.update(terms)
        return total, grad.astype(np.float64).ravel()

    def callback(intermediate_result):
        if on_step(intermediate_result.x.reshape(shape).astype(np.float32), dict(last)):
            raise StopIteration  # SciPy >= 1.11 ends the run cleanly and returns the best x.

    result = minimize(
        fun,
        image.astype(np.float64).ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 255.0)],
        callback=callback,
        options={"maxiter": steps, "maxfun": 2 * steps, "maxcor": 20, "ftol": 0.0, "gtol": 0.0},
    )
    return result.x.reshape(shape).astype(np.float32)


def _run_adam(objective: _Objective, image: np.ndarray, steps: int, on_step, learning_rate: float) -> np.ndarray:
    import keras

    variable = keras.Variable(image, dtype="float32")
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.99, epsilon=0.1)
    for _ in range(steps):
        _, terms, grad = objective(np.asarray(variable))
        optimizer.apply_gradients([(grad, variable)])
        variable.assign(keras.ops.clip(variable, 0.0, 255.0))
        if on_step(np.asarray(variable), terms):
            break
    return np.asarray(variable)


@batched
def stylize_optimize(
    content: ImageLike,
    style: ImageLike | Sequence[ImageLike],
    *,
    steps: int = 100,
    size: int | None = 384,
    style_size: int | None = None,
    style_weights: Sequence[float] | None = None,
    content_weight: float = 1.0,
    style_weight: float = 1e-3,
    tv_weight: float = 10.0,
    content_layers: Sequence[str] = (CONTENT_LAYER,),
    style_layers: Sequence[str] = STYLE_LAYERS,
    style_layer_weights: Sequence[float] | None = None,
    optimizer: str = "lbfgs",
    learning_rate: float = 5.0,
    init: str = "content",
    scales: int = 2,
    preserve_color: str | bool | None = None,
    pooling: str = "max",
    seed: int | None = 0,
    vgg_weights: str | os.PathLike | None = None,
    progress: bool = False,
    callback: Callback | None = None,
    style_blend: Sequence[float] | None = None,
) -> np.ndarray:
    """Stylize ``content`` like ``style`` by optimizing the image's pixels (Gatys et al.).

    Args:
        content: content image (path, PIL image, NumPy array, ``tf.Tensor`` or JAX array; see
            :func:`tfstyle.load_image`), or a batch ``(N, H, W, 3)`` of them (:func:`tfstyle.image.io.batched`).
        style: one style image or a list of them (blended with ``style_weights``).
        steps: optimizer iterations at the finest scale; each coarser scale runs
            ``COARSE_STEPS * steps`` (each costs a quarter of the one above it).
        size: long side of the output in pixels (``None``: the content's own size;
            images are never upscaled).
        style_size: long side the style images are scaled to (default: same as ``size``);
            smaller values give larger brush strokes.
        style_weights: one weight per style image (normalised to sum to 1; default equal).
        content_weight, style_weight, tv_weight: loss weights (see :class:`PerceptualLoss`).
        content_layers, style_layers, style_layer_weights: VGG19 layers and their weights.
        optimizer: ``"lbfgs"`` (default, fastest) or ``"adam"``.
        learning_rate: Adam's step size on the [0, 255] pixel scale.
        init: start from the ``"content"`` image or from ``"noise"``.
        scales: number of coarse-to-fine scales (each half the next one's size); 1 turns it off.
        preserve_color: keep the content's colours: ``"luminance"`` (or ``True``) transfers
            style on luminance only; ``"histogram"`` first matches the style's colours to the
            content's.
        pooling: VGG19 pooling, ``"max"`` or ``"avg"``.
        seed: seed for the noise initialization; the result is deterministic for a seed.
        vgg_weights: VGG19 weights: ``"imagenet"``, a local ``.h5`` path, or ``None`` for
            ``$TFSTYLE_VGG19_WEIGHTS`` or else ``"imagenet"``.
        progress: show a progress bar with the current loss (off by default, as in every public function).
        callback: called after every iteration, see :data:`Callback`.
        style_blend: the old name of ``style_weights`` (a :class:`DeprecationWarning`).

    Returns:
        The stylized image, ``uint8`` ``(height, width, 3)`` (``(N, height, width, 3)`` for a batch), of the
        input's kind: a ``tf.Tensor`` for a ``tf.Tensor``, a JAX array for a JAX array, else NumPy.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> content = rng.uniform(0, 255, (64, 64, 3))
        >>> style = rng.uniform(0, 255, (64, 64, 3))
        >>> out = stylize_optimize(content, style, steps=3, progress=False)
        >>> out.shape, out.dtype
        ((64, 64, 3), dtype('uint8'))
    """
    if style_blend is not None:
        warnings.warn("stylize_optimize(style_blend=) is now style_weights=", DeprecationWarning, stacklevel=3)
        if style_weights is not None:
            raise OptionError("pass style_weights (style_blend is its old name), not both")
        style_weights = style_blend
    _check_options(steps, optimizer, init, scales, size, style_size, learning_rate)
    preserve_color = colors.check_preserve_color(preserve_color)
    _check_backend()
    styles_in = list(style) if isinstance(style, (list, tuple)) else [style]
    if not styles_in:
        raise OptionError("need at least one style image")
    if style_weights is not None and len(style_weights) != len(styles_in):
        raise OptionError(f"style_weights has {len(style_weights)} weights for {len(styles_in)} style images")

    original_content = load_image(content, max_size=size)
    content_img, style_imgs = _prepare_colors(original_content, [load_image(s, max_size=style_size or size)
                                                                 for s in styles_in], preserve_color)
    loss = PerceptualLoss(content_layers=content_layers, style_layers=style_layers, content_weight=content_weight,
                          style_weight=style_weight, tv_weight=tv_weight, style_layer_weights=style_layer_weights,
                          weights=vgg_weights, pooling=pooling)
    start = content_img.copy() if init == "content" else \
        np.random.default_rng(seed).uniform(0.0, 255.0, content_img.shape).astype(np.float32)
    image = _coarse_to_fine(loss, content_img, style_imgs, style_weights, start, steps=steps, scales=scales,
                            optimizer=optimizer, learning_rate=learning_rate, progress=progress, callback=callback)
    if preserve_color == "luminance":
        image = colors.transfer_color(image, original_content)
    return to_uint8(image)


def _check_options(steps, optimizer, init, scales, size, style_size, learning_rate) -> None:
    if not isinstance(steps, int) or steps < 1:
        raise OptionError(f"steps must be a positive integer, got {steps!r}")
    if optimizer not in OPTIMIZERS:
        raise OptionError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    if init not in INITS:
        raise OptionError(f"init must be one of {', '.join(INITS)}, got {init!r}")
    if not isinstance(scales, int) or scales < 1:
        raise OptionError(f"scales must be a positive integer, got {scales!r}")
    for name, value in (("size", size), ("style_size", style_size)):
        if value is not None and (not isinstance(value, int) or value < 16):
            raise OptionError(f"{name} must be an integer >= 16 or None, got {value!r}")
    if not learning_rate > 0:
        raise OptionError(f"learning_rate must be > 0, got {learning_rate!r}")


def _prepare_colors(content: np.ndarray, styles: list[np.ndarray], mode: str | None):
    """``(content, styles)`` to optimize on: histogram mode recolours the styles; luminance mode
    works on grey (the colours come back from the photo at the end)."""
    if mode == "histogram":
        return content, [colors.match_color_histogram(s, content) for s in styles]
    if mode == "luminance":
        luma = colors.luminance(content)
        return colors.luminance_to_rgb(luma), [
            colors.luminance_to_rgb(colors.match_luminance(colors.luminance(s), luma)) for s in styles]
    return content, styles


def _coarse_to_fine(loss: PerceptualLoss, content: np.ndarray, styles: list[np.ndarray], style_weights, start,
                    *, steps: int, scales: int, optimizer: str, learning_rate: float, progress: bool,
                    callback: Callback | None) -> np.ndarray:
    """Optimize ``start`` at each scale of :func:`scale_sizes`, upsizing the result into the next one."""
    height, width = content.shape[:2]
    sizes = scale_sizes(height, width, scales)
    coarse_steps = max(1, round(steps * COARSE_STEPS))
    image = resize_image(start, size=sizes[0]) if sizes[0] != (height, width) else start
    bar = _progress_bar(steps + (len(sizes) - 1) * coarse_steps, progress)
    try:
        for index, (h, w) in enumerate(sizes):
            factor = h / height
            scaled_content = resize_image(content, size=(h, w)) if (h, w) != (height, width) else content
            scaled_styles = [resize_image(s, long_side=max(16, round(max(s.shape[:2]) * factor))) if factor != 1
                             else s for s in styles]
            if image.shape[:2] != (h, w):
                image = resize_image(image, size=(h, w))
            objective = _Objective(loss, scaled_content, scaled_styles, style_weights)
            step = 0

            def on_step(current: np.ndarray, terms: dict, index=index) -> bool:
                nonlocal step
                step += 1
                bar.update(1)
                bar.set_postfix(scale=f"{index + 1}/{len(sizes)}", loss=f"{terms.get('total', float('nan')):.4g}")
                return bool(callback and callback(index, step, current, terms))

            scale_steps = steps if index == len(sizes) - 1 else coarse_steps
            if optimizer == "lbfgs":
                image = _run_lbfgs(objective, image, scale_steps, on_step)
            else:
                image = _run_adam(objective, image, scale_steps, on_step, learning_rate)
    finally:
        bar.close()
    return image


def _check_backend() -> None:
    import keras

    if keras.backend.backend() != "tensorflow":
        raise OptionError(
            f"stylize_optimize runs on the TensorFlow backend (KERAS_BACKEND is {keras.backend.backend()!r})"
        )


def _progress_bar(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="stylize", unit="step", disable=not enabled, dynamic_ncols=True)
