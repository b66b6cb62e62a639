"""Build the release ``.tflite`` files from the shipped networks and write ``export/REPORT.md``.

For every shipped fast style and every format (float32, float16, dynamic range, full INT8 with
uint8 input/output calibrated on real photos, mixed: int8 convolutions with float normalization)
at a fixed size, and for the phone network's predictor and transfer files, it records: file size
and its ratio to float32, latency (median and p90 over ``--runs``, XNNPACK through ai-edge-litert)
and its ratio to float32, full-integer or not and the accelerators each file suits, and against
the same network's float32 file on holdout photos (x holdout paintings, with real style vectors,
for the arbitrary files): mean and worst pair PSNR and the mean and worst change of the style and
content distances (:mod:`tfstyle.perceptual.metrics`). INT8 candidates per fast style: the
converter's, ai-edge-quantizer's and quantization-aware training's; the release file is the
full-integer one with the best worst pair. Magenta's published TFLite models (``--magenta``) are
measured in the same run on the same photos and paintings.

    python export/pipeline.py                       # everything
    python export/pipeline.py --styles wave --eval-images 2 --runs 5 --qat-steps 0 --report /tmp/r.md   # quick look

Calibration photos (``--calibration``) and evaluation photos (``--eval``, ``--eval-styles``) are
different sets. Files go to ``--out`` (``export/build``, not committed: rebuild them with this command).
"""
from __future__ import annotations

import argparse
import datetime
import inspect
import json
import os
import pathlib
import pickle
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
from tfstyle.export import export_tflite, run_tflite  # noqa: E402
from tfstyle.export.aeq import export_arbitrary_mixed, quantize_tflite  # noqa: E402
from tfstyle.export.arbitrary import export_arbitrary, style_vectors  # noqa: E402
from tfstyle.export.bench import latency  # noqa: E402
from tfstyle.export.equalize import equalize_instance_norm  # noqa: E402
from tfstyle.export.gpu_check import check_on_gpu, gpu_unavailable_reason  # noqa: E402
from tfstyle.export.gpu_check import summary as gpu_summary  # noqa: E402
from tfstyle.export.integer import size_breakdown  # noqa: E402
from tfstyle.export.op_profile import profile  # noqa: E402
from tfstyle.export.qat import start_qat_int8  # noqa: E402
from tfstyle.export.tflite import EXPORT_FORMATS, calibration_images  # noqa: E402
from tfstyle.image.io import cover_crop, list_images, load_image  # noqa: E402
from tfstyle.methods.magenta import MagentaTFLite  # noqa: E402
from tfstyle.perceptual.metrics import Scorer, psnr  # noqa: E402
from tfstyle.runtime.litert import run_signature  # noqa: E402
from tfstyle.weights.presets import load_model  # noqa: E402
from tfstyle.weights.registry import phone_preset, preset_entry, preset_names  # noqa: E402

THREADS = [1, 2]
CHOICES: list[str] = []  # which INT8 candidate each file releases, and why
MAGENTA_TRANSFER = ("int8", "f16", "dynamic")
_MAGENTA_IMAGE = "style_image"  # the predictor's input tensor
_MAGENTA_BOTTLENECK = "mobilenet_conv/Conv/BiasAdd"  # the transfer models' style input tensor
#: Issue #28's bars for every release INT8 file against its own float32 file.
TARGET_PSNR, TARGET_DELTA, TARGET_SIZE = 35.0, 0.01, 3.5
#: Published Magenta figures (TensorFlow Lite style transfer example, "Performance benchmarks"):
#: https://www.tensorflow.org/lite/examples/style_transfer/overview
PUBLISHED = (("style transform (transfer) int8", "Pixel 4 CPU", 405.0, "int8"),
             ("style transform (transfer) float16", "Pixel 4 GPU", 42.0, "f16"))


def _timings(path: pathlib.Path, runs: int) -> dict:
    return {threads: latency(path, num_threads=threads, runs=runs) for threads in THREADS}


def _ms(row: dict) -> float:
    return row["timings"][max(THREADS)]["median_ms"]


def measure(row: dict, outputs: list[np.ndarray], pairs: list[tuple], base: dict | None, keep: bool = False) -> dict:
    """Score a file's ``outputs`` (one per ``(content, scorer)`` pair) against ``base`` (its float32 file's row).

    Adds the mean distances, and against ``base``: mean and worst PSNR, mean and worst absolute
    change of the style and content distances, the speed ratio (base ms / ms at the most threads)
    and the size ratio (base bytes / bytes). ``keep`` keeps the outputs (a base row's).
    """
    scores = [scorer.score(out, content) for out, (content, scorer) in zip(outputs, pairs)]
    row["scores"] = scores
    row["distances"] = (float(np.mean([s["style"] for s in scores])), float(np.mean([s["content"] for s in scores])))
    if keep:
        row["outputs"] = outputs
    if base is not None:
        psnrs = [psnr(o, r) for o, r in zip(outputs, base["outputs"])]
        d_style = [abs(a["style"] - b["style"]) for a, b in zip(scores, base["scores"])]
        d_content = [abs(a["content"] - b["content"]) for a, b in zip(scores, base["scores"])]
        row.update(psnr=float(np.mean(psnrs)), psnr_worst=float(min(psnrs)), pair_psnrs=psnrs,
                   d_style=(float(np.mean(d_style)), float(max(d_style))),
                   d_content=(float(np.mean(d_content)), float(max(d_content))))
        if "timings" in row and "timings" in base:
            row["speed"] = _ms(base) / _ms(row)
        if row.get("size_bytes") and base.get("size_bytes"):
            row["size_ratio"] = base["size_bytes"] / row["size_bytes"]
    return row


def _file_row(model: str, fmt: str, path: pathlib.Path, meta: dict, runs: int) -> dict:
    return {"model": model, "format": fmt, "size_bytes": meta["size_bytes"], "path": path,
            "gpu": meta.get("gpu_compatible"), "gpu_accelerator": meta.get("gpu_accelerator"),
            "full_integer": meta.get("full_integer"), "suits": meta.get("suits"),
            "timings": _timings(path, runs)}


def _say(row: dict) -> None:
    psnr_text = f"{row['psnr']:.1f} / {row['psnr_worst']:.1f} dB" if "psnr_worst" in row else "base"
    print(f"{row['model']} {row['format']}: {_ms(row):.1f} ms, {psnr_text}", flush=True)


def export_style(name: str, args, contents: list[np.ndarray], scorer: Scorer) -> list[dict]:
    """Every format of one shipped style: files, timings, and fidelity to its float32 file."""
    net = load_model(name, kind="fast")
    pairs = [(c, scorer) for c in contents]
    reference = [np.asarray(net(image[None]))[0] for image in contents]
    rows = [measure({"model": name, "format": "keras float32", "size_bytes": None}, reference, pairs, None)]
    base = None
    for fmt in args.formats:
        path = args.out / f"{name}_{fmt}_{args.size}.tflite"
        meta = export_tflite(net, path, format=fmt, size=args.size, representative_images=args.calibration)
        row = _file_row(name, fmt, path, meta, args.runs)
        outputs = [run_tflite(path, image) for image in contents]
        if fmt == "float32":
            base = measure(row, outputs, pairs, None, keep=True)
            base["psnr_keras"] = float(min(psnr(o, r) for o, r in zip(outputs, reference)))
        else:
            measure(row, outputs, pairs, base)
        rows.append(row)
        _say(row)
    if "int8" in args.formats and base is not None:
        if not args.no_aeq:
            rows.append(_ai_edge_int8(name, net, args, pairs, base))
    return rows


def _task(kind: str, name: str, args, contents: list[np.ndarray], local: bool = False) -> tuple[list[dict], list[str]]:
    """One part of the run (a fast style, an arbitrary preset, Magenta's files): its rows and its notes.

    Runs in a worker process with ``--jobs`` > 1 (then its notes come back instead of going to ``CHOICES``).
    """
    THREADS[:] = sorted(int(t) for t in args.threads.split(",") if t)
    mark = len(CHOICES)
    try:
        if kind == "style":
            image = load_image(args.style_dir / preset_entry(name).get("style_image", f"{name}.jpg"), max_size=args.size)
            rows = export_style(name, args, contents, Scorer(image))
        else:
            holdout = {p.stem: (img := load_image(p, max_size=args.size), Scorer(img))
                       for p in _spread(args.eval_styles, args.eval_paintings)}
            rows = arbitrary_rows(args, contents, holdout, name) if kind == "arbitrary" else \
                magenta_rows(args, contents, holdout)
    except Exception as exc:  # noqa: BLE001 - the other parts still make a report
        rows = []
        CHOICES.append(f"- {name}: failed: {type(exc).__name__}: {exc}")
    notes = CHOICES[mark:]
    del CHOICES[mark:]
    if kind != "style":
        for row in rows:
            row.pop("outputs", None)
    return rows, notes


def _queue_qat(name: str, rows: list[dict], args, contents: list[np.ndarray]) -> None:
    """Queue the QAT candidate of style ``name`` (trained against its float32 file's outputs in ``rows``)."""
    base = next((r for r in rows if r["format"] == "float32" and "outputs" in r), None)
    if not args.qat_steps or "int8" not in args.formats or base is None:
        return
    image = load_image(args.style_dir / preset_entry(name).get("style_image", f"{name}.jpg"), max_size=args.size)
    scorer = Scorer(image)
    QAT_QUEUE.append((name, load_model(name, kind="fast"), [(c, scorer) for c in contents], base))


QAT_QUEUE: list[tuple] = []  # (style, net, pairs, float32 row) waiting for a worker
QAT_RUNNING: list[tuple] = []  # (style, QatJob, pairs, float32 row, start time)


def _pump_qat(args) -> None:
    """Start queued QAT workers while fewer than ``--qat-parallel`` run and the budget allows."""
    while QAT_QUEUE and sum(not job.done() for _, job, *_ in QAT_RUNNING) < max(1, args.qat_parallel):
        name, net, pairs, base = QAT_QUEUE.pop(0)
        if time.perf_counter() - args.started > args.qat_budget_s:
            CHOICES.append(f"- {name}: no QAT candidate (the run's QAT budget, {args.qat_budget_s:.0f} s, was spent)")
            continue
        path = args.out / f"{name}_qat_int8_{args.size}.tflite"
        job = start_qat_int8(net, path, args.calibration, size=args.size, steps=args.qat_steps,
                             num_images=args.qat_images)
        QAT_RUNNING.append((name, job, pairs, base, time.perf_counter()))
        print(f"{name}: QAT worker started ({args.qat_steps} steps)", flush=True)


def finish_qat(rows: list[dict], args) -> None:
    """Wait for the QAT workers (within the budget), measure their files, insert their rows after their style's."""
    while QAT_QUEUE or QAT_RUNNING:
        _pump_qat(args)
        if not QAT_RUNNING:
            continue
        name, job, pairs, base, start = QAT_RUNNING.pop(0)
        left = max(60.0, args.qat_budget_s - (time.perf_counter() - args.started))
        try:
            meta = job.result(timeout=left)
        except Exception as exc:  # noqa: BLE001 - the report says the candidate failed and why
            CHOICES.append(f"- {name}: QAT candidate failed: {exc}")
            continue
        row = _file_row(name, "int8 (QAT)", job.path, meta, args.runs)
        row["qat"] = {**meta.get("qat", {}), "seconds": time.perf_counter() - start}
        measure(row, [run_tflite(job.path, c) for c, _ in pairs], pairs, base)
        last = max(i for i, r in enumerate(rows) if r["model"] == name)
        rows.insert(last + 1, row)
        _say(row)


def _ai_edge_int8(name: str, net, args, pairs, base) -> dict:
    """The same network through ai-edge-quantizer (static INT8 weights and activations)."""
    calibration = calibration_images(args.calibration, (args.size, args.size), 64)
    source = args.out / f"{name}_equalized_float32_{args.size}.tflite"
    export_tflite(equalize_instance_norm(net, calibration), source, size=args.size)
    path = args.out / f"{name}_aeq_int8_{args.size}.tflite"
    meta = quantize_tflite(source, path, calibration, num_calibration=16)
    row = _file_row(name, "int8 (ai-edge-quantizer)", path, meta, args.runs)
    row["gpu"] = None
    measure(row, [run_tflite(path, c) for c, _ in pairs], pairs, base)
    _say(row)
    return row


def _release(candidates: list[dict]) -> dict:
    """The full-integer INT8 candidate with the best worst pair (then mean) against float32."""
    full = [r for r in candidates if r.get("full_integer")] or candidates
    return max(full, key=lambda r: (r["psnr_worst"], r["psnr"]))


def _copy_with_metadata(source: pathlib.Path, target: pathlib.Path) -> None:
    shutil.copyfile(source, target)
    sidecar = source.with_name(source.name + ".json")
    if sidecar.exists():
        shutil.copyfile(sidecar, target.with_name(target.name + ".json"))


def _keep_best_int8(name: str, rows: list[dict], args) -> None:
    """Copy the best INT8 candidate to ``<name>_release_int8``; mark its row; say which and why."""
    candidates = [r for r in rows if r["model"] == name and r["format"].startswith("int8")]
    best = _release(candidates)
    best["release"] = True
    others = ", ".join(f"{r['format']} {r['psnr_worst']:.1f} / {r['psnr']:.1f} dB" for r in candidates if r is not best)
    _copy_with_metadata(best["path"], args.out / f"{name}_release_int8_{args.size}.tflite")
    CHOICES.append(f"- {name}: release INT8 = {best['format']} (worst / mean {best['psnr_worst']:.1f} / "
                   f"{best['psnr']:.1f} dB against float32; {others})")


def _has_keyword(function, name: str) -> bool:
    return name in inspect.signature(function).parameters


def arbitrary_rows(args, contents: list[np.ndarray], styles: dict, name: str) -> list[dict]:
    """Arbitrary preset ``name``: predictor + transfer files per format, on holdout photos x holdout paintings.

    The transfer rows run every file on the float32 predictor's vectors (the transfer file alone);
    the predictor rows run the float32 transfer file on each predictor file's vectors.
    """
    try:
        net = load_model(name, kind="arbitrary")
    except Exception as exc:  # noqa: BLE001 - the report says what is missing
        print(f"skipping the arbitrary network {name}: {exc}", file=sys.stderr)
        return []
    squares = {style: cover_crop(image, (256, 256)) for style, (image, _) in styles.items()}
    pairs = [(c, scorer) for _, (_, scorer) in styles.items() for c in contents]
    vectors = {style: net.style_vector(image)[None] for style, (image, _) in styles.items()}
    keras_out = [np.clip(np.asarray(net.transfer((c[None], vectors[style])))[0], 0, 255)
                 for style in styles for c in contents]
    rows = [measure({"model": f"{name} transfer", "format": "keras float32", "size_bytes": None}, keras_out, pairs,
                    None)]
    # The app's files (the phone preset's) at the top, as the Android demo's README copies them.
    out = args.out if name == phone_preset() else args.out / name
    out.mkdir(parents=True, exist_ok=True)
    builds = [(fmt, out, {}) for fmt in args.arbitrary_formats]
    qat_keyword = _has_keyword(export_arbitrary, "qat_steps")
    if "int8" in args.arbitrary_formats and args.arbitrary_qat_steps and qat_keyword:
        builds.append(("int8 (QAT)", out / "qat", {"qat_steps": args.arbitrary_qat_steps}))
    elif "int8" in args.arbitrary_formats and args.arbitrary_qat_steps:
        CHOICES.append(f"- {name}: no QAT candidate (export_arbitrary has no qat_steps keyword in this tree)")
    base = {}
    float_transfer = None
    for fmt, folder, extra in builds:
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        try:
            if fmt == "mixed":
                metas = export_arbitrary_mixed(net, folder, content_size=args.size)
            else:
                metas = export_arbitrary(net, folder, format=fmt.split(" ")[0], content_size=args.size,
                                         representative_images=args.calibration,
                                         representative_styles=args.style_calibration, **extra)
        except Exception as exc:  # noqa: BLE001 - a failed candidate is reported, the rest of the run goes on
            CHOICES.append(f"- {name} {fmt}: export failed: {exc}")
            continue
        predictor, transfer = (folder / metas[k]["file"] for k in ("predictor", "transfer"))
        if fmt == "float32" and name == phone_preset():
            # The Android demo's built-in styles: the shipped styles' paintings as style vectors.
            named = {s: load_image(args.style_dir / preset_entry(s).get("style_image", f"{s}.jpg"), max_size=args.size)
                     for s in args.styles.split(",") if s}
            app_vectors = style_vectors(predictor, named, json.loads(CONTRACT.read_text()))
            write_text(args.out / "style_vectors.json", json.dumps(app_vectors) + "\n")
        own = {s: run_signature(predictor, {"style": squares[s][None]})["style_vector"] for s in styles}
        if fmt == "float32":
            float_transfer, float_vectors = transfer, own
        feed = float_vectors if float_transfer is not None else own

        def stylize(transfer_file, vecs):
            return [np.clip(run_signature(transfer_file, {"content": c[None], "style_vector": vecs[s]})["stylized"][0],
                            0, 255) for s in styles for c in contents]

        p_row = _file_row(f"{name} predictor", fmt, predictor, metas["predictor"], args.runs)
        t_row = _file_row(f"{name} transfer", fmt, transfer, metas["transfer"], args.runs)
        t_row["build_s"] = time.perf_counter() - start
        if "qat" in metas["transfer"]:
            t_row["qat"] = metas["transfer"]["qat"]
        if fmt == "float32":
            outputs = stylize(transfer, own)
            base["transfer"] = measure(t_row, outputs, pairs, None, keep=True)
            p_row.update(scores=t_row["scores"], distances=t_row["distances"], outputs=outputs)  # the same images
            base["predictor"] = p_row
            t_row["psnr_keras"] = float(min(psnr(o, r) for o, r in zip(outputs, keras_out)))
        elif base:
            measure(t_row, stylize(transfer, feed), pairs, base["transfer"])
            measure(p_row, stylize(float_transfer, own), pairs, base["predictor"])
            end_to_end = [psnr(o, r) for o, r in zip(stylize(transfer, own), base["transfer"]["outputs"])]
            t_row["pair_psnr"] = (float(np.mean(end_to_end)), float(min(end_to_end)))
        rows += [p_row, t_row]
        _say(t_row)
    int8 = [r for r in rows if r["format"].startswith("int8") and "psnr_worst" in r]
    for role in ("predictor", "transfer"):
        candidates = [r for r in int8 if r["model"] == f"{name} {role}"]
        if candidates:
            best = _release(candidates)
            best["release"] = True
            _copy_with_metadata(best["path"], out / best["path"].name.replace("_int8_", "_release_int8_"))
            others = ", ".join(f"{r['format']} {r['psnr_worst']:.1f} / {r['psnr']:.1f} dB"
                               for r in candidates if r is not best)
            qat = best.get("qat") or {}
            shipped = f"; inside the QAT export: {_qat_note(qat)}" if qat else ""
            CHOICES.append(f"- {name} {role}: release INT8 = {best['format']} (worst / mean {best['psnr_worst']:.1f} / "
                           f"{best['psnr']:.1f} dB against float32{'; ' + others if others else ''}{shipped})")
    for row in rows:
        row.pop("outputs", None)
    return rows


def _qat_note(qat: dict) -> str:
    """export_arbitrary's own QAT record (its ``ptq``/``qat`` fidelity on calibration pairs, ``shipped``) in words."""
    parts = [f"{k.upper()} worst / mean {qat[k]['worst_psnr']:.1f} / {qat[k]['mean_psnr']:.1f} dB"
             for k in ("ptq", "qat") if isinstance(qat.get(k), dict) and "worst_psnr" in qat[k]]
    if parts:
        return f"on its calibration pairs {', '.join(parts)}, it kept {qat.get('shipped', '?')}"
    items = [f"{k} {v}" for k, v in qat.items() if isinstance(v, (int, float, str, bool))]
    return ", ".join(items[:8]) or "no details"


def magenta_rows(args, contents: list[np.ndarray], styles: dict) -> list[dict]:
    """Magenta's transfer models at the same size, on the same photos and paintings (PSNR against their f16)."""
    predictor = args.magenta / "predict_int8_256.tflite"
    rows = [{"model": "magenta predictor", "format": "int8 (256x256 style)",
             "size_bytes": predictor.stat().st_size, "timings": _timings(predictor, args.runs),
             "gpu_accelerator": check_on_gpu(predictor, input_ranges={_MAGENTA_IMAGE: (0, 1)})}]
    pairs = [(c, scorer) for _, (_, scorer) in styles.items() for c in contents]
    found = []
    for fmt in MAGENTA_TRANSFER:
        transfer = args.magenta / f"transfer_{fmt}_{args.size}.tflite"
        if not transfer.exists():
            print(f"skipping {transfer}: not found", file=sys.stderr)
            continue
        magenta = MagentaTFLite(predictor, transfer)
        vectors = {name: magenta.style_vector(image) for name, (image, _) in styles.items()}
        outputs = [magenta.stylize(c, vectors[name]).astype(np.float32) for name in styles for c in contents]
        row = {"model": "magenta transfer", "format": fmt, "size_bytes": transfer.stat().st_size,
               "timings": _timings(transfer, args.runs),
               # Magenta's images are in [0, 1] and its style bottleneck is unbounded (random normal).
               "gpu_accelerator": check_on_gpu(transfer, input_ranges={"content_image": (0, 1),
                                                                       _MAGENTA_BOTTLENECK: None})}
        found.append((row, outputs))
        print(f"magenta {fmt}: {_ms(row):.1f} ms", flush=True)
    reference = next((r for r, _ in found if r["format"] == "f16"), None)
    if reference is not None:
        outputs_of = {id(r): o for r, o in found}
        measure(reference, outputs_of[id(reference)], pairs, None, keep=True)
        for row, outputs in found:
            if row is not reference:
                measure(row, outputs, pairs, reference)
        reference.pop("outputs", None)
    else:
        for row, outputs in found:
            measure(row, outputs, pairs, None)
    return rows + [r for r, _ in found]


def _fmt_ms(row: dict, threads: int) -> str:
    timing = row.get("timings", {}).get(threads)
    return f"{timing['median_ms']:.1f} / {timing['p90_ms']:.1f}" if timing else "-"


def _fmt(value, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)


def _pair(values, pattern: str = "{:.3f}") -> str:
    return "-" if values is None else " / ".join(pattern.format(v) for v in values)


def _fidelity(row: dict) -> str:
    if "psnr_worst" in row:
        return f"{row['psnr']:.1f} / {row['psnr_worst']:.1f}" + (" **release**" if row.get("release") else "")
    if "psnr_keras" in row:
        return f"(float32 file; worst vs Keras {row['psnr_keras']:.1f})"
    return "-"


def table(rows: list[dict]) -> str:
    """The report's table: one row per file, fidelity and speed against the same network's float32 file."""
    lines = ["| model | format | size (KB) | size vs float32 | 1 thread ms (median / p90) | 2 threads ms (median / p90) | "
             "speed vs float32 (2 threads) | PSNR vs float32 mean / worst (dB) | style distance | content distance | "
             "style delta mean / worst | content delta mean / worst | full-integer | suits | "
             "GPU delegate ops (allow-list) | GPU accelerator: fully accelerated, PSNR vs CPU |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        style, content = row.get("distances", (None, None))
        gpu = {True: "all supported", False: "unsupported ops", None: "-"}[row.get("gpu")]
        full = {True: "yes", False: "no", None: "-"}[row.get("full_integer")]
        lines.append(
            f"| {row['model']} | {row['format']} | {_fmt(row.get('size_bytes') and row['size_bytes'] / 1024, '{:.0f}')} | "
            f"{_fmt(row.get('size_ratio'), '1/{:.2f}')} | {_fmt_ms(row, 1)} | {_fmt_ms(row, 2)} | "
            f"{_fmt(row.get('speed'), '{:.2f}x')} | {_fidelity(row)} | {_fmt(style, '{:.3f}')} | {_fmt(content, '{:.3f}')} | "
            f"{_pair(row.get('d_style'), '{:.4f}')} | {_pair(row.get('d_content'), '{:.4f}')} | {full} | "
            f"{', '.join(row.get('suits') or []) or '-'} | {gpu} | {gpu_summary(row.get('gpu_accelerator') or {})} |")
    return "\n".join(lines)


def accelerator_line(rows: list[dict]) -> str:
    """What ran the report's GPU-accelerator column (the adapter, or why there was none)."""
    results = [r["gpu_accelerator"] for r in rows if r.get("gpu_accelerator")]
    ran = next((r for r in results if r.get("available")), None)
    if ran is None:
        reason = next((r.get("reason") for r in results), None) or gpu_unavailable_reason() or "not run"
        if reason.startswith("hidden by"):
            return ("GPU accelerator column: not run in this report (`--no-gpu-accelerator`: one child process per "
                    "file did not fit the run); only the op allow-list was checked. LiteRT's GPU accelerator on "
                    "lavapipe: `benchmarks/results/gpu_accelerator.md`.")
        return f"GPU accelerator column: no Vulkan device ({reason}); only the op allow-list was checked."
    kind = "a software Vulkan driver on the CPU" if ran.get("software") else "a hardware GPU"
    return (f"GPU accelerator column: LiteRT's GPU accelerator (WebGPU over Vulkan) on {ran.get('adapter')}, "
            f"{kind}; \"fully accelerated\" = no op falls back to the CPU, PSNR = its outputs against the CPU "
            "interpreter's on random inputs.")


def isa() -> tuple[str, bool]:
    """The instruction sets that decide INT8 speed, in words, and whether this CPU has int8 dot products."""
    flags = info()["cpu_flags"]
    dot = [f for f in flags if f in ("avx512_vnni", "avx_vnni", "amx_tile", "asimddp", "i8mm")]
    if dot:
        return f"{' '.join(flags)} (int8 dot-product instructions: {', '.join(dot)})", True
    return (f"{' '.join(flags) or 'no listed flags'}: no int8 dot-product instructions (no AVX-512 VNNI, AVX-VNNI "
            "or ARM dot-product), so XNNPACK's INT8 kernels multiply-add with AVX2 alone"), False


def _why_size(row: dict, base: dict) -> str:
    """Measured: which bytes of the INT8 file did not shrink to a quarter of float32's."""
    mine, theirs = size_breakdown(row["path"]), size_breakdown(base["path"])
    weights = sum(v for k, v in mine.items() if k in ("int8", "uint8"))
    float_weights = theirs.get("float32", 0)
    rest = ", ".join(f"{k} {v / 1024:.0f} KB" for k, v in sorted(mine.items(), key=lambda kv: -kv[1])
                     if k not in ("int8", "uint8") and v >= 512)
    return (f"int8 constants {weights / 1024:.0f} KB (float32 file's float constants {float_weights / 1024:.0f} KB: "
            f"1/{float_weights / max(weights, 1):.2f}); what does not shrink: {rest}")


def alternating_speed(rows: list[dict], out: pathlib.Path, rounds: int, runs: int = 5) -> pathlib.Path:
    """Time each release model's float32, release INT8 and mixed files in alternating rounds; the best median wins.

    The run's own timings are minutes apart (other files, QAT workers and other jobs in between), so a
    ratio of two of them is not a valid speed ratio on a shared CPU. Here the three files of a model are
    timed back to back, ``rounds`` times over all models, with 2 threads. Writes ``out/speed_alternating.json``
    (which the report's targets table then uses).
    """
    files: dict[str, dict[str, pathlib.Path]] = {}
    for row in rows:
        if row.get("release") and row.get("path"):
            same = {r["format"]: r["path"] for r in rows if r["model"] == row["model"] and r.get("path")}
            files[row["model"]] = {"float32": same["float32"], "int8": row["path"],
                                   **({"mixed": same["mixed"]} if "mixed" in same else {})}
    best: dict[str, dict[str, float]] = {name: {} for name in files}
    for _ in range(rounds):
        for name, kinds in files.items():
            for kind, path in kinds.items():
                ms = latency(path, num_threads=2, runs=runs)["median_ms"]
                best[name][kind] = min(best[name].get(kind, ms), ms)
    found = out / "speed_alternating.json"
    write_text(found, json.dumps({
        "command": f"tfstyle.export.bench.latency(path, num_threads=2, runs={runs}) per file, {rounds} rounds over "
                   "all files", "rounds": rounds, "machine": describe(), "best_median_ms": best}, indent=1) + "\n")
    return found


def _speed_note(args) -> str:
    """A dedicated alternating speed comparison of the release files, when one was recorded beside the run."""
    found = args.out / "speed_alternating.json"
    if not found.is_file():
        return ""
    data = json.loads(found.read_text())
    lines = [f"Speed, dedicated comparison after the run (`{data['command']}`; 2 threads, {data['rounds']} alternating "
             f"rounds of float32, release INT8 and mixed, best median; machine: {data['machine']}). Under a load that "
             "changed by multiples during the run, the table's speed column compares timings taken minutes apart and is "
             "not a valid ratio; these are:", "",
             "| file | float32 ms | release INT8 ms | INT8 speed vs float32 | mixed ms | mixed speed vs float32 |",
             "|---|---|---|---|---|---|"]
    for name, ms in data["best_median_ms"].items():
        mixed = f"{ms['mixed']:.1f} | {ms['float32'] / ms['mixed']:.2f}x" if "mixed" in ms else "- | -"
        lines.append(f"| {name} | {ms['float32']:.1f} | {ms['int8']:.1f} | {ms['float32'] / ms['int8']:.2f}x | {mixed} |")
    return "\n".join(lines)


def target_rows(rows: list[dict], dot_product: bool) -> str:
    """Issue #28's targets per release INT8 file, with the shortfall and its measured cause where one is missed."""
    need_speed = 1.5 if dot_product else 1.0
    lines = ["| file | release INT8 | worst / mean PSNR vs float32 (>= 35 dB) | style / content delta worst (<= 0.01) | "
             f"speed vs float32, 2 threads (>= {need_speed:.1f}x here; dedicated comparison where recorded) | size (<= 1/3.5 of float32) | full-integer | met | "
             "shortfall and its measured cause |",
             "|---|---|---|---|---|---|---|---|---|"]
    by_model: dict[str, list[dict]] = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    for model, group in by_model.items():
        release = next((r for r in group if r.get("release")), None)
        base = next((r for r in group if r["format"] == "float32"), None)
        if release is None or base is None:
            continue
        mixed = next((r for r in group if r["format"] == "mixed" and "psnr_worst" in r), None)
        misses = []
        if release["psnr_worst"] < TARGET_PSNR:
            why = f"{TARGET_PSNR - release['psnr_worst']:.1f} dB short on the worst pair"
            if mixed is not None:
                why += (f"; the mixed file (the same int8 convolutions, everything else in float: normalization, "
                        f"activations) reaches {mixed['psnr_worst']:.1f} dB worst, so the integer non-convolution "
                        f"path costs {mixed['psnr_worst'] - release['psnr_worst']:.1f} dB")
            worst = release.get("worst_pair")
            if worst:
                why += f"; worst pair: {worst}"
            misses.append(why)
        deltas = release["d_style"][1], release["d_content"][1]
        if max(deltas) > TARGET_DELTA:
            misses.append(f"distance delta {max(deltas) - TARGET_DELTA:.4f} over (style {deltas[0]:.4f}, content "
                          f"{deltas[1]:.4f})")
        if release["speed"] < need_speed:
            int8_ms, float_ms = release.get("alt_ms") or (_ms(release), _ms(base))
            misses.append(f"speed {need_speed - release['speed']:.2f}x short: INT8 {int8_ms:.1f} ms against float32 "
                          f"{float_ms:.1f} ms" + ("" if dot_product else " on a CPU without int8 dot products (XNNPACK's "
                                                  "QS8 kernels widen to 16 bits and multiply-add with AVX2)"))
        if release["size_ratio"] < TARGET_SIZE:
            misses.append(f"size 1/{release['size_ratio']:.2f}: {_why_size(release, base)}")
        met = not misses
        lines.append(f"| {model} | {release['format']} | {release['psnr_worst']:.1f} / {release['psnr']:.1f} | "
                     f"{deltas[0]:.4f} / {deltas[1]:.4f} | {release['speed']:.2f}x | 1/{release['size_ratio']:.2f} | "
                     f"{'yes' if release.get('full_integer') else 'no'} | {'yes' if met else 'no'} | "
                     f"{'; '.join(misses) or '-'} |")
    return "\n".join(lines)


def _mark_worst_pairs(rows: list[dict], labels: list[str]) -> None:
    """Name the worst pair of each scored row (``labels``: one per pair, as the rows' outputs are ordered)."""
    for row in rows:
        if "pair_psnrs" in row:
            i = int(np.argmin(row["pair_psnrs"]))
            row["worst_pair"] = f"{labels[i]} {row['pair_psnrs'][i]:.1f} dB"


def published(arbitrary: list[dict], magenta: list[dict]) -> str:
    """Magenta's published phone timings beside this machine's ratio of our files to Magenta's files."""
    student = phone_preset()
    ours = {r["format"]: r for r in arbitrary if r["model"] == f"{student} transfer" and "timings" in r}
    theirs = {r["format"]: r for r in magenta if r["model"] == "magenta transfer" and "timings" in r}
    release = next((r for r in arbitrary if r["model"] == f"{student} transfer" and r.get("release")), None)
    lines = ["| Magenta file (published) | device | published ms | this machine: Magenta's file ms (2 threads) | "
             "this machine: our file | our file ms | Magenta / ours (same machine) |", "|---|---|---|---|---|---|---|"]
    for label, device, ms, fmt in PUBLISHED:
        mine = release if fmt == "int8" else ours.get("float16")
        mag = theirs.get(fmt)
        if mine is None or mag is None:
            lines.append(f"| {label} | {device} | {ms:.0f} | {'-' if mag is None else f'{_ms(mag):.1f}'} | - | - | - |")
            continue
        lines.append(f"| {label} | {device} | {ms:.0f} | {_ms(mag):.1f} | {student} transfer {mine['format']} | "
                     f"{_ms(mine):.1f} | {_ms(mag) / _ms(mine):.2f}x |")
    return "\n".join(lines)


def student_targets(arbitrary: list[dict], magenta: list[dict]) -> list[str]:
    """The phone network against Magenta's files (same run): speed and distances."""
    student = phone_preset()
    ours = [r for r in arbitrary if r["model"] == f"{student} transfer" and "timings" in r]
    mag = [r for r in magenta if r["model"] == "magenta transfer" and "timings" in r]
    if not ours or not mag:
        return []
    best, fastest = min(ours, key=_ms), min(mag, key=_ms)
    ratio = _ms(fastest) / _ms(best)
    lines = ["- (Timed minutes apart in one run under a changing load: indicative only.)",
             f"- {student}'s fastest transfer file ({best['format']}, {_ms(best):.1f} ms) against Magenta's fastest "
             f"(transfer_{fastest['format']}, {_ms(fastest):.1f} ms), 2 threads: {ratio:.2f}x faster."]
    keras = next((r for r in arbitrary if r["model"] == f"{student} transfer" and r["format"] == "keras float32"), None)
    f16 = next((r for r in mag if r["format"] == "f16"), None)
    if keras and f16:
        (s, c), (ms_, mc) = keras["distances"], f16["distances"]
        lines.append(f"- Distances on the same holdout pairs (style / content, lower is better): {student} {s:.3f} / "
                     f"{c:.3f}, Magenta f16 {ms_:.3f} / {mc:.3f}.")
    return lines


def _shown(path: pathlib.Path) -> str:
    """``path`` as the README writes it (relative to the repository's parent when inside it)."""
    try:
        return "../" + str(path.resolve().relative_to(ROOT.parent))
    except ValueError:
        return str(path)


def _spread(folder: pathlib.Path, count: int) -> list[pathlib.Path]:
    """``count`` files spread over ``folder`` (every k-th), the same ones every run."""
    files = list_images(folder)
    return files[::max(1, len(files) // max(count, 1))][:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--styles", default=",".join(preset_names("fast")))
    parser.add_argument("--formats", default=",".join(EXPORT_FORMATS))
    parser.add_argument("--arbitrary-formats", default=None, help="formats of the arbitrary files (default: --formats)")
    parser.add_argument("--no-aeq", action="store_true", help="no ai-edge-quantizer INT8 candidate for the fast styles")
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--calibration", type=pathlib.Path, default=SHARED / "data" / "content" / "test")
    parser.add_argument("--eval", type=pathlib.Path, default=SHARED / "data" / "holdout" / "content")
    parser.add_argument("--eval-images", type=int, default=6)
    parser.add_argument("--eval-styles", type=pathlib.Path, default=SHARED / "data" / "holdout" / "style",
                        help="holdout paintings: the arbitrary files' style vectors (evaluation only)")
    parser.add_argument("--eval-paintings", type=int, default=3)
    parser.add_argument("--style-dir", type=pathlib.Path, default=SHARED / "data" / "style" / "named")
    parser.add_argument("--magenta", type=pathlib.Path, default=SHARED / "anchors" / "magenta")
    parser.add_argument("--style-calibration", type=pathlib.Path, default=SHARED / "data" / "style" / "train",
                        help="style images to calibrate the arbitrary predictor's INT8 on")
    parser.add_argument("--no-arbitrary", action="store_true", help="skip the arbitrary-style networks")
    parser.add_argument("--arbitrary", default=None,
                        help="arbitrary presets to export (default: the phone preset, the default arbitrary network)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", default="1,2", help="thread counts to time (the last one gives the ratios)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "export" / "build")
    parser.add_argument("--report", type=pathlib.Path, default=ROOT / "export" / "REPORT.md")
    parser.add_argument("--qat-steps", type=int, default=30,
                        help="quantization-aware fine-tuning steps per fast style (0: no QAT candidate)")
    parser.add_argument("--qat-images", type=int, default=32, help="photos for the fast styles' QAT")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes measuring styles, arbitrary presets and Magenta's files side by side")
    parser.add_argument("--qat-parallel", type=int, default=2, help="QAT worker processes at a time")
    parser.add_argument("--qat-budget-s", type=float, default=7200.0,
                        help="seconds into the run after which no QAT worker starts and running ones are stopped")
    parser.add_argument("--arbitrary-qat-steps", type=int, default=60,
                        help="QAT steps for the arbitrary transfer net (export_arbitrary(qat_steps=N); 0: none)")
    parser.add_argument("--no-op-profile", action="store_true", help="skip the per-op INT8/float32 table")
    parser.add_argument("--speed-rounds", type=int, default=None,
                        help="alternating speed rounds over the release files at the end (default 3 in a run, 0 with "
                             "--report-from; the targets table uses them)")
    parser.add_argument("--report-from", type=pathlib.Path, default=None,
                        help="write the report from a finished run's <out>/pipeline_state.pkl (no new measurements)")
    parser.add_argument("--no-gpu-accelerator", action="store_true",
                        help="skip LiteRT's GPU-accelerator run per file (a child process each; the op allow-list stays)")
    args = parser.parse_args(argv)
    if args.no_gpu_accelerator:
        os.environ["TFSTYLE_NO_GPU_ACCELERATOR"] = "1"
    args.formats = [f for f in args.formats.split(",") if f]
    args.arbitrary_formats = [f for f in (args.arbitrary_formats or ",".join(args.formats)).split(",") if f]
    THREADS[:] = sorted(int(t) for t in args.threads.split(",") if t)
    args.out.mkdir(parents=True, exist_ok=True)
    CHOICES.clear()
    QAT_QUEUE.clear()
    QAT_RUNNING.clear()
    start = args.started = time.perf_counter()

    speed_rounds = args.speed_rounds if args.speed_rounds is not None else (0 if args.report_from else 3)
    if args.report_from is not None:  # the report again from a finished run's measurements (no new numbers)
        with open(args.report_from, "rb") as handle:
            state = pickle.load(handle)
        for key, value in state["args"].items():  # the run's own options, but this report path
            if key not in ("report", "report_from"):
                setattr(args, key, value)
        THREADS[:] = sorted(int(t) for t in args.threads.split(",") if t)
        CHOICES[:] = state["choices"]
        if speed_rounds:
            alternating_speed(state["rows"] + state["arbitrary"], args.out, speed_rounds)
        write_report(state, args)
        return 0
    contents = [cover_crop(load_image(p), (args.size, args.size)) for p in list_images(args.eval)[:args.eval_images]]
    photo_names = [p.stem for p in list_images(args.eval)[:args.eval_images]]
    style_names = [n for n in args.styles.split(",") if n]
    painting_paths = _spread(args.eval_styles, args.eval_paintings)
    holdout_names = [p.stem for p in painting_paths]
    tasks = [("style", name) for name in style_names]
    if not args.no_arbitrary:
        tasks = [("arbitrary", name) for name in (args.arbitrary.split(",") if args.arbitrary else [phone_preset()])]\
            + tasks
    if args.magenta.is_dir():
        tasks.insert(len(tasks) - len(style_names), ("magenta", "magenta"))
    results: dict[tuple, list[dict]] = {}
    if args.jobs > 1:
        # Separate processes (the longest tasks first): on a CPU shared with other jobs each process
        # gets its own share. Each returns its rows and its notes; QAT workers start from here.
        import concurrent.futures
        import multiprocessing

        with concurrent.futures.ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_task, kind, name, args, contents): (kind, name) for kind, name in tasks}
            for future in concurrent.futures.as_completed(futures):
                key = futures[future]
                try:
                    results[key], notes = future.result()
                except Exception as exc:  # noqa: BLE001 - the other tasks still make a report
                    results[key], notes = [], [f"- {key[1]}: failed: {type(exc).__name__}: {exc}"]
                CHOICES.extend(notes)
                print(f"done: {key[0]} {key[1]} ({time.perf_counter() - start:.0f} s)", flush=True)
                if key[0] == "style":
                    _queue_qat(key[1], results[key], args, contents)
                _pump_qat(args)
    else:
        for kind, name in tasks:
            results[(kind, name)], notes = _task(kind, name, args, contents, local=True)
            CHOICES.extend(notes)
            if kind == "style":
                _queue_qat(name, results[(kind, name)], args, contents)
            _pump_qat(args)
    rows = [row for name in style_names for row in results.get(("style", name), [])]
    arbitrary = [row for (kind, _), found in results.items() if kind == "arbitrary" for row in found]
    magenta = results.get(("magenta", "magenta"), [])
    holdout = holdout_names
    _mark_worst_pairs(arbitrary, [f"{painting} x {photo}" for painting in holdout_names for photo in photo_names])
    try:
        finish_qat(rows, args)
    except Exception as exc:  # noqa: BLE001 - the PTQ files and their report still count
        CHOICES.append(f"- QAT phase failed: {exc}")
    for name in style_names:
        if any(r["model"] == name and r["format"].startswith("int8") for r in rows):
            _keep_best_int8(name, rows, args)
    _mark_worst_pairs(rows, photo_names)
    ops = "(skipped: --no-op-profile)" if args.no_op_profile else profile(max(3, args.runs))
    for row in rows + arbitrary + magenta:
        row.pop("outputs", None)
    state = {"rows": rows, "arbitrary": arbitrary, "magenta": magenta, "choices": list(CHOICES), "ops": ops,
             "photos": len(contents), "paintings": list(holdout), "seconds": time.perf_counter() - start,
             "date": str(datetime.date.today()), "args": {k: v for k, v in vars(args).items() if k != "started"},
             "command": "".join(" " + a for a in (sys.argv[1:] if argv is None else argv))}
    # Kept beside the files: the report can be written again from these numbers (--report-from).
    with open(args.out / "pipeline_state.pkl", "wb") as handle:
        pickle.dump(state, handle)
    (args.out / "speed_alternating.json").unlink(missing_ok=True)  # never an older run's timings
    if speed_rounds:
        alternating_speed(rows + arbitrary, args.out, speed_rounds)
    write_report(state, args)
    print(f"wrote {args.report} and {len(rows)} models under {args.out}")
    return 0


def write_report(state: dict, args) -> None:
    """``export/REPORT.md`` from one run's measurements."""
    rows, arbitrary, magenta, ops = state["rows"], state["arbitrary"], state["magenta"], state["ops"]
    alternating = args.out / "speed_alternating.json"
    if alternating.is_file():  # a dedicated speed comparison replaces the run's ratios of the release files
        best = json.loads(alternating.read_text())["best_median_ms"]
        for row in rows + arbitrary:
            if row.get("release") and row["model"] in best:
                ms = best[row["model"]]
                row["speed"], row["alt_ms"] = ms["float32"] / ms["int8"], (ms["int8"], ms["float32"])
    holdout, command = state["paintings"], state["command"]
    isa_text, dot_product = isa()
    report = f"""# Export report

Generated by `python export/pipeline.py{command}` on {state["date"]} in {state["seconds"]:.0f} s
(the options were chosen to fit one run on a shared 2-core machine: {state["photos"]} holdout photos, {len(holdout)}
holdout paintings for the arbitrary files, {args.runs} timed runs, {args.qat_steps} QAT steps per fast style).

Machine: {describe()}

ISA: {isa_text}. Speed targets per ISA: INT8 >= 1.5x its float32 on a CPU with int8 dot products (VNNI, ARM
dot-product){"" if dot_product else " — not measurable on this machine"}; >= 1.0x on AVX2 alone{" (this machine)" if not dot_product else ""}.
Timings were taken while other jobs shared the CPU: ratios within one run are comparable, absolute milliseconds
are noisy.

{accelerator_line(rows + arbitrary + magenta)}

Input {args.size}x{args.size}. Latency: XNNPACK CPU delegate through ai-edge-litert, {args.runs} timed runs after
3 warm-up runs. Every file is measured against its own network's float32 file on the same inputs (INT8 vs its
float): mean and worst pair PSNR, and the mean and worst absolute change of the style and content distances of
`tfstyle.perceptual.metrics` (lower is better). Fast styles: {state["photos"]} photos from `{_shown(args.eval)}`
(never used for training or calibration; INT8 calibrated on `{_shown(args.calibration)}`), scored against each
style's painting. Arbitrary files: the same photos x {len(holdout)} paintings from `{_shown(args.eval_styles)}`
({", ".join(holdout)}), real style vectors from the predictor (calibration on `{_shown(args.style_calibration)}`).

## Targets (issue #28), per release INT8 file

{target_rows(rows + arbitrary, dot_product)}

{_speed_note(args)}

Which file suits which accelerator (the `suits` entry of each file's `.json`): full-integer `int8` files CPU
(XNNPACK's INT8 kernels) and NPU / Edge-TPU-class compilers, which need every tensor between input and output
to be integer (`tfstyle.export.integer.integer_report` checks it; `tests/test_export.py` asserts it on exported
files); `float16` the GPU; `mixed` (int8 convolutions, float normalization) and `dynamic` the CPU only.

## Fast-style networks (shipped styles)

{table(rows)}

Formats of the fast styles in this run: {", ".join(args.formats)}; of the arbitrary files: {", ".join(args.arbitrary_formats)}.
INT8 candidates: the TFLite converter's full-integer INT8 (uint8 in/out) after instance-norm
channel equalization (`tfstyle.export.equalize`){"" if args.no_aeq else "; ai-edge-quantizer's `static_wi8_ai8` recipe on the same equalized float model (float in/out, integer inside)"}{"" if not args.qat_steps else f"; and quantization-aware training (`tfstyle.export.qat`: tfmot on a tf_keras copy in its own process, {args.qat_steps} steps of batch 2 distilling the float network's outputs on {args.qat_images} calibration photos, activation ranges initialised from the float model; uint8 in/out; {args.qat_parallel} workers beside the rest of the run, none started or kept after {args.qat_budget_s:.0f} s)"}.
The `mixed` file is not an INT8 candidate (not full-integer). The pipeline releases the full-integer candidate
with the best worst pair against float32 (arbitrary files: PTQ against `export_arbitrary(..., qat_steps=N)` when
`--arbitrary-qat-steps` is given; this run: {args.arbitrary_qat_steps or "none"}):

{chr(10).join(CHOICES)}

## Arbitrary style: the phone network (the default arbitrary preset; predictor + transfer files)

{table(arbitrary) if arbitrary else "Skipped (no shipped arbitrary network, or --no-arbitrary)."}

Transfer rows: each transfer file on the float32 predictor file's vectors of the holdout paintings (the file
alone); predictor rows: the float32 transfer file on each predictor file's vectors. Both files of a format
together, against both float32 files (worst / mean PSNR):
{chr(10).join(f"- {r['format']}: {r['pair_psnr'][1]:.1f} / {r['pair_psnr'][0]:.1f} dB" for r in arbitrary if "pair_psnr" in r)}

{chr(10).join(student_targets(arbitrary, magenta))}

## Magenta (published TFLite models, same run, same holdout pairs; PSNR against their f16 file)

{table(magenta) if magenta else "Magenta's files were not found (--magenta)."}

### Published reference for Magenta's files

The TensorFlow Lite style transfer example (https://www.tensorflow.org/lite/examples/style_transfer/overview,
"Performance benchmarks") publishes Magenta's transform network at 405 ms as int8 on a Pixel 4's CPU and 42 ms as
float16 on its GPU. Nothing here ran on a phone; beside those figures, this machine's ratio of Magenta's same file
to ours (both timed in this run, but minutes apart under a load that changed by multiples: indicative only):

{published(arbitrary, magenta)}

## Where the time goes: float32 vs INT8 per block

Each block of the network alone, at the size it has in a width-0.5 network at 384x384
(`python -m tfstyle.export.op_profile`); "reference" = TFLite's built-in kernels without XNNPACK:

{ops}
"""
    write_text(args.report, report)


if __name__ == "__main__":
    sys.exit(main())
