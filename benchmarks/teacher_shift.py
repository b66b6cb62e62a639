"""Does the balanced fit's *average* correction help the default network on paintings it was not fitted on?

``tools/fitted_style_targets.py`` stores, per training painting, the default network's predicted style
parameters and the parameters after ``new_style``'s balanced fit. The corrections (fitted - predicted)
share a common direction across paintings (mean pairwise cosine ~0.33 on the first targets). The cheapest
predictor that uses them adds their mean to every prediction (a change of the predictor's last bias).
This script compares that shifted network with the default one on validation pairs only (``content/test``
photos x ``style/named`` paintings; never the holdout), at 384 px, with
:meth:`tfstyle.perceptual.metrics.Scorer.report` (one VGG19 pass per picture), means over the photos of:

* the style distance to the painting and the content distance to the photo (lower is better),
* the SSIM to the photo (higher keeps more of its structure),
* the CFSD to the photo (StyleID's content feature structure distance, KL divergence of VGG19 relu3_1
  patch-similarity maps; 0 = the photo's structure kept, lower is better),
* the colour-histogram distance to the painting (Hellinger distance of HistoGAN's RGB-uv histograms;
  0 = the painting's colours, lower is better).

    python benchmarks/teacher_shift.py --out benchmarks/results/teacher_shift.md
"""
from __future__ import annotations

import argparse
import glob
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from refine import METRICS  # noqa: E402  (the quality keys: style, content, ssim, cfsd, histogram)

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: How the report names each quality key.
NAMES = {"style": "style", "content": "content", "ssim": "SSIM", "cfsd": "CFSD", "histogram": "histogram"}


def main(argv: list[str] | None = None) -> int:
    """Score the default network with and without the mean teacher correction on validation pairs."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=pathlib.Path, default=ROOT / "checkpoints" / "fitted_styles")
    parser.add_argument("--photos", type=pathlib.Path, default=SHARED / "data" / "content" / "test")
    parser.add_argument("--paintings", type=pathlib.Path, default=SHARED / "data" / "style" / "named")
    parser.add_argument("--count", type=int, nargs=2, default=(6, 8), metavar=("PHOTOS", "PAINTINGS"))
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "benchmarks" / "results" / "teacher_shift.md")
    args = parser.parse_args(argv)

    import tfstyle
    from tfstyle.atomic import write_text
    from tfstyle.devtools.machine import describe
    from tfstyle.image.io import cover_crop, list_images, load_image
    from tfstyle.models.ghiasi import fold_style
    from tfstyle.perceptual.metrics import Scorer
    from tfstyle.runtime.protocols import FittedStyle
    from tfstyle.weights.presets import load_model

    files = sorted(glob.glob(str(args.targets / "*.npz")))
    deltas = []
    for file in files:
        with np.load(file) as target:
            deltas.append(target["fitted"] - target["predicted"])
    shift = np.mean(deltas, axis=0).astype(np.float32)
    net = load_model(None, kind="arbitrary")
    photos = [cover_crop(load_image(p), (args.size, args.size)) for p in list_images(args.photos)[: args.count[0]]]
    paintings = list_images(args.paintings)[: args.count[1]]
    photo_features = []  # each photo's VGG19 features, whatever the painting
    rows = []
    start = time.perf_counter()
    for painting in paintings:
        image = load_image(painting)
        scorer = Scorer(load_image(image, max_size=args.size))
        photo_features = photo_features or [scorer.features(photo) for photo in photos]
        predicted = np.asarray(net.style_parameters(image), np.float32).reshape(-1)
        scores = {}
        for name, params in (("default", predicted), ("shifted", predicted + shift)):
            folded = fold_style(net, FittedStyle(params, ()))
            got = [scorer.report(tfstyle.stylize(photo.astype(np.uint8), model=folded, backend="keras"), photo, f)
                   for photo, f in zip(photos, photo_features)]
            scores[name] = {k: float(np.mean([g[k] for g in got])) for k in METRICS}
        rows.append((painting.stem, scores))
        print(painting.stem, scores, flush=True)

    def mean(which, key):
        return float(np.mean([s[which][key] for _, s in rows]))

    lines = [
        "# The default network plus the mean teacher correction (issue #31 item 1, a first probe)", "",
        f"Made by `python benchmarks/teacher_shift.py` on {time.strftime('%Y-%m-%d')} in "
        f"{time.perf_counter() - start:.0f} s. Machine: {describe()}", "",
        f"Correction: the mean of (fitted - predicted) over {len(files)} paintings of `style/train` in "
        "`checkpoints/fitted_styles` (norm "
        f"{np.linalg.norm(shift):.2f}; a predicted vector's norm is ~50). Validation pairs only: "
        f"{len(photos)} `content/test` photos x {len(paintings)} `style/named` paintings at {args.size} px, "
        "`tfstyle.perceptual.metrics.Scorer.report`: style distance, content distance, CFSD to the photo (its "
        "structure lost) and histogram distance to the painting (its colours missed) are lower-is-better, SSIM to "
        "the photo higher-keeps-more.", "",
        "| painting | " + " | ".join(f"default {NAMES[k]} | shifted {NAMES[k]}" for k in METRICS) + " |",
        "|---|" + "---|---|" * len(METRICS)]
    for stem, s in rows:
        lines.append(f"| {stem} | " + " | ".join(f"{s['default'][k]:.4f} | {s['shifted'][k]:.4f}" for k in METRICS)
                     + " |")
    lines += ["", "**Means:** " + ", ".join(
        f"{NAMES[k]} {mean('default', k):.4f} -> {mean('shifted', k):.4f} "
        f"({(mean('shifted', k) / mean('default', k) - 1) * 100:+.1f}%)" for k in METRICS) + "."]
    write_text(args.out, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
