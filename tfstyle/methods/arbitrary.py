"""Arbitrary style transfer: any painting, one forward pass, strength, blending, colour and masks.

:func:`stylize_arbitrary` runs any arbitrary-style network (``model=``: a preset name, a ``.keras``
file or a model; default the shipped default, see :mod:`tfstyle.weights.presets`) through its
:class:`~tfstyle.runtime.protocols.ArbitraryStylizer` adapter, so every family gets the same
controls: several styles blend their codes, a mask paints two styles in two regions, strength
follows the family's recipe (Ghiasi/Magenta: the photo's own style parameters mixed in, and a fade
into the photo below :data:`tfstyle.image.blend.FADE_BELOW`; AdaIN: its ``alpha``, exactly;
MicroAST: the picture blended with the photo), and any size runs in tiles sharing the whole
image's normalization statistics (:mod:`tfstyle.runtime.tiling`). Ghiasi networks also take fitted
styles (``fit_steps``, :class:`~tfstyle.runtime.protocols.FittedStyle` from :func:`tfstyle.fit_style`).
Magenta's own published models (:class:`~tfstyle.methods.magenta.MagentaHub`,
:class:`~tfstyle.methods.magenta.MagentaTFLite`) run too, to compare with, with the controls they allow.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.image import color as colors
from tfstyle.image.io import ImageLike, batched, cover_crop, load_image, resize_image, to_uint8
from tfstyle.methods.refine import check_refine
from tfstyle.methods.refine import refine as refine_picture
from tfstyle.options import check_strength as _check_strength
from tfstyle.runtime import preset_files
from tfstyle.runtime.protocols import FittedStyle, as_stylizer, no_fitted_styles
from tfstyle.runtime.tiling import DEFAULT_OVERLAP, DEFAULT_STATS_SIZE
from tfstyle.weights.presets import load_model
from tfstyle.weights.registry import is_preset_name

#: ``strength="auto"`` tries these, strongest first (each one forward pass).
AUTO_STRENGTHS = (1.0, 0.8, 0.6, 0.4, 0.2)
#: ``strength="auto"`` keeps at least this SSIM to the photo: measured with ``magenta_v1`` on 12 photos of
#: ``content/test`` x 4 paintings at 384 px (``benchmarks/results/auto_strength.md``), full strength keeps a
#: median SSIM of about 0.4; 0.5 keeps faces and text legible while most of the style stays.
AUTO_MIN_SSIM = 0.5


def load_mask(source: str | os.PathLike) -> np.ndarray:
    """A greyscale mask image as ``(H, W)`` float32 in [0, 1] (white = 1).

    Example:
        >>> import tempfile, PIL.Image
        >>> path = tempfile.mktemp(suffix=".png")
        >>> PIL.Image.new("L", (40, 20), 255).save(path)
        >>> load_mask(path).shape, float(load_mask(path).max())
        ((20, 40), 1.0)
    """
    return (load_image(source).mean(-1) / 255.0).astype(np.float32)


def _mask(mask, height: int, width: int) -> np.ndarray:
    """A mask at the image's size, ``(H, W, 1)`` float32 in [0, 1]."""
    mask = load_mask(mask) if isinstance(mask, (str, os.PathLike)) else np.asarray(mask, np.float32)
    mask = mask[..., 0] if mask.ndim == 3 and mask.shape[-1] == 1 else mask
    if mask.ndim != 2 or not np.isfinite(mask).all() or mask.min() < 0 or mask.max() > 1:
        raise OptionError(f"mask must be (H, W) with values in [0, 1], got shape {mask.shape}")
    if mask.shape != (height, width):
        mask = np.clip(resize_image(np.repeat(mask[..., None], 3, -1), size=(height, width))[..., 0], 0.0, 1.0)
    return mask[..., None].astype(np.float32)


@batched
def stylize_arbitrary(
    content: ImageLike,
    style: ImageLike | FittedStyle | Sequence[ImageLike | FittedStyle],
    *,
    strength: float | str = 1.0,
    fit_steps: int = 0,
    style_weights: Sequence[float] | None = None,
    mask=None,
    preserve_color: str | bool | None = None,
    size: int | None = None,
    model=None,
    tile: int | None = None,
    overlap: int = DEFAULT_OVERLAP,
    stats_size: int = DEFAULT_STATS_SIZE,
    progress: bool = False,
    backend: str = "auto",
    min_ssim: float | None = None,
    refine: int = 0,
) -> np.ndarray:
    """Paint ``content`` in the style of any image(s), in one forward pass (and ``refine`` optimizer steps).

    Args:
        content: the photo (path, PIL image, NumPy array, ``tf.Tensor`` or JAX array; see
            :func:`tfstyle.load_image`), or a batch ``(N, H, W, 3)`` of them (the result is then a batch of the same kind).
        style: one style image, or a list of them (blended with ``style_weights``, or two
            regions with ``mask``); an ``ArbitraryStyleNet`` also takes
            :class:`~tfstyle.models.ghiasi.FittedStyle` s.
        strength: 0 gives the content back, 1 the full style; values between interpolate
            (Ghiasi: style vectors, and below :data:`tfstyle.image.blend.FADE_BELOW` also a fade into the
            photo; AdaIN/MicroAST: ``alpha``). ``"auto"``: the strongest of
            :data:`AUTO_STRENGTHS` whose result keeps an SSIM of at least ``min_ssim`` to the
            photo (default :data:`AUTO_MIN_SSIM`), found by up to five forward passes; the
            weakest one tried if none does.
        fit_steps: Ghiasi: first fit each style image's parameters to this content with
            :func:`tfstyle.fit_style` (this many steps at 256 px; about 2 s each on a
            2-core CPU, needs the VGG19 weights): closer to the painting than one forward pass.
        style_weights: one non-negative weight per style image (default equal).
        mask: with exactly two styles, an ``(H, W)`` array in [0, 1] or a greyscale image file:
            1 paints the first style, 0 the second (resized to the output).
        preserve_color: ``"luminance"``/``True`` or ``"histogram"`` keeps the content's colours.
        size: long side of the output (default: the content's own; never upscales).
        model: a preset name (``tfstyle.list_presets("arbitrary")``), a ``.keras`` file, a loaded
            :class:`~tfstyle.models.ghiasi.ArbitraryStyleNet` / :class:`~tfstyle.models.AdaINNet`, or
            :class:`~tfstyle.methods.magenta.MagentaHub` / :class:`~tfstyle.methods.magenta.MagentaTFLite` (Magenta's
            Hub model takes one style, or two with a mask, at strength 1; its TFLite pair takes
            strength and blends but no mask, and answers at its fixed size). Default: the shipped default.
        tile, overlap, stats_size: Ghiasi: large images run in tiles (see :func:`tfstyle.stylize_tiled`);
            default tile 512 px with Keras; LiteRT runs up to 3 MP whole, larger in strips
            (:func:`tfstyle.runtime.preset_files.lite_tile`).
        progress: progress bar over tiles.
        backend: ``"auto"``: an ``ArbitraryStyleNet`` preset (the default ``tfstyle_mobile_v4``) runs through
            its cached LiteRT files (no TensorFlow import; :mod:`tfstyle.runtime.preset_files`) when they are built and
            the call needs no fitting, Keras otherwise (with a one-line note for a preset);
            ``"litert"``: :class:`OptionError` when the files cannot serve the call; ``"keras"``.
        min_ssim: with ``strength="auto"``, the SSIM to the photo to keep (in (0, 1)).
        refine: then take this many steps of Gatys' optimization from the network's picture toward the
            painting(s) (:func:`tfstyle.methods.refine.refine`: VGG19 at up to 512 px, about 4-5 s a step at 512 px
            on an idle 2-core CPU; needs the VGG19 weights): style and content distances fall
            (``benchmarks/results/refine.md``). Needs style images (not fitted styles),
            strength 1 and no mask.

    Returns:
        ``uint8`` array ``(height, width, 3)``.

    Example:
        >>> import numpy as np
        >>> from tfstyle.models.ghiasi import ArbitraryStyleNet, CompactStylePredictor, StyleTransferNet
        >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25))
        >>> photo = np.full((64, 96, 3), 120, np.uint8)
        >>> a, b = np.zeros((50, 50, 3), np.uint8), np.full((40, 60, 3), 255, np.uint8)
        >>> stylize_arbitrary(photo, [a, b], style_weights=[0.7, 0.3], strength=0.5, model=net).shape
        (64, 96, 3)
    """
    if isinstance(strength, str):
        if strength != "auto":
            raise OptionError(f"strength must be a number in [0, 1] or 'auto', got {strength!r}")
        if refine:
            raise OptionError("refine needs style images (not fitted styles), strength 1 and no mask")
        kwargs = {"fit_steps": fit_steps, "style_weights": style_weights, "mask": mask, "preserve_color": preserve_color,
                  "model": model, "tile": tile, "overlap": overlap, "stats_size": stats_size, "progress": progress,
                  "backend": backend}
        return _auto_strength(load_image(content, max_size=size), style, min_ssim, kwargs)
    if min_ssim is not None:
        raise OptionError("min_ssim goes with strength='auto'")
    _check_strength(strength)
    refine = check_refine(refine)
    mode = colors.check_preserve_color(preserve_color)
    styles = list(style) if isinstance(style, (list, tuple)) else [style]
    if not styles:
        raise OptionError("need at least one style image")
    if fit_steps < 0:
        raise OptionError(f"fit_steps must be >= 0, got {fit_steps}")
    if mask is not None and len(styles) != 2:
        raise OptionError(f"a mask needs exactly two styles (region 1, region 0), got {len(styles)}")
    if mask is not None and style_weights is not None:
        raise OptionError("pass either a mask or style_weights, not both")
    fitted = any(isinstance(s, FittedStyle) for s in styles)
    if refine and (fitted or mask is not None or strength != 1):
        # The optimization pulls the whole picture toward the paintings' blended statistics: it would
        # undo a mask's two regions and a weaker strength, and a fitted style has no painting to pull to.
        raise OptionError("refine needs style images (not fitted styles), strength 1 and no mask")
    files = preset_files.choose(model, "arbitrary", backend, {"fit_steps": fit_steps, "a FittedStyle": fitted})
    if files is not None:
        net = None
        stylizer = preset_files.LiteArbitrary(files).stylizer()
        image = load_image(content, max_size=size, copy=False)  # only read
        tile = tile or preset_files.lite_tile(*image.shape[:2], overlap)
    else:
        net = load_model(model, kind="arbitrary")
        stylizer = as_stylizer(net)
        image = load_image(content, max_size=size)
        tile = tile or preset_files.KERAS_TILE
    if (fit_steps or fitted) and not stylizer.fits_styles:
        raise no_fitted_styles(stylizer.family)
    if fit_steps:
        from tfstyle.methods.fit import fit_style

        styles = [s if isinstance(s, FittedStyle) else fit_style(s, image, model=net, steps=fit_steps,
                                                                 progress=progress) for s in styles]
    out = stylizer.paint(image, styles, strength=strength, style_weights=style_weights,
                         mask=None if mask is None else _mask(mask, *image.shape[:2]),
                         tile=tile, overlap=overlap, stats_size=stats_size, progress=progress)
    if out.shape[:2] != image.shape[:2]:  # Magenta's TFLite pair answers at its own size
        image = cover_crop(image, out.shape[:2])
    if refine:
        # Before the colour step: the optimization pulls colours toward the painting; preserve_color
        # then puts the photo's back.
        out = refine_picture(out, image, styles, steps=refine, style_weights=style_weights)
    if mode is not None:
        out = colors.transfer_color(out, image)
    return to_uint8(out)


def _auto_strength(image: np.ndarray, style, min_ssim: float | None, kwargs: dict) -> np.ndarray:
    """The strongest of :data:`AUTO_STRENGTHS` whose result keeps ``min_ssim`` to ``image``."""
    from tfstyle.image.similarity import ssim

    threshold = AUTO_MIN_SSIM if min_ssim is None else float(min_ssim)
    if not 0 < threshold < 1:
        raise OptionError(f"min_ssim must be in (0, 1), got {min_ssim}")
    if isinstance(kwargs["model"], (str, os.PathLike)) and not is_preset_name(kwargs["model"]):
        # A .keras file is read once, not once per strength tried (presets are cached, and stay names
        # so that their LiteRT files can serve).
        kwargs = {**kwargs, "model": load_model(kwargs["model"], kind="arbitrary")}
    out = None
    for strength in AUTO_STRENGTHS:
        out = stylize_arbitrary(image, style, strength=strength, **kwargs)
        reference = image if out.shape == image.shape else cover_crop(image, out.shape[:2])
        if ssim(out, reference) >= threshold:
            break
    return out
