"""Pack what a training run on the lent GPU machine needs into ``.gpu/`` (at most 64 MiB with the checkout).

That machine has JAX and CUDA but no TensorFlow, and ``../shared`` does not travel. The pack
holds the Keras 3 wheels (keras, optree, namex: ~3 MB), the VGG19 weights as float16 with the
layers past block5_conv1 (which no tfstyle loss reads) zeroed (~20 MB; features match the float32
file to 5e-4), the style images and the training photos as centre crops re-encoded as JPEG (the
part that is shrunk until everything fits).

The checkout travels too, and its tracked files alone are about 64 MB (shipped weights, committed
checkpoints). Commit, then slim it for the run and restore it afterwards, e.g.
``git rm -rq checkpoints docs notebooks tests benchmarks android_demo export`` plus the presets the
run does not start from; ``git reset --hard`` after the run. The budget counts what would travel.

    python tools/pack_gpu.py --data ../shared/data --styles wave,udnie
    # then, with the device tool (carry=[".gpu"]):
    bash .gpu/run.sh train johnson --style .gpu/styles/wave.jpg --content-dir .gpu/content \\
        --out .gpu/out/wave.keras --steps 20000

    # the phone network's perceptual fine-tune (tools/finetune_mobile.py), stopping at the first
    # checkpoint after 7.5 minutes; bring back .gpu/out/run.ckpt/state.weights.h5 and its state.json
    python tools/pack_gpu.py --data ../shared/data --style-train-share 0.45
    pip install -q --no-deps .gpu/wheels/*.whl
    KERAS_BACKEND=jax TFSTYLE_VGG19_WEIGHTS=.gpu/vgg19_notop.h5 python tools/finetune_mobile.py \\
        --content .gpu/content --styles .gpu/style_train --run .gpu/out/run.ckpt --batch-size 8 \\
        --checkpoint-every 250 --steps 100000 --minutes 7.5 --no-ship
"""
from __future__ import annotations

import argparse
import io
import pathlib
import shutil
import subprocess
import sys

from PIL import Image

from tfstyle.image.io import cover_crop, load_image, to_uint8

ROOT = pathlib.Path(__file__).resolve().parents[1]
LIMIT = 64 * 2**20
WHEELS = ("keras", "optree", "namex")
#: VGG19 layers past the deepest one any tfstyle loss reads (block5_conv1).
UNUSED_LAYERS = ("block5_conv2", "block5_conv3", "block5_conv4")
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


def _travelling(root: pathlib.Path) -> int:
    """Bytes of the checkout that the device tool sends (tracked and untracked, not ignored, files)."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=root, capture_output=True,
                            check=True).stdout.decode().split("\0")
    return sum((root / name).stat().st_size for name in listed if name and (root / name).is_file())


def pack_vgg(source: pathlib.Path, target: pathlib.Path) -> None:
    """Copy Keras' VGG19 notop ``.h5`` as float16 with the unused layers zeroed (gzip then drops them)."""
    import h5py
    import numpy as np

    with h5py.File(source) as src, h5py.File(target, "w") as dst:
        dst.attrs.update(dict(src.attrs))

        def copy(name, item):
            if isinstance(item, h5py.Group):
                dst.require_group(name).attrs.update(dict(item.attrs))
                return
            data = item[()]
            if any(layer in name for layer in UNUSED_LAYERS):
                data = np.zeros_like(data)
            copied = dst.create_dataset(name, data=data.astype(np.float16), compression="gzip", compression_opts=9,
                                        shuffle=True)
            copied.attrs.update(dict(item.attrs))

        src.visititems(copy)


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
    if not 0 <= args.style_train_share < 1:
        parser.error("--style-train-share must be in [0, 1)")
    checkout = _travelling(ROOT)

    shutil.rmtree(args.out, ignore_errors=True)
    (args.out / "out").mkdir(parents=True)
    import keras

    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.12", "--platform", "manylinux2014_x86_64", "-d", str(args.out / "wheels"),
                    f"keras=={keras.__version__}", *WHEELS[1:]], check=True)
    pack_vgg(args.weights, args.out / "vgg19_notop.h5")
    styles = args.out / "styles"
    styles.mkdir()
    names = [n for n in args.styles.split(",") if n]
    for path in sorted((args.data / "style" / "named").glob("*.jpg")):
        if not names or path.stem in names:
            shutil.copyfile(path, styles / path.name)
    (args.out / "run.sh").write_text(RUN_SH)
    # Leave 1 MiB of margin.
    budget = LIMIT - _size(args.out) - checkout - 2**20
    if budget <= 0:
        shutil.rmtree(args.out)
        parser.error(f"the checkout sends {checkout / 2**20:.0f} MiB, leaving no room for training images: "
                     f"slim it first (see --help)")
    paintings = 0
    if args.style_train_share:
        style_train = sorted(p for p in (args.data / "style" / "train").iterdir() if p.suffix.lower() in (".jpg", ".png"))
        paintings = pack_content(style_train, args.out / "style_train", min(args.crop, 256),
                                 int(budget * args.style_train_share))
        budget = LIMIT - _size(args.out) - checkout - 2**20
    photos = sorted(p for p in (args.data / "content" / "train").iterdir() if p.suffix.lower() in (".jpg", ".png"))
    count = pack_content(photos, args.out / "content", args.crop, budget)
    print(f"{args.out}: {_size(args.out) / 2**20:.1f} MiB, {count} of {len(photos)} training photos "
          f"({args.crop} px crops), {paintings} training paintings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
