"""Network families meet the code through tfstyle.runtime.protocols: adapters, the one strength recipe, no class checks."""
from __future__ import annotations

import ast
import pathlib

import keras
import numpy as np
import pytest

from tfstyle.errors import OptionError
from tfstyle.models import AdaINNet, ArbitraryStyleNet, CompactStylePredictor, JohnsonNet, MicroASTNet, StyleTransferNet
from tfstyle.runtime.protocols import (
    ArbitraryStylizer,
    FittedStyle,
    NormalizedConvNet,
    NormStatsNet,
    PredictorTransferNet,
    as_stylizer,
)

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "tfstyle"
#: Classes whose instances are networks of one family: asking for them by name is a family check.
FAMILY_CLASSES = {"ArbitraryStyleNet", "MicroASTNet", "AdaINNet", "JohnsonNet", "StyleTransferNet", "MagentaHub",
                  "MagentaTFLite", "LiteNet", "LiteArbitrary", "ConditionedTransfer", "MicroASTConditioned"}
#: Where family-specific code legitimately lives: the networks and their adapters, and each family's trainer.
FAMILY_HOMES = ("models/", "training/", "methods/magenta.py")


def _np(x) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x), np.float32)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    smooth = rng.uniform(0, 255, (5, 7, 3)).astype(np.float32)
    content = np.asarray(keras.ops.image.resize(smooth[None], (40, 56)))[0]
    return {"content": content, "a": np.full((48, 48, 3), (200, 40, 40), np.float32),
            "b": rng.uniform(0, 255, (40, 64, 3)).astype(np.float32)}


def test_every_family_has_an_adapter_and_a_norm_stats_network(images, vgg_weights):
    keras.utils.set_random_seed(0)
    nets = [ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25)), MicroASTNet(),
            AdaINNet(decoder_width=0.25, vgg_weights=vgg_weights)]
    for net in nets:
        stylizer = as_stylizer(net)
        assert isinstance(stylizer, ArbitraryStylizer)
        code = stylizer.mix([stylizer.style_code(images["a"])], None, images["content"], 0.7)
        conditioned = stylizer.conditioned(code)
        assert isinstance(conditioned, NormStatsNet)
        batch = images["content"][None]
        stats = conditioned.norm_stats(batch)
        # Given statistics equal to the image's own reproduce the plain pass: what tiles and video rely on.
        np.testing.assert_allclose(_np(conditioned(batch, stats=stats)), _np(conditioned(batch)), atol=0.05)
    assert isinstance(nets[0], PredictorTransferNet) and not isinstance(nets[1], PredictorTransferNet)
    assert isinstance(JohnsonNet(width=0.25), NormalizedConvNet)
    with pytest.raises(OptionError, match="not an arbitrary-style network"):
        as_stylizer(JohnsonNet(width=0.25))


def test_adain_codes_mix_exactly_as_its_alpha_and_interpolation(images, vgg_weights):
    """AdaIN is affine in the style statistics: mixing codes is the paper's alpha and style interpolation."""
    keras.utils.set_random_seed(2)
    net = AdaINNet(decoder_width=0.25, vgg_weights=vgg_weights)
    painted = net.stylizer().paint(images["content"], [images["a"], images["b"]], style_weights=[0.3, 0.7],
                                   strength=0.6, tile=512)
    reference = _np(net.stylize(images["content"], [images["a"], images["b"]], strength=0.6, style_weights=[0.3, 0.7]))
    assert np.abs(painted - reference).max() < 0.05


def test_microast_strength_blends_with_the_photo(images):
    net = MicroASTNet()
    stylizer = net.stylizer()
    full = stylizer.paint(images["content"], [images["a"]], tile=512)
    np.testing.assert_allclose(full, _np(net.stylize(images["content"], images["a"])), atol=0.05)
    half = stylizer.paint(images["content"], [images["a"]], strength=0.5, tile=512)
    np.testing.assert_allclose(half, 0.5 * full + 0.5 * images["content"], atol=0.05)
    with pytest.raises(OptionError, match="ArbitraryStyleNet"):
        stylizer.paint(images["content"], [FittedStyle(np.zeros(4, np.float32))], tile=512)


def test_ghiasi_strength_zero_gives_the_photo_and_masks_paint_two_regions(images):
    keras.utils.set_random_seed(1)
    stylizer = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25)).stylizer()
    content = images["content"]
    np.testing.assert_allclose(stylizer.paint(content, [images["a"]], strength=0.0, tile=512), content, atol=1e-3)
    mask = np.zeros((*content.shape[:2], 1), np.float32)
    mask[:, :28] = 1
    both = stylizer.paint(content, [images["a"], images["b"]], mask=mask, tile=512)
    left = stylizer.paint(content, [images["a"]], tile=512)
    right = stylizer.paint(content, [images["b"]], tile=512)
    np.testing.assert_allclose(both[:, :28], left[:, :28], atol=1e-3)
    np.testing.assert_allclose(both[:, 28:], right[:, 28:], atol=1e-3)


def _family_checks(path: pathlib.Path) -> list[str]:
    """``isinstance(x, Family)``, ``hasattr(...)`` and ``type(x).__name__ ==`` in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "isinstance" and len(node.args) == 2:
                kinds = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
                names = {k.id if isinstance(k, ast.Name) else getattr(k, "attr", "") for k in kinds}
                found += [f"{path.name}:{node.lineno} isinstance {n}" for n in names & FAMILY_CLASSES]
            if node.func.id == "hasattr" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant):
                if node.args[1].value not in ("sched_getaffinity", "__array__"):
                    found.append(f"{path.name}:{node.lineno} hasattr {node.args[1].value}")
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "__name__":
            found.append(f"{path.name}:{node.lineno} type name")
    return found


def test_no_family_checks_outside_the_adapters():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if not relative.startswith(FAMILY_HOMES):
            offenders += [f"{relative}: {hit}" for hit in _family_checks(path) if "__main__" not in hit]
    assert not offenders, offenders
