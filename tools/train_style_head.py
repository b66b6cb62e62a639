"""Teach the default network's style path what ``new_style``'s balanced fit finds, for every painting at once.

``tfstyle.new_style``'s balanced fit (the larger of ``style / s0`` and ``content / c0`` lowered, softly) moves
a painting's style parameters so that *both* distances fall, and the fitted parameters carry over to photos
they were not fitted on (style -12%, content -3% on ``content/test`` photos for 7 of the
``checkpoints/fitted_styles`` paintings; ``tfstyle/weights/RECIPE.md``). This run learns that move for any
painting: it trains only the linear style path of ``--init`` -- the predictor's ``bottleneck`` (1280 pooled
MobileNetV2 features -> 100-number style vector) and the transfer net's ``style_params`` (vector -> 728
instance-norm scales and shifts) -- with the same balanced objective per (painting, photo) pair, where ``s0,
c0`` are ``--init``'s own losses on that pair (``tfstyle_mobile_v3``'s, kept in the checkpoint). The
convolutions of both networks stay frozen, so the phone files keep their shape and speed.

Pairs: paintings of ``style/train`` (every 25th is left out: the diverse validation paintings) at ``--size``
long side, against ``content/train`` photos cover-cropped to ``--size`` squares: the resolution outputs are
judged at. The MobileNetV2 trunk is frozen, so its pooled features are computed once per painting and cached
in the run folder.

Checkpoints (the two layers, Adam's state and the reference path, 2.4 MB) go to ``--run`` every ``--every``
steps; rerunning the same command resumes. ``--export FILE.keras`` writes ``--init`` with the trained style
path.

    python tools/train_style_head.py --steps 400                       # train (resumes)
    python tools/train_style_head.py --ship tfstyle_mobile_v4          # the shipped default, from the checkpoint
    python tools/train_style_head.py --export runs/head.keras          # the network at the last checkpoint
    python tools/train_style_head.py --validation-folder runs/val_styles  # the left-out paintings, linked
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# The balanced objective's softness is new_style's own.
from tfstyle.training.new_style import BALANCE_TAU

#: Every ``VALIDATION_EVERY``-th painting of ``style/train`` (sorted) is left out of training.
VALIDATION_EVERY = 25


def split_paintings(folder: pathlib.Path) -> tuple[list[pathlib.Path], list[pathlib.Path]]:
    """``(training, validation)`` paintings of ``folder``: every :data:`VALIDATION_EVERY`-th is validation."""
    from tfstyle.image.io import list_images

    files = list_images(folder)
    return ([f for i, f in enumerate(files) if i % VALIDATION_EVERY],
            [f for i, f in enumerate(files) if i % VALIDATION_EVERY == 0])


def pooled(net, files: list[pathlib.Path], cache: pathlib.Path) -> np.ndarray:
    """The frozen predictor trunk's pooled features of every painting, computed once and cached."""
    from tqdm.auto import tqdm

    from tfstyle.image.io import cover_crop, load_image

    if cache.exists():
        with np.load(cache) as stored:
            if list(stored["names"]) == [f.name for f in files]:
                return stored["features"]
    size = net.style_size
    features = np.stack([np.asarray(net.predictor.pooled_features(cover_crop(load_image(f), (size, size))[None]))[0]
                         for f in tqdm(files, desc="predictor features", mininterval=10)]).astype(np.float32)
    np.savez(cache, names=np.array([f.name for f in files]), features=features)
    return features


def per_sample(extractor, layers_style, layer_content, images, grams, content):
    """Per-sample squared relative style and content errors (``(B,)`` each), as the ``relative`` loss."""
    from keras import ops

    from tfstyle.perceptual.losses import gram_matrix

    feats = extractor(images)
    style = 0.0
    for name, target in zip(layers_style, grams):
        g = gram_matrix(feats[name])
        style = style + ops.sum(ops.square(g - target), axis=(1, 2)) / ops.sum(ops.square(target), axis=(1, 2))
    f, t = feats[layer_content], content
    content_error = ops.sum(ops.square(f - t), axis=(1, 2, 3)) / (ops.sum(ops.square(t), axis=(1, 2, 3)) + 1e-8)
    return style / len(layers_style), content_error


TITLE = ("tfstyle's phone-first arbitrary-style network with a balanced style path: tfstyle_mobile_v3 whose "
         "predictor bottleneck and style-parameter layer learned new_style's balanced fit (both distances lowered "
         "per painting) on style/train; convolutions unchanged")
CREDIT = ("Fine-tuned by tfstyle (tools/train_style_head.py) from tfstyle_mobile_v3, derived from magenta_v1: "
          "weights by the Magenta authors (Google), "
          "https://github.com/magenta/magenta/tree/main/magenta/models/arbitrary_image_stylization, "
          "Apache License 2.0.")


def _seconds(history: list[dict]) -> float:
    """Training seconds over every resumed run: each run's clock restarts, so sum each run's last reading."""
    total, last = 0.0, 0.0
    for record in history:
        if record["seconds"] < last:
            total += last
        last = record["seconds"]
    return total + last


def ship_preset(net, args: argparse.Namespace, step: int) -> int:
    """Write ``net`` as the preset ``args.ship`` with its registry entry (recipe, steps, seconds, machine)."""
    from magenta_student import ship

    from tfstyle.atomic import save_model
    from tfstyle.devtools.machine import info

    work = args.run / f"{args.ship}.keras"
    save_model(net, work)
    history = [json.loads(line) for line in (args.run / "history.jsonl").read_text().splitlines()]
    done = [h for h in history if h["step"] <= step]
    record = {"init": "tfstyle_mobile_v3 (its style path, the objective's reference, is kept in the checkpoint)",
              "trained": "predictor bottleneck + transfer style_params (linear style path)",
              "objective": f"balanced: tau x logsumexp([style/s0, content/c0] / tau), tau={BALANCE_TAU}",
              "size": args.size, "batch_size": args.batch, "learning_rate": args.lr, "steps_done": step,
              "validation": f"every {VALIDATION_EVERY}th painting of style/train left out",
              "train_seconds": round(_seconds(done)),
              "checkpoint": os.path.relpath(args.run.resolve(), ROOT),
              "machine": f"{info()['cpu']}, {info()['cores']} cores"}
    target = ship(work, ROOT / "tfstyle" / "weights", args.ship, title=TITLE, credit=CREDIT,
                  source="tools/train_style_head.py", record=record)
    print(f"wrote {target} after {step} steps; registry entry {args.ship}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Train (resuming) or export the style path; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=pathlib.Path, default=SHARED / "data")
    parser.add_argument("--init", default=None,
                        help="preset or .keras whose convolutions are used (default: the default arbitrary preset, "
                             "whose convolutions are tfstyle_mobile_v3's); a resumed run keeps the style path it "
                             "started from (tfstyle_mobile_v3's, in the checkpoint) as the objective's reference")
    parser.add_argument("--run", type=pathlib.Path, default=ROOT / "checkpoints" / "style_head.ckpt")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--every", type=int, default=25, help="checkpoint every this many steps")
    parser.add_argument("--minutes", type=float, default=None, help="stop at the first checkpoint after this long")
    parser.add_argument("--export", type=pathlib.Path, default=None, help="write the trained network here and stop")
    parser.add_argument("--ship", metavar="NAME", default=None,
                        help="write the trained network as the preset NAME (tfstyle/weights) with its entry and stop")
    parser.add_argument("--validation-folder", type=pathlib.Path, default=None,
                        help="link the validation paintings into this new folder (for the benchmarks) and stop")
    args = parser.parse_args(argv)
    os.environ.setdefault("TFSTYLE_VGG19_WEIGHTS", str(SHARED / "weights" / "vgg19_notop.h5"))
    if args.validation_folder is not None:
        args.validation_folder.mkdir(parents=True)
        for painting in split_paintings(args.data / "style" / "train")[1]:
            (args.validation_folder / painting.name).symlink_to(painting.resolve())
        return 0

    import keras
    import tensorflow as tf

    from tfstyle.atomic import atomic_path, save_model
    from tfstyle.image.io import cover_crop, list_images, load_image
    from tfstyle.perceptual.loss import LOSS_PRESETS, PerceptualLoss
    from tfstyle.perceptual.losses import gram_matrix
    from tfstyle.weights.presets import load_model

    net = load_model(args.init, kind="arbitrary")
    bottleneck, style_params = net.predictor.bottleneck, net.transfer.style_params
    start = [w.copy() for w in (*bottleneck.get_weights(), *style_params.get_weights())]
    variables = [bottleneck.kernel, bottleneck.bias, style_params.kernel, style_params.bias]
    optimizer = keras.optimizers.Adam(args.lr)
    optimizer.build(variables)
    args.run.mkdir(parents=True, exist_ok=True)
    state_file, step = args.run / "state.npz", 0
    if state_file.exists():
        with np.load(state_file) as state:
            step = int(state["step"])
            for i, v in enumerate(variables):
                v.assign(state[f"w{i}"])
            for i, v in enumerate(optimizer.variables):
                v.assign(state[f"o{i}"])
            # The objective's s0, c0 come from the style path the run started from, whatever --init is now.
            start = [state[f"r{i}"] for i in range(len(start))] if "r0" in state else start
        print(f"resumed {state_file} at step {step}", file=sys.stderr)
    if args.export is not None:
        save_model(net, args.export)
        print(f"wrote {args.export} (step {step})", file=sys.stderr)
        return 0
    if args.ship is not None:
        return ship_preset(net, args, step)

    training, _ = split_paintings(args.data / "style" / "train")
    features = pooled(net, training, args.run / "pooled.npz")
    photos = list_images(args.data / "content" / "train")
    preset = LOSS_PRESETS["relative"]
    loss = PerceptualLoss(preset["content_layers"], preset["style_layers"], relative=True)
    layers_style, layer_content = loss.style_layers, loss.content_layers[0]
    reference = [tf.constant(w) for w in start]
    low_high = net.predictor.output_range

    def params_of(feats, weights):
        vectors = tf.matmul(feats, weights[0]) + weights[1]
        if low_high is not None:
            vectors = tf.clip_by_value(vectors, *low_high)
        return tf.matmul(vectors, weights[2]) + weights[3]

    def stylize(images, params):
        return net.transfer.transform(images, net.transfer.unpack(params))

    @tf.function(reduce_retracing=True)
    def train_step(images, feats, grams, content):
        s0, c0 = per_sample(loss.extractor, layers_style, layer_content, stylize(images, params_of(feats, reference)),
                            grams, content)
        with tf.GradientTape() as tape:
            s, c = per_sample(loss.extractor, layers_style, layer_content, stylize(images, params_of(feats, variables)),
                              grams, content)
            ratios = tf.stack([s / s0, c / c0])
            objective = tf.reduce_mean(BALANCE_TAU * tf.reduce_logsumexp(ratios / BALANCE_TAU, axis=0))
        optimizer.apply_gradients(zip(tape.gradient(objective, variables), variables))
        return objective, tf.reduce_mean(s / s0), tf.reduce_mean(c / c0)

    history = args.run / "history.jsonl"
    began = time.perf_counter()
    while step < args.steps:
        rng = np.random.default_rng(step)  # a resumed run draws the same pairs
        chosen = rng.choice(len(training), args.batch, replace=False)
        images = np.stack([cover_crop(load_image(photos[i]), (args.size, args.size))
                           for i in rng.choice(len(photos), args.batch, replace=False)]).astype(np.float32)
        style_feats = [loss.features(load_image(training[i], max_size=args.size)[None].astype(np.float32))
                       for i in chosen]
        grams = [tf.concat([gram_matrix(f[name]) for f in style_feats], 0) for name in layers_style]
        content = loss.content_extractor(images)[layer_content]
        objective, style_ratio, content_ratio = train_step(tf.constant(images), tf.constant(features[chosen]),
                                                           grams, content)
        step += 1
        record = {"step": step, "objective": float(objective), "style_ratio": float(style_ratio),
                  "content_ratio": float(content_ratio), "seconds": round(time.perf_counter() - began, 1)}
        with open(history, "a") as log:
            log.write(json.dumps(record) + "\n")
        print(record, file=sys.stderr, flush=True)
        if step % args.every == 0 or step == args.steps:
            state = {"step": np.array(step), **{f"w{i}": np.asarray(v) for i, v in enumerate(variables)},
                     **{f"r{i}": w for i, w in enumerate(start)},
                     **{f"o{i}": np.asarray(v) for i, v in enumerate(optimizer.variables)}}
            with atomic_path(state_file) as part, open(part, "wb") as out:
                np.savez(out, **state)
            if args.minutes is not None and time.perf_counter() - began > 60 * args.minutes:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
