"""Pack what a fine-tune on the lent GPU machine needs into ``.gpu/`` (git-ignored), within its 64 MiB.

The device tool sends the checkout and the paths it is told to carry, 64 MiB in all, and nothing
else: not ``../shared``. This writes

- ``.gpu/data/content/train`` and ``.gpu/data/style/train``: a seeded random subset of ``content/train`` and
  ``style/train`` (never the holdout), resized to the short side the trainer keeps in memory
  (content 294 px = 256 x 1.15, paintings 256 px) and stored as WebP;
- ``.gpu/vgg19_notop_f16.h5``: the VGG19 notop weights in Keras' layout as float16, with
  block5_conv2..4 (past the deepest layer any tfstyle loss reads) zeroed, so gzip drops them.
  Features at block4_conv2 / block5_conv1 match the float32 file to 5e-4 (relative).

The Keras wheels the JAX machine lacks go to ``.gpu/whl`` with ``pip download`` (see
``/work/.library/device/README.md``); ``tools/finetune_mobile_device.sh`` is the command that runs there.

    python tools/pack_device_run.py --data ../shared/data --contents 950 --styles 900
"""
from __future__ import annotations

import argparse
import pathlib
import random

import h5py
import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[1]
#: VGG19 layers no tfstyle loss reads (the deepest is block5_conv1).
UNUSED_LAYERS = ("block5_conv2", "block5_conv3", "block5_conv4")


def pack_images(source: pathlib.Path, target: pathlib.Path, count: int, short_side: int, quality: int,
                seed: int) -> int:
    """Write ``count`` seeded-random images of ``source`` to ``target`` as WebP; return the bytes written."""
    paths = sorted(p for p in source.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"))
    random.Random(seed).shuffle(paths)
    target.mkdir(parents=True, exist_ok=True)
    total = 0
    for path in paths[:count]:
        with Image.open(path) as image:
            image = image.convert("RGB")
            scale = short_side / min(image.size)
            size = tuple(max(short_side, round(side * scale)) for side in image.size)
            out = target / f"{path.stem}.webp"
            image.resize(size, Image.Resampling.BICUBIC).save(out, "WEBP", quality=quality)
        total += out.stat().st_size
    return total


def pack_vgg(source: pathlib.Path, target: pathlib.Path) -> int:
    """Copy a Keras VGG19 notop ``.h5`` as float16, unused layers zeroed; return its size."""
    with h5py.File(source) as src, h5py.File(target, "w") as dst:
        dst.attrs.update(dict(src.attrs))

        def copy(name, item):
            if isinstance(item, h5py.Group):
                dst.require_group(name).attrs.update(dict(item.attrs))
                return
            data = item[()]
            if any(layer in name for layer in UNUSED_LAYERS):
                data = np.zeros_like(data)
            copied = dst.create_dataset(name, data=data.astype(np.float16), compression="gzip",
                                        compression_opts=9, shuffle=True)
            copied.attrs.update(dict(item.attrs))

        src.visititems(copy)
    return target.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=pathlib.Path, default=pathlib.Path("../shared/data"))
    parser.add_argument("--vgg", type=pathlib.Path, default=pathlib.Path("../shared/weights/vgg19_notop.h5"))
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / ".gpu")
    parser.add_argument("--contents", type=int, default=950)
    parser.add_argument("--styles", type=int, default=900)
    parser.add_argument("--quality", type=int, default=80)
    args = parser.parse_args(argv)
    sizes = {
        "content": pack_images(args.data / "content" / "train", args.out / "data" / "content" / "train", args.contents, 294,
                               args.quality, seed=0),
        "style": pack_images(args.data / "style" / "train", args.out / "data" / "style" / "train", args.styles, 256,
                             args.quality, seed=1),
        "vgg": pack_vgg(args.vgg, args.out / "vgg19_notop_f16.h5"),
    }
    print(", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in sizes.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
