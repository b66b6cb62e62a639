"""Reading, converting, resizing and writing images.

Everything in tfstyle works on images as ``float32`` NumPy arrays of shape
``(height, width, 3)`` holding RGB values in ``[0, 255]``.  This module turns
files, Pillow images and arrays of many kinds into that form
(:func:`load_image`), resizes such arrays without losing float precision
(:func:`resize_image`) and writes results atomically (:func:`save_image`).

Every problem a user can cause (a missing, corrupt, huge or tiny image, an
unsupported output format, a missing output folder) raises
:class:`tfstyle.errors.ImageError` with a one-line message that starts with the
problem and names the path.

Tensors of other libraries (TensorFlow, JAX, PyTorch on the CPU) are read through their own
``numpy()``/``__array__``, so this module never imports them; :func:`batched` lets a function that
paints one image take batches and tensors and answer in the same kind.

This module depends only on Pillow and NumPy, so it is cheap to import.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import pathlib
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from tfstyle.atomic import write_bytes
from tfstyle.errors import ImageError, OptionError

__all__ = [
    "MAX_PIXELS",
    "MIN_SIDE",
    "IMAGE_EXTENSIONS",
    "ImageLike",
    "as_numpy",
    "batched",
    "load_image",
    "resize_image",
    "to_uint8",
    "save_image",
    "encode_image",
    "check_output_path",
    "check_not_input",
    "list_images",
]

#: Images with more pixels than this are refused before they are decoded.
MAX_PIXELS = 100_000_000

#: Images whose width or height is smaller than this are refused.
MIN_SIDE = 16

#: File extensions (lower case) that :func:`list_images` picks up and
#: :func:`save_image` can write.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")

#: Anything :func:`load_image` accepts (also tensors: a ``tf.Tensor``, a JAX array, anything with ``numpy()`` or
#: ``__array__``).
ImageLike = Union[str, os.PathLike, Image.Image, np.ndarray, Any]

_OUTPUT_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}

# Modes each output format can store as they are; other modes are converted.
_SAVE_MODES = {
    "JPEG": {"L", "RGB", "CMYK"},
    "PNG": {"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"},
    "WEBP": {"RGB", "RGBA"},
    "BMP": {"1", "L", "P", "RGB", "RGBA"},
    "TIFF": {"1", "L", "LA", "I", "I;16", "F", "P", "RGB", "RGBA", "CMYK"},
}

_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")

_SHAPE_MESSAGE = "expected an HxW, HxWx1, HxWx3 or HxWx4 image, got shape {}"


# --------------------------------------------------------------------------
# loading


def load_image(source: ImageLike, max_size: int | None = None, *, copy: bool = True) -> np.ndarray:
    """Load an image as a ``float32`` array of shape ``(H, W, 3)``, RGB in ``[0, 255]``.

    ``source`` may be:

    * a path (``str`` or ``os.PathLike``) to any image Pillow can read.  The
      EXIF orientation is applied, every mode becomes RGB (transparent pixels
      are composited over white, 16-bit grayscale is scaled to ``0..255``).
      Files with more than :data:`MAX_PIXELS` pixels are refused from their
      header, before anything is decoded.
    * a :class:`PIL.Image.Image`, converted the same way (it is not modified).
    * a NumPy array, or a tensor of another library (a ``tf.Tensor``, a JAX array: anything
      with ``numpy()`` or ``__array__``, read without importing that library), of shape ``HxW`` (gray), ``HxWx1``, ``HxWx3`` or ``HxWx4``
      (alpha composited over white).  ``uint8`` is taken as ``0..255``,
      ``uint16`` as ``0..65535`` (divided by 257), ``bool`` as 0/255, other
      integer types as ``0..255``.  **Floats**: if the largest value is above
      ``1.0 + 1e-6`` the array is taken to be in ``[0, 255]``, otherwise in
      ``[0, 1]`` and multiplied by 255; values outside the range are clipped.
      NaN or infinite values are refused.

    Images with a side shorter than :data:`MIN_SIDE` are refused.  If
    ``max_size`` is given and the longer side exceeds it, the image is
    downscaled (aspect ratio kept, Lanczos filter) so that the longer side is
    exactly ``max_size``; images are never upscaled here.  The result is a new
    array, except with ``copy=False`` (for callers that only read it): an array
    that already is ``float32``, C-ordered ``HxWx3`` in ``[0, 255]`` (largest
    value above 1) is returned as it is, which saves a 4K photo ~0.2 s of copying.

    Example:
        >>> import numpy as np
        >>> img = load_image(np.zeros((20, 40), dtype=np.uint8))
        >>> img.shape, img.dtype
        ((20, 40, 3), dtype('float32'))
        >>> load_image(np.ones((20, 40, 3)), max_size=32).shape  # floats in [0, 1]
        (16, 32, 3)
        >>> float(load_image(np.ones((20, 40, 3))).max())
        255.0
    """
    if max_size is not None:
        if isinstance(max_size, bool) or not isinstance(max_size, (int, np.integer)):
            raise OptionError(f"max_size must be an integer, got {max_size!r}")
        if max_size < MIN_SIDE:
            raise OptionError(f"size must be at least {MIN_SIDE} pixels (the image's long side), got {max_size}")
        max_size = int(max_size)

    if not isinstance(source, (np.ndarray, Image.Image, str, os.PathLike)):
        source = as_numpy(source)
    if isinstance(source, np.ndarray):
        array = source if not copy and _is_float_rgb(source) else _array_to_float_rgb(source)
        _check_size(array.shape[1], array.shape[0], "array")
    elif isinstance(source, Image.Image):
        label = getattr(source, "filename", "") or "<PIL image>"
        _check_size(source.width, source.height, label)
        _load_pixels(source, label)
        array = _pil_to_float_rgb(_exif_transpose(source), label)
    else:  # a path
        array = _load_path(source, max_size)
    return _shrink(array, max_size)


def as_numpy(value) -> np.ndarray:
    """``value`` (a NumPy array, or a tensor of another library) as a NumPy array, without importing that library.

    TensorFlow eager tensors and PyTorch CPU tensors answer ``numpy()``, JAX arrays ``__array__``;
    anything else is a :class:`TypeError` naming what :func:`load_image` takes.

    Example:
        >>> as_numpy(np.zeros((2, 3))).shape
        (2, 3)
        >>> as_numpy([1, 2])
        Traceback (most recent call last):
        ...
        TypeError: expected a path, a PIL image, a NumPy array or a tensor (TensorFlow, JAX, ...), got list
    """
    if isinstance(value, np.ndarray):
        return value
    to_numpy = getattr(value, "numpy", None)
    if callable(to_numpy):
        return np.asarray(to_numpy())
    if hasattr(value, "__array__"):
        return np.asarray(value)
    raise TypeError("expected a path, a PIL image, a NumPy array or a tensor (TensorFlow, JAX, ...), "
                    f"got {type(value).__name__}")


def _library(value) -> str | None:
    """The library an array-like input comes from: ``"numpy"``, ``"tensorflow"``, ``"jax"``, ``"torch"``, another
    name for any other tensor, ``None`` for what is not an array (a path, a PIL image). From the type's module, so
    nothing is imported to ask."""
    if isinstance(value, np.ndarray):
        return "numpy"
    if isinstance(value, (str, os.PathLike, Image.Image)):
        return None
    module = type(value).__module__.split(".")[0]
    return {"jaxlib": "jax", "tensorflow": "tensorflow", "torch": "torch", "jax": "jax"}.get(module, module)


def _as_library(array: np.ndarray, library: str | None):
    """``array`` as a tensor of ``library`` (already imported: the input came from it); NumPy otherwise."""
    if library == "tensorflow" and "tensorflow" in sys.modules:
        return sys.modules["tensorflow"].convert_to_tensor(array)
    if library == "jax" and "jax.numpy" in sys.modules:
        return sys.modules["jax.numpy"].asarray(array)
    if library == "torch" and "torch" in sys.modules:
        return sys.modules["torch"].from_numpy(np.ascontiguousarray(array))
    return array


_Painter = TypeVar("_Painter", bound=Callable[..., np.ndarray])


def batched(function: _Painter) -> _Painter:
    """Decorate a function that paints one image (first argument the image, result an ``(H, W, 3)`` array) so that
    it also takes a batch and answers in the kind it was given.

    * a batch ``(N, H, W, 3)`` (NumPy or a tensor) is painted image by image; the results come back
      stacked, ``(N, H, W, 3)``: a batch in, a batch out;
    * a ``tf.Tensor`` in gives a ``tf.Tensor`` out, a JAX array a JAX array, a PyTorch tensor a
      PyTorch tensor; NumPy, paths and PIL images give NumPy. Other arguments pass through unchanged.

    The libraries are never imported here: a tensor's own library is already loaded.

    Example:
        >>> @batched
        ... def invert(image):
        ...     return (255 - load_image(image)).astype(np.uint8)
        >>> invert(np.zeros((2, 16, 24, 3), np.uint8)).shape   # a batch of two
        (2, 16, 24, 3)
        >>> int(invert(np.zeros((16, 24, 3), np.uint8))[0, 0, 0])
        255
    """
    @functools.wraps(function)
    def paint(content, *args, **kwargs):
        library = _library(content)
        if library is None:
            return function(content, *args, **kwargs)
        array = as_numpy(content)
        if array.ndim == 4:
            if not len(array):
                raise ImageError(f"empty batch of images: shape {tuple(array.shape)}")
            out = np.stack([function(image, *args, **kwargs) for image in array])
        else:
            out = function(array, *args, **kwargs)
        return _as_library(out, library)

    return paint  # type: ignore[return-value]


def _load_path(source: str | os.PathLike, max_size: int | None) -> np.ndarray:
    path = os.fspath(source)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not os.path.exists(path):
        raise ImageError(f"no such file: {path}")
    if os.path.isdir(path):
        raise ImageError(f"not a file (it is a folder): {path}")
    if not os.path.isfile(path):
        raise ImageError(f"not a regular file: {path}")

    try:
        with warnings.catch_warnings():
            # Pillow warns above ~89 Mpx; our own MAX_PIXELS check below is the
            # rule, so the warning is not shown to users.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise ImageError(f"image too large: {path} ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise ImageError(f"not an image (or unsupported format): {path}") from exc
    except PermissionError as exc:
        raise ImageError(f"cannot read file (permission denied): {path}") from exc
    except FileNotFoundError as exc:
        raise ImageError(f"no such file: {path}") from exc
    except Exception as exc:  # SyntaxError, OSError, ValueError... from a bad header
        raise ImageError(f"corrupt or truncated image: {path} ({_describe(exc)})") from exc

    with img:
        _check_size(img.width, img.height, path)
        if max_size is not None and max(img.size) > max_size:
            # JPEG can decode at 1/2, 1/4 or 1/8 scale: much faster for big
            # photos.  The decoded image stays at least as big as the target.
            scale = max_size / max(img.size)
            target = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
            with contextlib.suppress(Exception):
                img.draft(None, target)
        _load_pixels(img, path)
        return _pil_to_float_rgb(_exif_transpose(img), path)


def _load_pixels(img: Image.Image, label: str) -> None:
    """Decode ``img`` (a no-op when already decoded), turning errors into ImageError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img.load()
    except Image.DecompressionBombError as exc:
        raise ImageError(f"image too large: {label} ({exc})") from exc
    except Exception as exc:  # OSError, SyntaxError, EOFError, ValueError, struct.error...
        raise ImageError(f"corrupt or truncated image: {label} ({_describe(exc)})") from exc


def _exif_transpose(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; broken EXIF data is ignored, not fatal."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Corrupt EXIF data"
            return ImageOps.exif_transpose(img)
    except Exception:
        return img


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_size(width: int, height: int, label: str) -> None:
    pixels = int(width) * int(height)
    if pixels > MAX_PIXELS:
        raise ImageError(
            f"image too large: {label} is {width}x{height} "
            f"({pixels:,} pixels, the limit is {MAX_PIXELS:,})"
        )
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            f"image too small: {label} is {width}x{height} "
            f"(each side must be at least {MIN_SIDE} pixels)"
        )


def _has_alpha(img: Image.Image) -> bool:
    if "A" in img.getbands() or "a" in img.getbands():
        return True
    return "transparency" in img.info


def _gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[:, :, None], 3, axis=2)


def _over_white(rgba: np.ndarray) -> np.ndarray:
    """Composite a float HxWx4 array in [0, 255] over a white background."""
    alpha = rgba[:, :, 3:4] / np.float32(255.0)
    return rgba[:, :, :3] * alpha + np.float32(255.0) * (np.float32(1.0) - alpha)


def _pil_to_float_rgb(img: Image.Image, label: str) -> np.ndarray:
    """Convert a decoded PIL image of any mode to float32 HxWx3 in [0, 255]."""
    mode = img.mode
    if mode in _SIXTEEN_BIT_MODES:
        gray = np.asarray(img).astype(np.float32) / np.float32(257.0)
        return np.ascontiguousarray(_gray_to_rgb(np.clip(gray, 0.0, 255.0)))
    if mode in ("I", "F"):
        gray = np.asarray(img).astype(np.float64)
        if not np.isfinite(gray).all():
            raise ImageError(f"image contains NaN or infinite values: {label}")
        peak = float(gray.max()) if gray.size else 0.0
        if peak > 255.0:  # 16-bit data stored in a 32-bit mode
            gray = gray / 257.0
        elif mode == "F" and peak <= 1.0 + 1e-6:  # float data in [0, 1]
            gray = gray * 255.0
        gray = np.clip(gray, 0.0, 255.0).astype(np.float32)
        return np.ascontiguousarray(_gray_to_rgb(gray))
    try:
        if _has_alpha(img):
            rgba = np.asarray(img.convert("RGBA"), dtype=np.float32)
            return np.ascontiguousarray(_over_white(rgba), dtype=np.float32)
        if mode != "RGB":
            img = img.convert("RGB")
        return np.array(img, dtype=np.float32)
    except ValueError as exc:
        raise ImageError(f"unsupported image mode '{mode}': {label} ({exc})") from exc


def _array_to_float_rgb(array: np.ndarray) -> np.ndarray:
    """Convert an HxW / HxWx{1,3,4} array of a supported dtype to float32 HxWx3."""
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise ImageError(_SHAPE_MESSAGE.format(tuple(array.shape)))

    kind = array.dtype.kind
    if array.dtype == np.uint8:
        values = array.astype(np.float32)
    elif array.dtype == np.uint16:
        values = array.astype(np.float32) / np.float32(257.0)
    elif kind == "b":
        values = array.astype(np.float32) * np.float32(255.0)
    elif kind in "iu":
        if array.size and (array.min() < 0 or array.max() > 255):
            raise ImageError(
                f"integer image values must be in 0..255 for dtype {array.dtype}, "
                f"got {array.min()}..{array.max()}"
            )
        values = array.astype(np.float32)
    elif kind == "f":
        _, high = _finite_range(array)
        # One fresh copy, then in place: every new 4K float array costs ~50 ms of page faults.
        values = np.array(array, dtype=np.float32, order="C")
        if values.size and high <= 1.0 + 1e-6:
            values *= np.float32(255.0)
        np.clip(values, 0.0, 255.0, out=values)
    else:
        raise ImageError(f"unsupported image dtype: {array.dtype}")

    channels = values.shape[2]
    if channels == 1:
        values = _gray_to_rgb(values[:, :, 0])
    elif channels == 4:
        values = _over_white(values)
    # Always a fresh copy (every branch above made one); C order and float32 as promised.
    return values if values.flags.c_contiguous and values.dtype == np.float32 else np.array(
        values, dtype=np.float32, order="C")


def _is_float_rgb(array: np.ndarray) -> bool:
    """Already what :func:`load_image` returns: float32, C-ordered HxWx3, finite, in [0, 255], max above 1."""
    if array.dtype != np.float32 or array.ndim != 3 or array.shape[2] != 3 or not array.flags.c_contiguous \
            or not array.size:
        return False
    low, high = _finite_range(array)
    return 0.0 <= low and 1.0 + 1e-6 < high <= 255.0


def _finite_range(array: np.ndarray) -> tuple[float, float]:
    """``(min, max)`` of a float array, or :class:`ImageError` on NaN or infinity (min and max carry them,
    so no temporary array is made)."""
    if not array.size:
        return 0.0, 0.0
    low, high = float(array.min()), float(array.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ImageError("image contains NaN or infinite values")
    return low, high


def _shrink(array: np.ndarray, max_size: int | None) -> np.ndarray:
    """Downscale so the long side is ``max_size``; never upscale."""
    if max_size is None:
        return array
    height, width = array.shape[:2]
    if max(height, width) <= max_size:
        return array
    return resize_image(array, size=_fit_long_side(height, width, max_size))


def _fit_long_side(height: int, width: int, long_side: int) -> tuple[int, int]:
    if height >= width:
        return long_side, max(1, round(width * long_side / height))
    return max(1, round(height * long_side / width)), long_side


# --------------------------------------------------------------------------
# resizing and conversion


def check_rgb_array(image: np.ndarray) -> np.ndarray:
    """``image`` as an HxWx3 NumPy array of a real dtype, or an :class:`ImageError`.

    >>> check_rgb_array(np.zeros((2, 3, 3))).shape
    (2, 3, 3)
    """
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ImageError(f"expected an HxWx3 image, got shape {tuple(array.shape)}")
    if array.dtype.kind not in "biuf":
        raise ImageError(f"unsupported image dtype: {array.dtype}")
    return array


def resize_image(
    image: np.ndarray,
    long_side: int | None = None,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Resize a float RGB image, keeping float precision.

    Give exactly one of ``long_side`` (the longer side becomes this, aspect
    ratio kept) or ``size`` as ``(height, width)``.  Each channel is resized by
    Pillow in 32-bit float mode ``"F"`` (no rounding to 8 bits): Lanczos when
    shrinking, bicubic when either side grows.  The result is ``float32``
    ``(H, W, 3)`` clipped to ``[0, 255]``.

    Example:
        >>> import numpy as np
        >>> img = np.full((40, 80, 3), 100.25, dtype=np.float32)
        >>> small = resize_image(img, long_side=20)
        >>> small.shape, float(small[5, 5, 0])
        ((10, 20, 3), 100.25)
        >>> resize_image(img, size=(50, 60)).shape
        (50, 60, 3)
    """
    if (long_side is None) == (size is None):
        raise OptionError("resize_image needs exactly one of long_side or size")
    array = check_rgb_array(image)
    height, width = array.shape[:2]
    if height < 1 or width < 1:
        raise ImageError(f"cannot resize an empty image of shape {tuple(array.shape)}")

    if long_side is not None:
        if isinstance(long_side, bool) or not isinstance(long_side, (int, np.integer)) or long_side < 1:
            raise OptionError(f"long_side must be a positive integer, got {long_side!r}")
        new_h, new_w = _fit_long_side(height, width, int(long_side))
    else:
        try:
            new_h, new_w = size  # type: ignore[misc]
        except (TypeError, ValueError):
            raise OptionError(f"size must be a (height, width) pair, got {size!r}") from None
        for value in (new_h, new_w):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise OptionError(f"size must be two positive integers, got {size!r}")
        new_h, new_w = int(new_h), int(new_w)

    array = array.astype(np.float32, copy=False)
    if (new_h, new_w) == (height, width):
        return np.clip(array, 0.0, 255.0).astype(np.float32)

    resample = (
        Image.Resampling.LANCZOS
        if new_h <= height and new_w <= width
        else Image.Resampling.BICUBIC
    )
    out = np.empty((new_h, new_w, 3), dtype=np.float32)
    for channel in range(3):
        plane = Image.fromarray(np.ascontiguousarray(array[:, :, channel]))  # mode "F"
        out[:, :, channel] = np.asarray(plane.resize((new_w, new_h), resample=resample))
    np.clip(out, 0.0, 255.0, out=out)
    return out


def cover_crop(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize ``image`` to cover ``size`` ``(height, width)`` (aspect ratio kept), then centre-crop to it.

    >>> import numpy as np
    >>> cover_crop(np.zeros((40, 80, 3), np.float32), (32, 32)).shape
    (32, 32, 3)
    """
    height, width = size
    scale = max(height / image.shape[0], width / image.shape[1])
    new_h, new_w = max(height, round(image.shape[0] * scale)), max(width, round(image.shape[1] * scale))
    if (new_h, new_w) != image.shape[:2]:
        image = resize_image(image, size=(new_h, new_w))
    top, left = (new_h - height) // 2, (new_w - width) // 2
    return np.ascontiguousarray(image[top:top + height, left:left + width], dtype=np.float32)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Round and clip an image in ``[0, 255]`` to ``uint8`` (any shape).

    NaN or infinite values raise :class:`~tfstyle.errors.ImageError` rather
    than being written as garbage.

    >>> import numpy as np
    >>> to_uint8(np.array([-3.0, 0.4, 0.6, 127.5, 254.6, 300.0])).tolist()
    [0, 0, 1, 128, 255, 255]
    """
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array.copy()
    if array.dtype.kind == "f":
        _finite_range(array)
    if array.dtype.kind not in "biuf":
        raise ImageError(f"unsupported image dtype: {array.dtype}")
    rounded = np.rint(array)
    return np.clip(rounded, 0, 255, out=rounded).astype(np.uint8)


# --------------------------------------------------------------------------
# saving


def check_output_path(path: str | os.PathLike, *, sources: Iterable[str | os.PathLike] = ()) -> pathlib.Path:
    """Check that an image can be written to ``path``; return it as a Path.

    The extension must be one of .jpg, .jpeg, .png, .webp, .bmp, .tif, .tiff
    (any case), the path must not be a folder, and its folder must exist and be
    writable.  With ``sources`` (the files and folders the image is made from),
    an output that would replace one of them is refused too
    (:func:`check_not_input`).  Nothing is written.  Use it to validate an
    output path before a long computation; :func:`save_image` calls it too.

    >>> import tempfile, os
    >>> tmp = tempfile.TemporaryDirectory()
    >>> check_output_path(os.path.join(tmp.name, "out.PNG")).name
    'out.PNG'
    >>> check_output_path(os.path.join(tmp.name, "out.gif"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tfstyle.errors.ImageError: unsupported output format '.gif' (use .jpg, .png or .webp): ...
    >>> tmp.cleanup()
    """
    target = pathlib.Path(os.fspath(path))
    suffix = target.suffix.lower()
    if suffix not in _OUTPUT_FORMATS:
        shown = f"'{suffix}'" if suffix else "(no extension)"
        raise ImageError(f"unsupported output format {shown} (use .jpg, .png or .webp): {target}")
    if target.is_dir():
        raise ImageError(f"output path is a folder: {target}")
    folder = target.parent
    if not folder.exists():
        raise ImageError(f"output folder does not exist: {folder}")
    if not folder.is_dir():
        raise ImageError(f"output folder is not a folder: {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ImageError(f"output folder is not writable: {folder}")
    check_not_input(sources, target)
    return target


def check_not_input(inputs: Iterable[str | os.PathLike],
                    output: str | os.PathLike | Sequence[str | os.PathLike]) -> None:
    """Refuse, in one line, an ``output`` that would replace one of ``inputs``: tfstyle never writes over its inputs.

    ``output`` is a path or a sequence of paths (files or folders, existing or not). For each
    input that is a **file**, an existing output that is the same file is refused
    (:func:`os.path.samefile`: the same path, a symbolic link to it or a hard link of it). For
    each input that is a **folder**, an output that is that folder or lies anywhere inside it is
    refused (symbolic links resolved, so a link to the folder counts). Inputs that do not exist
    (or are ``None``) are ignored. Nothing is written; ``inputs`` is read once, so a folder batch
    checks all its outputs in one call.

    Raises:
        ImageError: ``output ... would overwrite the input ...`` / ``output folder ... is (inside)
            the input folder ...``.

    Example:
        >>> import os, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> photo = os.path.join(folder, "photo.jpg")
        >>> open(photo, "wb").close()
        >>> check_not_input([photo], os.path.join(folder, "out.jpg"))  # another file: fine
        >>> check_not_input([photo], photo)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tfstyle.errors.ImageError: output .../photo.jpg would overwrite the input .../photo.jpg; choose another ...
        >>> check_not_input([folder], os.path.join(folder, "styled"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tfstyle.errors.ImageError: output folder .../styled is inside the input folder ...
    """
    outputs = [output] if isinstance(output, (str, bytes, os.PathLike)) else list(output)
    files: dict[tuple[int, int], str] = {}
    folders: dict[tuple[int, int], str] = {}
    for source in inputs:
        if source is None:  # an optional input not given (e.g. no mask)
            continue
        text = os.fsdecode(os.fspath(source))
        identity = _identity(text)
        if identity is not None:
            (folders if os.path.isdir(text) else files)[identity] = text
    if not files and not folders:
        return
    for out in outputs:
        out_text = os.fsdecode(os.fspath(out))
        if files:
            identity = _identity(out_text)
            if identity in files:
                same = "" if os.path.abspath(out_text) == os.path.abspath(files[identity]) else " (it is a link to it)"
                raise ImageError(f"output {out_text} would overwrite the input {files[identity]}{same}; "
                                 "choose another output path")
        if folders:
            # The output itself and every folder above it, with symbolic links resolved.
            place = pathlib.Path(os.path.realpath(out_text))
            for above in (place, *place.parents):
                identity = _identity(above)
                if identity in folders:
                    where = "is the input folder" if above == place else "is inside the input folder"
                    raise ImageError(f"output folder {out_text} {where} {folders[identity]}; "
                                     "choose an output folder outside it")


def _identity(path: str | os.PathLike) -> tuple[int, int] | None:
    """``(device, inode)`` of an existing path (links followed), else ``None``."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def encode_image(image: np.ndarray | Image.Image, path: str | os.PathLike, quality: int = 95) -> bytes:
    """The bytes of ``image`` in the format of ``path``'s extension, encoded in memory; nothing is written.

    Takes what :func:`save_image` takes. :class:`ImageError` when the extension is unsupported or the
    image cannot be encoded (a bad shape, NaN values, an encoder error).

    >>> import numpy as np
    >>> encode_image(np.zeros((16, 16, 3)), "any.png")[:4]
    b'\\x89PNG'
    """
    target = pathlib.Path(os.fspath(path))
    fmt = _OUTPUT_FORMATS.get(target.suffix.lower())
    if fmt is None:
        shown = f"'{target.suffix.lower()}'" if target.suffix else "(no extension)"
        raise ImageError(f"unsupported output format {shown} (use .jpg, .png or .webp): {target}")
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) or not 1 <= quality <= 100:
        raise OptionError(f"quality must be an integer from 1 to 100, got {quality!r}")
    pil = _to_savable(image, fmt)

    params: dict = {}
    if fmt == "JPEG":
        params["quality"] = int(quality)
        if quality >= 90:
            params["subsampling"] = 0  # 4:4:4, keeps fine colour detail
    elif fmt == "WEBP":
        params["quality"] = int(quality)

    buffer = io.BytesIO()
    try:
        pil.save(buffer, format=fmt, **params)
    except (OSError, ValueError) as exc:
        raise ImageError(f"could not write image: {target} ({_describe(exc)})") from exc
    return buffer.getvalue()


def save_image(
    image: np.ndarray | Image.Image,
    path: str | os.PathLike,
    quality: int = 95,
    *,
    sources: Iterable[str | os.PathLike] = (),
) -> pathlib.Path:
    """Write an image atomically; return the path written.

    ``image`` is a PIL image or an array of shape ``HxW``, ``HxWx1``, ``HxWx3``
    or ``HxWx4`` (a leading batch axis of size 1 is dropped).  ``uint8`` arrays
    are written as they are, ``uint16`` ones are divided by 257, and float
    arrays are taken to be in ``[0, 255]`` (as :func:`load_image` returns) and
    rounded and clipped.  The format comes from the extension (see
    :func:`check_output_path`, which runs first, so a bad path writes
    nothing).  ``quality`` (1-100) is used for JPEG and WebP; JPEG at quality
    90 or more is written without chroma subsampling.  Transparency is kept in
    PNG/WebP/TIFF/BMP and composited over white for JPEG.  ``sources``: the
    files (and folders) the image was made from; a ``path`` that would replace
    one of them is refused (:func:`check_not_input`).

    The image is encoded in memory (:func:`encode_image`), then written by
    :func:`tfstyle.atomic.write_bytes` to a hidden temporary file in the same
    folder, fsynced, its length on disk checked, and renamed over ``path``.  If
    anything fails (a full disk, including the short writes Pillow's JPEG
    encoder would ignore, or Ctrl-C) the temporary file is removed and an
    existing file at ``path`` keeps its old content.

    Example:
        >>> import numpy as np, tempfile, os
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     out = save_image(np.full((16, 16, 3), 200.0), os.path.join(folder, "grey.png"))
        ...     print(out.name, load_image(out)[0, 0].tolist())
        grey.png [200.0, 200.0, 200.0]
    """
    target = check_output_path(path, sources=sources)
    data = encode_image(image, target, quality)
    write_bytes(target, data, error=ImageError)
    return target


def _to_savable(image: np.ndarray | Image.Image, fmt: str) -> Image.Image:
    """Make a PIL image whose mode ``fmt`` can store."""
    if isinstance(image, Image.Image):
        img = image
    else:
        array = np.asarray(image)
        if array.ndim == 4 and array.shape[0] == 1:
            array = array[0]
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
            raise ImageError(_SHAPE_MESSAGE.format(tuple(np.asarray(image).shape)))
        if min(array.shape[:2]) < 1:
            raise ImageError(f"cannot save an empty image of shape {tuple(array.shape)}")
        if array.dtype == np.uint16:
            array = array.astype(np.float32) / np.float32(257.0)
        elif array.dtype.kind == "b":
            array = array.astype(np.uint8) * np.uint8(255)
        img = Image.fromarray(np.ascontiguousarray(to_uint8(array)))

    if img.mode in _SAVE_MODES[fmt]:
        return img
    if _has_alpha(img) and "RGBA" in _SAVE_MODES[fmt] and fmt != "BMP":
        return img.convert("RGBA")
    label = getattr(img, "filename", "") or "<PIL image>"
    return Image.fromarray(to_uint8(_pil_to_float_rgb(img, label)))


# --------------------------------------------------------------------------
# folders


def list_images(folder: str | os.PathLike) -> list[pathlib.Path]:
    """Return the image files directly inside ``folder``, sorted by name.

    Files count as images by extension (.jpg, .jpeg, .png, .webp, .bmp, .tif,
    .tiff, any case); subfolders are not searched and hidden files (names
    starting with ``.``, such as macOS ``._photo.jpg`` files or temporary
    files of :func:`save_image`) are skipped.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = pathlib.Path(tmp)
    ...     for name in ["b.PNG", "a.jpg", "notes.txt", ".hidden.jpg"]:
    ...         _ = (folder / name).write_bytes(b"")
    ...     print([p.name for p in list_images(folder)])
    ['a.jpg', 'b.PNG']
    """
    root = pathlib.Path(os.fspath(folder))
    if not root.exists():
        raise ImageError(f"no such folder: {root}")
    if not root.is_dir():
        raise ImageError(f"not a folder: {root}")
    try:
        entries = list(root.iterdir())
    except OSError as exc:
        raise ImageError(f"cannot list folder: {root} ({_describe(exc)})") from exc
    found = [
        entry
        for entry in entries
        if entry.suffix.lower() in IMAGE_EXTENSIONS
        and not entry.name.startswith(".")
        and entry.is_file()
    ]
    return sorted(found, key=lambda p: p.name)
