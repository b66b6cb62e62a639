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
import hashlib
import json
import os
import pathlib
import pickle
import sys

import numpy as np

from tfstyle.devtools.torch_checkpoint import CheckpointError, RestrictedUnpickler, read_legacy_checkpoint  # noqa: F401  (tests use them here)

PARTS = ("content_encoder", "style_encoder", "modulator", "decoder")
CHECKPOINT = "{part}_iter_160000.pth.tar"
NAME = "microast_v1"




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
    from tfstyle.atomic import save_model
    from tfstyle.weights.registry import write_entry

    save_model(model, out / f"{NAME}.keras")
    entry = registry_entry(tensors, sources, quality)
    write_entry(out, NAME, entry)
    print(f"wrote {out / (NAME + '.keras')} ({len(tensors)} tensors, {entry['parameters']} parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
