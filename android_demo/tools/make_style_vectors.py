"""Write the app's built-in style vectors (``style_vectors.json``) with the arbitrary predictor model.

The Android app's arbitrary mode ships precomputed style vectors, ``{"name": [100 floats], ...}``,
so that a built-in style needs no predictor run on the phone. They must come from the same
predictor the app ships (``arbitrary_predictor_<format>_256.tflite`` beside its transfer model).
Each style image is prepared as the app prepares a gallery image (cover-crop to the predictor's
input size, values in [0, 255], quantized if the input is) and run through the signature and
tensor names that ``app/src/main/assets/contract.json`` gives for the ``arbitrary_predictor`` role.

    python android_demo/tools/make_style_vectors.py export/build/arbitrary_predictor_float32_256.tflite \\
        ../shared/data/style/named/starry_night.jpg the_wave=../shared/data/style/named/wave.jpg \\
        --out export/build/style_vectors.json

A style is named after its file (``starry_night.jpg`` -> ``starry_night``) unless given as
``NAME=PATH``. Writing to ``export/build/`` lets the app's ``copyExportedModels`` Gradle task
pick the file up with the models. Use only images you may redistribute the look of (public-domain
paintings, your own images).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys

import numpy as np

CONTRACT = pathlib.Path(__file__).resolve().parents[1] / "app" / "src" / "main" / "assets" / "contract.json"


def load_contract(path: str | os.PathLike = CONTRACT) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def style_vectors(predictor: str | os.PathLike, images: dict[str, object], contract: dict | None = None) -> dict[str, list[float]]:
    """Run ``predictor`` on each named image (a path or an ``HxWx3`` array in [0, 255]); return name -> vector."""
    from tfstyle.litert import make_interpreter, run_signature
    from tfstyle.images import cover_crop, load_image

    contract = contract or load_contract()
    role = contract["roles"]["arbitrary_predictor"]
    (input_spec,), (output_spec,) = role["inputs"], role["outputs"]
    length = int(contract["style_vector_length"])
    runner = make_interpreter(model_path=os.fspath(predictor)).get_signature_runner(role["signature"])
    height, width = (int(s) for s in runner.get_input_details()[input_spec["name"]]["shape"][1:3])
    vectors = {}
    for name, source in images.items():
        image = cover_crop(load_image(source), (height, width))
        # run_signature quantizes the input and dequantizes the output as the app's TensorCodec does.
        result = run_signature(predictor, {input_spec["name"]: image[None]}, num_threads=1)
        vector = result[output_spec["name"]].reshape(-1)
        if vector.size != length:
            raise ValueError(f"{predictor} gives {vector.size} values per style, the contract says {length}")
        if not np.isfinite(vector).all():
            raise ValueError(f"{predictor} gives non-finite values for {name}")
        vectors[name] = [float(f"{v:.7g}") for v in vector]
    return vectors


def _named(items: list[str]) -> dict[str, str]:
    named = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep:
            name, path = pathlib.Path(item).stem, item
        if not name or name in named:
            raise SystemExit(f"style names must be unique and non-empty: {item!r}")
        named[name] = path
    return named


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("predictor", type=pathlib.Path, help="arbitrary_predictor_<format>_256.tflite")
    parser.add_argument("images", nargs="+", help="style images, PATH or NAME=PATH")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="style_vectors.json to write")
    parser.add_argument("--contract", type=pathlib.Path, default=CONTRACT)
    args = parser.parse_args(argv)
    vectors = style_vectors(args.predictor, _named(args.images), load_contract(args.contract))
    args.out.write_text(json.dumps(vectors, indent=1) + "\n", encoding="utf-8")
    print(f"{len(vectors)} style vectors -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
