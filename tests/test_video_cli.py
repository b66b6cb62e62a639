"""``tfstyle stylize CLIP.mp4 ...``: the command line stylizes videos."""
from __future__ import annotations

from tests.test_video import frame_count, make_clip
from tfstyle.video.io import probe


def test_cli_stylizes_a_clip(tmp_path):
    from tfstyle import cli

    clip = make_clip(tmp_path / "clip.mp4", frames=8, size=(64, 48), fps=12)
    out = tmp_path / "out.mp4"
    assert cli.main(["stylize", clip, "--style", "wave", "-o", str(out), "--max-frames", "4", "-q"]) == 0
    info = probe(out)
    assert frame_count(out) == 4 and info.fps == 12.0 and (info.width, info.height) == (64, 48)


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
