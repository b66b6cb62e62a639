"""Train an AdaIN decoder; with ``--ship``, make it the package's ``adain.keras``.

``train_adain`` (Huang & Belongie's recipe, :mod:`tfstyle.training.adain`) on ``content/train`` x
``style/train``, checkpointed under ``--work`` and resumed exactly when the command is repeated
(stop it any time, run it again with the same ``--steps``, or with more to train further).
The file holds only the decoder; the VGG19 encoder comes from the standard ImageNet weights
(``weights="imagenet"`` or ``TFSTYLE_VGG19_WEIGHTS``). The record (recipe, seconds, last
losses) is written beside it as ``adain.json``; ``--ship`` copies both into the package's weights folder,
where ``method="adain"`` finds them. Ship a decoder only when it gives the photo back at
strength 0 (``tests/test_presets.py`` then checks it like every preset): a CPU budget of a few thousand
steps does not (see ``benchmarks/results/arbitrary_vs_magenta.md``); the paper trains 160k.

    python tools/train_adain.py --data ../shared/data --steps 4000 [--ship]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tfstyle.atomic import write_text  # noqa: E402
from tfstyle.training.recipes import AdainRecipe  # noqa: E402
from tfstyle.training.run import last_losses, timed_run  # noqa: E402
from tfstyle.weights.registry import WEIGHTS_DIR as PRETRAINED  # noqa: E402  (the installed package's weights folder)
from tfstyle.weights.registry import write_entry  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: CPU budget: 128 px crops of images resized to a short side of 256, batches of 4, and a
#: learning rate 5x the paper's (1e-4 is tuned for 160k steps; this run has a few thousand).
TRAIN = AdainRecipe(decoder_width=0.5, image_size=128, batch_size=4, learning_rate=5e-4, checkpoint_every=250)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=pathlib.Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=pathlib.Path, default=ROOT / "runs" / "adain")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--ship", action="store_true", help="copy the decoder and its record into the package")
    args = parser.parse_args(argv)
    from tfstyle.training.adain import train_adain

    args.work.mkdir(parents=True, exist_ok=True)
    out, recipe = args.work / "adain.keras", dataclasses.replace(TRAIN, steps=args.steps)
    seconds = timed_run(lambda: train_adain(args.data / "content" / "train", args.data / "style" / "train", out,
                                            recipe=recipe, verbose=2),
                        out.with_suffix(".ckpt"), args.work / "adain.seconds")
    record = {"file": "adain.keras",
              "train": {**recipe.to_dict(), "seconds": round(seconds), "last_losses": last_losses(out.with_suffix(".ckpt"))},
              "data": "content/train (1549 photos) x style/train (1770 paintings and textures) of ../shared/data"}
    write_text(args.work / "adain.json", json.dumps(record, indent=2) + "\n")
    if args.ship:
        shutil.copyfile(out, PRETRAINED / "adain.keras")
        write_entry(PRETRAINED, "adain_v1", {
            "kind": "arbitrary", "class": "AdaINNet", "file": "adain.keras", "recipe": record,
            "title": "AdaIN decoder trained by tfstyle (Huang & Belongie 2017); VGG19 encoder from ImageNet weights",
            "licence": "Apache-2.0 (weights trained by tfstyle)", "source": "tools/train_adain.py"})
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
