"""What the public functions take and give back (#30): tensors of any library, batches, one name per idea."""
from __future__ import annotations

import inspect
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import tfstyle
from tfstyle.errors import ImageError
from tfstyle.image.io import batched, load_image

from .conftest import smooth_image, tiny_arbitrary_net

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def net():
    import keras

    from tfstyle.models import JohnsonNet

    keras.utils.set_random_seed(5)
    return JohnsonNet(width=0.25, residual_blocks=1)


@pytest.fixture(scope="module")
def photos():
    rng = np.random.default_rng(7)
    return np.stack([smooth_image(rng, 40, 56) for _ in range(3)]).astype(np.uint8)


def test_a_tf_tensor_in_gives_a_tf_tensor_out(net, photos):
    import tensorflow as tf

    expected = tfstyle.stylize(photos[0], net)
    out = tfstyle.stylize(tf.constant(photos[0]), net)
    assert isinstance(out, tf.Tensor) and out.dtype == tf.uint8
    np.testing.assert_array_equal(out.numpy(), expected)
    floats = tfstyle.stylize(tf.constant(photos[0].astype(np.float32) / 255.0), net)  # [0, 1] floats, as arrays
    np.testing.assert_array_equal(floats.numpy(), expected)


def test_a_batch_in_gives_a_batch_out_of_the_same_kind(net, photos):
    import tensorflow as tf

    singles = np.stack([tfstyle.stylize(photo, net) for photo in photos])
    batch = tfstyle.stylize(photos, net)
    assert isinstance(batch, np.ndarray) and batch.shape == (3, 40, 56, 3) and batch.dtype == np.uint8
    np.testing.assert_array_equal(batch, singles)
    one = tfstyle.stylize(photos[:1], net, size=28)  # a batch of one stays a batch; options apply to each image
    assert one.shape == (1, 20, 28, 3)
    tensors = tfstyle.stylize(tf.constant(photos), net)
    assert isinstance(tensors, tf.Tensor) and tuple(tensors.shape) == (3, 40, 56, 3)
    np.testing.assert_array_equal(tensors.numpy(), singles)


def test_a_jax_array_in_gives_a_jax_array_out(photos, tmp_path):
    """In a fresh process (JAX's threads stay out of this one), through a shipped preset: no TensorFlow needed."""
    pytest.importorskip("jax")
    np.save(tmp_path / "in.npy", photos)
    code = ("import sys, numpy as np, jax, jax.numpy as jnp, tfstyle\n"
            f"out = tfstyle.stylize(jnp.asarray(np.load({str(tmp_path / 'in.npy')!r})), 'wave')\n"
            f"np.save({str(tmp_path / 'out.npy')!r}, np.asarray(out))\n"
            "print(isinstance(out, jax.Array), out.shape)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert proc.stdout.strip() == "True (3, 40, 56, 3)", proc.stderr[-2000:]
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), tfstyle.stylize(photos, "wave"))


def test_bad_batches_are_one_line_errors(net):
    with pytest.raises(ImageError, match="empty batch"):
        tfstyle.stylize(np.zeros((0, 32, 32, 3), np.uint8), net)
    with pytest.raises(ImageError, match="got shape"):
        tfstyle.stylize(np.zeros((2, 32, 32, 5), np.uint8), net)
    with pytest.raises(TypeError, match="a NumPy array or a tensor"):
        tfstyle.stylize({"not": "an image"}, net)


def test_tensors_are_read_without_importing_their_library():
    """A tensor answers numpy() itself: loading and the batch decorator import no TensorFlow to read it."""
    code = (
        "import sys, numpy as np\n"
        "from tfstyle.image.io import batched, load_image\n"
        "class Tensor:\n"
        "    __module__ = 'tensorflow.python.framework.ops'\n"
        "    def __init__(self, a): self.a = a\n"
        "    def numpy(self): return self.a\n"
        "image = load_image(Tensor(np.full((20, 30, 3), 0.5, np.float32)))\n"
        "out = batched(lambda x: load_image(x).astype(np.uint8))(Tensor(np.zeros((2, 20, 30, 3), np.uint8)))\n"
        "print(image.shape, float(image.max()), type(out).__name__, out.shape, 'tensorflow' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert proc.stdout.strip() == "(20, 30, 3) 127.5 ndarray (2, 20, 30, 3) False", proc.stderr[-2000:]


def test_batched_keeps_paths_and_pil_images_as_they_are(tmp_path, photos):
    from PIL import Image

    seen = []

    @batched
    def shape_of(image):
        seen.append(type(image).__name__)
        return load_image(image).astype(np.uint8)

    path = tmp_path / "a.png"
    Image.fromarray(photos[0]).save(path)
    assert shape_of(str(path)).shape == shape_of(Image.open(path)).shape == (40, 56, 3)
    assert seen == ["str", "PngImageFile"]
    assert shape_of.__name__ == "shape_of" and inspect.signature(tfstyle.stylize).parameters["content"]


def test_one_progress_default_across_the_public_functions():
    """Silent unless asked (the command line asks): the same default everywhere."""
    functions = [tfstyle.stylize, tfstyle.stylize_arbitrary, tfstyle.stylize_optimize, tfstyle.fit_style,
                 tfstyle.stylize_video]
    defaults = {f.__name__: inspect.signature(f).parameters["progress"].default for f in functions}
    assert set(defaults.values()) == {False}, defaults


def test_stylize_optimize_takes_batches_and_names_its_weights_style_weights(vgg_weights, photos):
    rng = np.random.default_rng(0)
    a, b = smooth_image(rng, 32, 32), 255 - smooth_image(rng, 32, 32)
    options = dict(steps=2, scales=1, size=32, style_layers=["block1_conv1"], content_layers=["block1_conv1"])
    for function in (tfstyle.stylize_arbitrary, tfstyle.stylize_optimize, tfstyle.stylize_video):
        assert "style_weights" in inspect.signature(function).parameters  # one name for blend weights
    single = tfstyle.stylize_optimize(photos[0], [a, b], style_weights=[1, 0], **options)
    batch = tfstyle.stylize_optimize(photos[:2], [a, b], style_weights=[1, 0], **options)
    assert batch.shape == (2, 23, 32, 3) and batch.dtype == np.uint8
    np.testing.assert_array_equal(batch[0], single)


def test_adain_strength_is_its_alpha(vgg_weights):
    """AdaIN's ``stylize(strength=)`` is the paper's alpha, named like ``stylize_arbitrary``'s; ``alpha=`` warns."""
    import keras

    from tfstyle.models import AdaINNet

    keras.utils.set_random_seed(2)
    net = AdaINNet(decoder_width=0.25)
    rng = np.random.default_rng(1)
    content, style = smooth_image(rng, 32, 40), smooth_image(rng, 32, 32)
    strength = np.asarray(net.stylize(content, style, strength=0.4))
    with pytest.warns(DeprecationWarning, match="strength"):
        alpha = np.asarray(net.stylize(content, style, alpha=0.4))
    np.testing.assert_array_equal(alpha, strength)
    full = np.asarray(net.stylize(content, style))
    assert np.abs(full - strength).mean() > 0.01  # 0.4 is not the full style
    np.testing.assert_allclose(np.asarray(net((content[None], style[None]), alpha=0.4))[0], strength, atol=1e-3)


def test_stylize_video_paints_with_a_painting_given_as_style(tmp_path):
    """``stylize_video(style=painting)`` runs the arbitrary network (no method= needed), like ``method="arbitrary"``."""
    from PIL import Image

    from tests.test_video import make_clip
    from tfstyle.video.io import VideoReader

    clip = make_clip(tmp_path / "clip.mp4", frames=3, size=(64, 48))
    painting = tmp_path / "painting.png"
    Image.fromarray(smooth_image(np.random.default_rng(3), 48, 48).astype(np.uint8)).save(painting)
    model = tiny_arbitrary_net(4)
    implied = tfstyle.stylize_video(clip, tmp_path / "implied.mp4", style=str(painting), model=model, engine="keras")
    explicit = tfstyle.stylize_video(clip, tmp_path / "explicit.mp4", style=str(painting), model=model,
                                     method="arbitrary", engine="keras")
    with VideoReader(implied) as a, VideoReader(explicit) as b, VideoReader(clip) as source:
        frames_a, frames_b, frames_in = list(a), list(b), list(source)
    assert len(frames_a) == 3
    np.testing.assert_array_equal(np.stack(frames_a), np.stack(frames_b))
    assert np.abs(np.stack(frames_a).astype(float) - np.stack(frames_in)).mean() > 5  # painted, not copied
    array = tfstyle.stylize_video(clip, tmp_path / "array.mp4", style=load_image(painting), model=model,
                                  engine="keras")
    with VideoReader(array) as c:
        np.testing.assert_array_equal(np.stack(list(c)), np.stack(frames_a))
