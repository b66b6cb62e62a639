"""Images per second of ``tfstyle beam`` (Beam's local runner, 1 and 2 workers) against ``tfstyle stylize DIR`` (#32).

One folder of real photos (``../shared/data/content/photos``, scaled to a long side of ``--side``
pixels, copied into a temporary folder) is stylized with ``--style wave`` (LiteRT, cache warm) three
ways, each in a fresh process (``python -m tfstyle``, this checkout first on ``PYTHONPATH``), the wall
time including start-up: the sequential command line, ``tfstyle beam`` with one worker (the local
runner's default, in-process) and with ``--direct_num_workers 2`` (two worker processes). Every
output of the Beam runs is checked byte for byte against the command line's. The machine
(:func:`tfstyle.devtools.machine.describe`) and the load average go into the report: the CPU is shared.

    python benchmarks/beam.py                  # writes benchmarks/results/beam.md (needs tfstyle[beam])
    python benchmarks/beam.py --images 96 --side 512 --repeat 3

Each case also runs on a folder of one photo: its wall time is the fixed cost (start-up, pipeline set-up,
loading the network), and ``(images - 1) / (wall - fixed)`` the rate once running.
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

ROOT = pathlib.Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "data" / "content" / "photos"
RESULT = ROOT / "benchmarks" / "results" / "beam.md"


def make_folder(folder: pathlib.Path, count: int, side: int) -> list[tuple[int, int]]:
    """``count`` photos scaled to a long side of ``side`` (the shared photos, cycled); their sizes."""
    from PIL import Image

    sources = sorted(p for p in PHOTOS.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    sizes = []
    for index in range(count):
        with Image.open(sources[index % len(sources)]) as img:
            img = img.convert("RGB")
            img.thumbnail((side, side), Image.LANCZOS)
            img.save(folder / f"photo_{index:03d}.jpg", quality=92)
            sizes.append(img.size)
    return sizes


def timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tfstyle", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"tfstyle {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds


def outputs(folder: pathlib.Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.jpg")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=96)
    parser.add_argument("--side", type=int, default=384, help="long side of each photo")
    parser.add_argument("--repeat", type=int, default=2, help="runs per case (median reported)")
    parser.add_argument("--out", default=str(RESULT), help="report file ('' to only print)")
    args = parser.parse_args()

    import apache_beam

    from tfstyle.devtools.machine import describe, publish

    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    cases = {
        "tfstyle stylize DIR (sequential)": lambda src, dst: ["stylize", str(src), "--style", "wave", "-o", str(dst),
                                                              "-q"],
        "tfstyle beam, 1 worker (DirectRunner)": lambda src, dst: ["beam", "--input", f"{src}/*", "--output",
                                                                   str(dst), "--style", "wave"],
        "tfstyle beam, 2 workers (DirectRunner, processes)": lambda src, dst: [
            "beam", "--input", f"{src}/*", "--output", str(dst), "--style", "wave", "--direct_num_workers", "2"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        src, one = pathlib.Path(tmp) / "in", pathlib.Path(tmp) / "one"
        src.mkdir()
        one.mkdir()
        sizes = make_folder(src, args.images, args.side)
        (one / "photo_000.jpg").write_bytes((src / "photo_000.jpg").read_bytes())
        timed(["stylize", str(src / "photo_000.jpg"), "--style", "wave", "-o", f"{tmp}/warm.jpg", "-q"], env)
        load_before = os.getloadavg()
        rows, reference = [], None
        for name, command in cases.items():
            seconds, start_up = [], []
            for run in range(args.repeat):
                dst = pathlib.Path(tmp) / f"out_{len(rows)}_{run}"  # a new folder: nothing to skip
                seconds.append(timed(command(src, dst), env))
                produced = outputs(dst)
                assert len(produced) == args.images, f"{name}: {len(produced)} of {args.images} outputs"
                reference = reference or produced
                assert produced == reference, f"{name}: outputs differ from the command line's"
                start_up.append(timed(command(one, pathlib.Path(tmp) / f"one_{len(rows)}_{run}"), env))
            wall, fixed = statistics.median(seconds), statistics.median(start_up)
            rows.append((name, wall, args.images / wall, fixed, (args.images - 1) / max(wall - fixed, 1e-9), seconds))
        load_after = os.getloadavg()

    pixels = statistics.mean(w * h for w, h in sizes) / 1e6
    lines = [f"## tfstyle beam vs tfstyle stylize DIR ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"Machine: {describe()}; Apache Beam {apache_beam.__version__}.",
             (f"Folder: {args.images} photos, long side {args.side} px (mean {pixels:.2f} MP), `--style wave` "
              f"(LiteRT, cache warm). Wall time of a fresh process, start-up included; median of {args.repeat}. "
              f"Load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f} (a shared CPU: noisy)."), "",
             "| run | wall s | images/s | 1 image, s | images/s past the first | runs (s) |",
             "|---|---:|---:|---:|---:|---|"]
    lines += [f"| {name} | {wall:.1f} | {rate:.2f} | {fixed:.1f} | {marginal:.2f} | "
              f"{', '.join(f'{s:.1f}' for s in seconds)} |" for name, wall, rate, fixed, marginal, seconds in rows]
    lines += ["", ("*1 image*: the same command on a folder of one photo (start-up, Beam's pipeline set-up and the "
                   "first network load). *Past the first*: (images - 1) / (wall - 1 image). Every Beam output was "
                   "byte-identical to the command line's.")]
    publish(lines, args.out or None)


if __name__ == "__main__":
    main()
