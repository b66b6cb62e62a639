"""The styles shipped inside the package: catalogue, size budget, offline stylizing by name."""
import numpy as np
import pytest
from PIL import Image

import tfstyle
from tfstyle import pretrained
from tfstyle.cli import main
from tfstyle.errors import OptionError
from tfstyle.models import JohnsonNet

from .conftest import smooth_image

REQUIRED = {"wave", "starry_night", "the_scream", "udnie", "shipwreck", "woman_with_hat"}
STYLES = pretrained.list_styles()


def test_six_styles_ship_within_20_mb():
    assert REQUIRED <= set(STYLES)
    files = [pretrained.CATALOG_FILE.parent / entry["file"] for entry in pretrained.catalog().values()]
    assert all(f.is_file() for f in files)
    assert sum(f.stat().st_size for f in files) <= 20 * 2**20


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_catalog_records_painting_recipe_time_and_losses(name):
    entry = pretrained.catalog()[name]
    assert entry["artist"] and entry["painting"]
    assert entry["recipe"]["steps"] > 0 and entry["train_seconds"] > 0
    assert {"content_loss", "style_loss", "loss"} <= set(entry["val_losses"])


@pytest.mark.parametrize("name", STYLES)
def test_every_style_loads_and_changes_the_image(name, rng):
    net = pretrained.load(name)
    assert isinstance(net, JohnsonNet)
    image = smooth_image(rng, 64, 96).astype(np.uint8)
    out = tfstyle.stylize(image, style=name)
    assert out.shape == image.shape and out.dtype == np.uint8
    # A trained style repaints the photo: far from the input, not a flat colour.
    assert np.abs(out.astype(float) - image).mean() > 10
    assert out.std() > 10


def test_load_is_cached_and_unknown_name_is_refused():
    assert pretrained.load(STYLES[0]) is pretrained.load(STYLES[0])
    with pytest.raises(OptionError, match="unknown style 'nope'"):
        pretrained.load("nope")


def test_cli_stylizes_with_a_shipped_style(tmp_path, rng):
    src = tmp_path / "photo.jpg"
    Image.fromarray(smooth_image(rng, 72, 100).astype(np.uint8)).save(src)
    out = tmp_path / "out.jpg"
    assert main(["stylize", str(src), "--style", "wave", "-o", str(out), "-q"]) == 0
    assert Image.open(out).size == (100, 72)

