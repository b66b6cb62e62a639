"""Arbitrary style transfer against Magenta's published models: quality and speed, same run, same pairs.

For every pair of a content photo (``--content``, default ``../shared/data/content/test``) and a
style image the models never trained on (``--styles``, default ``../shared/data/holdout/style``),
both centre-cropped to ``--size`` squares (384, the size of Magenta's transfer model), it scores

* tfstyle's shipped arbitrary network (``tfstyle.stylize_arbitrary``, Keras float32; or ``--model``),
* an AdaIN decoder with the VGG19 encoder (``method="adain"``): ``--adain-model``, else the
  package's decoder when one ships (this version has none, so the row is left out); ``--no-adain``
  skips it,
* with ``--strength K`` (repeatable): the first ``--model`` at strength ``K``, to compare content distances
  where its style distance meets another system's (MicroAST's, say),
* with ``--fit-steps N``: the same network with each style first fitted by ``tfstyle.fit_style``
  (N steps, once per style, on ``--fit-photos`` photos of ``--fit-content``, the training photos;
  or with ``--fit-on photo`` on each photo it paints),
* Magenta's ``predict_int8_256.tflite`` + ``transfer_f16_384.tflite`` (``tfstyle.methods.magenta.MagentaTFLite``),
* the content photo itself (identity baseline),

with (:meth:`tfstyle.perceptual.metrics.Scorer.report`, one VGG19 pass per picture)

* the style distance to the style image and the content distance to the photo (lower is better for both),
* the SSIM to the photo (structure kept; higher keeps more),
* the CFSD to the photo (StyleID's content feature structure distance: KL divergence of VGG19 relu3_1
  patch-similarity maps; 0 = the photo's structure kept, lower is better), and
* the colour-histogram distance to the style image (Hellinger distance of HistoGAN's RGB-uv histograms;
  0 = the painting's colours, lower is better);

the identity row has content distance 0, SSIM 1, CFSD 0 and the photo's own style and histogram
distances. Prints a Markdown table (mean ± std over the pairs, and mean seconds per image) and
appends it, with the machine, to ``--out``. Scoring costs about 20 CPU seconds per picture at 384 px
(CFSD and the histogram most of it).

    python benchmarks/arbitrary_vs_magenta.py --contents 24 --styles-count 8 \\
        --out benchmarks/results/arbitrary_vs_magenta.md
"""
from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from refine import METRICS  # noqa: E402  (the quality keys: style, content, ssim, cfsd, histogram)
from score import scored, summary  # noqa: E402  (a "mean ± std" cell)

from tfstyle.devtools.machine import describe, publish  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
IDENTITY = "identity (content unchanged)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=pathlib.Path, default=SHARED / "data" / "content" / "test")
    parser.add_argument("--styles", type=pathlib.Path, default=SHARED / "data" / "holdout" / "style")
    parser.add_argument("--magenta", type=pathlib.Path, default=SHARED / "anchors" / "magenta")
    parser.add_argument("--model", action="append", default=None,
                        help="a preset or an ArbitraryStyleNet .keras; repeat for several (default: the shipped one)")
    parser.add_argument("--adain-model", default=None, help="an AdaINNet .keras (default: the shipped decoder, if any)")
    parser.add_argument("--no-adain", action="store_true", help="leave AdaIN out")
    parser.add_argument("--contents", type=int, default=24, help="content photos (the first N, sorted)")
    parser.add_argument("--styles-count", type=int, default=8, help="style images (every k-th, spread out)")
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--fit-steps", type=int, default=0,
                        help="also score the shipped network with each style fitted by tfstyle.fit_style (this many "
                             "steps, once per style, on --fit-photos photos of --fit-content)")
    parser.add_argument("--fit-photos", type=int, default=2)
    parser.add_argument("--fit-on", choices=["training", "photo"], default="training",
                        help="fit each style once on --fit-photos training photos, or on every photo it paints "
                             "(stylize_arbitrary(fit_steps=...); the fitting time is then in s / image)")
    parser.add_argument("--fit-content", type=pathlib.Path, default=SHARED / "data" / "content" / "train")
    parser.add_argument("--strength", type=float, action="append", default=[],
                        help="also score the first --model at this strength (repeatable): where it meets another "
                             "system's style distance, compare content distances")
    parser.add_argument("--out", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))

    from tfstyle.image.io import cover_crop, list_images, load_image
    from tfstyle.methods.arbitrary import stylize_arbitrary
    from tfstyle.methods.fit import fit_style
    from tfstyle.methods.magenta import MagentaTFLite
    from tfstyle.perceptual.metrics import Scorer
    from tfstyle.weights.presets import load_model

    contents = list_images(args.content)[:args.contents]
    all_styles = list_images(args.styles)
    step = max(1, len(all_styles) // args.styles_count)
    styles = all_styles[::step][:args.styles_count]
    models = args.model or [None]
    nets = {m: load_model(m, kind="arbitrary") for m in models}
    net = nets[models[0]]  # the one fit_style fits for
    args.no_adain |= args.adain_model is None
    adain = None if args.no_adain else load_model(args.adain_model, kind="arbitrary")
    magenta = MagentaTFLite(args.magenta / "predict_int8_256.tflite", args.magenta / "transfer_f16_384.tflite")
    side = (args.size, args.size)
    photos = [cover_crop(load_image(p), side) for p in contents]
    systems = {**{"tfstyle arbitrary (Keras float32, shipped)" if m is None else f"tfstyle {m}":
                  (lambda photo, style, n=n: stylize_arbitrary(photo, style, model=n, backend="keras"))
                  for m, n in nets.items()},
               **{f"tfstyle {models[0] or 'arbitrary'} at strength {k:g}":
                  (lambda photo, style, k=k: stylize_arbitrary(photo, style, model=net, strength=k, backend="keras"))
                  for k in args.strength},
               **({} if args.no_adain else {
                   f"tfstyle AdaIN {args.adain_model}":
                   lambda photo, style: stylize_arbitrary(photo, style, model=adain)}),
               **({} if not args.fit_steps else {
                   f"tfstyle arbitrary + fit_style ({args.fit_steps} steps per style)":
                   lambda photo, style: stylize_arbitrary(photo, fitted["style"], model=net)}
                   if args.fit_on == "training" else {
                   f"tfstyle arbitrary + fit_style ({args.fit_steps} steps on each photo)":
                   lambda photo, style: stylize_arbitrary(photo, style, model=net, fit_steps=args.fit_steps)}),
               "Magenta predict_int8_256 + transfer_f16_384 (TFLite)": lambda photo, style: magenta.stylize(photo, style),
               IDENTITY: lambda photo, style: photo}
    scores = {name: {key: [] for key in (*METRICS, "seconds")} for name in systems}
    photo_features = []  # each photo's VGG19 features, whatever the style
    fitted, fit_seconds, fit_photos = {}, [], []
    if args.fit_steps and args.fit_on == "training":
        # Spread over the training photos: a style is fitted once and then paints every test photo.
        fit_photos = list_images(args.fit_content)
        fit_photos = fit_photos[::max(1, len(fit_photos) // args.fit_photos)][:args.fit_photos]
    for s_index, style_path in enumerate(styles):
        style = load_image(style_path, max_size=args.size)
        scorer = Scorer(style)
        photo_features = photo_features or [scorer.features(photo) for photo in photos]
        if args.fit_steps and args.fit_on == "training":
            start = time.perf_counter()
            fitted["style"] = fit_style(style, fit_photos, model=net, steps=args.fit_steps)
            fit_seconds.append(time.perf_counter() - start)
        for photo, features in zip(photos, photo_features):
            for name, run in systems.items():
                start = time.perf_counter()
                out = np.asarray(run(photo, style), np.float32)
                scores[name]["seconds"].append(time.perf_counter() - start)
                result = scored(scorer, out, photo, features, identity=name == IDENTITY)
                for key in METRICS:
                    scores[name][key].append(result[key])
        print(f"style {s_index + 1}/{len(styles)} done", file=sys.stderr, flush=True)

    lines = [f"### {len(photos)} photos of `{args.content.name}` x {len(styles)} unseen styles of "
             f"`{args.styles.parent.name}/{args.styles.name}`, {args.size}x{args.size}", "",
             f"Machine: {describe()}", "",
             "| system | style distance | content distance | SSIM to the photo | CFSD | histogram distance "
             "| s / image |",
             "|---|---|---|---|---|---|---|"]
    for name, values in scores.items():
        lines.append(f"| {name} | {' | '.join(summary(values[key]) for key in METRICS)} | "
                     f"{statistics.mean(values['seconds']):.3f} |")
    if fit_seconds:
        lines += ["", f"fit_style: {args.fit_steps} steps on {args.fit_photos} photos of `{args.fit_content.name}` "
                      f"at 256 px, once per style, {statistics.mean(fit_seconds):.0f} s per style (not in s / image)."]
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
