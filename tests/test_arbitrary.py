"""Ghiasi et al.'s arbitrary-style networks: conditional norm, controls, saving, training, resume."""
import json

import keras
import numpy as np
import pytest
from PIL import Image

from tfstyle.errors import OptionError
from tfstyle.image.blend import blend_style_vectors
from tfstyle.image.io import save_image
from tfstyle.methods.arbitrary import stylize_arbitrary
from tfstyle.models import (
    AdaINNet,
    ArbitraryStyleNet,
    CompactStylePredictor,
    JohnsonNet,
    StylePredictor,
    StyleTransferNet,
)
from tfstyle.training.arbitrary import ArbitraryTrainer, distill_predictor, train_arbitrary

from .conftest import smooth_image, tiny_arbitrary_net

TINY = {"width": 0.25, "residual_blocks": 1, "image_size": 32, "style_size": 32, "batch_size": 2,
        "checkpoint_every": 2, "verbose": 0, "jit_compile": False}  # XLA compiles cost more than 12 tiny steps


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.fixture(scope="module")
def net():
    """A small network with random (non-zero) conditioning, so styles really differ."""
    return tiny_arbitrary_net(5, residual_blocks=2)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(3)
    return {"content": smooth_image(rng, 72, 96), "a": smooth_image(rng, 80, 64), "b": 255 - smooth_image(rng, 64, 64)}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(8)
    for kind in ("content", "style"):
        (root / kind).mkdir()
        for i in range(4):
            Image.fromarray(smooth_image(rng, 40, 44).astype(np.uint8)).save(root / kind / f"{i}.png")
    return root / "content", root / "style"


def test_conditional_norm_scale_and_shift_per_layer():
    net = StyleTransferNet(width=0.25, residual_blocks=1)
    total = 2 * sum(net.norm_channels)
    bias = np.arange(total, dtype="float32") / total
    net.style_params.set_weights([np.zeros((100, total), "float32"), bias])
    pairs = net.conditioning(np.zeros((3, 100), "float32"))
    assert len(pairs) == len(net.norms) == len(net.norm_channels)
    start = 0
    for (scale, shift), channels in zip(pairs, net.norm_channels):
        assert tuple(scale.shape) == (3, 1, 1, channels) == tuple(shift.shape)
        np.testing.assert_allclose(_np(scale)[0, 0, 0], 1 + bias[start:start + channels], atol=1e-6)
        np.testing.assert_allclose(_np(shift)[0, 0, 0], bias[start + channels:start + 2 * channels], atol=1e-6)
        start += 2 * channels


def test_conditioned_norm_output_has_the_given_statistics():
    # One conditioned layer on its own: IN(x) * scale + shift has mean = shift and std = scale per channel.
    net = StyleTransferNet(width=0.25, residual_blocks=1)
    x = np.random.default_rng(1).normal(4, 3, (2, 16, 16, 3)).astype("float32")
    features = net.encoder[0](x)
    scale = np.array([[0.5] * 8, [2.0] * 8], "float32")[:, None, None, :]
    shift = np.array([[1.0] * 8, [-3.0] * 8], "float32")[:, None, None, :]
    y = _np(net.norms[0](features) * scale + shift)
    np.testing.assert_allclose(y.mean((1, 2)), shift[:, 0, 0], atol=1e-4)
    np.testing.assert_allclose(y.std((1, 2)), scale[:, 0, 0], rtol=1e-3)


def test_zero_conditioning_is_the_plain_johnson_net_it_starts_from(tmp_path):
    keras.utils.set_random_seed(2)
    plain = JohnsonNet(width=0.25, residual_blocks=1)
    x = smooth_image(np.random.default_rng(0), 32, 40)[None]
    expected = _np(plain(x))
    plain.save(tmp_path / "plain.keras")
    from tfstyle.training.arbitrary import _copy_johnson_weights

    transfer = StyleTransferNet(width=0.25, residual_blocks=1)
    _copy_johnson_weights(tmp_path / "plain.keras", transfer)
    np.testing.assert_allclose(_np(transfer((x, np.ones((1, 100), "float32")))), expected, atol=1e-3)
    with pytest.raises(OptionError, match="width"):
        _copy_johnson_weights(plain, StyleTransferNet(width=0.5, residual_blocks=1))


def test_styles_change_the_output_and_round_trip(net, images, tmp_path):
    content = images["content"][None]
    out_a = _np(net((content, images["a"][None])))
    out_b = _np(net((content, images["b"][None])))
    assert out_a.shape == content.shape and np.abs(out_a - out_b).mean() > 0.5
    path = tmp_path / "arbitrary.keras"
    net.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    assert isinstance(loaded.predictor, CompactStylePredictor) and loaded.style_size == 64
    np.testing.assert_allclose(_np(loaded((content, images["a"][None]))), out_a, atol=1e-3)


def test_vgg_predictor_round_trip_stores_no_vgg(vgg_weights, tmp_path):
    predictor = StylePredictor(vgg_weights=vgg_weights)
    model = ArbitraryStyleNet(predictor, StyleTransferNet(width=0.25, residual_blocks=1))
    style = smooth_image(np.random.default_rng(4), 64, 64)[None]
    vector = _np(model.predict_style(style))
    model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").stat().st_size < 8e6  # VGG19 to relu4_1 alone would be ~40 MB
    loaded = keras.saving.load_model(tmp_path / "m.keras", compile=False)
    loaded.predictor.vgg_weights = vgg_weights
    np.testing.assert_allclose(_np(loaded.predict_style(style)), vector, rtol=1e-4, atol=1e-4)


def test_blend_weights_and_strength(net, images):
    a, b = net.style_vector(images["a"]), net.style_vector(images["b"])
    own = net.style_vector(images["content"])
    np.testing.assert_allclose(blend_style_vectors([a, b], [3, 1]), 0.75 * a + 0.25 * b, rtol=1e-5)
    np.testing.assert_allclose(blend_style_vectors([a], content_vector=own, strength=0.0), own, rtol=1e-5)
    only_a = stylize_arbitrary(images["content"], images["a"], model=net)
    # Weight 0 for b is style a alone; strength interpolates the vectors with the content's own.
    np.testing.assert_array_equal(stylize_arbitrary(images["content"], [images["a"], images["b"]],
                                                    style_weights=[1, 0], model=net), only_a)
    half = stylize_arbitrary(images["content"], images["a"], strength=0.5, model=net).astype(float)
    zero = stylize_arbitrary(images["content"], images["a"], strength=0.0, model=net).astype(float)
    assert np.abs(half - only_a).mean() < np.abs(zero - only_a).mean()
    for bad in ({"strength": 1.5}, {"style_weights": [1, -1]}, {"style_weights": [1]}):
        with pytest.raises(OptionError):
            stylize_arbitrary(images["content"], [images["a"], images["b"]], model=net, **bad)


def test_mask_paints_two_regions(net, images):
    content = images["content"]
    only_a = stylize_arbitrary(content, images["a"], model=net).astype(float)
    only_b = stylize_arbitrary(content, images["b"], model=net).astype(float)
    mask = np.zeros(content.shape[:2])
    mask[:, :48] = 1
    both = stylize_arbitrary(content, [images["a"], images["b"]], mask=mask, model=net).astype(float)
    assert np.abs(both[:, :48] - only_a[:, :48]).max() <= 1
    assert np.abs(both[:, 48:] - only_b[:, 48:]).max() <= 1
    with pytest.raises(OptionError, match="exactly two"):
        stylize_arbitrary(content, images["a"], mask=mask, model=net)


def test_large_images_are_tiled_consistently(net):
    image = smooth_image(np.random.default_rng(9), 200, 260)
    style = smooth_image(np.random.default_rng(10), 64, 64)
    whole = stylize_arbitrary(image, style, model=net, tile=512).astype(float)
    tiled = stylize_arbitrary(image, style, model=net, tile=128, overlap=48).astype(float)
    assert np.abs(whole - tiled).mean() < 1.0


def test_preserve_color_and_size(net, images):
    out = stylize_arbitrary(images["content"], images["a"], model=net, size=48, preserve_color=True)
    assert out.shape == (36, 48, 3) and out.dtype == np.uint8


def test_adain_through_the_same_api(vgg_weights, images):
    keras.utils.set_random_seed(1)
    adain = AdaINNet(decoder_width=0.5, vgg_weights=vgg_weights)
    out = stylize_arbitrary(images["content"], [images["a"], images["b"]], style_weights=[0.5, 0.5], strength=0.6,
                            model=adain)
    assert out.shape == images["content"].shape
    with pytest.raises(OptionError, match="fast-style network"):
        stylize_arbitrary(images["content"], images["a"], model="wave")
    with pytest.raises(OptionError, match="ArbitraryStyleNet"):
        stylize_arbitrary(images["content"], images["a"], model=adain, fit_steps=2)


def test_training_lowers_the_loss_and_distils(folders, tmp_path, vgg_weights):
    content_dir, style_dir = folders
    rng = np.random.default_rng(11)
    batch = (np.stack([smooth_image(rng, 32, 32) for _ in range(2)]),
             np.stack([smooth_image(rng, 32, 32) for _ in range(2)]))

    def total(model):
        return float(ArbitraryTrainer(model).loss_terms(batch)["total"])

    untrained = train_arbitrary(content_dir, style_dir, tmp_path / "a.keras", steps=1,
                                **{**TINY, "checkpoint_every": 1}, learning_rate=1e-9)
    # 24 steps: the stream now visits each photo once per pass (shuffled), so 12 steps are only 3 passes over 4 photos.
    trained = train_arbitrary(content_dir, style_dir, tmp_path / "b.keras", steps=24, **TINY, learning_rate=3e-3)
    assert total(trained) < 0.8 * total(untrained)
    history = (tmp_path / "b.ckpt" / "history.csv").read_text().splitlines()
    assert "content_loss" in history[0] and "style_loss" in history[0] and len(history) == 1 + 12

    compact = distill_predictor(tmp_path / "b.keras", style_dir, content_dir, tmp_path / "c.keras", width=0.25,
                                batch_size=4, steps=30, checkpoint_every=10, learning_rate=3e-3)
    losses = [float(line.split(",")[1]) for line in (tmp_path / "c.ckpt" / "history.csv").read_text().splitlines()[1:]]
    assert losses[-1] < losses[0]
    loaded = keras.saving.load_model(tmp_path / "c.keras", compile=False)
    assert isinstance(loaded.predictor, CompactStylePredictor)
    np.testing.assert_array_equal(loaded.transfer.get_weights()[0], trained.transfer.get_weights()[0])
    assert compact.style_size == 32


def test_resume_is_exact_and_guarded(folders, tmp_path, vgg_weights):
    content_dir, style_dir = folders
    straight = train_arbitrary(content_dir, style_dir, tmp_path / "straight.keras", steps=4, **TINY)
    first = train_arbitrary(content_dir, style_dir, tmp_path / "resumed.keras", steps=2, **TINY)
    assert json.loads((tmp_path / "resumed.ckpt" / "state.json").read_text())["epoch"] == 1
    resumed = train_arbitrary(content_dir, style_dir, tmp_path / "resumed.keras", steps=4, **TINY)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    assert any(not np.allclose(a, b) for a, b in zip(first.get_weights(), resumed.get_weights()))
    with pytest.raises(OptionError, match="other settings .*style_weight"):
        train_arbitrary(content_dir, style_dir, tmp_path / "resumed.keras", steps=6, **TINY, style_weight=1.0)
    with pytest.raises(OptionError, match="identity_pairs"):
        train_arbitrary(content_dir, style_dir, tmp_path / "x.keras", steps=2, **TINY, identity_pairs=2)


def test_reconstruction_term_is_the_identity_pairs_pixel_error(vgg_weights):
    keras.utils.set_random_seed(2)
    model = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25, residual_blocks=1),
                              style_size=32)
    rng = np.random.default_rng(4)
    batch = (np.stack([smooth_image(rng, 32, 32) for _ in range(3)]),
             np.stack([smooth_image(rng, 32, 32) for _ in range(3)]))
    trainer = ArbitraryTrainer(model, identity_pairs=1, reconstruction_weight=2.0, vgg_weights=vgg_weights)
    outputs = trainer(batch, training=True)
    stylized = _np(outputs["stylized"])
    # The last pair's style is its own content: same output as conditioning on the content's own vector
    # (training=True: the training output is not clipped to [0, 255]).
    own = _np(model.transfer((batch[0][2:], model.predict_style(batch[0][2:])), training=True))
    np.testing.assert_allclose(stylized[2:], own, atol=1e-3)
    assert np.isclose(float(outputs["reconstruction"]), np.mean((stylized[2] - batch[0][2]) ** 2), rtol=1e-4)
    without = ArbitraryTrainer(model, identity_pairs=1, vgg_weights=vgg_weights)._terms(outputs)
    with_term = trainer._terms(outputs)
    assert np.isclose(float(with_term["total"]), float(without["total"]) + 2.0 * float(outputs["reconstruction"]),
                      rtol=1e-5)
    assert float(trainer(batch)["reconstruction"]) == 0.0  # evaluation batches have no identity pairs


def test_continuing_at_a_larger_style_size_keeps_the_predictor_size(folders, tmp_path, vgg_weights):
    """The shipped 128 px network continued at 256 px: the loss sees the large painting, the predictor its own size."""
    keras.utils.set_random_seed(5)
    start = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25, residual_blocks=1),
                              style_size=32)
    rng = np.random.default_rng(6)
    kernel = start.transfer.style_params.kernel  # zero in a new network: make the style matter
    kernel.assign(rng.normal(0.0, 0.05, tuple(kernel.shape)).astype("float32"))
    content = np.stack([smooth_image(rng, 48, 48) for _ in range(2)])
    style = np.stack([smooth_image(rng, 48, 48) for _ in range(2)])
    trainer = ArbitraryTrainer(start, vgg_weights=vgg_weights)
    stylized = _np(trainer((content, style))["stylized"])
    double = np.stack([smooth_image(rng, 64, 64) for _ in range(2)])  # a multiple: 2x2 means (XLA compiles them)
    np.testing.assert_allclose(_np(trainer._predictor_input(double)),
                               double.reshape(2, 32, 2, 32, 2, 3).mean(axis=(2, 4)), atol=1e-3)
    small = keras.ops.image.resize(style, (32, 32), interpolation="bilinear")
    expected = _np(start.transfer((content, start.predict_style(small))))
    np.testing.assert_allclose(stylized, expected, atol=1e-3)
    assert np.abs(_np(start.transfer((content, start.predict_style(style)))) - expected).max() > 0.1
    start.save(tmp_path / "start.keras")
    continued = train_arbitrary(*folders, tmp_path / "big.keras", steps=1, **{**TINY, "image_size": 48,
                                "style_size": 48}, init=tmp_path / "start.keras")
    assert continued.style_size == 32
    assert keras.saving.load_model(tmp_path / "big.keras", compile=False).style_size == 32


def test_fine_tuning_a_compact_network_keeps_its_predictor(folders, tmp_path, vgg_weights):
    content_dir, style_dir = folders
    keras.utils.set_random_seed(3)
    start = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25, residual_blocks=1),
                              style_size=32)
    start.save(tmp_path / "start.keras")
    tuned = train_arbitrary(content_dir, style_dir, tmp_path / "tuned.keras", steps=4, **TINY, learning_rate=3e-3,
                            init=tmp_path / "start.keras", reconstruction_weight=1.0)
    for a, b in zip(start.predictor.get_weights(), tuned.predictor.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(not np.allclose(a, b) for a, b in zip(start.transfer.get_weights(), tuned.transfer.get_weights()))
    history = (tmp_path / "tuned.ckpt" / "history.csv").read_text().splitlines()
    assert "reconstruction_loss" in history[0]
    loaded = keras.saving.load_model(tmp_path / "tuned.keras", compile=False)
    assert isinstance(loaded.predictor, CompactStylePredictor) and loaded.predictor.trainable
    with pytest.raises(OptionError, match="init has width"):
        train_arbitrary(content_dir, style_dir, tmp_path / "x.keras", steps=2, **{**TINY, "width": 0.5},
                        init=tmp_path / "start.keras")

    # The relative loss, this time training the compact predictor too.
    both = train_arbitrary(content_dir, style_dir, tmp_path / "both.keras", steps=2, **TINY, learning_rate=3e-3,
                           init=tmp_path / "start.keras", loss="relative", content_weight=0.5, style_weight=1.0,
                           train_predictor=True)
    assert any(not np.allclose(a, b) for a, b in zip(start.predictor.get_weights(), both.predictor.get_weights()))
    assert json.loads((tmp_path / "both.ckpt" / "state.json").read_text())["config"]["loss"] == "relative"
    with pytest.raises(OptionError, match="loss must be one of"):
        ArbitraryTrainer(start, loss="gram")


def test_train_commands(folders, tmp_path, vgg_weights):
    from tfstyle.cli import main

    content_dir, style_dir = folders
    common = ["--content-dir", str(content_dir), "--style-dir", str(style_dir), "--steps", "1", "--batch-size", "2",
              "--image-size", "32", "--checkpoint-every", "1", "--no-jit", "-q"]
    assert main(["train", "arbitrary", "--out", str(tmp_path / "t.keras"), "--width", "0.25", "--style-size", "32",
                 *common]) == 0
    assert main(["train", "distill", "--teacher", str(tmp_path / "t.keras"), "--content-dir", str(content_dir),
                 "--style-dir", str(style_dir), "--out", str(tmp_path / "c.keras"), "--steps", "2", "--batch-size", "2",
                 "--checkpoint-every", "1", "--width", "0.25", "-q"]) == 0
    assert main(["train", "arbitrary", "--out", str(tmp_path / "r.keras"), "--width", "0.25", "--style-size", "32",
                 "--init", str(tmp_path / "c.keras"), "--loss", "relative", "--content-weight", "0.5",
                 "--style-weight", "1", "--reconstruction-weight", "1e-4", "--train-predictor", *common]) == 0
    config = json.loads((tmp_path / "r.ckpt" / "state.json").read_text())["config"]
    assert (config["loss"], config["content_weight"], config["train_predictor"]) == ("relative", 0.5, True)
    assert isinstance(keras.saving.load_model(tmp_path / "r.keras", compile=False).predictor, CompactStylePredictor)
    assert main(["train", "adain", "--out", str(tmp_path / "a.keras"), "--width", "0.25", *common]) == 0
    assert isinstance(keras.saving.load_model(tmp_path / "a.keras", compile=False), AdaINNet)


def test_auto_strength_picks_the_strongest_that_keeps_the_photos_structure(net, images, tmp_path):
    from tfstyle.cli import main
    from tfstyle.methods.arbitrary import AUTO_STRENGTHS
    from tfstyle.perceptual.metrics import ssim

    photo = images["content"]
    scores = {k: ssim(stylize_arbitrary(photo, images["a"], strength=k, model=net), photo) for k in AUTO_STRENGTHS}
    assert scores[AUTO_STRENGTHS[-1]] > scores[AUTO_STRENGTHS[0]]  # less strength keeps more structure
    threshold = (scores[0.6] + scores[0.8]) / 2  # between two strengths: auto must pick the weaker one
    expected = next(k for k in AUTO_STRENGTHS if scores[k] >= threshold)
    auto = stylize_arbitrary(photo, images["a"], strength="auto", min_ssim=threshold, model=net)
    np.testing.assert_array_equal(auto, stylize_arbitrary(photo, images["a"], strength=expected, model=net))
    with pytest.raises(OptionError, match="'auto'"):
        stylize_arbitrary(photo, images["a"], strength="strong", model=net)
    with pytest.raises(OptionError, match="min_ssim"):
        stylize_arbitrary(photo, images["a"], strength=0.5, min_ssim=0.5, model=net)
    model, src, painting = tmp_path / "net.keras", tmp_path / "photo.png", tmp_path / "painting.png"
    net.save(model)
    save_image(photo, src)
    save_image(images["a"], painting)
    assert main(["stylize", str(src), str(painting), "--model", str(model), "--strength", "auto", "-q",
                 "-o", str(tmp_path / "out.png")]) == 0


def test_refine_moves_the_picture_toward_the_painting(net, images, vgg_weights):
    from tfstyle.perceptual.metrics import Scorer

    content, style = images["content"], images["b"]
    scorer = Scorer(style, weights=vgg_weights)
    plain = stylize_arbitrary(content, style, model=net)
    refined = stylize_arbitrary(content, style, model=net, refine=8)
    assert refined.shape == plain.shape and refined.dtype == np.uint8
    assert scorer.style_distance(refined) < scorer.style_distance(plain) - 0.02
    np.testing.assert_array_equal(stylize_arbitrary(content, style, model=net, refine=0), plain)
    # Colours come back from the photo after the refinement: the photo's chroma, so moving it there again
    # changes nothing but rounding (the refined picture's own colours are far from it).
    from tfstyle.image.color import transfer_color

    kept = stylize_arbitrary(content, style, model=net, refine=2, preserve_color=True).astype(np.float32)
    inside = ((kept > 2) & (kept < 253)).all(-1)  # where clipping to [0, 255] took no colour away
    assert np.abs(transfer_color(kept, content) - kept)[inside].mean() < 1.0
    assert np.abs(transfer_color(refined.astype(np.float32), content) - refined)[inside].mean() > 3.0


def test_refine_refuses_what_it_would_undo(net, images):
    content, a, b = images["content"], images["a"], images["b"]
    for kwargs in ({"strength": 0.5}, {"strength": "auto"}, {"mask": np.ones((72, 96))}):
        styles = [a, b] if "mask" in kwargs else a
        with pytest.raises(OptionError, match="refine needs style images"):
            stylize_arbitrary(content, styles, model=net, refine=3, **kwargs)
    with pytest.raises(OptionError, match="refine must be an integer >= 0"):
        stylize_arbitrary(content, a, model=net, refine=-1)
