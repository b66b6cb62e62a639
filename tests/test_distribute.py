"""Data-parallel training for real on two logical CPU devices, and the streaming input pipeline.

Devices are configured before TensorFlow or JAX start, so each configuration runs in its own
Python process (the SCRIPT below): TensorFlow with two logical CPU devices (MirroredStrategy),
TensorFlow under a ``TF_CONFIG`` of two local workers (MultiWorkerMirroredStrategy),
and JAX with ``XLA_FLAGS=--xla_force_host_platform_device_count=2`` (``DataParallel``). They run
at the same time; each writes its weights to an ``.npz`` that the tests compare here.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tracemalloc

import keras
import numpy as np
import pytest
from PIL import Image

from tfstyle.models.johnson import JohnsonNet
from tfstyle.training.data import ContentBatches

from .conftest import smooth_image

#: The loss-logging trainer (a small Johnson net, VGG19 loss, SGD with momentum) on global batches of
#: 4 from a ContentBatches, through fit_resumable's checkpoints, under the device set-up it is given.
SCRIPT = r"""
import json, os, pathlib, sys, time
T0 = time.time()
def tick(what):
    print(f"{what} {time.time() - T0:.1f}", file=sys.stderr, flush=True)
args = json.loads(sys.argv[1])
if args["mode"] == "mirrored":  # before TensorFlow initializes
    import tensorflow as tf
    tf.config.set_logical_device_configuration(tf.config.list_physical_devices("CPU")[0],
                                               [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np
from tfstyle.image.io import load_image
from tfstyle.models.johnson import JohnsonNet
from tfstyle.perceptual.loss import PerceptualLoss
from tfstyle.training.callbacks import read_state
from tfstyle.training.data import ContentBatches, uses_tf_data
from tfstyle.training.run import distribution_scope, fit_resumable, restore
from tfstyle.training.trainer import StyleTransferTrainer

tick("imports")
init = np.load(args["init"])
init = [init[f"arr_{i}"] for i in range(len(init.files))]
style = load_image(args["style"])
data = ContentBatches(args["photos"], batch_size=4, image_size=32, seed=3, workers=2)

def batches(start, end):
    return data.tf_dataset(start, end) if uses_tf_data() else data.py_dataset(start, end)

def replicas():
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        return tf.distribute.get_strategy().num_replicas_in_sync
    dist = keras.distribution.distribution()
    return 1 if dist is None else len(dist.device_mesh.devices.ravel())

def trainer(devices):
    with distribution_scope(devices):
        net = JohnsonNet(width=0.25, residual_blocks=1)
        loss = PerceptualLoss(content_layers=("block1_conv2",), style_layers=("block1_conv1", "block1_conv2"),
                              style_weight=1e-2, tv_weight=1e-4, weights=args["vgg"])
        t = StyleTransferTrainer(net, loss, loss.style_targets([style]))
        t.compile(optimizer=keras.optimizers.SGD(args["lr"], momentum=0.9), jit_compile=False)
        t(np.zeros((1, 32, 32, 3), np.float32))
        net.set_weights(init)
        t.optimizer.build(t.trainable_variables)
    tick("trainer")
    return t, devices

def fit(trained, folder, steps, start=None):  # to `steps`, checkpointing to folder, resuming start's checkpoint
    t, devices = trained
    folder, start = pathlib.Path(args["out"] + "." + folder), start and pathlib.Path(args["out"] + "." + start)
    with distribution_scope(devices):
        epoch = restore(t, start, read_state(start)) if start else int(keras.ops.convert_to_numpy(t.optimizer.iterations))
        fit_resumable(t, batches, checkpoint_dir=folder, config={}, steps=steps, checkpoint_every=1,
                      start_epoch=epoch, verbose=0)
        results.setdefault("replicas", []).append(replicas())
    tick("fit")
    return [np.asarray(w) for w in t.net.get_weights()]

results = {}
if args["mode"] == "multiworker":
    results["step"] = fit(trainer(None), "w", 1)
else:
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    else:
        devices = keras.distribution.list_devices()
    assert len(devices) == 2, devices
    one, two = trainer(devices[:1]), trainer(None)  # None: distribution_scope's default, every device
    results["step_1"] = fit(one, "b", 1)
    results["ref"] = fit(one, "ref", 2)  # straight on
    results["step_2"] = fit(two, "a", 1)
    # Checkpoints move between device counts: the second step after a resume on the other count.
    results["one_then_two"] = fit(two, "b", 2, start="b")
    results["two_then_one"] = fit(one, "a", 2, start="a")
replicas_seen = results.pop("replicas")
np.savez(args["out"], **{f"{k}_{i}": w for k, ws in results.items() for i, w in enumerate(ws)})
print(json.dumps({"replicas": replicas_seen, "backend": keras.backend.backend()}))
"""

#: SGD's step is proportional to the gradient (Adam's first step is not), so an error in how the
#: replicas' gradients are combined (e.g. summed rather than averaged) changes the weights.
LEARNING_RATE = 1e-10
#: Float32 tolerance for "the same step": reduction order differs between one and two devices.
ATOL, RTOL = 1e-6, 1e-4


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.fixture(scope="module")
def runs(tmp_path_factory, vgg_weights):
    """Start every device set-up at once; wait for all; ``{name: (json line, weights)}``."""
    folder = tmp_path_factory.mktemp("distribute")
    rng = np.random.default_rng(0)
    (folder / "photos").mkdir()
    for i in range(5):
        Image.fromarray(smooth_image(rng, 40 + 4 * i, 48).astype(np.uint8)).save(folder / "photos" / f"{i}.png")
    Image.fromarray(smooth_image(rng, 48, 48).astype(np.uint8)).save(folder / "style.png")
    keras.utils.set_random_seed(0)
    net = JohnsonNet(width=0.25, residual_blocks=1)
    net(np.zeros((1, 32, 32, 3), np.float32))
    np.savez(folder / "init.npz", *net.get_weights())
    common = {"init": str(folder / "init.npz"), "style": str(folder / "style.png"), "photos": str(folder / "photos"),
              "vgg": vgg_weights, "lr": LEARNING_RATE}
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "XLA_FLAGS", "KERAS_BACKEND")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    ports = _free_ports(2)
    two_workers = {"worker": [f"localhost:{ports[0]}", f"localhost:{ports[1]}"]}
    setups = {
        "mirrored": ({"mode": "mirrored"}, {}),
        "jax": ({"mode": "jax"}, {"KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}),
        **{f"workers_{i}": ({"mode": "multiworker"}, {"TF_CONFIG": json.dumps(
            {"cluster": two_workers, "task": {"type": "worker", "index": i}})}) for i in range(2)},
    }
    processes = {}
    for name, (args, extra) in setups.items():
        args = {**common, **args, "out": str(folder / f"{name}.npz")}
        processes[name] = subprocess.Popen([sys.executable, "-c", SCRIPT, json.dumps(args)], env={**env, **extra},
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = {"init": net.get_weights()}
    for name, process in processes.items():
        try:
            out, err = process.communicate(timeout=1200)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        if process.returncode:
            results[name] = (None, err[-3000:])
        else:
            with np.load(folder / f"{name}.npz") as saved:
                results[name] = (json.loads(out.strip().splitlines()[-1]), dict(saved))
    return results


def _result(runs, name):
    line, weights = runs[name]
    assert line is not None, f"{name} failed:\n{weights}"
    return line, weights


def _group(weights: dict, key: str) -> list[np.ndarray]:
    return [weights[f"{key}_{i}"] for i in range(sum(k.rsplit("_", 1)[0] == key for k in weights))]


def _assert_same_weights(got, expected):
    assert len(got) == len(expected) > 0
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


def _largest_change(weights, initial) -> float:
    return max(float(np.abs(a - b).max()) for a, b in zip(weights, initial))


@pytest.mark.parametrize("name", ["mirrored", "jax"])
def test_a_step_on_two_devices_equals_a_step_on_one(runs, name):
    line, weights = _result(runs, name)
    assert line["replicas"] == [1, 1, 2, 2, 1], "the default scope splits the batch over both logical devices"
    one, two = _group(weights, "step_1"), _group(weights, "step_2")
    _assert_same_weights(two, one)
    # The step moved the weights by far more than the tolerance: the comparison means something.
    assert _largest_change(one, runs["init"]) > 1e3 * ATOL


@pytest.mark.parametrize("name", ["mirrored", "jax"])
def test_checkpoints_resume_across_device_counts(runs, name):
    weights = _result(runs, name)[1]
    reference = _group(weights, "ref")
    assert _largest_change(reference, runs["init"]) > 1e3 * ATOL
    _assert_same_weights(_group(weights, "two_then_one"), reference)
    _assert_same_weights(_group(weights, "one_then_two"), reference)


def test_two_local_workers_split_the_global_batch(runs):
    """Two worker processes on localhost ports (gRPC): one step on 2 + 2 samples equals one device's on 4."""
    one_device = _group(_result(runs, "mirrored")[1], "step_1")
    for name in ("workers_0", "workers_1"):
        line, weights = _result(runs, name)
        assert line == {"replicas": [2], "backend": "tensorflow"}, "a replica per worker"
        _assert_same_weights(_group(weights, "step"), one_device)


@pytest.fixture(scope="module")
def colours(tmp_path_factory):
    """Five photos of one colour each (a crop names its photo), 120 x 160."""
    folder = tmp_path_factory.mktemp("colours")
    for i in range(5):
        Image.fromarray(np.full((120, 160, 3), 40 * i + 20, np.uint8)).save(folder / f"{i}.png")
    return folder


def test_batches_are_a_function_of_seed_and_step_and_visit_every_photo_once_per_pass(colours):
    data = ContentBatches(colours, batch_size=5, image_size=32, seed=7, workers=2)
    passes = [sorted(np.unique(data.batch(step)[..., 0])) for step in range(3)]
    assert passes == [[20, 60, 100, 140, 180]] * 3, "one batch of 5 is one pass over the 5 photos"
    assert not np.array_equal(data.batch(0), data.batch(1)), "each pass in its own order"
    streamed = [x for x, _ in data.tf_dataset(1, 3).as_numpy_iterator()]
    served = [data.py_dataset(1, 3)[i][0] for i in range(2)]
    for step, a, b in zip((1, 2), streamed, served):
        np.testing.assert_array_equal(a, data.batch(step))
        np.testing.assert_array_equal(b, data.batch(step))
    again = ContentBatches(colours, batch_size=5, image_size=32, seed=7)
    np.testing.assert_array_equal(again.batch(2), data.batch(2))
    assert not np.array_equal(ContentBatches(colours, batch_size=5, image_size=32, seed=8).batch(2), data.batch(2))


def test_streaming_memory_does_not_grow_with_the_number_of_files(tmp_path):
    rng = np.random.default_rng(3)
    for i in range(4):
        Image.fromarray(smooth_image(rng, 300, 400).astype(np.uint8)).save(tmp_path / f"{i}.png")
    photos = sorted(str(p) for p in tmp_path.iterdir())

    def peak(count: int) -> int:
        """Peak bytes allocated (NumPy's arrays included) while streaming 8 batches of ``count`` paths."""
        tracemalloc.start()
        data = ContentBatches([photos[i % 4] for i in range(count)], batch_size=4, image_size=128, workers=2)
        for _ in data.tf_dataset(0, 4):
            pass
        pyd = data.py_dataset(4, 8)
        for i in range(len(pyd)):
            pyd[i]
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    small, large = peak(50), peak(500)
    # Decoded up front, 450 more photos at a 147-pixel short side would be 450 * 147 * 196 * 3 bytes.
    decoded = 450 * 147 * 196 * 3
    assert decoded > 35e6
    assert large - small < 1e6, (small, large)
