"""Make the README's results grids: public-domain photos x public-domain paintings.

Three grids: the shipped fast styles (``--pretrained``: every fast preset in
``tfstyle.list_presets``, each labelled with its painter), the shipped arbitrary-style network
on the same paintings (``--arbitrary DIR``, the paintings' folder; a last row shows strength
0 to 1) and optimization-based stylization (``--styles DIR``).

Content comes from scikit-image's bundled sample images (astronaut: NASA, public domain;
chelsea and coffee: by Stefan van der Walt and Rachel Michelle Wood, CC0), so the grid
may be published. Styles are public-domain paintings you point it at (for example Van
Gogh's *The Starry Night*, Munch's *The Scream*, Hokusai's *The Great Wave*); the
paintings themselves are not committed, only the stylized results.

    pip install scikit-image
    python docs/make_figures.py --styles ../shared/data/style/named --out docs/images/gatys_grid.jpg
    python docs/make_figures.py --pretrained --out docs/images/pretrained_grid.jpg
    python docs/make_figures.py --arbitrary ../shared/data/style/named --out docs/images/arbitrary_grid.jpg
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
from PIL import Image, ImageDraw

import tfstyle
from tfstyle.image.io import load_image, resize_image, save_image, to_uint8

CONTENTS = ("astronaut", "chelsea", "coffee")
STYLES = (("starry_night", "Van Gogh"), ("the_scream", "Munch"), ("wave", "Hokusai"))


def _content(name: str, size: int) -> np.ndarray:
    from skimage import data

    return load_image(getattr(data, name)(), max_size=size)


def _label(tile: np.ndarray, text: str) -> np.ndarray:
    image = Image.fromarray(to_uint8(tile))
    ImageDraw.Draw(image).text((6, image.height - 16), text, fill=(255, 255, 255), stroke_width=2, stroke_fill=(0, 0, 0))
    return np.asarray(image)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--styles", help="folder with starry_night.jpg, the_scream.jpg, wave.jpg (optimization)")
    group.add_argument("--pretrained", action="store_true", help="grid of the shipped fast styles")
    group.add_argument("--arbitrary", metavar="DIR", help="the shipped arbitrary network; DIR holds the paintings "
                       "of the shipped styles (their catalogue's style_image)")
    parser.add_argument("--out", default=None, help="default docs/images/{gatys,pretrained,arbitrary}_grid.jpg")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=60, help="optimization steps")
    args = parser.parse_args()
    kind = "pretrained" if args.pretrained else "arbitrary" if args.arbitrary else "gatys"
    args.out = args.out or f"docs/images/{kind}_grid.jpg"
    strengths = None
    if args.arbitrary:
        from tfstyle.weights.registry import preset_entry, preset_names

        styles = [(name, name) for name in preset_names("fast")]
        paintings = {name: os.path.join(args.arbitrary, preset_entry(name)["style_image"]) for name, _ in styles}
        strengths = (0.0, 0.25, 0.5, 0.75, 1.0, 1.0)

        def paint(content, name, strength=1.0):
            return tfstyle.stylize_arbitrary(content, paintings[name], strength=strength)
    elif args.pretrained:
        from tfstyle.weights.registry import preset_names

        styles = [(name, name) for name in preset_names("fast")]

        def paint(content, name):
            return tfstyle.stylize(content, model=name)
    else:
        styles = list(STYLES)

        def paint(content, name):
            return tfstyle.stylize_optimize(content, os.path.join(args.styles, f"{name}.jpg"), size=args.size,
                                            steps=args.steps, progress=False)

    tile = args.size
    rows = []
    # The paintings themselves are not shown (only their painters' names): the repository
    # commits only images it made.
    for index, content_name in enumerate(CONTENTS):
        content = resize_image(_content(content_name, tile), size=(tile, tile))
        row = [_label(content, content_name)]
        for name, painter in styles:
            start = time.perf_counter()
            out = paint(content, name)
            print(f"{content_name} x {name}: {time.perf_counter() - start:.1f} s", flush=True)
            row.append(_label(out, painter if args.pretrained or args.arbitrary else f"style: {painter}")
                       if index == 0 else out)
        rows.append(np.concatenate(row, axis=1))
    if strengths:
        # One painting at growing strength (the last column repeats 1.0 with the photo's colours kept).
        content = resize_image(_content(CONTENTS[0], tile), size=(tile, tile))
        row = [_label(content, "strength:")]
        for column, strength in enumerate(strengths):
            out = tfstyle.stylize_arbitrary(content, paintings[styles[-2][0]], strength=strength,
                                            preserve_color=column == len(strengths) - 1)
            row.append(_label(out, "1.0, colours kept" if column == len(strengths) - 1 else f"{strength:.2f}"))
        rows.append(np.concatenate(row, axis=1))
    save_image(np.concatenate(rows, axis=0), args.out, quality=90)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
