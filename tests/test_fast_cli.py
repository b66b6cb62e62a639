"""Command line for trained networks: single images, folders with a bad file, training."""
import keras
import numpy as np
import pytest
from PIL import Image

from tfstyle.cli import main
from tfstyle.models import JohnsonNet

from .conftest import smooth_image


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    keras.utils.set_random_seed(0)
    net = JohnsonNet(width=0.25, residual_blocks=1)
    net(np.zeros((1, 32, 32, 3), np.float32))
    path = tmp_path_factory.mktemp("model") / "net.keras"
    net.save(path)
    return path


@pytest.fixture
def folder(tmp_path, rng):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.jpg", "b.png", "c.webp"):
        Image.fromarray(smooth_image(rng, 40, 52).astype(np.uint8)).save(src / name)
    (src / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a whole jpeg")
    (src / "notes.txt").write_text("ignored: not an image extension")
    return src


def test_single_image_with_model(model_file, tmp_path, rng, capsys):
    src = tmp_path / "p.png"
    Image.fromarray(smooth_image(rng, 60, 80).astype(np.uint8)).save(src)
    assert main(["stylize", str(src), "--model", str(model_file), "-o", str(tmp_path / "o.jpg"), "-q"]) == 0
    assert Image.open(tmp_path / "o.jpg").size == (80, 60)


def test_folder_skips_bad_file_and_does_the_rest(model_file, folder, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["stylize", str(folder), "--model", str(model_file), "-o", str(out), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1
    assert sorted(p.name for p in out.iterdir()) == ["a.jpg", "b.jpg", "c.jpg"]
    assert Image.open(out / "b.jpg").size == (52, 40)
    assert len(err) == 2 and "broken.jpg" in err[0] and "1 of 4 images failed" in err[1]
    assert "Traceback" not in "".join(err)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--style", "no_such_style"], "unknown preset 'no_such_style'"),
        (["--method", "fast"], "needs --style NAME"),
        ([], "or STYLE images"),
        (["--model", "missing.keras"], "model file not found"),
    ],
)
def test_fast_method_errors(tmp_path, rng, capsys, extra, message):
    src = tmp_path / "p.png"
    Image.fromarray(smooth_image(rng, 32, 32).astype(np.uint8)).save(src)
    rc = main(["stylize", str(src), "-o", str(tmp_path / "o.jpg"), *extra])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and message in err and "\n" not in err
    assert not (tmp_path / "o.jpg").exists()


def test_styles_command_lists_catalog(capsys):
    from tfstyle.weights.registry import preset_names

    assert main(["styles"]) == 0
    listed = capsys.readouterr().out.split()
    assert all(name in listed for name in preset_names("fast"))


def test_train_johnson_cli(folder, tmp_path, rng, capsys, vgg_weights):
    (folder / "broken.jpg").unlink()
    style = tmp_path / "style.png"
    Image.fromarray(smooth_image(rng, 64, 64).astype(np.uint8)).save(style)
    out = tmp_path / "m.keras"
    args = ["train", "johnson", "--style", str(style), "--content-dir", str(folder), "--out", str(out),
            "--steps", "2", "--checkpoint-every", "1", "--image-size", "32", "--batch-size", "1", "--width", "0.25",
            "-q"]
    assert main(args) == 0
    assert isinstance(keras.saving.load_model(out, compile=False), JohnsonNet)
    assert (tmp_path / "m.ckpt" / "state.json").is_file()


def _outputs(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_folder_flags_recursive_skip_existing_and_shard(model_file, folder, tmp_path, capsys):
    """``--recursive``, ``--skip-existing`` and ``--shard I/N`` reach ``stylize_folder``: subfolders mirrored, a rerun
    leaves finished outputs alone, and two shards together write every image once."""
    (folder / "broken.jpg").unlink()
    (folder / "trip").mkdir()
    (folder / "trip" / "d.png").write_bytes((folder / "b.png").read_bytes())
    base = ["stylize", str(folder), "--model", str(model_file), "-q"]
    flat, deep = tmp_path / "flat", tmp_path / "deep"
    assert main([*base, "-o", str(flat)]) == 0
    assert sorted(_outputs(flat)) == ["a.jpg", "b.jpg", "c.jpg"]
    assert main([*base, "-o", str(deep), "--recursive"]) == 0
    everything = _outputs(deep)
    assert sorted(everything) == ["a.jpg", "b.jpg", "c.jpg", "trip/d.jpg"]

    (deep / "a.jpg").write_bytes(b"kept: not rewritten")
    (deep / "c.jpg").unlink()
    capsys.readouterr()
    assert main([*base, "-o", str(deep), "--recursive", "--skip-existing"]) == 0
    assert "skipped 3 images whose output exists" in capsys.readouterr().err
    assert _outputs(deep) == {**everything, "a.jpg": b"kept: not rewritten"}  # c.jpg painted again, the same

    parts = [tmp_path / "part0", tmp_path / "part1"]
    for index, part in enumerate(parts):
        assert main([*base, "-o", str(part), "--recursive", "--shard", f"{index}/2"]) == 0
    first, second = _outputs(parts[0]), _outputs(parts[1])
    assert not set(first) & set(second) and {**first, **second} == everything
