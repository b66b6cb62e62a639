"""Pack what a training run on the lent GPU machine needs into ``.gpu/`` (at most 64 MiB).

That machine has JAX and CUDA but no TensorFlow, and ``../shared`` does not travel. The pack
holds the Keras 3 wheels (keras, optree, namex: ~3 MB), the VGG19 weights (~30 MB), the style
images and the training photos as centre crops re-encoded as JPEG (the part that is shrunk
until everything fits). ``tfstyle`` itself travels as the working tree.

    python tools/pack_gpu.py --data ../shared/data --styles wave,udnie
    # then, with the device tool (carry=[".gpu"]):
    bash .gpu/run.sh train johnson --style .gpu/styles/wave.jpg --content-dir .gpu/content \\
        --out .gpu/out/wave.keras --steps 20000

    # arbitrary style: also pack a share of the training paintings (--style-train-share of the budget)
    python tools/pack_gpu.py --data ../shared/data --style-train-share 0.4
    bash .gpu/run.sh train arbitrary --content-dir .gpu/content --style-dir .gpu/style_train \\
        --out .gpu/out/refined.keras --init tfstyle/weights/arbitrary.keras --train-predictor \\
        --loss relative --content-weight 0.1 --style-weight 1 --reconstruction-weight 1e-4 \\
        --image-size 256 --style-size 256 --batch-size 8 --steps 20000

    The arbitrary-style run continues the shipped network (stage 4 of tools/train_arbitrary.py) at
    the comparison's scale: on the CPU, training at 128 px stopped carrying over to the 256/384 px
    validation (benchmarks/results/arbitrary_validation.md). Its compact predictor keeps seeing
    paintings at 128 px (resized), as at inference, so the result ships and exports as it is.
    Without ``--init`` (and ``--train-predictor``) the same command trains a VGG19-predictor
    network from scratch, to distil a compact predictor from afterwards.
"""
from __future__ import annotations

import argparse
import io
import pathlib
import shutil
import subprocess
import sys

from PIL import Image

from tfstyle.images import cover_crop, load_image, to_uint8

ROOT = pathlib.Path(__file__).resolve().parents[1]
LIMIT = 64 * 2**20
WHEELS = ("keras", "optree", "namex")
RUN_SH = """#!/bin/bash
# Runs `tfstyle ARGS...` under JAX on the GPU machine (no TensorFlow there).
set -e
here="$(cd "$(dirname "$0")" && pwd)"
pip install -q --no-deps "$here"/wheels/*.whl
export KERAS_BACKEND=jax TFSTYLE_VGG19_WEIGHTS="$here/vgg19_notop.h5" PYTHONPATH="$here/..:$PYTHONPATH"
python -m tfstyle "$@"
"""


def _size(path: pathlib.Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pack_content(photos: list[pathlib.Path], out: pathlib.Path, side: int, budget: int) -> int:
    """Centre crops of ``photos`` (``side`` px, JPEG) into ``out`` until ``budget`` bytes; returns how many."""
    out.mkdir(parents=True, exist_ok=True)
    used = 0
    for count, photo in enumerate(photos):
        buffer = io.BytesIO()
        crop = Image.fromarray(to_uint8(cover_crop(load_image(photo), (side, side))))
        crop.save(buffer, "JPEG", quality=90)
        if used + buffer.tell() > budget:
            return count
        (out / f"{count:05d}.jpg").write_bytes(buffer.getvalue())
        used += buffer.tell()
    return len(photos)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=pathlib.Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--weights", type=pathlib.Path, default=ROOT.parent / "shared" / "weights" / "vgg19_notop.h5")
    parser.add_argument("--styles", default="", help="comma-separated names in DATA/style/named (default: all)")
    parser.add_argument("--crop", type=int, default=288, help="side of the training crops (random crops of 256 fit)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / ".gpu")
    parser.add_argument("--style-train-share", type=float, default=0.0,
                        help="share of the data budget for DATA/style/train paintings (arbitrary style; default 0)")
    args = parser.parse_args(argv)

    shutil.rmtree(args.out, ignore_errors=True)
    (args.out / "out").mkdir(parents=True)
    import keras

    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.12", "--platform", "manylinux2014_x86_64", "-d", str(args.out / "wheels"),
                    f"keras=={keras.__version__}", *WHEELS[1:]], check=True)
    shutil.copyfile(args.weights, args.out / "vgg19_notop.h5")
    styles = args.out / "styles"
    styles.mkdir()
    names = [n for n in args.styles.split(",") if n]
    for path in sorted((args.data / "style" / "named").glob("*.jpg")):
        if not names or path.stem in names:
            shutil.copyfile(path, styles / path.name)
    (args.out / "run.sh").write_text(RUN_SH)
    # Leave 1 MiB for the code of the working tree that travels with the pack.
    budget = LIMIT - _size(args.out) - _size(ROOT / "tfstyle") - 2**20
    if not 0 <= args.style_train_share < 1:
        parser.error("--style-train-share must be in [0, 1)")
    paintings = 0
    if args.style_train_share:
        style_train = sorted(p for p in (args.data / "style" / "train").iterdir() if p.suffix.lower() in (".jpg", ".png"))
        paintings = pack_content(style_train, args.out / "style_train", min(args.crop, 256),
                                 int(budget * args.style_train_share))
        budget = LIMIT - _size(args.out) - _size(ROOT / "tfstyle") - 2**20
    photos = sorted(p for p in (args.data / "content" / "train").iterdir() if p.suffix.lower() in (".jpg", ".png"))
    count = pack_content(photos, args.out / "content", args.crop, budget)
    print(f"{args.out}: {_size(args.out) / 2**20:.1f} MiB, {count} of {len(photos)} training photos "
          f"({args.crop} px crops), {paintings} training paintings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
