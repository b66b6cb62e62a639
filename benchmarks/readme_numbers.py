"""Two figures the README quotes: fast-style latency per image, and strength-0 PSNR of the arbitrary presets.

* ``tfstyle.stylize(image, model="wave")`` on 256x256 and 512x512 images, in-process after one
  warm-up call, median of 5, through LiteRT (the preset's cached files) and through Keras.
* PSNR against the photo of ``tfstyle.stylize_arbitrary(photo, painting, strength=0)`` for each
  arbitrary preset: scikit-image's ``astronaut`` (NASA, public domain) at 192 px, painted with
  the_scream (how far "strength 0" is from giving the photo back).

    python benchmarks/readme_numbers.py --out benchmarks/results/readme_numbers.md
"""
from __future__ import annotations

import argparse
import pathlib
import time

import numpy as np
from PIL import Image

import tfstyle
from tfstyle.devtools.machine import describe, publish
from tfstyle.image.io import load_image, resize_image
from tfstyle.perceptual.metrics import psnr

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"


def _median_seconds(run, repeat: int = 5) -> float:
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    from skimage import data

    photo = np.asarray(Image.fromarray(data.astronaut()).resize((512, 512), Image.BICUBIC), np.float32)
    lines = ["### README figures", "", f"Machine: {describe()}", "",
             "| `tfstyle.stylize(model=\"wave\")` | LiteRT s | Keras s |", "|---|---|---|"]
    for side in (256, 512):
        image = resize_image(photo, size=(side, side))
        seconds = [_median_seconds(lambda b=b: tfstyle.stylize(image, model="wave", backend=b))
                   for b in ("litert", "keras")]
        lines.append(f"| {side}x{side} | {seconds[0]:.3f} | {seconds[1]:.3f} |")
    small = resize_image(photo, size=(192, 192))
    painting = load_image(SHARED / "data" / "style" / "named" / "the_scream.jpg", max_size=256)
    lines += ["", "| preset | PSNR at strength 0 (dB) | at strength 1 |", "|---|---|---|"]
    for row in tfstyle.list_presets("arbitrary"):
        zero, full = (psnr(tfstyle.stylize_arbitrary(small, painting, strength=s, model=row["name"]), small)
                      for s in (0.0, 1.0))
        lines.append(f"| {row['name']} | {zero:.1f} | {full:.1f} |")
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
