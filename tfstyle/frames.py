"""Stylize a stream of frames (a video, a webcam loop, a notebook) steadily: :func:`stylize_frames`.

Frames go through a feed-forward network one at a time with the temporal remedies of
:mod:`tfstyle.temporal` (smoothed instance-norm statistics, flow-guided blending). Two
engines run the network:

* ``"tflite"``: the network, with its statistics smoothing, exported once per frame size to
  a float32 TFLite model (:mod:`tfstyle.export.tflite`) and run by the XNNPACK CPU delegate:
  about 3x faster than Keras on a CPU, same numbers (float32). Frames with a side above
  ``tile`` run in overlapping tiles sharing the smoothed statistics of the whole frame.
* ``"keras"``: the Keras model in a ``tf.function``; frames with a side above ``tile`` run in
  overlapping tiles that share the (smoothed) statistics of the whole frame, as in
  :func:`tfstyle.stylize_tiled`.

* ``"int8"``: the fast network exported with full integer quantization
  (:func:`tfstyle.export.export_tflite` ``format="int8"``), calibrated on the first
  :data:`CALIBRATION_FRAMES` frames of the stream: about 4x faster than float32 TFLite (the
  only engine that reaches 5 fps at 480p on a 2-core CPU), ~30 s to calibrate and convert,
  somewhat less faithful to the float network. Its statistics are each frame's own (the
  smoothing would need float statistics inside the integer graph): flow blending alone
  keeps it steady.

``"auto"`` picks float32 TFLite on the TensorFlow backend, Keras otherwise (and if an
export fails).
"""
from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from tfstyle import color as colors
from tfstyle.blend import check_fraction, fade_to_photo
from tfstyle.errors import ImageError, OptionError, TfstyleError
from tfstyle.images import MIN_SIDE, resize_image, to_uint8
from tfstyle.temporal import (
    DEFAULT_MOMENTUM,
    DEFAULT_TEMPORAL,
    FlowBlender,
    smoothed_norms,
)
from tfstyle.tiling import ALIGN, DEFAULT_OVERLAP, DEFAULT_STATS_SIZE, TileGrid, pad_to, round_up

__all__ = ["ENGINES", "METHODS", "load_network", "stylize_frames"]

METHODS = ("fast", "arbitrary")
ENGINES = ("auto", "tflite", "int8", "keras")
#: Frames the ``"int8"`` engine calibrates its quantization on (the first of the stream).
CALIBRATION_FRAMES = 8
#: Exported TFLite models of this process, newest last: (net, kind, size, calibration digest) -> bytes.
_EXPORTS: dict = {}
_EXPORTS_KEPT = 4


def _cached_export(net, kind: str, size: tuple[int, int], digest: str, convert) -> bytes:
    """``convert()``'s bytes, reused for the same network, kind, size and calibration (a few kept)."""
    key = (id(net), kind, tuple(size), digest)
    entry = _EXPORTS.pop(key, None)
    if entry is None or entry[0] is not net:
        entry = (net, convert())
    _EXPORTS[key] = entry
    while len(_EXPORTS) > _EXPORTS_KEPT:
        _EXPORTS.pop(next(iter(_EXPORTS)))
    return entry[1]


def load_network(method: str = "fast", *, model=None, style=None, strength: float = 1.0, style_weights=None,
                 content: np.ndarray | None = None):
    """The network a video is painted with: the one place that looks models up.

    ``method="fast"``: ``model`` or ``style`` (default: the default fast preset) is a preset name, a
    ``.keras`` file or a loaded :class:`~tfstyle.models.JohnsonNet`. ``method="arbitrary"``:
    ``style`` is a painting (or several, mixed by ``style_weights``), ``model`` ``None`` (the
    default arbitrary preset), a preset name, a ``.keras`` file or an :class:`~tfstyle.models.ArbitraryStyleNet`;
    ``strength < 1`` mixes in the style of ``content`` (the first frame), once for the clip.
    Returns a network with ``net(images, stats=...)`` and ``net.norm_stats(images)``.

    Example:
        >>> from tfstyle.models import JohnsonNet
        >>> net = JohnsonNet(width=0.25)
        >>> load_network("fast", model=net) is net
        True
    """
    from tfstyle.blend import blend_style_vectors
    from tfstyle.presets import load_model

    if method not in METHODS:
        raise OptionError(f"method must be one of {', '.join(METHODS)} for video, got {method!r}")
    check_fraction("strength", strength)
    if method == "fast":
        if strength != 1 or style_weights is not None:
            raise OptionError("strength and style_weights belong to method='arbitrary' (a fast network is one style)")
        if model is not None and style is not None:
            raise OptionError("pass the fast network as model= or style=, not both")
        return load_model(model if model is not None else style, kind="fast")
    from tfstyle.models import ArbitraryStyleNet

    if style is None:
        raise OptionError("method='arbitrary' needs style= (a painting, or a list of them)")
    net = load_model(model, kind="arbitrary")
    if not isinstance(net, ArbitraryStyleNet):
        raise OptionError(f"video's arbitrary method needs an ArbitraryStyleNet, got {type(net).__name__}")
    styles = list(style) if isinstance(style, (list, tuple)) else [style]
    params = [net.style_parameters(s) for s in styles]
    own = net.style_parameters(content) if strength < 1 and content is not None else None
    mixed = blend_style_vectors(params, style_weights, own, strength)
    return net.conditioned(np.asarray(mixed, np.float32))


# --------------------------------------------------------------------------
# engines: one frame (float32 HxWx3 in [0, 255]) -> stylized, carrying the smoothed statistics


def _stats_shape(shape: tuple[int, int]) -> tuple[int, int]:
    """The size of the copy a tiled frame's statistics come from (long side at most the tiling default)."""
    scale = min(1.0, DEFAULT_STATS_SIZE / max(shape))
    return max(MIN_SIDE, round(shape[0] * scale)), max(MIN_SIDE, round(shape[1] * scale))


def _grid(shape: tuple[int, int], tile: int) -> TileGrid:
    """The tiles of a frame, overlapping as :func:`tfstyle.stylize_tiled`'s (less than half a tile)."""
    return TileGrid(*shape, tile, min(DEFAULT_OVERLAP, tile // 2 - 1))


def _stats_shapes(net) -> list[tuple[tuple, tuple]]:
    stats = net.norm_stats(np.zeros((1, 16, 16, 3), np.float32))
    return [(tuple(np.shape(mean)), tuple(np.shape(var))) for mean, var in stats]


class KerasEngine:
    """``engine(frame) -> stylized`` with the Keras model in ``tf.function`` s (tiles above ``tile``)."""

    def __init__(self, net, shape: tuple[int, int], momentum: float, tile: int = 512):
        import tensorflow as tf

        self.net, self.momentum = net, float(momentum)
        self.height, self.width = shape
        self.tile = tile - tile % ALIGN
        self.shapes = _stats_shapes(net)
        self.previous = [(tf.zeros(m), tf.zeros(v)) for m, v in self.shapes]
        self.first = True
        stats_spec = [(tf.TensorSpec(m, tf.float32), tf.TensorSpec(v, tf.float32)) for m, v in self.shapes]
        scalar = tf.TensorSpec((), tf.float32)
        self.tiled = self.height > self.tile or self.width > self.tile

        def smoothed(images, previous, momentum):
            record: list = []
            with smoothed_norms(net, previous, momentum, record=record):
                out = net(images)
            return out, record

        if not self.tiled:
            padded = tf.TensorSpec((1, round_up(self.height), round_up(self.width), 3), tf.float32)
            self._whole = tf.function(smoothed, input_signature=[padded, stats_spec, scalar], autograph=False)
            return
        self.small = _stats_shape(shape)
        small_spec = tf.TensorSpec((1, round_up(self.small[0]), round_up(self.small[1]), 3), tf.float32)
        self._stats = tf.function(lambda images, previous, momentum: smoothed(images, previous, momentum)[1],
                                  input_signature=[small_spec, stats_spec, scalar], autograph=False)
        self.grid = _grid(shape, self.tile)
        tile_spec = tf.TensorSpec((1, self.grid.tile_h, self.grid.tile_w, 3), tf.float32)
        self._tile = tf.function(lambda images, stats: net(images, stats=stats),
                                 input_signature=[tile_spec, stats_spec], autograph=False)

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        momentum = np.float32(0.0 if self.first else self.momentum)
        self.first = False
        if not self.tiled:
            padded = pad_to(frame, round_up(self.height), round_up(self.width))[None]
            out, self.previous = self._whole(padded, self.previous, momentum)
            return np.clip(np.asarray(out)[0, : self.height, : self.width], 0.0, 255.0)
        small = frame if self.small == (self.height, self.width) else resize_image(frame, size=self.small)
        self.previous = self._stats(pad_to(small, round_up(self.small[0]), round_up(self.small[1]))[None],
                                    self.previous, momentum)
        return self.grid.paint(frame, lambda patch: self._tile(patch, self.previous))


class TFLiteEngine:
    """``engine(frame) -> stylized`` with the network and its smoothing exported to a float32 TFLite model.

    The exported signature takes ``content`` ``(1, H, W, 3)``, ``momentum`` ``(1,)`` and the
    previous statistics (``mean_i``, ``var_i``), and returns ``stylized`` and the statistics used.
    """

    def __init__(self, net, shape: tuple[int, int], momentum: float, num_threads: int | None = None):
        import tensorflow as tf

        from tfstyle.export.tflite import convert_signature
        from tfstyle.litert import default_threads, make_interpreter

        self.momentum = float(momentum)
        self.height, self.width = shape
        padded = (round_up(self.height), round_up(self.width))
        self.shapes = _stats_shapes(net)
        names = [f"{kind}_{i:02d}" for i in range(len(self.shapes)) for kind in ("mean", "var")]
        inputs = {"content": (1, *padded, 3), "momentum": (1,)}
        for i, (m, v) in enumerate(self.shapes):
            inputs[f"mean_{i:02d}"], inputs[f"var_{i:02d}"] = m, v
        count = len(self.shapes)

        def serve(content, momentum, *flat):
            previous = [(flat[2 * i], flat[2 * i + 1]) for i in range(count)]
            record: list = []
            with smoothed_norms(net, previous, momentum[0], record=record):
                out = net(content)
            outputs = {"stylized": tf.cast(out, tf.float32)}
            for i, (mean, var) in enumerate(record):
                outputs[f"mean_{i:02d}"], outputs[f"var_{i:02d}"] = mean, var
            return outputs

        tracked = getattr(net, "transfer", net)
        if not getattr(tracked, "built", True):
            net(np.zeros((1, 16, 16, 3), np.float32))  # Keras exports built models only
        content = _cached_export(net, "float32-stats", padded, "",
                                 lambda: convert_signature(tracked, serve, inputs, "float32"))
        threads = num_threads or default_threads(4)
        interpreter = make_interpreter(model_content=content, num_threads=threads)
        self.runner = interpreter.get_signature_runner("serving_default")
        self.padded = padded
        self.names = names
        self.previous = {name: np.zeros(self._shape(name), np.float32) for name in names}
        self.first = True

    def _shape(self, name: str) -> tuple:
        kind, index = name.split("_")
        mean, var = self.shapes[int(index)]
        return mean if kind == "mean" else var

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        momentum = np.float32([0.0 if self.first else self.momentum])
        self.first = False
        content = pad_to(frame, *self.padded)[None].astype(np.float32)
        outputs = self.runner(content=content, momentum=momentum, **self.previous)
        self.previous = {name: np.asarray(outputs[name], np.float32) for name in self.names}
        return np.clip(outputs["stylized"][0, : self.height, : self.width], 0.0, 255.0)


class TiledTFLiteEngine:
    """``engine(frame) -> stylized`` for frames above the tile size, in float32 TFLite tiles.

    As :class:`KerasEngine`'s tiled path: the smoothed statistics come from a copy of the frame
    whose long side is at most 1024 (one :class:`TFLiteEngine`), then every overlapping tile runs
    with exactly those statistics (a second :class:`TFLiteEngine` at the tile size, momentum 1).
    """

    def __init__(self, net, shape: tuple[int, int], momentum: float, tile: int = 512):
        self.height, self.width = shape
        self.small = _stats_shape(shape)
        self.stats = TFLiteEngine(net, self.small, momentum)
        self.grid = _grid(shape, tile - tile % ALIGN)
        self.tiles = TFLiteEngine(net, (self.grid.tile_h, self.grid.tile_w), 1.0)

    def _tile(self, patch: np.ndarray) -> np.ndarray:
        # Momentum 1 with this frame's statistics as the "previous" ones: every tile uses exactly them.
        self.tiles.previous, self.tiles.first = self.stats.previous, False
        return self.tiles(patch[0])[None]

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        small = frame if self.small == (self.height, self.width) else resize_image(frame, size=self.small)
        self.stats(small)  # updates self.stats.previous: this frame's smoothed statistics
        return self.grid.paint(frame, self._tile)


class Int8Engine:
    """``engine(frame) -> stylized`` with the network exported to a full-integer TFLite model.

    Calibrated on ``calibration`` frames; normalization statistics are each frame's own.
    """

    def __init__(self, net, shape: tuple[int, int], calibration: Sequence[np.ndarray], num_threads: int | None = None):
        import keras

        from tfstyle.export.tflite import export_tflite
        from tfstyle.litert import default_threads, make_interpreter

        if not isinstance(net, keras.Model):
            raise OptionError("engine='int8' takes a fast network (method='fast'), got "
                              f"{type(net).__name__}")
        self.height, self.width = shape
        self.padded = (round_up(self.height), round_up(self.width))
        images = [pad_to(np.asarray(f, np.float32), *self.padded) for f in calibration]

        def convert() -> bytes:
            with tempfile.TemporaryDirectory(prefix="tfstyle-video-") as folder:
                path = os.path.join(folder, "net.tflite")
                export_tflite(net, path, format="int8", size=self.padded, representative_images=images)
                with open(path, "rb") as handle:
                    return handle.read()

        digest = hashlib.sha1(b"".join(np.ascontiguousarray(i, np.float32).tobytes() for i in images)).hexdigest()
        content = _cached_export(net, "int8", self.padded, digest, convert)
        threads = num_threads or default_threads(4)
        self.interpreter = make_interpreter(model_content=content, num_threads=threads)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        from tfstyle.litert import from_output, to_input

        content = pad_to(frame, *self.padded)[None]
        self.interpreter.set_tensor(self.input["index"], to_input(content, self.input))
        self.interpreter.invoke()
        out = from_output(self.interpreter.get_tensor(self.output["index"]), self.output)
        return np.clip(out[0, : self.height, : self.width], 0.0, 255.0)


def make_engine(net, shape: tuple[int, int], *, momentum: float, tile: int = 512, engine: str = "auto",
                calibration: Sequence[np.ndarray] = ()):
    """A frame engine for ``net`` at frame size ``shape = (height, width)`` (see the module docstring).

    ``calibration``: frames for the ``"int8"`` engine's quantization.
    """
    import keras

    if engine not in ENGINES:
        raise OptionError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    fits = max(shape) <= tile
    on_tf = keras.backend.backend() == "tensorflow"
    if engine in ("tflite", "int8") and not on_tf:
        raise OptionError(f"engine={engine!r} needs the TensorFlow backend")
    if engine == "int8":
        return Int8Engine(net, shape, [f for f in calibration if f.shape[:2] == tuple(shape)] or
                          [np.full((*shape, 3), 128.0, np.float32)])
    if engine == "tflite" or (engine == "auto" and on_tf):
        try:
            return TFLiteEngine(net, shape, momentum) if fits else TiledTFLiteEngine(net, shape, momentum, tile)
        except TfstyleError as exc:
            if engine == "tflite":
                raise
            warnings.warn(f"TFLite export failed ({exc}); running the Keras model", RuntimeWarning, stacklevel=2)
    return KerasEngine(net, shape, momentum, tile=tile)


# --------------------------------------------------------------------------
# the stream


def _as_frame(frame, index: int) -> np.ndarray:
    array = np.asarray(frame)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ImageError(f"frame {index}: expected an (H, W, 3) RGB array, got shape {array.shape}")
    if array.dtype.kind not in "uif":
        raise ImageError(f"frame {index}: unsupported dtype {array.dtype}")
    if min(array.shape[:2]) < MIN_SIDE:
        raise ImageError(f"frame {index}: too small to stylize ({array.shape[1]}x{array.shape[0]})")
    return array


def stylize_frames(
    frames: Iterable[np.ndarray],
    *,
    model=None,
    style=None,
    method: str = "fast",
    strength: float = 1.0,
    style_weights: Sequence[float] | None = None,
    preserve_color: str | bool | None = None,
    temporal: float | None = None,
    stats_momentum: float | None = None,
    tile: int = 512,
    engine: str = "auto",
) -> Iterator[np.ndarray]:
    """Stylize frames one by one, lazily, without flicker: yields ``uint8 (H, W, 3)`` frames.

    Args:
        frames: any iterable of RGB ``(H, W, 3)`` arrays (``uint8``, or floats in [0, 255]),
            e.g. a :class:`tfstyle.video.VideoReader` or a webcam loop. Pulled one at a time.
        model, style: for ``method="fast"`` a shipped style name (default ``"wave"``), a
            ``.keras`` file or a network (either argument); for ``"arbitrary"`` ``style`` is a
            painting or a list of them, ``model`` the arbitrary network (default the shipped one).
        method: ``"fast"`` or ``"arbitrary"``.
        strength, style_weights: arbitrary method: strength in [0, 1] (the first frame's own
            style is mixed in below 1), weights to blend several paintings.
        preserve_color: ``"luminance"``/``True`` or ``"histogram"`` keeps each frame's colours.
        temporal: flow-guided blending strength in [0, 1] (default :data:`~tfstyle.temporal.DEFAULT_TEMPORAL`; 0 off).
        stats_momentum: smoothing of the instance-norm statistics in [0, 1) (default
            :data:`~tfstyle.temporal.DEFAULT_MOMENTUM`; 0: per-frame statistics).
        tile: frames with a side above this run in tiles sharing the frame's statistics.
        engine: ``"auto"``, ``"tflite"``, ``"int8"`` or ``"keras"`` (module docstring).

    A change of frame size starts afresh (new engine, no blending across the change).

    Example:
        >>> import numpy as np
        >>> from tfstyle.models import JohnsonNet
        >>> clip = (np.full((32, 48, 3), 40 * i, np.uint8) for i in range(3))
        >>> out = list(stylize_frames(clip, model=JohnsonNet(width=0.25), engine="keras"))
        >>> len(out), out[0].shape, out[0].dtype
        (3, (32, 48, 3), dtype('uint8'))
    """
    temporal = check_fraction("temporal", DEFAULT_TEMPORAL if temporal is None else temporal)
    momentum = check_fraction("stats_momentum", DEFAULT_MOMENTUM if stats_momentum is None else stats_momentum,
                              upper_inclusive=False)
    mode = colors.check_preserve_color(preserve_color)
    if not isinstance(tile, (int, np.integer)) or isinstance(tile, bool) or tile < 64:
        raise OptionError(f"tile must be an integer >= 64, got {tile!r}")
    if engine not in ENGINES:
        raise OptionError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    check_fraction("strength", strength)
    return _stream(iter(frames), model, style, method, strength, style_weights, mode, temporal, momentum, int(tile),
                   engine)


def _stream(frames, model, style, method, strength, style_weights, mode, temporal, momentum, tile, engine):
    first = next(frames, None)
    if first is None:
        return
    first = _as_frame(first, 0)
    head = [first]
    if engine == "int8":  # calibrate on the first frames: pull them now, stylize them after
        head += list(itertools.islice(frames, CALIBRATION_FRAMES - 1))
    net = load_network(method, model=model, style=style, strength=strength, style_weights=style_weights,
                       content=first)
    runner, shape = None, None
    blender = FlowBlender(temporal)
    try:
        for index, frame in enumerate(itertools.chain(head, frames)):
            frame = _as_frame(frame, index)
            if frame.shape[:2] != shape:
                shape = frame.shape[:2]
                runner = make_engine(net, shape, momentum=momentum, tile=tile, engine=engine,
                                     calibration=[np.asarray(f, np.float32) for f in head])
                head = [frame]
                blender.reset()
            blender.start(frame)
            image = frame.astype(np.float32)
            out = runner(image)
            if method == "arbitrary":
                out = fade_to_photo(out, image, strength)
            if mode is not None:
                out = colors.transfer_color(out, image)
            yield to_uint8(blender.finish(out))
    finally:
        blender.close()
