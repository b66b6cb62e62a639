"""Build a preset's LiteRT files once, into the user cache that :mod:`tfstyle.runtime.preset_files` runs them from.

One conversion (:func:`convert_preset`) serves both places the files live: the package's prebuilt files of
the shipped presets (:func:`build_shipped_files`, run by ``tools/build_preset_files.py``) and the user
cache (:func:`build_litert_cache`), which serves the other presets and a shipped one whose package files
are stale.

Needs TensorFlow (one conversion per file, through :func:`tfstyle.export.tflite.convert_signature`:
float32, dynamic height and width, builtin ops only). The files and their ``manifest.json``
appear together or not at all (:func:`tfstyle.atomic.write_files`), so a half-built cache is never
used; the manifest records each file's SHA-256, and a file that no longer matches is rebuilt (a note
says why). The cache location is checked for writing before any conversion starts (a one-line
:class:`~tfstyle.errors.TfstyleError` otherwise, which the command line turns into a Keras fallback),
and a lock file (``fcntl.flock`` on ``<cache>/litert/.<key>.lock``) makes N processes that start on an
empty cache build it once: the others wait and reuse the files. The command line builds
on first use, and so does video (:func:`tfstyle.video.frames.stylize_frames`); in Python call
:func:`build_litert_cache` (or run ``tfstyle export --cache NAME``). :func:`temporal_files` converts
the video files of a network that is not a preset, in memory.

Example (no conversion: the default preset's folder name):
    >>> from tfstyle.runtime.preset_files import cache_dir
    >>> cache_dir("wave").name.startswith("wave-")
    True
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import time

import numpy as np

from tfstyle import __version__
from tfstyle.atomic import describe_os_error, write_files
from tfstyle.errors import OptionError, TfstyleError, first_line
from tfstyle.export.tflite import check_ops, convert_signature
from tfstyle.runtime.preset_files import (
    CACHE_FORMAT,
    CONTENT,
    MANIFEST,
    MOMENTUM,
    NEEDS_TF,
    OUTPUT,
    STYLE,
    VECTOR,
    WANTED,
    cache_dir,
    cache_root,
    cached_files,
    damaged,
    keras_installed,
    keras_sha256,
    lite_kind,
    named_stats,
    shipped_dir,
    shipped_problem,
    stats_of,
    user_cache_files,
)
from tfstyle.video.temporal import norm_layers, smoothed_norms

__all__ = ["build_litert_cache", "build_shipped_files", "convert_preset", "ensure_litert_cache", "litert_or_keras",
           "temporal_files"]

#: Rough build time, for the note on stderr (measured on a 2-core machine).
BUILD_SECONDS = {"fast": 30, "arbitrary": 70}


def _dynamic(channels: int = 3) -> tuple:
    return (1, None, None, channels)


def _smoothed(run, net):
    """The ``smooth`` signature's function: ``run(kwargs)`` (the network's forward pass) with every instance
    norm of ``net`` smoothing its statistics with the ``mean_NN`` / ``var_NN`` inputs by ``momentum``.

    ``momentum`` is ``(1, 1, 1, 1)``: it broadcasts against the ``(1, 1, 1, C)`` statistics with no slice or
    reshape op, which XNNPACK would leave outside its graph.
    """
    import tensorflow as tf

    def smooth(**kwargs):
        record: list = []
        with smoothed_norms(net, stats_of(kwargs), kwargs[MOMENTUM], record=record):
            out = run(kwargs)
        return {OUTPUT: tf.cast(out, tf.float32), **named_stats(record)}

    return smooth


def _transfer_files(transfer, conditioned: bool) -> dict[str, bytes]:
    """``whole``/``stats``/``tile``/``smooth`` for a JohnsonNet (or a StyleTransferNet taking a ``style_vector``)."""
    import tensorflow as tf

    dim = getattr(transfer, "style_dim", None)
    channels = [conv.filters for conv in transfer.normalized_convs()]
    content = {CONTENT: _dynamic()}
    vector = {VECTOR: (1, dim)} if conditioned else {}
    moment_inputs = named_stats([((1, 1, 1, c), (1, 1, 1, c)) for c in channels])  # input name -> shape

    def conditioning(kwargs):
        return transfer.conditioning(kwargs[VECTOR]) if conditioned else None

    def whole(**kwargs):
        return {OUTPUT: tf.cast(transfer.transform(kwargs[CONTENT], conditioning(kwargs)), tf.float32)}

    def stats(**kwargs):
        return named_stats(transfer.norm_stats(kwargs[CONTENT], conditioning=conditioning(kwargs)))

    def tile(**kwargs):
        return {OUTPUT: tf.cast(transfer.transform(kwargs[CONTENT], conditioning(kwargs),
                                                   stats=stats_of(kwargs)), tf.float32)}

    smooth = _smoothed(lambda kwargs: transfer.transform(kwargs[CONTENT], conditioning(kwargs)), transfer)
    return {"whole": _convert(transfer, whole, {**content, **vector}),
            "stats": _convert(transfer, stats, {**content, **vector}),
            "tile": _convert(transfer, tile, {**content, **vector, **moment_inputs}),
            "smooth": _convert(transfer, smooth, {**content, MOMENTUM: (1, 1, 1, 1), **vector, **moment_inputs})}


def temporal_files(net) -> dict[str, bytes]:
    """``smooth`` and ``tile`` of any one-style network (a :class:`~tfstyle.runtime.protocols.NormStatsNet` built
    of Keras layers: a ``.keras`` fast network, a conditioned arbitrary one), converted in memory at a dynamic
    height and width for :class:`tfstyle.runtime.preset_files.LiteNet`: how video runs networks that are not
    presets.

    Raises:
        OptionError: ``net``'s instance norms cannot be smoothed inside one pass (e.g. MicroAST's, which
            only take given statistics): run it with Keras instead.
        TfstyleError: the conversion failed.
    """
    import tensorflow as tf

    norm_layers(net)  # the one-pass smoothing patches these: refuse early, before tracing
    shapes = [(tuple(np.shape(mean)), tuple(np.shape(var)))
              for mean, var in net.norm_stats(np.zeros((1, 16, 16, 3), np.float32))]  # also builds the weights
    inputs = {CONTENT: _dynamic(), **named_stats(shapes)}

    def tile(**kwargs):
        return {OUTPUT: tf.cast(net(kwargs[CONTENT], stats=stats_of(kwargs)), tf.float32)}

    smooth = _smoothed(lambda kwargs: net(kwargs[CONTENT]), net)
    # ExportArchive tracks the variables the functions use itself: no need to know which Keras model holds them.
    return {"tile": _convert(tf.Module(), tile, inputs),
            "smooth": _convert(tf.Module(), smooth, {**inputs, MOMENTUM: (1, 1, 1, 1)})}


def _convert(model, function, inputs: dict) -> bytes:
    names = list(inputs)

    def serve(*args):  # ExportArchive passes the inputs positionally, in the order of the specs
        return function(**dict(zip(names, args)))

    content = convert_signature(model, serve, inputs, "float32")
    check_ops(content, require_gpu=False)  # refuses Flex / custom ops
    return content


def _unwritable(name: str, where, exc: BaseException) -> TfstyleError:
    return TfstyleError(f"cannot build the LiteRT files for {name!r}: the cache folder {where} is not writable "
                        f"({describe_os_error(exc)}); set TFSTYLE_CACHE to a writable folder")


def _writable(name: str, folder) -> None:
    """Create ``folder`` and check that files can be written in it, before any conversion starts."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory")
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _unwritable(name, cache_root(), exc) from None


@contextlib.contextmanager
def _build_lock(name: str, folder):
    """Hold ``<cache>/litert/.<key>.lock`` exclusively; yields whether another process held it first.

    The lock is an ``flock``: the system releases it when its holder exits, however it ends (``SIGKILL``
    included). Where ``fcntl`` does not exist (Windows) builds are not serialized (each writes atomically).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield False
        return
    lock = folder.parent / f".{folder.name}.lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise _unwritable(name, cache_root(), exc) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            waited = False
        except BlockingIOError:
            print(f"tfstyle: note: waiting for another tfstyle process that is building the LiteRT files for "
                  f"{name!r}", file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
            waited = True
        yield waited
    finally:
        os.close(fd)  # releases the lock


def _check_loads(name: str, role: str, content: bytes) -> None:
    """Refuse a converted file that LiteRT cannot load (before it is written into the cache)."""
    from tfstyle.runtime.litert import SIGNATURE_KEY, make_interpreter

    try:
        make_interpreter(model_content=content, num_threads=1).get_signature_runner(SIGNATURE_KEY)
    except Exception as exc:  # noqa: BLE001 - any loader failure, in one line
        raise TfstyleError(f"the converted LiteRT file {role}.tflite of {name!r} does not load: "
                           f"{first_line(exc)}") from None


def build_litert_cache(name: str, *, quiet: bool = False) -> dict:
    """Convert preset ``name`` to its LiteRT files in :func:`tfstyle.runtime.preset_files.cache_dir` (even if they exist).

    Prints "building the LiteRT file for NAME once (~N s)" on stderr unless ``quiet`` (or, when the
    cached files were found damaged, which file and that they are rebuilt). The cache folder is checked
    for writing first; the build holds the cache's lock file, and when this process found the files
    missing or damaged (:func:`~tfstyle.runtime.preset_files.cached_files`) but another process has
    built them meanwhile (it held the lock), those files are returned without a build.
    Returns ``{role: path}`` as :func:`tfstyle.runtime.preset_files.cached_files`.

    Raises:
        OptionError: ``name`` is not a preset with LiteRT files.
        TfstyleError: the cache location is not a writable folder (before any conversion), or the
            conversion or the write failed (one line).
    """
    kind = lite_kind(name)
    if kind is None:
        raise OptionError(f"{name!r} is not a shipped preset with LiteRT files (fast JohnsonNet or arbitrary "
                          "ArbitraryStyleNet presets)")
    if importlib.util.find_spec("tensorflow") is None:  # a light install: fail before any note, folder or lock
        raise ModuleNotFoundError("No module named 'tensorflow'", name="tensorflow")
    folder = cache_dir(name)
    _writable(name, folder)
    with _build_lock(name, folder) as waited:
        if waited or folder.name in WANTED:
            found = user_cache_files(name)
            if found is not None:  # built by another process since this one looked
                WANTED.discard(folder.name)
                return found
        files = _build(name, kind, folder, quiet)
    WANTED.discard(folder.name)
    return files


def _build(name: str, kind: str, folder, quiet: bool) -> dict:
    why = damaged(name)
    if why:  # said even when quiet: a damaged cache is news
        print(f"tfstyle: note: the LiteRT files for {name!r} are damaged ({why}); rebuilding them once "
              f"(~{BUILD_SECONDS[kind]} s)", file=sys.stderr)
    elif not quiet:
        print(f"tfstyle: building the LiteRT file for {name!r} once (~{BUILD_SECONDS[kind]} s); later runs "
              "start without TensorFlow", file=sys.stderr)
    files, manifest = convert_preset(name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(name, cache_root(), exc) from None
    _write(folder, files, {"key": folder.name, **manifest})
    found = user_cache_files(name)
    if found is None:
        raise TfstyleError(f"the LiteRT files for {name!r} were written to {folder} but do not read back "
                           f"({damaged(name) or 'missing'})")
    return found


def _write(folder, files: dict, manifest: dict) -> None:
    """The files and their manifest (sizes and SHA-256s added), all or nothing (:func:`tfstyle.atomic.write_files`)."""
    manifest = {**manifest, "sizes": {role: len(content) for role, content in files.items()},
                "sha256": {role: hashlib.sha256(content).hexdigest() for role, content in files.items()}}
    write_files({**{folder / f"{role}.tflite": content for role, content in files.items()},
                 folder / MANIFEST: json.dumps(manifest, indent=2) + "\n"})


def convert_preset(name: str) -> tuple[dict[str, bytes], dict]:
    """``({role: file bytes}, manifest)``: preset ``name``'s LiteRT files converted in memory (each checked to load),
    and what their ``manifest.json`` records besides sizes and SHA-256s (``kind``, ``cache_format``, the
    ``keras_sha256`` of the ``.keras`` file they come from, ...). The one conversion both the user cache
    (:func:`build_litert_cache`) and the package's prebuilt files (:func:`build_shipped_files`) use.

    Raises:
        OptionError: ``name`` is not a preset with LiteRT files.
        TfstyleError: a converted file does not load.
    """
    kind = lite_kind(name)
    if kind is None:
        raise OptionError(f"{name!r} is not a shipped preset with LiteRT files (fast JohnsonNet or arbitrary "
                          "ArbitraryStyleNet presets)")
    start = time.perf_counter()
    from tfstyle.weights.presets import load_model

    net = load_model(name, kind=kind)
    manifest = {"preset": name, "kind": kind, "format": "float32", "cache_format": CACHE_FORMAT,
                "keras_sha256": keras_sha256(name), "tfstyle_version": __version__}
    if kind == "fast":
        files = _transfer_files(net, conditioned=False)
    else:
        import tensorflow as tf

        side = int(net.style_size)
        files = _transfer_files(net.transfer, conditioned=True)
        files["predictor"] = _convert(net.predictor, lambda **kw: {VECTOR: tf.cast(net.predict_style(kw[STYLE]),
                                                                                   tf.float32)},
                                      {STYLE: (1, side, side, 3)})
        manifest.update(style_size=side, style_dim=int(net.style_dim))
    for role, content in files.items():
        _check_loads(name, role, content)
    manifest["build_seconds"] = round(time.perf_counter() - start, 1)
    return files, manifest


def build_shipped_files(name: str, root=None) -> dict:
    """Convert preset ``name`` into the package's prebuilt files, ``<root>/<name>/`` (``root``: by default
    :data:`tfstyle.runtime.preset_files.SHIPPED_DIR`), replacing what is there; ``tools/build_preset_files.py``
    runs it. Returns ``{role: path}``.

    Raises:
        OptionError: ``name`` is not a preset with LiteRT files.
        TfstyleError: the conversion failed, or the written files do not read back.
    """
    import pathlib

    folder = pathlib.Path(root) / name if root is not None else shipped_dir(name)
    files, manifest = convert_preset(name)
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, files, {"key": name, **manifest})
    if root is None and shipped_problem(name) is not None:
        raise TfstyleError(f"the LiteRT files for {name!r} were written to {folder} but do not read back "
                           f"({shipped_problem(name)})")
    return {role: folder / f"{role}.tflite" for role in files}


def ensure_litert_cache(name: str, *, quiet: bool = False) -> dict:
    """The cached files of preset ``name``, built first when missing or damaged (only then is TensorFlow imported)."""
    return cached_files(name) or build_litert_cache(name, quiet=quiet)


def litert_or_keras(name: str, *, strict: bool) -> dict | None:
    """The cached files of preset ``name``, built first when missing or damaged; where the build fails,
    ``None`` with a one-line note (the caller runs Keras), or the error itself when ``strict``
    (``backend="litert"``). TensorFlow not installed counts as a failed build."""
    try:
        return cached_files(name) or build_litert_cache(name)
    except ImportError as exc:  # a light install: no TensorFlow to build with
        if strict or not keras_installed():  # ... and no Keras to fall back to: one line naming the extra
            raise OptionError(f"{name!r} has no prebuilt LiteRT files in this install; building them or running "
                              f"Keras {NEEDS_TF} ({first_line(exc)})") from None
        exc_line = first_line(exc)
    except TfstyleError as exc:
        if strict:
            raise
        exc_line = first_line(exc)
    from tfstyle.runtime.preset_files import note

    note(f"using Keras for {name!r}: building its LiteRT file failed ({exc_line})")
    return None
