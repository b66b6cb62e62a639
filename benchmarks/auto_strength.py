"""SSIM to the photo against strength, for ``strength="auto"``'s default threshold.

For each photo x painting pair (validation photos of ``content/test``, never holdout) at 384 px,
stylizes at every strength of :data:`tfstyle.methods.arbitrary.AUTO_STRENGTHS` and 0 with a preset and
reports the median SSIM to the photo (``tfstyle.perceptual.metrics.ssim``), and the strengths ``"auto"`` picks.

    python benchmarks/auto_strength.py --out benchmarks/results/auto_strength.md
"""
from __future__ import annotations

import argparse
import pathlib

import numpy as np

from tfstyle.devtools.machine import describe, publish
from tfstyle.image.io import cover_crop, list_images, load_image
from tfstyle.methods.arbitrary import AUTO_MIN_SSIM, AUTO_STRENGTHS, stylize_arbitrary
from tfstyle.perceptual.metrics import ssim

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="magenta_v1")
    parser.add_argument("--photos", type=int, default=12)
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--out", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    photos = [cover_crop(load_image(p), (args.size, args.size))
              for p in list_images(SHARED / "data" / "content" / "test")[:args.photos]]
    paintings = [SHARED / "data" / "style" / "named" / f"{n}.jpg" for n in ("udnie", "wave", "the_scream", "mosaic")]
    strengths = (*AUTO_STRENGTHS, 0.0)
    table = np.array([[[ssim(stylize_arbitrary(p, s, strength=k, model=args.model), p) for k in strengths]
                       for s in paintings] for p in photos])
    picks = [next((k for k, v in zip(AUTO_STRENGTHS, row) if v >= AUTO_MIN_SSIM), AUTO_STRENGTHS[-1])
             for row in table.reshape(-1, len(strengths))]
    lines = [f"### SSIM to the photo against strength: `{args.model}`, {len(photos)} photos of content/test x "
             f"{len(paintings)} paintings at {args.size} px", "", f"Machine: {describe()}", "",
             "| strength | " + " | ".join(f"{k:g}" for k in strengths) + " |", "|---" * (len(strengths) + 1) + "|",
             "| median SSIM | " + " | ".join(f"{v:.3f}" for v in np.median(table.reshape(-1, len(strengths)), 0)) + " |",
             "| 10th percentile | " + " | ".join(f"{v:.3f}" for v in np.percentile(
                 table.reshape(-1, len(strengths)), 10, axis=0)) + " |", "",
             f"`strength=\"auto\"` (min SSIM {AUTO_MIN_SSIM}) picks: " + ", ".join(
                 f"{k:g} x{picks.count(k)}" for k in AUTO_STRENGTHS if picks.count(k)) + "."]
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
