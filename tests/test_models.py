"""Layers and the Johnson network: shapes, numerics against references, serialization."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfstyle.models import JohnsonNet
from tfstyle.models.layers import InstanceNormalization, NearestUpsample2D, PaddedConv2D


def test_instance_norm_matches_numpy(rng):
    x = rng.normal(2.0, 3.0, (2, 5, 7, 4)).astype(np.float32)
    layer = InstanceNormalization(epsilon=1e-5)
    layer.build(x.shape)
    layer.gamma.assign(np.array([1.0, 2.0, 0.5, -1.0], np.float32))
    layer.beta.assign(np.array([0.0, 1.0, -1.0, 3.0], np.float32))
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * np.array([1.0, 2.0, 0.5, -1.0]) + np.array([0.0, 1.0, -1.0, 3.0])
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-4, atol=1e-4)


def test_instance_norm_with_given_moments(rng):
    x = rng.normal(size=(1, 4, 4, 2)).astype(np.float32)
    layer = InstanceNormalization()
    moments = (np.full((1, 1, 1, 2), 1.0, np.float32), np.full((1, 1, 1, 2), 4.0, np.float32))
    np.testing.assert_allclose(np.asarray(layer(x, moments=moments)), (x - 1.0) / np.sqrt(4.0 + 1e-5), rtol=1e-5)


@pytest.mark.parametrize("shape", [(1, 3, 5, 2), (2, 8, 8, 3)])
def test_nearest_upsample_matches_tf_resize(rng, shape):
    x = rng.normal(size=shape).astype(np.float32)
    expected = tf.image.resize(x, (shape[1] * 2, shape[2] * 2), method="nearest")
    np.testing.assert_array_equal(np.asarray(NearestUpsample2D(2)(x)), expected.numpy())


@pytest.mark.parametrize("mode", ["reflect", "zero"])
def test_padded_conv_shapes(mode):
    x = np.ones((1, 13, 10, 3), np.float32)
    assert tuple(PaddedConv2D(4, 3, 1, mode)(x).shape) == (1, 13, 10, 4)
    assert tuple(PaddedConv2D(4, 3, 2, mode)(x).shape) == (1, 7, 5, 4)
    assert tuple(PaddedConv2D(4, 9, 1, mode)(x).shape) == (1, 13, 10, 4)
    with pytest.raises(ValueError):
        PaddedConv2D(4, 3, 1, "circular")


@pytest.mark.parametrize("width, params", [(1.0, 1_679_235), (0.5, 424_899), (0.25, 108_771)])
def test_johnson_shapes_and_width(width, params):
    net = JohnsonNet(width=width)
    out = net(np.zeros((2, 64, 48, 3), np.float32))
    assert tuple(out.shape) == (2, 64, 48, 3)
    assert net.count_params() == params
    # Any size: non-multiples of 4 come back at the decoder's size.
    assert tuple(net(np.zeros((1, 30, 22, 3), np.float32)).shape) == (1, 32, 24, 3)


def test_johnson_output_range(rng):
    net = JohnsonNet(width=0.25)
    out = np.asarray(net(rng.uniform(0, 255, (1, 32, 32, 3)).astype(np.float32)))
    assert out.min() >= 0.0 and out.max() <= 255.0


def test_johnson_keras_round_trip(tmp_path, rng):
    keras.utils.set_random_seed(3)
    net = JohnsonNet(width=0.25, residual_blocks=2, padding_mode="zero")
    x = rng.uniform(0, 255, (1, 32, 32, 3)).astype(np.float32)
    before = np.asarray(net(x))
    net.save(tmp_path / "net.keras")
    loaded = keras.saving.load_model(tmp_path / "net.keras", compile=False)
    assert isinstance(loaded, JohnsonNet)
    assert (loaded.width, loaded.residual_blocks, loaded.padding_mode) == (0.25, 2, "zero")
    np.testing.assert_allclose(np.asarray(loaded(x)), before, atol=1e-4)


def test_norm_stats_round_trip(rng):
    net = JohnsonNet(width=0.25)
    x = rng.uniform(0, 255, (1, 32, 32, 3)).astype(np.float32)
    stats = net.norm_stats(x)
    assert len(stats) == 3 + 2 * 5 + 2
    np.testing.assert_allclose(np.asarray(net(x, stats=stats)), np.asarray(net(x)), atol=1e-4)


def test_upsample_static_and_dynamic_paths_agree(rng):
    x = rng.normal(size=(1, 5, 7, 3)).astype(np.float32)
    layer = NearestUpsample2D(2)
    static = np.asarray(layer(x))
    dynamic = tf.function(layer, input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32)])(x)
    np.testing.assert_array_equal(static, dynamic.numpy())
    np.testing.assert_array_equal(static, np.asarray(layer(x, training=True)))


def test_johnson_trains_under_xla(rng):
    net = JohnsonNet(width=0.25, residual_blocks=1)
    net.compile(optimizer="adam", loss="mse", jit_compile=True)
    x = rng.uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)
    history = net.fit(x, x, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
