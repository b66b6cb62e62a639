"""Wall time of ``tfstyle stylize --style wave`` through LiteRT (warm cache) and through Keras (#21).

Each case runs the command line in a fresh process (``python -m tfstyle``, this checkout first
on ``PYTHONPATH``) several times and reports the median: README's first command on the 344x256
corgi, the same photo upscaled to 1200x900 (~1 MP) and to 3840x2160 (4K), each with
``--backend auto`` (LiteRT; the files are built first if missing, outside the timing) and
``--backend keras``. The machine (:func:`tfstyle.devtools.machine.describe`) and the load average
(``os.getloadavg``) before and after every case go into the report: the CPU is shared.

    python benchmarks/instant_start.py                  # writes benchmarks/results/instant_start.md
    python benchmarks/instant_start.py --repeat 5 --repeat-4k 3 --keras-repeat 3
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
PHOTO = ROOT.parent / "shared" / "data" / "content" / "photos" / "content_corgi.jpg"
RESULT = ROOT / "benchmarks" / "results" / "instant_start.md"


def upscaled(size: tuple[int, int], folder: pathlib.Path) -> pathlib.Path:
    from PIL import Image

    path = folder / f"corgi_{size[0]}x{size[1]}.jpg"
    if not path.is_file():
        with Image.open(PHOTO) as img:
            img.convert("RGB").resize(size, Image.LANCZOS).save(path, quality=92)
    return path


def run(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tfstyle", *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"tfstyle {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return elapsed


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per LiteRT case (corgi, 1 MP)")
    parser.add_argument("--repeat-4k", type=int, default=3, help="runs of the 4K LiteRT case")
    parser.add_argument("--keras-repeat", type=int, default=3, help="runs per Keras case")
    parser.add_argument("--skip-keras-4k", action="store_true", help="no Keras run at 4K (slow)")
    parser.add_argument("--output", default=str(RESULT))
    options = parser.parse_args()

    from tfstyle.atomic import write_text
    from tfstyle.devtools.machine import describe

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    folder = pathlib.Path(tempfile.gettempdir()) / "tfstyle-instant-start"
    folder.mkdir(exist_ok=True)
    images = {"344x256 (README)": PHOTO, "1200x900 (1.1 MP)": upscaled((1200, 900), folder),
              "3840x2160 (4K)": upscaled((3840, 2160), folder)}
    out = folder / "out.jpg"
    started = time.perf_counter()
    run(["export", "--cache", "wave"], env) if not _warm(env) else None
    build = time.perf_counter() - started

    rows = []
    for label, image in images.items():
        for backend in ("auto", "keras"):
            if backend == "keras" and options.skip_keras_4k and "4K" in label:
                continue
            repeat = options.keras_repeat if backend == "keras" else (options.repeat_4k if "4K" in label else options.repeat)
            before = load()
            times = [run(["stylize", str(image), "--style", "wave", "-o", str(out), "-q", "--backend", backend], env)
                     for _ in range(repeat)]
            rows.append((label, "LiteRT (auto, warm cache)" if backend == "auto" else "Keras", statistics.median(times),
                         min(times), max(times), repeat, before, load()))
            print(f"{label:20} {rows[-1][1]:26} median {rows[-1][2]:.2f} s  (load {before} -> {rows[-1][7]})",
                  flush=True)

    lines = ["# Instant start: `tfstyle stylize --style wave` wall time, LiteRT vs Keras", "",
             f"Machine: {describe()}", "",
             "Fresh process per run (`python -m tfstyle stylize PHOTO --style wave -o out.jpg -q --backend B`), "
             "wall time including Python start, imports, reading and writing the JPEGs. LiteRT runs from a warm "
             f"cache (building it took {build:.1f} s here{' (already warm)' if build < 5 else ''}). The larger photos "
             "are the corgi upscaled (Lanczos). Load = 1/5/15-minute load average before -> after the case, on a CPU "
             "shared with other jobs: times scale with it.", "",
             "| photo | path | median s | min s | max s | runs | load before -> after |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f} | {r[5]} | {r[6]} -> {r[7]} |" for r in rows]
    medians = {(r[0], r[1].split(" ")[0]): r[2] for r in rows}
    lines += ["", "Targets of issue #21 (LiteRT medians):", ""]
    for photo, limit in (("344x256 (README)", 1.0), ("1200x900 (1.1 MP)", 1.0), ("3840x2160 (4K)", 3.0)):
        value = medians.get((photo, "LiteRT"))
        if value is not None:
            lines.append(f"- {photo} under {limit:g} s: {value:.2f} s, {'met' if value < limit else 'missed'}")
    lines += ["", f"Command: `python benchmarks/instant_start.py --repeat {options.repeat} --repeat-4k {options.repeat_4k} "
              f"--keras-repeat {options.keras_repeat}{' --skip-keras-4k' if options.skip_keras_4k else ''}`", ""]
    write_text(options.output, "\n".join(lines))
    print(f"wrote {options.output}")


def _warm(env: dict) -> bool:
    code = "from tfstyle.runtime.preset_files import cached_files; raise SystemExit(0 if cached_files('wave') else 1)"
    return subprocess.run([sys.executable, "-c", code], env=env).returncode == 0


if __name__ == "__main__":
    main()
