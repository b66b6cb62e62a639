"""Distil the phone-first student from ``magenta_v1`` and ship it as the ``tfstyle_mobile_v1`` preset.

Runs (or resumes) :func:`tfstyle.training.student.distill_student` on ``content/train`` x
``style/train`` with checkpoints in ``--run`` (``checkpoints/student_v1.ckpt/`` in the repository by
default: small, committed, so a later session on another machine continues the same run), then
copies the network to ``tfstyle/weights/tfstyle_mobile_v1.keras`` and writes its registry entry
(credit and licence: it is derived from Magenta's weights). The phone network is the default arbitrary
preset (``tfstyle_mobile_v3``, fine-tuned from this one by ``tools/finetune_mobile.py``).
Quality is measured and written into the entry by ``benchmarks/arbitrary_vs_magenta.py`` runs
quoted in ``RECIPE.md``.

    python tools/train_student.py --data ../shared/data                    # the shipped recipe
    python tools/train_student.py --data ../shared/data --steps 3000       # stop (or resume) at 3000 steps
"""
from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from magenta_student import parser, ship  # noqa: E402

NAME = "tfstyle_mobile_v1"
TITLE = ("tfstyle's phone-first arbitrary-style network: Magenta's MobileNetV2 predictor, a transfer net with "
         "space-to-depth input and pixel-shuffle output (no full-resolution convolution), distilled from magenta_v1")
CREDIT = ("Distilled by tfstyle (tools/train_student.py) from magenta_v1, whose predictor it keeps and whose residual "
          "blocks it started from: weights by the Magenta authors (Google), "
          "https://github.com/magenta/magenta/tree/main/magenta/models/arbitrary_image_stylization, Apache License 2.0.")


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__, "student_v1.ckpt").parse_args(argv)

    from tfstyle.devtools.machine import info
    from tfstyle.training.recipes import StudentRecipe
    from tfstyle.training.run import last_losses
    from tfstyle.training.student import distill_student

    recipe = StudentRecipe(**({"steps": args.steps} if args.steps else {}))
    args.run.mkdir(parents=True, exist_ok=True)
    work = args.run.parent / f"{NAME}.keras"  # distill_student writes here; the preset is a copy
    distill_student(args.data / "content" / "train", args.data / "style" / "train", work, recipe=recipe,
                    checkpoint_dir=args.run)
    state = json.loads((args.run / "state.json").read_text())
    timing = [line.split(",") for line in (args.run / "timing.csv").read_text().splitlines() if line]
    steps_done = state["epoch"] * recipe.checkpoint_every
    target = ship(work, args.out, NAME, title=TITLE, credit=CREDIT,
                  source="tools/train_student.py (tfstyle.training.student.distill_student)",
                  record={**recipe.to_dict(), "steps_done": steps_done, "teacher": "magenta_v1",
                          "train_seconds": round(sum(float(t[1]) for t in timing)),
                          "checkpoint": "checkpoints/student_v1.ckpt",
                          "last_losses": {k: round(v, 4) for k, v in last_losses(args.run).items()},
                          "machine": f"{info()['cpu']}, {info()['cores']} cores"})

    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB) after {steps_done} steps; "
          f"registry entry {NAME}, defaults.phone", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
