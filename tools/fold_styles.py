"""Make the shipped fast styles by folding each painting into the phone-first student (``tfstyle_mobile_v1``).

A conditional-instance-norm network with a fixed style is a Johnson network whose instance norms
carry that style's scale and shift (:func:`tfstyle.models.ghiasi.fold_style`). For each shipped
painting this script

1. takes the painting's style parameters from the network's predictor (Magenta's, the painting
   cover-cropped to 256x256, as Magenta does);
2. optionally fine-tunes only those parameters (a scale and a shift per instance-norm channel;
   the convolutions stay the network's) with :func:`tfstyle.fit_style` on a few training photos;
3. folds them into a :class:`~tfstyle.models.JohnsonNet` (the student's options: width 0.25,
   ``shuffle=2``; ``--source magenta_v1`` gives Magenta's full-resolution network) and
   writes ``tfstyle/weights/<name>.keras`` and its registry entry (``presets.json``).

Quality is measured and written into the entries by ``benchmarks/fast_styles_vs_magenta.py``.
The from-scratch recipe (``tools/train_pretrained.py``) still works; it is no longer what ships.

    python tools/fold_styles.py --data ../shared/data                       # all six, the shipped recipe
    python tools/fold_styles.py --data ../shared/data --steps 0             # predicted style only
    python tools/fold_styles.py --data ../shared/data --styles wave --out /tmp/try
    python tools/fold_styles.py --data ../shared/data --source magenta_v1   # from Magenta's network (before 0.2)
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tfstyle.weights.registry import WEIGHTS_DIR, preset_entry, read_entry, write_entry  # noqa: E402

#: preset name -> the painting's file in ``data/style/named``.
PAINTINGS = {"wave": "wave.jpg", "starry_night": "starry_night.jpg", "the_scream": "the_scream.jpg",
             "udnie": "udnie.jpg", "shipwreck": "shipwreck.jpg", "woman_with_hat": "woman_with_hat_matisse.jpg"}
SOURCE = "{source} with the painting's style folded into its instance norms (tools/fold_styles.py)"
LICENCE = ("Apache-2.0 (derived from Magenta's weights, MAGENTA_LICENSE.md; the painting is in the public "
           "domain)")
#: Entry keys of the from-scratch networks that no longer describe the shipped files.
STALE_KEYS = ("train_seconds", "val_losses")
#: The shipped recipe per style: (fit steps, content weight, side of the fitting photos), 20 steps on 2
#: photos, folded from the phone-first student ``tfstyle_mobile_v1``. Chosen on
#: benchmarks/fast_styles_vs_magenta.py (holdout at 384 px, targets: both distances at or below Magenta
#: f16's): content weight 0.25 for wave and starry_night, 1.0 for the_scream (0.25 cost it content),
#: 0.5 for shipwreck (1.0 left its style distance 1.4% above Magenta's); udnie meets both unfitted;
#: woman_with_hat is fitted at 384 px (fitted at 256 px its style distance at 384 px rose).
#: Folded from the default network tfstyle_mobile_v3 with this recipe, four of six stay ahead of Magenta on both
#: distances (udnie misses style by 0.8%, shipwreck content by 1.2%: benchmarks/results/fast_styles_from_v3.md),
#: so the shipped styles stay folded from tfstyle_mobile_v1.
FIT = {"wave": (20, 0.25, 256), "starry_night": (20, 0.25, 256), "the_scream": (20, 1.0, 256),
       "shipwreck": (20, 0.5, 256), "udnie": (0, 0.25, 256), "woman_with_hat": (20, 0.25, 384)}


def training_photos(data: pathlib.Path, count: int) -> list[pathlib.Path]:
    """``count`` photos of ``content/train`` spread evenly over the sorted folder (never the holdout)."""
    photos = sorted(p for p in (data / "content" / "train").iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    step = max(1, len(photos) // max(1, count))
    return photos[::step][:count]


def drop_stale_keys(folder: pathlib.Path, name: str) -> None:
    """Remove the from-scratch entry's training numbers (``write_entry`` merges, it never deletes)."""
    from tfstyle.atomic import write_text

    path = folder / "presets.json"
    if not path.is_file():
        return
    table = json.loads(path.read_text())
    entry = table.get("presets", {}).get(name)
    if entry and any(key in entry for key in STALE_KEYS):
        for key in STALE_KEYS:
            entry.pop(key, None)
        write_text(path, json.dumps(table, indent=2) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=pathlib.Path, default=pathlib.Path("../shared/data"))
    parser.add_argument("--styles", default=",".join(PAINTINGS), help="comma-separated preset names")
    parser.add_argument("--steps", type=int, default=None,
                        help="fit_style steps for every style (0: the predicted style only; default: FIT's)")
    parser.add_argument("--photos", type=int, default=2, help="training photos the style is fitted on")
    parser.add_argument("--size", type=int, default=None, help="side of the (square) fitting photos (default: FIT's)")
    parser.add_argument("--content-weight", type=float, default=None, help="for every style (default: FIT's)")
    parser.add_argument("--learning-rate", type=float, default=0.03)
    parser.add_argument("--source", default="tfstyle_mobile_v1",
                        help="the arbitrary-style preset to fold from (magenta_v1, or the phone-first tfstyle_mobile_v1)")
    parser.add_argument("--out", type=pathlib.Path, default=WEIGHTS_DIR,
                        help="folder of the .keras files and presets.json (default: the package's weights)")
    args = parser.parse_args(argv)

    import tfstyle
    from tfstyle.atomic import save_model
    from tfstyle.devtools.machine import describe
    from tfstyle.training.new_style import fold_painting

    names = [n.strip() for n in args.styles.split(",") if n.strip()]
    unknown = sorted(set(names) - set(PAINTINGS))
    if unknown:
        parser.error(f"unknown styles {unknown}; choose from {', '.join(PAINTINGS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    photos = training_photos(args.data, args.photos)
    net = tfstyle.load_model(args.source, kind="arbitrary")
    machine = describe()
    for name in names:
        painting = args.data / "style" / "named" / PAINTINGS[name]
        steps, content_weight, size = FIT[name]
        size = size if args.size is None else args.size
        steps = steps if args.steps is None else args.steps
        content_weight = content_weight if args.content_weight is None else args.content_weight
        start = time.perf_counter()
        folded, fitted = fold_painting(painting, [str(p) for p in photos], model=net, steps=steps, size=size,
                                       content_weight=content_weight, learning_rate=args.learning_rate, name=name)
        seconds = time.perf_counter() - start
        save_model(folded, args.out / f"{name}.keras")
        old = read_entry(args.out, name) or preset_entry(name)
        recipe = {"from": args.source, "tool": "tools/fold_styles.py",
                  "style_vector": f"{args.source}'s predictor on the painting cover-cropped to 256x256",
                  "fit_steps": steps, "seconds": round(seconds, 1), "machine": machine}
        if steps:
            recipe.update(fit="tfstyle.fit_style on the instance-norm scales and shifts only (convolutions frozen)",
                          photos=[f"content/train/{p.name}" for p in photos], photo_size=size,
                          content_weight=content_weight, learning_rate=args.learning_rate,
                          style_loss_first_last=[round(fitted.style_losses[0], 4), round(fitted.style_losses[-1], 4)])
        drop_stale_keys(args.out, name)
        write_entry(args.out, name, {
            "kind": "fast", "class": "JohnsonNet", "file": f"{name}.keras",
            "title": old.get("title", name), "artist": old.get("artist"), "painting": old.get("painting"),
            "style_image": PAINTINGS[name], "licence": LICENCE, "source": SOURCE.format(source=args.source),
            "recipe": recipe})
        losses = f", style loss {fitted.style_losses[0]:.3f} -> {fitted.style_losses[-1]:.3f}" if steps else ""
        print(f"{name}: {seconds:.0f} s{losses} -> {args.out / (name + '.keras')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
