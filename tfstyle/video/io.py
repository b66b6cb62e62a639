"""Video files in and out: decode, encode, stream, audio, atomic output, and :func:`stylize_video`.

Decoding and encoding run the static ``ffmpeg`` that the ``imageio-ffmpeg`` wheel bundles
(no system ffmpeg, works offline), as subprocesses fed and drained by background threads:

* :class:`VideoReader` streams ``uint8`` RGB frames (``H x W x 3``) one at a time, so memory
  stays flat whatever the clip's length. Frames come upright (ffmpeg applies the source's
  rotation metadata), optionally from ``start`` seconds, at another ``fps`` or smaller
  (``size``: long side), at most ``max_frames`` of them.
* :class:`VideoWriter` encodes frames to the codec the output suffix asks for (``.mp4``,
  ``.mov``, ``.m4v``, ``.mkv``: H.264; ``.webm``: VP9; ``.avi``: MPEG-4; ``.gif``), muxes the
  source's audio back in (re-encoded, cut to the video), and writes to a hidden temporary
  file beside the output that is renamed into place only when everything succeeded: an
  interrupted (``KeyboardInterrupt``) or failed run leaves no half-written output. Sizes
  that the codec cannot take (H.264 needs even sides) are padded by one replicated row or
  column.

Every failure the input can cause is a one-line :class:`~tfstyle.errors.VideoError`: a file with
only audio (``X has only audio``) or no video frames (``X has no video frames``) is refused before
any output is opened, and a clip whose decoder delivers fewer frames than its container announced
(a truncated or damaged file) raises ``read N of M frames of X: the file ends early or is damaged``
at its end, so :func:`stylize_video` leaves no output (``partial=True`` keeps what was read).

Example:
    >>> import os, tempfile, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "clip.mp4")
    >>> with VideoWriter(path, fps=10, size=(48, 32)) as writer:
    ...     for i in range(3):
    ...         writer.write(np.full((32, 48, 3), 40 * i, np.uint8))
    >>> with VideoReader(path) as reader:
    ...     (reader.info.width, reader.info.height, reader.info.fps), len(list(reader))
    ((48, 32, 10.0), 3)
"""
from __future__ import annotations

import contextlib
import logging
import math
import os
import pathlib
import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from tfstyle import interrupts
from tfstyle.atomic import atomic_path
from tfstyle.errors import OptionError, VideoError

__all__ = ["CODECS", "VIDEO_SUFFIXES", "VideoInfo", "VideoReader", "VideoWriter", "is_video", "probe", "stylize_video"]

#: Output suffix -> (video encoder arguments, audio encoder arguments or None for no audio, even sides needed).
CODECS: dict[str, tuple[list[str], list[str] | None, bool]] = {
    ".mp4": (["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
              "-movflags", "+faststart"], ["-c:a", "aac", "-b:a", "160k"], True),
    ".m4v": (["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"],
             ["-c:a", "aac", "-b:a", "160k"], True),
    ".mov": (["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"],
             ["-c:a", "aac", "-b:a", "160k"], True),
    ".mkv": (["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"],
             ["-c:a", "aac", "-b:a", "160k"], True),
    ".webm": (["-c:v", "libvpx-vp9", "-crf", "32", "-b:v", "0", "-row-mt", "1", "-deadline", "realtime",
               "-pix_fmt", "yuv420p"], ["-c:a", "libopus", "-b:a", "128k"], True),
    ".avi": (["-c:v", "mpeg4", "-q:v", "3", "-pix_fmt", "yuv420p"], ["-c:a", "libmp3lame", "-q:a", "4"], True),
    ".gif": (["-filter_complex", "[0:v]split[a][b];[a]palettegen[p];[b][p]paletteuse"], None, False),
}

#: Suffixes :func:`is_video` takes for video files (ffmpeg reads many more; ``.gif`` is left to images).
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp", ".ts",
                  ".mts", ".ogv")

_QUEUE_FRAMES = 4  # frames buffered between the decoder/encoder threads and the caller


def is_video(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a video file by its suffix (for the command line to pick images or video).

    Example:
        >>> is_video("clip.MP4"), is_video("photo.jpg")
        (True, False)
    """
    if not isinstance(path, (str, os.PathLike)):
        return False
    return os.path.splitext(os.fspath(path))[1].lower() in VIDEO_SUFFIXES


def ffmpeg_exe() -> str:
    """Path of the static ffmpeg bundled by ``imageio-ffmpeg``."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - a dependency
        raise VideoError("video needs the imageio-ffmpeg package: pip install imageio-ffmpeg") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class VideoInfo:
    """What a :class:`VideoReader` delivers: frame size (upright), frame rate, length, audio.

    ``frames`` is an estimate from the container's duration (exact for ``max_frames`` cuts of
    longer clips); ``duration`` is in seconds; ``audio`` names the source's audio codec or is
    ``None``.
    """

    path: str
    width: int
    height: int
    fps: float
    duration: float
    frames: int
    audio: str | None
    codec: str


def probe(src: str | os.PathLike) -> VideoInfo:
    """Size (upright, after rotation metadata), frame rate, duration and audio of a video file.

    Example:
        >>> probe("no-such-clip.mp4")
        Traceback (most recent call last):
        tfstyle.errors.VideoError: video file not found: no-such-clip.mp4
    """
    with VideoReader(src) as reader:
        return reader.info


def _first_error(text: str, path: str) -> str:
    """The one line of ffmpeg's stderr that says what went wrong (without its ``[in#0 @ 0x...]`` prefix)."""
    lines = [re.sub(r"^(\[[^\]]*\]\s*)+", "", line.strip()) for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("===")]
    for words in (("invalid", "error", "moov", "not found", "no such"), (os.path.basename(path),)):
        for line in lines:
            banner = line.lower().startswith(("ffmpeg version", "built with"))
            if any(word in line.lower() for word in words) and not banner:
                return line.replace(path, os.path.basename(path))[:300]
    return (lines[-1] if lines else "ffmpeg failed")[:300]


def _streams(path: str) -> str:
    """What ``ffmpeg -i`` says about ``path``'s streams (its stderr), ``""`` if ffmpeg cannot run."""
    try:
        result = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", path], check=False, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stderr.decode("utf-8", "replace")


def _no_video(path: str) -> str | None:
    """``"X has only audio"`` / ``"X has no video frames"`` when ffmpeg opens ``path`` but finds no video in it."""
    text = _streams(path)
    if not re.search(r"^Input #\d", text, re.MULTILINE) or re.search(r"Stream #\S+.*: Video:", text):
        return None  # not opened (another error says why), or a video stream whose frames failed
    name = os.path.basename(path)
    return f"{name} has only audio" if re.search(r"Stream #\S+.*: Audio:", text) else f"{name} has no video frames"


def _slack(announced: int, fps: float, audio: bool) -> int:
    """Frames a sound clip may fall short of its container's duration: rounding, and (with audio) an audio
    track that outlasts the video by up to half a second (the container's duration is the longest track's)."""
    return max(2, math.ceil(0.02 * announced)) + (math.ceil(0.5 * fps) if audio else 0)


def _check_source(src: str | os.PathLike) -> str:
    if not isinstance(src, (str, os.PathLike)):
        raise OptionError(f"video must be a file path, got {type(src).__name__}")
    path = os.fspath(src)
    if not os.path.isfile(path):
        raise VideoError(f"video file not found: {path}")
    return path


def _positive(name: str, value, integer: bool = False):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or \
            not math.isfinite(value) or value <= 0 or (integer and int(value) != value):
        kind = "a positive integer" if integer else "a positive number"
        raise OptionError(f"{name} must be {kind}, got {value!r}")
    return int(value) if integer else float(value)


class _QuietSizeNote(logging.Filter):
    """Drops imageio-ffmpeg's warning that frames are read at another size (we ask for it: scaling, rotation)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "is different from the source frame size" not in record.getMessage()


_QUIET = _QuietSizeNote()


class VideoReader:
    """Stream the frames of a video file as ``uint8 (H, W, 3)`` RGB arrays (a background thread decodes).

    Args:
        src: a video file in any container and codec ffmpeg reads.
        start: skip this many seconds first.
        max_frames: stop after this many frames.
        fps: resample to this frame rate (ffmpeg drops or repeats frames); default the source's.
        size: scale so the long side is at most this (never upscales), keeping the aspect ratio.
        partial: when the decoder delivers fewer frames than the container announced (a truncated or
            damaged file), stop quietly after the last one (``True``) instead of raising (default).

    ``info`` (:class:`VideoInfo`) describes the frames delivered. Use as a context manager (or
    call :meth:`close`) so that ffmpeg stops when you stop early.

    Raises:
        VideoError: the file is missing, not a video, corrupt, has no video stream or frames (on
            opening), or ends before the frames its container announced (at the end of iteration).
        OptionError: a bad option.
    """

    def __init__(self, src: str | os.PathLike, *, start: float = 0.0, max_frames: int | None = None,
                 fps: float | None = None, size: int | None = None, partial: bool = False):
        import imageio_ffmpeg

        logger = logging.getLogger("imageio_ffmpeg")
        if _QUIET not in logger.filters:
            logger.addFilter(_QUIET)
        self.path = _check_source(src)
        if isinstance(start, bool) or not isinstance(start, (int, float)) or not math.isfinite(start) or start < 0:
            raise OptionError(f"start must be a number of seconds >= 0, got {start!r}")
        self.max_frames = _positive("max_frames", max_frames, integer=True)
        fps = _positive("fps", fps)
        size = _positive("size", size, integer=True)
        meta, probing = self._meta(imageio_ffmpeg)
        width, height = meta["size"]
        filters = []
        if fps is not None:
            filters.append(f"fps={fps:g}")
        if size is not None and max(width, height) > size:
            scale = size / max(width, height)
            width, height = max(1, round(width * scale)), max(1, round(height * scale))
            filters.append(f"scale={width}:{height}:flags=area")
        source_fps = float(meta.get("fps") or 0.0)
        self.fps = fps or source_fps
        if not self.fps > 0:
            raise VideoError(f"cannot read video {os.path.basename(self.path)}: no frame rate")
        duration = max(0.0, float(meta.get("duration") or 0.0) - start)
        frames = max(0, round(duration * self.fps))
        #: Frames the container's duration announces for this read (``None``: no duration to check against).
        self.announced = (min(frames, self.max_frames) if self.max_frames else frames) if duration > 0 else None
        self.partial = bool(partial)
        if self.max_frames is not None:
            frames = min(frames, self.max_frames) if frames else self.max_frames
        self.info = VideoInfo(self.path, int(width), int(height), float(self.fps), duration, frames,
                              meta.get("audio_codec"), str(meta.get("codec", "")))
        self.start = float(start)
        self._input = ["-ss", f"{start:.6f}"] if start else []
        self._output = (["-vf", ",".join(filters)] if filters else []) + \
            (["-frames:v", str(self.max_frames)] if self.max_frames else []) + ["-an", "-sn"]
        # Without a seek or filters the probing ffmpeg already decodes the frames wanted: keep it (one process
        # start fewer before the first frame), else start the one that seeks and filters when iterated.
        if start or filters:
            probing.close()
            probing = None
        self._probing = probing
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._delivered = 0

    def _meta(self, imageio_ffmpeg) -> tuple[dict, Iterator]:
        """The source's metadata, and the running ffmpeg (a generator of frames) that read it."""
        generator = imageio_ffmpeg.read_frames(self.path, output_params=["-an", "-sn"])
        try:
            meta = next(generator)
        except (OSError, RuntimeError, StopIteration, ValueError) as exc:
            generator.close()
            raise VideoError(_no_video(self.path) or f"cannot read video {os.path.basename(self.path)}: "
                             f"{_first_error(str(exc), self.path)}") from None
        except BaseException:
            generator.close()
            raise
        if not meta.get("size") or min(meta["size"]) < 1:
            generator.close()
            raise VideoError(_no_video(self.path) or f"cannot read video {os.path.basename(self.path)}: "
                             "no video stream")
        return meta, generator

    def _decode(self) -> None:
        import imageio_ffmpeg

        shape = (self.info.height, self.info.width, 3)
        generator, self._probing = self._probing, None
        try:
            if generator is None:
                generator = imageio_ffmpeg.read_frames(self.path, input_params=self._input,
                                                       output_params=self._output)
                next(generator)
            for count, data in enumerate(generator, 1):
                if self._stop.is_set():
                    break
                self._put(np.frombuffer(data, np.uint8).reshape(shape))
                if count == self.max_frames:  # the probing ffmpeg was not told -frames:v
                    break
            self._put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
            self._put(VideoError(f"cannot decode video {os.path.basename(self.path)}: "
                                 f"{_first_error(str(exc), self.path)}"))
        finally:
            if generator is not None:
                generator.close()

    def _put(self, item) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._thread is not None:
            raise VideoError("a VideoReader can be iterated once")
        self._thread = threading.Thread(target=self._decode, name="tfstyle-decode", daemon=True)
        self._thread.start()
        try:
            while True:
                try:
                    item = self._queue.get(timeout=0.1)
                except queue.Empty:
                    if self._stop.is_set():  # closed (from another thread): no more frames will come
                        return
                    continue
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                self._delivered += 1
                yield item
        finally:
            self.close()
        name = os.path.basename(self.path)
        if self._delivered == 0:
            raise VideoError(f"no frames decoded from {name} after {self.start:g} s" if self.start
                             else f"{name} has no video frames")
        self.check_complete()

    def check_complete(self) -> None:
        """Raise ``read N of M frames of X: the file ends early or is damaged`` when the frames delivered fall
        short of those the container announced (:attr:`announced`; a small slack, :func:`_slack`); nothing
        with ``partial=True`` or when there is no announced length."""
        announced = self.announced
        if self.partial or not announced or self._delivered >= announced - _slack(announced, self.fps,
                                                                                   bool(self.info.audio)):
            return
        raise VideoError(f"read {self._delivered} of {announced} frames of {os.path.basename(self.path)}: "
                         "the file ends early or is damaged")

    def close(self) -> None:
        """Stop decoding (ffmpeg is terminated); safe to call more than once."""
        self._stop.set()
        if self._thread is None and self._probing is not None:  # never iterated: stop the probing ffmpeg
            self._probing.close()
            self._probing = None
        thread = self._thread
        # Another thread may be iterating: join the decoder only once it has started.
        if thread is not None and thread.ident is not None and thread is not threading.current_thread():
            thread.join(timeout=10)

    def __enter__(self) -> VideoReader:  # noqa: PYI034
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VideoWriter:
    """Encode ``uint8 (H, W, 3)`` RGB frames to ``dst`` atomically, optionally with a source's audio.

    Args:
        dst: output file; its suffix picks the codec (:data:`CODECS`). Its folder must exist.
        fps: frame rate.
        size: ``(width, height)`` of the frames that will be written.
        audio_from: a video (or audio) file whose first audio track is muxed in, re-encoded,
            from ``audio_start`` seconds and cut to the video's length (no audio: no track).
        audio_start: seconds into ``audio_from`` where the audio starts.

    Frames go through a background thread into ffmpeg's stdin. Output is written to a hidden
    temporary file beside ``dst`` and renamed to ``dst`` by :meth:`close`; :meth:`abort` (or an
    exception inside the ``with`` block, ``KeyboardInterrupt`` included) deletes it instead.
    """

    def __init__(self, dst: str | os.PathLike, *, fps: float, size: tuple[int, int],
                 audio_from: str | os.PathLike | None = None, audio_start: float = 0.0):
        if not isinstance(dst, (str, os.PathLike)):
            raise OptionError(f"output must be a file path, got {type(dst).__name__}")
        self.target = pathlib.Path(os.fspath(dst))
        suffix = self.target.suffix.lower()
        if suffix not in CODECS:
            raise OptionError(f"unsupported video output {self.target.name!r}: use one of {', '.join(CODECS)}")
        if self.target.is_dir():
            raise OptionError(f"output path is a folder: {self.target}")
        if not self.target.parent.is_dir():
            raise OptionError(f"output folder does not exist: {self.target.parent}")
        self.fps = _positive("fps", fps)
        width, height = (int(s) for s in size)
        if width < 1 or height < 1:
            raise OptionError(f"size must be positive (width, height), got {size!r}")
        video_args, audio_args, even = CODECS[suffix]
        self.size = (width, height)
        self.padded = (width + width % 2, height + height % 2) if even else (width, height)
        # tfstyle.atomic's atomic path: renamed over dst by close(), removed by abort() or any failure.
        self._output = contextlib.ExitStack()
        self.temp = str(self._output.enter_context(atomic_path(self.target)))
        command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                   "-s", f"{self.padded[0]}x{self.padded[1]}", "-framerate", f"{self.fps:.6g}", "-i", "-"]
        if audio_from is not None and audio_args is not None:
            # "1:a:0?": the first audio track if there is one (no separate probe before the first frame).
            command += (["-ss", f"{audio_start:.6f}"] if audio_start else []) + ["-i", os.fspath(audio_from)]
            command += ["-map", "0:v:0", "-map", "1:a:0?", *audio_args, "-shortest"]
        command += [*video_args, self.temp]
        self._frames: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        self._error: BaseException | None = None
        self.frames_written = 0
        self._closed = False
        self._process = None
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.PIPE, start_new_session=True)
            self._stderr: list[bytes] = []
            self._err_thread = threading.Thread(target=lambda: self._stderr.append(self._process.stderr.read()),
                                                daemon=True)
            self._err_thread.start()
            self._thread = threading.Thread(target=self._pump, name="tfstyle-encode", daemon=True)
            self._thread.start()
        except BaseException as exc:
            # Also an interrupt (Ctrl-C, SIGTERM) in here: no `with` block owns the writer yet, so clean up now
            # (ffmpeg runs in its own session and would otherwise go on writing the temporary file).
            self._closed = True
            self._kill()
            self._remove_temp()
            if isinstance(exc, OSError):
                raise VideoError(f"cannot start ffmpeg: {exc}") from exc
            raise

    def _pump(self) -> None:
        try:
            while True:
                frame = self._frames.get()
                if frame is None:
                    break
                self._process.stdin.write(frame)
        except BaseException as exc:  # noqa: BLE001 - e.g. BrokenPipeError when ffmpeg failed: close() reports it
            self._error = exc
            while self._frames.get() is not None:  # unblock the writer
                pass
        finally:
            with contextlib.suppress(OSError):
                self._process.stdin.close()

    def write(self, frame: np.ndarray) -> None:
        """Queue one ``uint8 (height, width, 3)`` frame for encoding."""
        if self._closed:
            raise VideoError("the video writer is closed")
        frame = np.asarray(frame)
        if frame.shape != (self.size[1], self.size[0], 3) or frame.dtype != np.uint8:
            raise OptionError(f"frames must be uint8 ({self.size[1]}, {self.size[0]}, 3), got {frame.dtype} "
                              f"{frame.shape}")
        if self.padded != self.size:
            frame = np.pad(frame, ((0, self.padded[1] - self.size[1]), (0, self.padded[0] - self.size[0]), (0, 0)),
                           mode="edge")
        if self._error is not None:
            self.abort()
            raise VideoError(f"cannot write video {self.target.name}: {self._ffmpeg_message()}")
        self._frames.put(np.ascontiguousarray(frame).tobytes())
        self.frames_written += 1

    def _ffmpeg_message(self) -> str:
        self._err_thread.join(timeout=5)
        text = b"".join(self._stderr).decode("utf-8", "replace")
        return _first_error(text, self.temp) if text.strip() else (str(self._error) or "ffmpeg failed")

    def close(self) -> pathlib.Path:
        """Finish encoding and move the file into place; returns the output path."""
        if self._closed:
            return self.target
        self._closed = True
        try:
            self._frames.put(None)
            self._thread.join()
            code = self._process.wait()
            if code != 0 or self._error is not None or self.frames_written == 0:
                reason = "no frames" if self.frames_written == 0 else self._ffmpeg_message()
                raise VideoError(f"cannot write video {self.target.name}: {reason}")
            self._output.close()
        except BaseException:
            self._kill()
            self._remove_temp()
            raise
        return self.target

    def abort(self) -> None:
        """Stop ffmpeg and delete the temporary file; nothing is written to ``dst``."""
        if not self._closed:
            self._closed = True
            self._kill()
            with contextlib.suppress(queue.Full):
                self._frames.put_nowait(None)
        self._remove_temp()

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=10)

    def _remove_temp(self) -> None:
        error = VideoError("aborted")
        self._output.__exit__(VideoError, error, None)  # the atomic path removes its temporary file

    def __enter__(self) -> VideoWriter:  # noqa: PYI034
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def _has_audio(path: str | os.PathLike) -> bool:
    """Whether ``path`` has an audio stream (parsed from ``ffmpeg -i``)."""
    result = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", os.fspath(path)], check=False,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    return re.search(rb"Stream #\S+.*: Audio:", result.stderr) is not None


def stylize_video(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    *,
    model=None,
    style=None,
    method: str | None = None,
    strength: float = 1.0,
    style_weights=None,
    preserve_color: str | bool | None = None,
    temporal: float | None = None,
    stats_momentum: float | None = None,
    max_frames: int | None = None,
    start: float = 0.0,
    fps: float | None = None,
    size: int | None = None,
    tile: int | None = None,
    engine: str = "auto",
    progress: bool = False,
    on_frame=None,
    partial: bool = False,
) -> pathlib.Path:
    """Stylize a video file without flicker; audio, frame rate and orientation are kept.

    Args:
        src: the input video (any container/codec ffmpeg reads).
        dst: the output; its suffix picks the codec (``.mp4``: H.264, see :data:`CODECS`).
        model, style, method, strength, style_weights, preserve_color: what to paint with,
            as in :func:`tfstyle.video.frames.stylize_frames` (``method="fast"``: a shipped style
            name such as ``"wave"`` or a ``.keras`` network; ``"arbitrary"``: any painting). Without
            ``method``, a painting as ``style`` (an image file, an array or tensor, a PIL image, a list of
            them) is painted in one pass by the arbitrary network (``model``, default the shipped one);
            anything else (a style name, a ``.keras`` file, a network, nothing) runs the fast method.
        temporal: flow-guided blending strength in ``[0, 1]`` (0 off; default
            :data:`tfstyle.video.temporal.DEFAULT_TEMPORAL`).
        stats_momentum: smoothing of the instance-norm statistics across frames in ``[0, 1)``
            (0: every frame its own; default :data:`tfstyle.video.temporal.DEFAULT_MOMENTUM`).
        max_frames, start, fps, size: at most this many frames, from ``start`` seconds, at this
            frame rate (default the source's), long side at most ``size`` pixels.
        tile: frames with a side above this run in tiles sharing the smoothed statistics (default:
            LiteRT runs frames up to ~3 MP whole, Keras 512 px tiles).
        engine: ``"auto"`` (a shipped preset from its cached LiteRT files, no TensorFlow once they are
            built; other networks converted to LiteRT in memory, or Keras), ``"tflite"``, ``"int8"``
            (opt-in; fastest where the CPU has VNNI) or ``"keras"`` (see :mod:`tfstyle.video.frames`).
        progress: a progress bar (frames per second and time left); off by default, as in every public
            function (the command line turns it on).
        on_frame: called as ``on_frame(index, frame)`` with each finished ``uint8`` frame.
        partial: when the clip ends before the frames its container announced (a truncated or damaged
            file), write the frames that were read (``True``) instead of raising (default).

    Returns:
        ``dst`` as a :class:`pathlib.Path`, written only when every frame succeeded.

    Raises:
        VideoError: unreadable input, a file with no video frames or only audio (before any output is
            opened), a clip that ends early (``read N of M frames of X: the file ends early or is
            damaged``, unless ``partial``) or failed encoding (one line; no output file is left).
        OptionError: a bad option.

    Example:
        >>> import os, tempfile, numpy as np
        >>> from tfstyle.models import JohnsonNet
        >>> folder = tempfile.mkdtemp()
        >>> src, dst = os.path.join(folder, "in.mp4"), os.path.join(folder, "out.mp4")
        >>> with VideoWriter(src, fps=8, size=(48, 32)) as writer:
        ...     for i in range(3):
        ...         writer.write(np.full((32, 48, 3), 60 + 20 * i, np.uint8))
        >>> out = stylize_video(src, dst, model=JohnsonNet(width=0.25), engine="keras", progress=False)
        >>> probe(out).frames, probe(out).fps
        (3, 8.0)
    """
    from tfstyle.video.frames import stylize_frames

    target = pathlib.Path(os.fspath(dst)) if isinstance(dst, (str, os.PathLike)) else dst
    if isinstance(target, pathlib.Path) and isinstance(src, (str, os.PathLike)) and \
            os.path.abspath(os.fspath(src)) == os.path.abspath(target):
        raise OptionError("the output would overwrite the input video")
    method = _implied_method(style) if method is None else method
    reader = VideoReader(src, start=start, max_frames=max_frames, fps=fps, size=size, partial=partial)
    info = reader.info
    writer = VideoWriter(dst, fps=info.fps, size=(info.width, info.height),
                         audio_from=info.path if info.audio else None, audio_start=reader.start)
    bar = _progress_bar(info, progress)
    try:
        with reader:
            frames = stylize_frames(reader, model=model, style=style, method=method, strength=strength,
                                    style_weights=style_weights, preserve_color=preserve_color, temporal=temporal,
                                    stats_momentum=stats_momentum, tile=tile, engine=engine)
            for index, frame in enumerate(frames):
                interrupts.check()  # a Ctrl-C/SIGTERM swallowed by a finalizer stops the clip here, not at the end
                writer.write(frame)
                if on_frame is not None:
                    on_frame(index, frame)
                if bar is not None:
                    bar.update(1)
        return writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        if bar is not None:
            bar.close()


def _implied_method(style) -> str:
    """``"arbitrary"`` when ``style`` is a painting (or several), ``"fast"`` when it names a network or is absent.

    >>> _implied_method("painting.jpg"), _implied_method(np.zeros((32, 32, 3))), _implied_method("wave")
    ('arbitrary', 'arbitrary', 'fast')
    """
    from PIL import Image

    from tfstyle.runtime.protocols import FittedStyle
    from tfstyle.weights.registry import is_preset_name

    if style is None or is_preset_name(style):
        return "fast"
    if isinstance(style, (str, os.PathLike)):
        return "fast" if os.fspath(style).endswith(".keras") else "arbitrary"
    if isinstance(style, (list, tuple, Image.Image)) or hasattr(style, "__array__") \
            or isinstance(style, FittedStyle):
        return "arbitrary"
    return "fast"  # a network


def _progress_bar(info: VideoInfo, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=info.frames or None, desc=os.path.basename(info.path), unit="frame", dynamic_ncols=True)


