"""Quick checks of arbitrary-style networks on validation data: strength 0 and full strength.

For each model (``--model FILE.keras`` with a label, repeatable; ``-`` for the
shipped Ghiasi network) it reports

* the PSNR of the strength-0 output against the photo (strength 0 should give the photo back),
* at strength 1 (:meth:`tfstyle.perceptual.metrics.Scorer.report`, one VGG19 pass per picture): the style
  and content distances (lower is better), the SSIM to the photo (higher keeps more structure), the CFSD
  to the photo (StyleID's content feature structure distance, KL divergence of VGG19 relu3_1
  patch-similarity maps; 0 = the photo's structure kept, lower is better) and the colour-histogram
  distance to the painting (Hellinger distance of HistoGAN's RGB-uv histograms; 0 = the painting's
  colours, lower is better), means over the pairs,

on photos of ``content/test`` (validation, never trained on) and paintings of ``style/named``
at ``--size`` (long side of the painting, square photos). Faster than
``arbitrary_vs_magenta.py`` (which uses the holdout set and belongs to the final comparison);
used to compare training stages.

    python benchmarks/arbitrary_validation.py --model - ghiasi --model runs/adain/adain.keras adain \\
        --out benchmarks/results/arbitrary_validation.md
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from refine import METRICS  # noqa: E402  (the quality keys: style, content, ssim, cfsd, histogram)

from tfstyle.devtools.machine import describe, publish  # noqa: E402

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", nargs=2, action="append", required=True, metavar=("FILE", "METHOD"))
    parser.add_argument("--content", type=pathlib.Path, default=SHARED / "data" / "content" / "test")
    parser.add_argument("--styles", type=pathlib.Path, default=SHARED / "data" / "style" / "named")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))

    from tfstyle.image.io import cover_crop, list_images, load_image
    from tfstyle.methods.arbitrary import stylize_arbitrary
    from tfstyle.perceptual.metrics import Scorer, psnr
    from tfstyle.weights.presets import load_model

    photos = [cover_crop(load_image(p), (args.size, args.size)) for p in list_images(args.content)[120:126]]
    styles = list_images(args.styles)[1::9][:3]
    scorers = [Scorer(load_image(s, max_size=args.size)) for s in styles]
    lines = [f"### {len(photos)} photos of `{args.content.name}` x {len(styles)} paintings of `{args.styles.name}`, "
             f"{args.size} px", "", f"Machine: {describe()}", "",
             "| model | method | strength-0 PSNR (dB) | style distance | content distance | SSIM to the photo | CFSD "
             "| histogram distance |",
             "|---|---|---|---|---|---|---|---|"]
    photo_features = [scorers[0].features(p) for p in photos[:3]]
    for file, method in args.model:
        net = load_model(None if file == "-" else file, kind="arbitrary")
        at_zero = [psnr(stylize_arbitrary(p, styles[0], strength=0.0, model=net), p) for p in photos]
        scores = []
        for style, scorer in zip(styles, scorers):
            for p, features in zip(photos[:3], photo_features):
                scores.append(scorer.report(stylize_arbitrary(p, style, model=net), p, features))
        lines.append(f"| {'shipped' if file == '-' else file} | {method} | {np.mean(at_zero):.2f} | "
                     + " | ".join(f"{np.mean([s[key] for s in scores]):.3f}" for key in METRICS) + " |")
        print(lines[-1], file=sys.stderr, flush=True)
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
