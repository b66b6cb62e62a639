"""Seconds per training step of a Johnson network (TensorFlow backend, this machine).

    python benchmarks/train_speed.py --sizes 128 256 --width 0.5 --batch-size 4

Times ``fit`` on random batches after one warm-up step: the full step (network + VGG19
perceptual loss, the default training loss) and the network alone (pixel MSE), with and
without XLA (``jit_compile``).
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from tfstyle.devtools.machine import describe  # noqa: E402
from tfstyle.models import JohnsonNet  # noqa: E402
from tfstyle.perceptual import vgg  # noqa: E402
from tfstyle.perceptual.loss import PerceptualLoss  # noqa: E402
from tfstyle.training.trainer import StyleTransferTrainer  # noqa: E402


def seconds_per_step(model: keras.Model, x: np.ndarray, steps: int) -> float:
    model.fit(x, x, batch_size=len(x), epochs=1, verbose=0)
    data = np.repeat(x, steps, 0)
    start = time.perf_counter()
    model.fit(data, data, batch_size=len(x), epochs=1, verbose=0, shuffle=False)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--width", type=float, default=0.5)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {describe()}")
    print(f"JohnsonNet width {args.width}, batch {args.batch_size}, default perceptual loss "
          f"(content {vgg.JOHNSON_CONTENT_LAYERS[0]}, style up to {vgg.JOHNSON_STYLE_LAYERS[-1]})")
    print("| crop | XLA | full step (s) | network only (s) |\n|---|---|---|---|")
    loss = PerceptualLoss(content_layers=vgg.JOHNSON_CONTENT_LAYERS, style_layers=vgg.JOHNSON_STYLE_LAYERS,
                          style_layer_weights=vgg.JOHNSON_STYLE_LAYER_WEIGHTS)
    for size in args.sizes:
        x = np.random.default_rng(0).uniform(0, 255, (args.batch_size, size, size, 3)).astype("float32")
        targets = loss.style_targets([x[0]])
        for jit in (False, True):
            trainer = StyleTransferTrainer(JohnsonNet(width=args.width), loss, targets)
            trainer.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)
            full = seconds_per_step(trainer, x, args.steps)
            net = JohnsonNet(width=args.width)
            net.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", jit_compile=jit)
            alone = seconds_per_step(net, x, args.steps)
            print(f"| {size} | {jit} | {full:.2f} | {alone:.2f} |", flush=True)


if __name__ == "__main__":
    main()
