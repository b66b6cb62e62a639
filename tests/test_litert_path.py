"""The LiteRT path (#21): shipped presets run from cached TFLite files, without TensorFlow or Keras.

The real files of ``wave``, ``magenta_v1`` and the default arbitrary preset are built once per machine into a cache folder the
tests share (``$TFSTYLE_TEST_LITERT_CACHE``, else ``<tmp>/tfstyle-test-litert-<uid>``; ~60 s the
first time, keyed by the preset files' sha256 and the version, so a change rebuilds them).
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from tfstyle.errors import OptionError
from tfstyle.runtime import preset_files

from .conftest import SHARED

HOLDOUT = SHARED / "data" / "holdout" / "content"
STYLE = SHARED / "data" / "content" / "photos" / "adain_style_flowers.jpg"
ROOT = pathlib.Path(__file__).resolve().parents[1]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


@pytest.fixture(scope="session")
def built_cache() -> pathlib.Path:
    """A cache folder holding the real LiteRT files of wave, magenta_v1 and the default arbitrary preset (built when
    missing)."""
    root = pathlib.Path(os.environ.get("TFSTYLE_TEST_LITERT_CACHE")
                        or pathlib.Path(tempfile.gettempdir()) / f"tfstyle-test-litert-{os.getuid()}")
    root.mkdir(parents=True, exist_ok=True)
    old = os.environ.get("TFSTYLE_CACHE")
    os.environ["TFSTYLE_CACHE"] = str(root)
    try:
        from tfstyle.export.litert_cache import ensure_litert_cache
        from tfstyle.weights.registry import default_preset

        for name in dict.fromkeys(("wave", "magenta_v1", default_preset("arbitrary"))):
            ensure_litert_cache(name, quiet=True)
    finally:
        if old is None:
            del os.environ["TFSTYLE_CACHE"]
        else:
            os.environ["TFSTYLE_CACHE"] = old
    return root


@pytest.fixture
def cache(built_cache, monkeypatch) -> pathlib.Path:
    monkeypatch.setenv("TFSTYLE_CACHE", str(built_cache))
    return built_cache


@pytest.fixture
def photos():
    from tfstyle.image.io import load_image

    paths = sorted(HOLDOUT.glob("*.jpg"))[:2]
    if len(paths) < 2:
        pytest.skip(f"holdout photos not found in {HOLDOUT}")
    return [load_image(p, max_size=256) for p in paths]


# -------------------------------------------------------------- backend choice


def test_auto_picks_litert_for_a_cached_preset(cache):
    files = preset_files.choose("wave", "fast", "auto")
    assert files is not None and set(files) == {"whole", "stats", "tile", "smooth"}
    assert preset_files.choose(None, "arbitrary", "auto")["predictor"].is_file()  # the default arbitrary preset
    assert preset_files.choose("wave", "fast", "keras") is None


def test_auto_uses_keras_for_keras_files_and_objects_silently(cache, capsys):
    assert preset_files.choose("trained.keras", "fast", "auto") is None
    assert preset_files.choose(object(), "fast", "auto") is None
    assert capsys.readouterr().err == ""


def test_litert_refuses_what_the_files_cannot_serve(cache):
    with pytest.raises(OptionError, match="fit_steps"):
        preset_files.choose("magenta_v1", "arbitrary", "litert", {"fit_steps": 10})
    with pytest.raises(OptionError, match="shipped fast preset"):
        preset_files.choose("trained.keras", "fast", "litert")
    with pytest.raises(OptionError, match="backend must be"):
        preset_files.choose("wave", "fast", "tflite")
    import tfstyle

    with pytest.raises(OptionError, match="fit_steps"):
        tfstyle.stylize_arbitrary(np.zeros((32, 32, 3), np.uint8), np.zeros((32, 32, 3), np.uint8), fit_steps=3,
                                  backend="litert")


def test_auto_fallback_for_a_preset_prints_one_note(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TFSTYLE_CACHE", str(tmp_path))  # nothing built here
    preset_files._NOTED.clear()
    assert preset_files.choose("wave", "fast", "auto") is None
    assert preset_files.choose("magenta_v1", "arbitrary", "auto", {"fit_steps": 5}) is None
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("tfstyle: note: using Keras for ") for line in lines)
    assert "tfstyle export --cache wave" in lines[0] and "fit_steps" in lines[1]
    with pytest.raises(OptionError, match="not built"):
        preset_files.choose("wave", "fast", "litert")


# -------------------------------------------------------------- cache


def test_cache_is_written_atomically_and_reused(tmp_path, monkeypatch):
    from tfstyle.export import litert_cache as builder

    monkeypatch.setenv("TFSTYLE_CACHE", str(tmp_path))
    calls = []

    def fake_files(transfer, conditioned):
        calls.append(conditioned)
        return {role: f"{role} model".encode() for role in preset_files.ROLES["fast"]}

    monkeypatch.setattr(builder, "_transfer_files", fake_files)
    monkeypatch.setattr("tfstyle.weights.presets.load_model", lambda name, kind=None: object())
    folder = preset_files.cache_dir("wave")
    assert folder.name.startswith("wave-")
    assert folder.name.endswith(f"-{__import__('tfstyle').__version__}-f{preset_files.CACHE_FORMAT}")
    files = builder.ensure_litert_cache("wave", quiet=True)
    assert builder.ensure_litert_cache("wave", quiet=True) == files == preset_files.cached_files("wave")
    assert calls == [False]  # the second call did not rebuild
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "smooth.tflite", "stats.tflite", "tile.tflite",
                                                         "whole.tflite"]
    assert json.loads((folder / "manifest.json").read_text())["key"] == folder.name

    # A build that fails half-way leaves nothing, not even temporary files.
    other = preset_files.cache_dir("udnie")

    def broken(transfer, conditioned):
        raise RuntimeError("conversion failed")

    monkeypatch.setattr(builder, "_transfer_files", broken)
    with pytest.raises(RuntimeError):
        builder.build_litert_cache("udnie", quiet=True)
    assert not other.exists() or not list(other.iterdir())
    assert preset_files.cached_files("udnie") is None


def xnnpack_graphs(path) -> tuple[int, bool]:
    """``(XNNPACK partitions, whether one partition runs the whole signature)`` of a LiteRT file, once resized."""
    from tfstyle.runtime.litert import make_interpreter

    interpreter = make_interpreter(model_path=str(path), num_threads=1)
    runner = interpreter.get_signature_runner()
    details = runner.get_input_details()
    runner(**{name: np.zeros([1, 32, 48, 3] if name == "content" else detail["shape"], np.float32)
              for name, detail in details.items()})
    delegates = [op for op in interpreter._get_ops_details() if op["op_name"] == "DELEGATE"]
    inputs = {detail["index"] for detail in details.values()}
    outputs = {detail["index"] for detail in runner.get_output_details().values()}
    whole = len(delegates) == 1 and inputs <= set(delegates[0]["inputs"]) and outputs <= set(delegates[0]["outputs"])
    return len(delegates), whole


def test_built_files_have_dynamic_inputs_and_no_flex_ops(cache):
    from tfstyle.export.tflite import op_types
    from tfstyle.runtime.litert import make_interpreter
    from tfstyle.weights.registry import default_preset

    files = preset_files.cached_files("wave")
    assert set(files) == {"whole", "stats", "tile", "smooth"}
    for role in ("whole", "smooth"):
        assert not [op for op in op_types(files[role]) if op.startswith("Flex") or op == "CUSTOM"]
        detail = make_interpreter(model_path=str(files[role])).get_signature_runner().get_input_details()["content"]
        assert list(detail["shape_signature"]) == [1, -1, -1, 3]
        # Ops TFLite leaves outside XNNPACK at dynamic sizes (they split its graph: 4K ran 1.9x slower).
        assert not {"SPACE_TO_DEPTH", "BROADCAST_TO", "SHAPE", "PACK", "RESHAPE"} & set(op_types(files[role])), role
    # Every file a frame runs through is one XNNPACK graph: the smoothing adds no op outside it.
    for role, path in {**files, **{f"arbitrary {r}": p
                                   for r, p in preset_files.cached_files(default_preset("arbitrary")).items()}}.items():
        assert xnnpack_graphs(path) == (1, True), role


def test_smooth_file_smooths_like_keras(cache, photos):
    """The ``smooth`` file is Keras' one-pass smoothing (tfstyle.video.temporal.smoothed_norms), statistics and all."""
    from tfstyle.video.temporal import smoothed_norms
    from tfstyle.weights.presets import load_model

    net, keras_net = preset_files.LiteNet(preset_files.cached_files("wave")), load_model("wave")
    a, b = (photo[None, :128, :192] for photo in photos)
    out, first = net.smoothed(a, None, 0.9)
    assert np.abs(out - net(a)).max() < 0.01  # a first frame: its own statistics
    out, used = net.smoothed(b, first, 0.9)
    record: list = []
    with smoothed_norms(keras_net, first, 0.9, record=record):
        expected = np.asarray(keras_net(b))
    assert psnr(out, expected) >= 40 and len(used) == len(record) == len(keras_net.norms)
    for (mean, var), (keras_mean, keras_var) in zip(used, record):
        assert np.allclose(mean, keras_mean, atol=1e-3) and np.allclose(var, keras_var, rtol=1e-3, atol=1e-3)


# -------------------------------------------------------------- same pictures


def test_fast_preset_litert_matches_keras(cache, photos):
    import tfstyle

    for photo in photos:
        assert psnr(tfstyle.stylize(photo, "wave", backend="litert"), tfstyle.stylize(photo, "wave", backend="keras")) \
            >= 40


def test_magenta_litert_matches_keras_with_strength_and_blend(cache, photos):
    import tfstyle
    from tfstyle.image.io import load_image

    style = load_image(STYLE, max_size=256)
    for photo, kwargs in zip(photos, [{"strength": 0.6}, {"style_weights": [0.7, 0.3]}]):
        styles = [style, style[::-1]] if "style_weights" in kwargs else style
        a = tfstyle.stylize_arbitrary(photo, styles, backend="litert", **kwargs)
        b = tfstyle.stylize_arbitrary(photo, styles, backend="keras", **kwargs)
        assert psnr(a, b) >= 40, kwargs


def test_litert_tiles_agree_with_the_whole_image(cache, photos):
    import tfstyle
    from tfstyle.image.io import resize_image

    image = resize_image(photos[0], size=(160, 288))  # 4K proportions, small
    whole = tfstyle.stylize(image, "wave", backend="litert")
    # 12 tiles; an overlap of 16 px is below the network's context (28 dB, the Keras path alike), 32 is enough.
    tiled = tfstyle.stylize(image, "wave", backend="litert", tile=96, overlap=32)
    assert psnr(tiled, whole) >= 35
    strips = tfstyle.stylize(image, "wave", backend="litert", tile=(96, 288), overlap=32)
    assert psnr(strips, whole) >= 35


def test_litert_default_tiles_are_full_width_strips(cache, photos, monkeypatch):
    import tfstyle
    from tfstyle.image.io import resize_image

    image = resize_image(photos[0], size=(160, 288))
    whole = tfstyle.stylize(image, "wave", backend="litert")
    # As a 4K photo against the real budget: the default splits into strips as wide as the image.
    monkeypatch.setattr(preset_files, "LITE_TILE_PIXELS", 160 * 288 // 2)
    assert preset_files.lite_tile(160, 288, 32) == (76, 288)  # three strips
    strips = tfstyle.stylize(image, "wave", backend="litert", overlap=32)
    assert psnr(strips, whole) >= 35
    assert psnr(strips, tfstyle.stylize(image, "wave", backend="keras", tile=96, overlap=32)) >= 35


# -------------------------------------------------------------- no TensorFlow


def test_cli_stylize_with_a_warm_cache_imports_neither_tensorflow_nor_keras(cache, tmp_path):
    out = tmp_path / "out.jpg"
    code = ("import sys\nfrom tfstyle.cli import main\n"
            f"rc = main(['stylize', {str(HOLDOUT / min(os.listdir(HOLDOUT)))!r}, '--style', 'wave', "
            f"'-o', {str(out)!r}, '-q'])\n"
            "print(rc, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n")
    env = {**os.environ, "TFSTYLE_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert proc.stdout.split() == ["0", "False", "False"], proc.stderr[-2000:]
    assert out.is_file()


def test_video_of_presets_with_a_warm_cache_imports_neither_tensorflow_nor_keras(cache, tmp_path):
    """Video runs a preset's cached files as stills do: stylize_video, stylize_frames (the default arbitrary
    network, with strength and two paintings) and the command line, with no TensorFlow, Keras or conversion."""
    from tests.test_video import frame_count, make_clip

    clip = make_clip(tmp_path / "clip.mp4", frames=5, size=(96, 64))
    code = ("import sys\nimport tfstyle\nfrom tfstyle.cli import main\nfrom tfstyle.video.io import VideoReader\n"
            f"tfstyle.stylize_video({clip!r}, {str(tmp_path / 'fast.mp4')!r}, style='wave', progress=False)\n"
            f"frames = list(tfstyle.stylize_frames(VideoReader({clip!r}), method='arbitrary', strength=0.7, "
            f"style=[{str(STYLE)!r}, {str(HOLDOUT / min(os.listdir(HOLDOUT)))!r}], style_weights=[3, 1]))\n"
            f"rc = main(['stylize', {clip!r}, '--style', 'wave', '-o', {str(tmp_path / 'cli.mp4')!r}, '-q'])\n"
            "print(len(frames), rc, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n")
    env = {**os.environ, "TFSTYLE_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert proc.stdout.split() == ["5", "0", "False", "False"], proc.stderr[-2000:]
    assert frame_count(tmp_path / "fast.mp4") == 5 and frame_count(tmp_path / "cli.mp4") == 5


def test_video_frames_match_stills_from_the_same_files(cache, photos):
    """With smoothing and blending off, a clip's frames are the still pictures of the same cached files."""
    import tfstyle
    from tfstyle.image.io import load_image

    clip = [photo[:160, :200] for photo in photos]
    style = load_image(STYLE, max_size=256)
    frames = list(tfstyle.stylize_frames(clip, style="wave", temporal=0, stats_momentum=0))
    for frame, photo in zip(frames, clip):
        assert np.abs(frame.astype(int) - tfstyle.stylize(photo, "wave", backend="litert").astype(int)).max() <= 1
    # Arbitrary: the first frame's own style mixed in (strength 0.6) for the whole clip, then the fade.
    frames = list(tfstyle.stylize_frames(clip, method="arbitrary", style=style, strength=0.6, temporal=0,
                                         stats_momentum=0))
    still = tfstyle.stylize_arbitrary(clip[0], style, strength=0.6, backend="litert")
    assert np.abs(frames[0].astype(int) - still.astype(int)).max() <= 1


def test_a_preset_without_litert_files_notes_the_fallback(cache, capsys):
    preset_files._NOTED.clear()
    assert preset_files.choose("microast_v1", "arbitrary", "auto") is None
    err = capsys.readouterr().err
    assert err.startswith("tfstyle: note: using Keras for 'microast_v1': MicroASTNet presets have no LiteRT files")
    assert len(err.strip().splitlines()) == 1
