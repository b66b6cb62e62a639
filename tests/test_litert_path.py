"""The LiteRT path (#21): shipped presets run from cached TFLite files, without TensorFlow or Keras.

The real files of ``wave``, ``magenta_v1`` and the default arbitrary preset are built once per machine into a cache folder the
tests share (``$TFSTYLE_TEST_LITERT_CACHE``, else ``<tmp>/tfstyle-test-litert-<uid>``; ~60 s the
first time, keyed by the preset files' sha256 and the version, so a change rebuilds them).

These tests are about the user cache and its builder, so the package's prebuilt files are switched off here
(``TFSTYLE_SHIPPED_LITERT=0``, inherited by the subprocesses); ``tests/test_presets.py`` and
``tests/test_light_install.py`` test the prebuilt files.
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
    old = {key: os.environ.get(key) for key in ("TFSTYLE_CACHE", preset_files.SHIPPED_ENV)}
    os.environ.update({"TFSTYLE_CACHE": str(root), preset_files.SHIPPED_ENV: "0"})
    try:
        from tfstyle.export.litert_cache import ensure_litert_cache
        from tfstyle.weights.registry import default_preset

        for name in dict.fromkeys(("wave", "magenta_v1", default_preset("arbitrary"))):
            ensure_litert_cache(name, quiet=True)
    finally:
        for key, value in old.items():
            if value is None:
                del os.environ[key]
            else:
                os.environ[key] = value
    return root


@pytest.fixture(autouse=True)
def no_shipped_files(monkeypatch):
    """The user cache alone, as before the package shipped files (this process and the subprocesses it starts)."""
    monkeypatch.setenv(preset_files.SHIPPED_ENV, "0")


@pytest.fixture
def cache(built_cache, monkeypatch) -> pathlib.Path:
    monkeypatch.setenv("TFSTYLE_CACHE", str(built_cache))
    monkeypatch.setenv(preset_files.SHIPPED_ENV, "0")  # also where other modules import this fixture
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
    monkeypatch.setattr(builder, "_check_loads", lambda name, role, content: None)  # the fake bytes do not load
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


def _fresh_process(code: str, cache, timeout: int) -> subprocess.CompletedProcess:
    """``code`` in a new Python with ``cache`` as the LiteRT cache: what a user's first command sees."""
    env = {**os.environ, "TFSTYLE_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout,
                          check=False)


def test_cli_stylize_with_a_warm_cache_imports_neither_tensorflow_nor_keras(cache, tmp_path):
    out = tmp_path / "out.jpg"
    code = ("import sys\nfrom tfstyle.cli import main\n"
            f"rc = main(['stylize', {str(HOLDOUT / min(os.listdir(HOLDOUT)))!r}, '--style', 'wave', "
            f"'-o', {str(out)!r}, '-q'])\n"
            "print(rc, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n")
    proc = _fresh_process(code, cache, timeout=60)
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
    proc = _fresh_process(code, cache, timeout=120)
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


# -------------------------------------------------------------- faults: damaged, unwritable, concurrent (#29)


def _clean_copy(built_cache: pathlib.Path, root: pathlib.Path, name: str = "wave") -> pathlib.Path:
    """A copy of ``name``'s built cache folder under cache root ``root`` (faults never touch the shared cache)."""
    import shutil

    key = preset_files.cache_dir(name).name  # the key does not depend on the root
    folder = root / "litert" / key
    shutil.copytree(built_cache / "litert" / key, folder)
    return folder


def _damage(path: pathlib.Path, fault: str) -> None:
    data = bytearray(path.read_bytes())
    if fault == "truncated":
        data = data[: len(data) // 2]
    elif fault == "zeroed":
        data[len(data) // 3: len(data) // 3 + 4096] = bytes(4096)
    else:  # one bit of one byte flipped, deep in the weights
        data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def _cli(args: list, cache_root, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "TFSTYLE_CACHE": str(cache_root), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tfstyle", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)


def _notes(stderr: str) -> list:
    return [line for line in stderr.splitlines() if line.startswith("tfstyle:")]


@pytest.mark.parametrize("fault", ["truncated", "zeroed", "bit-flipped"])
def test_a_damaged_cached_file_is_detected_and_falls_back_with_a_note(built_cache, tmp_path, monkeypatch, capsys,
                                                                      photos, fault):
    """Every damaged file fails its SHA-256: the Python API (which cannot rebuild) notes it and runs Keras."""
    import tfstyle

    monkeypatch.setenv("TFSTYLE_CACHE", str(tmp_path))
    folder = _clean_copy(built_cache, tmp_path)
    photo = photos[0][:96, :128]
    clean = tfstyle.stylize(photo, "wave", backend="litert")
    for role in ("whole", "tile"):
        _damage(folder / f"{role}.tflite", fault)
    preset_files._NOTED.clear()
    assert preset_files.cached_files("wave") is None
    size = json.loads((folder / "manifest.json").read_text())["sizes"]["whole"]
    assert preset_files.damaged("wave") == (f"whole.tflite has {size // 2} bytes, the manifest says {size}"
                                            if fault == "truncated" else "whole.tflite fails its SHA-256 check")
    out = tfstyle.stylize(photo, "wave")  # auto: Keras, one note
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tfstyle: note: using Keras for 'wave': its LiteRT files are damaged (")
    assert psnr(out, clean) >= 35
    with pytest.raises(OptionError, match="damaged"):
        tfstyle.stylize(photo, "wave", backend="litert")


def test_the_cli_rebuilds_a_damaged_cache_once_and_paints_the_same_pixels(built_cache, tmp_path):
    """A truncated cached file: the next CLI run says so in one line, rebuilds, and gives the clean cache's pixels;
    the run after it uses the healed cache silently."""
    from tfstyle.image.io import load_image

    photo = str(HOLDOUT / min(os.listdir(HOLDOUT)))
    clean_out, healed_out, again_out = tmp_path / "clean.png", tmp_path / "healed.png", tmp_path / "again.png"
    proc = _cli(["stylize", photo, "--style", "wave", "--size", "160", "-o", str(clean_out), "-q"], built_cache)
    assert proc.returncode == 0, proc.stderr[-2000:]
    root = tmp_path / "cache"
    folder = _clean_copy(built_cache, root)
    _damage(folder / "whole.tflite", "truncated")
    before = (folder / "whole.tflite").stat().st_size
    proc = _cli(["stylize", photo, "--style", "wave", "--size", "160", "-o", str(healed_out), "-q"], root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    notes = _notes(proc.stderr)
    assert len(notes) == 1 and "damaged (whole.tflite has" in notes[0] and "rebuilding them once" in notes[0], notes
    assert (folder / "whole.tflite").stat().st_size > before
    proc = _cli(["stylize", photo, "--style", "wave", "--size", "160", "-o", str(again_out), "-q"], root)
    assert proc.returncode == 0 and _notes(proc.stderr) == [], proc.stderr[-2000:]
    clean = load_image(clean_out)
    assert np.array_equal(load_image(healed_out), clean) and np.array_equal(load_image(again_out), clean)


def _unwritable_cli_run(root, tmp_path) -> None:
    """The CLI with an unwritable cache: one note before any build, Keras paints, exit 0."""
    photo = str(HOLDOUT / min(os.listdir(HOLDOUT)))
    out = tmp_path / "out.png"
    proc = _cli(["stylize", photo, "--style", "wave", "--size", "96", "-o", str(out), "-q"], root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    notes = _notes(proc.stderr)
    assert len(notes) == 1 and notes[0].startswith("tfstyle: note: using Keras for 'wave': building its LiteRT file "
                                                   "failed (cannot build the LiteRT files for 'wave': the cache folder"), \
        notes
    assert "not writable" in notes[0] and "Traceback" not in proc.stderr and out.is_file()


def test_a_cache_location_that_is_a_file_falls_back_before_building(tmp_path, monkeypatch):
    from tfstyle.errors import TfstyleError
    from tfstyle.export import litert_cache as builder

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache should be")
    monkeypatch.setenv("TFSTYLE_CACHE", str(blocker))
    monkeypatch.setattr(builder, "_build", lambda *a: pytest.fail("the build started"))
    assert preset_files.cached_files("wave") is None
    with pytest.raises(TfstyleError, match="is not writable"):
        builder.build_litert_cache("wave")
    _unwritable_cli_run(blocker, tmp_path)
    assert blocker.read_text() == "a file where the cache should be"


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a read-only tmpfs needs root")
def test_a_read_only_cache_mount_falls_back_before_building(tmp_path, monkeypatch):
    from tfstyle.errors import TfstyleError
    from tfstyle.export import litert_cache as builder

    mount = tmp_path / "ro"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)], check=False,
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        monkeypatch.setenv("TFSTYLE_CACHE", str(mount))
        monkeypatch.setattr(builder, "_build", lambda *a: pytest.fail("the build started"))
        with pytest.raises(TfstyleError, match="read-only file system"):
            builder.build_litert_cache("wave")
        _unwritable_cli_run(mount, tmp_path)
        assert os.listdir(mount) == []
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_concurrent_first_runs_build_the_cache_once(tmp_path):
    """Four real CLI processes start together on an empty cache: one builds (TensorFlow, ~30 s), the others say they
    wait, then reuse its files; all exit 0 and paint the same pixels, and the cache holds one complete folder."""
    from tfstyle.image.io import load_image

    photo = str(HOLDOUT / min(os.listdir(HOLDOUT)))
    root = tmp_path / "cache"
    env = {**os.environ, "TFSTYLE_CACHE": str(root), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "tfstyle", "stylize", photo, "--style", "wave", "--size", "96",
                               "-o", str(tmp_path / f"out{i}.png"), "-q"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(4)]
    results = [(proc.wait(timeout=400), proc.stderr.read()) for proc in procs]
    assert all(code == 0 for code, _ in results), [err[-1500:] for _, err in results]
    notes = [_notes(err) for _, err in results]
    assert sum(line.startswith("tfstyle: building the LiteRT file for 'wave' once") for n in notes for line in n) == 1, \
        notes
    assert all(len(n) <= 1 for n in notes), notes  # one line each: building, waiting (or, if late, nothing)
    assert sum(n[0].startswith("tfstyle: note: waiting for another tfstyle process") for n in notes if n) >= 1, notes
    folders = [p for p in (root / "litert").iterdir() if not p.name.startswith(".")]
    assert len(folders) == 1 and sorted(p.name for p in folders[0].iterdir()) == [
        "manifest.json", "smooth.tflite", "stats.tflite", "tile.tflite", "whole.tflite"]
    first = load_image(tmp_path / "out0.png")
    assert all(np.array_equal(load_image(tmp_path / f"out{i}.png"), first) for i in range(1, 4))
