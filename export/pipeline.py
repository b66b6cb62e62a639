"""Build the release ``.tflite`` files from the shipped styles and write ``export/REPORT.md``.

For every shipped fast style and every format (float32, float16, dynamic range, full INT8
with uint8 input/output calibrated on real photos) at a fixed size, it records: file size,
latency (median and p90 over ``--runs``, 1 and 2 threads, XNNPACK through ai-edge-litert),
PSNR against the Keras float model, and the style/content distances
(:mod:`tfstyle.perceptual.metrics`) on evaluation photos. Magenta's published TFLite models
(``--magenta``) are measured in the same run on the same photos and paintings.

    python export/pipeline.py                       # everything, ~15 min on 2 cores
    python export/pipeline.py --styles wave --eval-images 2 --runs 5 --report /tmp/r.md   # quick look

Calibration photos (``--calibration``) and evaluation photos (``--eval``) are different
sets. Files go to ``--out`` (``export/build``, not committed: rebuild them with this command).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import shutil
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: The Android app's model contract (names the predictor's signature and tensors).
CONTRACT = ROOT / "android_demo" / "app" / "src" / "main" / "assets" / "contract.json"
# Offline machines: the distances need VGG19; use ../shared's copy unless told otherwise.
if (SHARED / "weights" / "vgg19_notop.h5").is_file():
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))

from tfstyle.atomic import write_text  # noqa: E402
from tfstyle.devtools.machine import describe, info  # noqa: E402
from tfstyle.export import FORMATS, export_tflite, run_tflite  # noqa: E402
from tfstyle.export.aeq import quantize_tflite  # noqa: E402
from tfstyle.export.arbitrary import export_arbitrary, style_vectors  # noqa: E402
from tfstyle.export.bench import latency  # noqa: E402
from tfstyle.export.equalize import equalize_instance_norm  # noqa: E402
from tfstyle.export.gpu_check import check_on_gpu, gpu_unavailable_reason  # noqa: E402
from tfstyle.export.gpu_check import summary as gpu_summary  # noqa: E402
from tfstyle.export.op_profile import profile  # noqa: E402
from tfstyle.export.qat import export_qat_int8  # noqa: E402
from tfstyle.export.tflite import calibration_images  # noqa: E402
from tfstyle.image.io import cover_crop, list_images, load_image  # noqa: E402
from tfstyle.methods.magenta import MagentaTFLite  # noqa: E402
from tfstyle.perceptual.metrics import Scorer, psnr  # noqa: E402
from tfstyle.runtime.litert import run_signature  # noqa: E402
from tfstyle.weights.presets import load_model  # noqa: E402
from tfstyle.weights.registry import default_preset, phone_preset, preset_entry, preset_names  # noqa: E402

THREADS = (1, 2)
CHOICES: list[str] = []  # which INT8 candidate each style releases, and why
MAGENTA_TRANSFER = ("int8", "f16", "dynamic")
_MAGENTA_IMAGE = "style_image"  # the predictor's input tensor
_MAGENTA_BOTTLENECK = "mobilenet_conv/Conv/BiasAdd"  # the transfer models' style input tensor


def _timings(path: pathlib.Path, runs: int) -> dict:
    return {threads: latency(path, num_threads=threads, runs=runs) for threads in THREADS}


def _distances(scorer: Scorer, outputs: list[np.ndarray], contents: list[np.ndarray]) -> tuple[float, float]:
    scores = [scorer.score(out, content) for out, content in zip(outputs, contents)]
    return float(np.mean([s["style"] for s in scores])), float(np.mean([s["content"] for s in scores]))


def export_style(name: str, args, contents: list[np.ndarray], scorer: Scorer) -> list[dict]:
    """Every format of one shipped style: files, timings and quality."""
    net = load_model(name, kind="fast")
    reference = [np.asarray(net(image[None]))[0] for image in contents]
    rows = [{"model": name, "format": "keras float32", "size_bytes": None, "psnr": None,
             "distances": _distances(scorer, reference, contents)}]
    for fmt in args.formats:
        path = args.out / f"{name}_{fmt}_{args.size}.tflite"
        meta = export_tflite(net, path, format=fmt, size=args.size, representative_images=args.calibration)
        outputs = [run_tflite(path, image) for image in contents]
        rows.append({
            "model": name, "format": fmt, "size_bytes": meta["size_bytes"], "gpu": meta["gpu_compatible"], "path": path,
            "gpu_accelerator": meta.get("gpu_accelerator"),
            "timings": _timings(path, args.runs),
            "psnr": float(np.mean([psnr(o, r) for o, r in zip(outputs, reference)])),
            "distances": _distances(scorer, outputs, contents),
        })
        print(f"{name} {fmt}: {rows[-1]['timings'][2]['median_ms']:.1f} ms, {rows[-1]['psnr']:.1f} dB", flush=True)
    if "int8" in args.formats:
        rows.append(_ai_edge_int8(name, net, args, contents, reference, scorer))
        if args.qat_steps:
            rows.append(_qat_int8(name, net, args, contents, reference, scorer))
        rows.extend(_keep_best_int8(name, rows, args))
    return rows


def _qat_int8(name: str, net, args, contents, reference, scorer) -> dict:
    """Quantization-aware fine-tuning (tfmot, tf_keras, own process), then full INT8."""
    path = args.out / f"{name}_qat_int8_{args.size}.tflite"
    meta = export_qat_int8(net, path, args.calibration, size=args.size, steps=args.qat_steps, num_images=32)
    outputs = [run_tflite(path, image) for image in contents]
    return {"model": name, "format": "int8 (QAT)", "size_bytes": meta["size_bytes"], "gpu": meta["gpu_compatible"],
            "gpu_accelerator": meta.get("gpu_accelerator"), "timings": _timings(path, args.runs), "path": path,
            "psnr": float(np.mean([psnr(o, r) for o, r in zip(outputs, reference)])),
            "distances": _distances(scorer, outputs, contents)}


def _ai_edge_int8(name: str, net, args, contents, reference, scorer) -> dict:
    """The same network through ai-edge-quantizer (static INT8 weights and activations)."""
    calibration = calibration_images(args.calibration, (args.size, args.size), 64)
    source = args.out / f"{name}_equalized_float32_{args.size}.tflite"
    export_tflite(equalize_instance_norm(net, calibration), source, size=args.size)
    path = args.out / f"{name}_aeq_int8_{args.size}.tflite"
    meta = quantize_tflite(source, path, calibration, num_calibration=16)
    outputs = [run_tflite(path, image) for image in contents]
    return {"model": name, "format": "int8 (ai-edge-quantizer)", "size_bytes": meta["size_bytes"],
            "gpu": None, "gpu_accelerator": meta.get("gpu_accelerator"), "timings": _timings(path, args.runs), "path": path,
            "psnr": float(np.mean([psnr(o, r) for o, r in zip(outputs, reference)])),
            "distances": _distances(scorer, outputs, contents)}


def _keep_best_int8(name: str, rows: list[dict], args) -> list[dict]:
    """Copy the better INT8 candidate (PSNR against float) to ``<name>_release_int8``; say which and why."""
    candidates = [r for r in rows if r["model"] == name and r["format"].startswith("int8")]
    best = max(candidates, key=lambda r: r["psnr"])
    others = ", ".join(f"{r['format']} {r['psnr']:.1f} dB" for r in candidates if r is not best)
    release = args.out / f"{name}_release_int8_{args.size}.tflite"
    shutil.copyfile(best["path"], release)
    for suffix in (".json",):
        if best["path"].with_name(best["path"].name + suffix).exists():
            shutil.copyfile(best["path"].with_name(best["path"].name + suffix), release.with_name(release.name + suffix))
    CHOICES.append(f"- {name}: release INT8 = {best['format']} ({best['psnr']:.1f} dB against float; {others})")
    return []


def arbitrary_rows(args, contents: list[np.ndarray], styles: dict, name: str) -> list[dict]:
    """Arbitrary preset ``name``: predictor + transfer files per format, on the same photos and paintings."""
    try:
        net = load_model(name, kind="arbitrary")
    except Exception as exc:  # noqa: BLE001 - the report says what is missing
        print(f"skipping the arbitrary network {name}: {exc}", file=sys.stderr)
        return []
    squares = {style: cover_crop(image, (256, 256)) for style, (image, _) in styles.items()}
    vectors = {style: net.style_vector(image)[None] for style, (image, _) in styles.items()}
    reference = {style: [np.clip(np.asarray(net.transfer((c[None], vectors[style])))[0], 0, 255) for c in contents]
                 for style in styles}
    rows = [{"model": f"{name} transfer", "format": "keras float32", "size_bytes": None,
             "distances": _mean_distances(styles, reference, contents)}]
    # The app's files (the phone preset's) at the top, as the Android demo's README copies them.
    out = args.out if name == phone_preset() else args.out / name
    out.mkdir(parents=True, exist_ok=True)
    for fmt in args.formats:
        metas = export_arbitrary(net, out, format=fmt, content_size=args.size,
                                 representative_images=args.calibration, representative_styles=args.style_calibration)
        predictor, transfer = (out / metas[k]["file"] for k in ("predictor", "transfer"))
        if fmt == "float32" and name == phone_preset():
            # The Android demo's built-in styles: the shipped styles' paintings as style vectors.
            vectors = style_vectors(predictor, {style: image for style, (image, _) in styles.items()},
                                    json.loads(CONTRACT.read_text()))
            write_text(args.out / "style_vectors.json", json.dumps(vectors) + "\n")
        outputs = {}
        for style in styles:
            vector = run_signature(predictor, {"style": squares[style][None]})["style_vector"]
            outputs[style] = [np.clip(run_signature(transfer, {"content": c[None], "style_vector": vector})["stylized"][0],
                                      0, 255) for c in contents]
        rows.append({"model": f"{name} predictor", "format": f"{fmt} (256x256 style)",
                     "size_bytes": metas["predictor"]["size_bytes"], "gpu": metas["predictor"]["gpu_compatible"],
                     "gpu_accelerator": metas["predictor"].get("gpu_accelerator"),
                     "timings": _timings(predictor, args.runs)})
        rows.append({"model": f"{name} transfer", "format": fmt, "size_bytes": metas["transfer"]["size_bytes"],
                     "gpu": metas["transfer"]["gpu_compatible"], "gpu_accelerator": metas["transfer"].get("gpu_accelerator"),
                     "timings": _timings(transfer, args.runs),
                     "psnr": float(np.mean([psnr(o, r) for style in styles
                                            for o, r in zip(outputs[style], reference[style])])),
                     "distances": _mean_distances(styles, outputs, contents)})
        print(f"{name} {fmt}: {rows[-1]['timings'][2]['median_ms']:.1f} ms, {rows[-1]['psnr']:.1f} dB", flush=True)
    return rows


def _mean_distances(styles: dict, outputs: dict, contents: list[np.ndarray]) -> tuple[float, float]:
    pairs = [_distances(scorer, outputs[name], contents) for name, (_, scorer) in styles.items()]
    return float(np.mean([p[0] for p in pairs])), float(np.mean([p[1] for p in pairs]))


def magenta_rows(args, contents: list[np.ndarray], styles: dict[str, Scorer]) -> list[dict]:
    """Magenta's transfer models at the same size, on the same photos and paintings."""
    predictor = args.magenta / "predict_int8_256.tflite"
    rows = [{"model": "magenta predictor", "format": "int8 (256x256 style)",
             "size_bytes": predictor.stat().st_size, "timings": _timings(predictor, args.runs),
             "gpu_accelerator": check_on_gpu(predictor, input_ranges={_MAGENTA_IMAGE: (0, 1)})}]
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
                     # Magenta's images are in [0, 1] and its style bottleneck is unbounded (random normal).
                     "gpu_accelerator": check_on_gpu(transfer, input_ranges={"content_image": (0, 1),
                                                                             _MAGENTA_BOTTLENECK: None}),
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
    """The report's table: one row per file (``gpu``: the op allow-list; ``gpu_accelerator``: a check_on_gpu result)."""
    lines = ["| model | format | size (KB) | 1 thread ms (median / p90) | 2 threads ms (median / p90) | "
             "PSNR vs float (dB) | style distance | content distance | GPU delegate ops (allow-list) | "
             "GPU accelerator: fully accelerated, PSNR vs CPU |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        style, content = row.get("distances", (None, None))
        gpu = {True: "all supported", False: "unsupported ops", None: "-"}[row.get("gpu")]
        lines.append(f"| {row['model']} | {row['format']} | {_fmt(row.get('size_bytes') and row['size_bytes'] / 1024, '{:.0f}')} | "
                     f"{_fmt_ms(row, 1)} | {_fmt_ms(row, 2)} | {_fmt(row.get('psnr'), '{:.1f}')} | "
                     f"{_fmt(style, '{:.3f}')} | {_fmt(content, '{:.3f}')} | {gpu} | "
                     f"{gpu_summary(row.get('gpu_accelerator') or {})} |")
    return "\n".join(lines)


def accelerator_line(rows: list[dict]) -> str:
    """What ran the report's GPU-accelerator column (the adapter, or why there was none)."""
    results = [r["gpu_accelerator"] for r in rows if r.get("gpu_accelerator")]
    ran = next((r for r in results if r.get("available")), None)
    if ran is None:
        reason = next((r.get("reason") for r in results), None) or gpu_unavailable_reason() or "not run"
        return f"GPU accelerator column: no Vulkan device ({reason}); only the op allow-list was checked."
    kind = "a software Vulkan driver on the CPU" if ran.get("software") else "a hardware GPU"
    return (f"GPU accelerator column: LiteRT's GPU accelerator (WebGPU over Vulkan) on {ran.get('adapter')}, "
            f"{kind}; \"fully accelerated\" = no op falls back to the CPU, PSNR = its outputs against the CPU "
            "interpreter's on random inputs.")


def _best_int8(rows: list[dict], name: str) -> dict | None:
    candidates = [r for r in rows if r["model"] == name and r["format"].startswith("int8")]
    return max(candidates, key=lambda r: r["psnr"]) if candidates else None


def targets(rows: list[dict], magenta: list[dict], arbitrary: list[dict] = ()) -> str:
    """The issue's performance targets, measured on the release INT8 file of each style."""
    by = {(r["model"], r["format"]): r for r in rows}
    names = list(dict.fromkeys(r["model"] for r in rows))
    lines = ["| target | measured | met |", "|---|---|---|"]
    f32, int8 = by.get((names[0], "float32")), _best_int8(rows, names[0])
    if f32 and int8:
        speedup = f32["timings"][2]["median_ms"] / int8["timings"][2]["median_ms"]
        lines.append(f"| release INT8 >= 1.5x faster than float32 (2 threads, {names[0]}) | {speedup:.2f}x | "
                     f"{'yes' if speedup >= 1.5 else 'no'} |")
        worst = min(_best_int8(rows, n)["psnr"] for n in names)
        lines.append(f"| release INT8 PSNR vs float >= 35 dB (worst style) | {worst:.1f} dB | {'yes' if worst >= 35 else 'no'} |")
        ratio = f32["size_bytes"] / int8["size_bytes"]
        lines.append(f"| INT8 file <= 1/3.5 of float32 | 1/{ratio:.2f} | {'yes' if ratio >= 3.5 else 'no'} |")
    mag = {r["format"]: r for r in magenta}
    lines += student_targets(arbitrary, mag)
    if f32 and "int8" in mag:
        best = min((r for r in rows if "timings" in r), key=lambda r: r["timings"][2]["median_ms"])
        ratio = mag["int8"]["timings"][2]["median_ms"] / best["timings"][2]["median_ms"]
        lines.append(f"| (context) fast-style net, fastest format ({best['format']}), vs Magenta transfer_int8, "
                     f"2 threads | {ratio:.2f}x faster | the 2x target is for the arbitrary transfer net |")
    return "\n".join(lines)


def student_targets(arbitrary: list[dict], mag: dict[str, dict]) -> list[str]:
    """The phone network's targets against Magenta's files (and the default network, when another), same run."""
    student, teacher = phone_preset(), default_preset("arbitrary")
    ours = {r["format"]: r for r in arbitrary if r["model"] == f"{student} transfer"}
    theirs = {r["format"]: r for r in arbitrary if r["model"] == f"{teacher} transfer"}
    timed = [r for r in ours.values() if "timings" in r]
    magenta_timed = [r for r in mag.values() if "timings" in r and r["model"] == "magenta transfer"]
    if not timed or not magenta_timed:
        return []

    def ms(row: dict) -> float:
        return row["timings"][2]["median_ms"]

    def yes(met: bool) -> str:
        return "yes" if met else "no"

    lines = []
    best, fastest = min(timed, key=ms), min(magenta_timed, key=ms)
    ratio = ms(fastest) / ms(best)
    lines.append(f"| student ({student}) fastest file >= 2x faster than Magenta's fastest transfer file (2 threads; "
                 f"{best['format']} vs transfer_{fastest['format']}) | {ratio:.2f}x | {yes(ratio >= 2)} |")
    if "int8" in ours and "float32" in ours:
        int8, f32 = ours["int8"], ours["float32"]
        lines.append(f"| student INT8 PSNR vs its float >= 35 dB | {int8['psnr']:.1f} dB | {yes(int8['psnr'] >= 35)} |")
        speedup = ms(f32) / ms(int8)
        lines.append(f"| student INT8 >= 1.5x faster than its float32 on VNNI, not slower on AVX2 alone "
                     f"(this machine: {'VNNI' if _has_vnni() else 'no VNNI'}) | {speedup:.2f}x | "
                     f"{yes(speedup >= (1.5 if _has_vnni() else 1.0))} |")
        size = f32["size_bytes"] / int8["size_bytes"]
        lines.append(f"| student INT8 file <= 1/3.5 of float32 | 1/{size:.2f} | {yes(size >= 3.5)} |")
    keras_ours = ours.get("keras float32")
    keras_teacher = theirs.get("keras float32") if teacher != student else None  # the phone network is the default
    if keras_ours:
        s, c = keras_ours["distances"]
        if keras_teacher:
            ts, tc = keras_teacher["distances"]
            lines.append(f"| student quality within 0.03 / 0.05 of the default network ({teacher}; style / content "
                         f"distance) | {s:.3f} / {c:.3f} vs {ts:.3f} / {tc:.3f} | "
                         f"{yes(s <= ts + 0.03 and c <= tc + 0.05)} |")
        if "f16" in mag:
            ms_, mc = mag["f16"]["distances"]
            lines.append(f"| student no worse than Magenta f16 on both distances | {s:.3f} / {c:.3f} vs "
                         f"{ms_:.3f} / {mc:.3f} | {yes(s <= ms_ and c <= mc)} |")
    return lines


def _has_vnni() -> bool:
    return any("vnni" in flag for flag in info()["cpu_flags"])


def _shown(path: pathlib.Path) -> str:
    """``path`` as the README writes it (relative to the repository's parent when inside it)."""
    try:
        return "../" + str(path.resolve().relative_to(ROOT.parent))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--styles", default=",".join(preset_names("fast")))
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--calibration", type=pathlib.Path, default=SHARED / "data" / "content" / "test")
    parser.add_argument("--eval", type=pathlib.Path, default=SHARED / "data" / "holdout" / "content")
    parser.add_argument("--eval-images", type=int, default=6)
    parser.add_argument("--style-dir", type=pathlib.Path, default=SHARED / "data" / "style" / "named")
    parser.add_argument("--magenta", type=pathlib.Path, default=SHARED / "anchors" / "magenta")
    parser.add_argument("--style-calibration", type=pathlib.Path, default=SHARED / "data" / "style" / "train",
                        help="style images to calibrate the arbitrary predictor's INT8 on")
    parser.add_argument("--no-arbitrary", action="store_true", help="skip the arbitrary-style networks")
    parser.add_argument("--arbitrary", default=None,
                        help="arbitrary presets to export (default: the default one and the phone-first student)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "export" / "build")
    parser.add_argument("--report", type=pathlib.Path, default=ROOT / "export" / "REPORT.md")
    parser.add_argument("--qat-steps", type=int, default=30,
                        help="quantization-aware fine-tuning steps per style (0: no QAT candidate)")
    parser.add_argument("--no-op-profile", action="store_true", help="skip the per-op INT8/float32 table")
    args = parser.parse_args(argv)
    args.formats = [f for f in args.formats.split(",") if f]
    args.out.mkdir(parents=True, exist_ok=True)
    CHOICES.clear()
    start = time.perf_counter()

    contents = [cover_crop(load_image(p), (args.size, args.size)) for p in list_images(args.eval)[:args.eval_images]]
    styles = {}
    for name in [n for n in args.styles.split(",") if n]:
        image = load_image(args.style_dir / preset_entry(name).get("style_image", f"{name}.jpg"), max_size=args.size)
        styles[name] = (image, Scorer(image))
    rows = [row for name, (_, scorer) in styles.items() for row in export_style(name, args, contents, scorer)]
    names = args.arbitrary.split(",") if args.arbitrary else list(dict.fromkeys((default_preset("arbitrary"),
                                                                                  phone_preset())))
    arbitrary = [] if args.no_arbitrary else [row for name in names for row in arbitrary_rows(args, contents, styles, name)]
    magenta = magenta_rows(args, contents, styles) if args.magenta.is_dir() else []
    ops = "(skipped: --no-op-profile)" if args.no_op_profile else profile(max(3, args.runs))

    report = f"""# Export report

Generated by `python export/pipeline.py{"".join(" " + a for a in (sys.argv[1:] if argv is None else argv))}` on {datetime.date.today()} in {time.perf_counter() - start:.0f} s.

Machine: {describe()}

{accelerator_line(rows + arbitrary + magenta)}

Input {args.size}x{args.size}. Latency: XNNPACK CPU delegate through ai-edge-litert, {args.runs} timed runs after
3 warm-up runs. Quality on {len(contents)} evaluation photos from `{_shown(args.eval)}` (never used for training or
calibration; INT8 calibrated on `{_shown(args.calibration)}`): PSNR against the Keras float model, and the style and
content distances of `tfstyle.perceptual.metrics` (lower is better) against each style's painting at {args.size} px.
Magenta's models ran on the same photos with the same paintings (their bottleneck from their own predictor);
their PSNR is against their f16 model.

## Targets

{targets(rows, magenta, arbitrary)}

## Fast-style networks (shipped styles)

{table(rows)}

INT8 candidates: the TFLite converter's full-integer INT8 (uint8 in/out) after instance-norm
channel equalization (`tfstyle.export.equalize`); ai-edge-quantizer's `static_wi8_ai8` recipe on
the same equalized float model (float in/out); and quantization-aware training
(`tfstyle.export.qat`: tfmot on a tf_keras copy in its own process, {args.qat_steps} steps of batch 2
distilling the float network's outputs on 32 calibration photos, activation ranges initialised
from the float model; uint8 in/out). The pipeline releases the one closest to float:

{chr(10).join(CHOICES)}

## Arbitrary style: the phone network (the default arbitrary preset; predictor + transfer files)

{table(arbitrary) if arbitrary else "Skipped (no shipped arbitrary network, or --no-arbitrary)."}

Every file of a format is used end to end: the predictor file on the painting (256x256), the transfer
file on the photo with that vector; PSNR is against the Keras float model on the same inputs. The
distances average over the same paintings as the fast styles and Magenta's rows.

## Magenta (published TFLite models, same run)

{table(magenta) if magenta else "Magenta's files were not found (--magenta)."}

## Where the time goes: float32 vs INT8 per block

Each block of the network alone, at the size it has in a width-0.5 network at 384x384
(`python -m tfstyle.export.op_profile`); "reference" = TFLite's built-in kernels without XNNPACK:

{ops}
"""
    write_text(args.report, report)
    print(f"wrote {args.report} and {len(rows)} models under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
