"""The Keras port of Magenta's models (``tfstyle/weights/magenta_v1.keras``) against Magenta's TFLite files.

On ``--photos`` holdout photos x ``--paintings`` holdout paintings (``../shared/data/holdout``, spread
out over the sorted lists), both centre-cropped, photos to 384x384 (the TFLite transfer size):

* end to end, the port through ``tfstyle.stylize_arbitrary`` (Keras float32: MobileNetV2 predictor
  at 256x256 + transfer net) against ``tfstyle.methods.magenta.MagentaTFLite`` (``predict_int8_256`` +
  ``transfer_f16_384``): style and content distances (:meth:`tfstyle.perceptual.metrics.Scorer.report`, VGG19;
  lower is better), their relative difference (must stay within 2%), SSIM to the photo
  (:func:`tfstyle.perceptual.metrics.ssim`; higher keeps more), CFSD to the photo (StyleID's content feature
  structure distance, KL divergence of VGG19 relu3_1 patch-similarity maps; 0 = the photo's structure kept,
  lower is better), colour-histogram distance to the painting (Hellinger distance of HistoGAN's RGB-uv
  histograms; 0 = the painting's colours, lower is better), PSNR between the two stylizations, seconds per image;
* the transfer net alone, fed the TFLite predictor's bottleneck: PSNR against the TFLite float output;
* the predictor alone on every holdout painting: cosine similarity with the int8 TFLite's vector.

Prints a Markdown report and appends it, with the machine, to ``--out``; ``--weights`` records the
summary into the preset's record (``quality.benchmark``).

    python benchmarks/magenta_port.py --out benchmarks/results/magenta_port.md --weights tfstyle/weights
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

from tfstyle.devtools.machine import describe, publish  # noqa: E402
from tfstyle.weights.registry import read_entry, write_entry  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _psnr(a, b) -> float:
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def _spread(items: list, count: int) -> list:
    return items[::max(1, len(items) // count)][:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--holdout", type=pathlib.Path, default=SHARED / "data" / "holdout")
    parser.add_argument("--magenta", type=pathlib.Path, default=SHARED / "anchors" / "magenta")
    parser.add_argument("--model", type=pathlib.Path, default=ROOT / "tfstyle" / "weights" / "magenta_v1.keras")
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--paintings", type=int, default=3)
    parser.add_argument("--out", type=pathlib.Path, default=None)
    parser.add_argument("--weights", type=pathlib.Path, default=None,
                        help="record the summary in this folder's presets.json (tfstyle/weights: the package's)")
    parser.add_argument("--save", type=pathlib.Path, default=None, help="write the first pairs' images here (PNG)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))

    import keras
    from PIL import Image

    import tfstyle.models  # noqa: F401  (registers the classes)
    from tfstyle.image.io import cover_crop, list_images, load_image, to_uint8
    from tfstyle.methods.arbitrary import stylize_arbitrary
    from tfstyle.methods.magenta import MagentaTFLite
    from tfstyle.perceptual.metrics import Scorer

    net = keras.saving.load_model(args.model)
    magenta = MagentaTFLite(args.magenta / "predict_int8_256.tflite", args.magenta / "transfer_f16_384.tflite")
    transfer_tflite = magenta._transfer  # the same interpreter, for raw float outputs
    content_in, vector_in = magenta._content_in, magenta._bottleneck_in
    side = magenta.content_size
    all_paintings = list_images(args.holdout / "style")
    photo_paths = _spread(list_images(args.holdout / "content"), args.photos)
    painting_paths = _spread(all_paintings, args.paintings)

    # Predictor: every holdout painting.
    cosines = []
    for path in all_paintings:
        crop = cover_crop(load_image(path), (net.style_size, net.style_size)).astype(np.float32)
        ours = np.asarray(net.predict_style(crop[None]))[0]
        theirs = magenta.style_vector(path)
        cosines.append(float(ours @ theirs / (np.linalg.norm(ours) * np.linalg.norm(theirs))))

    rows = {name: {key: [] for key in (*METRICS, "seconds")} for name in ("port", "magenta", "same_vector")}
    end_to_end_psnr, transfer_psnr = [], []
    photos = [cover_crop(load_image(p), side) for p in photo_paths]
    photo_features = []  # VGG19 features of each photo, for content distances (independent of the style)
    for s_index, painting_path in enumerate(painting_paths):
        painting = load_image(painting_path, max_size=max(side))
        scorer = Scorer(painting)
        if not photo_features:
            photo_features = [scorer.features(photo) for photo in photos]
        vector = magenta.style_vector(painting)  # the same image stylize() and stylize_arbitrary get
        for p_index, photo in enumerate(photos):
            start = time.perf_counter()
            ours = np.asarray(stylize_arbitrary(photo, painting, model=net), np.float32)
            rows["port"]["seconds"].append(time.perf_counter() - start)
            start = time.perf_counter()
            theirs = magenta.stylize(photo, painting).astype(np.float32)
            rows["magenta"]["seconds"].append(time.perf_counter() - start)
            for name, image in (("port", ours), ("magenta", theirs)):
                result = scorer.report(image, photo, photo_features[p_index])
                for key in METRICS:
                    rows[name][key].append(result[key])
            end_to_end_psnr.append(_psnr(ours, theirs))
            # Transfer alone, same bottleneck, float outputs.
            transfer_tflite.set_tensor(content_in["index"], (photo / 255.0)[None].astype(np.float32))
            transfer_tflite.set_tensor(vector_in["index"], vector.reshape(1, 1, 1, -1).astype(np.float32))
            transfer_tflite.invoke()
            reference = transfer_tflite.get_tensor(transfer_tflite.get_output_details()[0]["index"])[0] * 255.0
            start = time.perf_counter()
            port = np.asarray(net.transfer((photo[None].astype(np.float32), vector[None])))[0]
            rows["same_vector"]["seconds"].append(time.perf_counter() - start)
            transfer_psnr.append(_psnr(port, reference))
            result = scorer.report(to_uint8(port), photo, photo_features[p_index])
            for key in METRICS:
                rows["same_vector"][key].append(result[key])
            if args.save and p_index < 2 and s_index < 2:
                args.save.mkdir(parents=True, exist_ok=True)
                stem = f"{photo_paths[p_index].stem}_{painting_path.stem}"
                Image.fromarray(ours.astype(np.uint8)).save(args.save / f"{stem}_port.png")
                Image.fromarray(theirs.astype(np.uint8)).save(args.save / f"{stem}_tflite.png")
        print(f"painting {s_index + 1}/{len(painting_paths)} done", file=sys.stderr, flush=True)

    def mean(name, key):
        return statistics.mean(rows[name][key])

    def cell(name, key):
        return f"{mean(name, key):.4f} ± {statistics.pstdev(rows[name][key]):.4f}"

    def cells(name):
        return " | ".join(cell(name, key) for key in METRICS)

    relative = {key: (mean("port", key) - mean("magenta", key)) / mean("magenta", key) for key in ("style", "content")}
    same = {key: (mean("same_vector", key) - mean("magenta", key)) / mean("magenta", key) for key in ("style", "content")}
    pairs = len(rows["port"]["style"])
    ok = all(abs(v) <= 0.02 for v in relative.values())
    lines = [f"### Keras port vs Magenta TFLite: {len(photos)} holdout photos x {len(painting_paths)} holdout "
             f"paintings ({pairs} pairs), {side[0]}x{side[1]}", "",
             f"Machine: {describe()}", "",
             "| system | style distance | content distance | SSIM to the photo | CFSD | histogram distance "
             "| s / image |",
             "|---|---|---|---|---|---|---|",
             f"| port `{args.model.name}` (Keras float32, `stylize_arbitrary`) | {cells('port')} | "
             f"{mean('port', 'seconds'):.3f} |",
             f"| Magenta `predict_int8_256` + `transfer_f16_384` (TFLite, 2 threads) | {cells('magenta')} | "
             f"{mean('magenta', 'seconds'):.3f} |",
             f"| port transfer net fed the TFLite predictor's bottleneck | {cells('same_vector')} | "
             f"{mean('same_vector', 'seconds'):.3f} |",
             "",
             f"- Relative difference of the means (port - TFLite) / TFLite: style {relative['style']:+.2%}, "
             f"content {relative['content']:+.2%} ({'within' if ok else 'NOT within'} 2%); with the TFLite "
             f"bottleneck: style {same['style']:+.2%}, content {same['content']:+.2%}.",
             f"- PSNR port vs TFLite, end to end (each with its own predictor; TFLite output uint8): "
             f"mean {statistics.mean(end_to_end_psnr):.2f} dB, min {min(end_to_end_psnr):.2f} dB.",
             f"- PSNR transfer net alone (same TFLite bottleneck, float outputs): mean "
             f"{statistics.mean(transfer_psnr):.2f} dB, min {min(transfer_psnr):.2f} dB.",
             f"- Predictor cosine similarity with the int8 TFLite on all {len(cosines)} holdout paintings (256x256): "
             f"mean {statistics.mean(cosines):.4f}, min {min(cosines):.4f}."]
    publish(lines, args.out)
    if args.weights:
        quality = read_entry(args.weights, "magenta_v1").get("quality", {})
        quality.update(style_distance=round(mean("port", "style"), 4), content_distance=round(mean("port", "content"), 4),
                       ssim=round(mean("port", "ssim"), 4), cfsd=round(mean("port", "cfsd"), 4),
                       histogram_distance=round(mean("port", "histogram"), 4),
                       on=f"holdout, {pairs} photo x painting pairs at {side[0]} px (benchmarks/results/magenta_port.md)")
        quality["benchmark"] = {
            "pairs": pairs, "size": side[0], "style_distance": round(mean("port", "style"), 4),
            "content_distance": round(mean("port", "content"), 4), "ssim": round(mean("port", "ssim"), 4),
            "cfsd": round(mean("port", "cfsd"), 4), "histogram_distance": round(mean("port", "histogram"), 4),
            "tflite_style_distance": round(mean("magenta", "style"), 4),
            "tflite_content_distance": round(mean("magenta", "content"), 4),
            "tflite_ssim": round(mean("magenta", "ssim"), 4), "tflite_cfsd": round(mean("magenta", "cfsd"), 4),
            "tflite_histogram_distance": round(mean("magenta", "histogram"), 4),
            "relative_difference": {k: round(v, 4) for k, v in relative.items()},
            "relative_difference_same_bottleneck": {k: round(v, 4) for k, v in same.items()},
            "end_to_end_psnr_db_mean": round(statistics.mean(end_to_end_psnr), 2),
            "transfer_psnr_db_min": round(min(transfer_psnr), 2),
            "predictor_cosine_min": round(min(cosines), 4), "predictor_cosine_mean": round(statistics.mean(cosines), 4),
            "paintings_for_cosine": len(cosines),
            "on": "benchmarks/magenta_port.py, ../shared/data/holdout (results/magenta_port.md)"}
        write_entry(args.weights, "magenta_v1", {"quality": quality})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
