"""Build the release ``.tflite`` files from the shipped styles and write ``export/REPORT.md``.

For every shipped fast style and every format (float32, float16, dynamic range, full INT8
with uint8 input/output calibrated on real photos) at a fixed size, it records: file size,
latency (median and p90 over ``--runs``, 1 and 2 threads, XNNPACK through ai-edge-litert),
PSNR against the Keras float model, and the style/content distances
(:mod:`tfstyle.metrics`) on evaluation photos. Magenta's published TFLite models
(``--magenta``) are measured in the same run on the same photos and paintings.

    python export/pipeline.py                       # everything, ~15 min on 2 cores
    python export/pipeline.py --styles wave --eval-images 2 --runs 5 --report /tmp/r.md   # quick look

Calibration photos (``--calibration``) and evaluation photos (``--eval``) are different
sets. Files go to ``--out`` (``export/build``, not committed: rebuild them with this command).
"""
from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "benchmarks"))

from machine import describe  # noqa: E402  (benchmarks/machine.py)

from tfstyle import pretrained  # noqa: E402
from tfstyle.export import FORMATS, export_tflite, run_tflite  # noqa: E402
from tfstyle.export.bench import latency  # noqa: E402
from tfstyle.images import cover_crop, list_images, load_image  # noqa: E402
from tfstyle.magenta import MagentaTFLite  # noqa: E402
from tfstyle.metrics import Scorer, psnr  # noqa: E402

THREADS = (1, 2)
MAGENTA_TRANSFER = ("int8", "f16", "dynamic")


def _timings(path: pathlib.Path, runs: int) -> dict:
    return {threads: latency(path, num_threads=threads, runs=runs) for threads in THREADS}


def _distances(scorer: Scorer, outputs: list[np.ndarray], contents: list[np.ndarray]) -> tuple[float, float]:
    scores = [scorer.score(out, content) for out, content in zip(outputs, contents)]
    return float(np.mean([s["style"] for s in scores])), float(np.mean([s["content"] for s in scores]))


def export_style(name: str, args, contents: list[np.ndarray], scorer: Scorer) -> list[dict]:
    """Every format of one shipped style: files, timings and quality."""
    net = pretrained.load(name)
    reference = [np.asarray(net(image[None]))[0] for image in contents]
    rows = [{"model": name, "format": "keras float32", "size_bytes": None, "psnr": None,
             "distances": _distances(scorer, reference, contents)}]
    for fmt in args.formats:
        path = args.out / f"{name}_{fmt}_{args.size}.tflite"
        meta = export_tflite(net, path, format=fmt, size=args.size, representative_images=args.calibration)
        outputs = [run_tflite(path, image) for image in contents]
        rows.append({
            "model": name, "format": fmt, "size_bytes": meta["size_bytes"], "gpu": meta["gpu_compatible"],
            "timings": _timings(path, args.runs),
            "psnr": float(np.mean([psnr(o, r) for o, r in zip(outputs, reference)])),
            "distances": _distances(scorer, outputs, contents),
        })
        print(f"{name} {fmt}: {rows[-1]['timings'][2]['median_ms']:.1f} ms, {rows[-1]['psnr']:.1f} dB", flush=True)
    return rows


def magenta_rows(args, contents: list[np.ndarray], styles: dict[str, Scorer]) -> list[dict]:
    """Magenta's transfer models at the same size, on the same photos and paintings."""
    predictor = args.magenta / "predict_int8_256.tflite"
    rows = [{"model": "magenta predictor", "format": "int8 (256x256 style)",
             "size_bytes": predictor.stat().st_size, "timings": _timings(predictor, args.runs)}]
    reference = None
    for fmt in MAGENTA_TRANSFER:
        transfer = args.magenta / f"transfer_{fmt}_{args.size}.tflite"
        if not transfer.exists():
            print(f"skipping {transfer}: not found", file=sys.stderr)
            continue
        magenta = MagentaTFLite(predictor, transfer)
        vectors = {name: magenta.style_vector(image) for name, (image, _) in styles.items()}
        style_d, content_d, outputs_all = [], [], []
        for name, (_, scorer) in styles.items():
            outputs = [magenta.stylize(image, vectors[name]).astype(np.float32) for image in contents]
            outputs_all.extend(outputs)
            s, c = _distances(scorer, outputs, contents)
            style_d.append(s)
            content_d.append(c)
        if fmt == "f16":
            reference = outputs_all
        rows.append({"model": "magenta transfer", "format": fmt, "size_bytes": transfer.stat().st_size,
                     "timings": _timings(transfer, args.runs), "outputs": outputs_all,
                     "distances": (float(np.mean(style_d)), float(np.mean(content_d)))})
        print(f"magenta {fmt}: {rows[-1]['timings'][2]['median_ms']:.1f} ms", flush=True)
    for row in rows:
        outputs = row.pop("outputs", None)
        if outputs is not None and reference is not None:
            row["psnr"] = float(np.mean([psnr(o, r) for o, r in zip(outputs, reference)]))
    return rows


def _fmt_ms(row: dict, threads: int) -> str:
    timing = row.get("timings", {}).get(threads)
    return f"{timing['median_ms']:.1f} / {timing['p90_ms']:.1f}" if timing else "-"


def _fmt(value, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)


def table(rows: list[dict]) -> str:
    lines = ["| model | format | size (KB) | 1 thread ms (median / p90) | 2 threads ms (median / p90) | "
             "PSNR vs float (dB) | style distance | content distance | GPU delegate ops |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        style, content = row.get("distances", (None, None))
        gpu = {True: "all supported", False: "unsupported ops", None: "-"}[row.get("gpu")]
        lines.append(f"| {row['model']} | {row['format']} | {_fmt(row.get('size_bytes') and row['size_bytes'] / 1024, '{:.0f}')} | "
                     f"{_fmt_ms(row, 1)} | {_fmt_ms(row, 2)} | {_fmt(row.get('psnr'), '{:.1f}')} | "
                     f"{_fmt(style, '{:.3f}')} | {_fmt(content, '{:.3f}')} | {gpu} |")
    return "\n".join(lines)


def targets(rows: list[dict], magenta: list[dict]) -> str:
    """The issue's performance targets, measured (first style's files; all styles share the architecture)."""
    by = {(r["model"], r["format"]): r for r in rows}
    name = rows[0]["model"]
    f32, int8 = by.get((name, "float32")), by.get((name, "int8"))
    lines = ["| target | measured | met |", "|---|---|---|"]
    if f32 and int8:
        speedup = f32["timings"][2]["median_ms"] / int8["timings"][2]["median_ms"]
        lines.append(f"| INT8 >= 1.5x faster than float32 (2 threads) | {speedup:.2f}x | {'yes' if speedup >= 1.5 else 'no'} |")
        worst = min(r["psnr"] for r in rows if r["format"] == "int8")
        lines.append(f"| INT8 PSNR vs float >= 35 dB (worst style) | {worst:.1f} dB | {'yes' if worst >= 35 else 'no'} |")
        ratio = f32["size_bytes"] / int8["size_bytes"]
        lines.append(f"| INT8 file <= 1/3.5 of float32 | 1/{ratio:.2f} | {'yes' if ratio >= 3.5 else 'no'} |")
    mag = {r["format"]: r for r in magenta}
    if f32 and "int8" in mag:
        best = min((r for r in rows if r["format"] in FORMATS), key=lambda r: r["timings"][2]["median_ms"])
        ratio = mag["int8"]["timings"][2]["median_ms"] / best["timings"][2]["median_ms"]
        lines.append(f"| fast-style net vs Magenta transfer_int8 (2 threads; fastest format: {best['format']}) | "
                     f"{ratio:.2f}x faster | (the arbitrary-style target is for the arbitrary net) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--styles", default=",".join(pretrained.list_styles()))
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--calibration", type=pathlib.Path, default=SHARED / "data" / "content" / "test")
    parser.add_argument("--eval", type=pathlib.Path, default=SHARED / "data" / "holdout" / "content")
    parser.add_argument("--eval-images", type=int, default=6)
    parser.add_argument("--style-dir", type=pathlib.Path, default=SHARED / "data" / "style" / "named")
    parser.add_argument("--magenta", type=pathlib.Path, default=SHARED / "anchors" / "magenta")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "export" / "build")
    parser.add_argument("--report", type=pathlib.Path, default=ROOT / "export" / "REPORT.md")
    args = parser.parse_args(argv)
    args.formats = [f for f in args.formats.split(",") if f]
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()

    contents = [cover_crop(load_image(p), (args.size, args.size)) for p in list_images(args.eval)[:args.eval_images]]
    catalog = pretrained.catalog()
    styles = {}
    for name in [n for n in args.styles.split(",") if n]:
        image = load_image(args.style_dir / catalog[name]["style_image"], max_size=args.size)
        styles[name] = (image, Scorer(image))
    rows = [row for name, (_, scorer) in styles.items() for row in export_style(name, args, contents, scorer)]
    magenta = magenta_rows(args, contents, styles) if args.magenta.is_dir() else []

    report = f"""# Export report

Generated by `python export/pipeline.py` on {datetime.date.today()} in {time.perf_counter() - start:.0f} s.

Machine: {describe()}

Input {args.size}x{args.size}. Latency: XNNPACK CPU delegate through ai-edge-litert, {args.runs} timed runs after
3 warm-up runs. Quality on {len(contents)} evaluation photos from `{args.eval.name}` (never used for training or
calibration; INT8 calibrated on `{args.calibration.name}`): PSNR against the Keras float model, and the style and
content distances of `tfstyle.metrics` (lower is better) against each style's painting at {args.size} px.
Magenta's models ran on the same photos with the same paintings (their bottleneck from their own predictor);
their PSNR is against their f16 model.

## Targets

{targets(rows, magenta)}

## Fast-style networks (shipped styles)

{table(rows)}

## Magenta (published TFLite models, same run)

{table(magenta) if magenta else "Magenta's files were not found (--magenta)."}
"""
    args.report.write_text(report)
    print(f"wrote {args.report} and {len(rows)} models under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
