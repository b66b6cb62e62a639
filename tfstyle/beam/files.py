"""Files through Beam's file systems (local, ``gs://``, ``s3://``, ...), each written whole or not at all.

Local paths go through :mod:`tfstyle.atomic` (a hidden temporary file beside the target, fsynced,
renamed); other file systems get a hidden temporary object beside the target, renamed over it
once complete (object stores show an object only once it is closed, so a reader never sees half a file).
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.localfilesystem import LocalFileSystem

from tfstyle.atomic import TEMP_PREFIX, write_bytes
from tfstyle.errors import ImageError

__all__ = ["absolute", "exists", "glob_root", "is_local", "local_copy", "read_bytes", "upload", "write_file"]

#: Glob characters of Beam's patterns (``*``, ``**``, ``?``, ``[...]``).
_GLOB = "*?["


def is_local(path: str) -> bool:
    """Whether ``path`` is on the local file system (no ``scheme://``, or one Beam serves locally).

    >>> is_local("/data/photos/a.jpg"), is_local("gs://bucket/a.jpg")
    (True, False)
    """
    return isinstance(FileSystems.get_filesystem(path), LocalFileSystem)


def absolute(path: str) -> str:
    """A local path made absolute (Beam's matches of a relative pattern are relative); others as they are.

    >>> absolute("gs://bucket/in/*.jpg")
    'gs://bucket/in/*.jpg'
    """
    return os.path.abspath(path) if is_local(path) else path


def glob_root(pattern: str) -> str:
    """The folder a glob starts from: its path up to the last ``/`` before the first glob character.

    Outputs keep the path of their input below this folder.

    >>> glob_root("gs://bucket/photos/**/*.jpg"), glob_root("/data/in/a.png")
    ('gs://bucket/photos', '/data/in')
    """
    first = min((pattern.index(c) for c in _GLOB if c in pattern), default=len(pattern))
    return pattern[:first].rpartition("/")[0] or "/"


def exists(path: str) -> bool:
    """Whether a file exists at ``path`` (any file system)."""
    return FileSystems.exists(path)


def read_bytes(path: str) -> bytes:
    """The bytes of ``path`` as stored (no decompression by suffix)."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        return handle.read()


@contextlib.contextmanager
def local_copy(path: str) -> Iterator[str]:
    """``path`` itself when it is local, else a temporary local copy with the same suffix (removed afterwards).

    For readers that need a local file (the image loader's JPEG draft decoding, ffmpeg, Keras).
    """
    if is_local(path):
        yield path
        return
    folder = tempfile.mkdtemp(prefix="tfstyle-beam-")
    try:
        local = os.path.join(folder, "input" + pathlib.PurePosixPath(path).suffix)
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as source, \
                open(local, "wb") as copy:
            shutil.copyfileobj(source, copy, 1 << 22)
        yield local
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remote_temp(target: str) -> str:
    folder, _, name = target.rpartition("/")
    return f"{folder}/{TEMP_PREFIX}{uuid.uuid4().hex}-{name}"


def write_file(target: str, data: bytes) -> None:
    """Write ``data`` to ``target`` whole or not at all, creating its local folder when missing."""
    if is_local(target):
        _local_folder(os.path.dirname(target))
        write_bytes(target, data, error=ImageError)
        return
    temp = _remote_temp(target)
    try:
        with FileSystems.create(temp, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            handle.write(data)
        FileSystems.rename([temp], [target])
    except BaseException:
        with contextlib.suppress(Exception):
            FileSystems.delete([temp])
        raise


def upload(local: str, target: str) -> None:
    """Copy the local file ``local`` to the remote ``target`` whole or not at all (a temporary object, renamed)."""
    temp = _remote_temp(target)
    try:
        with open(local, "rb") as source, \
                FileSystems.create(temp, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            shutil.copyfileobj(source, handle, 1 << 22)
        FileSystems.rename([temp], [target])
    except BaseException:
        with contextlib.suppress(Exception):
            FileSystems.delete([temp])
        raise


def _local_folder(folder: str) -> None:
    try:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:
        raise ImageError(f"output folder is a file: {folder}") from None
    except OSError as exc:
        raise ImageError(f"cannot create output folder {folder} ({exc.strerror or exc})") from exc
