"""VGG19 feature extractor and weight resolution."""
import keras
import numpy as np
import pytest

from tfstyle.errors import OptionError, WeightsError
from tfstyle.perceptual import vgg


def test_feature_shapes_and_truncation(vgg_weights):
    model = vgg.vgg19_features(["block1_conv1", "block3_conv2", "block4_conv2"], weights=vgg_weights)
    out = model(np.zeros((2, 64, 48, 3), np.float32))
    assert sorted(out) == ["block1_conv1", "block3_conv2", "block4_conv2"]
    assert tuple(out["block1_conv1"].shape) == (2, 64, 48, 64)
    assert tuple(out["block3_conv2"].shape) == (2, 16, 12, 256)
    assert tuple(out["block4_conv2"].shape) == (2, 8, 6, 512)
    # Nothing past the deepest requested layer is built.
    assert model.layers[-1].name == "block4_conv2"
    assert not model.trainable_weights


def test_matches_keras_vgg19_with_its_preprocessing(vgg_weights, rng):
    images = rng.uniform(0, 255, (1, 64, 64, 3)).astype(np.float32)
    ours = vgg.vgg19_features(["block3_conv1"], weights=vgg_weights)(images)["block3_conv1"]
    full = keras.applications.VGG19(include_top=False, weights=vgg_weights, input_shape=(64, 64, 3))
    ref = keras.Model(full.input, full.get_layer("block3_conv1").output)
    expected = ref(keras.applications.vgg19.preprocess_input(images.copy()))
    np.testing.assert_allclose(np.asarray(ours), np.asarray(expected), rtol=1e-4, atol=1e-3)


def test_avg_pooling_changes_deep_features_only(vgg_weights, rng):
    images = rng.uniform(0, 255, (1, 32, 32, 3)).astype(np.float32)
    layers = ["block1_conv2", "block2_conv1"]
    maxed = vgg.vgg19_features(layers, weights=vgg_weights, pooling="max")(images)
    avged = vgg.vgg19_features(layers, weights=vgg_weights, pooling="avg")(images)
    np.testing.assert_allclose(np.asarray(maxed["block1_conv2"]), np.asarray(avged["block1_conv2"]))
    assert not np.allclose(np.asarray(maxed["block2_conv1"]), np.asarray(avged["block2_conv1"]))


def test_unknown_layer_and_pooling():
    with pytest.raises(OptionError, match="unknown VGG19 layer"):
        vgg.vgg19_features(["block9_conv1"])
    with pytest.raises(OptionError, match="pooling"):
        vgg.vgg19_features(["block1_conv1"], pooling="median")


def test_missing_weights_file(tmp_path):
    with pytest.raises(WeightsError, match="VGG19 weights file not found"):
        vgg.resolve_weights(tmp_path / "nope.h5")


def test_env_var_overrides_default(monkeypatch, vgg_weights):
    monkeypatch.setenv(vgg.WEIGHTS_ENV, vgg_weights)
    assert vgg.resolve_weights(None) == vgg_weights
    monkeypatch.setenv(vgg.WEIGHTS_ENV, "/no/such/weights.h5")
    with pytest.raises(WeightsError, match="/no/such/weights.h5"):
        vgg.resolve_weights(None)


def test_corrupt_weights_file(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"this is not HDF5")
    with pytest.raises(WeightsError, match="could not load VGG19 weights"):
        vgg.vgg19_features(["block1_conv1"], weights=bad)


def test_imagenet_uses_keras_download_and_cache(monkeypatch):
    calls = []

    def fake_get_file(fname, origin, **kwargs):
        calls.append((fname, origin, kwargs))
        return "/cache/models/" + fname

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    monkeypatch.delenv(vgg.WEIGHTS_ENV, raising=False)
    assert vgg.resolve_weights(None).endswith("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
    fname, origin, kwargs = calls[0]
    assert origin.startswith("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/")
    assert kwargs == {"cache_subdir": "models", "file_hash": vgg.IMAGENET_MD5}


def test_imagenet_download_failure_is_one_clear_error(monkeypatch):
    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://...: None -- [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(WeightsError) as info:
        vgg.resolve_weights("imagenet")
    message = str(info.value)
    assert "could not download" in message and vgg.WEIGHTS_ENV in message and "\n" not in message
