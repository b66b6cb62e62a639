"""Stylize a stream of frames (a video, a webcam loop, a notebook) steadily: :func:`stylize_frames`.

Frames go through a one-style network (a :class:`~tfstyle.runtime.protocols.NormStatsNet`) one at a
time with the temporal remedies of :mod:`tfstyle.video.temporal`: instance-norm statistics smoothed
across frames (:class:`~tfstyle.video.temporal.SmoothedFrames`) and flow-guided blending. Every frame
is one call of :func:`tfstyle.runtime.tiling.stylize_tiled`, so a frame larger than the window runs
in tiles that share its smoothed statistics, exactly as a large photo does.

Where the network runs (``engine``):

* ``"auto"`` (default): a shipped preset (a fast style, or the default arbitrary network) runs from
  its cached LiteRT files (:mod:`tfstyle.runtime.preset_files`; the ``smooth`` file smooths the
  statistics in the same pass), the same files stills use: no TensorFlow or Keras import, no
  conversion. The six fast styles and the default arbitrary network ship them prebuilt in the package; for
  the others the first use builds them once with TensorFlow
  (:func:`tfstyle.export.litert_cache.ensure_litert_cache`). Other networks (``.keras`` files, model
  objects, conditioned arbitrary networks) are converted in memory to the same two signatures at a
  dynamic size (:func:`tfstyle.export.litert_cache.temporal_files`) on the TensorFlow backend, and
  run with Keras where that is impossible (e.g. MicroAST, whose norms only take given statistics).
* ``"tflite"``: as ``"auto"``, but never Keras (a one-line error instead).
* ``"keras"``: the Keras network in ``tf.function`` s traced once for every frame size.
* ``"int8"`` (opt-in): a fast Keras network exported with full integer quantization
  (:func:`tfstyle.export.export_tflite` ``format="int8"``), calibrated on the first
  :data:`CALIBRATION_FRAMES` frames; faster where the CPU has 8-bit dot products (VNNI), less faithful,
  and its statistics are each frame's own (an integer graph has no float statistics to smooth): flow
  blending alone keeps it steady. (On a CPU without VNNI, e.g. AVX2 only, it is slower than float32.)

The work overlaps on a small CPU: the optical flow of frame t runs in a thread while the network paints
it, frame t is finished (strength, colour, flow blending) in another while the network paints frame
t + 1 (so frames come out one network pass late, except the first), and the first frame is pulled
while the network loads. :class:`~tfstyle.video.io.VideoReader` decodes ahead and
:class:`~tfstyle.video.io.VideoWriter` encodes behind, in ffmpeg processes of their own.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from tfstyle.errors import ImageError, OptionError, TfstyleError, first_line
from tfstyle.image import color as colors
from tfstyle.image.io import MIN_SIDE, to_uint8
from tfstyle.options import check_fraction
from tfstyle.runtime import preset_files
from tfstyle.runtime.protocols import FittedStyle, as_stylizer
from tfstyle.runtime.tiling import DEFAULT_OVERLAP, round_up, stylize_tiled
from tfstyle.video.temporal import (
    DEFAULT_MOMENTUM,
    DEFAULT_TEMPORAL,
    FlowBlender,
    SmoothedFrames,
    SmoothingNet,
    TwoPassSmoothing,
    norm_layers,
    smoothed_norms,
)

__all__ = ["ENGINES", "METHODS", "Engine", "Painter", "load_network", "make_engine", "stylize_frames"]

METHODS = ("fast", "arbitrary")
ENGINES = ("auto", "tflite", "int8", "keras")
#: Frames the ``"int8"`` engine calibrates its quantization on (the first of the stream).
CALIBRATION_FRAMES = 8
#: Networks converted in this process, newest last: (id(net), kind, size, calibration digest) -> (net, result).
_EXPORTS: dict = {}
_EXPORTS_KEPT = 4


def _cached_export(net, kind: str, size: tuple, digest: str, convert) -> Any:
    """``convert()``'s result, reused for the same network object, kind, size and calibration (a few kept)."""
    key = (id(net), kind, tuple(size), digest)
    entry = _EXPORTS.pop(key, None)
    if entry is None or entry[0] is not net:
        entry = (net, convert())
    _EXPORTS[key] = entry
    while len(_EXPORTS) > _EXPORTS_KEPT:
        _EXPORTS.pop(next(iter(_EXPORTS)))
    return entry[1]


# --------------------------------------------------------------------------
# the network a clip is painted with


@dataclass(frozen=True)
class Painter:
    """What a clip is painted with.

    Attributes:
        net: the one-style network (a :class:`~tfstyle.runtime.protocols.NormStatsNet`; a preset's LiteRT
            files, :class:`~tfstyle.runtime.preset_files.LiteNet`, also smooth in one pass).
        finish: ``finish(painted, frame)``, the strength recipe's last step on each painted frame.
    """

    net: Any
    finish: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _as_painted(painted: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """A fast network's frames are final as painted."""
    return painted


def _preset_files(spec, kind: str, engine: str) -> dict | None:
    """The LiteRT files of ``spec`` when it names a shipped preset that has them (built once, here, when
    missing) and ``engine`` runs them; ``None``: the network runs from Keras."""
    from tfstyle.weights.registry import default_preset

    if engine not in ("auto", "tflite"):
        return None
    name = default_preset(kind) if spec is None else spec
    if preset_files.lite_kind(name) != kind:
        return None
    files = preset_files.cached_files(name)  # the usual case: no import of the builder (TensorFlow)
    if files is not None:
        return files
    from tfstyle.export.litert_cache import litert_or_keras

    return litert_or_keras(name, strict=engine == "tflite")


def load_network(method: str = "fast", *, model=None, style=None, strength: float = 1.0, style_weights=None,
                 content: np.ndarray | None = None, engine: str = "auto") -> Painter:
    """The network a clip is painted with (:class:`Painter`): the one place that looks models up.

    ``method="fast"``: ``model`` or ``style`` (default: the default fast preset) is a preset name, a
    ``.keras`` file or a loaded network. ``method="arbitrary"``: ``style`` is a painting (or several,
    mixed by ``style_weights``) and ``model`` ``None`` (the default arbitrary preset), a preset name, a
    ``.keras`` file or a network of any arbitrary family; through its
    :class:`~tfstyle.runtime.protocols.ArbitraryStylizer` the styles' codes are mixed once for the clip
    (``strength < 1`` mixes in the style of ``content``, the first frame, where the family does) and
    ``finish`` applies the rest of the strength recipe to every frame. With ``engine`` ``"auto"`` or
    ``"tflite"`` a shipped preset comes as its LiteRT files (prebuilt in the package, or built on first use).

    Example:
        >>> from tfstyle.models import JohnsonNet
        >>> net = JohnsonNet(width=0.25)
        >>> load_network("fast", model=net).net is net
        True
    """
    from tfstyle.weights.presets import load_model

    if method not in METHODS:
        raise OptionError(f"method must be one of {', '.join(METHODS)} for video, got {method!r}")
    check_fraction("strength", strength)
    if method == "fast":
        if strength != 1 or style_weights is not None:
            raise OptionError("strength and style_weights belong to method='arbitrary' (a fast network is one style)")
        if model is not None and style is not None:
            raise OptionError("pass the fast network as model= or style=, not both")
        spec = model if model is not None else style
        files = _preset_files(spec, "fast", engine)
        net = preset_files.LiteNet(files) if files is not None else load_model(spec, kind="fast")
        return Painter(net, _as_painted)
    if style is None:
        raise OptionError("method='arbitrary' needs style= (a painting, or a list of them)")
    styles = list(style) if isinstance(style, (list, tuple)) else [style]
    # Fitted styles are a Ghiasi network's parameters: only its Keras form takes them.
    fitted = any(isinstance(s, FittedStyle) for s in styles)
    files = None if fitted else _preset_files(model, "arbitrary", engine)
    if files is not None:
        stylizer = preset_files.LiteArbitrary(files).stylizer()
    else:
        stylizer = as_stylizer(load_model(model, kind="arbitrary"))
    codes = [stylizer.style_code(s) for s in styles]
    photo = np.zeros((MIN_SIDE, MIN_SIDE, 3), np.float32) if content is None else np.asarray(content, np.float32)
    net = stylizer.conditioned(stylizer.mix(codes, style_weights, photo, strength))
    return Painter(net, lambda painted, frame: stylizer.finish(painted, frame, strength))


# --------------------------------------------------------------------------
# engines: a network that paints one (1, H, W, 3) frame and smooths its statistics


@dataclass(frozen=True)
class Engine:
    """A network ready for frames: ``net`` (a :class:`~tfstyle.video.temporal.SmoothingNet`) and how it
    likes frames cut (``lite``: LiteRT runs whole frames up to ~3 MP, Keras 512 px tiles; ``fixed``: only
    frames of this padded size, whole)."""

    net: SmoothingNet
    name: str
    lite: bool = True
    fixed: tuple[int, int] | None = None

    def window(self, height: int, width: int, tile: int | None) -> tuple[int, int]:
        """The tile :func:`~tfstyle.runtime.tiling.stylize_tiled` cuts a ``height x width`` frame into."""
        if self.fixed is not None:  # one window over the whole (padded) frame; tiling takes none under 64 px
            return max(self.fixed[0], 64), max(self.fixed[1], 64)
        if tile is not None:
            return tile, tile
        return preset_files.lite_tile(height, width) if self.lite else (preset_files.KERAS_TILE,) * 2


def _arrays(stats) -> list:
    return [(np.asarray(mean, np.float32), np.asarray(var, np.float32)) for mean, var in stats]


class KerasNet:
    """A Keras :class:`~tfstyle.runtime.protocols.NormStatsNet` answering in NumPy, its calls traced once into
    ``tf.function`` s for any frame size on the TensorFlow backend (graphs run frames ~3x faster than eager)."""

    def __init__(self, net):
        self.net = net
        self.shapes = [(tuple(np.shape(mean)), tuple(np.shape(var)))
                       for mean, var in net.norm_stats(np.zeros((1, 16, 16, 3), np.float32))]
        self._tile, self._stats = self._painted, net.norm_stats
        import keras

        self.traced = keras.backend.backend() == "tensorflow"
        if self.traced:
            import tensorflow as tf

            self.frame = tf.TensorSpec((1, None, None, 3), tf.float32)
            self.stats = [(tf.TensorSpec(m, tf.float32), tf.TensorSpec(v, tf.float32)) for m, v in self.shapes]
            self._tile = tf.function(self._painted, input_signature=[self.frame, self.stats], autograph=False)
            self._stats = tf.function(net.norm_stats, input_signature=[self.frame], autograph=False)

    def _painted(self, images, stats):
        return self.net(images, stats=stats)

    def __call__(self, images, stats=None) -> np.ndarray:
        return np.asarray(self.net(images) if stats is None else self._tile(images, stats), np.float32)

    def norm_stats(self, images) -> list:
        return _arrays(self._stats(images))


class KerasSmoothing(KerasNet):
    """A Keras network whose instance norms :func:`~tfstyle.video.temporal.smoothed_norms` reaches, as a
    :class:`~tfstyle.video.temporal.SmoothingNet` smoothing in one traced pass."""

    def __init__(self, net):
        norm_layers(net)  # a one-line OptionError for networks whose norms it cannot reach
        super().__init__(net)
        self._smooth = self._smoothed
        if self.traced:
            import tensorflow as tf

            scalar = tf.TensorSpec((), tf.float32)
            self._smooth = tf.function(self._smoothed, input_signature=[self.frame, self.stats, scalar],
                                       autograph=False)

    def _smoothed(self, images, previous, momentum):
        record: list = []
        with smoothed_norms(self.net, previous, momentum, record=record):
            out = self.net(images)
        return out, record

    def smoothed(self, images, previous: list | None, momentum: float) -> tuple[np.ndarray, list]:
        if not previous:  # a first frame: its own statistics
            previous, momentum = [(np.zeros(m, np.float32), np.zeros(v, np.float32)) for m, v in self.shapes], 0.0
        out, used = self._smooth(images, previous, np.float32(momentum))
        return np.asarray(out, np.float32), _arrays(used)


class Int8Net:
    """A network exported to a full-integer TFLite model for one padded frame size, calibrated on frames.

    A :class:`~tfstyle.video.temporal.SmoothingNet` whose statistics are each frame's own: the integer
    graph has no float statistics to smooth, and no tiles.
    """

    def __init__(self, net, padded: tuple[int, int], calibration: Sequence[np.ndarray]):
        from tfstyle.runtime.litert import default_threads, make_interpreter

        self.padded = padded
        images = [np.ascontiguousarray(f, np.float32) for f in calibration]

        def convert() -> bytes:
            from tfstyle.export.tflite import export_tflite

            with tempfile.TemporaryDirectory(prefix="tfstyle-video-") as folder:
                path = os.path.join(folder, "net.tflite")
                export_tflite(net, path, format="int8", size=padded, representative_images=images)
                with open(path, "rb") as handle:
                    return handle.read()

        digest = hashlib.sha1(b"".join(i.tobytes() for i in images)).hexdigest()
        try:
            content = _cached_export(net, "int8", padded, digest, convert)
        except TfstyleError as exc:
            raise OptionError(f"engine='int8' exports fast Keras networks (method='fast'); this one failed: "
                              f"{first_line(exc)}") from None
        self.interpreter = make_interpreter(model_content=content, num_threads=default_threads(4))
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]

    def __call__(self, images, stats=None) -> np.ndarray:
        from tfstyle.runtime.litert import from_output, to_input

        if stats is not None:
            raise OptionError("the int8 engine paints whole frames with their own statistics")
        self.interpreter.set_tensor(self.input["index"], to_input(np.asarray(images, np.float32), self.input))
        self.interpreter.invoke()
        return from_output(self.interpreter.get_tensor(self.output["index"]), self.output)

    def norm_stats(self, images) -> list:
        raise OptionError("the int8 engine has no float statistics")

    def smoothed(self, images, previous: list | None, momentum: float) -> tuple[np.ndarray, list]:
        return self(images), []


def _converted(net) -> SmoothingNet:
    """``net`` converted in memory to LiteRT's ``smooth`` and ``tile`` signatures (dynamic size; once per network)."""
    from tfstyle.export.litert_cache import temporal_files

    return preset_files.LiteNet(_cached_export(net, "float32-temporal", (), "", lambda: temporal_files(net)))


def make_engine(net, *, engine: str = "auto", shape: tuple[int, int] | None = None,
                calibration: Sequence[np.ndarray] = ()) -> Engine:
    """The :class:`Engine` that runs ``net`` (a :class:`Painter`'s) on frames (see the module docstring).

    ``shape`` and ``calibration``: the frame size and the frames the ``"int8"`` engine is calibrated on.
    """
    if engine not in ENGINES:
        raise OptionError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "int8":
        if shape is None:
            raise OptionError("engine='int8' needs the frame size")
        padded = (round_up(shape[0]), round_up(shape[1]))
        from tfstyle.runtime.tiling import pad_to

        frames = [pad_to(np.asarray(f, np.float32), *padded) for f in calibration if f.shape[:2] == tuple(shape)]
        return Engine(Int8Net(net, padded, frames or [np.full((*padded, 3), 128.0, np.float32)]), "int8",
                      fixed=padded)
    if engine != "keras" and isinstance(net, SmoothingNet):  # a preset's LiteRT files: ready as they are
        return Engine(net, "litert")
    if engine != "keras":
        import keras

        try:
            if keras.backend.backend() != "tensorflow":
                raise OptionError("converting a network to LiteRT needs the TensorFlow backend")
            return Engine(_converted(net), "litert (converted)")
        except TfstyleError as exc:
            if engine == "tflite":
                raise
            if not isinstance(exc, OptionError):  # an OptionError says the network cannot smooth in-graph
                warnings.warn(f"LiteRT conversion failed ({first_line(exc)}); running the Keras model",
                              RuntimeWarning, stacklevel=2)
    try:
        return Engine(KerasSmoothing(net), "keras", lite=False)
    except OptionError:  # norms that only take given statistics (MicroAST, AdaIN): smoothed in two passes
        return Engine(TwoPassSmoothing(KerasNet(net)), "keras (two passes)", lite=False)


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
    tile: int | None = None,
    engine: str = "auto",
) -> Iterator[np.ndarray]:
    """Stylize frames one by one, lazily, without flicker: yields ``uint8 (H, W, 3)`` frames.

    Args:
        frames: any iterable of RGB ``(H, W, 3)`` arrays (``uint8``, or floats in [0, 255]),
            e.g. a :class:`tfstyle.video.io.VideoReader` or a webcam loop. Pulled one at a time.
        model, style: for ``method="fast"`` a shipped style name (default ``"wave"``), a
            ``.keras`` file or a network (either argument); for ``"arbitrary"`` ``style`` is a
            painting or a list of them, ``model`` the arbitrary network (default the shipped one;
            any arbitrary family).
        method: ``"fast"`` or ``"arbitrary"``.
        strength, style_weights: arbitrary method: strength in [0, 1] (the network's own recipe; the
            first frame's own style is mixed in where the family does), weights to blend several paintings.
        preserve_color: ``"luminance"``/``True`` or ``"histogram"`` keeps each frame's colours.
        temporal: flow-guided blending strength in [0, 1] (default :data:`~tfstyle.video.temporal.DEFAULT_TEMPORAL`; 0 off).
        stats_momentum: smoothing of the instance-norm statistics in [0, 1) (default
            :data:`~tfstyle.video.temporal.DEFAULT_MOMENTUM`; 0: per-frame statistics).
        tile: frames with a side above this run in tiles sharing the frame's smoothed statistics
            (default: LiteRT runs frames up to ~3 MP whole, :func:`tfstyle.runtime.preset_files.lite_tile`;
            Keras 512 px tiles).
        engine: ``"auto"``, ``"tflite"``, ``"int8"`` or ``"keras"`` (module docstring).

    A change of frame size starts afresh (no smoothing or blending across the change).

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
    if tile is not None and (not isinstance(tile, (int, np.integer)) or isinstance(tile, bool) or tile < 64):
        raise OptionError(f"tile must be an integer >= 64, got {tile!r}")
    if engine not in ENGINES:
        raise OptionError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if method not in METHODS:
        raise OptionError(f"method must be one of {', '.join(METHODS)} for video, got {method!r}")
    check_fraction("strength", strength)
    return _stream(iter(frames), model, style, method, strength, style_weights, mode, temporal, momentum,
                   None if tile is None else int(tile), engine)


def _pull(frames: Iterator) -> Future:
    """The next item of ``frames`` (``None`` at the end), pulled by a daemon thread: a source that never answers
    (a webcam that stopped) cannot hold the process open."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(next(frames, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the stream's thread by result()
            future.set_exception(exc)

    threading.Thread(target=run, name="tfstyle-first-frame", daemon=True).start()
    return future


def _stream(frames, model, style, method, strength, style_weights, mode, temporal, momentum, tile, engine):
    blender = FlowBlender(temporal)  # first: its thread loads OpenCV while the network loads
    # Frame t is finished (strength, colour, flow blending) in a worker while the network paints frame t + 1:
    # the two cores of a small CPU stay busy. Frames are finished in order (one worker), each after the last.
    finisher = ThreadPoolExecutor(1, thread_name_prefix="tfstyle-finish")
    try:
        yield from _frames(frames, blender, finisher, method, mode, tile, engine, momentum,
                           {"model": model, "style": style, "strength": strength, "style_weights": style_weights,
                            "engine": engine})
    finally:
        finisher.shutdown(wait=True)
        blender.close()


def _frames(frames, blender, finisher, method, mode, tile, engine, momentum, options):
    strength = options["strength"]
    if engine == "int8" or (method == "arbitrary" and strength < 1):
        # The network depends on the first frames (calibration; the first frame's own style).
        first = next(frames, None)
        if first is None:
            return
        first = _as_frame(first, 0)
        head = [first]
        if engine == "int8":  # calibrate on the first frames: pull them now, stylize them after
            head += list(itertools.islice(frames, CALIBRATION_FRAMES - 1))
        painter = load_network(method, content=first.astype(np.float32), **options)
        ready = make_engine(painter.net, engine=engine, shape=first.shape[:2], calibration=head)
    else:
        # The first frame decodes in a worker while this thread loads the network and runs it once on a small
        # frame (XNNPACK packs its weights on the first call): the first frame comes out sooner.
        pulled = _pull(frames)
        painter = load_network(method, **options)
        ready = make_engine(painter.net, engine=engine)
        ready.net.smoothed(np.zeros((1, 64, 64, 3), np.float32), None, 0.0)
        first = pulled.result()
        if first is None:
            return
        head = [_as_frame(first, 0)]
    runner = SmoothedFrames(ready.net, momentum)
    shape = head[0].shape[:2]
    window = ready.window(*shape, tile)

    def finish(painted: np.ndarray, image: np.ndarray, flow) -> np.ndarray:
        out = painter.finish(painted, image)
        if mode is not None:
            out = colors.transfer_color(out, image)
        return to_uint8(blender.finish(out, flow))

    done = None
    for index, frame in enumerate(itertools.chain(head, frames)):
        frame = _as_frame(frame, index)
        if frame.shape[:2] != shape:  # a new size: start afresh
            if done is not None:
                yield done.result()
                done = None
            shape = frame.shape[:2]
            if engine == "int8":  # its model has one input size
                ready = make_engine(painter.net, engine=engine, shape=shape, calibration=[frame])
                runner = SmoothedFrames(ready.net, momentum)
            runner.reset()
            blender.reset()
            window = ready.window(*shape, tile)
        flow = blender.start(frame)
        image = frame.astype(np.float32)
        painted = stylize_tiled(runner, image, tile=window, overlap=min(DEFAULT_OVERLAP, min(window) // 2 - 1))
        if done is not None:
            yield done.result()
        done = finisher.submit(finish, painted, image, flow)
        if index == 0:  # the first frame at once
            yield done.result()
            done = None
    if done is not None:
        yield done.result()
