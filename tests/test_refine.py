"""The refine dial (tfstyle.methods.refine): optimizer steps from a network's picture toward the painting."""
import numpy as np
import pytest

from tfstyle.errors import OptionError
from tfstyle.methods import refine as refine_module
from tfstyle.methods.refine import check_refine, refine
from tfstyle.perceptual.metrics import Scorer

from .conftest import smooth_image


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(11)
    photo = smooth_image(rng, 96, 128)
    # A painting-like texture: stripes of saturated colour, far from the photo's statistics.
    stripes = np.zeros((96, 96, 3), np.float32)
    stripes[(np.arange(96) // 6) % 2 == 0] = (230.0, 60.0, 20.0)
    stripes[(np.arange(96) // 6) % 2 == 1] = (20.0, 40.0, 200.0)
    return {"photo": photo, "style": stripes}


def test_steps_lower_the_style_distance_step_by_step(vgg_weights, images):
    photo, style = images["photo"], images["style"]
    scorer = Scorer(style, weights=vgg_weights)
    start = scorer.report(photo, photo)
    snapshots = {}

    def keep(step, image):
        snapshots[step] = image.copy()
        return False

    out = refine(photo, photo, style, steps=20, work_size=None, optimizer="adam", vgg_weights=vgg_weights,
                 callback=keep)
    assert out.shape == photo.shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 255
    assert sorted(snapshots) == list(range(1, 21))
    distances = [scorer.style_distance(snapshots[n]) for n in (5, 10, 20)]
    # Measured: 0.97 for the photo, then about 0.80, 0.70, 0.55: the dial moves continuously.
    assert start["style"] > distances[0] > distances[1] > distances[2]
    assert distances[2] < 0.8 * start["style"]
    np.testing.assert_array_equal(out, snapshots[20])
    # The photo's structure stays: the content distance rises, but far below an unrelated picture's.
    assert scorer.content_distance(out, photo) < 0.8


def test_zero_steps_give_the_picture_back_and_options_are_checked(images):
    photo, style = images["photo"], images["style"]
    np.testing.assert_array_equal(refine(photo, photo, style, steps=0), photo)
    assert check_refine(0) == 0 and check_refine(np.int64(3)) == 3
    for bad in (-1, 2.5, True, "10"):
        with pytest.raises(OptionError, match="refine must be an integer >= 0"):
            check_refine(bad)
    with pytest.raises(OptionError, match="optimizer"):
        refine(photo, photo, style, steps=1, optimizer="sgd")
    with pytest.raises(OptionError, match="work_size"):
        refine(photo, photo, style, steps=1, work_size=8)
    with pytest.raises(OptionError, match="style_weights has 1 weights for 2"):
        refine(photo, photo, [style, style], steps=1, style_weights=[1.0])


def test_work_size_optimizes_small_and_adds_the_change_at_full_size(vgg_weights, images):
    photo, style = images["photo"], images["style"]
    seen = []
    out = refine(photo, photo, style, steps=3, work_size=64, optimizer="adam", vgg_weights=vgg_weights,
                 callback=lambda step, image: seen.append(image.shape) and False)
    assert seen == [(48, 64, 3)] * 3  # optimized at 64 px long side
    assert out.shape == photo.shape
    change = out - photo
    # The change is an upsampled 48x64 image: smooth (no pixel-level noise), and not zero.
    assert np.abs(change).mean() > 0.5
    assert np.abs(np.diff(change, axis=1)).mean() < 0.5 * np.abs(change).mean()


def test_add_change_upsamples_negative_changes():
    painted = np.full((8, 8, 3), 100.0, np.float32)
    change = np.full((4, 4, 3), -30.0, np.float32)
    np.testing.assert_allclose(refine_module._add_change(painted, change), 70.0, atol=1e-4)
    np.testing.assert_array_equal(refine_module._add_change(painted, change * 10), 0.0)  # clipped to [0, 255]


def test_lbfgs_also_refines(vgg_weights, images):
    photo, style = images["photo"], images["style"]
    scorer = Scorer(style, weights=vgg_weights)
    out = refine(photo, photo, style, steps=8, work_size=None, optimizer="lbfgs", vgg_weights=vgg_weights)
    assert scorer.style_distance(out) < scorer.style_distance(photo) - 0.02
