"""Convert MicroAST's published PyTorch checkpoints into a tfstyle Keras model, without PyTorch.

Usage::

    python tools/convert_microast.py --src ../shared/anchors/microast --out tfstyle/weights

reads ``content_encoder_iter_160000.pth.tar``, ``style_encoder_...``, ``modulator_...`` and
``decoder_...`` (PyTorch's legacy, non-zip serialization) and writes ``<out>/microast_v1.keras``
and its entry in ``<out>/presets.json`` (the registry). Every checkpoint tensor must map onto exactly one
model weight: a tensor left over or a weight with no tensor stops the conversion with its name.

The legacy format is five pickles and raw data: a magic number, a protocol version (1001), a
dict of system info, the object (here an ``OrderedDict`` of tensors whose storages are persistent
ids ``("storage", <StorageClass>, key, location, numel, view)``), the list of storage keys, then
for each key an int64 little-endian element count followed by the storage's raw little-endian
bytes. :class:`RestrictedUnpickler` resolves only the few globals such a file needs (the tensor
rebuild function, ``OrderedDict``, storage classes) to inert stand-ins and refuses any other,
so a checkpoint cannot run code.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import pathlib
import pickle
import sys

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
PARTS = ("content_encoder", "style_encoder", "modulator", "decoder")
CHECKPOINT = "{part}_iter_160000.pth.tar"
NAME = "microast_v1"
ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's tfstyle, not another installed copy


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


def map_tensors(model, tensors: dict[str, np.ndarray]) -> dict:
    """Check ``{"<part>.<module>.conv_layer.weight|bias": array}`` against ``model`` and return ``{variable: value}``.

    PyTorch conv weights ``(out, in // groups, k, k)`` become ``(k, k, in // groups, out)``.

    Raises:
        CheckpointError: naming every missing tensor, every tensor left over, and shape mismatches.
    """
    expected = {}
    for path, conv in model.torch_layers().items():
        expected[f"{path}.conv_layer.weight"] = (conv.kernel, (2, 3, 1, 0))
        expected[f"{path}.conv_layer.bias"] = (conv.bias, None)
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    problems = []
    if missing:
        problems.append(f"missing tensors (model weights with no checkpoint tensor): {', '.join(missing)}")
    if extra:
        problems.append(f"tensors left over (no model weight): {', '.join(extra)}")
    assignments = {}
    for name in sorted(set(expected) & set(tensors)):
        variable, transpose = expected[name]
        value = np.asarray(tensors[name], np.float32)
        if transpose is not None and value.ndim == 4:
            value = value.transpose(transpose)
        if tuple(value.shape) != tuple(variable.shape):
            problems.append(f"{name}: shape {tuple(tensors[name].shape)} does not fit {variable.path} "
                            f"{tuple(variable.shape)}")
            continue
        assignments[name] = (variable, value)
    if problems:
        raise CheckpointError("MicroAST checkpoint does not match the model: " + "; ".join(problems))
    return assignments


def load_checkpoints(src: str | os.PathLike) -> dict[str, np.ndarray]:
    """All four checkpoints of ``src`` as one ``{"<part>.<name>": array}`` dict."""
    tensors = {}
    for part in PARTS:
        path = pathlib.Path(src) / CHECKPOINT.format(part=part)
        if not path.is_file():
            raise CheckpointError(f"no such checkpoint: {path}")
        tensors.update({f"{part}.{name}": value for name, value in read_legacy_checkpoint(path).items()})
    return tensors


def build_model(tensors: dict[str, np.ndarray]):
    """A :class:`tfstyle.models.microast.MicroASTNet` holding ``tensors`` (see :func:`map_tensors`)."""
    from tfstyle.models.microast import MicroASTNet

    model = MicroASTNet(name="microast")
    for variable, value in map_tensors(model, tensors).values():
        variable.assign(value)
    return model


def registry_entry(tensors: dict, sources: dict[str, str], quality: dict | None) -> dict:
    """The preset's entry in ``presets.json``."""
    return {
        "kind": "arbitrary",
        "class": "MicroASTNet",
        "file": f"{NAME}.keras",
        "title": "MicroAST (Wang et al., AAAI 2023): the authors' published weights, converted",
        "licence": "MIT (MICROAST_LICENSE.md)",
        "source": 'Wang et al., AAAI 2023, "MicroAST: Towards Super-Fast Ultra-Resolution Arbitrary Style '
                  'Transfer", github.com/EndyWon/MicroAST, 160k-iteration checkpoints',
        "credit": "Zhizhong Wang, Lei Zhao, Zhiwen Zuo, Ailin Li, Haibo Chen, Wei Xing, Dongming Lu"
                  "; weights published by the authors, converted by tools/convert_microast.py",
        "input": "content and style RGB float32 in [0, 255]; inside, divided by 255 (no normalization)",
        "parameters": int(sum(int(np.prod(v.shape)) for v in tensors.values())),
        "recipe": {"converted_by": "tools/convert_microast.py", "checkpoints": sources, "iterations": 160000},
        "quality": quality or {},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", required=True, help="folder with the four *_iter_160000.pth.tar checkpoints")
    parser.add_argument("--out", required=True,
                        help="folder for microast_v1.keras and presets.json (tfstyle/weights updates the package)")
    parser.add_argument("--quality", help="JSON file of measured quality numbers to record in the registry entry")
    args = parser.parse_args(argv)

    try:
        tensors = load_checkpoints(args.src)
        model = build_model(tensors)
    except (CheckpointError, pickle.UnpicklingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sources = {}
    for part in PARTS:
        data = (pathlib.Path(args.src) / CHECKPOINT.format(part=part)).read_bytes()
        sources[CHECKPOINT.format(part=part)] = "sha256:" + hashlib.sha256(data).hexdigest()
    quality = json.loads(pathlib.Path(args.quality).read_text()) if args.quality else None
    from tfstyle.io import save_model
    from tfstyle.registry import write_entry

    save_model(model, out / f"{NAME}.keras")
    entry = registry_entry(tensors, sources, quality)
    write_entry(out, NAME, entry)
    print(f"wrote {out / (NAME + '.keras')} ({len(tensors)} tensors, {entry['parameters']} parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
