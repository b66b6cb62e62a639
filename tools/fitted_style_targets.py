"""Teacher targets for the default network's predictor: each painting's style parameters after a balanced fit.

Issue #31 item 1 asks for a default arbitrary network that beats Magenta's on both distances with margin.
:func:`tfstyle.new_style` shows the network's convolutions can already do it for one painting: fitting only
its 728 style parameters lowered both distances on all 10 benchmark paintings (style -8.9%, content -4%
on average, holdout photos). This tool makes that the predictor's training target: for each painting it
runs the same balanced fit (``new_style(..., output=None)``) on 4 photos drawn from ``--photos`` (seeded by
the painting's name, so a rerun draws the same ones) and stores the predicted and the fitted parameters.
A predictor fine-tuned to output the fitted parameters (the transfer net unchanged) is then a candidate
default network, validated like the others (``benchmarks/arbitrary_validation.py``).

One ``.npz`` per painting in ``--out`` (``predicted``, ``fitted``, ``balance``, ``photos``): a rerun skips
paintings already done, so the job resumes after a stop; ``--shard I/N`` splits the paintings between
processes. A painting takes ~100 s on an unloaded 2-core CPU (16 steps of two 384 px photos).

    nice python tools/fitted_style_targets.py --paintings ../shared/data/style/train \\
        --photos ../shared/data/content/train --out checkpoints/fitted_styles --limit 200
"""
from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def main(argv: list[str] | None = None) -> int:
    """Fit each painting's style parameters (balanced) and store them with the predicted ones."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paintings", type=pathlib.Path, default=SHARED / "data" / "style" / "train")
    parser.add_argument("--photos", type=pathlib.Path, default=SHARED / "data" / "content" / "train")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "checkpoints" / "fitted_styles")
    parser.add_argument("--limit", type=int, default=None,
                        help="N paintings spread evenly over the sorted list (names start with their genre)")
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--shard", default="0/1", metavar="I/N")
    args = parser.parse_args(argv)

    from tfstyle.atomic import atomic_path
    from tfstyle.image.io import list_images, load_image
    from tfstyle.methods.folders import check_shard, in_shard
    from tfstyle.training.new_style import new_style
    from tfstyle.weights.presets import load_model

    shard = check_shard(tuple(int(x) for x in args.shard.split("/")))
    paintings = list_images(args.paintings)
    if args.limit is not None and args.limit < len(paintings):
        paintings = [paintings[i] for i in np.unique(np.linspace(0, len(paintings) - 1, args.limit).round().astype(int))]
    photos = list_images(args.photos)
    args.out.mkdir(parents=True, exist_ok=True)
    net = load_model(None, kind="arbitrary")
    todo = [p for p in paintings if in_shard(p.name, shard) and not (args.out / f"{p.stem}.npz").is_file()]
    # A seeded shuffle: a run stopped early still covers the genres (names sort by genre).
    todo = [todo[i] for i in np.random.default_rng(0).permutation(len(todo))]
    print(f"{len(todo)} paintings to fit ({len(paintings)} listed)", flush=True)
    for index, painting in enumerate(todo):
        seed = int.from_bytes(hashlib.sha256(painting.name.encode()).digest()[:8], "little")
        chosen = [photos[i] for i in np.random.default_rng(seed).choice(len(photos), 4, replace=False)]
        start = time.perf_counter()
        made = new_style(painting, None, photos=chosen, steps=args.steps, seconds=None, model=net)
        predicted = np.asarray(net.style_parameters(load_image(painting)), np.float32)
        with atomic_path(args.out / f"{painting.stem}.npz") as tmp, open(tmp, "wb") as handle:
            np.savez(handle, predicted=predicted.reshape(-1), fitted=np.asarray(made.parameters, np.float32),
                     balance=np.asarray(made.balance, np.float32), photos=np.array([p.name for p in chosen]))
        print(f"{index + 1}/{len(todo)} {painting.name}: best ratio {min(made.balance):.3f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
