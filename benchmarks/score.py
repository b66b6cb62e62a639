"""How well does a feed-forward style model stylize? Style and content distances over a test set.

Stylizes every content image of a folder with each model and prints, per model, the mean
(and standard deviation) over the images of

* the style distance to the style image (``tfstyle.perceptual.metrics``: mean over VGG19
  block1_conv1..block5_conv1 of ||G(output) - G(style)||_F / ||G(style)||_F), and
* the content distance to the content image (||F(output) - F(content)||_F / ||F(content)||_F
  at block4_conv2), and
* the SSIM to the content image (``tfstyle.perceptual.metrics.ssim``; 1 = the photo's structure kept),
* the CFSD to the content image (``tfstyle.perceptual.metrics.cfsd``: StyleID's content feature structure
  distance, KL divergence of VGG19 relu3_1 patch-similarity maps; 0 = the photo's structure kept), and
* the colour-histogram distance to the style image (``tfstyle.perceptual.metrics.histogram_distance``:
  Hellinger distance of HistoGAN's RGB-uv histograms; 0 = the painting's colours),

and the same for the identity (the content image unchanged: content distance 0, SSIM 1, CFSD 0,
the photos' own style and histogram distances) as a baseline. Lower is better for the distances,
higher for SSIM; a good model moves the style distance well below the identity's at a moderate content
distance. Results are
printed as a Markdown table (one row per model and an identity row per style);
``--out FILE`` appends those rows to FILE.

Content images are loaded with their longer side shrunk to ``--size`` and cropped (centred)
to multiples of 4; the style image is shrunk to ``--style-size`` (default: ``--size``),
since style statistics depend on the scale of the style image. Outputs are rounded to
uint8, as when saved.

    python benchmarks/score.py --model runs/starry.keras --style ../shared/data/style/named/starry_night.jpg
    python benchmarks/score.py --model starry.weights.h5 --width 0.5 --style starry_night.jpg --limit 50
    python benchmarks/score.py --preset starry_night --preset wave --out report.md

``--model`` and ``--preset`` may be repeated (in any mix); give one ``--style`` for all
models or one per model in the same order. A preset without ``--style`` is scored against
the painting its catalogue entry names (``style_image``) in ``--style-dir``.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time
from dataclasses import dataclass, field

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from tfstyle.devtools.machine import describe
from tfstyle.errors import TfstyleError
from tfstyle.image.io import list_images, load_image, to_uint8

HEADER = (
    "| model | style | style distance (mean ± std) | content distance (mean ± std) | SSIM to the photo (mean ± std) "
    "| CFSD (mean ± std) | histogram distance (mean ± std) | images | size |\n|---|---|---|---|---|---|---|---|---|"
)
IDENTITY = "identity (content unchanged)"


class UsageError(Exception):
    """A problem with the command line or the files it names (printed as one line)."""


@dataclass
class Entry:
    """One model to score."""

    kind: str  # "model" or "preset"
    source: str  # path or preset name
    style: str = ""
    label: str = ""
    net: object = None
    seconds: list = field(default_factory=list)


def crop_to_multiple(image: np.ndarray, multiple: int = 4) -> np.ndarray:
    """Centre-crop ``image`` so that height and width are multiples of ``multiple``."""
    height, width = image.shape[:2]
    new_h, new_w = height - height % multiple, width - width % multiple
    top, left = (height - new_h) // 2, (width - new_w) // 2
    return image[top : top + new_h, left : left + new_w]


def load_net(entry: Entry, args: argparse.Namespace):
    """Return a callable mapping (1, H, W, 3) images in [0, 255] to stylized images."""
    if entry.kind == "preset":
        from tfstyle.weights.presets import load_model

        net = load_model(entry.source, kind="fast")
        return net

    import keras

    import tfstyle.models  # noqa: F401 - registers JohnsonNet and its layers for load_model
    from tfstyle.models import JohnsonNet

    path = entry.source
    if not os.path.isfile(path):
        raise UsageError(f"no such model file: {path}")
    try:
        if path.endswith(".weights.h5"):
            if args.width is None:
                raise UsageError(f"{path} holds weights only: give the JohnsonNet --width it was trained with")
            net = JohnsonNet(width=args.width, residual_blocks=args.residual_blocks, padding_mode=args.padding_mode)
            net(np.zeros((1, 64, 64, 3), np.float32))
            net.load_weights(path)
            return net
        if path.endswith(".keras"):
            return keras.saving.load_model(path)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - Keras raises many kinds; report them in one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"could not load {path}: {first}") from None
    raise UsageError(f"--model must be a .keras file or a JohnsonNet .weights.h5 file, got {path}")


def resolve_styles(entries: list[Entry], styles: list[str], style_dir: str) -> None:
    if styles and len(styles) not in (1, len(entries)):
        raise UsageError(f"give one --style for all models or one per model; got {len(styles)} for {len(entries)}")
    for i, entry in enumerate(entries):
        if styles:
            entry.style = styles[0] if len(styles) == 1 else styles[i]
        elif entry.kind == "preset":
            from tfstyle.weights.registry import preset_entry

            image = preset_entry(entry.source).get("style_image", f"{entry.source}.jpg")
            entry.style = os.path.join(style_dir, image)
            if not os.path.isfile(entry.style):
                raise UsageError(f"no --style given and no {entry.style}: give the preset's style image with --style")
        else:
            raise UsageError(f"--style is needed for --model {entry.source}")


def style_name(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def summary(values: list[float]) -> str:
    std = statistics.pstdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.3f} ± {std:.3f}"


def scored(scorer, out, photo, features, *, identity: bool = False) -> dict:
    """:meth:`Scorer.report` of one output; ``identity`` (the photo itself) skips the known SSIM 1 and CFSD 0."""
    if identity:
        return {**scorer.score(features, features), "ssim": 1.0, "cfsd": 0.0,
                "histogram": scorer.histogram_distance(photo)}
    return scorer.report(out, photo, features)


def row(label: str, style: str, results: list[dict], size: int) -> str:
    return (
        f"| {label} | {style} | {summary([r['style'] for r in results])} | "
        f"{summary([r['content'] for r in results])} | {summary([r['ssim'] for r in results])} | "
        f"{summary([r['cfsd'] for r in results])} | {summary([r['histogram'] for r in results])} | "
        f"{len(results)} | {size} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", dest="entries", action="append", type=lambda s: Entry("model", s),
                        help="a JohnsonNet .keras file or .weights.h5 file (with --width); repeatable")
    parser.add_argument("--preset", dest="entries", action="append", type=lambda s: Entry("preset", s),
                        help="a style shipped with tfstyle (a fast preset, tfstyle.load_model(NAME)); repeatable")
    parser.add_argument("--style", action="append", default=[], help="style image: one for all models or one per model")
    parser.add_argument("--style-dir", default="../shared/data/style/named",
                        help="where a preset's painting (its catalogue's style_image) is looked up when --style is not given")
    parser.add_argument("--content-dir", default="../shared/data/content/test")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N content images (by name)")
    parser.add_argument("--size", type=int, default=256, help="longer side of the content images (default 256)")
    parser.add_argument("--style-size", type=int, default=None, help="longer side of the style image (default --size)")
    parser.add_argument("--width", type=float, default=None, help="JohnsonNet width, for .weights.h5 models")
    parser.add_argument("--residual-blocks", type=int, default=5, help="JohnsonNet residual blocks, for .weights.h5")
    parser.add_argument("--padding-mode", default="reflect", help="JohnsonNet padding mode, for .weights.h5")
    parser.add_argument("--vgg-weights", default=None, help="VGG19 notop .h5 (default $TFSTYLE_VGG19_WEIGHTS)")
    parser.add_argument("--out", default=None, help="append the Markdown rows to this file (header if new)")
    args = parser.parse_args(argv)
    if not args.entries:
        parser.error("give at least one --model or --preset")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    try:
        return run(args)
    except (UsageError, TfstyleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    from tfstyle.perceptual.metrics import Scorer

    entries: list[Entry] = args.entries
    resolve_styles(entries, args.style, args.style_dir)
    paths = list_images(args.content_dir)[: args.limit]
    if not paths:
        raise UsageError(f"no images in {args.content_dir}")
    for entry in entries:
        entry.net = load_net(entry, args)
        entry.label = os.path.basename(entry.source) if entry.kind == "model" else f"preset {entry.source}"

    print(f"machine: {describe()}")
    print(f"content: {len(paths)} images from {args.content_dir}, long side {args.size} (cropped to multiples of 4)")
    style_size = args.style_size or args.size
    scorers = {}
    for entry in entries:
        if entry.style not in scorers:
            scorers[entry.style] = Scorer(entry.style, weights=args.vgg_weights, style_size=style_size)
    for style, scorer in scorers.items():
        h, w = scorer.style_features.size
        print(f"style: {style} ({w}x{h})")

    identity: dict[str, list] = {style: [] for style in scorers}
    results: list[list] = [[] for _ in entries]
    start = time.perf_counter()
    for n, path in enumerate(paths, 1):
        content = crop_to_multiple(load_image(path, max_size=args.size))
        content_features = next(iter(scorers.values())).features(content)  # shared by every style
        for style, scorer in scorers.items():
            # The photo itself: SSIM 1 and CFSD 0 by definition (no need to spend CFSD's matrix products).
            identity[style].append({**scorer.score(content_features, content_features), "ssim": 1.0, "cfsd": 0.0,
                                    "histogram": scorer.histogram_distance(content)})
        for entry, scores in zip(entries, results):
            t0 = time.perf_counter()
            output = np.asarray(entry.net(content[None]))
            entry.seconds.append(time.perf_counter() - t0)
            if output.shape[1:3] != content.shape[:2]:
                raise UsageError(f"{entry.label} returned {output.shape} for a {content.shape} image")
            image = to_uint8(output[0])
            scores.append(scorers[entry.style].report(image, content, content_features))
        if n % 10 == 0 or n == len(paths):
            print(f"  {n}/{len(paths)} images, {time.perf_counter() - start:.0f} s", file=sys.stderr)

    for entry in entries:
        # The first call includes tracing and warm-up; the median shows steady speed.
        print(f"{entry.label}: stylization {statistics.median(entry.seconds) * 1000:.0f} ms/image (median, "
              f"at most {args.size} px)")
    rows = [row(IDENTITY, style_name(style), identity[style], args.size) for style in scorers]
    rows += [row(e.label, style_name(e.style), r, args.size) for e, r in zip(entries, results)]
    print()
    print(HEADER)
    print("\n".join(rows))
    if args.out:
        # A new table when the file has none with these columns (older tables lack the SSIM, CFSD and histogram columns).
        old = pathlib.Path(args.out).read_text(encoding="utf-8") if os.path.exists(args.out) else ""
        header = "" if HEADER in old else ("\n" if old else "") + HEADER + "\n"
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(header + "\n".join(rows) + "\n")
        print(f"\nrows appended to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
