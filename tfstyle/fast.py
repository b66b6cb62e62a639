"""Feed-forward stylization with a trained network (Johnson et al.): fast, any size."""
from __future__ import annotations

import os

import numpy as np

from tfstyle import color as colors
from tfstyle.errors import OptionError
from tfstyle.images import ImageLike, load_image, to_uint8
from tfstyle.tiling import stylize_tiled


def resolve_model(style):
    """A network from a shipped style name, a ``.keras`` path, or a model (returned as is)."""
    from tfstyle import pretrained

    if isinstance(style, (str, os.PathLike)):
        text = os.fspath(style)
        if text.endswith(".keras"):
            return pretrained.load_model_file(text)
        if os.path.sep in text or os.path.splitext(text)[1]:
            raise OptionError(
                f"{text!r} is not a shipped style name or a .keras model; to paint like an image, "
                f"use tfstyle.stylize_optimize (CLI: --method optimize)"
            )
        return pretrained.load(text)
    if callable(style):
        return style
    raise OptionError(f"style must be a shipped style name, a .keras path or a model, got {type(style).__name__}")


def stylize(
    content: ImageLike,
    style="wave",
    *,
    size: int | None = None,
    preserve_color: str | bool | None = None,
    tile: int = 512,
    overlap: int = 64,
    stats_size: int = 1024,
    progress: bool = False,
) -> np.ndarray:
    """Stylize ``content`` with a trained feed-forward network, at any resolution.

    Args:
        content: image (path, PIL image or array; see :func:`tfstyle.load_image`).
        style: a shipped style name (``tfstyle.pretrained.list_styles()``), a ``.keras``
            file from ``tfstyle train johnson``, or a loaded network.
        size: long side of the output (default: the content's own size; never upscales).
        preserve_color: ``"luminance"``/``True`` keeps the content's colours.
        tile, overlap, stats_size: images larger than ``tile`` are processed in overlapping
            tiles sharing instance-norm statistics from a ``stats_size`` copy (bounded memory).
        progress: progress bar over tiles.

    Returns:
        ``uint8`` array ``(height, width, 3)``.

    Example:
        >>> import numpy as np
        >>> from tfstyle.models import JohnsonNet
        >>> out = stylize(np.full((64, 96, 3), 128, np.uint8), style=JohnsonNet(width=0.25))
        >>> out.shape, out.dtype
        ((64, 96, 3), dtype('uint8'))
    """
    mode = colors.check_preserve_color(preserve_color)
    image = load_image(content, max_size=size)
    net = resolve_model(style)
    out = stylize_tiled(net, image, tile=tile, overlap=overlap, stats_size=stats_size, progress=progress)
    if mode is not None:
        out = colors.transfer_color(out, image)
    return to_uint8(out)
