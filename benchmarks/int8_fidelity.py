"""INT8 files against their own float32 twins: PSNR, distance deltas, latency, size (issue #28).

For one network it exports float32 and int8 files the way ``tfstyle export`` does (int8 calibrated
on ``content/test`` photos and, for an arbitrary network, ``style/train`` paintings: the library's
defaults), then runs both on holdout photos (and holdout paintings for style vectors; evaluation
only, never calibration) at ``--size`` and reports per file

* mean and worst PSNR of the int8 output against the float32 output,
* mean and worst absolute change of the style distance (to the painting) and of the content
  distance (to the photo) (:class:`tfstyle.perceptual.metrics.Scorer`),
* median latency at 2 threads (:func:`tfstyle.export.bench.latency`, XNNPACK), float32 / int8
  (``>= 1`` means int8 is at least as fast), and file sizes,

with the machine and its instruction sets (:func:`tfstyle.devtools.machine.describe`).

Arbitrary networks (``--net tfstyle_mobile_v4``) give three rows: ``transfer`` (int8 transfer vs
float32 transfer, both on the float32 predictor's vector of the painting), ``predictor`` (float32
transfer on the int8 predictor's vector vs on the float32 one) and ``pair`` (both int8 vs both
float32). A fast preset (``--net wave``) gives one row, scored against its own painting.

    python benchmarks/int8_fidelity.py --net tfstyle_mobile_v4 --photos 4 --paintings 3 \\
        --label after --out benchmarks/results/int8_fidelity.md
    python benchmarks/int8_fidelity.py --net fast --photos 4 --out benchmarks/results/int8_fidelity.md   # six styles
    python benchmarks/int8_fidelity.py --net wave --format mixed --photos 4   # int8 convolutions, float norms
    python benchmarks/int8_fidelity.py --net tfstyle_mobile_v4 --reuse /tmp/before --label before   # built files
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from tfstyle.devtools.machine import describe, publish  # noqa: E402

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"
FAST_STYLES = ("shipwreck", "starry_night", "the_scream", "udnie", "wave", "woman_with_hat")


def export_pair(name: str, folder: pathlib.Path, size: int, calibration, style_calibration,
                quantized: str = "int8") -> dict:
    """Export float32 and ``quantized`` (int8 or mixed) files of preset ``name`` into ``folder``.

    Returns ``{"float32": {role: path}, "int8": {role: path}}`` (the quantized file under ``"int8"``).
    """
    from tfstyle.weights.presets import load_model, model_kind

    net = load_model(name)
    files: dict = {}
    for fmt in ("float32", quantized):
        start = time.perf_counter()
        if fmt == "mixed" and model_kind(net) == "arbitrary":
            from tfstyle.export.aeq import export_arbitrary_mixed

            metas = export_arbitrary_mixed(net, folder, content_size=size)
            files["int8"] = {role: folder / meta["file"] for role, meta in metas.items()}
        elif model_kind(net) == "arbitrary":
            from tfstyle.export.arbitrary import export_arbitrary

            metas = export_arbitrary(net, folder, format=fmt, content_size=size, representative_images=calibration,
                                     representative_styles=style_calibration)
            files["int8" if fmt != "float32" else fmt] = {role: folder / meta["file"] for role, meta in metas.items()}
        else:
            from tfstyle.export import export_tflite

            path = folder / f"{name}_{fmt}_{size}.tflite"
            export_tflite(net, path, format=fmt, size=size, representative_images=calibration)
            files["int8" if fmt != "float32" else fmt] = {"whole": path}
        print(f"exported {name} {fmt} in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return files


def find_files(folder: pathlib.Path, name: str, size: int) -> dict:
    """The files :func:`export_pair` wrote earlier into ``folder``."""
    files: dict = {}
    for fmt in ("float32", "int8"):
        transfer = folder / f"arbitrary_transfer_{fmt}_{size}.tflite"
        if transfer.is_file():
            files[fmt] = {"predictor": folder / f"arbitrary_predictor_{fmt}_256.tflite", "transfer": transfer}
        else:
            files[fmt] = {"whole": folder / f"{name}_{fmt}_{size}.tflite"}
    return files


def speed(float_path, int8_path, rounds: int = 2, runs: int = 10) -> tuple[float, float]:
    """Median ms at 2 threads of each file, the best of ``rounds`` alternating measurements."""
    from tfstyle.export.bench import latency

    best = [np.inf, np.inf]
    for _ in range(rounds):
        for i, path in enumerate((float_path, int8_path)):
            best[i] = min(best[i], latency(path, num_threads=2, runs=runs)["median_ms"])
    return best[0], best[1]


def summarize(label: str, rows: list[dict], float_path, int8_path) -> str:
    f_ms, i_ms = speed(float_path, int8_path)
    psnrs = [r["psnr"] for r in rows]
    d_style = [abs(r["style"] - r["style_ref"]) for r in rows]
    d_content = [abs(r["content"] - r["content_ref"]) for r in rows]
    kb = os.path.getsize(float_path) / 1024, os.path.getsize(int8_path) / 1024
    return (f"| {label} | {len(rows)} | {np.mean(psnrs):.2f} | {min(psnrs):.2f} | {np.mean(d_style):.4f} / "
            f"{max(d_style):.4f} | {np.mean(d_content):.4f} / {max(d_content):.4f} | {f_ms:.1f} | {i_ms:.1f} | "
            f"{f_ms / i_ms:.2f}x | {kb[0]:.0f} / {kb[1]:.0f} |")


def evaluate(name: str, files: dict, photos: list, paintings: list, size: int) -> list[str]:
    from tfstyle.image.io import cover_crop, load_image
    from tfstyle.perceptual.metrics import Scorer, psnr
    from tfstyle.runtime.litert import run_signature, run_tflite

    images = [cover_crop(load_image(p), (size, size)) for p in photos]
    lines = []
    if "whole" in files["float32"]:
        from tfstyle.weights.registry import preset_entry

        scorer = Scorer(load_image(SHARED / "data" / "style" / "named" / preset_entry(name)["style_image"],
                                   max_size=size))
        rows = []
        for photo in images:
            ref = run_tflite(files["float32"]["whole"], photo)
            out = run_tflite(files["int8"]["whole"], photo)
            a, b = scorer.score(ref, photo), scorer.score(out, photo)
            rows.append({"psnr": psnr(out, ref), "style_ref": a["style"], "content_ref": a["content"],
                         "style": b["style"], "content": b["content"]})
        lines.append(summarize(f"{name}", rows, files["float32"]["whole"], files["int8"]["whole"]))
        return lines

    def transfer(fmt, photo, vector):
        out = run_signature(files[fmt]["transfer"], {"content": photo[None], "style_vector": vector})["stylized"][0]
        return np.clip(out, 0, 255)

    rows: dict = {"transfer": [], "predictor": [], "pair": []}
    vector_errors = []
    for painting_path in paintings:
        painting = load_image(painting_path)
        scorer = Scorer(painting, style_size=size)
        style_input = cover_crop(painting, (256, 256))[None]
        vectors = {fmt: run_signature(files[fmt]["predictor"], {"style": style_input})["style_vector"]
                   for fmt in ("float32", "int8")}
        vector_errors.append(float(np.abs(vectors["int8"] - vectors["float32"]).max()
                                   / np.abs(vectors["float32"]).max()))
        for photo in images:
            ref = transfer("float32", photo, vectors["float32"])
            ref_score = scorer.score(ref, photo)
            for role, out in (("transfer", transfer("int8", photo, vectors["float32"])),
                              ("predictor", transfer("float32", photo, vectors["int8"])),
                              ("pair", transfer("int8", photo, vectors["int8"]))):
                score = scorer.score(out, photo)
                rows[role].append({"psnr": psnr(out, ref), "style_ref": ref_score["style"],
                                   "content_ref": ref_score["content"], "style": score["style"],
                                   "content": score["content"]})
        print(f"scored painting {pathlib.Path(painting_path).name}", file=sys.stderr, flush=True)
    for role in ("transfer", "predictor"):
        lines.append(summarize(f"{name} {role}", rows[role], files["float32"][role], files["int8"][role]))
    psnrs = [r["psnr"] for r in rows["pair"]]
    lines.append(f"| {name} pair (both int8) | {len(psnrs)} | {np.mean(psnrs):.2f} | {min(psnrs):.2f} | "
                 f"{np.mean([abs(r['style'] - r['style_ref']) for r in rows['pair']]):.4f} / "
                 f"{max(abs(r['style'] - r['style_ref']) for r in rows['pair']):.4f} | "
                 f"{np.mean([abs(r['content'] - r['content_ref']) for r in rows['pair']]):.4f} / "
                 f"{max(abs(r['content'] - r['content_ref']) for r in rows['pair']):.4f} | | | | |")
    lines.append(f"| {name} predictor: style-vector max relative error | {len(vector_errors)} | "
                 f"{np.mean(vector_errors):.4f} (mean) | {max(vector_errors):.4f} (worst) | | | | | | |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--net", action="append", default=None,
                        help="preset name (repeatable; 'fast' = the six fast styles); default tfstyle_mobile_v4")
    parser.add_argument("--photos", type=int, default=4, help="holdout photos (evaluation only)")
    parser.add_argument("--paintings", type=int, default=3, help="holdout paintings, for style vectors")
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--calibration", type=pathlib.Path, default=SHARED / "data" / "content" / "test")
    parser.add_argument("--style-calibration", type=pathlib.Path, default=SHARED / "data" / "style" / "train")
    parser.add_argument("--reuse", type=pathlib.Path, default=None,
                        help="evaluate files built earlier into this folder instead of exporting")
    parser.add_argument("--keep", type=pathlib.Path, default=None, help="export into this folder (kept)")
    parser.add_argument("--format", default="int8", choices=["int8", "mixed"],
                        help="the file compared with float32: full-integer int8 or mixed (int8 convolutions, float norms)")
    parser.add_argument("--label", default="", help="a word for the table's heading (e.g. before / after)")
    parser.add_argument("--out", type=pathlib.Path, default=None, help="append the Markdown table to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))
    from tfstyle.image.io import list_images

    nets = []
    for net in args.net or ["tfstyle_mobile_v4"]:
        nets.extend(FAST_STYLES if net == "fast" else [net])
    holdout = SHARED / "data" / "holdout"
    # Spread over the folders (every k-th file), the same ones every run.
    photo_list, painting_list = list_images(holdout / "content"), list_images(holdout / "style")
    photos = photo_list[::max(1, len(photo_list) // args.photos)][:args.photos]
    paintings = painting_list[::max(1, len(painting_list) // args.paintings)][:args.paintings]
    label = f" ({args.label})" if args.label else ""
    heading = (f"### {args.format} vs float32{label}: {args.size} px, {len(photos)} holdout photos x {len(paintings)} "
               "holdout paintings")
    lines = [heading, "",
             f"Machine: {describe()}", "",
             ("| file | pairs | mean PSNR (dB) | worst PSNR (dB) | style distance delta mean / worst | "
              "content distance delta mean / worst | float32 ms | int8 ms | speed (float / int8) | KB float32 / int8 |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name in nets:
        with tempfile.TemporaryDirectory(prefix="int8-fidelity-") as scratch:
            if args.reuse is not None:
                files = find_files(args.reuse, name, args.size)
            else:
                folder = args.keep or pathlib.Path(scratch)
                folder.mkdir(parents=True, exist_ok=True)
                files = export_pair(name, folder, args.size, args.calibration, args.style_calibration, args.format)
            rows = evaluate(name, files, photos, paintings, args.size)
        lines.extend(rows)
        print("\n".join(rows), file=sys.stderr, flush=True)
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
