"""The refine dial: quality against optimizer steps and seconds, from the network's picture toward Gatys.

For photo x painting pairs at ``--size`` (512) px squares, it paints each photo with the shipped
arbitrary network (``tfstyle.stylize_arbitrary``, the default backend), then refines the picture
(``tfstyle.methods.refine.refine``, the code behind ``stylize_arbitrary(..., refine=N)``) for
``max(--steps)`` steps, keeping the picture after each N of ``--steps`` (Adam's step k does not depend
on how many follow, so one run gives every N). Every picture is scored like
``tfstyle.perceptual.metrics.Scorer.report``: style distance (to the painting), content distance, SSIM and
CFSD (to the photo), colour-histogram distance (to the painting); CFSD on 256 px copies (``CFSD_SIDE``:
at 512 px each score costs about 50 CPU seconds here). Magenta's published
``predict_int8_256`` + ``transfer_f16_384`` (``tfstyle.methods.magenta.MagentaTFLite``; it answers at
384 px, upsampled to ``--size`` to be scored like the others) and the unchanged photo are the references.

Seconds are wall-clock seconds per image on this machine (network + refinement at N steps), and CPU
seconds of the process; both depend on what else the machine runs: the machine is recorded.

    # tuning (never the holdout): photos of content/test x paintings of style/train
    python benchmarks/refine.py --set tune --pairs 4 --steps 0,5,10,20
    # confirmation numbers and the curve
    python benchmarks/refine.py --pairs 6 --steps 0,5,10,20,50 --out benchmarks/results/refine.md \\
        --curve docs/images/refine_curve.png
    # the grid (public-domain photos and paintings only)
    python benchmarks/refine.py --grid docs/images/refine_grid.jpg --paintings ../shared/data/style/named
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from tfstyle.devtools.machine import describe, publish

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SETS = {"holdout": ("holdout/content", "holdout/style"), "tune": ("content/test", "style/train")}
METRICS = ("style", "content", "ssim", "cfsd", "histogram")
#: The grid: scikit-image's public-domain / CC0 photos x public-domain paintings.
#: Side CFSD is scored at (see ``_scores``).
CFSD_SIDE = 256
GRID = (("astronaut", "starry_night.jpg", "Van Gogh"), ("chelsea", "wave.jpg", "Hokusai"))


def pairs(which: str, count: int) -> list[tuple[pathlib.Path, pathlib.Path]]:
    """``count`` photo x painting pairs spread over the set: photo i with painting i (both every k-th)."""
    from tfstyle.image.io import list_images

    contents, styles = (list_images(SHARED / "data" / folder) for folder in SETS[which])
    photos = contents[::max(1, len(contents) // count)][:count]
    paintings = styles[::max(1, len(styles) // count)][:count]
    return list(zip(photos, paintings))


def _scores(scorer, image: np.ndarray, photo: np.ndarray, content_features) -> dict:
    """Style, content, SSIM and histogram distances at the picture's size; CFSD at ``CFSD_SIDE`` px.

    CFSD compares every position with every other: at 512 px (16,384 positions) one score costs about
    50 CPU seconds on this machine, at 256 px (4,096) a sixteenth of it."""
    from tfstyle.image.io import resize_image
    from tfstyle.perceptual.metrics import cfsd, hellinger, rgb_uv_histogram, ssim

    small = (resize_image(image, long_side=CFSD_SIDE), resize_image(photo, long_side=CFSD_SIDE))
    return {**scorer.score(image, content_features), "ssim": ssim(image, photo),
            "cfsd": cfsd(*small, weights=scorer.weights),
            "histogram": hellinger(rgb_uv_histogram(image), scorer.style_histogram)}


def run_pair(photo: np.ndarray, style: np.ndarray, steps: list[int], magenta, scorer,
             work_size: int | None = None) -> dict:
    """Scores and seconds of the network, each refinement N, Magenta and the photo, for one pair."""
    from tfstyle.image.io import resize_image
    from tfstyle.methods.arbitrary import stylize_arbitrary
    from tfstyle.methods.refine import WORK_SIDE, _add_change, refine

    content_features = scorer.features(photo)
    rows = {}
    c0, t0 = time.process_time(), time.perf_counter()
    painted = stylize_arbitrary(photo, style).astype(np.float32)
    net_wall, net_cpu = time.perf_counter() - t0, time.process_time() - c0
    small = None
    shots = {}

    def keep(step: int, image: np.ndarray) -> bool:
        if step in steps:
            # The full-size picture is what the user gets: adding the change is part of the time.
            picture = image if small is None else _add_change(painted, image - small)
            shots[step] = (picture, time.perf_counter() - t0, time.process_time() - c0)
        return False

    work = WORK_SIDE if work_size is None else work_size
    if work > 0 and max(photo.shape[:2]) > work:
        small = resize_image(painted, long_side=work)
    if max(steps) > 0:
        t0, c0 = time.perf_counter() - net_wall, time.process_time() - net_cpu  # include the network's time
        refine(painted, photo, style, steps=max(steps), callback=keep, work_size=work if work > 0 else None)
    shots[0] = (painted, net_wall, net_cpu)
    for n in steps:
        picture, wall, cpu = shots[n]
        rows[f"N={n}"] = {**_scores(scorer, np.rint(picture), photo, content_features), "seconds": wall, "cpu": cpu}
    t0 = time.perf_counter()
    magenta_out = magenta.stylize(photo, style).astype(np.float32)
    wall = time.perf_counter() - t0
    magenta_out = resize_image(magenta_out, size=photo.shape[:2])
    rows["magenta"] = {**_scores(scorer, np.rint(magenta_out), photo, content_features), "seconds": wall,
                       "cpu": wall}
    # The photo against itself: content distance and CFSD 0, SSIM 1 by definition (CFSD at 512 px costs
    # 270 GFLOP: not spent on a known answer).
    rows["photo"] = {"style": scorer.style_distance(content_features), "content": 0.0, "ssim": 1.0, "cfsd": 0.0,
                     "histogram": scorer.histogram_distance(photo), "seconds": 0.0, "cpu": 0.0}
    return rows


def table(results: list[dict], steps: list[int]) -> list[str]:
    def cell(name, key, digits=3):
        values = [r[name][key] for r in results]
        return f"{statistics.mean(values):.{digits}f} ± {statistics.pstdev(values):.{digits}f}"

    lines = [("| picture | style distance | content distance | SSIM | CFSD | histogram distance | s / image (wall) "
             "| CPU s / image |"), "|---|---|---|---|---|---|---|---|"]
    labels = {f"N={n}": (f"tfstyle arbitrary, refine={n}" if n else "tfstyle arbitrary (network only)")
              for n in steps}
    labels.update({"magenta": "Magenta predict_int8_256 + transfer_f16_384 (384 px, upsampled)",
                   "photo": "the photo (identity)"})
    for name, label in labels.items():
        lines.append(f"| {label} | {cell(name, 'style')} | {cell(name, 'content')} | {cell(name, 'ssim')} | "
                     f"{cell(name, 'cfsd')} | {cell(name, 'histogram')} | {cell(name, 'seconds', 1)} | "
                     f"{cell(name, 'cpu', 1)} |")
    return lines


def verdict(results: list[dict], steps: list[int], budget: float) -> list[str]:
    def mean(name, key):
        return statistics.mean(r[name][key] for r in results)

    target_style, target_content = 0.85 * mean("magenta", "style"), mean("magenta", "content")
    lines = [(f"Target: style distance <= {target_style:.3f} (15% below Magenta's {mean('magenta', 'style'):.3f}) at a "
             f"content distance <= {target_content:.3f} (Magenta's), within {budget:.0f} s.")]
    for n in steps:
        ok = mean(f"N={n}", "style") <= target_style and mean(f"N={n}", "content") <= target_content
        lines.append(f"- N = {n}: style {mean(f'N={n}', 'style'):.3f}, content {mean(f'N={n}', 'content'):.3f}, "
                     f"{mean(f'N={n}', 'seconds'):.1f} s wall / {mean(f'N={n}', 'cpu'):.1f} CPU s: "
                     f"{'meets the quality target' if ok else 'does not meet the quality target'}")
    return lines


def curve(results: list[dict], steps: list[int], path: str) -> None:
    """Two panels: distances against N, and style distance against seconds, with Magenta's as lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tfstyle.atomic import atomic_path

    def mean(name, key):
        return statistics.mean(r[name][key] for r in results)

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, colour in (("style", "tab:red"), ("content", "tab:blue")):
        left.plot(steps, [mean(f"N={n}", key) for n in steps], "o-", color=colour, label=f"{key} distance")
        left.axhline(mean("magenta", key), color=colour, ls="--", lw=1, label=f"Magenta f16 {key}")
    left.axhline(0.85 * mean("magenta", "style"), color="tab:red", ls=":", lw=1, label="target: 15% below Magenta")
    left.set_xlabel("refine steps N")
    left.set_ylabel("distance (lower is better)")
    left.legend(fontsize=7)
    left.set_title("quality against steps")
    seconds = [mean(f"N={n}", "cpu") for n in steps]
    right.plot(seconds, [mean(f"N={n}", "style") for n in steps], "o-", color="tab:red", label="tfstyle + refine")
    for n, x, y in zip(steps, seconds, [mean(f"N={n}", "style") for n in steps]):
        right.annotate(f"N={n}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    right.axhline(mean("magenta", "style"), color="gray", ls="--", lw=1, label="Magenta f16")
    right.axhline(0.85 * mean("magenta", "style"), color="tab:red", ls=":", lw=1, label="target")
    right.set_xlabel("CPU seconds per 512 px image (idle 2 cores: wall ~ half)")
    right.set_ylabel("style distance")
    right.legend(fontsize=7)
    right.set_title("style distance against time")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def grid(path: str, paintings: pathlib.Path, size: int, steps: tuple[int, ...] = (0, 10, 50)) -> None:
    """Photo | painting | N = 0, 10, 50 for two public-domain photos."""
    from PIL import Image, ImageDraw
    from skimage import data

    from tfstyle.image.io import cover_crop, load_image, resize_image, save_image, to_uint8
    from tfstyle.methods.arbitrary import stylize_arbitrary
    from tfstyle.methods.refine import WORK_SIDE, _add_change, refine

    def label(tile, text):
        image = Image.fromarray(to_uint8(tile))
        ImageDraw.Draw(image).text((6, image.height - 16), text, fill=(255, 255, 255), stroke_width=2,
                                   stroke_fill=(0, 0, 0))
        return np.asarray(image)

    rows = []
    for photo_name, painting, painter in GRID:
        photo = cover_crop(load_image(getattr(data, photo_name)()), (size, size))
        style = load_image(paintings / painting, max_size=size)
        painted = stylize_arbitrary(photo, style).astype(np.float32)
        small = resize_image(painted, long_side=min(size, WORK_SIDE))
        shots = {0: painted}

        def keep(k, image, painted=painted, small=small, shots=shots):
            if k in steps:
                shots[k] = _add_change(painted, image - small)
            return False

        refine(painted, photo, style, steps=max(steps), callback=keep)
        tiles = [label(photo, photo_name), label(cover_crop(style, (size, size)), painter)]
        tiles += [label(shots[n], f"refine={n}" if n else "network (refine=0)") for n in steps]
        rows.append(np.concatenate(tiles, axis=1))
        print(f"grid row {photo_name} done", file=sys.stderr, flush=True)
    save_image(np.concatenate(rows, axis=0), path, quality=88)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=sorted(SETS), default="holdout")
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--steps", default="0,5,10,20,50")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds the target allows")
    parser.add_argument("--work-size", type=int, default=None,
                        help="refine's work_size (default its WORK_SIDE; 0: the picture's own size)")
    parser.add_argument("--magenta", type=pathlib.Path, default=SHARED / "anchors" / "magenta")
    parser.add_argument("--out", default=None, help="append the Markdown report here")
    parser.add_argument("--json", default=None, help="write every score here (to re-plot)")
    parser.add_argument("--curve", default=None, help="write the PNG of quality against N and seconds here")
    parser.add_argument("--grid", default=None, help="only make the grid JPEG (photo, painting, N = 0, 10, 50)")
    parser.add_argument("--paintings", type=pathlib.Path, default=SHARED / "data" / "style" / "named")
    parser.add_argument("--from-json", default=None, help="re-make the table and curve from a --json file")
    args = parser.parse_args(argv)
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))
    if args.grid:
        grid(args.grid, args.paintings, 384 if args.size == 512 else args.size)
        return 0
    steps = sorted({int(s) for s in args.steps.split(",")} | {0})
    if args.from_json:
        saved = json.loads(pathlib.Path(args.from_json).read_text())
        results, machine, names = saved["results"], saved["machine"], saved["pairs"]
    else:
        from tfstyle.image.io import cover_crop, load_image
        from tfstyle.methods.magenta import MagentaTFLite
        from tfstyle.perceptual.metrics import Scorer

        magenta = MagentaTFLite(args.magenta / "predict_int8_256.tflite", args.magenta / "transfer_f16_384.tflite")
        results, names = [], []
        for index, (photo_path, style_path) in enumerate(pairs(args.set, args.pairs)):
            photo = cover_crop(load_image(photo_path), (args.size, args.size))
            style = load_image(style_path, max_size=args.size)
            results.append(run_pair(photo, style, steps, magenta, Scorer(style), args.work_size))
            names.append([photo_path.name, style_path.name])
            print(f"pair {index + 1}/{args.pairs}: " + ", ".join(
                f"{k} {v['style']:.3f}/{v['content']:.3f} {v['seconds']:.0f}s" for k, v in results[-1].items()),
                file=sys.stderr, flush=True)
            machine = describe()
            if args.json:  # after every pair: a long run interrupted keeps what it measured
                from tfstyle.atomic import write_text

                write_text(args.json, json.dumps({"results": results, "machine": machine, "pairs": names}, indent=1))
    lines = [(f"### {len(results)} {args.set} pairs at {args.size}x{args.size}, refine N = "
             f"{', '.join(map(str, steps))}"), "", f"Machine: {machine}", "", *table(results, steps), "",
             *verdict(results, steps, args.budget), ""]
    publish(lines, args.out)
    if args.curve:
        curve(results, steps, args.curve)
    return 0


if __name__ == "__main__":
    sys.exit(main())
