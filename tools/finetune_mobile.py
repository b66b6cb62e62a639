"""Fine-tune the phone-first student with the perceptual loss; ship it as a preset (``--name``).

``tfstyle_mobile_v1`` was distilled from ``magenta_v1`` with pixel and trunk-feature losses only
(no VGG19): its outputs keep more of the photo than Magenta's and less of the painting. This run
continues it with :func:`tfstyle.training.arbitrary.train_arbitrary` on ``content/train`` x
``style/train`` with the ``"relative"`` perceptual loss (the squared relative errors that
:mod:`tfstyle.perceptual.metrics` reports as style and content distances), Magenta's predictor frozen, at
256 px crops (lower resolutions did not carry over to the 384 px comparisons:
``benchmarks/results/arbitrary_validation.md``).

Checkpoints go to ``--run`` (``checkpoints/mobile_v2.ckpt/`` by default: small and committed, so a
later session on another machine continues the same run: repeat the command; the seconds spent
add up in ``checkpoints/mobile_v2.seconds``). When the run
reaches ``--steps`` the network (with ``--mix``, its weight average with ``--init``) is copied to
``tfstyle/weights/<--name>.keras`` (default ``tfstyle_mobile_v2``) with its registry entry (recipe,
steps, seconds, machine, credit and licence: derived from Magenta's weights).
Which preset is the default is decided by measurement (``benchmarks/arbitrary_vs_magenta.py``), not here.

    python tools/finetune_mobile.py --data ../shared/data                 # stage 1 (tfstyle_mobile_v2)
    python tools/finetune_mobile.py --data ../shared/data --steps 800     # stop (or resume) at 800 steps
    # stage 2, the shipped default tfstyle_mobile_v3 (tfstyle/weights/RECIPE.md: chosen on validation pairs)
    python tools/finetune_mobile.py --data ../shared/data --run checkpoints/mobile_v3.ckpt --init tfstyle_mobile_v2 \\
        --content-weight 0.15 --steps 800 --mix 0.4 --name tfstyle_mobile_v3
"""
from __future__ import annotations

import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from magenta_student import ROOT, parser, ship  # noqa: E402

from tfstyle.training.recipes import ArbitraryRecipe  # noqa: E402

NAME = "tfstyle_mobile_v2"
START = "tfstyle_mobile_v1"
#: The student's shape (width 0.25, 5 residual blocks, Magenta's 100-number vector); content weight
#: 0.1 at Adam 2e-4. Validation (6 content/test photos x 4 style/named paintings at 384 px; Magenta
#: f16: style 0.445, content 1.384) chose it: at 0.5 the first 20 steps only won back content; at 0.2
#: and 1e-4, 200 steps moved the squared style loss only from 0.237 to 0.234; at 0.1 the style
#: distance went 0.503 (tfstyle_mobile_v1) -> 0.455 (100 steps) -> 0.446 (400) with the content
#: distance 1.264 -> 1.297 -> 1.288; continuing at 0.05 bought 0.006 of style for 0.066 of content
#: and lost SSIM (0.337 -> 0.308), so the weight stays 0.1.
RECIPE = ArbitraryRecipe(width=0.25, residual_blocks=5, style_dim=100, image_size=256, style_size=256, batch_size=4,
                         steps=700, checkpoint_every=100, learning_rate=2e-4, loss="relative", content_weight=0.1,
                         style_weight=1.0, identity_pairs=0)
TITLE = ("tfstyle's phone-first arbitrary-style network, perceptually fine-tuned: tfstyle_mobile_v1 (Magenta's "
         "MobileNetV2 predictor, a space-to-depth / pixel-shuffle transfer net) trained further on VGG19 style and "
         "content distances")
CREDIT = ("Fine-tuned by tfstyle (tools/finetune_mobile.py) from tfstyle_mobile_v1, itself distilled from magenta_v1: "
          "weights by the Magenta authors (Google), "
          "https://github.com/magenta/magenta/tree/main/magenta/models/arbitrary_image_stylization, Apache License 2.0.")


def average_with_init(work: pathlib.Path, init: str, mix: float) -> None:
    """Replace the network in ``work`` by ``(1 - mix) * init + mix * work``, weight by weight.

    The fine-tune starts from ``init``, so both lie in one basin and the average sits between
    them on the style/content trade-off (often beyond both: it chose ``tfstyle_mobile_v3``).
    """
    from tfstyle.atomic import save_model
    from tfstyle.weights.presets import load_model

    net, start = load_model(work), load_model(init)
    net.set_weights([(1 - mix) * a + mix * b for a, b in zip(start.get_weights(), net.get_weights())])
    save_model(net, work)


def main(argv: list[str] | None = None) -> int:
    flags = parser(__doc__, "mobile_v2.ckpt")
    flags.add_argument("--content", type=pathlib.Path, default=None, help="photos (default: DATA/content/train)")
    flags.add_argument("--styles", type=pathlib.Path, default=None, help="paintings (default: DATA/style/train)")
    flags.add_argument("--name", default=NAME, help="the preset to write (default: %(default)s)")
    flags.add_argument("--machine", default=None,
                       help="where the steps ran, for the entry (default: this machine; e.g. a lent GPU)")
    flags.add_argument("--init", default=START, help="preset or .keras to continue (default: %(default)s)")
    flags.add_argument("--content-weight", type=float, default=None, help="default: the recipe's")
    flags.add_argument("--batch-size", type=int, default=None, help="default: the recipe's")
    flags.add_argument("--checkpoint-every", type=int, default=None, help="default: the recipe's")
    flags.add_argument("--minutes", type=float, default=None,
                       help="stop at the first checkpoint after this much training (a lent machine's budget)")
    flags.add_argument("--mix", type=float, default=None,
                       help="ship (1 - MIX) x init + MIX x the trained weights (a weight average; default: the trained)")
    flags.add_argument("--no-ship", action="store_true",
                       help="train only: leave the network next to --run, do not write the preset")
    args = flags.parse_args(argv)
    if args.mix is not None and not 0 <= args.mix <= 1:
        flags.error(f"--mix must be in [0, 1], got {args.mix:g}")

    from tfstyle.devtools.machine import info
    from tfstyle.training.arbitrary import train_arbitrary
    from tfstyle.training.callbacks import StopAfter, read_state
    from tfstyle.training.run import last_losses, timed_run

    overrides = {"steps": args.steps, "content_weight": args.content_weight, "batch_size": args.batch_size,
                 "checkpoint_every": args.checkpoint_every}
    recipe = RECIPE.build(RECIPE, **{k: v for k, v in overrides.items() if v is not None})
    callbacks = [] if args.minutes is None else [StopAfter(60 * args.minutes)]
    args.run.mkdir(parents=True, exist_ok=True)
    work = args.run.parent / f"{args.name}.keras"  # train_arbitrary writes here; the preset is a copy
    contents = args.content or args.data / "content" / "train"
    styles = args.styles or args.data / "style" / "train"
    seconds = timed_run(lambda: train_arbitrary(contents, styles, work,
                                                recipe=recipe, init=args.init, checkpoint_dir=args.run, verbose=2,
                                                callbacks=callbacks),
                        args.run, args.run.with_suffix(".seconds"))
    steps_done = read_state(args.run)["epoch"] * recipe.checkpoint_every
    if args.no_ship:
        print(f"{steps_done} steps in {args.run}; network in {work} (not shipped)", file=sys.stderr)
        return 0
    if args.mix is not None:
        average_with_init(work, args.init, args.mix)
    record = {**recipe.to_dict(), "steps_done": steps_done, "init": str(args.init), "train_seconds": round(seconds),
              **({} if args.mix is None else {"weights": f"{1 - args.mix:g} x init + {args.mix:g} x trained"}),
              "checkpoint": os.path.relpath(args.run.resolve(), ROOT),
              "last_losses": {k: round(v, 4) for k, v in last_losses(args.run).items()},
              "machine": args.machine or f"{info()['cpu']}, {info()['cores']} cores"}
    target = ship(work, args.out, args.name, title=TITLE, credit=CREDIT,
                  source="tools/finetune_mobile.py (tfstyle.training.arbitrary)", record=record)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB) after {steps_done} steps; registry entry "
          f"{args.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
