"""AdaIN: the operation, the network's controls, saving, training and exact resume."""
import json

import keras
import numpy as np
import pytest
from PIL import Image

from tfstyle.errors import OptionError
from tfstyle.models import AdaINNet
from tfstyle.models.adain import BOTTLENECK, adain
from tfstyle.training.adain import AdaINTrainer, train_adain

from .conftest import smooth_image

TINY = {"decoder_width": 0.5, "image_size": 32, "batch_size": 2, "checkpoint_every": 2, "verbose": 0,
        "jit_compile": False}  # XLA compiles cost more than a few tiny steps


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _adain_reference(content, style, eps=1e-5):
    c_mean, c_var = content.mean((1, 2), keepdims=True), content.var((1, 2), keepdims=True)
    s_mean, s_var = style.mean((1, 2), keepdims=True), style.var((1, 2), keepdims=True)
    return (content - c_mean) / np.sqrt(c_var + eps) * np.sqrt(s_var + eps) + s_mean


@pytest.fixture(scope="module")
def net(vgg_weights):
    keras.utils.set_random_seed(7)
    return AdaINNet(decoder_width=0.5)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(3)
    return {"content": smooth_image(rng, 40, 48), "a": smooth_image(rng, 32, 32), "b": smooth_image(rng, 48, 40)}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("adain_data")
    rng = np.random.default_rng(0)
    for kind, count in (("content", 4), ("style", 3)):
        (root / kind).mkdir()
        for i in range(count):
            Image.fromarray(smooth_image(rng, 40, 44).astype(np.uint8)).save(root / kind / f"{i}.png")
    return root / "content", root / "style"


def test_adain_statistics_and_numpy_reference():
    rng = np.random.default_rng(0)
    content = rng.gamma(2.0, 3.0, (2, 5, 7, 16)).astype(np.float32)
    style = (rng.normal(0, 1, (2, 9, 4, 16)) * rng.uniform(0.5, 4, 16) + rng.uniform(-5, 5, 16)).astype(np.float32)
    out = _np(adain(content, style))
    assert out.shape == content.shape
    np.testing.assert_allclose(out.mean((1, 2)), style.mean((1, 2)), atol=1e-3)
    np.testing.assert_allclose(out.std((1, 2)), style.std((1, 2)), atol=1e-3)
    np.testing.assert_allclose(out, _adain_reference(content, style), rtol=1e-5, atol=1e-4)
    # One style image for the whole batch.
    np.testing.assert_allclose(_np(adain(content, style[:1])), _adain_reference(content, style[:1]), atol=1e-4)


def test_alpha_zero_decodes_the_content_features(net, images):
    content, style = images["content"][None], images["a"][None]
    features = net.encode(content)[BOTTLENECK]
    expected = np.clip(_np(net.decoder(features)), 0, 255)
    np.testing.assert_array_equal(_np(net((content, style), alpha=0.0)), expected)
    styled = _np(net((content, style)))
    assert styled.shape == content.shape and styled.min() >= 0 and styled.max() <= 255
    assert np.abs(styled - expected).mean() > 1.0
    with pytest.raises(OptionError, match="alpha"):
        net((content, style), alpha=1.5)


def test_odd_sizes_come_back_whole(net, images):
    content = images["content"][3:, 1:]  # 37 x 47
    assert tuple(net.stylize(content, images["a"]).shape) == (37, 47, 3)


def test_style_interpolation_and_spatial_control(net, images):
    content, a, b = images["content"], images["a"], images["b"]
    only_a, only_b = _np(net((content[None], a[None])))[0], _np(net((content[None], b[None])))[0]
    np.testing.assert_array_equal(_np(net.stylize(content, [a, b], style_weights=[1, 0])), only_a)
    np.testing.assert_array_equal(_np(net.stylize(content, a)), only_a)
    blend = _np(net.stylize(content, [a, b], style_weights=[1, 1]))
    assert np.abs(blend - only_a).mean() > 0.5 and np.abs(blend - only_b).mean() > 0.5
    ones, zeros = np.ones(content.shape[:2]), np.zeros(content.shape[:2])
    np.testing.assert_allclose(_np(net.stylize(content, [a, b], mask=ones)), only_a, atol=1e-2)
    np.testing.assert_allclose(_np(net.stylize(content, [a, b], mask=zeros)), only_b, atol=1e-2)
    half = zeros.copy()
    half[:, :24] = 1
    split = _np(net.stylize(content, [a, b], mask=half))
    assert split.shape == content.shape and not np.allclose(split, only_a) and not np.allclose(split, only_b)
    with pytest.raises(OptionError, match="exactly two"):
        net.stylize(content, [a], mask=ones)
    with pytest.raises(OptionError, match="non-negative"):
        net.stylize(content, [a, b], style_weights=[1, -1])


def test_keras_round_trip(net, images, tmp_path):
    path = tmp_path / "adain.keras"
    net.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    assert isinstance(loaded, AdaINNet)
    assert loaded.get_config() == {"decoder_width": 0.5, "vgg_weights": None, "name": net.name}
    for a, b in zip(net.decoder.get_weights(), loaded.decoder.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Only the decoder is stored (VGG19 to relu4_1 alone would be ~40 MB).
    decoder_bytes = sum(w.nbytes for w in net.decoder.get_weights())
    assert path.stat().st_size < 1.2 * decoder_bytes
    pair = (images["content"][None], images["a"][None])
    np.testing.assert_array_equal(_np(loaded(pair, alpha=0.7)), _np(net(pair, alpha=0.7)))


def test_training_lowers_the_loss(folders, tmp_path, vgg_weights):
    content_dir, style_dir = folders
    rng = np.random.default_rng(11)
    batch = (np.stack([smooth_image(rng, 32, 32) for _ in range(2)]),
             np.stack([smooth_image(rng, 32, 32) for _ in range(2)]))

    def total(model):
        return float(AdaINTrainer(model.decoder).loss_terms(batch)["total"])

    untrained = train_adain(content_dir, style_dir, tmp_path / "a.keras", steps=1,
                            **{**TINY, "checkpoint_every": 1}, learning_rate=1e-9)
    trained = train_adain(content_dir, style_dir, tmp_path / "b.keras", steps=10, **TINY, learning_rate=1e-4)
    assert total(trained) < 0.7 * total(untrained)
    history = (tmp_path / "b.ckpt" / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch") and "content_loss" in history[0] and len(history) == 1 + 5
    assert list((tmp_path / "b.ckpt" / "logs").rglob("events.out.tfevents*")), "TensorBoard scalars"


def test_resume_is_exact_and_guarded(folders, tmp_path, vgg_weights):
    content_dir, style_dir = folders
    straight = train_adain(content_dir, style_dir, tmp_path / "straight.keras", steps=4, **TINY)
    # An interrupted run: it stops after its first checkpoint (step 2); running again finishes it.
    first = train_adain(content_dir, style_dir, tmp_path / "resumed.keras", steps=2, **TINY)
    assert json.loads((tmp_path / "resumed.ckpt" / "state.json").read_text())["epoch"] == 1
    resumed = train_adain(content_dir, style_dir, tmp_path / "resumed.keras", steps=4, **TINY)
    for a, b in zip(straight.decoder.get_weights(), resumed.decoder.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert any(not np.allclose(a, b) for a, b in zip(first.decoder.get_weights(), resumed.decoder.get_weights()))
    # The checkpoint holds the decoder and Adam's two moments, not the frozen VGG19.
    decoder_bytes = sum(w.nbytes for w in straight.decoder.get_weights())
    assert (tmp_path / "resumed.ckpt" / "state.weights.h5").stat().st_size < 3.3 * decoder_bytes
    with pytest.raises(OptionError, match="other settings .*style_weight"):
        train_adain(content_dir, style_dir, tmp_path / "resumed.keras", steps=6, **TINY, style_weight=1.0)
    with pytest.raises(OptionError, match=".keras"):
        train_adain(content_dir, style_dir, tmp_path / "n.h5", steps=2, **TINY)
