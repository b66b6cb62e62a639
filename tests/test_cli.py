"""The tfstyle command line: a real run, and one-line errors for every bad input."""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tfstyle.cli import main

from .conftest import SHARED, smooth_image
from .test_litert_path import built_cache  # noqa: F401 - the shared LiteRT cache fixture

ROOT = pathlib.Path(__file__).resolve().parents[1]
PHOTO = SHARED / "data" / "holdout" / "content"


@pytest.fixture
def files(tmp_path, rng):
    content = tmp_path / "content.jpg"
    style = tmp_path / "style.png"
    Image.fromarray(smooth_image(rng, 96, 128).astype(np.uint8)).save(content)
    Image.fromarray(smooth_image(rng, 64, 64).astype(np.uint8)).save(style)
    return content, style


def _one_line_error(capsys, rc, expected_rc=1):
    err = capsys.readouterr().err.strip()
    assert rc == expected_rc
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith("tfstyle")
    return err


def test_stylize_end_to_end(files, tmp_path, vgg_weights, capsys):
    content, style = files
    out = tmp_path / "out.png"
    rc = main(["stylize", str(content), str(style), "-o", str(out), "--size", "64", "--steps", "3", "--method",
               "optimize", "--scales", "1", "--quiet", "--style-layers", "block1_conv1,block2_conv1"])
    assert rc == 0
    result = np.asarray(Image.open(out))
    assert result.shape == (48, 64, 3)
    assert not list(tmp_path.glob(".*tmp*"))


@pytest.mark.parametrize(
    "make_args, message",
    [
        (lambda c, s, d: [str(d / "missing.jpg"), str(s), "-o", str(d / "o.jpg")], "no such file"),
        (lambda c, s, d: [str(c), str(d / "notimage.jpg"), "-o", str(d / "o.jpg")], "not an image"),
        (lambda c, s, d: [str(c), str(d / "truncated.jpg"), "-o", str(d / "o.jpg")], "truncated"),
        (lambda c, s, d: [str(c), str(s), "-o", str(d / "o.gifx")], "unsupported output format"),
        (lambda c, s, d: [str(c), str(s), "-o", str(d / "nodir" / "o.jpg")], "output folder does not exist"),
        (lambda c, s, d: [str(c), str(s), "-o", str(d / "o.jpg"), "--style-layers", "conv9"], "unknown VGG19 layer"),
        (lambda c, s, d: [str(c), str(s), str(s), "-o", str(d / "o.jpg"), "--style-weights", "1"], "style_weights"),
        (lambda c, s, d: [str(c), str(s), "-o", str(d / "o.jpg"), "--vgg-weights", str(d / "w.h5")],
         "VGG19 weights file not found"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(files, tmp_path, capsys, make_args, message):
    content, style = files
    (tmp_path / "notimage.jpg").write_text("hello")
    data = content.read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 2])
    rc = main(["stylize", *make_args(content, style, tmp_path), "--quiet", "--size", "32", "--steps", "1",
               "--method", "optimize"])
    assert message in _one_line_error(capsys, rc)
    assert not (tmp_path / "o.jpg").exists()


@pytest.mark.parametrize(
    "argv",
    [["stylize", "a.jpg", "b.jpg"], ["stylize", "a.jpg", "b.jpg", "-o", "o.jpg", "--steps", "0"],
     ["stylize", "a.jpg", "b.jpg", "-o", "o.jpg", "--method", "magic"], ["paint"], []],
)
def test_bad_command_line_exits_2_in_one_line(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    _one_line_error(capsys, info.value.code, expected_rc=2)


def test_a_too_small_size_names_the_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["stylize", "a.jpg", "--style", "wave", "-o", "o.jpg", "--size", "5"])
    err = _one_line_error(capsys, info.value.code, expected_rc=2)
    assert "argument --size: must be at least 16 pixels, got '5'" in err


def test_console_script_bad_file_has_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tfstyle", "stylize", str(tmp_path / "a.jpg"), str(tmp_path / "b.jpg"),
         "-o", str(tmp_path / "o.jpg")],
        capture_output=True, text=True, env={**os.environ, "TFSTYLE_DEBUG": ""}, timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"tfstyle: error: no such file: {tmp_path / 'a.jpg'}"


def _snapshot(folder) -> dict:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", ["same", "symlink", "hardlink", "style", "folder", "inside"])
def test_an_output_that_would_replace_an_input_is_refused(case, files, tmp_path, capsys):
    """Inputs are sacred: the same file through any link, or a folder in the input folder, is refused first."""
    content, style = files
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(content.read_bytes())
    link = tmp_path / "link.jpg"
    if case == "symlink":
        link.symlink_to(content)
    elif case == "hardlink":
        os.link(content, link)
    argv = {"same": [str(content), "--style", "wave", "-o", str(content)],
            "symlink": [str(link), "--style", "wave", "-o", str(content)],
            "hardlink": [str(content), "--style", "wave", "-o", str(link)],
            "style": [str(content), str(style), "--method", "arbitrary", "-o", str(style)],
            "folder": [str(photos), "--style", "wave", "-o", str(photos)],
            "inside": [str(photos), "--style", "wave", "-o", str(photos / "styled")]}[case]
    before = _snapshot(tmp_path)
    err = _one_line_error(capsys, main(["stylize", *argv]))
    assert "input" in err
    assert _snapshot(tmp_path) == before  # nothing written, nothing replaced


def test_a_video_reached_through_a_symlink_is_not_replaced(tmp_path, capsys):
    from tfstyle.video.io import VideoWriter

    clip = tmp_path / "clip.mp4"
    with VideoWriter(clip, fps=10, size=(64, 48)) as writer:
        for i in range(3):
            writer.write(np.full((48, 64, 3), 60 * i, np.uint8))
    link = tmp_path / "link.mp4"
    link.symlink_to(clip)
    before = _snapshot(tmp_path)
    err = _one_line_error(capsys, main(["stylize", str(link), "--style", "wave", "-o", str(clip)]))
    assert "would overwrite the input" in err
    assert _snapshot(tmp_path) == before


# -------------------------------------------------------------- defaults and messages (#30)


@pytest.fixture
def photo_and_painting(tmp_path, rng):
    """A real photo (so --strength auto has something to keep) and a painting-like image, small."""
    from tfstyle.image.io import load_image, save_image

    photos = sorted(PHOTO.glob("*.jpg"))
    content = tmp_path / "photo.png"
    if photos:
        save_image(load_image(photos[0], max_size=160), content)
    else:
        Image.fromarray(smooth_image(rng, 96, 128).astype(np.uint8)).save(content)
    painting = tmp_path / "painting.png"
    Image.fromarray(smooth_image(np.random.default_rng(9), 64, 64).astype(np.uint8)).save(painting)
    return content, painting


def test_a_painting_without_method_runs_the_one_pass_arbitrary_network(photo_and_painting, tmp_path, capsys):
    import tfstyle

    content, painting = photo_and_painting
    out = tmp_path / "out.png"
    assert main(["stylize", str(content), str(painting), "-o", str(out)]) == 0
    assert capsys.readouterr().out.startswith("wrote ")
    expected = tfstyle.stylize_arbitrary(str(content), str(painting))  # the default network, one pass
    np.testing.assert_array_equal(np.asarray(Image.open(out)), expected)
    weighted = tmp_path / "weighted.png"
    assert main(["stylize", str(content), str(painting), str(content), "-o", str(weighted), "-q",
                 "--style-blend", "1,0"]) == 0  # the old flag name still works
    np.testing.assert_array_equal(np.asarray(Image.open(weighted)), expected)


def test_optimization_options_need_the_optimize_method(photo_and_painting, tmp_path, capsys):
    content, painting = photo_and_painting
    rc = main(["stylize", str(content), str(painting), "-o", str(tmp_path / "o.jpg"), "--steps", "3", "--tv-weight", "1"])
    assert "--steps, --tv-weight are for --method optimize" in _one_line_error(capsys, rc)
    assert not (tmp_path / "o.jpg").exists()


def test_strength_auto_prints_the_strength_it_chose(photo_and_painting, tmp_path, capsys):
    import tfstyle
    from tfstyle.methods.arbitrary import AUTO_STRENGTHS

    content, painting = photo_and_painting
    out = tmp_path / "out.png"
    assert main(["stylize", str(content), str(painting), "--strength", "auto", "-o", str(out)]) == 0
    first, second = capsys.readouterr().out.splitlines()
    assert first.startswith("strength auto -> ") and second.startswith("wrote ")
    chosen = float(first.split()[-1])
    assert chosen in AUTO_STRENGTHS
    result = np.asarray(Image.open(out))
    np.testing.assert_array_equal(result, tfstyle.stylize_arbitrary(str(content), str(painting), strength="auto"))
    np.testing.assert_array_equal(result, tfstyle.stylize_arbitrary(str(content), str(painting), strength=chosen))


@pytest.mark.parametrize(
    "extra, suggestion, listed, not_listed",
    [
        (["--style", "wav"], "did you mean 'wave'?", "the_scream", "magenta_v1"),
        (["painting.png", "--model", "tfstyle_mobile_v2", "--method", "arbitrary"], "did you mean 'tfstyle_mobile_v",
         "magenta_v1", "wave"),
        (["--style", "magenta_v1"], "give it as --model, with STYLE images", "udnie", "microast_v1"),
    ],
)
def test_an_unknown_preset_gets_the_closest_name_and_the_names_the_option_takes(extra, suggestion, listed, not_listed,
                                                                               tmp_path, capsys):
    rc = main(["stylize", "photo.jpg", *extra, "-o", str(tmp_path / "o.jpg")])
    err = _one_line_error(capsys, rc)
    assert suggestion in err and listed in err and not_listed not in err


@pytest.mark.parametrize("argv", [["--help"], ["stylize", "--help"]])
def test_help_mentions_video(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "video" in text and ".mp4" in text


def test_a_normal_run_prints_no_library_log_lines(built_cache, photo_and_painting, tmp_path):  # noqa: F811
    """No TensorFlow, absl or LiteRT (XNNPACK) lines on stderr: only tfstyle's own line, on stdout."""
    content, painting = photo_and_painting
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(TFSTYLE_CACHE=str(built_cache), PYTHONPATH=str(ROOT))
    for extra in ([str(painting)], ["--style", "wave"]):
        proc = subprocess.run([sys.executable, "-m", "tfstyle", "stylize", str(content), *extra, "-o",
                               str(tmp_path / "out.jpg")], capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr[-2000:]
        assert proc.stdout.startswith("wrote ")


def test_native_log_lines_are_dropped_and_real_errors_kept():
    """At the file-descriptor level, where C++ libraries write."""
    code = ("import os\nfrom tfstyle.runtime.litert import quiet_native_stderr\n"
            "with quiet_native_stderr():\n"
            "    os.write(2, b'INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\\n')\n"
            "    os.write(2, b'I0000 00:00:1.2 1 cudart_stub.cc:31] Could not find cuda drivers on your machine.\\n')\n"
            "    os.write(2, b'ERROR: a real failure\\n')\n"
            "os.write(2, b'after\\n')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0 and proc.stderr == "ERROR: a real failure\nafter\n"


@pytest.mark.parametrize("value", ["2/2", "-1/2", "1", "a/b", "1/0"])
def test_a_bad_shard_is_a_one_line_usage_error(value, capsys):
    with pytest.raises(SystemExit) as info:
        main(["stylize", "photos", "--style", "wave", "-o", "out", f"--shard={value}"])
    assert "argument --shard: expected I/N with 0 <= I < N" in _one_line_error(capsys, info.value.code, 2)


def test_folder_flags_need_a_folder(photo_and_painting, tmp_path, capsys):
    content, _ = photo_and_painting
    for flag in (["--recursive"], ["--skip-existing"], ["--shard", "0/2"]):
        rc = main(["stylize", str(content), "--style", "wave", "-o", str(tmp_path / "o.jpg"), *flag])
        assert "are for a CONTENT folder" in _one_line_error(capsys, rc)


def test_refine_takes_optimizer_steps_after_the_network(photo_and_painting, tmp_path, vgg_weights, capsys):
    import tfstyle

    content, painting = photo_and_painting
    one_pass, refined = tmp_path / "one_pass.png", tmp_path / "refined.png"
    assert main(["stylize", str(content), str(painting), "-o", str(one_pass), "-q"]) == 0
    assert main(["stylize", str(content), str(painting), "--refine", "2", "-o", str(refined), "-q"]) == 0
    result = np.asarray(Image.open(refined))
    np.testing.assert_array_equal(result, tfstyle.stylize_arbitrary(str(content), str(painting), refine=2))
    assert np.abs(result.astype(int) - np.asarray(Image.open(one_pass))).mean() > 0.5  # the steps moved it
    rc = main(["stylize", str(content), "--style", "wave", "--refine", "2", "-o", str(tmp_path / "o.jpg")])
    assert "--refine is for" in _one_line_error(capsys, rc)
    with pytest.raises(SystemExit) as info:
        main(["stylize", str(content), str(painting), "--refine", "-1", "-o", str(tmp_path / "o.jpg")])
    assert "--refine: expected an integer >= 0" in _one_line_error(capsys, info.value.code, 2)


def test_refine_a_fast_style_toward_its_painting(photo_and_painting, tmp_path, vgg_weights, capsys):
    """A fast network does not carry its painting: --refine takes it as the STYLE image, Python as style=."""
    import tfstyle
    from tfstyle.errors import OptionError

    content, painting = photo_and_painting
    refined = tmp_path / "refined.png"
    assert main(["stylize", str(content), str(painting), "--style", "wave", "--refine", "2", "-o", str(refined),
                 "-q"]) == 0
    result = np.asarray(Image.open(refined))
    np.testing.assert_array_equal(result, tfstyle.stylize(str(content), model="wave", refine=2, style=str(painting)))
    assert np.abs(result.astype(int) - tfstyle.stylize(str(content), model="wave")).mean() > 0.5
    with pytest.raises(OptionError, match="style="):
        tfstyle.stylize(str(content), model="wave", refine=2)
    rc = main(["stylize", str(content), str(painting), str(painting), "--style", "wave", "--refine", "1",
               "-o", str(tmp_path / "o.jpg")])
    assert "one STYLE image" in _one_line_error(capsys, rc)
