"""Read PyTorch's legacy (non-zip) checkpoints without PyTorch, safely.

The legacy format (``torch.save(..., _use_new_zipfile_serialization=False)``, as MicroAST's
authors published theirs): pickled magic number, protocol version and system info, then the
object pickle whose tensors refer to storages by persistent id ``("storage", <StorageClass>,
key, location, numel, view)``, the list of storage keys, then for each key an int64
little-endian element count followed by the storage's raw little-endian bytes.
:class:`RestrictedUnpickler` resolves only the few globals such a file needs (the tensor rebuild
function, ``OrderedDict``, storage classes) to inert stand-ins and refuses any other, so a
checkpoint cannot run code. ``tools/convert_microast.py`` uses it.

Example:
    >>> import io, pickle, os
    >>> RestrictedUnpickler(io.BytesIO(pickle.dumps(os.system))).load()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    _pickle.UnpicklingError: refusing to load posix.system: ...
"""
from __future__ import annotations

import collections
import os
import pathlib
import pickle

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


class CheckpointError(ValueError):
    """A checkpoint that is not what this converter reads, or does not fit the model."""


class _StorageType:
    """Stand-in for ``torch.<Type>Storage``: only its element dtype matters."""

    def __init__(self, name: str, dtype: str):
        self.name, self.dtype = name, np.dtype(dtype)

    def __repr__(self):
        return f"torch.{self.name}"


class _Storage:
    """A storage announced by a persistent id; its bytes are read after the object pickle."""

    def __init__(self, storage_type: _StorageType, key: str, numel: int):
        self.type, self.key, self.numel, self.data = storage_type, key, int(numel), None


class _TensorRef:
    """What ``_rebuild_tensor_v2`` returns here: a view of a storage, made an array once storages are read."""

    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple):
        self.storage, self.offset, self.size, self.stride = storage, int(offset), tuple(size), tuple(stride)

    def to_numpy(self) -> np.ndarray:
        data = self.storage.data
        if data is None:
            raise CheckpointError(f"storage {self.storage.key} was never read")
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride) if n > 0)
        if any(n == 0 for n in self.size):
            return np.zeros(self.size, data.dtype)
        if self.offset < 0 or last >= data.size:
            raise CheckpointError(f"tensor of size {self.size} runs past its storage ({data.size} elements)")
        view = np.lib.stride_tricks.as_strided(data[self.offset:], shape=self.size,
                                               strides=[s * data.itemsize for s in self.stride])
        return np.array(view, copy=True)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, *rest):
    if not isinstance(storage, _Storage):
        raise CheckpointError(f"a tensor whose storage is {type(storage).__name__}, not a storage")
    return _TensorRef(storage, storage_offset, size, stride)


_STORAGE_TYPES = {name: _StorageType(name, dtype) for name, dtype in (
    ("FloatStorage", "<f4"), ("DoubleStorage", "<f8"), ("HalfStorage", "<f2"), ("LongStorage", "<i8"),
    ("IntStorage", "<i4"), ("ShortStorage", "<i2"), ("CharStorage", "i1"), ("ByteStorage", "u1"),
    ("BoolStorage", "?"))}

#: The only globals a checkpoint may name, and what they resolve to.
ALLOWED_GLOBALS = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("collections", "OrderedDict"): collections.OrderedDict,
    **{("torch", name): storage_type for name, storage_type in _STORAGE_TYPES.items()},
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles PyTorch legacy checkpoints; refuses every global outside :data:`ALLOWED_GLOBALS`.

    Storages (persistent ids) become :class:`_Storage` records collected in ``self.storages``.

    Example:
        >>> import pickle, io, collections
        >>> dict(RestrictedUnpickler(io.BytesIO(pickle.dumps(collections.OrderedDict(a=1)))).load())
        {'a': 1}
        >>> RestrictedUnpickler(io.BytesIO(pickle.dumps(print))).load()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        _pickle.UnpicklingError: refusing to load builtins.print: a checkpoint may only name torch tensor/storage ...
    """

    def __init__(self, file, **kwargs):
        super().__init__(file, **kwargs)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: a checkpoint may only name torch tensor/storage rebuild "
                "functions and collections.OrderedDict") from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] in ("storage", b"storage")):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r:.80} (only legacy storages)")
        if len(pid) != 6:
            raise pickle.UnpicklingError(f"a storage persistent id has 6 fields, got {len(pid)}")
        _, storage_type, key, _location, numel, view = pid
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unsupported storage type {storage_type!r}")
        if view is not None:
            raise pickle.UnpicklingError("storage views (PyTorch < 0.4 files) are not supported")
        key = str(key)
        if key not in self.storages:
            self.storages[key] = _Storage(storage_type, key, numel)
        return self.storages[key]


def _load_plain(f) -> object:
    return RestrictedUnpickler(f).load()


def read_legacy_checkpoint(path: str | os.PathLike) -> "collections.OrderedDict[str, np.ndarray]":
    """Read a PyTorch legacy (non-zip) checkpoint holding a dict of tensors: ``{name: float32 array}``.

    Raises:
        CheckpointError: not a legacy checkpoint, truncated, or not a dict of tensors.
        pickle.UnpicklingError: the file names a global outside :data:`ALLOWED_GLOBALS`.
    """
    path = pathlib.Path(path)
    with open(path, "rb") as f:
        if f.read(2) == b"PK":
            raise CheckpointError(f"{path}: a zip checkpoint (PyTorch >= 1.6 format), not the legacy format")
        f.seek(0)
        try:
            magic = _load_plain(f)
        except (pickle.UnpicklingError, EOFError) as exc:
            raise CheckpointError(f"{path}: not a PyTorch legacy checkpoint ({exc})") from None
        if magic != MAGIC_NUMBER:
            raise CheckpointError(f"{path}: wrong magic number {magic!r}")
        version = _load_plain(f)
        if version != PROTOCOL_VERSION:
            raise CheckpointError(f"{path}: protocol version {version!r}, expected {PROTOCOL_VERSION}")
        sys_info = _load_plain(f)
        if not isinstance(sys_info, dict) or not sys_info.get("little_endian", True):
            raise CheckpointError(f"{path}: written on a big-endian machine (unsupported)")
        unpickler = RestrictedUnpickler(f)
        state = unpickler.load()
        keys = _load_plain(f)
        if not isinstance(keys, list):
            raise CheckpointError(f"{path}: storage key list missing")
        for key in keys:
            storage = unpickler.storages.get(str(key))
            if storage is None:
                raise CheckpointError(f"{path}: storage {key} listed but never used")
            header = f.read(8)
            if len(header) != 8:
                raise CheckpointError(f"{path}: truncated before storage {key}")
            count = int(np.frombuffer(header, "<i8")[0])
            if count != storage.numel:
                raise CheckpointError(f"{path}: storage {key} has {count} elements, its tensor says {storage.numel}")
            nbytes = count * storage.type.dtype.itemsize
            raw = f.read(nbytes)
            if len(raw) != nbytes:
                raise CheckpointError(f"{path}: storage {key} truncated ({len(raw)} of {nbytes} bytes)")
            storage.data = np.frombuffer(raw, storage.type.dtype)
        if f.read(1):
            raise CheckpointError(f"{path}: unexpected data after the last storage")
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: holds a {type(state).__name__}, expected a dict of tensors")
    out = collections.OrderedDict()
    for name, value in state.items():
        if not isinstance(value, _TensorRef):
            raise CheckpointError(f"{path}: entry {name!r} is a {type(value).__name__}, not a tensor")
        out[str(name)] = value.to_numpy().astype(np.float32)
    return out
