"""Magenta's published arbitrary-stylization models (Ghiasi et al. 2017), to compare against.

:class:`MagentaTFLite` runs the TFLite pair Google publishes (a style predictor, 256x256
style image -> 100-number bottleneck, and a transfer network at a fixed content size).
Strength follows Magenta's own recipe: the style bottleneck is interpolated with the one
predicted from the content image itself.
"""
from __future__ import annotations

import os

import numpy as np

from tfstyle.errors import OptionError, WeightsError, first_line
from tfstyle.image.blend import blend_style_vectors
from tfstyle.image.io import ImageLike, cover_crop, load_image, to_uint8


class MagentaTFLite:
    """Magenta's ``predict_*.tflite`` + ``transfer_*.tflite`` (float32 images in [0, 1]).

    Args:
        predictor: path of the style-prediction model (input ``1x256x256x3``).
        transfer: path of the transfer model (content ``1xHxWx3`` and bottleneck ``1x1x1x100``).
        num_threads: CPU threads for both interpreters.

    Example (needs Magenta's files; see ``../shared/anchors/magenta``):
        >>> magenta = MagentaTFLite("predict_int8_256.tflite", "transfer_f16_384.tflite")  # doctest: +SKIP
        >>> magenta.stylize("photo.jpg", "starry_night.jpg", strength=0.8).shape  # doctest: +SKIP
        (384, 384, 3)
    """

    def __init__(self, predictor: str | os.PathLike, transfer: str | os.PathLike, num_threads: int = 2):
        from tfstyle.runtime.litert import make_interpreter

        for path in (predictor, transfer):
            if not os.path.isfile(path):
                raise OptionError(f"no such TFLite model: {path}")
        self._predictor = make_interpreter(model_path=os.fspath(predictor), num_threads=num_threads)
        self._transfer = make_interpreter(model_path=os.fspath(transfer), num_threads=num_threads)
        self._predictor.allocate_tensors()
        self._transfer.allocate_tensors()
        inputs = self._transfer.get_input_details()
        self._bottleneck_in = next(d for d in inputs if d["shape"][-1] == 100)
        self._content_in = next(d for d in inputs if d["shape"][-1] == 3)
        self.content_size = tuple(int(s) for s in self._content_in["shape"][1:3])
        self.style_size = tuple(int(s) for s in self._predictor.get_input_details()[0]["shape"][1:3])

    def style_vector(self, style: ImageLike) -> np.ndarray:
        """The 100-number style bottleneck of an image (centre-cropped to a square first)."""
        image = cover_crop(load_image(style), self.style_size) / 255.0
        detail = self._predictor.get_input_details()[0]
        self._predictor.set_tensor(detail["index"], image[None].astype(np.float32))
        self._predictor.invoke()
        return self._predictor.get_tensor(self._predictor.get_output_details()[0]["index"]).reshape(-1).copy()

    def stylize(self, content: ImageLike, style: ImageLike | np.ndarray, strength: float = 1.0) -> np.ndarray:
        """Stylize ``content`` (cover-cropped to the model's size); ``style`` is an image or a style vector.

        Returns a ``uint8`` ``(H, W, 3)`` array at the transfer model's size.
        """
        if not 0.0 <= strength <= 1.0:
            raise OptionError(f"strength must be in [0, 1], got {strength}")
        image = cover_crop(load_image(content), self.content_size)
        vector = style if isinstance(style, np.ndarray) and style.size == 100 else self.style_vector(style)
        if strength < 1.0:
            vector = strength * vector + (1.0 - strength) * self.style_vector(image)
        self._transfer.set_tensor(self._content_in["index"], (image / 255.0)[None].astype(np.float32))
        self._transfer.set_tensor(self._bottleneck_in["index"], vector.reshape(1, 1, 1, 100).astype(np.float32))
        self._transfer.invoke()
        out = self._transfer.get_tensor(self._transfer.get_output_details()[0]["index"])[0]
        return to_uint8(np.clip(out, 0.0, 1.0) * 255.0)


    def stylizer(self) -> MagentaTFLiteStylizer:
        """This pair's :class:`~tfstyle.runtime.protocols.ArbitraryStylizer` adapter."""
        return MagentaTFLiteStylizer(self)


class _WholeImageStylizer:
    """What Magenta's published models share as adapters: no fitted styles, no conditioned network."""

    fits_styles = False

    def conditioned(self, code):
        raise OptionError(f"{self.family} runs whole images only (no tiles, no video): use a tfstyle network")

    def finish(self, painted: np.ndarray, content: np.ndarray, strength: float) -> np.ndarray:
        return painted


class MagentaTFLiteStylizer(_WholeImageStylizer):
    """:class:`MagentaTFLite`'s adapter: style vectors blended and mixed with the photo's by strength, painted
    at the pair's fixed size (no mask)."""

    family = "Magenta's TFLite pair"

    def __init__(self, net: MagentaTFLite):
        self.net = net

    def style_code(self, style) -> np.ndarray:
        return self.net.style_vector(style)

    def mix(self, codes, weights, content: np.ndarray, strength: float) -> np.ndarray:
        own = self.net.style_vector(content) if strength < 1 else None
        return blend_style_vectors(codes, weights, own, strength).astype(np.float32)

    def paint(self, content: np.ndarray, styles, *, strength: float = 1.0, style_weights=None, mask=None,
              **tiling) -> np.ndarray:
        if mask is not None:
            raise OptionError("Magenta's TFLite pair works at a fixed size: no mask (use its Hub model)")
        vector = blend_style_vectors([self.style_code(s) for s in styles], style_weights).astype(np.float32)
        return self.net.stylize(content, vector, strength=strength).astype(np.float32)


class MagentaHubStylizer(_WholeImageStylizer):
    """:class:`MagentaHub`'s adapter: style images only (one, or two with a mask), at strength 1."""

    family = "Magenta's Hub model"

    def __init__(self, net: MagentaHub):
        self.net = net

    def style_code(self, style):
        return style

    def mix(self, codes, weights, content: np.ndarray, strength: float):
        raise OptionError("Magenta's Hub model takes style images, not style vectors")

    def paint(self, content: np.ndarray, styles, *, strength: float = 1.0, style_weights=None, mask=None,
              **tiling) -> np.ndarray:
        if strength != 1 or style_weights is not None or (len(styles) > 1 and mask is None):
            raise OptionError("Magenta's Hub model takes style images, not style vectors: one style (or two with a "
                              "mask) at strength 1; its TFLite pair (MagentaTFLite) blends and takes strength")
        outs = [self.net.stylize(content, s).astype(np.float32) for s in styles]
        return outs[0] if mask is None else mask * outs[0] + (1.0 - mask) * outs[1]


#: Magenta's arbitrary-image-stylization model on TF Hub (Kaggle Models mirrors the same handle).
HUB_HANDLE = "https://tfhub.dev/google/magenta/arbitrary-image-stylization-v1-256/2"


class MagentaHub:
    """Magenta's full arbitrary-stylization model through ``tensorflow_hub`` (handle or local folder).

    ``hub.load`` downloads and caches the model for a URL handle; offline, download it once and
    pass the unpacked SavedModel folder. The model takes the content at any size and the style
    at 256x256, both float32 in [0, 1].

    Example (needs the model; this machine has no internet):
        >>> magenta = MagentaHub()  # doctest: +SKIP
        >>> magenta.stylize("photo.jpg", "starry_night.jpg").dtype  # doctest: +SKIP
        dtype('uint8')
    """

    def __init__(self, handle: str | os.PathLike = HUB_HANDLE):
        try:
            import tensorflow_hub as hub

            self._module = hub.load(os.fspath(handle))
        except Exception as exc:
            raise WeightsError(
                f"could not load Magenta's model from {os.fspath(handle)}: {first_line(exc)} (offline? download "
                f"{HUB_HANDLE} once, unpack it and pass the folder)") from None
        self.handle = os.fspath(handle)

    def stylize(self, content: ImageLike, style: ImageLike, *, size: int | None = None,
                style_size: int = 256) -> np.ndarray:
        """Stylize ``content`` (long side ``size``, default its own) like ``style``; ``uint8`` ``HxWx3``.

        The style image is centre-cropped to a square and resized to ``style_size`` (the model
        was trained with 256).
        """
        import tensorflow as tf

        image = load_image(content, max_size=size) / 255.0
        painting = cover_crop(load_image(style), (style_size, style_size)) / 255.0
        outputs = self._module(tf.constant(image[None], tf.float32), tf.constant(painting[None], tf.float32))
        out = np.asarray(outputs[0])[0, :image.shape[0], :image.shape[1]]
        return to_uint8(np.clip(out, 0.0, 1.0) * 255.0)

    def stylizer(self) -> MagentaHubStylizer:
        """This model's :class:`~tfstyle.runtime.protocols.ArbitraryStylizer` adapter."""
        return MagentaHubStylizer(self)
