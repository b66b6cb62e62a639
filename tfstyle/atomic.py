"""Atomic file writes: every file tfstyle writes appears whole or not at all.

A writer gets a hidden temporary path beside the target (same folder, so the final rename
is atomic; same suffix, so Keras and NumPy accept it), writes there, and the file is
flushed, fsynced and renamed over the target only when the writer finishes. Anything that
goes wrong, Ctrl-C included, removes the temporary file and leaves an existing target as it
was. Several files written together (a model and its metadata) are renamed only after all
of them were written.

Bytes given in memory (:func:`write_files`, :func:`write_bytes`, :func:`write_text`; images
are encoded into memory first, :func:`tfstyle.image.io.save_image`) are written by tfstyle
itself: every short write is retried, a full disk (``ENOSPC``) or any other write error
raises a one-line :class:`~tfstyle.errors.TfstyleError`, and the file's length on disk is
checked against the bytes meant before the rename. So a file is never renamed into place
truncated, even by encoders that ignore a short write (Pillow's JPEG encoder does).

A process killed outright (``SIGKILL``, power loss) cannot clean up: it may leave a hidden
``.tmp-<host>.<pid>-XXXXXXXX-<name>`` file in the folder, but the target itself is always either
the old file or the whole new one, and the next write into that folder removes such files of
processes that no longer run (:func:`remove_stale_temps`).

Example:
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = write_text(os.path.join(folder, "report.md"), "# ok\\n")
    >>> path.read_text(), os.listdir(folder)
    ('# ok\\n', ['report.md'])
"""
from __future__ import annotations

import contextlib
import errno
import os
import pathlib
import re
import shutil
import socket
import tempfile
import zlib
from collections.abc import Iterator

from tfstyle import interrupts
from tfstyle.errors import TfstyleError

__all__ = ["atomic_paths", "atomic_path", "write_bytes", "write_text", "write_files", "save_model", "describe_os_error",
           "remove_stale_temps", "TEMP_PREFIX"]

#: Temporary files start with this (hidden: :func:`tfstyle.image.io.list_images` skips them).
TEMP_PREFIX = ".tmp-"

#: A temporary name's writer: ``.tmp-<host hash>.<pid>-``.
_STALE = re.compile(re.escape(TEMP_PREFIX) + r"([0-9a-f]{6})\.(\d+)-")

#: Bytes handed to one ``write`` call.
_CHUNK = 1 << 22

#: fsync errors that only mean "this file system does not sync": not a failed write.
_NO_SYNC = {errno.EINVAL, errno.EROFS, getattr(errno, "ENOTSUP", errno.EINVAL),
            getattr(errno, "EOPNOTSUPP", errno.EINVAL)}


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


def describe_os_error(exc: BaseException) -> str:
    """A short reason for a failed write: ``no space left on device``, ``permission denied``, ...

    >>> describe_os_error(OSError(errno.ENOSPC, "No space left on device"))
    'no space left on device'
    """
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "no space left on device"
    if isinstance(exc, OSError) and exc.errno == getattr(errno, "EDQUOT", -1):
        return "disk quota exceeded"
    text = (exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split())) or \
        type(exc).__name__
    return text[:1].lower() + text[1:]


def _sync_file(path: pathlib.Path) -> None:
    """fsync ``path``; a write error it reports (e.g. ENOSPC on delayed allocation) is raised."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_SYNC:
            raise
    finally:
        os.close(fd)


def _sync_folder(path: pathlib.Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _owner() -> str:
    """This process as temporary names record it: a hash of the host name and the process id."""
    return f"{zlib.crc32(socket.gethostname().encode()) & 0xFFFFFF:06x}.{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: the process exists, owned by someone else
        return True
    return True


def remove_stale_temps(folder: str | os.PathLike) -> list[str]:
    """Remove the temporary files that killed processes of this host left in ``folder``; their names.

    A temporary file records its writer (:func:`_owner`); one whose process no longer runs on this
    host can never be finished, so the next write into the folder deletes it. Files of live
    processes and of other hosts are left alone.
    """
    host = _owner().split(".")[0]
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _STALE.match(entry.name)
            if match and match.group(1) == host and not _alive(int(match.group(2))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(entry.name)
    return removed


def _temp_file(target: pathlib.Path, error: type[TfstyleError]) -> pathlib.Path:
    """A new empty hidden file beside ``target``, named after it (its suffix kept) and its writer."""
    name = target.name[-100:]  # the temporary name must stay within NAME_MAX
    remove_stale_temps(target.parent)
    try:
        fd, temp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{_owner()}-", suffix=f"-{name}", dir=target.parent)
    except OSError as exc:
        raise error(f"cannot write to folder {target.parent} ({describe_os_error(exc)})") from exc
    os.close(fd)
    return pathlib.Path(temp)


def _write_whole(path: pathlib.Path, data: bytes | bytearray | memoryview) -> None:
    """Write ``data`` to ``path`` (replacing its content), fsync it and check its length on disk.

    A short write is continued; a write that makes no progress, a failed ``fsync`` or a file
    whose size on disk differs from ``len(data)`` raises :class:`OSError`.
    """
    view = memoryview(data).cast("B")
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_BINARY", 0))
    try:
        done = 0
        while done < len(view):
            count = os.write(fd, view[done:done + _CHUNK])
            if count <= 0:  # no error, no progress: the device is full
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            done += count
        try:
            os.fsync(fd)
        except OSError as exc:
            if exc.errno not in _NO_SYNC:
                raise
        size = os.fstat(fd).st_size
        if size != len(view):
            raise OSError(errno.EIO, f"{size} of {len(view)} bytes reached the disk")
    finally:
        os.close(fd)


@contextlib.contextmanager
def _atomic_paths(paths, error: type[TfstyleError]) -> Iterator[list[pathlib.Path]]:
    targets = [pathlib.Path(p) for p in paths]
    temps: list[pathlib.Path] = []
    try:
        for target in targets:
            temps.append(_temp_file(target, error))
        yield temps
        for target, tmp in zip(targets, temps):
            if tmp.is_file():
                try:
                    _sync_file(tmp)
                except OSError as exc:
                    raise error(f"could not write {target}: {describe_os_error(exc)}") from exc
                with contextlib.suppress(OSError):
                    os.chmod(tmp, _new_file_mode(target))
        interrupts.check()  # a Ctrl-C/SIGTERM that a finalizer swallowed: still nothing is committed
        for target, tmp in zip(targets, temps):
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise error(f"could not write {target}: {describe_os_error(exc)}") from exc
        for folder in {t.parent for t in targets}:
            _sync_folder(folder)
    finally:
        for tmp in temps:
            with contextlib.suppress(OSError):
                if tmp.is_dir() and not tmp.is_symlink():
                    shutil.rmtree(tmp)
                else:
                    tmp.unlink()


@contextlib.contextmanager
def atomic_paths(*paths: str | os.PathLike) -> Iterator[list[pathlib.Path]]:
    """Temporary paths for ``paths``, renamed over them together when the block ends without error.

    The temporaries are empty files ``.tmp-XXXX-<name>`` in each target's folder; the block may
    overwrite or replace them (e.g. ``model.save(tmp)``). Each is fsynced before the renames
    (an error the file system reports then, such as a full disk, raises a
    :class:`~tfstyle.errors.TfstyleError`). A block that raises leaves no temporary behind and
    every target untouched.
    """
    with _atomic_paths(paths, TfstyleError) as temps:
        yield temps


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[pathlib.Path]:
    """One temporary path for ``path``, renamed over it when the block ends without error."""
    with atomic_paths(path) as (tmp,):
        yield tmp


def write_files(files: dict[str | os.PathLike, bytes | str], *, error: type[TfstyleError] = TfstyleError) -> None:
    """Write several files (bytes, or text as UTF-8) so that all of them, or none, appear.

    Each file is written, fsynced and its length on disk checked before any is renamed into place.
    A failure (a full disk included) raises ``error`` (a :class:`~tfstyle.errors.TfstyleError`
    class) with a one-line message, removes the temporary files and leaves every earlier file
    at those paths as it was.
    """
    try:
        with _atomic_paths(files, error) as temps:
            for tmp, (target, data) in zip(temps, files.items()):
                try:
                    _write_whole(tmp, data.encode() if isinstance(data, str) else data)
                except OSError as exc:
                    raise error(f"could not write {os.fspath(target)}: {describe_os_error(exc)}; "
                                "nothing was changed there") from exc
    except OSError as exc:  # creating or renaming a temporary file
        raise error(f"could not write {', '.join(os.fspath(f) for f in files)}: {describe_os_error(exc)}") from exc


def write_bytes(path: str | os.PathLike, data: bytes, *, error: type[TfstyleError] = TfstyleError) -> pathlib.Path:
    """Write ``data`` to ``path`` atomically (see :func:`write_files`); return the path."""
    write_files({path: data}, error=error)
    return pathlib.Path(path)


def write_text(path: str | os.PathLike, text: str) -> pathlib.Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    write_files({path: text})
    return pathlib.Path(path)


def save_model(model, path: str | os.PathLike) -> pathlib.Path:
    """Save a Keras model (``.keras``) or its weights (``.weights.h5``) atomically; return the path."""
    path = pathlib.Path(path)
    try:
        with atomic_path(path) as tmp:
            tmp.unlink()  # Keras refuses nothing, but h5py opens an existing empty file as corrupt
            if path.name.endswith(".weights.h5"):
                model.save_weights(tmp)
            else:
                model.save(tmp)
    except OSError as exc:
        raise TfstyleError(f"could not write {path}: {describe_os_error(exc)}; nothing was changed there") from exc
    return path
