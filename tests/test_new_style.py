"""``tfstyle.new_style`` / ``tfstyle new-style``: a painting folded into the phone network and fitted on photos."""
from __future__ import annotations

import numpy as np
import pytest

import tfstyle
from tfstyle.atomic import save_model
from tfstyle.cli import main
from tfstyle.errors import OptionError
from tfstyle.image.io import cover_crop, load_image, save_image
from tfstyle.models import JohnsonNet
from tfstyle.perceptual.metrics import Scorer
from tfstyle.training.new_style import default_photos, new_style, phone_file

from .conftest import smooth_image, tiny_arbitrary_net

SIZE = 64


def _painting() -> np.ndarray:
    """A bold painting-like image (diagonal colour bands and blobs) far from any photo's statistics."""
    y, x = np.mgrid[0:96, 0:96].astype(np.float32)
    bands = np.stack([np.sin((x + y) / 5.0), np.sin((x - 2 * y) / 7.0), np.cos(x / 4.0)], axis=-1)
    return np.clip(127.5 + 120 * bands, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def made(tmp_path_factory, vgg_weights):
    """A real run of the default network, tiny: 12 steps on two shipped photos at 64 px."""
    folder = tmp_path_factory.mktemp("new_style")
    painting = folder / "painting.png"
    save_image(_painting(), painting)
    photos = default_photos()[:2]
    result = new_style(painting, folder / "bands.keras", photos=photos, steps=12, seconds=None, size=SIZE,
                       learning_rate=0.05, vgg_weights=vgg_weights)
    unfitted = new_style(painting, folder / "unfitted.keras", photos=photos, steps=0, seconds=None)
    return result, unfitted, painting, photos


def test_shipped_photos_are_the_public_domain_ones():
    names = sorted(p.name for p in default_photos())
    assert names == ["astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg"]
    for path in default_photos():
        assert min(load_image(path).shape[:2]) == 384 and path.stat().st_size < 80_000
    credits = (default_photos()[0].parent / "README.md").read_text()
    assert all(word in credits for word in ("NASA", "CC0", "SpaceX", "scikit-image"))


def test_the_file_loads_stylizes_and_differs_from_the_unfitted_fold(made):
    result, unfitted, _, _ = made
    assert result.steps == 12 and len(result.style_losses) == 12 and result.path.is_file()
    loaded = tfstyle.load_model(str(result.path))
    assert type(loaded) is JohnsonNet and tfstyle.presets.model_kind(loaded) == "fast"
    photo = smooth_image(np.random.default_rng(3), 72, 96).astype(np.uint8)
    painted = tfstyle.stylize(photo, model=str(result.path), backend="keras")
    before = tfstyle.stylize(photo, model=str(unfitted.path), backend="keras")
    assert painted.shape == photo.shape and painted.dtype == np.uint8
    # The fit moved the style: on [0, 255] the pictures differ by several levels on average.
    assert np.abs(painted.astype(float) - before).mean() > 2.0
    # Unfitted, the fold paints what the default arbitrary network paints with the painting.
    arbitrary = tfstyle.stylize_arbitrary(photo, load_image(made[2]), backend="keras")
    assert np.abs(before.astype(float) - arbitrary).max() <= 2.0


def test_the_fit_beats_the_fold_on_its_own_photos(made, vgg_weights):
    result, unfitted, painting, photos = made
    scorer = Scorer(load_image(painting, max_size=SIZE), weights=vgg_weights)
    scores = {"fitted": [], "unfitted": []}
    for path in photos:
        photo = cover_crop(load_image(path), (SIZE, SIZE))
        for key, made_style in (("fitted", result), ("unfitted", unfitted)):
            painted = tfstyle.stylize(photo.astype(np.uint8), model=made_style.model, backend="keras")
            scores[key].append(scorer.score(painted, photo))
    style = {key: np.mean([s["style"] for s in value]) for key, value in scores.items()}
    content = {key: np.mean([s["content"] for s in value]) for key, value in scores.items()}
    assert style["fitted"] < 0.95 * style["unfitted"], style
    assert content["fitted"] <= content["unfitted"] * 1.02, content
    # The balanced fit's record: step 0 is the unfitted network (ratio 1), the kept step lowered both losses.
    assert len(result.balance) == 12 and result.balance[0] == pytest.approx(1.0, abs=1e-3)
    assert min(result.balance) < 1.0 and result.content_weight is None


def test_the_cli_writes_a_style_that_stylize_and_export_take(tmp_path, capsys, vgg_weights):
    painting, photos = tmp_path / "painting.png", tmp_path / "photos"
    save_image(_painting(), painting)
    photos.mkdir()
    for i in range(2):
        save_image(smooth_image(np.random.default_rng(i), 80, 80), photos / f"p{i}.png")
    out = tmp_path / "bands.keras"
    rc = main(["new-style", str(painting), "-o", str(out), "--photos", str(photos), "--steps", "2", "--size",
               str(SIZE), "--tflite", "-q"])
    printed = capsys.readouterr().out
    assert rc == 0 and out.is_file() and "2 fitting steps" in printed
    assert phone_file(out, "float16").is_file() and phone_file(out, "float16").with_suffix(".tflite.json").is_file()
    assert main(["stylize", str(photos / "p0.png"), "--model", str(out), "-o", str(tmp_path / "out.png")]) == 0
    assert load_image(tmp_path / "out.png").shape == (80, 80, 3)
    assert main(["export", "--model", str(out), "-o", str(tmp_path / "bands.tflite"), "--size", "64"]) == 0
    assert (tmp_path / "bands.tflite").stat().st_size > 100_000


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("tfstyle: error:"), err
    return err


def test_a_bad_painting_is_one_line_and_writes_nothing(tmp_path, capsys):
    painting = tmp_path / "notes.jpg"
    painting.write_text("not an image")
    out = tmp_path / "x.keras"
    assert main(["new-style", str(painting), "-o", str(out), "--steps", "1", "-q"]) == 1
    assert "not an image" in _one_line(capsys)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["notes.jpg"]
    assert main(["new-style", str(tmp_path / "missing.jpg"), "-o", str(out), "-q"]) == 1
    assert "no such file" in _one_line(capsys)
    assert main(["new-style", str(painting), "-o", str(tmp_path / "x.h5"), "-q"]) == 1
    assert ".keras" in _one_line(capsys)


def test_an_input_is_never_overwritten(tmp_path):
    net = tiny_arbitrary_net(5)
    source = save_model(net, tmp_path / "source.keras")
    painting = tmp_path / "painting.keras"  # an image with a .keras name: still an input
    save_image(_painting(), tmp_path / "p.png")
    (tmp_path / "p.png").rename(painting)
    photo = tmp_path / "photo.png"
    save_image(smooth_image(np.random.default_rng(2), 48, 48), photo)
    before = {p: p.read_bytes() for p in (source, painting, photo)}
    with pytest.raises(OptionError, match="is an input"):
        new_style(painting, painting, photos=[photo], model=source, steps=0,
                  seconds=None)
    with pytest.raises(OptionError, match="is an input"):
        new_style(painting, source, photos=[photo], model=str(source), steps=0, seconds=None)
    with pytest.raises(OptionError, match="steps must be"):
        new_style(painting, tmp_path / "x.keras", photos=[photo], steps=-1)
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["painting.keras", "photo.png", "source.keras"]
