"""Atomic file writes: every file tfstyle writes appears whole or not at all.

A writer gets a hidden temporary path beside the target (same folder, so the final rename
is atomic; same suffix, so Keras and NumPy accept it), writes there, and the file is
flushed, fsynced and renamed over the target only when the writer finishes. Anything that
goes wrong, Ctrl-C included, removes the temporary file and leaves an existing target as it
was. Several files written together (a model and its metadata) are renamed only after all
of them were written.

Example:
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = write_text(os.path.join(folder, "report.md"), "# ok\\n")
    >>> path.read_text(), os.listdir(folder)
    ('# ok\\n', ['report.md'])
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import tempfile
from collections.abc import Iterator

from tfstyle.errors import TfstyleError

__all__ = ["atomic_paths", "atomic_path", "write_bytes", "write_text", "write_files", "save_model"]


def _new_file_mode(target: pathlib.Path) -> int:
    """The target's own mode when it exists (a rewrite keeps permissions), else 0o666 minus the umask."""
    with contextlib.suppress(OSError):
        return target.stat().st_mode & 0o7777
    return 0o666 & ~_umask()


def _umask() -> int:
    # /proc first: os.umask() sets the mask to read it, which races with other threads.
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync(path: str | os.PathLike) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_paths(*paths: str | os.PathLike) -> Iterator[list[pathlib.Path]]:
    """Temporary paths for ``paths``, renamed over them together when the block ends without error.

    The temporaries are empty files ``.tmp-XXXX-<name>`` in each target's folder; the block may
    overwrite or replace them (e.g. ``model.save(tmp)``). A block that raises leaves no
    temporary behind and every target untouched.
    """
    targets = [pathlib.Path(p) for p in paths]
    temps: list[pathlib.Path] = []
    try:
        for target in targets:
            try:
                fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=f"-{target.name}", dir=target.parent)
            except OSError as exc:
                raise TfstyleError(f"cannot write to folder {target.parent} ({exc.strerror or exc})") from exc
            os.close(fd)
            temps.append(pathlib.Path(name))
        yield temps
        for target, tmp in zip(targets, temps):
            if tmp.is_file():
                _fsync(tmp)
                with contextlib.suppress(OSError):
                    os.chmod(tmp, _new_file_mode(target))
        for target, tmp in zip(targets, temps):
            os.replace(tmp, target)
        for folder in {t.parent for t in targets}:
            _fsync(folder)
    finally:
        for tmp in temps:
            with contextlib.suppress(OSError):
                if tmp.is_dir():
                    shutil.rmtree(tmp)
                else:
                    tmp.unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[pathlib.Path]:
    """One temporary path for ``path``, renamed over it when the block ends without error."""
    with atomic_paths(path) as (tmp,):
        yield tmp


def write_files(files: dict[str | os.PathLike, bytes | str]) -> None:
    """Write several files (bytes, or text as UTF-8) so that all of them, or none, appear."""
    try:
        with atomic_paths(*files) as temps:
            for tmp, data in zip(temps, files.values()):
                tmp.write_bytes(data.encode() if isinstance(data, str) else data)
    except OSError as exc:
        raise TfstyleError(f"could not write {', '.join(os.fspath(f) for f in files)}: {exc}") from exc


def write_bytes(path: str | os.PathLike, data: bytes) -> pathlib.Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    write_files({path: data})
    return pathlib.Path(path)


def write_text(path: str | os.PathLike, text: str) -> pathlib.Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    write_files({path: text})
    return pathlib.Path(path)


def save_model(model, path: str | os.PathLike) -> pathlib.Path:
    """Save a Keras model (``.keras``) or its weights (``.weights.h5``) atomically; return the path."""
    path = pathlib.Path(path)
    with atomic_path(path) as tmp:
        tmp.unlink()  # Keras refuses nothing, but h5py opens an existing empty file as corrupt
        if path.name.endswith(".weights.h5"):
            model.save_weights(tmp)
        else:
            model.save(tmp)
    return path
