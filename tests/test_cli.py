"""The tfstyle command line: a real run, and one-line errors for every bad input."""
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tfstyle.cli import main

from .conftest import smooth_image


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
    rc = main(["stylize", str(content), str(style), "-o", str(out), "--size", "64", "--steps", "3",
               "--scales", "1", "--quiet", "--style-layers", "block1_conv1,block2_conv1"])
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
        (lambda c, s, d: [str(c), str(s), str(s), "-o", str(d / "o.jpg"), "--style-blend", "1"], "style_blend"),
        (lambda c, s, d: [str(c), str(s), "-o", str(d / "o.jpg"), "--vgg-weights", str(d / "w.h5")],
         "VGG19 weights file not found"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(files, tmp_path, capsys, make_args, message):
    content, style = files
    (tmp_path / "notimage.jpg").write_text("hello")
    data = content.read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 2])
    rc = main(["stylize", *make_args(content, style, tmp_path), "--quiet", "--size", "32", "--steps", "1"])
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
