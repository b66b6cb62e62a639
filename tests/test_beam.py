"""tfstyle.beam on Beam's local runner: a real pipeline over ~50 small images, subfolders, bad files and a clip.

Every output must be byte for byte what ``tfstyle stylize`` writes for the same image, bad files must
land in the dead-letter file with their one-line error, and a rerun must write nothing.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tfstyle.cli import main

beam = pytest.importorskip("apache_beam", reason="tfstyle[beam] not installed")

from apache_beam.testing.util import assert_that, equal_to

from tfstyle.beam import StyleModelHandler, StylizeFiles
from tfstyle.errors import OptionError, TfstyleError

STYLE = "wave"
BAD = {"broken.jpg": "corrupt or truncated image", "sub/notes.png": "not an image",
       "sub/deeper/tiny.png": "too small", "clips/broken.mp4": "cannot read video"}


def _photo(rng, height, width):
    # smooth gradients with noise: a photo-like image whose JPEG is not trivial
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / width, y * 255 / height, (x + y) * 127 / (width + height)], -1)
    return np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """48 good images over three folders (a.jpg/a.png share a stem), 3 bad images, 1 clip, 1 bad clip, and
    files that are left out (text, hidden)."""
    root = tmp_path_factory.mktemp("beam") / "in"
    rng = np.random.default_rng(7)
    for index in range(48):
        folder = ["", "sub/", "sub/deeper/"][index % 3]
        suffix = [".jpg", ".png", ".webp"][index % 3 if index % 5 else 0]
        path = root / f"{folder}photo_{index:02d}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(_photo(rng, *[(64, 48), (48, 64), (40, 56)][index % 3])).save(path)
    Image.fromarray(_photo(rng, 48, 64)).save(root / "a.jpg")
    Image.fromarray(_photo(rng, 64, 48)).save(root / "a.png")
    whole = (root / "a.jpg").read_bytes()
    (root / "broken.jpg").write_bytes(whole[: len(whole) // 2])  # a JPEG cut off mid-scan
    (root / "sub" / "notes.png").write_text("not an image at all")
    Image.fromarray(_photo(rng, 8, 8)).save(root / "sub" / "deeper" / "tiny.png")
    (root / "sub" / "readme.txt").write_text("left out: not an image by its name")
    (root / ".cache").mkdir()
    Image.fromarray(_photo(rng, 32, 32)).save(root / ".cache" / "hidden.jpg")
    from tfstyle.video.io import VideoWriter

    (root / "clips").mkdir()
    with VideoWriter(root / "clips" / "clip.mp4", fps=8, size=(48, 32)) as writer:
        for index in range(6):
            writer.write(_photo(rng, 32, 48))
    (root / "clips" / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 not a video")
    return root


def _files(folder) -> dict[str, tuple[int, bytes]]:
    found = {}
    for here, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(here, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, folder).replace(os.sep, "/")] = (os.stat(path).st_mtime_ns, handle.read())
    return found


def _beam(folder, out, *extra, capsys=None):
    code = main(["beam", "--input", f"{folder}/**", "--output", str(out), "--style", STYLE, *extra])
    return code, (capsys.readouterr() if capsys is not None else None)


@pytest.fixture(scope="module")
def reference(folder, tmp_path_factory):
    """``tfstyle stylize DIR --recursive`` on the same folder: the outputs Beam must reproduce."""
    out = tmp_path_factory.mktemp("cli") / "out"
    assert main(["stylize", str(folder), "--style", STYLE, "-o", str(out), "--recursive", "-q"]) == 1  # 3 bad files
    return out


@pytest.fixture(scope="module")
def first_run(folder, reference, tmp_path_factory):
    out = tmp_path_factory.mktemp("beam_out") / "styled"
    code = main(["beam", "--input", f"{folder}/**", "--output", str(out), "--style", STYLE])
    return out, code


def test_outputs_are_byte_identical_to_tfstyle_stylize(first_run, reference, folder):
    out, code = first_run
    assert code == 1  # bad files: the run finishes, and says so
    beam_files, cli_files = _files(out), _files(reference)
    images = {rel: data for rel, (_, data) in beam_files.items() if rel.endswith(".jpg")}
    assert len(images) == 50 and len(cli_files) == 50
    assert {"a_jpg.jpg", "a_png.jpg", "sub/photo_01.jpg", "sub/deeper/photo_02.jpg"} <= set(images)
    assert images == {rel: data for rel, (_, data) in cli_files.items()}  # same names, same bytes
    # and one image as 'tfstyle stylize IMAGE' writes it
    single = out.parent / "single.jpg"
    assert main(["stylize", str(folder / "sub/photo_04.png"), "--style", STYLE, "-o", str(single), "-q"]) == 0
    assert single.read_bytes() == images["sub/photo_04.jpg"]
    assert Image.open(single).size == (64, 48)


def test_bad_files_are_in_the_dead_letter_file_with_their_error(first_run, folder):
    out, _ = first_run
    lines = (out / "dead_letter.tsv").read_text().splitlines()
    entries = dict(line.split("\t") for line in lines)
    assert sorted(entries) == sorted(str(folder / rel) for rel in BAD)
    for rel, words in BAD.items():
        assert words in entries[str(folder / rel)]
        assert "\n" not in entries[str(folder / rel)]
    assert entries[str(folder / "clips/broken.mp4")].startswith("cannot read video broken.mp4")
    # left out, as in folder mode: other files, hidden folders; nothing of them anywhere
    assert not any("readme" in rel or "hidden" in rel for rel in _files(out))


def test_a_clip_is_one_element_and_becomes_a_video(first_run):
    from tfstyle.video.io import probe

    out, _ = first_run
    info = probe(out / "clips" / "clip.mp4")
    assert (info.frames, info.width, info.height) == (6, 48, 32)


def test_a_rerun_writes_nothing_and_a_partial_run_resumes(first_run, folder, capsys):
    out, _ = first_run
    before = _files(out)
    code, captured = _beam(folder, out, capsys=capsys)
    assert code == 1
    assert "wrote 0 files" in captured.out and "skipped 51 whose output exists" in captured.out
    assert _files(out) == before  # not one file touched: same bytes, same modification times (dead letter too)

    for rel in ("photo_00.jpg", "sub/deeper/photo_05.jpg"):  # an interrupted run
        (out / rel).unlink()
    code, captured = _beam(folder, out, capsys=capsys)
    assert "wrote 2 files" in captured.out
    after = _files(out)
    assert {rel for rel in after if after[rel] != before[rel]} == {"photo_00.jpg", "sub/deeper/photo_05.jpg"}
    assert all(after[rel][1] == before[rel][1] for rel in before)  # rewritten with the same bytes


def test_the_transform_with_a_keras_network_and_two_paths(tmp_path, folder):
    """The PTransform itself (not the CLI): a .keras file, a glob of one folder, the written PCollection."""
    from tfstyle.atomic import save_model
    from tfstyle.models import JohnsonNet

    net, model = tmp_path / "net.keras", JohnsonNet(width=0.25, residual_blocks=1)
    model(np.zeros((1, 32, 32, 3), np.float32))  # built: the file holds its weights
    save_model(model, net)
    out = tmp_path / "out"
    with beam.Pipeline() as pipeline:
        result = pipeline | StylizeFiles(f"{folder}/sub/photo_0[14]*", str(out), StyleModelHandler(str(net), size=32))
        written = result.written | beam.combiners.Count.Globally()
        assert_that(written, equal_to([2]))
    assert sorted(_files(out)) == ["dead_letter.tsv", "photo_01.jpg", "photo_04.jpg"]
    assert max(Image.open(out / "photo_01.jpg").size) == 32
    assert (out / "dead_letter.tsv").read_text() == ""  # nothing failed


def test_refusals(tmp_path, folder):
    with pytest.raises(TfstyleError, match="inside the input folder"):
        StylizeFiles(f"{folder}/**", str(folder / "sub" / "styled"), StyleModelHandler(STYLE))
    with pytest.raises(OptionError, match="arbitrary-style network"):
        StyleModelHandler("tfstyle_mobile_v4")
    with pytest.raises(OptionError, match="unknown preset 'wav'"):
        StyleModelHandler("wav")
    with pytest.raises(OptionError, match="neither a preset name"):
        StyleModelHandler("model.h5")


def test_beam_options_pass_through():
    import argparse

    from tfstyle.cli.beam import _pipeline_options

    parser = argparse.ArgumentParser()
    from tfstyle.cli.beam import add_parser

    add_parser(parser.add_subparsers())
    args = parser.parse_args(["beam", "--input", "x/*", "--output", "y", "--style", STYLE, "--direct_num_workers", "2",
                              "--job_name=photos"])
    options = _pipeline_options(args).get_all_options()
    assert options["direct_num_workers"] == 2 and options["direct_running_mode"] == "multi_processing"
    assert options["job_name"] == "photos" and options["runner"] == "DirectRunner"


def test_import_tfstyle_never_imports_beam():
    code = ("import sys, tfstyle, tfstyle.cli, tfstyle.methods.folders\n"
            "tfstyle.stylize\n"
            "assert 'apache_beam' not in sys.modules, 'apache_beam imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
