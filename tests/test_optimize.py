"""Optimization-based stylization (Gatys) on small images."""
import numpy as np
import pytest

from tfstyle.errors import ImageError, OptionError
from tfstyle.image import color
from tfstyle.methods.optimize import scale_sizes, stylize_optimize

from .conftest import smooth_image

SMALL = dict(size=64, steps=8, scales=1, progress=False, style_layers=["block1_conv1", "block2_conv1", "block3_conv1"],
             content_layers=["block3_conv2"])


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(7)
    return smooth_image(rng, 64, 64), smooth_image(rng, 64, 64), smooth_image(rng, 48, 64)


def _run(content, style, **kwargs):
    totals = []

    def callback(scale, step, image, terms):
        totals.append((scale, terms["total"]))
        return False

    out = stylize_optimize(content, style, callback=callback, **{**SMALL, **kwargs})
    return out, totals


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_loss_goes_down(images, vgg_weights, optimizer):
    content, style, _ = images
    out, totals = _run(content, style, optimizer=optimizer, steps=10, style_weight=1e-2)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    assert len(totals) >= 5
    assert totals[-1][1] < 0.5 * totals[0][1]
    # The image changed from its content start towards the style.
    assert np.abs(out.astype(float) - content).mean() > 1.0


def test_deterministic_with_seed(images, vgg_weights):
    content, style, _ = images
    a, _ = _run(content, style, init="noise", seed=3, steps=4)
    b, _ = _run(content, style, init="noise", seed=3, steps=4)
    c, _ = _run(content, style, init="noise", seed=4, steps=4)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a.astype(int) - c.astype(int)).mean() > 1


def test_blend_weights_select_styles(images, vgg_weights):
    content, style, other = images
    single, _ = _run(content, style, steps=4)
    blended, _ = _run(content, [style, other], style_weights=[1.0, 0.0], steps=4)
    np.testing.assert_array_equal(single, blended)
    mixed, _ = _run(content, [style, other], style_weights=[0.5, 0.5], steps=4)
    assert not np.array_equal(single, mixed)
    with pytest.warns(DeprecationWarning, match="style_weights"):  # the old name still works
        old, _ = _run(content, [style, other], style_blend=[1.0, 0.0], steps=4)
    np.testing.assert_array_equal(old, blended)


def test_preserve_color_luminance_keeps_content_chroma(images, vgg_weights):
    content, style, _ = images
    out, _ = _run(content, style, preserve_color=True, steps=6)
    # I and Q of the result are the content's, up to uint8 rounding and clipping at 0/255.
    iq_out = color.rgb_to_yiq(out.astype(np.float32))[..., 1:]
    iq_content = color.rgb_to_yiq(content)[..., 1:]
    inside = (out > 2).all(-1) & (out < 253).all(-1)
    assert inside.mean() > 0.5
    assert np.abs(iq_out - iq_content)[inside].max() < 1.5
    plain, _ = _run(content, style, steps=6)
    assert np.abs(color.rgb_to_yiq(plain.astype(np.float32))[..., 1:] - iq_content).mean() > 2.0


def test_preserve_color_histogram_runs(images, vgg_weights):
    content, style, _ = images
    out, totals = _run(content, style, preserve_color="histogram", steps=4)
    assert out.shape == (64, 64, 3) and totals[-1][1] < totals[0][1]


def test_coarse_to_fine_and_output_size(vgg_weights, rng, monkeypatch):
    monkeypatch.setattr("tfstyle.methods.optimize.MIN_SCALE_SIDE", 64)
    content = smooth_image(rng, 300, 400)
    style = smooth_image(rng, 128, 128)
    out, totals = _run(content, style, size=256, scales=2, steps=3)
    assert out.shape == (192, 256, 3)
    assert {scale for scale, _ in totals} == {0, 1}
    assert scale_sizes(192, 256, 2) == [(96, 128), (192, 256)]
    assert scale_sizes(192, 256, 4) == [(48, 64), (96, 128), (192, 256)]  # 24x32 is under MIN_SCALE_SIDE
    assert scale_sizes(64, 64, 1) == [(64, 64)]


def test_callback_can_stop_early(images, vgg_weights):
    content, style, _ = images
    seen = []
    stylize_optimize(content, style, callback=lambda *a: seen.append(a[1]) or len(seen) >= 2, **SMALL)
    assert seen == [1, 2]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(steps=0), "steps"),
        (dict(optimizer="sgd"), "optimizer"),
        (dict(init="zeros"), "init"),
        (dict(scales=0), "scales"),
        (dict(size=4), "size"),
        (dict(preserve_color="sepia"), "preserve_color"),
        (dict(style_weights=[1, 2, 3]), "style_weights"),
        (dict(style_layers=["block7_conv1"]), "unknown VGG19 layer"),
        (dict(content_weight=-1.0), "content_weight"),
    ],
)
def test_bad_options(images, kwargs, match):
    content, style, _ = images
    with pytest.raises(OptionError, match=match):
        stylize_optimize(content, style, **{**SMALL, **kwargs})


def test_bad_images(tmp_path, images):
    content, style, _ = images
    with pytest.raises(ImageError, match="no such file"):
        stylize_optimize(tmp_path / "missing.jpg", style, **SMALL)
    (tmp_path / "x.png").write_text("not a png")
    with pytest.raises(ImageError, match="not an image"):
        stylize_optimize(content, tmp_path / "x.png", **SMALL)
    with pytest.raises(ImageError):
        stylize_optimize(np.zeros((4, 4, 3)), style, **SMALL)
