"""Temporal consistency for video: smoothed normalization statistics, optical flow, warping, blending.

A feed-forward style network run on each frame alone flickers: instance normalization
re-estimates every layer's statistics per frame (global shimmer), and small input changes
move brush strokes around (local flicker). Two remedies, both cheap at inference time:

* **Smoothed statistics** (:func:`smoothed_norms`): every instance-norm layer normalizes
  with an exponential moving average of its statistics over the frames so far,
  ``used = momentum * previous + (1 - momentum) * own``, computed in the same forward pass
  (the networks accept given statistics; see :class:`tfstyle.models.JohnsonNet`). A network
  that does this in one call is a :class:`SmoothingNet` (a preset's LiteRT files; any
  :class:`~tfstyle.runtime.protocols.NormStatsNet` through :class:`TwoPassSmoothing`);
  :class:`SmoothedFrames` carries the statistics from frame to frame and is what
  :func:`tfstyle.runtime.tiling.stylize_tiled` runs each frame through, so tiles of a large frame
  share its smoothed statistics.
* **Flow-guided blending** (:class:`FlowBlender`): the previous *output* frame is warped to
  the current one with dense optical flow computed on the *input* frames (OpenCV's DIS),
  pixels that fail a forward-backward consistency check (occlusions, flow errors) are
  masked out, and the rest is blended in with a ``temporal`` strength. The warp is bicubic
  and the blend's fine detail is brought back to the current frame's energy, so that the
  recursive averaging neither blurs nor washes out the brush strokes (measured: with both,
  the style distance to the painting stays within ~0.015 of per-frame stylization at the
  default strength).

:func:`warping_error` here (also ``tfstyle.warping_error``) measures the result
as Lai et al. (2018) do.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> image = rng.uniform(0, 255, (64, 80, 3)).astype("float32")
    >>> shifted = np.roll(image, 2, axis=1)
    >>> flow = optical_flow(shifted, image)  # shifted(x) ~ image(x + flow(x))
    >>> round(float(np.median(flow[..., 0])), 1)
    -2.0
"""
from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol, runtime_checkable

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.options import check_fraction

__all__ = [
    "DEFAULT_MOMENTUM", "DEFAULT_TEMPORAL", "FlowBlender", "SmoothedFrames", "SmoothingNet", "TwoPassSmoothing",
    "blend", "consistency_mask", "optical_flow", "smooth_moments", "smoothed_norms", "warp", "warping_error",
]

#: Default weight of the previous frames' instance-norm statistics (0 = every frame its own).
DEFAULT_MOMENTUM = 0.9
#: Default strength of the warped previous output in flow-guided blending (0 = off).
DEFAULT_TEMPORAL = 0.5
#: Gaussian sigma (px) below which :class:`FlowBlender` restores the blended frame's detail energy.
DETAIL_SIGMA = 2.0
#: Long side at which :class:`FlowBlender` computes optical flow (larger frames are downscaled first).
FLOW_SIZE = 640


# --------------------------------------------------------------------------
# smoothed instance-norm statistics


def smooth_moments(own, previous, momentum):
    """``momentum * previous + (1 - momentum) * own`` for a ``(mean, variance)`` pair (arrays or tensors).

    Example:
        >>> import numpy as np
        >>> smooth_moments((np.ones(2), np.ones(2)), (np.zeros(2), np.full(2, 3.0)), 0.5)
        (array([0.5, 0.5]), array([2., 2.]))
    """
    (mean, var), (prev_mean, prev_var) = own, previous
    return (momentum * prev_mean + (1.0 - momentum) * mean, momentum * prev_var + (1.0 - momentum) * var)


@runtime_checkable
class NormLayers(Protocol):
    """A Keras network whose instance norms are the layers ``norms``, in call order (a
    :class:`~tfstyle.models.JohnsonNet`, a Ghiasi transfer network): :func:`smoothed_norms` patches them."""

    norms: Sequence


@runtime_checkable
class BoundTransfer(Protocol):
    """A one-style network that runs a :class:`NormLayers` network as its ``transfer`` (a conditioned
    Ghiasi network, :class:`~tfstyle.models.ghiasi.ConditionedTransfer`)."""

    transfer: NormLayers


def norm_layers(net) -> list:
    """The instance-norm layers :func:`smoothed_norms` patches: a :class:`NormLayers` network's own, or those of a
    :class:`BoundTransfer`'s transfer network; a one-line :class:`OptionError` for other networks (e.g. MicroAST,
    whose norms only take given statistics: smooth those in two passes, :meth:`NormStatsNet.norm_stats` then
    ``net(images, stats=...)``).
    """
    for candidate in (net, net.transfer if isinstance(net, BoundTransfer) else None):
        if isinstance(candidate, NormLayers) and len(candidate.norms):
            return list(candidate.norms)
    raise OptionError(f"{type(net).__name__} has no instance-norm layers to smooth in one pass (needs a "
                      "JohnsonNet-like network with .norms)")


@contextlib.contextmanager
def smoothed_norms(net, previous: Sequence | None, momentum, record: list | None = None) -> Iterator[None]:
    """Within this block, ``net``'s instance norms use statistics smoothed with ``previous``.

    Each norm layer ``i`` normalizes with ``smooth_moments(own_i, previous[i], momentum)``,
    where ``own_i`` is its input's own statistics (so later layers see the effect of earlier
    smoothing, all in one forward pass); ``previous=None`` leaves the statistics alone. The
    statistics actually used are appended to ``record`` (the next frame's ``previous``).
    Works eagerly and while tracing a ``tf.function`` (the graph keeps the smoothing).

    Example:
        >>> import numpy as np
        >>> from tfstyle.models import JohnsonNet
        >>> net = JohnsonNet(width=0.25, residual_blocks=1)
        >>> a, b = np.zeros((1, 16, 16, 3), "float32"), np.full((1, 16, 16, 3), 200.0, "float32")
        >>> stats_a = net.norm_stats(a)
        >>> used = []
        >>> with smoothed_norms(net, stats_a, 1.0, record=used):
        ...     out = net(b)  # momentum 1: b is normalized exactly like a
        >>> bool(np.allclose(np.asarray(out), np.asarray(net(b, stats=stats_a)), atol=1e-3))
        True
    """
    layers = norm_layers(net)
    if previous is not None and len(previous) != len(layers):
        raise OptionError(f"previous statistics has {len(previous)} layers, the network {len(layers)}")
    patched = []
    try:
        for index, layer in enumerate(layers):
            original = type(layer).moments

            def moments(x, index=index, original=original):
                own = original(x)
                used = own if previous is None else smooth_moments(own, previous[index], momentum)
                if record is not None:
                    record.append(used)
                return used

            object.__setattr__(layer, "moments", moments)
            patched.append(layer)
        yield
    finally:
        for layer in patched:
            with contextlib.suppress(AttributeError):
                object.__delattr__(layer, "moments")


@runtime_checkable
class SmoothingNet(Protocol):
    """A one-style network that smooths its instance-norm statistics in the call that paints a frame.

    As a :class:`~tfstyle.runtime.protocols.NormStatsNet` (``net(images, stats=None)``,
    ``net.norm_stats(images)``), plus :meth:`smoothed`. A preset's LiteRT files offer it in one pass
    (:class:`tfstyle.runtime.preset_files.LiteNet`, the ``smooth`` file); :class:`TwoPassSmoothing` gives it
    to any ``NormStatsNet``.
    """

    def __call__(self, images, stats=None):
        """As :meth:`~tfstyle.runtime.protocols.NormStatsNet.__call__`."""

    def norm_stats(self, images) -> list:
        """As :meth:`~tfstyle.runtime.protocols.NormStatsNet.norm_stats`."""

    def smoothed(self, images, previous: list | None, momentum: float) -> tuple[np.ndarray, list]:
        """``(stylized, statistics used)``, each norm using ``momentum * previous + (1 - momentum) * own``;
        ``previous=None`` (a first frame): the frame's own."""


class TwoPassSmoothing:
    """Any :class:`~tfstyle.runtime.protocols.NormStatsNet` as a :class:`SmoothingNet`, in two passes.

    The frame's own statistics (``norm_stats``) are smoothed with the previous ones and the frame is
    painted with the result (``net(images, stats=...)``). Unlike the one-pass smoothing
    (:func:`smoothed_norms`), a layer's own statistics are those of the unsmoothed layers before it:
    for networks whose norms only take given statistics (MicroAST, AdaIN).

    Example:
        >>> import numpy as np
        >>> class Mean:
        ...     def __call__(self, images, stats=None):
        ...         return images * 0 + (stats or self.norm_stats(images))[0][0]
        ...     def norm_stats(self, images):
        ...         return [(images.mean((1, 2), keepdims=True), images.var((1, 2), keepdims=True))]
        >>> net = TwoPassSmoothing(Mean())
        >>> _, used = net.smoothed(np.zeros((1, 4, 4, 3)), None, 0.5)
        >>> out, used = net.smoothed(np.full((1, 4, 4, 3), 10.0), used, 0.5)
        >>> float(out.max())
        5.0
    """

    def __init__(self, net):
        self.net = net

    def __call__(self, images, stats=None) -> np.ndarray:
        return np.asarray(self.net(images, stats=stats), np.float32)

    def norm_stats(self, images) -> list:
        return [(np.asarray(mean, np.float32), np.asarray(var, np.float32)) for mean, var in self.net.norm_stats(images)]

    def smoothed(self, images, previous: list | None, momentum: float) -> tuple[np.ndarray, list]:
        used = self.norm_stats(images)
        if previous:
            used = [smooth_moments(own, old, momentum) for own, old in zip(used, previous, strict=True)]
        return self(images, stats=used), used


class SmoothedFrames:
    """A :class:`~tfstyle.runtime.protocols.NormStatsNet` whose statistics are smoothed across the frames it sees.

    Each frame is one call of :func:`tfstyle.runtime.tiling.stylize_tiled` with this network: a frame
    that fits one window is painted by :meth:`SmoothingNet.smoothed` (``net(images)``); a larger one asks
    :meth:`norm_stats` once (the smoothed statistics of its downscaled copy) and then paints every tile
    with exactly those (``net(tile, stats=...)``). :meth:`reset` starts afresh (a cut, a new size).

    Example:
        >>> import numpy as np
        >>> from tfstyle.runtime.tiling import stylize_tiled
        >>> class Mean:
        ...     def __call__(self, images, stats=None):
        ...         return images * 0 + (stats or self.norm_stats(images))[0][0]
        ...     def norm_stats(self, images):
        ...         return [(images.mean((1, 2), keepdims=True), images.var((1, 2), keepdims=True))]
        >>> frames = SmoothedFrames(TwoPassSmoothing(Mean()), momentum=0.5)
        >>> [float(stylize_tiled(frames, np.full((64, 96, 3), v, np.float32), tile=64, overlap=16).max())
        ...  for v in (100.0, 200.0)]
        [100.0, 150.0]
    """

    #: Answers in NumPy: :func:`~tfstyle.runtime.tiling.stylize_tiled` calls it as it is.
    numpy_io = True

    def __init__(self, net: SmoothingNet, momentum: float):
        self.net, self.momentum = net, float(momentum)
        self.previous: list | None = None

    def reset(self) -> None:
        """Forget the previous frames' statistics."""
        self.previous = None

    def __call__(self, images, stats=None) -> np.ndarray:
        if stats is not None:  # a tile of the frame whose statistics norm_stats just smoothed
            return self.net(images, stats=stats)
        out, self.previous = self.net.smoothed(images, self.previous, self.momentum)
        return out

    def norm_stats(self, images) -> list:
        _, self.previous = self.net.smoothed(images, self.previous, self.momentum)
        return self.previous


# --------------------------------------------------------------------------
# optical flow, warping, occlusion


_DIS = threading.local()


def _gray(image: np.ndarray) -> np.ndarray:
    import cv2

    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    if image.ndim == 3:
        image = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(image)


def optical_flow(source: np.ndarray, target: np.ndarray, *, preset: str = "medium") -> np.ndarray:
    """Dense flow ``(H, W, 2)`` (x, y) with ``source(p) ~ target(p + flow(p))``: OpenCV's DIS.

    ``source`` and ``target`` are RGB ``(H, W, 3)`` or grey ``(H, W)`` images in [0, 255].
    ``preset``: ``"ultrafast"``, ``"fast"`` or ``"medium"`` (slower, more accurate).
    """
    import cv2

    presets = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
               "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}
    if preset not in presets:
        raise OptionError(f"preset must be one of {', '.join(presets)}, got {preset!r}")
    cache = getattr(_DIS, "objects", None)
    if cache is None:
        cache = _DIS.objects = {}
    if preset not in cache:
        cache[preset] = cv2.DISOpticalFlow_create(presets[preset])
    a, b = _gray(source), _gray(target)
    if a.shape != b.shape:
        raise OptionError(f"flow needs two frames of one size, got {a.shape} and {b.shape}")
    return cache[preset].calc(a, b, None)


def warp(image: np.ndarray, flow: np.ndarray, *, interpolation: str = "linear") -> np.ndarray:
    """``image`` sampled at ``p + flow(p)`` (edges replicated): ``target`` warped onto ``source``.

    ``interpolation``: ``"linear"`` (bilinear, as the warping error uses) or ``"cubic"``
    (sharper: repeated warps of a blended output blur less).

    Example:
        >>> import numpy as np
        >>> image = np.arange(20, dtype="float32").reshape(4, 5)
        >>> flow = np.zeros((4, 5, 2), "float32"); flow[..., 0] = 1  # look one pixel to the right
        >>> warp(image, flow)[0].tolist()
        [1.0, 2.0, 3.0, 4.0, 4.0]
    """
    import cv2

    modes = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}
    if interpolation not in modes:
        raise OptionError(f"interpolation must be 'linear' or 'cubic', got {interpolation!r}")
    # One two-channel map (x, y), as cv2.remap takes it: no split into two planes.
    coordinates = _pixel_grid(*flow.shape[:2]) + np.asarray(flow, np.float32)
    return cv2.remap(np.ascontiguousarray(image, dtype=np.float32), coordinates, None, modes[interpolation],
                     borderMode=cv2.BORDER_REPLICATE)


@functools.lru_cache(maxsize=8)
def _pixel_grid(height: int, width: int) -> np.ndarray:
    """``(height, width, 2)`` float32 pixel coordinates ``(x, y)`` (read only; one per frame size)."""
    grid = np.stack(np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)), axis=-1)
    grid.flags.writeable = False
    return grid


def _squared_norm(vectors: np.ndarray) -> np.ndarray:
    """``|v|^2`` over the last axis (einsum: a sum over an axis of 2 or 3 is ~10x slower in NumPy)."""
    return np.einsum("...k,...k->...", vectors, vectors)


def consistency_mask(flow_back: np.ndarray, flow_forward: np.ndarray) -> np.ndarray:
    """``(H, W)`` float32, 1 where the backward flow is trusted, 0 at occlusions.

    ``flow_back`` maps the current frame to the previous one, ``flow_forward`` the previous
    to the current. A pixel is valid if following ``flow_back`` and then ``flow_forward``
    returns close to where it started (Sundaram et al. 2010, as in Ruder et al. 2016:
    ``|b + f(p + b)|^2 <= 0.01 (|b|^2 + |f(p + b)|^2) + 0.5``) and it lands inside the frame.

    Example:
        >>> import numpy as np
        >>> still = np.zeros((8, 8, 2), "float32")
        >>> float(consistency_mask(still, still).mean())
        1.0
    """
    height, width = flow_back.shape[:2]
    forward_at = warp(flow_forward, flow_back)
    bound = 0.01 * (_squared_norm(flow_back) + _squared_norm(forward_at)) + 0.5
    valid = _squared_norm(flow_back + forward_at) <= bound
    import cv2

    landing = _pixel_grid(height, width) + flow_back
    valid &= cv2.inRange(landing, (0, 0), (width - 1, height - 1)) > 0  # both coordinates inside the frame
    return valid.astype(np.float32)


def blend(current: np.ndarray, warped: np.ndarray, mask: np.ndarray, strength: float, *,
          detail_sigma: float | None = None) -> np.ndarray:
    """``w * warped + (1 - w) * current`` with ``w = strength * mask`` per pixel.

    Averaging two stylizations whose brush strokes differ lowers the texture's contrast (the
    result looks washed out and its style statistics drift from the painting's). With
    ``detail_sigma``, the blend's detail (the image minus a Gaussian blur of this sigma) is
    scaled per channel so that its energy matches ``current``'s (by a factor in [1, 2]).

    Example:
        >>> import numpy as np
        >>> blend(np.zeros((1, 2, 3)), np.ones((1, 2, 3)), np.array([[1.0, 0.0]]), 0.5)[..., 0].tolist()
        [[0.5, 0.0]]
    """
    import cv2

    current = np.asarray(current, np.float32)
    weight = np.float32(strength) * np.asarray(mask, np.float32)
    if current.ndim == 3:
        # The weight repeated per channel: NumPy broadcasting over an axis of 3 is several times slower.
        weight = cv2.merge([weight] * current.shape[2])
    out = current + weight * (np.asarray(warped, np.float32) - current)
    if detail_sigma:
        low = cv2.GaussianBlur(out, (0, 0), detail_sigma)
        detail = np.subtract(out, low, out=out)
        target = current - cv2.GaussianBlur(current, (0, 0), detail_sigma)
        energy = np.maximum(_energy(detail), 1e-6)
        gain = np.clip(np.sqrt(_energy(target) / energy), 1.0, 2.0)
        detail = cv2.multiply(detail, tuple(float(g) for g in gain))  # per channel
        out = np.clip(np.add(low, detail, out=low), 0.0, 255.0, out=low)
    return out


def _energy(image: np.ndarray) -> np.ndarray:
    """Mean square of each channel of an ``(H, W, C)`` float image: ``mean^2 + std^2``, one OpenCV pass."""
    import cv2

    mean, std = cv2.meanStdDev(image)
    return (np.square(mean) + np.square(std)).reshape(-1)


def frame_flows(previous: np.ndarray, current: np.ndarray, *, preset: str = "medium",
                flow_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(flow current -> previous, consistency mask)`` at the frames' size.

    With ``flow_size``, frames whose long side is larger are downscaled for the flow, which
    is then upscaled (and its vectors scaled) back.
    """
    import cv2

    a, b = _gray(current), _gray(previous)
    height, width = a.shape
    scale = 1.0
    if flow_size and max(height, width) > flow_size:
        scale = flow_size / max(height, width)
        small = (max(8, round(width * scale)), max(8, round(height * scale)))
        a, b = (cv2.resize(x, small, interpolation=cv2.INTER_AREA) for x in (a, b))
    back, forward = optical_flow(a, b, preset=preset), optical_flow(b, a, preset=preset)
    mask = consistency_mask(back, forward)
    if scale != 1.0:
        sx, sy = width / a.shape[1], height / a.shape[0]
        back = cv2.multiply(cv2.resize(back, (width, height), interpolation=cv2.INTER_LINEAR), (sx, sy, 0.0, 0.0))
        mask = (cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR) > 0.99).astype(np.float32)
    return back, mask


def _import_opencv() -> None:
    import cv2  # noqa: F401


#: :meth:`FlowBlender.finish`'s default: the flow of the last frame given to :meth:`FlowBlender.start`.
_LAST_STARTED: Future = Future()


class FlowBlender:
    """Blends each stylized frame with the previous output, warped along the input frames' flow.

    Call :meth:`start` with the next *input* frame (the flow is computed in a background
    thread while the network runs), then :meth:`finish` with its stylization; or just
    ``blender(input_frame, stylized)``. ``strength`` 0 passes frames through untouched.
    :meth:`finish` may run in another thread than :meth:`start`, one frame behind it (pass it the
    flow :meth:`start` returned), as long as frames are finished in order.

    Example:
        >>> import numpy as np
        >>> blender = FlowBlender(0.5)
        >>> frame = np.full((32, 32, 3), 100, np.uint8)
        >>> first = blender(frame, np.zeros((32, 32, 3), "float32"))
        >>> second = blender(frame, np.full((32, 32, 3), 200.0, "float32"))  # a still frame flickers
        >>> float(first.max()), float(second.mean())
        (0.0, 100.0)
    """

    def __init__(self, strength: float = DEFAULT_TEMPORAL, *, preset: str = "fast", flow_size: int | None = FLOW_SIZE,
                 detail_sigma: float | None = DETAIL_SIGMA):
        self.strength = check_fraction("temporal", strength)
        self.preset, self.flow_size, self.detail_sigma = preset, flow_size, detail_sigma
        self._previous_input: np.ndarray | None = None
        self._previous_output: np.ndarray | None = None
        self._pending: Future | None = None
        self._executor: ThreadPoolExecutor | None = None
        if self.strength > 0:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="tfstyle-flow")
            self._executor.submit(_import_opencv)  # off the first frame's path (~0.1 s)

    def reset(self) -> None:
        """Forget the previous frame (a cut, or a new clip)."""
        self._previous_input = self._previous_output = None
        self._pending = None

    def start(self, frame: np.ndarray) -> Future | None:
        """Begin computing the flow from ``frame`` back to the previous input frame; returns it (a future, or
        ``None`` for a first frame) for :meth:`finish`."""
        if self.strength == 0:
            return None
        if self._executor is None:  # closed, then used again
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="tfstyle-flow")
        gray = _gray(frame)
        if self._previous_input is not None and self._previous_input.shape == gray.shape:
            self._pending = self._executor.submit(frame_flows, self._previous_input, gray, preset=self.preset,
                                                  flow_size=self.flow_size)
        else:
            self._pending = None
        self._previous_input = gray
        return self._pending

    def finish(self, stylized: np.ndarray, flow: Future | None = _LAST_STARTED) -> np.ndarray:
        """The blended output for a frame given to :meth:`start` (float32, as ``stylized``); ``flow``: what that
        :meth:`start` returned (default: the last one's)."""
        flow = self._pending if flow is _LAST_STARTED else flow
        stylized = np.asarray(stylized, np.float32)
        out = stylized
        if flow is not None and self._previous_output is not None and self._previous_output.shape == stylized.shape:
            back, mask = flow.result()
            warped = warp(self._previous_output, back, interpolation="cubic")
            out = blend(stylized, warped, mask, self.strength, detail_sigma=self.detail_sigma)
        self._previous_output = out
        return out

    def __call__(self, frame: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        self.start(frame)
        return self.finish(stylized)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


# --------------------------------------------------------------------------
# measuring


def warping_errors(stylized_frames: Iterable[np.ndarray], input_frames: Iterable[np.ndarray], *,
                   preset: str = "medium") -> list[float]:
    """Per-frame warping errors (frames 1..T-1) of :func:`warping_error`."""
    errors = []
    previous_input = previous_output = None
    for index, (output, frame) in enumerate(zip(stylized_frames, input_frames, strict=True)):
        output = np.asarray(output, np.float32) / 255.0
        frame = np.asarray(frame)
        if output.shape[:2] != frame.shape[:2]:
            raise OptionError(f"frame {index}: stylized {output.shape[:2]} and input {frame.shape[:2]} sizes differ")
        if previous_input is not None:
            back = optical_flow(frame, previous_input, preset=preset)
            mask = consistency_mask(back, optical_flow(previous_input, frame, preset=preset))
            warped = warp(previous_output, back)
            difference = (output - warped).reshape(*mask.shape, -1)
            squared = _squared_norm(difference) / difference.shape[-1]
            errors.append(float((squared * mask).sum() / max(mask.sum(), 1.0)))
        previous_input, previous_output = frame, output
    return errors


def warping_error(stylized_frames: Iterable[np.ndarray], input_frames: Iterable[np.ndarray], *,
                  preset: str = "medium", floor: bool = False) -> float | tuple[float, float]:
    """Lai et al. (2018)'s warping error of a stylized clip: lower is steadier.

    The mean, over frames ``t = 1..T-1``, of the mean squared difference (pixel values scaled
    to [0, 1], averaged over channels) between stylized frame ``t`` and stylized frame ``t-1``
    warped to it, over the pixels that the forward-backward check marks non-occluded. The
    flow is computed on the *input* frames (DIS instead of the paper's FlowNet2). The same
    error of the input clip itself, ``warping_error(inputs, inputs)``, is the floor a
    perfectly steady stylization could reach (flow and interpolation errors); ``floor=True``
    returns ``(error, floor)``.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> base = rng.uniform(0, 255, (64, 96, 3)).astype("float32")
        >>> frames = [np.roll(base, 2 * t, axis=1) for t in range(3)]
        >>> warping_error(frames, frames) < 0.01
        True
        >>> flicker = [np.clip(f + 40 * (t % 2), 0, 255) for t, f in enumerate(frames)]
        >>> steady, lowest = warping_error(frames, frames, floor=True)
        >>> bool(warping_error(flicker, frames) > 0.02 and steady == lowest)
        True
    """
    stylized_frames, input_frames = list(stylized_frames), list(input_frames)
    errors = warping_errors(stylized_frames, input_frames, preset=preset)
    if not errors:
        raise OptionError("the warping error needs at least two frames")
    if floor:
        return float(np.mean(errors)), warping_error(input_frames, input_frames, preset=preset)
    return float(np.mean(errors))
