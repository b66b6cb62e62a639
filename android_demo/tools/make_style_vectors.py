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

CONTRACT = pathlib.Path(__file__).resolve().parents[1] / "app" / "src" / "main" / "assets" / "contract.json"


def load_contract(path: str | os.PathLike = CONTRACT) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


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
    from tfstyle.export.arbitrary import style_vectors

    vectors = style_vectors(args.predictor, _named(args.images), load_contract(args.contract))
    args.out.write_text(json.dumps(vectors, indent=1) + "\n", encoding="utf-8")
    print(f"{len(vectors)} style vectors -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
