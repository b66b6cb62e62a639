"""The same training code under KERAS_BACKEND=jax (the lent GPU machine has JAX, not TensorFlow).

Runs in a subprocess: a process can use only one Keras backend.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tfstyle.weights.presets import load_model

from .conftest import smooth_image

pytest.importorskip("jax")

SCRIPT = r"""
import json, sys
import keras, numpy as np
from tfstyle.training.johnson import train_johnson
from tfstyle.training.data import ContentBatches
assert keras.backend.backend() == "jax"
photos, style, out = sys.argv[1:4]
net = train_johnson(style, photos, out, width=0.25, residual_blocks=1, image_size=32, batch_size=2, steps=4,
                    checkpoint_every=2, verbose=0, jit_compile=True)
x = np.asarray(ContentBatches(photos, batch_size=1, image_size=32, seed=5).batch(0), "float32")
history = [line.split(",") for line in open(out.replace(".keras", ".ckpt/history.csv")).read().splitlines()]
print(json.dumps({"output": np.asarray(net(x)).tolist(), "input": x.tolist(), "epochs": len(history) - 1}))
"""


def test_trains_under_jax_and_loads_under_tensorflow(tmp_path, rng, vgg_weights):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(4):
        Image.fromarray(smooth_image(rng, 40, 40).astype(np.uint8)).save(photos / f"{i}.png")
    style = tmp_path / "style.png"
    Image.fromarray(rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)).save(style)
    out = tmp_path / "net.keras"
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(photos), str(style), str(out)], capture_output=True,
                          text=True, env={**os.environ, "KERAS_BACKEND": "jax"})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["epochs"] == 2  # the PyDataset path with checkpoints every 2 steps
    # The .keras file written under JAX loads here (TensorFlow backend) and computes the same.
    net = load_model(str(out))
    here = np.asarray(net(np.asarray(result["input"], "float32")))
    assert np.abs(here - np.asarray(result["output"])).max() < 0.01
