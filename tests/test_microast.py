"""MicroAST (Wang et al. 2023): the PyTorch-free checkpoint reader, the port's controls, the shipped weights, export.

``tests/data/microast_reference.npz`` holds outputs of the authors' own PyTorch code (made once with
``torch==2.13.0`` in a throwaway environment, see ``tools/microast_parity.py``): on a synthetic
61x83 photo-like image (stored, uint8) with a synthetic 48x48 style; nothing derived from
``../shared`` is stored. No PyTorch here.
"""
import importlib.util
import io
import os
import pathlib
import pickle

import keras
import numpy as np
import pytest

from tfstyle.errors import OptionError
from tfstyle.image.io import cover_crop
from tfstyle.models.microast import CODE_SIZE, MicroASTNet, upsample_bilinear2x
from tfstyle.perceptual.metrics import psnr
from tfstyle.weights.registry import preset_path

from .conftest import SHARED, smooth_image

MICROAST_FILE = preset_path("microast_v1")

ROOT = pathlib.Path(__file__).resolve().parents[1]
REFERENCE = pathlib.Path(__file__).resolve().parent / "data" / "microast_reference.npz"
CHECKPOINTS = SHARED / "anchors" / "microast"


def _tool():
    spec = importlib.util.spec_from_file_location("convert_microast", ROOT / "tools" / "convert_microast.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.fixture(scope="module")
def tool():
    return _tool()


@pytest.fixture(scope="module")
def shipped():
    return keras.saving.load_model(MICROAST_FILE)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(5)
    return {"content": smooth_image(rng, 37, 53), "a": smooth_image(rng, 40, 32), "b": smooth_image(rng, 29, 41)}


def _legacy_file(obj_pickle: bytes) -> bytes:
    """A PyTorch legacy checkpoint around ``obj_pickle`` (no storages)."""
    header = [0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True,
                                             "type_sizes": {"short": 2, "int": 4, "long": 4}}]
    return b"".join(pickle.dumps(v, protocol=2) for v in header) + obj_pickle + pickle.dumps([], protocol=2)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_restricted_unpickler_refuses_other_globals(tool, tmp_path):
    for payload in (pickle.dumps(os.system, protocol=2), pickle.dumps({"w": _Evil()}, protocol=2)):
        with pytest.raises(pickle.UnpicklingError, match=r"refusing to load (posix|nt|os)\.system"):
            tool.RestrictedUnpickler(io.BytesIO(payload)).load()
        path = tmp_path / "evil.pth.tar"
        path.write_bytes(_legacy_file(payload))
        with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
            tool.read_legacy_checkpoint(path)
    # Plain data and OrderedDict pass; a zip checkpoint or junk is refused clearly.
    assert tool.RestrictedUnpickler(io.BytesIO(pickle.dumps([1, "a", (2.0,)], protocol=2))).load() == [1, "a", (2.0,)]
    (tmp_path / "zip.pth").write_bytes(b"PK\x03\x04rest")
    with pytest.raises(tool.CheckpointError, match="zip checkpoint"):
        tool.read_legacy_checkpoint(tmp_path / "zip.pth")


def test_converter_names_missing_and_extra_tensors(tool):
    model = MicroASTNet()
    tensors = {}
    for path, conv in model.torch_layers().items():
        tensors[f"{path}.conv_layer.weight"] = np.zeros(np.shape(conv.kernel), np.float32).transpose(3, 2, 0, 1)
        tensors[f"{path}.conv_layer.bias"] = np.zeros(np.shape(conv.bias), np.float32)
    assert len(tensors) == 62 and len(tool.map_tensors(model, tensors)) == 62
    broken = dict(tensors)
    del broken["decoder.dec3.10.conv_layer.bias"]
    broken["modulator.extra.0.conv_layer.weight"] = np.zeros((1,), np.float32)
    with pytest.raises(tool.CheckpointError) as error:
        tool.map_tensors(model, broken)
    assert "missing tensors" in str(error.value) and "decoder.dec3.10.conv_layer.bias" in str(error.value)
    assert "left over" in str(error.value) and "modulator.extra.0.conv_layer.weight" in str(error.value)
    wrong = dict(tensors, **{"style_encoder.enc1.0.conv_layer.weight": np.zeros((16, 3, 3, 3), np.float32)})
    with pytest.raises(tool.CheckpointError, match=r"style_encoder.enc1.0.conv_layer.weight: shape \(16, 3, 3, 3\)"):
        tool.map_tensors(model, wrong)


def test_reads_the_published_checkpoints_into_the_shipped_weights(tool, shipped):
    if not (CHECKPOINTS / "decoder_iter_160000.pth.tar").is_file():
        pytest.skip("MicroAST checkpoints (../shared/anchors/microast) not available")
    tensors = tool.load_checkpoints(CHECKPOINTS)
    converted = tool.build_model(tensors)
    assert sum(int(np.prod(v.shape)) for v in tensors.values()) == 471987
    for ours, theirs in zip(converted.weights, shipped.weights):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_bilinear_upsampling_matches_half_pixel_resize():
    x = np.random.default_rng(0).normal(size=(2, 5, 7, 3)).astype(np.float32)
    expected = _np(keras.ops.image.resize(x, (10, 14), interpolation="bilinear", antialias=False))
    np.testing.assert_allclose(_np(upsample_bilinear2x(x)), expected, atol=1e-5)


def test_odd_sizes_style_code_and_round_trip(tmp_path, images):
    keras.utils.set_random_seed(3)
    net = MicroASTNet()
    content = images["content"][None]  # 37 x 53: computed at 40 x 56, cropped back
    out = _np(net((content, images["a"][None])))
    assert out.shape == (1, 37, 53, 3) and out.min() >= 0 and out.max() <= 255
    code = _np(net.encode_style(np.stack([images["a"], images["a"][::-1]])))
    assert code.shape == (2, CODE_SIZE)
    assert _np(net.decode(np.concatenate([content, content]), code)).shape == (2, 37, 53, 3)
    np.testing.assert_allclose(_np(net.decode(content, code[:1])), out, atol=1e-4)
    with pytest.raises(OptionError, match="at least 8x8"):
        net((np.zeros((1, 6, 30, 3), np.float32), images["a"][None]))
    path = tmp_path / "microast.keras"
    net.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, MicroASTNet)
    np.testing.assert_array_equal(_np(loaded((content, images["a"][None]))), out)


def test_alpha_blending_and_mask(shipped, images):
    content, a, b = images["content"], images["a"], images["b"]
    assert psnr(_np(shipped.stylize(content, a, alpha=0.0)), content) >= 30  # exactly the photo (inf)
    first = _np(shipped.stylize(content, a))
    half = _np(shipped.stylize(content, a, alpha=0.5))
    np.testing.assert_allclose(half, 0.5 * first + 0.5 * content, atol=1e-3)
    # The authors' feature-space alpha: alpha 1 is the plain network.
    np.testing.assert_allclose(_np(shipped.stylize(content, a, alpha=1.0, alpha_mode="feature")), first, atol=1e-4)
    np.testing.assert_allclose(_np(shipped.stylize(content, [a, b], style_weights=[1, 0])), first, atol=1e-3)
    blend = _np(shipped.stylize(content, [a, b], style_weights=[0.5, 0.5]))
    assert np.abs(blend - first).mean() > 1.0
    np.testing.assert_allclose(_np(shipped.stylize(content, [a, b], mask=np.ones(content.shape[:2]))), first,
                               atol=1e-3)
    second = _np(shipped.stylize(content, b))
    np.testing.assert_allclose(_np(shipped.stylize(content, [a, b], mask=np.zeros(content.shape[:2]))), second,
                               atol=1e-3)
    with pytest.raises(OptionError, match="exactly two styles"):
        shipped.stylize(content, a, mask=np.ones(content.shape[:2]))
    with pytest.raises(OptionError, match="alpha"):
        shipped.stylize(content, a, alpha=1.5)


def test_shipped_weights_match_the_authors_output(shipped):
    ref = np.load(REFERENCE)
    content, style = ref["content"].astype(np.float32), ref["style"].astype(np.float32)
    raw = _np(shipped._forward01(content[None] / 255.0, shipped.encode_style(style)))[0]
    authors = ref["authors"].astype(np.float32)  # float16: 5e-4 steps near 1
    assert raw.shape == authors.shape == (64, 84, 3)
    assert np.abs(raw - authors).max() < 2e-3
    out = _np(shipped((content[None], style[None])))[0]
    np.testing.assert_allclose(out, np.clip(authors[:61, :83], 0, 1) * 255.0, atol=0.5)


def test_float16_tflite_without_flex_ops(shipped, tmp_path, images):
    import tensorflow as tf

    from tfstyle.export.tflite import convert_signature, op_types
    from tfstyle.runtime.litert import run_signature

    content = cover_crop(images["content"], (48, 64))[None]
    style = cover_crop(images["a"], (32, 32))[None]

    def serve(content, style):
        return {"stylized": tf.cast(shipped((content, style)), tf.float32)}

    data = convert_signature(shipped, serve, {"content": (1, 48, 64, 3), "style": (1, 32, 32, 3)}, "float16")
    path = tmp_path / "microast_f16.tflite"
    path.write_bytes(data)
    ops = op_types(path)
    assert not [op for op in ops if "FLEX" in op.upper() or "CUSTOM" in op.upper()], ops
    out = run_signature(path, {"content": content, "style": style})["stylized"]
    assert psnr(np.clip(out[0], 0, 255), _np(shipped((content, style)))[0]) >= 40


def test_tiles_share_the_whole_images_statistics(shipped, images):
    """Large images run in tiles (stylize_arbitrary) that normalize with the whole image's statistics."""
    from tfstyle.methods.arbitrary import stylize_arbitrary

    photo = smooth_image(np.random.default_rng(3), 160, 288)
    whole = stylize_arbitrary(photo, images["a"], model=shipped, tile=512).astype(np.float32)
    tiled = stylize_arbitrary(photo, images["a"], model=shipped, tile=128, overlap=32).astype(np.float32)
    assert psnr(tiled, whole) >= 30
    own = shipped.conditioned(shipped.encode_style(images["a"]))
    stats = own.norm_stats(photo[None])
    np.testing.assert_allclose(_np(own(photo[None], stats=stats)), _np(own(photo[None])), atol=1e-3)
