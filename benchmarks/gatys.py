"""How fast does tfstyle's optimization-based stylization reach a good result?

Runs, on one machine, image and loss:
  (a) the reference loop of the TensorFlow neural-style-transfer tutorial: Adam (lr 0.02,
      beta1 0.99, eps 0.1) on pixels in [0, 1], content ``block5_conv2``, style
      ``block1_conv1``..``block5_conv1``, style weight 1e-2, content weight 1e4, 200 steps;
  (b) ``tfstyle.stylize_optimize`` with its default optimizer settings, on the same loss,

and prints the wall time each needs to reach the reference's final total loss, the ratio, and
the quality of each output (:meth:`tfstyle.perceptual.metrics.Scorer.report`, one VGG19 pass): style and
content distances (lower is better), SSIM to the photo (higher keeps more), CFSD to the photo (StyleID's
content feature structure distance, KL divergence of VGG19 relu3_1 patch-similarity maps; 0 = the photo's
structure kept, lower is better) and the colour-histogram distance to the painting (Hellinger distance of
HistoGAN's RGB-uv histograms; 0 = the painting's colours, lower is better).

    python benchmarks/gatys.py --vgg-weights ../shared/weights/vgg19_notop.h5
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfstyle  # noqa: E402
from tfstyle.devtools.machine import describe  # noqa: E402
from tfstyle.image.io import load_image, resize_image  # noqa: E402
from tfstyle.perceptual.metrics import Scorer  # noqa: E402
from tfstyle.perceptual.vgg import STYLE_LAYERS as DEFAULT_STYLE_LAYERS  # noqa: E402
from tfstyle.perceptual.vgg import vgg19_features  # noqa: E402

CONTENT_LAYER = "block5_conv2"
STYLE_WEIGHT, CONTENT_WEIGHT = 1e-2, 1e4


def reference(content: np.ndarray, style: np.ndarray, weights: str, steps: int):
    """The tutorial's loop, kept close to its code; returns (seconds, [(time, loss)], loss_fn, image in [0, 255])."""
    extractor = vgg19_features(list(DEFAULT_STYLE_LAYERS) + [CONTENT_LAYER], weights=weights)

    def gram(x):
        result = tf.linalg.einsum("bijc,bijd->bcd", x, x)
        return result / tf.cast(tf.shape(x)[1] * tf.shape(x)[2], tf.float32)

    def outputs(image01):
        feats = extractor(image01 * 255.0)
        return [gram(feats[n]) for n in DEFAULT_STYLE_LAYERS], feats[CONTENT_LAYER]

    style_targets, _ = outputs(tf.constant(style[None] / 255.0, tf.float32))
    _, content_target = outputs(tf.constant(content[None] / 255.0, tf.float32))

    def loss_fn(image01):
        grams, content_feat = outputs(image01)
        style_loss = tf.add_n([tf.reduce_mean((g - t) ** 2) for g, t in zip(grams, style_targets)])
        style_loss *= STYLE_WEIGHT / len(DEFAULT_STYLE_LAYERS)
        return style_loss + CONTENT_WEIGHT * tf.reduce_mean((content_feat - content_target) ** 2)

    image = tf.Variable(content[None] / 255.0, dtype=tf.float32)
    opt = tf.keras.optimizers.Adam(learning_rate=0.02, beta_1=0.99, epsilon=1e-1)

    @tf.function()
    def train_step(image):
        with tf.GradientTape() as tape:
            loss = loss_fn(image)
        grad = tape.gradient(loss, image)
        opt.apply_gradients([(grad, image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return loss

    trace = []
    start = time.perf_counter()
    for _ in range(steps):
        loss = float(train_step(image))
        trace.append((time.perf_counter() - start, loss))
    final = float(loss_fn(image))
    seconds = time.perf_counter() - start
    trace.append((seconds, final))
    return seconds, trace, loss_fn, image.numpy()[0] * 255.0


def tfstyle_default(content, style, weights, target: float, steps: int | None, scales: int | None, optimizer):
    """Runs tfstyle's defaults on the reference's loss until it reaches ``target``."""
    reached = {}
    start = time.perf_counter()

    def callback(scale, step, image, terms):
        now = time.perf_counter() - start
        if image.shape == content.shape and terms["total"] <= target and "time" not in reached:
            reached.update(time=now, step=step, loss=terms["total"])
            return True
        return False

    overrides = {"scales": scales, "optimizer": optimizer, "steps": steps}
    kwargs = {name: value for name, value in overrides.items() if value is not None}
    out = tfstyle.stylize_optimize(
        content, style, size=None, content_layers=[CONTENT_LAYER], content_weight=CONTENT_WEIGHT,
        style_weight=STYLE_WEIGHT, tv_weight=0.0, vgg_weights=weights, progress=False, callback=callback, **kwargs,
    )
    return reached, time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", default="../shared/data/content/photos/content_corgi.jpg")
    parser.add_argument("--style", default="../shared/data/style/named/starry_night.jpg")
    parser.add_argument("--vgg-weights", default=os.environ.get("TFSTYLE_VGG19_WEIGHTS", "imagenet"))
    parser.add_argument("--size", type=int, default=256, help="images are resized to SIZE x SIZE")
    parser.add_argument("--reference-steps", type=int, default=200)
    parser.add_argument("--steps", type=int, default=None, help="override tfstyle's default steps")
    parser.add_argument("--scales", type=int, default=None, help="override tfstyle's default (for ablations)")
    parser.add_argument("--optimizer", default=None, help="override tfstyle's default (for ablations)")
    parser.add_argument("--target-loss", type=float, nargs=2, metavar=("LOSS", "SECONDS"),
                        help="skip the reference run: its final loss and time from an earlier run")
    args = parser.parse_args(argv)

    content = resize_image(load_image(args.content), size=(args.size, args.size))
    style = resize_image(load_image(args.style), size=(args.size, args.size))
    print(f"machine: {describe()}")
    print(f"content: {os.path.basename(args.content)}, style: {os.path.basename(args.style)}, {args.size}x{args.size}")

    if args.target_loss:  # ablations: reuse a reference result measured earlier
        target, ref_seconds = args.target_loss
        ref_loss_fn = reference(content, style, args.vgg_weights, 0)[2]
    else:
        ref_seconds, trace, ref_loss_fn, ref_out = reference(content, style, args.vgg_weights, args.reference_steps)
        target = trace[-1][1]
    print(f"(a) reference (TF tutorial, Adam, {args.reference_steps} steps): {ref_seconds:.1f} s, "
          f"final loss {target:.6g}, {ref_seconds / args.reference_steps * 1000:.0f} ms/step")

    reached, total, out = tfstyle_default(content, style, args.vgg_weights, target, args.steps, args.scales,
                                          args.optimizer)
    check = float(ref_loss_fn(tf.constant(out[None] / 255.0, tf.float32)))
    changed = {k: v for k, v in (("scales", args.scales), ("optimizer", args.optimizer), ("steps", args.steps)) if v}
    label = "tfstyle default" + "".join(f" ({k}={v})" for k, v in changed.items())
    if not reached:
        print(f"(b) {label}: did not reach {target:.6g} ({total:.1f} s)")
    else:
        print(f"(b) {label}: reached {reached['loss']:.6g} <= {target:.6g} after {reached['time']:.1f} s "
              f"(step {reached['step']} at full size); reference loss of the saved uint8 output: {check:.6g}")
        print(f"speed-up: {ref_seconds / reached['time']:.1f}x")
    scorer = Scorer(style, weights=args.vgg_weights)
    outputs = {"(b)": out} if args.target_loss else {"(a)": ref_out, "(b)": out}
    content_features = scorer.features(content)
    for name, image in outputs.items():
        scores = scorer.report(image, content, content_features)
        print(f"{name} output: style distance {scores['style']:.4f}, content distance {scores['content']:.4f}, "
              f"SSIM to the photo {scores['ssim']:.4f}, CFSD {scores['cfsd']:.4f}, "
              f"histogram distance {scores['histogram']:.4f}")
    return 0 if reached else 1


if __name__ == "__main__":
    sys.exit(main())
