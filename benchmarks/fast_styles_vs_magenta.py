"""The shipped fast styles against Magenta's TFLite network, painting by painting.

For each shipped fast style (``wave``, ``starry_night``, ...) and the first ``--photos`` photos of
``../shared/data/holdout/content`` (cover-cropped to ``--size`` squares, 384: Magenta's transfer size):

* **from scratch**: the network that shipped before folding (``JohnsonNet`` width 0.5 trained on a
  CPU), read from git (``--old-commit``);
* **folded**: ``magenta_v1`` with the painting's predicted style folded into a ``JohnsonNet``
  (:func:`tfstyle.models.ghiasi.fold_style`, no fitting), made here;
* **shipped**: ``tfstyle/weights/<name>.keras`` (``tools/fold_styles.py``: folded, after fitting the
  style parameters if its recipe says so); a row of its own only when it is not the folded one;
* **Magenta f16**: ``predict_int8_256`` + ``transfer_f16_384`` (:class:`tfstyle.methods.magenta.MagentaTFLite`),
  the same painting through its own predictor.

Scores (:meth:`tfstyle.perceptual.metrics.Scorer.report`, one VGG19 pass per picture, the painting scored
at ``--size`` long side for every system):

* style and content distance (lower is better);
* SSIM to the photo (:func:`tfstyle.perceptual.metrics.ssim`; higher keeps more of the photo; until #31
  this script used ``tf.image.ssim``, which agrees to about 1e-6);
* CFSD to the photo (StyleID's content feature structure distance: KL divergence of VGG19 relu3_1
  patch-similarity maps; 0 = the photo's structure kept, lower is better);
* colour-histogram distance to the painting (Hellinger distance of HistoGAN's RGB-uv histograms;
  0 = the painting's colours, lower is better).

Targets: the shipped network's style *and* content distances at or below Magenta f16's. Writes a
Markdown report (``--out``, replaced) and, with ``--weights``, each style's ``quality`` into that
folder's registry (``cfsd`` and ``histogram_distance`` beside the distances and SSIM).

    python benchmarks/fast_styles_vs_magenta.py --out benchmarks/results/fast_styles_vs_magenta.md \\
        --weights tfstyle/weights
"""
from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from refine import METRICS  # noqa: E402  (the quality keys: style, content, ssim, cfsd, histogram)

from tfstyle.devtools.machine import describe  # noqa: E402
from tfstyle.weights.registry import WEIGHTS_DIR, read_entry, write_entry  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: preset name -> the painting's file in ``data/style/named``.
PAINTINGS = {"wave": "wave.jpg", "starry_night": "starry_night.jpg", "the_scream": "the_scream.jpg",
             "udnie": "udnie.jpg", "shipwreck": "shipwreck.jpg", "woman_with_hat": "woman_with_hat_matisse.jpg"}
#: The last commit whose fast styles were the from-scratch networks.
OLD_COMMIT = "5f8a91f"
KEYS = (*METRICS, "seconds")


def _record(result: dict) -> dict:
    """One system's means as the registry keeps them (``histogram`` as ``histogram_distance``), rounded."""
    return {("histogram_distance" if key == "histogram" else key): round(result[key], 4) for key in METRICS}


def _old_network(name: str, commit: str, folder: pathlib.Path):
    import tfstyle

    path = folder / f"old_{name}.keras"
    blob = subprocess.run(["git", "show", f"{commit}:tfstyle/weights/{name}.keras"], cwd=ROOT, check=True,
                          capture_output=True).stdout
    path.write_bytes(blob)
    return tfstyle.load_model(str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=pathlib.Path, default=SHARED / "data")
    parser.add_argument("--magenta", type=pathlib.Path, default=SHARED / "anchors" / "magenta")
    parser.add_argument("--styles", default=",".join(PAINTINGS))
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--old-commit", default=OLD_COMMIT)
    parser.add_argument("--shipped", type=pathlib.Path, default=WEIGHTS_DIR,
                        help="folder of the shipped .keras files and presets.json")
    parser.add_argument("--out", type=pathlib.Path, default=None)
    parser.add_argument("--weights", type=pathlib.Path, default=None,
                        help="record each style's quality in this folder's presets.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))

    import tfstyle
    from tfstyle.atomic import write_text
    from tfstyle.image.io import cover_crop, load_image
    from tfstyle.methods.magenta import MagentaTFLite
    from tfstyle.models.ghiasi import fold_style
    from tfstyle.perceptual.metrics import Scorer

    side = (args.size, args.size)
    photo_paths = sorted(p for p in (args.data / "holdout" / "content").iterdir()
                         if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[:args.photos]
    photos = [cover_crop(load_image(p), side) for p in photo_paths]
    magenta = MagentaTFLite(args.magenta / "predict_int8_256.tflite", args.magenta / "transfer_f16_384.tflite")
    sources: dict = {}  # the arbitrary network each style is folded from (its recipe's "from")
    names = [n.strip() for n in args.styles.split(",") if n.strip()]
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="fast_vs_magenta_"))
    photo_features, results, recipes = [], {}, {}
    for name in names:
        painting_path = args.data / "style" / "named" / PAINTINGS[name]
        painting = load_image(painting_path, max_size=args.size)
        scorer = Scorer(painting)
        if not photo_features:
            photo_features = [scorer.features(photo) for photo in photos]
        recipe = read_entry(args.shipped, name).get("recipe", {})
        recipes[name] = recipe
        source = recipe.get("from", "magenta_v1")
        if source not in sources:
            sources[source] = tfstyle.load_model(source, kind="arbitrary")
        systems = {"from scratch (old)": _old_network(name, args.old_commit, tmp),
                   f"folded from {source} (0 fit steps)": fold_style(sources[source], painting_path)}
        if recipe.get("fit_steps"):
            systems[f"folded + fitted ({recipe['fit_steps']} steps, shipped)"] = \
                tfstyle.load_model(str(args.shipped / f"{name}.keras"))
        vector = magenta.style_vector(painting_path)
        rows = {label: {key: [] for key in KEYS} for label in [*systems, "Magenta f16 TFLite"]}
        for p_index, photo in enumerate(photos):
            outputs = {}
            for label, net in systems.items():
                start = time.perf_counter()
                outputs[label] = tfstyle.stylize(photo.astype(np.uint8), model=net, backend="keras")
                rows[label]["seconds"].append(time.perf_counter() - start)
            start = time.perf_counter()
            outputs["Magenta f16 TFLite"] = magenta.stylize(photo, vector)
            rows["Magenta f16 TFLite"]["seconds"].append(time.perf_counter() - start)
            for label, image in outputs.items():
                score = scorer.report(image.astype(np.float32), photo, photo_features[p_index])
                for key in METRICS:
                    rows[label][key].append(score[key])
        results[name] = {label: {key: statistics.mean(v) for key, v in row.items()} for label, row in rows.items()}
        print(f"{name} done", file=sys.stderr, flush=True)

    on = (f"first {len(photos)} photos of holdout/content at {side[0]}x{side[1]} (cover-crop), painting at "
          f"{args.size} px (benchmarks/results/fast_styles_vs_magenta.md)")
    lines = ["# Shipped fast styles vs Magenta", "",
             f"{len(photos)} holdout photos ({', '.join(p.name for p in photo_paths)}), cover-cropped to "
             f"{side[0]}x{side[1]}; each painting scored at {args.size} px for every system. "
             "`tfstyle.perceptual.metrics.Scorer.report`: style and content distance, CFSD to the photo (its "
             "structure lost) and histogram distance to the painting (its colours missed) are lower-is-better; SSIM "
             "to the photo (`tfstyle.perceptual.metrics.ssim`) is higher-keeps-more; seconds per image on this "
             "machine (Keras float32 for tfstyle's networks, TFLite 2 threads for Magenta). Made by "
             "`benchmarks/fast_styles_vs_magenta.py`.", "",
             f"Machine: {describe()}", "", "## Summary: the shipped network against Magenta f16", "",
             "| style | shipped style | Magenta style | shipped content | Magenta content | shipped SSIM | "
             "Magenta SSIM | shipped CFSD | Magenta CFSD | shipped histogram | Magenta histogram | "
             "target (both distances <= Magenta) |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    summary = {}
    for name, result in results.items():
        shipped = next(label for label in reversed(result) if label != "Magenta f16 TFLite")
        ours, theirs = result[shipped], result["Magenta f16 TFLite"]
        met = ours["style"] <= theirs["style"] and ours["content"] <= theirs["content"]
        misses = [f"{key} +{(ours[key] - theirs[key]) / theirs[key]:.1%}" for key in ("style", "content")
                  if ours[key] > theirs[key]]
        summary[name] = (shipped, met)
        lines.append(f"| `{name}` | {' | '.join(f'{ours[key]:.4f} | {theirs[key]:.4f}' for key in METRICS)} | "
                     f"{'met' if met else 'missed: ' + ', '.join(misses)} |")
    for name, result in results.items():
        lines += ["", f"## `{name}`", "",
                  "| system | style distance | content distance | SSIM | CFSD | histogram distance | s / image |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {label} | {' | '.join(f'{r[key]:.4f}' for key in METRICS)} | {r['seconds']:.3f} |"
                  for label, r in result.items()]
        if recipes[name].get("fit_steps"):
            recipe = recipes[name]
            lines += ["", f"Fitted: {recipe['fit_steps']} steps on {len(recipe.get('photos', []))} training photos at "
                          f"{recipe.get('photo_size')} px, content weight {recipe.get('content_weight')}, "
                          f"{recipe.get('seconds')} s."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        write_text(args.out, text)
    if args.weights:
        for name, result in results.items():
            shipped, met = summary[name]
            ours, theirs = result[shipped], result["Magenta f16 TFLite"]
            write_entry(args.weights, name, {"quality": {
                "style_distance": round(ours["style"], 4), "content_distance": round(ours["content"], 4),
                "ssim": round(ours["ssim"], 4), "cfsd": round(ours["cfsd"], 4),
                "histogram_distance": round(ours["histogram"], 4), "on": on, "meets_magenta_f16": met,
                "magenta_f16_same_photos": _record(theirs),
                "from_scratch_before": _record(result["from scratch (old)"])}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
