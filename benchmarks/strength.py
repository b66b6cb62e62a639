"""Strength against the photo and the painting, for every arbitrary preset (issue #18: strength 0 gives
the photo back, strength is monotonic).

For each photo x painting pair (``data/holdout/content`` x ``data/holdout/style``, evaluation only)
at 384 px, stylizes at strengths 0, 0.25, 0.5, 0.75 and 1 and reports the median PSNR and SSIM to
the photo and the mean style distance to the painting (``tfstyle.perceptual.metrics``, VGG19).

    python benchmarks/strength.py --out benchmarks/results/strength.md
"""
from __future__ import annotations

import argparse
import os
import pathlib

import numpy as np

from tfstyle.devtools.machine import describe, publish
from tfstyle.image.blend import FADE_BELOW
from tfstyle.image.io import cover_crop, list_images, load_image
from tfstyle.methods.arbitrary import stylize_arbitrary
from tfstyle.perceptual.metrics import psnr, ssim, style_distance
from tfstyle.weights.registry import preset_names

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"
STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(preset_names("arbitrary")))
    parser.add_argument("--photos", type=int, default=6)
    parser.add_argument("--paintings", type=int, default=4)
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--out", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))
    holdout = SHARED / "data" / "holdout"
    photos = [cover_crop(load_image(p), (args.size, args.size))
              for p in list_images(holdout / "content")[:args.photos]]
    paintings = [load_image(p, max_size=512) for p in list_images(holdout / "style")[:args.paintings]]
    lines = [f"### Strength: {len(photos)} holdout photos x {len(paintings)} holdout paintings at {args.size} px",
             "", f"Machine: {describe()}", "",
             f"Ghiasi-type networks (magenta_v1, tfstyle's own) mix the painting's style vector with the photo's "
             f"own and, below strength {FADE_BELOW:g}, also fade into the photo (`tfstyle.image.blend.FADE_BELOW`); "
             "MicroAST interpolates its content features with the stylized ones (`alpha`).", "",
             "| model | measure | " + " | ".join(f"{k:g}" for k in STRENGTHS) + " |",
             "|---|---" + "|---" * len(STRENGTHS) + "|"]
    for model in args.models.split(","):
        out = {k: [[stylize_arbitrary(p, s, strength=k, model=model) for s in paintings] for p in photos]
               for k in STRENGTHS}
        rows = {
            "median PSNR to the photo (dB)": [np.median([psnr(o, p) for row, p in zip(out[k], photos) for o in row])
                                              for k in STRENGTHS],
            "median SSIM to the photo": [np.median([ssim(o, p) for row, p in zip(out[k], photos) for o in row])
                                         for k in STRENGTHS],
            "mean style distance": [np.mean([style_distance(o, s) for row in out[k] for o, s in zip(row, paintings)])
                                    for k in STRENGTHS],
        }
        for name, values in rows.items():
            digits = "{:.1f}" if "PSNR" in name else "{:.3f}"
            lines.append(f"| {model} | {name} | " + " | ".join(digits.format(v) for v in values) + " |")
    lines += ["", "inf: the result is the photo itself, to the last bit."]
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
