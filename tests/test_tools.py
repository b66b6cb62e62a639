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


def test_pack_vgg_halves_weights_and_zeroes_unused_layers(tmp_path, rng):
    import h5py

    pack = _load("pack_gpu")
    source = tmp_path / "vgg.h5"
    kernel = rng.normal(size=(3, 3, 4, 8)).astype(np.float32)
    with h5py.File(source, "w") as f:
        f.attrs["layer_names"] = [b"block1_conv1", b"block5_conv2"]
        for layer in ("block1_conv1", "block5_conv2"):
            group = f.create_group(layer)
            group.attrs["weight_names"] = [f"{layer}_W_1:0".encode()]
            group.create_dataset(f"{layer}_W_1:0", data=kernel)
    pack.pack_vgg(source, tmp_path / "small.h5")

    def names(values):
        return [v.decode() if isinstance(v, bytes) else v for v in values]

    with h5py.File(tmp_path / "small.h5") as f:
        assert names(f.attrs["layer_names"]) == ["block1_conv1", "block5_conv2"]
        kept, dropped = f["block1_conv1/block1_conv1_W_1:0"][()], f["block5_conv2/block5_conv2_W_1:0"][()]
        assert names(f["block1_conv1"].attrs["weight_names"]) == ["block1_conv1_W_1:0"]
    assert kept.dtype == np.float16 and np.abs(kept - kernel).max() < 2e-3
    assert dropped.shape == kernel.shape and not dropped.any()
