"""Strength against the photo and the painting, for every arbitrary preset (issue #18: strength 0 gives
the photo back, strength is monotonic).

For each photo x painting pair (``data/holdout/content`` x ``data/holdout/style``, evaluation only)
at 384 px, stylizes at strengths 0, 0.25, 0.5, 0.75 and 1 and reports the median PSNR and SSIM to
the photo (higher keeps more of it) and, with :meth:`tfstyle.perceptual.metrics.Scorer.report` (VGG19, one
pass per picture), the means of: the style distance to the painting and the content distance to the
photo (lower is better), the CFSD to the photo (StyleID's content feature structure distance, KL divergence
of VGG19 relu3_1 patch-similarity maps; 0 = the photo's structure kept, lower is better) and the
colour-histogram distance to the painting (Hellinger distance of HistoGAN's RGB-uv histograms; 0 = the
painting's colours, lower is better).

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
from tfstyle.perceptual.metrics import Scorer, psnr
from tfstyle.weights.registry import preset_names

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"
STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _over(reports: dict, key: str, average=np.mean) -> list[float]:
    """One number per strength: ``average`` of ``key`` over every photo x painting of ``reports[strength]``."""
    return [average([r[key] for r in reports[k]]) for k in STRENGTHS]


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
    scorers = [Scorer(painting) for painting in paintings]
    photo_features = [scorers[0].features(photo) for photo in photos]
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
        reports = {k: [scorer.report(o, p, f) for row, p, f in zip(out[k], photos, photo_features)
                       for o, scorer in zip(row, scorers)] for k in STRENGTHS}
        rows = {
            "median PSNR to the photo (dB)": [np.median([psnr(o, p) for row, p in zip(out[k], photos) for o in row])
                                              for k in STRENGTHS],
            "median SSIM to the photo": _over(reports, "ssim", np.median),
            "mean style distance": _over(reports, "style"),
            "mean content distance": _over(reports, "content"),
            "mean CFSD to the photo": _over(reports, "cfsd"),
            "mean histogram distance to the painting": _over(reports, "histogram"),
        }
        for name, values in rows.items():
            digits = "{:.1f}" if "PSNR" in name else "{:.3f}"
            lines.append(f"| {model} | {name} | " + " | ".join(digits.format(v) for v in values) + " |")
    lines += ["", "inf: the result is the photo itself, to the last bit."]
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
