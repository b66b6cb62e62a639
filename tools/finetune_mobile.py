"""Fine-tune the phone-first student with the perceptual loss; ship it as the ``tfstyle_mobile_v2`` preset.

``tfstyle_mobile_v1`` was distilled from ``magenta_v1`` with pixel and trunk-feature losses only
(no VGG19): its outputs keep more of the photo than Magenta's and less of the painting. This run
continues it with :func:`tfstyle.training.arbitrary.train_arbitrary` on ``content/train`` x
``style/train`` with the ``"relative"`` perceptual loss (the squared relative errors that
:mod:`tfstyle.metrics` reports as style and content distances), Magenta's predictor frozen, at
256 px crops (lower resolutions did not carry over to the 384 px comparisons:
``benchmarks/results/arbitrary_validation.md``).

Two stages (:data:`STAGES`), each checkpointed in ``--run`` (``training/mobile_v2/a.ckpt/`` and
``b.ckpt/`` by default: small and committed, so a later session on another machine continues the
same run: repeat the command; a finished stage only reloads and saves its network). When the run
reaches ``--steps`` the network is copied to ``tfstyle/weights/tfstyle_mobile_v2.keras`` with its
registry entry (recipe, steps, seconds, machine, credit and licence: derived from Magenta's weights).
Which preset is the default is decided by measurement (``benchmarks/arbitrary_vs_magenta.py``), not here.

    python tools/finetune_mobile.py --data ../shared/data                 # the shipped recipe
    python tools/finetune_mobile.py --data ../shared/data --steps 800     # stage b: stop (or resume) at 800 steps
"""
from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tfstyle.registry import WEIGHTS_DIR, write_entry  # noqa: E402
from tfstyle.training.recipes import ArbitraryRecipe  # noqa: E402

NAME = "tfstyle_mobile_v2"
START = "tfstyle_mobile_v1"
ROOT = pathlib.Path(__file__).resolve().parents[1]
#: Stage a: the student's shape (width 0.25, 5 residual blocks, Magenta's 100-number vector), content
#: weight 0.1 at Adam 2e-4. (At 0.5 the first 20 steps only won back content, relative content loss
#: 0.91 -> 0.70, with the style loss flat; at 0.2 and 1e-4, 200 steps moved the squared style loss
#: only from 0.237 to 0.234: the student is already the less stylized of the two.) After 400 steps
#: the validation style distance had come from 0.503 to 0.446 (Magenta f16: 0.445) with the content
#: distance at 1.288 (Magenta: 1.384): content to spare, so stage b halves its weight.
STAGE_A = ArbitraryRecipe(width=0.25, residual_blocks=5, style_dim=100, image_size=256, style_size=256, batch_size=4,
                          steps=400, checkpoint_every=100, learning_rate=2e-4, loss="relative", content_weight=0.1,
                          style_weight=1.0, identity_pairs=0)
#: Stage b: continues stage a's network with content weight 0.05.
STAGE_B = ArbitraryRecipe.build(STAGE_A, steps=600, content_weight=0.05)
#: ``(name, recipe, init)``: each stage starts from the network the one before it saved.
STAGES = (("a", STAGE_A, START), ("b", STAGE_B, "a"))
TITLE = ("tfstyle's phone-first arbitrary-style network, perceptually fine-tuned: tfstyle_mobile_v1 (Magenta's "
         "MobileNetV2 predictor, a space-to-depth / pixel-shuffle transfer net) trained further on VGG19 style and "
         "content distances")
CREDIT = ("Fine-tuned by tfstyle (tools/finetune_mobile.py) from tfstyle_mobile_v1, itself distilled from magenta_v1: "
          "weights by the Magenta authors (Google), "
          "https://github.com/magenta/magenta/tree/main/magenta/models/arbitrary_image_stylization, Apache License 2.0.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=pathlib.Path, default=pathlib.Path("../shared/data"))
    parser.add_argument("--run", type=pathlib.Path, default=ROOT / "training" / "mobile_v2",
                        help="folder of the stages' checkpoints (resumed when they exist)")
    parser.add_argument("--steps", type=int, default=None, help="total steps of the last stage (default: its recipe's)")
    parser.add_argument("--out", type=pathlib.Path, default=WEIGHTS_DIR)
    parser.add_argument("--no-ship", action="store_true",
                        help="train only: leave the network next to --run, do not write the preset")
    args = parser.parse_args(argv)

    from tfstyle.machine import info
    from tfstyle.training.arbitrary import train_arbitrary
    from tfstyle.training.callbacks import read_state
    from tfstyle.training.run import last_losses, timed_run

    args.run.mkdir(parents=True, exist_ok=True)
    recipes, done, seconds = {}, {}, 0.0
    for index, (stage, recipe, init) in enumerate(STAGES):
        if args.steps is not None and index == len(STAGES) - 1:
            recipe = ArbitraryRecipe.build(recipe, steps=args.steps)
        checkpoint = args.run / f"{stage}.ckpt"
        init = args.run / f"{init}.keras" if init in recipes else init
        seconds += timed_run(lambda: train_arbitrary(args.data / "content" / "train", args.data / "style" / "train",
                                                     args.run / f"{stage}.keras", recipe=recipe, init=init,
                                                     checkpoint_dir=checkpoint, verbose=2),
                             checkpoint, args.run / f"{stage}.seconds")
        recipes[stage], done[stage] = recipe, read_state(checkpoint)["epoch"] * recipe.checkpoint_every
    work = args.run / f"{STAGES[-1][0]}.keras"
    if args.no_ship:
        print(f"stages {done} steps in {args.run}; network in {work} (not shipped)", file=sys.stderr)
        return 0
    target = args.out / f"{NAME}.keras"
    shutil.copyfile(work, target)
    last = args.run / f"{STAGES[-1][0]}.ckpt"
    entry = {
        "kind": "arbitrary", "class": "ArbitraryStyleNet", "predictor_class": "MobileNetStylePredictor",
        "transfer_class": "StyleTransferNet", "file": target.name, "bytes": target.stat().st_size, "style_size": 256,
        "title": TITLE, "credit": CREDIT, "licence": "Apache-2.0 (derived from Magenta's weights, MAGENTA_LICENSE.md)",
        "licence_file": "MAGENTA_LICENSE.md", "source": "tools/finetune_mobile.py (tfstyle.training.arbitrary)",
        "recipe": {"init": START, "stages": {stage: {**recipes[stage].to_dict(), "steps_done": done[stage]}
                                             for stage in recipes},
                   "train_seconds": round(seconds), "checkpoints": f"training/{args.run.name}/{{a,b}}.ckpt",
                   "last_losses": {k: round(v, 4) for k, v in last_losses(last).items()},
                   "machine": f"{info()['cpu']}, {info()['cores']} cores"},
    }
    write_entry(args.out, NAME, entry)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB) after {done} steps; registry entry {NAME}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
