"""Shipped presets through LiteRT (XNNPACK), without TensorFlow or Keras: the instant-start path.

The six fast presets and the default arbitrary one ship their TFLite files in the package
(``tfstyle/weights/litert/<name>/``, built by ``tools/build_preset_files.py`` with the same builder,
:func:`shipped_presets`), so a light install (no TensorFlow) runs them with no conversion. Their
``manifest.json`` records the SHA-256 of the ``.keras`` file they were built from, the
:data:`CACHE_FORMAT` and each file's size and SHA-256: :func:`shipped_files` uses them only when all
match (a retrained ``.keras`` file without rebuilt files falls through to the cache). Setting
``TFSTYLE_SHIPPED_LITERT=0`` ignores them (the cache's own tests do).

Any other preset's files (or a shipped preset's, when its package files are stale) are built once with
TensorFlow (:mod:`tfstyle.export.litert_cache`, which the
command line runs on first use, or ``tfstyle export --cache NAME``) and kept in a user cache
folder (``$TFSTYLE_CACHE``, else ``~/.cache/tfstyle``) under ``litert/<name>-<sha256 of the
preset file>-<tfstyle version>-f<CACHE_FORMAT>/``: a new preset file, tfstyle version or file
format gets new files. The folder's ``manifest.json`` records each file's size and SHA-256:
:func:`cached_files` checks them (each file hashed once per process) and treats a truncated, zeroed or
changed file as missing, so the command line rebuilds it (with a note) and the Python API falls back to
Keras with a note (:func:`damaged` says which file). This
module only finds and runs those files; it imports NumPy, PIL-level tfstyle modules and
``ai_edge_litert``.

Every file takes any image size (converted at a dynamic height and width; the interpreter is
resized per call). A fast preset has four files, an arbitrary one (an
:class:`~tfstyle.models.ghiasi.ArbitraryStyleNet`) a predictor and the same four, each also
taking a ``style_vector``:

* ``whole``: ``content`` -> ``stylized`` (the network's own instance-norm statistics),
* ``stats``: ``content`` -> ``mean_NN`` / ``var_NN`` of every instance norm,
* ``tile``: ``content`` and those statistics -> ``stylized``,
* ``smooth``: ``content``, ``momentum`` and the previous frame's statistics -> ``stylized`` and the
  statistics used, ``momentum * previous + (1 - momentum) * own`` at every norm in one pass
  (:func:`tfstyle.video.temporal.smoothed_norms`): video's smoothed normalization,

so :func:`tfstyle.runtime.tiling.stylize_tiled` runs large images tile by tile with the whole image's
statistics exactly as the Keras path does (same tiles, same blending, same ``stats_size`` copy):
:class:`LiteNet` looks like a Keras network to it, and video frames run from the same files
(:meth:`LiteNet.smoothed`). Style vectors are computed by the
predictor file and blended in NumPy (the transfer network's style parameters are an affine
function of the vector, so blending vectors is blending parameters).

Example:
    >>> folder = cache_dir("wave")          # <cache>/litert/wave-<sha256[:16]>-<version>
    >>> folder.parent.name, folder.name.startswith("wave-")
    ('litert', True)
    >>> lite_kind("wave"), lite_kind("microast_v1"), lite_kind("net.keras")   # which presets have files
    ('fast', None, None)
    >>> "wave" in shipped_presets(), shipped_dir("wave").relative_to(SHIPPED_DIR.parent).as_posix()
    (True, 'litert/wave')
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import pathlib
import sys

import numpy as np

from tfstyle import __version__
from tfstyle.errors import OptionError, TfstyleError, first_line
from tfstyle.runtime.litert import SIGNATURE_KEY, default_threads, make_interpreter
from tfstyle.runtime.protocols import CodeStylizer
from tfstyle.runtime.tiling import DEFAULT_OVERLAP, fit_tile
from tfstyle.weights.registry import WEIGHTS_DIR, is_preset_name, preset_entry, preset_path

__all__ = [
    "BACKENDS",
    "LiteArbitrary",
    "LiteNet",
    "cache_dir",
    "cache_key",
    "cache_root",
    "cached_files",
    "choose",
    "damaged",
    "lite_tile",
    "note",
    "servable",
    "shipped_files",
    "shipped_presets",
    "user_cache_files",
]

#: What ``backend=`` takes: ``auto`` (LiteRT when a cached file serves the call, Keras otherwise),
#: ``litert`` (refuse what the files cannot serve) or ``keras``.
BACKENDS = ("auto", "litert", "keras")
#: The Keras classes whose presets have LiteRT files, by kind.
LITE_CLASSES = {"fast": ("JohnsonNet",), "arbitrary": ("ArbitraryStyleNet",)}
MANIFEST = "manifest.json"
#: Where the package's prebuilt files live: ``<SHIPPED_DIR>/<name>/<role>.tflite`` and ``manifest.json``.
SHIPPED_DIR = WEIGHTS_DIR / "litert"
#: ``0`` ignores the package's prebuilt files (the cache and its builder are then the only source).
SHIPPED_ENV = "TFSTYLE_SHIPPED_LITERT"
#: Files of a preset by kind (``<role>.tflite`` in its cache folder).
ROLES = {"fast": ("whole", "stats", "tile", "smooth"), "arbitrary": ("predictor", "whole", "stats", "tile", "smooth")}
CONTENT, VECTOR, STYLE, OUTPUT, MOMENTUM = "content", "style_vector", "style", "stylized", "momentum"


def check_backend(backend: str) -> str:
    """``backend`` itself, or a one-line :class:`OptionError` if it is not one of :data:`BACKENDS`."""
    if backend not in BACKENDS:
        raise OptionError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    return backend


def cache_root() -> pathlib.Path:
    """``$TFSTYLE_CACHE`` or ``~/.cache/tfstyle`` (not created here)."""
    root = os.environ.get("TFSTYLE_CACHE")
    return pathlib.Path(root) if root else pathlib.Path.home() / ".cache" / "tfstyle"


@functools.cache
def _sha256(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: Bumped when the files built from the same preset change (2: nearest upsampling and space-to-depth
#: as ops XNNPACK runs at any size; 3: the ``smooth`` file video runs; 4: the manifest records each
#: file's SHA-256, checked before use), so older caches are rebuilt rather than reused.
CACHE_FORMAT = 4


def keras_sha256(name: str) -> str:
    """The SHA-256 of preset ``name``'s ``.keras`` file (hashed once per process)."""
    path = preset_path(name)
    stat = path.stat()
    return _sha256(os.fspath(path), stat.st_mtime_ns, stat.st_size)


def cache_key(name: str) -> str:
    """``<name>-<first 16 hex digits of the preset file's sha256>-<tfstyle version>-f<CACHE_FORMAT>``."""
    return f"{name}-{keras_sha256(name)[:16]}-{__version__}-f{CACHE_FORMAT}"


def cache_dir(name: str) -> pathlib.Path:
    """The folder that holds (or will hold) preset ``name``'s LiteRT files."""
    return cache_root() / "litert" / cache_key(name)


def _entry(name) -> dict | None:
    """The registry entry when ``name`` is a preset name, else ``None`` (paths, objects, unknown names)."""
    if not is_preset_name(name):
        return None
    try:
        return preset_entry(name)
    except OptionError:
        return None


def lite_kind(name) -> str | None:
    """``"fast"``/``"arbitrary"`` when ``name`` is a preset whose network has LiteRT files, else ``None``."""
    entry = _entry(name)
    return entry["kind"] if entry is not None and entry["class"] in LITE_CLASSES.get(entry["kind"], ()) else None


#: Why a preset's cached files were last found unusable (``{name: "whole.tflite fails its SHA-256 check"}``);
#: the builder says so when it rebuilds them, :func:`choose` when it falls back to Keras.
_DAMAGED: dict[str, str] = {}
#: Cache folders this process found missing or damaged: the builder reuses such a folder when another
#: process has completed it since (N first runs build once).
WANTED: set[str] = set()


def damaged(name: str) -> str | None:
    """Why preset ``name``'s cached files failed their check (one line), or ``None`` (not checked, sound or missing)."""
    return _DAMAGED.get(name)


def _check_files(folder: pathlib.Path, manifest: dict, files: dict) -> str | None:
    """Why the files fail the manifest's sizes and SHA-256s, or ``None`` when all match.

    Each file is hashed once per process (:func:`_sha256` is keyed on path, mtime and size), so only the
    first use of a cache reads its files whole.
    """
    sizes, digests = manifest.get("sizes") or {}, manifest.get("sha256") or {}
    for role, path in files.items():
        stat = path.stat()
        if role not in digests or sizes.get(role) != stat.st_size:
            return f"{path.name} has {stat.st_size} bytes, the manifest says {sizes.get(role)}"
        if _sha256(os.fspath(path), stat.st_mtime_ns, stat.st_size) != digests[role]:
            return f"{path.name} fails its SHA-256 check"
    return None


def shipped_presets() -> list[str]:
    """The presets whose LiteRT files ship in the package: every fast preset with files and the default arbitrary
    one (the other arbitrary presets' predictors weigh ~9 MB each: they are built on demand, as a cache)."""
    from tfstyle.weights.registry import default_preset, preset_names

    return [name for name in preset_names("fast") if lite_kind(name)] + [default_preset("arbitrary")]


def shipped_dir(name: str) -> pathlib.Path:
    """The package folder of preset ``name``'s prebuilt files (it may not exist)."""
    return SHIPPED_DIR / name


def shipped_problem(name: str) -> str | None:
    """Why the package's files of preset ``name`` cannot be used (one line), or ``None`` when they can: missing,
    built from another ``.keras`` file or cache format, or a file whose size or SHA-256 differs from the manifest."""
    kind = lite_kind(name)
    if kind is None:
        return f"{name!r} is not a preset with LiteRT files"
    folder = shipped_dir(name)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except OSError:
        return f"{folder} holds no {MANIFEST}"
    except ValueError:
        return f"{MANIFEST} is not valid JSON"
    if not isinstance(manifest, dict):
        return f"{MANIFEST} is not a JSON object"
    if manifest.get("cache_format") != CACHE_FORMAT:
        return f"they are in cache format {manifest.get('cache_format')}, this tfstyle reads {CACHE_FORMAT}"
    if manifest.get("keras_sha256") != keras_sha256(name):
        return f"they were built from another {preset_path(name).name} (rebuild: tools/build_preset_files.py)"
    try:
        return _check_files(folder, manifest, {role: folder / f"{role}.tflite" for role in ROLES[kind]})
    except OSError as exc:
        return f"{getattr(exc, 'filename', None) and pathlib.Path(exc.filename).name or 'a file'} is missing"


def shipped_files(name: str) -> dict | None:
    """``{role: path}`` of the package's prebuilt files of preset ``name`` when they serve it
    (:func:`shipped_problem` is ``None``), else ``None``; always ``None`` with ``TFSTYLE_SHIPPED_LITERT=0``."""
    if os.environ.get(SHIPPED_ENV, "1") == "0" or lite_kind(name) is None or not shipped_dir(name).is_dir():
        return None
    if shipped_problem(name) is not None:
        return None  # stale or damaged package files: the user cache serves (and the CLI builds it)
    return {role: shipped_dir(name) / f"{role}.tflite" for role in ROLES[lite_kind(name)]}


def cached_files(name: str) -> dict | None:
    """``{role: path}`` of preset ``name``'s complete files: the package's (:func:`shipped_files`) first, else the
    user cache's (:func:`user_cache_files`); ``None`` when neither serves it."""
    return shipped_files(name) or user_cache_files(name)


def user_cache_files(name: str) -> dict | None:
    """``{role: path}`` of preset ``name``'s complete files in the user cache, or ``None`` when they are not built or
    are damaged (a file missing, truncated or changed: its size or SHA-256 differs from the manifest's;
    :func:`damaged` then says which)."""
    kind = lite_kind(name)
    if kind is None:
        return None
    folder = cache_dir(name)
    files = {role: folder / f"{role}.tflite" for role in ROLES[kind]}
    problem = None
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except OSError:
        manifest = None  # not built (or the cache location is not a folder)
    except ValueError:
        manifest, problem = None, f"{MANIFEST} is not valid JSON"
    if manifest is not None and not isinstance(manifest, dict):
        manifest, problem = None, f"{MANIFEST} is not a JSON object"
    if manifest is not None:
        try:
            problem = (f"{MANIFEST} names another cache" if manifest.get("key") != folder.name
                       else _check_files(folder, manifest, files))
        except OSError as exc:
            problem = f"{getattr(exc, 'filename', None) and pathlib.Path(exc.filename).name or 'a file'} is missing"
    if manifest is None or problem is not None:
        WANTED.add(folder.name)
        if problem is None:
            _DAMAGED.pop(name, None)
        else:
            _DAMAGED[name] = problem
        return None
    _DAMAGED.pop(name, None)
    return files


def needs_build(model, kind: str, backend: str, options: dict | None = None) -> bool:
    """Whether a call with ``backend`` should build preset ``model``'s LiteRT files first: a shipped ``kind``
    preset the files would serve (no Keras-only ``options``, see :func:`servable`) that has none yet.

    The command line and Beam ask this before importing the builder, so a sound cache costs no import.

    Example:
        >>> needs_build("wave", "fast", "keras")
        False
    """
    if backend == "keras" or not isinstance(model, str) or lite_kind(model) != kind:
        return False
    if options and servable(model, kind, options) is not None:
        return False  # the stylize function refuses (litert) or notes the fallback (auto)
    return cached_files(model) is None


def servable(name, kind: str, options: dict) -> str | None:
    """Why the LiteRT files cannot serve this call (one line), or ``None`` when they can.

    ``name`` is the ``model=`` given (``None``: the kind's default preset); ``options`` the
    call's options that only Keras serves (e.g. ``fit_steps``), by name, given ones truthy.
    """
    if name is not None and lite_kind(name) != kind:
        entry = _entry(name)
        if entry is not None and entry["kind"] == kind:
            return (f"{entry['class']} presets have no LiteRT files (only "
                    f"{' and '.join(c for cs in LITE_CLASSES.values() for c in cs)} ones)")
        what = repr(os.fspath(name)) if isinstance(name, (str, os.PathLike)) else f"a {type(name).__name__} object"
        return f"model {what} is not a shipped {kind} preset with LiteRT files (presets only)"
    given = [option for option, value in options.items() if value]
    if given:
        return f"{', '.join(given)} needs Keras (the LiteRT files cannot serve it)"
    return None


_NOTED: set = set()


def note(message: str, once: bool = True) -> None:
    """One line on stderr (``tfstyle: note: ...``), by default once per process and message."""
    if once and message in _NOTED:
        return
    _NOTED.add(message)
    print(f"tfstyle: note: {message}", file=sys.stderr)


class _Runner:
    """One ``.tflite`` model's ``serving_default`` signature on float32 arrays (resized per call).

    ``source``: a file, or the model's bytes (a network converted in memory, e.g. for video).
    """

    def __init__(self, source: str | bytes):
        where = "converted in memory" if isinstance(source, bytes) else source
        try:
            kind = "model_content" if isinstance(source, bytes) else "model_path"
            self.interpreter = make_interpreter(**{kind: source}, num_threads=default_threads(8))
            self.runner = self.interpreter.get_signature_runner(SIGNATURE_KEY)
        except Exception as exc:
            hint = "" if isinstance(source, bytes) else \
                f" (rebuild it: 'tfstyle export --cache {pathlib.Path(source).parent.name.rsplit('-', 3)[0]}')"
            raise TfstyleError(f"cannot load LiteRT file {where}: {first_line(exc)}{hint}") from exc
        self.details = self.runner.get_input_details()

    def __call__(self, **inputs) -> dict:
        feed = {name: np.ascontiguousarray(value, np.float32) for name, value in inputs.items()}
        return {name: np.asarray(value, np.float32) for name, value in self.runner(**feed).items()}


@functools.lru_cache(maxsize=16)
def _cached_runner(source: str | bytes, mtime_ns: int = 0, size: int = 0) -> _Runner:
    return _Runner(source)


def _runner(source: str | bytes) -> _Runner:
    """The interpreter of a file (cached per path, mtime and size: a rebuilt file is loaded anew) or of model bytes."""
    if isinstance(source, bytes):
        return _cached_runner(source)
    try:
        stat = os.stat(source)
    except OSError:
        return _cached_runner(source)  # _Runner reports the missing file
    return _cached_runner(source, stat.st_mtime_ns, stat.st_size)


def named_stats(stats) -> dict:
    """``[(mean, var), ...]`` as ``{"mean_NN": mean, "var_NN": var}``: the files' input and output names."""
    feed = {}
    for i, (mean, var) in enumerate(stats):
        feed[f"mean_{i:02d}"], feed[f"var_{i:02d}"] = mean, var
    return feed


def stats_of(named: dict) -> list:
    """The ``mean_NN`` / ``var_NN`` entries of ``named`` (a file's outputs, a signature's inputs) as
    ``[(mean, var), ...]``; other entries are ignored."""
    count = sum(name.startswith("mean_") for name in named)
    return [(named[f"mean_{i:02d}"], named[f"var_{i:02d}"]) for i in range(count)]


class LiteNet:
    """A network's LiteRT files, shaped like a Keras network for :func:`~tfstyle.runtime.tiling.stylize_tiled`.

    ``net(images, stats=None)`` and ``net.norm_stats(images)`` on ``(1, H, W, 3)`` float32
    arrays in [0, 255]; ``net.smoothed(images, previous, momentum)`` for video. ``files`` maps
    roles (``whole``, ``stats``, ``tile``, ``smooth``) to paths or model bytes; ``vector``
    (``(style_dim,)``) conditions an arbitrary network's files.
    """

    #: Takes and returns NumPy arrays: :func:`tfstyle.runtime.tiling.stylize_tiled` calls it without Keras.
    numpy_io = True

    def __init__(self, files: dict, vector: np.ndarray | None = None):
        self.files = files
        self.extra = {} if vector is None else {VECTOR: np.asarray(vector, np.float32).reshape(1, -1)}

    def _file(self, role: str) -> _Runner:
        source = self.files[role]
        return _runner(source if isinstance(source, bytes) else os.fspath(source))

    def _run(self, role: str, **inputs) -> dict:
        return self._file(role)(**inputs, **self.extra)

    def __call__(self, images, stats=None) -> np.ndarray:
        if stats is not None:
            return self._run("tile", content=images, **named_stats(stats))[OUTPUT]
        if "whole" not in self.files:  # a network converted for video only: its smooth file, momentum 0
            return self.smoothed(images, None, 0.0)[0]
        return self._run("whole", content=images)[OUTPUT]

    def norm_stats(self, images) -> list:
        if "stats" not in self.files:
            return self.smoothed(images, None, 0.0)[1]
        return stats_of(self._run("stats", content=images))

    def smoothed(self, images, previous: list | None, momentum: float) -> tuple[np.ndarray, list]:
        """``(stylized, statistics used)``: every norm uses ``momentum * previous + (1 - momentum) * own``
        (the ``smooth`` file, one pass); ``previous=None`` (a first frame) uses the frame's own."""
        runner = self._file("smooth")
        if not previous:
            previous = [(np.zeros(mean["shape"], np.float32), np.zeros(var["shape"], np.float32))
                        for mean, var in stats_of(runner.details)]
            momentum = 0.0
        outputs = runner(content=images, **{MOMENTUM: np.full((1, 1, 1, 1), momentum, np.float32)},
                         **named_stats(previous), **self.extra)
        return outputs[OUTPUT], stats_of(outputs)


class LiteArbitrary:
    """An arbitrary preset's files: :meth:`style_vector` (predictor) and :meth:`conditioned` (a :class:`LiteNet`)."""

    def __init__(self, files: dict):
        self.files = files
        manifest = json.loads((pathlib.Path(files["predictor"]).parent / MANIFEST).read_text())
        self.style_size = int(manifest["style_size"])

    def style_vector(self, image: np.ndarray) -> np.ndarray:
        """The style vector of one ``HxWx3`` image, cover-cropped to the predictor's square as Keras does."""
        from tfstyle.image.io import cover_crop

        square = cover_crop(np.asarray(image, np.float32), (self.style_size, self.style_size))
        return _runner(os.fspath(self.files["predictor"]))(style=square[None])[VECTOR][0]

    def conditioned(self, vector: np.ndarray) -> LiteNet:
        return LiteNet(self.files, vector)

    def stylizer(self) -> LiteStylizer:
        """These files' :class:`~tfstyle.runtime.protocols.ArbitraryStylizer` adapter."""
        return LiteStylizer(self)


class LiteStylizer(CodeStylizer):
    """The adapter of an arbitrary preset's LiteRT files: Ghiasi's recipe on style vectors (the transfer
    network's parameters are an affine function of the vector, so mixing vectors is mixing parameters)."""

    family = "LiteRT files"
    fades_to_photo = True

    def __init__(self, files: LiteArbitrary):
        self.files = files

    def style_code(self, style) -> np.ndarray:
        from tfstyle.image.io import load_image

        self.check_style(style)
        return self.files.style_vector(load_image(style))

    def conditioned(self, code) -> LiteNet:
        return self.files.conditioned(np.asarray(code, np.float32))


#: LiteRT windows: whole images up to this many pixels run in one pass; larger ones in strips as wide as the
#: image (up to :data:`LITE_TILE_WIDTH`) of at most this many pixels, with shared statistics
#: (:func:`tfstyle.runtime.tiling.fit_tile`). XNNPACK spends ~0.4 s per 3 MP window faulting in its buffers on
#: the first call, so a 4K photo runs faster in three strips (1.06x its pixels, buffers reused) than
#: whole (memory faulted in: 1.1 s) or in 1536 px squares (1.7x its pixels).
LITE_TILE_PIXELS, LITE_TILE_WIDTH = 3_000_000, 4096


def lite_tile(height: int, width: int, overlap: int = DEFAULT_OVERLAP) -> tuple[int, int]:
    """The LiteRT path's default ``(tile_h, tile_w)`` for a ``height x width`` image (see :data:`LITE_TILE_PIXELS`)."""
    return fit_tile(height, width, LITE_TILE_PIXELS, LITE_TILE_WIDTH, overlap)


#: The Keras path's default tile side.
KERAS_TILE = 512


def choose(model, kind: str, backend: str, keras_only: dict | None = None) -> dict | None:
    """The cached files that serve this call (LiteRT), or ``None`` for Keras, following ``backend``.

    ``auto``: the files of a shipped preset when they are built and serve the call; else Keras,
    with a one-line note on stderr when a preset falls back (objects and ``.keras`` files use
    Keras silently). ``litert``: :class:`OptionError` (one line) when the files cannot serve the
    call or are not built. ``keras``: ``None``.
    """
    from tfstyle.weights.registry import default_preset

    check_backend(backend)
    if backend == "keras":
        return None
    name = default_preset(kind) if model is None else model
    reason = servable(name, kind, keras_only or {})
    preset = _entry(name) is not None
    if reason is None:
        files = cached_files(name)
        if files is not None:
            return files
        why = damaged(name)
        reason = (f"its LiteRT files are damaged ({why}); rebuild them with 'tfstyle export --cache {name}'" if why
                  else f"its LiteRT files are not built yet; build them once with 'tfstyle export --cache {name}' "
                  "(or tfstyle.export.build_litert_cache) for an instant start")
    if backend == "litert":
        raise OptionError(f"backend='litert' cannot serve this call: {reason}")
    if preset and not keras_installed():  # a light install: the fallback cannot run, say why in one line
        raise OptionError(f"{name!r} cannot run here: {reason}; Keras is not installed ({NEEDS_TF})")
    if preset:
        note(f"using Keras for {name!r}: {reason}")
    return None


#: What a light install (no TensorFlow) is told to add for Keras networks.
NEEDS_TF = "needs TensorFlow: pip install 'tfstyle[tf]'"


def keras_installed() -> bool:
    """Whether Keras can be imported (without importing it): a light install has only the LiteRT files."""
    import importlib.util

    return importlib.util.find_spec("keras") is not None


