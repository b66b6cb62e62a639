"""Feed-forward stylization with a trained network (Johnson et al.): fast, any size."""
from __future__ import annotations

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.image import color as colors
from tfstyle.image.io import ImageLike, batched, load_image, to_uint8
from tfstyle.methods.refine import check_refine
from tfstyle.methods.refine import refine as refine_picture
from tfstyle.runtime import preset_files
from tfstyle.runtime.tiling import DEFAULT_OVERLAP, DEFAULT_STATS_SIZE, stylize_tiled
from tfstyle.weights.presets import load_model


@batched
def stylize(
    content: ImageLike,
    model=None,
    *,
    size: int | None = None,
    preserve_color: str | bool | None = None,
    tile: int | None = None,
    overlap: int = DEFAULT_OVERLAP,
    stats_size: int = DEFAULT_STATS_SIZE,
    progress: bool = False,
    backend: str = "auto",
    refine: int = 0,
    style: ImageLike | None = None,
) -> np.ndarray:
    """Stylize ``content`` with a trained feed-forward network, at any resolution.

    Args:
        content: image (path, PIL image, NumPy array, ``tf.Tensor`` or JAX array; see :func:`tfstyle.load_image`),
            or a batch ``(N, H, W, 3)`` of them (:func:`tfstyle.image.io.batched`).
        model: a fast preset name (``tfstyle.list_presets("fast")``; default: the shipped default),
            a ``.keras`` file from ``tfstyle train johnson``, or a loaded network.
        size: long side of the output (default: the content's own size; never upscales).
        preserve_color: ``"luminance"``/``True`` keeps the content's colours.
        tile, overlap, stats_size: images larger than ``tile`` are processed in overlapping
            tiles sharing instance-norm statistics from a ``stats_size`` copy (bounded memory).
            ``tile`` is a side or ``(height, width)``. Default: 512 px with Keras; with LiteRT the
            whole image up to 3 MP, else strips as wide as the image (:func:`tfstyle.runtime.preset_files.lite_tile`).
        progress: progress bar over tiles (off by default, as in every public function; the command line turns
            it on).
        backend: ``"auto"`` runs a shipped preset through its cached LiteRT files (no TensorFlow
            import; :mod:`tfstyle.runtime.preset_files`) when they are built, Keras otherwise (a one-line note on
            stderr says why for a preset); ``"litert"`` refuses (:class:`OptionError`) what the files
            cannot serve; ``"keras"`` always uses Keras. Build the files once with
            ``tfstyle export --cache NAME`` (the six fast styles and the default arbitrary network ship them
            prebuilt in the package; the command line builds the others on first use).
        refine: then take this many steps of Gatys' optimization toward ``style``, starting from the
            network's output (:func:`tfstyle.methods.refine.refine`; needs TensorFlow and the VGG19 weights).
        style: the painting to refine toward (a fast network does not carry its painting); needed with
            ``refine``.

    Returns:
        ``uint8`` ``(height, width, 3)``, or ``(N, height, width, 3)`` for a batch; a ``tf.Tensor`` for a
        ``tf.Tensor``, a JAX array for a JAX array, else a NumPy array.

    Example:
        >>> import numpy as np
        >>> from tfstyle.models import JohnsonNet
        >>> out = stylize(np.full((64, 96, 3), 128, np.uint8), model=JohnsonNet(width=0.25))
        >>> out.shape, out.dtype
        ((64, 96, 3), dtype('uint8'))
    """
    mode = colors.check_preserve_color(preserve_color)
    refine = check_refine(refine)
    if refine and style is None:
        raise OptionError("refine needs the painting to refine toward: pass style=")
    image = load_image(content, max_size=size, copy=False)  # only read
    files = preset_files.choose(model, "fast", backend)
    if files is not None:
        net, tile = preset_files.LiteNet(files), tile or preset_files.lite_tile(*image.shape[:2], overlap)
    else:
        net, tile = load_model(model, kind="fast"), tile or preset_files.KERAS_TILE
    out = stylize_tiled(net, image, tile=tile, overlap=overlap, stats_size=stats_size, progress=progress)
    if refine:
        out = refine_picture(out, image, style, steps=refine)
    if mode is not None:
        out = colors.transfer_color(out, image)
    return to_uint8(out)
