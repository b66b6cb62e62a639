"""MicroAST (converted weights) against Magenta's published TFLite models: quality and speed, same pairs, same run.

For ``--pairs`` holdout photo x painting pairs (photos every k-th of ``holdout/content``, paintings every
k-th of ``holdout/style``, zipped; evaluation-only images), the photo cover-cropped to ``--size``
squares (384, the size of Magenta's transfer model) and the painting shrunk to a long side of
``--size`` (Magenta's predictor cover-crops it to 256 itself), it scores

* ``tfstyle/weights/microast_v1.keras`` (Keras float32, ``MicroASTNet.stylize``, alpha 1),
* the same network as a float16 TFLite model at that size (content + style inputs),
* Magenta ``predict_int8_256.tflite`` + ``transfer_f16_384.tflite`` (``tfstyle.methods.magenta.MagentaTFLite``),
* the photo itself (identity baseline),

with (``tfstyle.perceptual.metrics.Scorer.report``, one VGG19 pass per picture)

* the style distance to the painting and the content distance to the photo (lower is better),
* the SSIM to the photo (``tfstyle.perceptual.metrics.ssim``; higher keeps more structure; until #31 this
  script used ``tf.image.ssim``, which agrees to about 1e-6),
* the CFSD to the photo (StyleID's content feature structure distance: KL divergence of VGG19 relu3_1
  patch-similarity maps; 0 = the photo's structure kept, lower is better),
* the colour-histogram distance to the painting (Hellinger distance of HistoGAN's RGB-uv histograms;
  0 = the painting's colours, lower is better),

(the identity row: content distance 0, SSIM 1, CFSD 0, the photo's own style and histogram distances)
and the median seconds per image (style encoding included; one warm-up call first). Prints a Markdown
table (mean ± std over the pairs), appends it with the machine to ``--out`` and writes ``--json``.

    python benchmarks/microast_quality.py --out benchmarks/results/microast_quality.md --json /tmp/microast_quality.json
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from refine import METRICS  # noqa: E402  (the quality keys: style, content, ssim, cfsd, histogram)
from score import scored, summary  # noqa: E402  (a "mean ± std" cell)

from tfstyle.devtools.machine import describe, publish  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
IDENTITY = "identity (photo unchanged)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=pathlib.Path, default=SHARED / "data" / "holdout" / "content")
    parser.add_argument("--styles", type=pathlib.Path, default=SHARED / "data" / "holdout" / "style")
    parser.add_argument("--magenta", type=pathlib.Path, default=SHARED / "anchors" / "magenta")
    parser.add_argument("--model", type=pathlib.Path, default=ROOT / "tfstyle" / "weights" / "microast_v1.keras")
    parser.add_argument("--pairs", type=int, default=16)
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--save", type=pathlib.Path, default=None, help="save side-by-side PNGs here")
    parser.add_argument("--out", type=pathlib.Path, default=None)
    parser.add_argument("--json", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))

    import keras
    import tensorflow as tf

    from tfstyle.export.tflite import convert_signature, make_interpreter
    from tfstyle.image.io import cover_crop, list_images, load_image, save_image
    from tfstyle.methods.magenta import MagentaTFLite
    from tfstyle.models.microast import MicroASTNet  # noqa: F401  (registers the class)
    from tfstyle.perceptual.metrics import Scorer

    contents, styles = list_images(args.content), list_images(args.styles)
    contents = contents[::max(1, len(contents) // args.pairs)][:args.pairs]
    styles = styles[::max(1, len(styles) // args.pairs)][:args.pairs]
    side = (args.size, args.size)
    net = keras.saving.load_model(args.model)
    magenta = MagentaTFLite(args.magenta / "predict_int8_256.tflite", args.magenta / "transfer_f16_384.tflite")

    # MicroAST as float16 TFLite at this size (the style input fixed at size x size: paintings are cover-cropped).
    def serve(content, style):
        return {"stylized": tf.cast(net((content, style)), tf.float32)}

    tflite = pathlib.Path(tempfile.mkdtemp()) / "microast_f16.tflite"
    tflite.write_bytes(convert_signature(net, serve, {"content": (1, *side, 3), "style": (1, *side, 3)}, "float16"))
    interpreter = make_interpreter(model_path=str(tflite), num_threads=2)
    runner = interpreter.get_signature_runner("serving_default")

    def microast_tflite(photo, style):
        return runner(content=photo[None].astype(np.float32),
                      style=cover_crop(style, side)[None].astype(np.float32))["stylized"][0]

    systems = {
        "MicroAST (tfstyle port, Keras float32)": lambda photo, style: np.asarray(net.stylize(photo, style)),
        "MicroAST (tfstyle port, TFLite float16, style cover-cropped to the size)": microast_tflite,
        "Magenta predict_int8_256 + transfer_f16_384 (TFLite)": lambda photo, style: magenta.stylize(photo, style),
        IDENTITY: lambda photo, style: photo,
    }
    scores = {name: {key: [] for key in (*METRICS, "seconds")} for name in systems}
    warm = load_image(contents[0], max_size=args.size), load_image(styles[0], max_size=args.size)
    for run in systems.values():
        run(cover_crop(warm[0], side), warm[1])
    for i, (content_path, style_path) in enumerate(zip(contents, styles)):
        photo = cover_crop(load_image(content_path), side)
        style = load_image(style_path, max_size=args.size)
        scorer = Scorer(style)
        features = scorer.features(photo)
        row = [photo]
        for name, run in systems.items():
            start = time.perf_counter()
            out = np.clip(np.asarray(run(photo, style), np.float32), 0, 255)
            scores[name]["seconds"].append(time.perf_counter() - start)
            result = scored(scorer, out, photo, features, identity=name == IDENTITY)
            for key in METRICS:
                scores[name][key].append(result[key])
            row.append(out)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            save_image(np.concatenate([row[0], cover_crop(style, side), *row[1:-1]], 1),
                       args.save / f"{i:02d}_{content_path.stem}_{style_path.stem}.png")
        print(f"pair {i + 1}/{len(contents)} done", file=sys.stderr, flush=True)

    micro, mag = scores[next(iter(systems))], scores["Magenta predict_int8_256 + transfer_f16_384 (TFLite)"]
    content_change = statistics.mean(micro["content"]) / statistics.mean(mag["content"]) - 1
    style_change = statistics.mean(micro["style"]) / statistics.mean(mag["style"]) - 1
    title = f"### {len(contents)} holdout photo x painting pairs, {args.size}x{args.size} ({datetime.date.today()})"
    lines = [title, "",
             f"Machine: {describe()}", "",
             "| system | style distance | content distance | SSIM to photo | CFSD | histogram distance "
             "| s / image (median) |",
             "|---|---|---|---|---|---|---|"]
    for name, values in scores.items():
        lines.append(f"| {name} | {' | '.join(summary(values[key]) for key in METRICS)} | "
                     f"{statistics.median(values['seconds']):.3f} |")
    lines += ["", f"MicroAST (Keras) vs Magenta: content distance {content_change:+.1%}, style distance "
                  f"{style_change:+.1%} (relative, means over the pairs).", "",
              f"Made by `python benchmarks/microast_quality.py --pairs {args.pairs} --size {args.size}`. Photos: every "
              f"{max(1, len(list_images(args.content)) // args.pairs)}th of `holdout/content`, cover-cropped; "
              "paintings: every k-th of `holdout/style`, long side shrunk to the size (MicroAST Keras encodes it as "
              "it is, MicroAST TFLite gets a centre square, Magenta's predictor a 256 centre square). Scores are "
              "`tfstyle.perceptual.metrics.Scorer.report`: style and content distance, CFSD (photo structure lost) "
              "and histogram distance (to the painting's colours) are lower-is-better, SSIM to the photo "
              "(`tfstyle.perceptual.metrics.ssim`) higher-keeps-more. Times include the style encoding; Keras times "
              "are eager calls."]
    publish(lines, args.out)
    if args.json:
        numbers = {"pairs": len(contents), "size": args.size, "date": str(datetime.date.today()),
                   "benchmark": "benchmarks/microast_quality.py (results in benchmarks/results/microast_quality.md)",
                   **{key: {"style_distance": round(statistics.mean(v["style"]), 4),
                            "content_distance": round(statistics.mean(v["content"]), 4),
                            "ssim": round(statistics.mean(v["ssim"]), 4),
                            "cfsd": round(statistics.mean(v["cfsd"]), 4),
                            "histogram_distance": round(statistics.mean(v["histogram"]), 4),
                            "seconds_per_image": round(statistics.median(v["seconds"]), 4)}
                      for key, v in (("microast_keras", micro), ("magenta_tflite_f16", mag))},
                   "content_distance_vs_magenta": round(content_change, 4),
                   "style_distance_vs_magenta": round(style_change, 4)}
        args.json.write_text(json.dumps(numbers, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
