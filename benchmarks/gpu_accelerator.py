"""Which files run fully on LiteRT's GPU accelerator, and how close they stay to the CPU interpreter.

Checks (:func:`tfstyle.export.gpu_check.check_on_gpu`) Magenta's ``transfer_f16_384`` and
``transfer_int8_384`` (from ``../shared/anchors/magenta``; a photo in [0, 1] and the style vector
of a painting from Magenta's own predictor) and the shipped ``wave`` exported as
``tfstyle export --style wave --format float16 --size 384`` (and ``int8`` with ``--int8``,
calibrated on ``../shared/data/content/test``), on scikit-image's ``astronaut`` (NASA, public
domain). Without a Vulkan device every row says why.

The accelerator here is WebGPU over Vulkan. On a machine without a GPU that is Mesa's lavapipe, a
software driver: its times are CPU times ("software Vulkan (CPU) ms"), never GPU speed, shown next
to the CPU interpreter's (XNNPACK, 2 threads) for scale only.

    python benchmarks/gpu_accelerator.py --out benchmarks/results/gpu_accelerator.md
"""
from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

from tfstyle.devtools.machine import describe, publish
from tfstyle.export.bench import latency
from tfstyle.export.gpu_check import check_on_gpu, gpu_unavailable_reason, summary

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"
MAGENTA = SHARED / "anchors" / "magenta"
PAINTING = SHARED / "data" / "style" / "named" / "the_scream.jpg"
CALIBRATION = SHARED / "data" / "content" / "test"
SIZE = 384
RUNS = 3  # the first GPU run is untimed (shader compilation); the median of the rest is recorded


def _photo() -> np.ndarray:
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((SIZE, SIZE), Image.BICUBIC), np.float32)


def _export_wave(folder: pathlib.Path, fmt: str) -> tuple[pathlib.Path, dict]:
    """The shipped export, through the command line as users run it; its path and metadata."""
    path = folder / f"wave_{fmt}_{SIZE}.tflite"
    command = [sys.executable, "-m", "tfstyle", "export", "--style", "wave", "--format", fmt, "--size", str(SIZE),
               "-o", str(path)]
    if fmt == "int8":
        command += ["--calibration", str(CALIBRATION)]
    subprocess.run(command, check=True)
    return path, json.loads(path.with_name(path.name + ".json").read_text())


def _row(name: str, path: pathlib.Path, result: dict, recorded: str = "-") -> str:
    cpu_ms = latency(path, num_threads=2, runs=5)["median_ms"]
    if not result["available"]:
        return f"| {name} | no device: {result['reason']} | - | - | - | {cpu_ms:.0f} | {recorded} |"
    if "error" in result:
        return f"| {name} | error: {result['error']} | - | - | - | {cpu_ms:.0f} | {recorded} |"
    verdict = "yes" if result["fully_accelerated"] else "no"
    falls = ", ".join(result.get("fallback_details") or result.get("fallback_ops") or []) or (
        "none" if result["fully_accelerated"] else "not in the delegate's log")
    if result.get("ops_on_gpu") is not None:
        falls += f" ({result['ops_on_gpu']} ops on GPU, {result['ops_on_cpu']} on CPU)"
    psnr = "NaN/inf" if result["psnr_vs_cpu"] is None else f"{result['psnr_vs_cpu']:.1f}"
    ms = result.get("software_vulkan_cpu_ms", result.get("accelerator_ms"))
    return (f"| {name} | {verdict} | {falls} | {psnr} | {ms:.0f} | {cpu_ms:.0f} | "
            f"{recorded} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=pathlib.Path, default=None)
    parser.add_argument("--int8", action="store_true", help="also export and check wave in int8 (slower)")
    args = parser.parse_args(argv)
    photo = _photo()
    probe = gpu_unavailable_reason()
    lines = ["### LiteRT GPU accelerator (WebGPU over Vulkan) vs the CPU interpreter", "", f"Machine: {describe()}", "",
             f"Device: {'none (' + probe + ')' if probe else 'see the adapter below'}. Inputs: scikit-image's "
             f"astronaut at {SIZE}x{SIZE} (Magenta: in [0, 1], with the_scream's style vector from Magenta's "
             "predictor). PSNR: GPU outputs against the CPU interpreter's (peak 255 for tfstyle, the output's "
             "range for Magenta). \"software Vulkan (CPU) ms\": median of the GPU runs after the first on a "
             "software driver, i.e. CPU time, not GPU speed; the CPU interpreter's median (XNNPACK, 2 threads) "
             "is for scale.", "",
             "| file | fully accelerated | ops that fall back to CPU | PSNR vs CPU (dB) | software Vulkan (CPU) ms | "
             "CPU interpreter ms | export metadata (random inputs) |", "|---|---|---|---|---|---|---|"]
    adapter = None
    from tfstyle.methods.magenta import MagentaTFLite

    for fmt in ("f16", "int8"):
        transfer = MAGENTA / f"transfer_{fmt}_{SIZE}.tflite"
        if not transfer.is_file():
            lines.append(f"| magenta transfer_{fmt}_{SIZE} | file not found | - | - | - | - | - |")
            continue
        vector = MagentaTFLite(MAGENTA / "predict_int8_256.tflite", transfer).style_vector(PAINTING)
        result = check_on_gpu(transfer, [photo[None] / 255.0, vector.reshape(1, 1, 1, -1)], runs=RUNS)
        adapter = adapter or result.get("adapter")
        lines.append(_row(f"magenta transfer_{fmt}_{SIZE}", transfer, result))
    with tempfile.TemporaryDirectory(prefix="tfstyle-gpu-bench-") as folder:
        for fmt in ("float16", "int8") if args.int8 else ("float16",):
            path, meta = _export_wave(pathlib.Path(folder), fmt)
            recorded = f"{meta['gpu_check']}: {summary(meta['gpu_accelerator'])}"
            result = check_on_gpu(path, {"content": photo[None]}, peak=255.0, runs=RUNS)
            adapter = adapter or result.get("adapter")
            lines.append(_row(f"tfstyle wave {fmt} {SIZE} (`tfstyle export`)", path, result, recorded))
    if adapter:
        lines += ["", f"Adapter: {adapter}."]
    lines += ["", "INT8 files: the TFLite GPU delegate runs quantized models in floating point (weights dequantized), "
              "so their PSNR compares the CPU's integer kernels with a float computation: it is about the INT8 "
              "rounding of the CPU path (tfstyle's wave INT8 is ~28 dB from float, export/README.md), not a GPU "
              "error, and is not comparable with the float rows."]
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
