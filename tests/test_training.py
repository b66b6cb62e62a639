"""Training a Johnson network: the loss goes down, resume is exact, settings are guarded."""
import json

import keras
import numpy as np
import pytest
from PIL import Image

from tfstyle.errors import OptionError
from tfstyle.perceptual.loss import PerceptualLoss
from tfstyle.perceptual.vgg import JOHNSON_CONTENT_LAYERS, JOHNSON_STYLE_LAYER_WEIGHTS, JOHNSON_STYLE_LAYERS
from tfstyle.training.johnson import TV_WEIGHT, pretrain_identity, train_johnson

from .conftest import smooth_image

# XLA compiling costs more than these tiny runs; test_resume_is_exact keeps the default (XLA on).
TINY = dict(width=0.25, residual_blocks=1, image_size=32, batch_size=2, checkpoint_every=2, verbose=0,
            style_weight=1e-4, jit_compile=False)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for i in range(6):
        Image.fromarray(smooth_image(rng, 48, 56).astype(np.uint8)).save(folder / f"p{i}.png")
    return folder


@pytest.fixture(scope="module")
def style():
    return smooth_image(np.random.default_rng(5), 64, 64)


def _weights(net):
    return [np.asarray(w) for w in net.get_weights()]


def test_training_lowers_the_loss(photos, style, tmp_path, vgg_weights):
    loss = PerceptualLoss(content_layers=JOHNSON_CONTENT_LAYERS, style_layers=JOHNSON_STYLE_LAYERS, style_weight=1e-4,
                          style_layer_weights=JOHNSON_STYLE_LAYER_WEIGHTS, tv_weight=TV_WEIGHT)
    batch = np.stack([smooth_image(np.random.default_rng(i), 32, 32) for i in range(2)])
    targets = loss.style_targets([keras.ops.convert_to_numpy(keras.ops.image.resize(style[None], (64, 64)))[0]])

    def total(net):
        return float(loss(net(batch), loss.content_targets(batch), targets)["total"])

    untrained = train_johnson(style, photos, tmp_path / "a.keras", steps=1, **{**TINY, "checkpoint_every": 1},
                              learning_rate=1e-9)
    trained = train_johnson(style, photos, tmp_path / "b.keras", steps=10, **TINY, learning_rate=1e-2)
    assert total(trained) < 0.7 * total(untrained)
    history = (tmp_path / "b.ckpt" / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch") and len(history) == 1 + 5
    assert sorted(p.name for p in (tmp_path / "b.ckpt" / "samples").iterdir())[-1] == "epoch_0005.jpg"
    assert list((tmp_path / "b.ckpt" / "logs").rglob("events.out.tfevents*")), "TensorBoard scalars"


def test_resume_is_exact(photos, style, tmp_path, vgg_weights):
    # Exactness comes from the restored weights, optimizer state and step-seeded batches, not from
    # the compiler, so this runs without XLA (three XLA compiles took 55 s; test_jax_backend trains with jit).
    straight = train_johnson(style, photos, tmp_path / "straight.keras", steps=6, **TINY)
    # An interrupted run: it stops after its second checkpoint (step 4); running again finishes it.
    first = train_johnson(style, photos, tmp_path / "resumed.keras", steps=4, **TINY)
    assert json.loads((tmp_path / "resumed.ckpt" / "state.json").read_text())["epoch"] == 2
    resumed = train_johnson(style, photos, tmp_path / "resumed.keras", steps=6, **TINY)
    for a, b in zip(_weights(straight), _weights(resumed)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert any(not np.allclose(a, b) for a, b in zip(_weights(first), _weights(resumed)))
    loaded = keras.saving.load_model(tmp_path / "resumed.keras", compile=False)
    for a, b in zip(_weights(loaded), _weights(resumed)):
        np.testing.assert_array_equal(a, b)


def test_resume_refuses_other_settings(photos, style, tmp_path, vgg_weights):
    train_johnson(style, photos, tmp_path / "n.keras", steps=2, **TINY)
    with pytest.raises(OptionError, match="other settings .*width"):
        train_johnson(style, photos, tmp_path / "n.keras", steps=4, **{**TINY, "width": 0.5})


def test_bad_training_options(photos, style, tmp_path):
    with pytest.raises(OptionError, match=".keras"):
        train_johnson(style, photos, tmp_path / "n.h5", steps=2, **TINY)
    with pytest.raises(OptionError, match="no images"):
        train_johnson(style, tmp_path, tmp_path / "n.keras", steps=2, **TINY)


def test_identity_pretraining_and_init(photos, style, tmp_path, vgg_weights):
    batch = np.stack([smooth_image(np.random.default_rng(9), 32, 32)])
    net = pretrain_identity(photos, tmp_path / "id.keras", width=0.25, residual_blocks=1, image_size=32,
                            batch_size=2, steps=120, learning_rate=5e-3, verbose=0)
    error = float(np.mean((np.asarray(net(batch)) - batch) ** 2))
    # Measured: error / variance = 0.34 after 120 steps (0.65 after 60).
    assert error < 0.5 * float(np.mean((batch - batch.mean()) ** 2))
    started = train_johnson(style, photos, tmp_path / "s.keras", steps=1, init=tmp_path / "id.keras",
                            **{**TINY, "checkpoint_every": 1}, learning_rate=1e-9)
    for a, b in zip(_weights(net), _weights(started)):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_stop_after_ends_fit_at_the_first_epoch_past_the_budget():
    from tfstyle.training.callbacks import StopAfter

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 2), np.float32)
    history = model.fit(x, x[:, :1], epochs=5, verbose=0, callbacks=[StopAfter(0)])
    assert len(history.history["loss"]) == 1
    history = model.fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[StopAfter(3600)])
    assert len(history.history["loss"]) == 3
