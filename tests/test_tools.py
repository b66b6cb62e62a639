"""Repository tools: the GPU pack fits its budget."""
import importlib.util
import pathlib

import numpy as np
from PIL import Image

from .conftest import smooth_image

TOOLS = pathlib.Path(__file__).parents[1] / "tools"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pack_content_crops_until_budget(tmp_path, rng):
    pack = _load("pack_gpu")
    photos = []
    for i, (h, w) in enumerate([(60, 90), (100, 50), (80, 80), (70, 120)]):
        photos.append(tmp_path / f"{i}.png")
        Image.fromarray(smooth_image(rng, h, w).astype(np.uint8)).save(photos[-1])
    out = tmp_path / "crops"
    assert pack.pack_content(photos, out, 48, budget=10**6) == 4
    assert all(Image.open(p).size == (48, 48) for p in out.iterdir())
    one = (out / "00000.jpg").stat().st_size
    assert pack.pack_content(photos, tmp_path / "small", 48, budget=one + 1) == 1
