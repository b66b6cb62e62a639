"""Folder mode: subfolders (recursive), resuming (skip_existing) and splitting a folder between machines (shard)."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tfstyle.errors import ImageError, OptionError
from tfstyle.image.io import load_image
from tfstyle.methods.folders import in_shard, list_images_under, output_paths, stylize_folder

# input path -> grey level; a.jpg/a.png share a stem (a_jpg.jpg, a_png.jpg), and so do trip/x.* in their subfolder
TREE = {"a.jpg": 10, "a.png": 20, "b.webp": 30, "trip/x.jpg": 40, "trip/x.png": 50, "trip/day2/y.bmp": 60,
        ".hidden/z.jpg": 70}
EXPECTED = {"a_jpg.jpg", "a_png.jpg", "b.jpg", "trip/x_jpg.jpg", "trip/x_png.jpg", "trip/day2/y.jpg"}


def _invert(path):
    return 255 - load_image(path)


def _tree(root, files=TREE):
    for rel, level in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((16, 24, 3), level, np.uint8)).save(path)
    if (root / "trip").is_dir():
        (root / "trip" / "notes.txt").write_text("not an image, not listed")
    return root


def _outputs(folder) -> dict[str, tuple[int, bytes]]:
    """Every file under ``folder``: relative path -> (mtime_ns, bytes)."""
    found = {}
    for here, _, files in os.walk(folder):
        for name in files:
            path = pathlib.Path(here, name)
            found[path.relative_to(folder).as_posix()] = (path.stat().st_mtime_ns, path.read_bytes())
    return found


def _run(src, dst, lines=None, **options):
    return stylize_folder(src, dst, _invert, progress=False, report=(lines if lines is not None else []).append,
                          **options)


def test_recursive_keeps_subfolders_and_names_each_folder_apart(tmp_path):
    src = _tree(tmp_path / "in")
    assert list_images_under(src) == ["a.jpg", "a.png", "b.webp"]
    written, failed = _run(src, tmp_path / "flat")
    assert failed == [] and sorted(p.name for p in written) == ["a_jpg.jpg", "a_png.jpg", "b.jpg"]

    written, failed = _run(src, tmp_path / "out", recursive=True)
    assert failed == []
    assert set(_outputs(tmp_path / "out")) == EXPECTED  # no hidden folder, no text file, nothing else
    # each output is its own input, inverted: the grey level says which input it came from
    relpaths = [rel for rel in TREE if not rel.startswith(".")]
    assert set(output_paths(relpaths)) == EXPECTED
    for rel, out in zip(relpaths, output_paths(relpaths)):
        assert abs(float(load_image(tmp_path / "out" / out).mean()) - (255 - TREE[rel])) < 1


def test_recursive_empty_folder_and_output_inside_input_are_refused(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    with pytest.raises(ImageError, match="no images found in .* or its subfolders"):
        _run(tmp_path / "empty", tmp_path / "out", recursive=True)
    src = _tree(tmp_path / "in")
    with pytest.raises(ImageError, match="inside the input folder"):
        _run(src, src / "trip" / "styled", recursive=True)
    assert not (src / "trip" / "styled").exists()


def test_skip_existing_resumes_and_a_rerun_writes_nothing(tmp_path):
    src, dst = _tree(tmp_path / "in"), tmp_path / "out"
    (src / "trip" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    written, failed = _run(src, dst, recursive=True, skip_existing=True)
    assert len(written) == 6 and [p.name for p, _ in failed] == ["broken.jpg"]
    first = _outputs(dst)

    lines = []
    written, failed = _run(src, dst, lines, recursive=True, skip_existing=True)
    assert written == [] and [p.name for p, _ in failed] == ["broken.jpg"]  # the bad file is tried again
    assert _outputs(dst) == first  # not one file rewritten: same bytes, same modification times
    assert lines[0] == "skipped 6 images whose output exists"
    assert lines[1].startswith("skipped trip/broken.jpg: corrupt or truncated image")

    # an interrupted run: one output missing, a killed writer's hidden temporary file beside it
    (dst / "trip" / "x_png.jpg").unlink()
    (dst / "trip" / ".tmp-000000.1-abc-x_png.jpg").write_bytes(b"half")
    written, _ = _run(src, dst, recursive=True, skip_existing=True)
    assert [p.relative_to(dst).as_posix() for p in written] == ["trip/x_png.jpg"]
    assert {k: v for k, v in _outputs(dst).items() if k != "trip/x_png.jpg" and "tmp" not in k} == \
        {k: v for k, v in first.items() if k != "trip/x_png.jpg"}

    # without skip_existing every output is written again
    written, _ = _run(src, dst, recursive=True)
    assert len(written) == 6


def test_shards_split_the_folder_exactly_once_with_the_names_of_the_whole(tmp_path):
    files = {f"s{i // 10}/photo_{i}.png": i for i in range(40)}
    files.update({"s0/photo_0.jpg": 200})  # shares a stem: its name depends on the whole folder, not the shard
    src = _tree(tmp_path / "in", files)
    whole = tmp_path / "whole"
    _run(src, whole, recursive=True)
    parts = []
    for index in range(3):
        written, failed = _run(src, tmp_path / "parts", recursive=True, shard=(index, 3))
        assert failed == []
        parts.append({p.relative_to(tmp_path / "parts").as_posix() for p in written})
    assert sum(len(p) for p in parts) == len(files) == 41  # disjoint ...
    assert set().union(*parts) == set(_outputs(whole))  # ... and together every image, under the same names
    assert all(len(p) >= 5 for p in parts)
    assert {"s0/photo_0_png.jpg", "s0/photo_0_jpg.jpg"} <= set().union(*parts)
    for rel in set(_outputs(whole)):
        assert (tmp_path / "parts" / rel).read_bytes() == (whole / rel).read_bytes()


def test_shard_is_the_same_in_every_process():
    # str hashes change per process (PYTHONHASHSEED); the shard of a path must not
    names = [f"trip/photo_{i}.jpg" for i in range(200)]
    here = [next(i for i in range(4) if in_shard(n, (i, 4))) for n in names]
    code = ("from tfstyle.methods.folders import in_shard\n"
            f"print([next(i for i in range(4) if in_shard(n, (i, 4))) for n in {names!r}])")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout
    assert eval(there) == here
    assert sorted(set(here)) == [0, 1, 2, 3]


def test_a_shard_with_no_images_is_not_an_error_and_bad_shards_are_refused(tmp_path):
    src = _tree(tmp_path / "in", {"only.png": 5})
    results = [_run(src, tmp_path / "out", shard=(i, 8)) for i in range(8)]
    assert sum(len(written) for written, _ in results) == 1
    assert all(failed == [] for _, failed in results)
    for bad in [(3, 3), (-1, 2), (0, 0), (1.5, 2), "0/4"]:
        with pytest.raises(OptionError, match="shard must be"):
            _run(src, tmp_path / "out", shard=bad)
