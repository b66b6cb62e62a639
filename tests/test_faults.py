"""Nothing lost, ever (#29): real faults, not mocks of the code under test.

A real small tmpfs filled nearly full (as root), real symbolic and hard links, a real child process
killed by SIGKILL in the middle of a write, real thin images through the tiler and real broken
``.keras`` files. Every test checks that inputs and earlier outputs are byte-identical afterwards
and that no temporary file (``.tmp-*``) is left.
"""
from __future__ import annotations

import errno
import math
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
from PIL import Image

from tfstyle.atomic import TEMP_PREFIX, write_files, write_text
from tfstyle.errors import ImageError, OptionError, TfstyleError, WeightsError
from tfstyle.image.io import check_not_input, check_output_path, encode_image, load_image, save_image
from tfstyle.methods.folders import output_names, stylize_folder

PAGE = 4096


# --------------------------------------------------------------------------
# helpers


def noise(height: int, width: int, seed: int = 0) -> np.ndarray:
    """Incompressible pixels: a JPEG of them is large (~40 KB at 128x128)."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def snapshot(*folders: pathlib.Path) -> dict:
    """Every entry under ``folders``: file bytes, link targets, folders (links not followed)."""
    found = {}
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                path = pathlib.Path(root) / name
                if path.is_symlink():
                    found[str(path)] = ("link", os.readlink(path))
                elif path.is_dir():
                    found[str(path)] = ("folder",)
                else:
                    found[str(path)] = ("file", path.read_bytes())
    return found


def temps(*folders: pathlib.Path) -> list[str]:
    return [str(p) for folder in folders for p in pathlib.Path(folder).rglob(f"*{TEMP_PREFIX}*")]


def one_line(exc_info, *fragments: str) -> str:
    message = str(exc_info.value)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def pages(size: int) -> int:
    return math.ceil(size / PAGE)


def free_bytes(folder: pathlib.Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def fill(folder: pathlib.Path, leave: int) -> None:
    """Fill ``folder``'s file system with a filler file until only ``leave`` bytes are free."""
    filler = folder / "filler"
    with open(filler, "ab") as handle:
        handle.write(b"\0" * (free_bytes(folder) - leave))
    assert free_bytes(folder) == leave, free_bytes(folder)


@pytest.fixture
def small_disk(tmp_path):
    """A real 200 KiB tmpfs, mounted for the test (root only) and unmounted after it."""
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("no mount/umount commands")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount_point)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


# --------------------------------------------------------------------------
# a full disk


def test_the_disk_fault_is_real(small_disk):
    """Control: on this disk Pillow alone writes a truncated JPEG and reports nothing (the bug of #29)."""
    image = noise(128, 128)
    whole = len(encode_image(image, "x.jpg"))
    fill(small_disk, leave=2 * PAGE)
    control = small_disk / "control.jpg"
    try:
        Image.fromarray(image).save(control, quality=95, subsampling=0)
    except OSError as exc:  # a Pillow that checks its writes: fine too, the fault is still real
        assert exc.errno == errno.ENOSPC
    else:
        assert control.stat().st_size < whole
    with pytest.raises(OSError) as exc_info:
        Image.fromarray(image).save(small_disk / "control.png")
    assert exc_info.value.errno == errno.ENOSPC


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".bmp", ".webp"])
def test_save_image_on_a_full_disk_keeps_the_earlier_file(small_disk, suffix):
    target = small_disk / f"photo{suffix}"
    save_image(noise(16, 16, seed=1), target)  # an earlier good file at the path
    image = noise(128, 128, seed=2)
    assert len(encode_image(image, target)) > 3 * PAGE
    fill(small_disk, leave=2 * PAGE)
    before = snapshot(small_disk)

    with pytest.raises(ImageError) as exc_info:
        save_image(image, target)
    one_line(exc_info, str(target), "no space left on device", "nothing was changed")
    assert snapshot(small_disk) == before and not temps(small_disk)
    assert free_bytes(small_disk) == 2 * PAGE  # the temporary file's pages were given back


def test_save_image_on_a_full_disk_without_an_earlier_file(small_disk):
    fill(small_disk, leave=PAGE)
    before = snapshot(small_disk)
    with pytest.raises(ImageError, match="no space left on device"):
        save_image(noise(128, 128), small_disk / "new.jpg")
    assert snapshot(small_disk) == before and not temps(small_disk)


def test_text_and_file_sets_on_a_full_disk(small_disk):
    report = write_text(small_disk / "report.md", "# old\n")
    fill(small_disk, leave=PAGE)
    before = snapshot(small_disk)
    with pytest.raises(TfstyleError) as exc_info:
        write_text(report, "x" * (4 * PAGE))
    one_line(exc_info, str(report), "no space left on device")
    with pytest.raises(TfstyleError):  # two files: neither appears, neither changes
        write_files({small_disk / "model.json": "{}", small_disk / "model.bin": b"m" * (3 * PAGE)})
    assert snapshot(small_disk) == before and not temps(small_disk)
    write_text(report, "# new\n")  # what fits is still written
    assert report.read_text() == "# new\n"


def test_folder_batch_on_a_full_disk(tmp_path, small_disk):
    source = tmp_path / "photos"
    source.mkdir()
    for name in "abcd":
        save_image(noise(16, 16, seed=ord(name)), source / f"{name}.png")
    out = small_disk / "out"
    out.mkdir()
    save_image(noise(16, 16, seed=9), out / "c.jpg")  # an earlier run's result
    results = {name: noise(128, 128, seed=100 + ord(name)) for name in "abcd"}
    expected = {name: encode_image(image, "x.jpg") for name, image in results.items()}
    # Room for a.jpg and b.jpg, not for c.jpg.
    fill(small_disk, leave=(pages(len(expected["a"])) + pages(len(expected["b"])) + 1) * PAGE)
    inputs, earlier = snapshot(source), snapshot(out)
    lines: list[str] = []

    written, failed = stylize_folder(source, out, lambda path: results[path.stem], progress=False,
                                     report=lines.append)

    assert written == [out / "a.jpg", out / "b.jpg"]  # exactly what was written
    assert (out / "a.jpg").read_bytes() == expected["a"] and (out / "b.jpg").read_bytes() == expected["b"]
    assert (out / "c.jpg").read_bytes() == earlier[str(out / "c.jpg")][1]  # the earlier result is untouched
    assert sorted(p.name for p in out.iterdir()) == ["a.jpg", "b.jpg", "c.jpg"]  # no truncated d.jpg, no temps
    assert [(p.name, "no space left on device" in reason) for p, reason in failed] == \
        [("c.png", True), ("d.png", False)]
    assert len(lines) == 1 and lines[0].startswith("stopped at c.png") and "1 more not stylized" in lines[0]
    assert snapshot(source) == inputs and not temps(source, small_disk)


# --------------------------------------------------------------------------
# inputs are sacred


def test_output_that_is_an_input_through_links(tmp_path):
    photo, style = tmp_path / "photo.jpg", tmp_path / "style.png"
    save_image(noise(16, 16, seed=1), photo)
    save_image(noise(16, 16, seed=2), style)
    (tmp_path / "link.jpg").symlink_to(photo)
    os.link(photo, tmp_path / "hard.jpg")
    (tmp_path / "sub").mkdir()
    (tmp_path / "style_link.png").symlink_to("style.png")
    before = snapshot(tmp_path)
    sources = [photo, style]

    for output in [photo, tmp_path / "link.jpg", tmp_path / "hard.jpg", tmp_path / "sub" / ".." / "photo.jpg",
                   str(photo), tmp_path / "style_link.png", style]:
        with pytest.raises(ImageError) as exc_info:
            save_image(noise(16, 16, seed=3), output, sources=sources)
        one_line(exc_info, "would overwrite the input", str(output))
        with pytest.raises(ImageError):
            check_output_path(output, sources=sources)
        with pytest.raises(ImageError):
            check_not_input(sources, output)
    assert snapshot(tmp_path) == before and not temps(tmp_path)

    save_image(noise(16, 16, seed=3), tmp_path / "out.jpg", sources=sources)  # another path: written
    assert load_image(tmp_path / "out.jpg").shape == (16, 16, 3)


def _photos(folder: pathlib.Path, names=("a.png", "b.png")) -> pathlib.Path:
    folder.mkdir()
    for k, name in enumerate(names):
        save_image(noise(16, 16, seed=k), folder / name)
    return folder


def test_output_folder_that_is_or_is_inside_the_input_folder(tmp_path):
    source = _photos(tmp_path / "photos")
    (tmp_path / "link").symlink_to(source)
    (source / "old").mkdir()
    before = snapshot(tmp_path)
    calls = []

    for output in [source, tmp_path / "photos" / ".", tmp_path / "link", source / "styled", source / "old",
                   tmp_path / "link" / "styled" / "deeper", tmp_path / "other" / ".." / "photos"]:
        with pytest.raises(ImageError) as exc_info:
            stylize_folder(source, output, calls.append, progress=False)
        one_line(exc_info, "input folder", str(source), "choose an output folder outside it")
    assert not calls  # refused before anything ran
    assert snapshot(tmp_path) == before and not temps(tmp_path)  # no folder made inside the input


def test_folder_output_that_is_a_hard_link_of_an_input(tmp_path):
    source = _photos(tmp_path / "photos")
    out = tmp_path / "out"
    out.mkdir()
    os.link(source / "a.png", out / "a.jpg")  # odd, but the batch would replace a name of the input
    before = snapshot(tmp_path)
    with pytest.raises(ImageError, match="would overwrite the input"):
        stylize_folder(source, out, lambda path: load_image(path), progress=False)
    assert snapshot(tmp_path) == before and not temps(tmp_path)


def test_folder_outputs_never_collide(tmp_path):
    source = _photos(tmp_path / "photos", names=("a.jpg", "a.png", "b.webp", "c.PNG", "c.png"))
    out = tmp_path / "out"
    inputs = snapshot(source)
    results = {}

    def paint(path):
        results[path.name] = noise(16, 16, seed=len(results) + 50)
        return results[path.name]

    written, failed = stylize_folder(source, out, paint, progress=False)

    names = ["a_jpg.jpg", "a_png.jpg", "b.jpg", "c_png.jpg", "c_png_2.jpg"]
    assert [p.name for p in written] == names and not failed
    assert sorted(p.name for p in out.iterdir()) == names  # five images in, five files out
    for source_name, name in zip(sorted(results), names):
        assert (out / name).read_bytes() == encode_image(results[source_name], "x.jpg")
    assert output_names(sorted(source.iterdir())) == names
    assert snapshot(source) == inputs and not temps(source, out)


# --------------------------------------------------------------------------
# a writer killed in the middle


_CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    from tfstyle.atomic import write_bytes
    from tfstyle.image.io import encode_image

    data = encode_image(np.random.default_rng(7).integers(0, 256, (3000, 3000, 3), dtype=np.uint8), "big.bmp")
    sys.stdout.write(f"{len(data)}\\n")
    sys.stdout.flush()
    while True:
        write_bytes(sys.argv[1], data)
""")


def test_writer_killed_mid_write_never_leaves_a_partial_file(tmp_path):
    target = tmp_path / "big.bmp"
    old = encode_image(noise(64, 64), "old.bmp")
    new = encode_image(np.random.default_rng(7).integers(0, 256, (3000, 3000, 3), dtype=np.uint8), "big.bmp")
    caught_mid_write = 0
    for _ in range(3):
        target.write_bytes(old)
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(target)], stdout=subprocess.PIPE, text=True,
                                 env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        try:
            assert int(child.stdout.readline()) == len(new)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # kill it while a temporary file is partly written
                partial = [p for p in tmp_path.glob(f"{TEMP_PREFIX}*") if 0 < _size(p) < len(new)]
                if partial:
                    caught_mid_write += 1
                    break
                if target.read_bytes() != old:  # the target is always whole: old or new
                    assert target.read_bytes() == new
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        assert target.read_bytes() in (old, new)
        left = [p.name for p in tmp_path.iterdir() if p.name != "big.bmp"]
        assert all(name.startswith(TEMP_PREFIX) for name in left) and len(left) <= 1  # only the killed temp
        # The next write into the folder removes what the killed writer left, and nothing else.
        write_text(tmp_path / "note.txt", "next run\n")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["big.bmp", "note.txt"]
        (tmp_path / "note.txt").unlink()
    assert caught_mid_write >= 1


def _size(path: pathlib.Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


# --------------------------------------------------------------------------
# thin images and small tiles


class StatsNet:
    """A tiny identity-like NormStatsNet in NumPy: instance norm (given statistics) and a 3x3 blur."""

    numpy_io = True

    def norm_stats(self, images):
        return [(images.mean((1, 2)), images.var((1, 2)))]

    def __call__(self, images, stats=None):
        mean, var = (stats or self.norm_stats(images))[0]
        x = (images - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-3) * 40 + 128
        p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
        return sum(p[:, i:i + x.shape[1], j:j + x.shape[2]] for i in range(3) for j in range(3)) / 9


def _untiled(net, image):
    from tfstyle.runtime.tiling import pad_to, round_up

    height, width = image.shape[:2]
    return np.clip(net(pad_to(image, round_up(height), round_up(width))[None])[0, :height, :width], 0, 255)


@pytest.mark.parametrize("height, width", [(20, 20000), (120, 5000), (100, 4200), (5000, 120)])
def test_thin_images_tile_like_the_untiled_run(height, width):
    from tfstyle.runtime.preset_files import lite_tile
    from tfstyle.runtime.tiling import stylize_tiled

    image = np.random.default_rng(height).uniform(0, 255, (height, width, 3)).astype(np.float32)
    original = image.copy()
    net, expected = StatsNet(), _untiled(StatsNet(), image)
    for tile in [512, lite_tile(height, width), 64, 100, 135]:  # the Keras default, LiteRT strips, small --tile
        out = stylize_tiled(net, image, tile=tile, stats_size=max(height, width))
        np.testing.assert_allclose(out, expected, atol=1e-3, err_msg=f"tile {tile}")
    default = stylize_tiled(net, image, tile=64)  # statistics from a downscaled copy: runs, in range
    assert default.shape == image.shape and np.isfinite(default).all()
    np.testing.assert_array_equal(image, original)


def test_thin_image_with_a_johnson_net():
    """A 20-px strip through a real (small) JohnsonNet: tiled like untiled, where windows overlap ~55 px or more."""
    import keras

    from tfstyle.models.johnson import JohnsonNet
    from tfstyle.perceptual.metrics import psnr
    from tfstyle.runtime.tiling import stylize_tiled

    from .conftest import smooth_image

    keras.utils.set_random_seed(7)
    net = JohnsonNet(width=0.25)
    image = smooth_image(np.random.default_rng(2), 20, 800)
    untiled = np.asarray(net(image[None]))[0]
    for tile in [(64, 256), 128]:
        tiled = stylize_tiled(net, image, tile=tile, stats_size=800)
        assert psnr(tiled, untiled) >= 35.0, (tile, psnr(tiled, untiled))


def test_a_tile_too_small_names_the_option():
    from tfstyle.runtime.tiling import stylize_tiled

    with pytest.raises(OptionError) as exc_info:
        stylize_tiled(StatsNet(), np.zeros((20, 2000, 3), np.float32), tile=16)
    assert one_line(exc_info) == "tile must be at least 64, got 16"


# --------------------------------------------------------------------------
# networks that are not networks


def test_a_keras_file_that_is_not_an_archive(tmp_path):
    from tfstyle.weights.presets import load_model

    text, png = tmp_path / "notes.keras", tmp_path / "photo.keras"
    text.write_text("not a model")
    save_image(noise(16, 16), tmp_path / "photo.png")
    (tmp_path / "photo.png").rename(png)
    before = snapshot(tmp_path)
    for path in (text, png):
        with pytest.raises(WeightsError) as exc_info:
            load_model(path)
        assert one_line(exc_info).startswith(f"{path} is not a Keras .keras archive")
    assert snapshot(tmp_path) == before


def test_a_keras_file_that_is_not_a_style_network(tmp_path):
    import keras

    from tfstyle.weights.presets import load_model

    keras.utils.set_random_seed(1)
    models = {
        "dense.keras": keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)]),  # #29's one Dense layer
        "vector.keras": keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Flatten(), keras.layers.Dense(3)]),
        "unbuilt.keras": keras.Sequential([keras.layers.Dense(3)]),
        "halves.keras": keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(3, 3, strides=2)]),
        "per_pixel.keras": keras.Sequential([keras.Input((None, None, 3)), keras.layers.Dense(3)]),  # recolours
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns about saving the unbuilt one
        for name, model in models.items():
            model.save(tmp_path / name)
    before = snapshot(tmp_path)
    for name in models:
        with pytest.raises(OptionError) as exc_info:
            load_model(tmp_path / name)
        one_line(exc_info, f"{tmp_path / name} is not a style network", "(1, H, W, 3)")
    # An image-to-image network of the same shape meets the contract.
    plain = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(3, 3, padding="same")])
    plain.save(tmp_path / "plain.keras")
    assert load_model(tmp_path / "plain.keras") is not None
    for path, entry in before.items():
        assert pathlib.Path(path).read_bytes() == entry[1]


def test_only_temps_of_dead_writers_on_this_host_are_swept(tmp_path):
    from tfstyle.atomic import _owner

    host, own_pid = _owner().split(".")
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(done.stdout)
    other_host = "000000" if host != "000000" else "ffffff"
    names = {"dead": f"{TEMP_PREFIX}{host}.{dead}-abc-x.jpg", "live": f"{TEMP_PREFIX}{host}.{own_pid}-abc-x.jpg",
             "elsewhere": f"{TEMP_PREFIX}{other_host}.{dead}-abc-x.jpg", "unrecorded": f"{TEMP_PREFIX}abc123-x.jpg"}
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
    write_text(tmp_path / "out.txt", "ok\n")
    left = {p.name for p in tmp_path.iterdir()}
    assert names["dead"] not in left
    assert {names["live"], names["elsewhere"], names["unrecorded"], "out.txt"} <= left


# -------------------------------------------------------------- the LiteRT cache's build lock (#29)


def test_a_cache_builder_killed_while_holding_the_lock_does_not_block_the_next(tmp_path, monkeypatch):
    """The build lock is an flock: a builder killed with SIGKILL (mid-build, lock held) releases it with its
    process, and the next build proceeds at once and leaves a complete, verified cache."""
    from tfstyle.export import litert_cache as builder

    monkeypatch.setenv("TFSTYLE_SHIPPED_LITERT", "0")  # the cache, not the package's prebuilt files
    from tfstyle.runtime import preset_files

    monkeypatch.setenv("TFSTYLE_CACHE", str(tmp_path))
    folder = preset_files.cache_dir("wave")
    folder.parent.mkdir(parents=True)
    lock = folder.parent / f".{folder.name}.lock"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, os, sys, time
        fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("held", flush=True)
        time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
    monkeypatch.setattr(builder, "_transfer_files",
                        lambda transfer, conditioned: {role: role.encode() for role in preset_files.ROLES["fast"]})
    monkeypatch.setattr(builder, "_check_loads", lambda name, role, content: None)
    monkeypatch.setattr("tfstyle.weights.presets.load_model", lambda name, kind=None: object())
    start = time.monotonic()
    files = builder.build_litert_cache("wave", quiet=True)
    assert time.monotonic() - start < 10 and files == preset_files.cached_files("wave")
    assert (folder / "whole.tflite").read_bytes() == b"whole"


_SWALLOWED = """
import os, signal, sys
from tfstyle import interrupts
from tfstyle.atomic import write_text

class SignalledWhileCollected:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(10000):  # the handler runs here, inside a finalizer: Python prints and drops its exception
            pass

with interrupts.terminate_as_interrupt():
    SignalledWhileCollected()
    print("kept running", flush=True)
    try:
        write_text(sys.argv[1], "new")
    except KeyboardInterrupt:
        sys.exit(130)
"""


def test_an_interrupt_python_swallowed_still_stops_the_commit(tmp_path):
    """SIGTERM landing in a finalizer (the exception is lost): the process goes on, but no file is replaced."""
    target = tmp_path / "report.md"
    target.write_text("old")
    result = subprocess.run([sys.executable, "-c", _SWALLOWED, str(target)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.stdout == "kept running\n" and result.returncode == 130, "the finalizer lost the interrupt"
    assert result.stderr == "", "a recorded interrupt lost in a finalizer prints no traceback"
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_sigterm_during_a_video_unwinds_like_ctrl_c(tmp_path):
    """``kill`` (SIGTERM) mid-run: exit 130, one line, no output and no temporary file left."""
    from tfstyle.video.io import VideoWriter

    clip = tmp_path / "clip.mp4"
    with VideoWriter(clip, fps=25, size=(160, 120)) as writer:
        for i in range(400):
            writer.write(np.roll(np.tile(np.arange(160, dtype=np.uint8)[None, :, None], (120, 1, 3)), 2 * i, axis=1))
    before = clip.read_bytes()
    out = tmp_path / "out.mp4"
    child = subprocess.Popen([sys.executable, "-m", "tfstyle", "stylize", str(clip), "--style", "wave", "-o", str(out),
                              "--backend", "keras", "--quiet"], stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "TFSTYLE_CACHE": str(tmp_path / "cache")})
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(f"{TEMP_PREFIX}*")) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.poll() is None, child.stderr.read()
        child.send_signal(signal.SIGTERM)
        err = child.communicate(timeout=60)[1].strip()
    finally:
        child.kill()
    assert child.returncode == 130 and err.endswith("interrupted") and "Traceback" not in err, (child.returncode, err)
    assert not out.exists() and not list(tmp_path.glob(f"{TEMP_PREFIX}*"))
    assert clip.read_bytes() == before
