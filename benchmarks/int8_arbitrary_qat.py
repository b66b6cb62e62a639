"""Quantization-aware training of the arbitrary transfer net against post-training INT8 (issue #28 item 2).

Exports the default arbitrary network's transfer file as float32 and as full-integer INT8 in
several variants with :func:`tfstyle.export.arbitrary.export_arbitrary`, and compares each INT8
file with the float32 file on photo x painting pairs (real style vectors: the float32 predictor
file's output on the painting):

* ``ptq``: today's export (equalized, the model's graph, 32 ``content/test`` photos and the first
  32 ``style/train`` paintings for calibration);
* ``ptq-int``: the same with ``integer_graph=True`` (fused conditional norm, per-layer projections);
* ``pool``: ``style_pool=256``: the 32 calibration vectors chosen from 256 ``style/train`` paintings
  to span their norm parameters' range (:func:`tfstyle.export.fakequant.covering_vectors`);
* ``ptq-pool``: the same with ``integer_graph=True``;
* ``qat`` / ``qat-pool``: ``qat_steps=N`` on top of ``ptq-int`` / ``ptq-pool`` (fine-tuned on
  ``content/train`` photos and ``style/train`` paintings' vectors).

``--split validation`` scores 4 ``content/test`` photos outside the calibration set x 3
``style/train`` paintings outside calibration and training (one of them the longest style vector
of 120 late ``style/train`` paintings: the hard case); ``--split holdout`` the same 4 holdout
photos x 3 holdout paintings as ``benchmarks/int8_fidelity.py``. Reported per variant: mean and
worst PSNR, style / content distance deltas (mean / worst), latency (2 threads, noisy on a
shared machine) and size, with the machine.

    python benchmarks/int8_arbitrary_qat.py --split validation --size 256 --variants ptq,ptq-int,qat
    python benchmarks/int8_arbitrary_qat.py --split holdout --size 384 --steps 150 \\
        --out benchmarks/results/int8_arbitrary_qat.md
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from tfstyle.devtools.machine import describe, publish

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "data"
VARIANTS = {
    "ptq": {},
    "ptq-int": {"integer_graph": True},
    "pool": {"style_pool": 256},
    "ptq-pool": {"integer_graph": True, "style_pool": 256},
    "qat": {"integer_graph": True, "qat": True},
    "qat-pool": {"integer_graph": True, "style_pool": 256, "qat": True},
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pairs_for(split: str, net) -> tuple[list, list]:
    """``(photo paths, painting paths)`` to score on."""
    from tfstyle.image.io import cover_crop, list_images, load_image

    if split == "holdout":
        photos, paintings = list_images(DATA / "holdout" / "content"), list_images(DATA / "holdout" / "style")
        return photos[::len(photos) // 4][:4], paintings[::len(paintings) // 3][:3]
    photos, paintings = list_images(DATA / "content" / "test"), list_images(DATA / "style" / "train")
    late = paintings[-120:]
    vectors = np.concatenate([np.asarray(net.predict_style(np.stack(
        [cover_crop(load_image(p), (net.style_size, net.style_size)) for p in late[i:i + 20]])))
        for i in range(0, len(late), 20)])
    longest = late[int(np.argmax(np.linalg.norm(vectors, axis=1)))]
    log(f"validation: longest vector {longest.name} ({np.linalg.norm(vectors, axis=1).max():.1f}; "
        f"median {np.median(np.linalg.norm(vectors, axis=1)):.1f})")
    return photos[100::25][:4], [late[0], late[60], longest]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--net", default="tfstyle_mobile_v4")
    parser.add_argument("--split", choices=("validation", "holdout"), default="validation")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=150, help="QAT fine-tuning steps")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma list of {', '.join(VARIANTS)}")
    parser.add_argument("--keep", type=pathlib.Path, default=None, help="export into this folder (kept)")
    parser.add_argument("--out", type=pathlib.Path, default=None, help="append the Markdown table to this file")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))
    from tfstyle.export.arbitrary import export_arbitrary
    from tfstyle.export.bench import latency
    from tfstyle.image.io import cover_crop, list_images, load_image
    from tfstyle.perceptual.metrics import Scorer, psnr
    from tfstyle.runtime.litert import run_signature
    from tfstyle.weights.presets import load_model

    net = load_model(args.net)
    photo_paths, painting_paths = pairs_for(args.split, net)
    size = args.size
    scratch = tempfile.TemporaryDirectory(prefix="int8-qat-")
    root = args.keep or pathlib.Path(scratch.name)
    root.mkdir(parents=True, exist_ok=True)
    common = {"content_size": size, "representative_images": DATA / "content" / "test",
              "representative_styles": DATA / "style" / "train"}
    float_dir = root / "float32"
    float_dir.mkdir(exist_ok=True)
    float_files = {role: float_dir / meta["file"] for role, meta in
                   export_arbitrary(net, float_dir, format="float32", **common).items()}
    photos = [cover_crop(load_image(p), (size, size)) for p in photo_paths]
    paintings = [load_image(p) for p in painting_paths]
    vectors = [run_signature(float_files["predictor"], {"style": cover_crop(p, (256, 256))[None]})["style_vector"]
               for p in paintings]
    scorers = [Scorer(p, style_size=size) for p in paintings]

    def transfer(path, photo, vector):
        return np.clip(run_signature(path, {"content": photo[None], "style_vector": vector})["stylized"][0], 0, 255)

    references = {(i, j): transfer(float_files["transfer"], photo, vector)
                  for j, vector in enumerate(vectors) for i, photo in enumerate(photos)}
    ref_scores = {key: scorers[key[1]].score(out, photos[key[0]]) for key, out in references.items()}
    float_ms = min(latency(float_files["transfer"], num_threads=2, runs=10)["median_ms"] for _ in range(2))
    float_kb = os.path.getsize(float_files["transfer"]) / 1024

    lines = [(f"### {args.split}: {size} px, {len(photos)} photos x {len(paintings)} paintings, "
              f"QAT {args.steps} steps"), "", f"Machine: {describe()}", "",
             (f"Paintings: {', '.join(p.stem for p in painting_paths)}; photos: "
              f"{', '.join(p.stem for p in photo_paths)}"), "",
             ("| variant | mean PSNR (dB) | worst PSNR (dB) | style delta mean / worst | content delta mean / worst "
              "| per painting mean PSNR | float32 ms | int8 ms | KB float32 / int8 | export s | in-export check "
              "(PTQ / QAT worst dB) |"),
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in args.variants.split(","):
        options = dict(VARIANTS[name])
        folder = root / name
        folder.mkdir(exist_ok=True)
        kwargs = {key: value for key, value in options.items() if key != "qat"}
        if options.get("qat"):
            kwargs.update(qat_steps=args.steps, qat_images=DATA / "content" / "train",
                          qat_styles=list_images(DATA / "style" / "train")[32:160])
        start = time.perf_counter()
        metas = export_arbitrary(net, folder, format="int8", **common, **kwargs)
        seconds = time.perf_counter() - start
        path = folder / metas["transfer"]["file"]
        rows = []
        for (i, j), ref in references.items():
            out = transfer(path, photos[i], vectors[j])
            score = scorers[j].score(out, photos[i])
            rows.append({"pair": (i, j), "psnr": psnr(out, ref),
                         "style": abs(score["style"] - ref_scores[(i, j)]["style"]),
                         "content": abs(score["content"] - ref_scores[(i, j)]["content"])})
        values = [r["psnr"] for r in rows]
        per_painting = " / ".join(f"{np.mean([r['psnr'] for r in rows if r['pair'][1] == j]):.1f}"
                                  for j in range(len(paintings)))
        int8_ms = min(latency(path, num_threads=2, runs=10)["median_ms"] for _ in range(2))
        qat = metas["transfer"].get("qat")
        check = (f"{qat['ptq']['worst_psnr']:.1f} / {qat['qat']['worst_psnr']:.1f}, shipped {qat['shipped']}, "
                 f"fake MSE {qat['mse_before']:.1f} -> {qat['mse_after']:.1f}") if qat else ""
        line = (f"| {name} | {np.mean(values):.2f} | {min(values):.2f} | "
                f"{np.mean([r['style'] for r in rows]):.4f} / {max(r['style'] for r in rows):.4f} | "
                f"{np.mean([r['content'] for r in rows]):.4f} / {max(r['content'] for r in rows):.4f} | "
                f"{per_painting} | {float_ms:.1f} | {int8_ms:.1f} | {float_kb:.0f} / "
                f"{os.path.getsize(path) / 1024:.0f} | {seconds:.0f} | {check} |")
        lines.append(line)
        log(line)
        if qat:
            log(json.dumps(qat))
    lines.append("")
    publish(lines, args.out)
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
