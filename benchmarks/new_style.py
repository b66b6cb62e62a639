"""``tfstyle.new_style`` on 10 public-domain paintings against the default arbitrary network on the same painting.

For each painting (none of them a shipped style): :func:`tfstyle.training.new_style.new_style` with its
default photos (the four shipped in ``tfstyle/weights/photos``), ``--steps`` fitting steps (fixed, so
the result does not depend on how loaded the shared machine is: 16 steps at 384 px is what the default
100 s budget affords on an unloaded 2-core CPU, see below), written to a ``.keras`` and loaded back from it
(as ``tfstyle stylize --model FILE.keras`` does). Then on the first ``--photos`` photos of
``../shared/data/holdout/content`` (cover-cropped to ``--size`` squares, never seen by the fit):

* **new style**: :func:`tfstyle.stylize` with the written ``.keras``;
* **arbitrary (default)**: :func:`tfstyle.stylize_arbitrary` with the painting and the default network
  (``tfstyle_mobile_v4``; the committed results used ``tfstyle_mobile_v3``), the same network before the fit;

scored with :meth:`tfstyle.perceptual.metrics.Scorer.report` (one VGG19 pass per picture, the painting at
``--size`` long side), means over the photos of

* the style distance to the painting and the content distance to the photo (lower is better),
* the SSIM to the photo (higher keeps more of its structure),
* the CFSD to the photo (StyleID's content feature structure distance, KL divergence of VGG19 relu3_1
  patch-similarity maps; 0 = the photo's structure kept, lower is better),
* the colour-histogram distance to the painting (Hellinger distance of HistoGAN's RGB-uv histograms;
  0 = the painting's colours, lower is better; ``histogram_distance`` in the JSON).

A painting is a win when the new style's mean style *and* content distances are both below
the arbitrary network's. Each painting's numbers are kept in ``--json`` as they come (a rerun skips
painted ones, except those stored before CFSD and the histogram were), and the Markdown report
(``--out``) is rewritten after each painting.

Time: the wall-clock seconds of ``new_style`` on this (shared) machine and its process CPU seconds;
CPU seconds / 2 estimates the wall-clock time on an unloaded 2-core machine (TensorFlow keeps both
cores busy in a step; a fitting step of two 384 px photos takes about 5 s there).

    nice -n 10 python benchmarks/new_style.py --out benchmarks/results/new_style.md
    # or side by side: --shard 0/2 and --shard 1/2 (each keeps its own new_style.shardI.json)
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

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: file (under ``data/``) -> (title, artist, year). Painted before 1926 by artists who died before 1956;
#: identified by eye (titles of the holdout files are our identification, not the data set's).
PAINTINGS = {
    "style/named/contrast_of_forms.jpg": ("Contrast of Forms", "Fernand Léger (1881-1955)", "1913"),
    "style/named/mondrian.jpg": ("Tableau No. 2 / Composition No. VII", "Piet Mondrian (1872-1944)", "1913"),
    "holdout/style/magenta_Camille_Mauclair.jpg": ("Camille Mauclair (woodcut)", "Félix Vallotton (1865-1925)",
                                                   "1896"),
    "holdout/style/magenta_Theo_van_Doesburg_sq.jpg": ("Composition in black and white",
                                                       "Theo van Doesburg (1883-1931)", "c. 1918"),
    "holdout/style/style_Vincent-van-Gogh-Whaet-Field-with-Cypresses.-Image-via-wikimedia.org_.jpg": (
        "Wheat Field with Cypresses", "Vincent van Gogh (1853-1890)", "1889"),
    "holdout/style/style_250px-Vincent_van_Gogh_-_The_Church_in_Auvers-sur-Oise,_View_from_the_Chevet_-"
    "_Google_Art_Project.jpg": ("The Church at Auvers", "Vincent van Gogh (1853-1890)", "1890"),
    "holdout/style/sty_09.jpg": ("Man's Head in Woman's Hair (woodcut)", "Edvard Munch (1863-1944)", "1896"),
    "holdout/style/sty_27.jpg": ("The Gondola, Venice", "Pierre-Auguste Renoir (1841-1919)", "1881"),
    "holdout/style/sty_23.jpg": ("Holyday (The Picnic)", "James Tissot (1836-1902)", "c. 1876"),
    "holdout/style/sty_07.jpg": ("Beach scene at Trouville", "Eugène Boudin (1824-1898)", "c. 1865-1880"),
}
STEPS = 16
#: ``Scorer.report``'s keys -> the names the JSON keeps them under and the report shows.
SCORES = {"style": ("style", "style"), "content": ("content", "content"), "ssim": ("ssim", "SSIM"),
          "cfsd": ("cfsd", "CFSD"), "histogram": ("histogram_distance", "histogram")}


def _current(row: dict) -> bool:
    """Whether a stored painting has every score (those stored before CFSD and the histogram are redone)."""
    return all(key in row["scores"]["new"] for key, _ in SCORES.values())


def _score(args, painting_path: pathlib.Path, model_path: pathlib.Path, photos: list, names: list,
           png: pathlib.Path | None) -> dict:
    import tfstyle
    from tfstyle.image.io import load_image, save_image
    from tfstyle.perceptual.metrics import Scorer

    painting = load_image(painting_path)
    scorer = Scorer(load_image(painting, max_size=args.size))
    rows = {"new": [], "arbitrary": []}
    strip = []
    for photo, name in zip(photos, names):
        reference = scorer.features(photo)
        new = tfstyle.stylize(photo.astype(np.uint8), model=str(model_path), backend="keras")
        arbitrary = tfstyle.stylize_arbitrary(photo.astype(np.uint8), painting, backend="keras")
        for key, image in (("new", new), ("arbitrary", arbitrary)):
            rows[key].append(scorer.report(image, photo, reference))
        if len(strip) < 2:
            strip.append(np.concatenate([photo, arbitrary, new], axis=1))
    if png is not None:
        save_image(np.concatenate(strip, axis=0), png)
    return {which: {key: float(np.mean([r[name] for r in value])) for name, (key, _) in SCORES.items()}
            for which, value in rows.items()}


def _report(args, results: dict, machine: str, photo_names: list) -> str:
    from tfstyle.weights.registry import default_preset

    lines = [
        "# `tfstyle new-style`: a painting folded and fitted in about two minutes, against the default arbitrary "
        "network", "",
        f"Made by `python benchmarks/new_style.py` on {time.strftime('%Y-%m-%d')}, on a 2-core machine shared with "
        "other jobs (wall-clock seconds depend on their load; CPU seconds / 2 estimates an unloaded 2-core run).", "",
        f"Each painting: `tfstyle.new_style(painting, NAME.keras, steps={args.steps}, seconds=None)` with the default "
        "photos (the four public-domain/CC0 photos in `tfstyle/weights/photos`), loaded back from the `.keras`. "
        f"Scored on {len(photo_names)} holdout photos ({', '.join(photo_names)}), cover-cropped to "
        f"{args.size}x{args.size}, against `tfstyle.stylize_arbitrary` with the same painting and the default "
        f"network `{default_preset('arbitrary')}` (the network the new style is folded from, before the fit). Scores: "
        f"`tfstyle.perceptual.metrics.Scorer.report` (the painting at {args.size} px long side), means over the "
        "photos; style distance, content distance, CFSD to the photo (its structure lost) and histogram distance to "
        "the painting (its colours missed) are lower-is-better, SSIM to the photo higher-keeps-more. Win: both "
        "style and content distances lower.", "",
        f"Machine: {machine}", "",
        "| painting | artist | year | new_style s (wall) | CPU s / 2 | steps | "
        + " | ".join(f"new {label} | arbitrary {label}" for _, label in SCORES.values()) + " | win |",
        "|---|---|---|---|---|---|" + "---|---|" * len(SCORES) + "---|",
    ]
    wins = 0
    for file, (title, artist, year) in PAINTINGS.items():
        row = results.get(file)
        if row is None or not _current(row):
            continue
        new, arb = row["scores"]["new"], row["scores"]["arbitrary"]
        win = new["style"] < arb["style"] and new["content"] < arb["content"]
        wins += win
        misses = [f"{k} +{(new[k] / arb[k] - 1) * 100:.1f}%" for k in ("style", "content") if new[k] >= arb[k]]
        lines.append(f"| {title} (`{pathlib.Path(file).name[:40]}`) | {artist} | {year} | {row['seconds']:.0f} | "
                     f"{row['cpu_seconds'] / 2:.0f} | {row['steps']} | "
                     + " | ".join(f"{new[key]:.4f} | {arb[key]:.4f}" for key, _ in SCORES.values())
                     + f" | {'yes' if win else 'no: ' + ', '.join(misses)} |")
    done = [r for r in results.values() if _current(r)]
    if done:
        def mean(key, which):
            return float(np.mean([r["scores"][which][key] for r in done]))

        lines += ["", f"**{wins} of {len(done)} paintings win on both distances.** Means: "
                  + ", ".join(f"{label} {mean(key, 'new'):.4f} (new) against {mean(key, 'arbitrary'):.4f} (arbitrary)"
                              for key, label in SCORES.values()) + "; new_style "
                  f"{np.mean([r['seconds'] for r in done]):.0f} s wall on this loaded machine, "
                  f"{np.mean([r['cpu_seconds'] for r in done]) / 2:.0f} CPU s / 2."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=pathlib.Path, default=SHARED / "data")
    parser.add_argument("--photos", type=int, default=6)
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--paintings", type=int, default=len(PAINTINGS), help="the first N of the list")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "benchmarks" / "results" / "new_style.md")
    parser.add_argument("--json", type=pathlib.Path, default=None,
                        help="per-painting numbers, kept between runs (default: --out with .json)")
    parser.add_argument("--shard", default="0/1", metavar="I/N",
                        help="paint only every N-th painting from the I-th (run N processes side by side)")
    parser.add_argument("--png", type=pathlib.Path, default=None,
                        help="folder for a photo / arbitrary / new-style strip per painting")
    args = parser.parse_args(argv)

    from tfstyle.atomic import write_text
    from tfstyle.devtools.machine import describe
    from tfstyle.image.io import cover_crop, list_images, load_image
    from tfstyle.training.new_style import new_style

    shard, shards = (int(x) for x in args.shard.split("/"))
    base = args.json or args.out.with_suffix(".json")
    store = base if shards == 1 else base.with_suffix(f".shard{shard}.json")

    def everything() -> dict:
        # Every shard's numbers (each process keeps its own file; the report shows them all).
        merged = {}
        for path in sorted(base.parent.glob(f"{base.stem}*.json")):
            merged.update(json.loads(path.read_text()))
        return merged

    results = json.loads(store.read_text()) if store.is_file() else {}
    machine = describe()
    photo_paths = list_images(args.data / "holdout" / "content")[: args.photos]
    photos = [cover_crop(load_image(p), (args.size, args.size)) for p in photo_paths]
    names = [p.name for p in photo_paths]
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for file in list(PAINTINGS)[: args.paintings][shard::shards]:
            if file in results and results[file]["steps"] == args.steps and _current(results[file]):
                continue
            painting = args.data / file
            model_path = pathlib.Path(tmp) / "new.keras"
            wall, cpu = time.perf_counter(), time.process_time()
            made = new_style(painting, model_path, steps=args.steps, seconds=None)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            png = args.png / f"{pathlib.Path(file).stem[:40]}.png" if args.png else None
            scores = _score(args, painting, model_path, photos, names, png)
            results[file] = {"seconds": wall, "cpu_seconds": cpu, "steps": made.steps, "scores": scores,
                             "start_losses": made.start_losses, "content_weight": made.content_weight}
            write_text(store, json.dumps(results, indent=1) + "\n")
            write_text(args.out, _report(args, everything(), machine, names))
            print(f"{pathlib.Path(file).name}: {wall:.0f} s (CPU/2 {cpu / 2:.0f}), {json.dumps(scores)}", flush=True)
    write_text(args.out, _report(args, everything(), machine, names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
