"""Tests for tfstyle.image.io (Pillow + NumPy only; every test image is made here)."""

from __future__ import annotations

import doctest
import io
import os
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from tfstyle.errors import ImageError, OptionError, TfstyleError
from tfstyle.image import io as images
from tfstyle.image.io import (
    check_output_path,
    list_images,
    load_image,
    resize_image,
    save_image,
    to_uint8,
)

# --------------------------------------------------------------------------
# helpers


def noise(height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def smooth(height: int, width: int) -> np.ndarray:
    """A smooth colour gradient: lossy codecs reproduce it closely."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack(
        [255 * x / (width - 1), 255 * y / (height - 1), 128 + 60 * np.sin(x / 7.0)], axis=2
    )
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def write_pil(img: Image.Image, path, **params):
    img.save(path, **params)
    return path


def assert_one_line(exc_info, *fragments: str) -> str:
    message = str(exc_info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def png_with_claimed_size(path, width: int, height: int) -> None:
    """Write a small valid PNG, then patch its IHDR to claim another size."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buf, format="PNG")
    data = bytearray(buf.getvalue())
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------
# round trips through files


def test_png_round_trip_is_exact(tmp_path):
    pixels = noise(20, 30)
    path = write_pil(Image.fromarray(pixels), tmp_path / "a.png")
    loaded = load_image(path)
    assert loaded.dtype == np.float32
    assert loaded.shape == (20, 30, 3)
    np.testing.assert_array_equal(loaded, pixels.astype(np.float32))


@pytest.mark.parametrize(
    "name, params, tolerance",
    [
        ("a.jpg", {"quality": 95}, 3.0),
        ("a.jpeg", {"quality": 95}, 3.0),
        ("a.webp", {"quality": 95}, 3.0),
        ("a.webp", {"lossless": True}, 0.0),
        ("a.bmp", {}, 0.0),
        ("a.tif", {}, 0.0),
    ],
)
def test_lossy_and_lossless_round_trips(tmp_path, name, params, tolerance):
    pixels = smooth(48, 64)
    path = write_pil(Image.fromarray(pixels), tmp_path / name, **params)
    loaded = load_image(str(path))
    assert loaded.shape == (48, 64, 3)
    assert loaded.dtype == np.float32
    assert 0.0 <= loaded.min() and loaded.max() <= 255.0
    assert np.abs(loaded - pixels).mean() <= tolerance


@pytest.mark.parametrize("ext", [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".PNG", ".JPG"])
def test_save_then_load(tmp_path, ext):
    pixels = smooth(32, 40).astype(np.float32)
    out = save_image(pixels, tmp_path / f"out{ext}")
    assert out == tmp_path / f"out{ext}"
    loaded = load_image(out)
    assert loaded.shape == (32, 40, 3)
    lossy = ext.lower() in (".jpg", ".jpeg", ".webp")
    assert np.abs(loaded - pixels).mean() <= (3.0 if lossy else 0.0)
    assert sorted(os.listdir(tmp_path)) == [f"out{ext}"]  # no temporary files left


def test_exif_orientation_is_applied(tmp_path):
    # 32 wide, 48 tall, with a red block in the top-left corner.
    pixels = np.zeros((48, 32, 3), dtype=np.uint8)
    pixels[:8, :8] = (255, 0, 0)
    img = Image.fromarray(pixels)
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = tmp_path / "rotated.jpg"
    img.save(path, exif=exif, quality=95)

    loaded = load_image(path)
    assert loaded.shape == (32, 48, 3)  # transposed
    # Turning clockwise moves the top-left corner to the top-right.
    assert loaded[1:7, -7:-1, 0].mean() > 200
    assert loaded[1:7, 1:7, 0].mean() < 50


def test_exif_orientation_applied_to_pil_input_without_modifying_it():
    img = Image.new("RGB", (40, 20), (10, 20, 30))
    exif = img.getexif()
    exif[0x0112] = 8
    img.info["exif"] = exif.tobytes()
    reread = Image.open(io.BytesIO(_jpeg_bytes(img, exif)))
    loaded = load_image(reread)
    assert loaded.shape == (40, 20, 3)
    assert reread.size == (40, 20)  # caller's image untouched


def _jpeg_bytes(img: Image.Image, exif) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif, quality=95)
    return buf.getvalue()


# --------------------------------------------------------------------------
# image modes


def test_grayscale_l(tmp_path):
    path = write_pil(Image.new("L", (20, 16), 77), tmp_path / "gray.png")
    loaded = load_image(path)
    assert loaded.shape == (16, 20, 3)
    assert np.all(loaded == 77.0)


def test_la_composited_over_white(tmp_path):
    img = Image.new("LA", (16, 16), (100, 255))
    img.putpixel((0, 0), (100, 0))
    img.putpixel((1, 0), (100, 128))
    path = write_pil(img, tmp_path / "la.png")
    loaded = load_image(path)
    np.testing.assert_allclose(loaded[0, 0], [255, 255, 255])
    np.testing.assert_allclose(loaded[5, 5], [100, 100, 100])
    expected = 100 * 128 / 255 + 255 * (127 / 255)
    np.testing.assert_allclose(loaded[0, 1], [expected] * 3, atol=1e-3)


def test_rgba_composited_over_white(tmp_path):
    img = Image.new("RGBA", (16, 16), (255, 0, 0, 255))
    img.putpixel((3, 2), (0, 0, 0, 0))
    path = write_pil(img, tmp_path / "rgba.png")
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded[2, 3], [255, 255, 255])
    np.testing.assert_array_equal(loaded[0, 0], [255, 0, 0])


def _palette_image() -> Image.Image:
    img = Image.new("P", (16, 16), 1)
    img.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * (256 * 3 - 9))
    img.putpixel((0, 0), 0)
    img.putpixel((1, 0), 2)
    return img


def test_palette_without_transparency(tmp_path):
    path = write_pil(_palette_image(), tmp_path / "p.png")
    with Image.open(path) as check:
        assert check.mode == "P" and "transparency" not in check.info
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded[0, 0], [0, 0, 0])
    np.testing.assert_array_equal(loaded[0, 1], [0, 0, 255])
    np.testing.assert_array_equal(loaded[8, 8], [255, 0, 0])


@pytest.mark.parametrize("name", ["p.png", "p.gif"])
def test_palette_with_transparency(tmp_path, name):
    img = _palette_image()
    path = tmp_path / name
    img.save(path, transparency=0)
    with Image.open(path) as check:
        assert check.mode == "P" and "transparency" in check.info
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's palette warning must not appear
        loaded = load_image(path)
    np.testing.assert_array_equal(loaded[0, 0], [255, 255, 255])  # transparent -> white
    np.testing.assert_array_equal(loaded[0, 1], [0, 0, 255])
    np.testing.assert_array_equal(loaded[8, 8], [255, 0, 0])


def test_sixteen_bit_grayscale_png_is_scaled(tmp_path):
    values = np.zeros((16, 16), dtype=np.uint16)
    values[0, 0] = 65535
    values[0, 1] = 32896
    values[0, 2] = 257
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    with Image.open(path) as check:
        assert check.mode.startswith("I")
    loaded = load_image(path)
    assert loaded[0, 0].tolist() == [255.0] * 3
    np.testing.assert_allclose(loaded[0, 1], [128.0] * 3, atol=0.01)
    np.testing.assert_allclose(loaded[0, 2], [1.0] * 3, atol=1e-6)
    assert loaded[5, 5].tolist() == [0.0] * 3


@pytest.mark.parametrize("mode", ["I;16", "I;16B"])
def test_sixteen_bit_pil_modes(mode):
    img = Image.new(mode, (16, 16), 65535)
    img.putpixel((0, 0), 32896)
    loaded = load_image(img)
    np.testing.assert_allclose(loaded[1, 1], [255.0] * 3)
    np.testing.assert_allclose(loaded[0, 0], [128.0] * 3, atol=0.01)


def test_mode_i_and_f_scaling():
    wide = Image.fromarray(np.full((16, 16), 65535, dtype=np.int32))
    assert wide.mode == "I"
    assert np.allclose(load_image(wide), 255.0)

    narrow = Image.fromarray(np.full((16, 16), 200, dtype=np.int32))
    assert np.allclose(load_image(narrow), 200.0)  # already 0..255: unchanged

    as_float = Image.fromarray(np.full((16, 16), 0.5, dtype=np.float32))
    assert as_float.mode == "F"
    assert np.allclose(load_image(as_float), 127.5)  # [0, 1] floats
    assert np.allclose(load_image(Image.fromarray(np.full((16, 16), 100.0, dtype=np.float32))), 100.0)


def test_cmyk_jpeg(tmp_path):
    img = Image.new("CMYK", (32, 32), (0, 0, 0, 0))  # white
    for x in range(16, 32):
        for y in range(32):
            img.putpixel((x, y), (0, 255, 255, 0))  # red
    path = write_pil(img, tmp_path / "cmyk.jpg", quality=95)
    with Image.open(path) as check:
        assert check.mode == "CMYK"
    loaded = load_image(path)
    assert loaded.shape == (32, 32, 3)
    np.testing.assert_allclose(loaded[5:10, 2:10].mean(axis=(0, 1)), [255, 255, 255], atol=6)
    np.testing.assert_allclose(loaded[5:10, 22:30].mean(axis=(0, 1)), [255, 0, 0], atol=12)


def test_mode_1(tmp_path):
    bits = (np.indices((16, 16)).sum(axis=0) % 2).astype(bool)
    path = write_pil(Image.fromarray(bits), tmp_path / "bits.png")
    with Image.open(path) as check:
        assert check.mode == "1"
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded[:, :, 0], bits * 255.0)
    assert np.all(loaded[:, :, 0] == loaded[:, :, 2])


def test_ycbcr_pil_input():
    pixels = smooth(16, 24)
    ycbcr = Image.fromarray(pixels).convert("YCbCr")
    loaded = load_image(ycbcr)
    assert np.abs(loaded - pixels).max() <= 4


def test_lazy_pil_image_from_file(tmp_path):
    path = write_pil(Image.fromarray(noise(16, 18)), tmp_path / "lazy.png")
    with Image.open(path) as img:
        loaded = load_image(img)
    assert loaded.shape == (16, 18, 3)


# --------------------------------------------------------------------------
# refused files


def test_missing_file(tmp_path):
    path = tmp_path / "nope.jpg"
    with pytest.raises(ImageError) as exc_info:
        load_image(path)
    message = assert_one_line(exc_info, str(path))
    assert message.startswith("no such file")
    assert isinstance(exc_info.value, ValueError) and isinstance(exc_info.value, TfstyleError)


def test_directory(tmp_path):
    with pytest.raises(ImageError) as exc_info:
        load_image(tmp_path)
    assert_one_line(exc_info, str(tmp_path), "folder")


def test_text_file_named_jpg(tmp_path):
    path = tmp_path / "x.jpg"
    path.write_text("this is not a picture\n" * 20)
    with pytest.raises(ImageError) as exc_info:
        load_image(path)
    message = assert_one_line(exc_info, str(path))
    assert message.startswith("not an image (or unsupported format)")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageError) as exc_info:
        load_image(path)
    assert_one_line(exc_info, str(path), "not an image")


@pytest.mark.parametrize("fmt, name", [("JPEG", "cut.jpg"), ("PNG", "cut.png")])
def test_truncated_image(tmp_path, fmt, name):
    buf = io.BytesIO()
    Image.fromarray(noise(64, 64)).save(buf, format=fmt)
    data = buf.getvalue()
    path = tmp_path / name
    path.write_bytes(data[: len(data) // 2])
    assert not ImageFile.LOAD_TRUNCATED_IMAGES
    with pytest.raises(ImageError) as exc_info:
        load_image(path)
    message = assert_one_line(exc_info, str(path))
    assert message.startswith("corrupt or truncated image")


def test_too_small(tmp_path):
    path = write_pil(Image.new("RGB", (8, 8)), tmp_path / "tiny.png")
    with pytest.raises(ImageError) as exc_info:
        load_image(path)
    message = assert_one_line(exc_info, str(path), "8x8", str(images.MIN_SIDE))
    assert message.startswith("image too small")
    with pytest.raises(ImageError, match="too small"):
        load_image(Image.new("RGB", (100, 15)))
    with pytest.raises(ImageError, match="too small"):
        load_image(np.zeros((15, 100, 3)))


def test_absurd_size_from_header(tmp_path):
    path = tmp_path / "bomb.png"
    png_with_claimed_size(path, 20000, 20000)
    assert struct.unpack(">II", path.read_bytes()[16:24]) == (20000, 20000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ImageError) as exc_info:
            load_image(path)
    message = assert_one_line(exc_info, str(path))
    assert message.startswith("image too large")
    assert "400000000" in message.replace(",", "")


def test_max_pixels_refused_from_header_without_decoding(tmp_path, monkeypatch):
    # 9500x9500 is above Pillow's warning threshold (~89.5 Mpx) but below
    # MAX_PIXELS; make our limit smaller and check that it is what refuses.
    path = tmp_path / "big.png"
    png_with_claimed_size(path, 9500, 9500)
    monkeypatch.setattr(images, "MAX_PIXELS", 50_000_000)
    decoded = []
    original_load = ImageFile.ImageFile.load

    def spy_load(self):
        decoded.append(self.size)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ImageError) as exc_info:
            load_image(path)
    assert not caught, [str(w.message) for w in caught]  # no Pillow warning leaks
    assert decoded == []
    message = assert_one_line(exc_info, str(path), "9500x9500", "50,000,000")
    assert message.startswith("image too large")


def test_pillow_warning_size_is_not_shown(tmp_path, monkeypatch):
    """Between Pillow's warning threshold and MAX_PIXELS: no warning, our rule applies."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow warns above this
    path = write_pil(Image.fromarray(noise(40, 40)), tmp_path / "ok.png")  # 1600 px
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_image(path)
    assert loaded.shape == (40, 40, 3)


# --------------------------------------------------------------------------
# numpy inputs


@pytest.mark.parametrize(
    "array, expected",
    [
        (np.full((16, 20), 200, dtype=np.uint8), 200.0),
        (np.full((16, 20, 1), 200, dtype=np.uint8), 200.0),
        (np.full((16, 20, 3), 200, dtype=np.uint8), 200.0),
        (np.full((16, 20, 4), 200, dtype=np.uint8), 200.0 * 200 / 255 + 255 * 55 / 255),
        (np.full((16, 20, 3), 65535, dtype=np.uint16), 255.0),
        (np.full((16, 20), 32896, dtype=np.uint16), 128.0),
        (np.full((16, 20, 3), 0.5, dtype=np.float32), 127.5),
        (np.full((16, 20, 3), 1.0, dtype=np.float64), 255.0),
        (np.full((16, 20, 3), 100.0, dtype=np.float64), 100.0),
        (np.full((16, 20, 3), 300.0, dtype=np.float32), 255.0),  # clipped
        (np.full((16, 20, 3), 100.0, dtype=np.float16), 100.0),
        (np.full((16, 20, 3), 120, dtype=np.int64), 120.0),
        (np.ones((16, 20), dtype=bool), 255.0),
    ],
)
def test_numpy_inputs(array, expected):
    before = array.copy()
    loaded = load_image(array)
    assert loaded.shape == (16, 20, 3)
    assert loaded.dtype == np.float32
    np.testing.assert_allclose(loaded, expected, atol=0.01)
    np.testing.assert_array_equal(array, before)  # input not modified
    assert not np.shares_memory(loaded, array)


def test_numpy_rgba_transparent_is_white_and_float_rule_uses_alpha_scale():
    rgba = np.zeros((16, 16, 4), dtype=np.float32)
    rgba[..., 3] = 1.0  # [0, 1] floats, opaque black
    rgba[0, 0, 3] = 0.0  # one fully transparent pixel
    loaded = load_image(rgba)
    np.testing.assert_allclose(loaded[0, 0], [255, 255, 255])
    np.testing.assert_allclose(loaded[1, 1], [0, 0, 0])


def test_numpy_float_rule_threshold():
    img = np.zeros((16, 16, 3), dtype=np.float32)
    img[0, 0] = 1.0 + 1e-7  # within tolerance: still [0, 1]
    assert load_image(img)[0, 0, 0] == pytest.approx(255.0, abs=1e-3)
    img[0, 0] = 1.5  # above: [0, 255]
    assert load_image(img)[0, 0, 0] == pytest.approx(1.5)


@pytest.mark.parametrize(
    "shape",
    [(16,), (16, 16, 2), (16, 16, 5), (1, 16, 16, 3), (16, 16, 3, 1)],
)
def test_numpy_bad_shapes(shape):
    with pytest.raises(ImageError) as exc_info:
        load_image(np.zeros(shape, dtype=np.uint8))
    message = assert_one_line(exc_info, str(shape))
    assert message.startswith("expected an HxW, HxWx1, HxWx3 or HxWx4 image, got shape")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_numpy_non_finite(bad):
    img = np.zeros((16, 16, 3), dtype=np.float32)
    img[3, 3, 1] = bad
    with pytest.raises(ImageError, match="NaN or infinite"):
        load_image(img)


def test_numpy_bad_integer_values_and_dtypes():
    with pytest.raises(ImageError, match="0..255"):
        load_image(np.full((16, 16, 3), 300, dtype=np.int32))
    with pytest.raises(ImageError, match="0..255"):
        load_image(np.full((16, 16, 3), -1, dtype=np.int16))
    with pytest.raises(ImageError, match="dtype"):
        load_image(np.zeros((16, 16, 3), dtype=np.complex64))


def test_wrong_source_type():
    with pytest.raises(TypeError):
        load_image(12345)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# max_size


def test_max_size_downscales_keeping_aspect():
    img = smooth(100, 200)
    loaded = load_image(img, max_size=50)
    assert loaded.shape == (25, 50, 3)
    tall = load_image(np.zeros((300, 120, 3), dtype=np.uint8), max_size=100)
    assert tall.shape == (100, 40, 3)


def test_max_size_never_upscales():
    img = smooth(40, 60)
    assert load_image(img, max_size=500).shape == (40, 60, 3)
    assert load_image(img, max_size=60).shape == (40, 60, 3)
    np.testing.assert_array_equal(load_image(img, max_size=60), img.astype(np.float32))


def test_max_size_on_jpeg_file_uses_reduced_decoding_correctly(tmp_path):
    pixels = smooth(300, 400)
    path = write_pil(Image.fromarray(pixels), tmp_path / "big.jpg", quality=95)
    small = load_image(path, max_size=64)
    assert small.shape == (48, 64, 3)
    reference = resize_image(pixels.astype(np.float32), long_side=64)
    assert np.abs(small - reference).mean() < 3.0
    # EXIF rotation and max_size together
    img = Image.fromarray(pixels)
    exif = img.getexif()
    exif[0x0112] = 6
    rotated = tmp_path / "rot.jpg"
    img.save(rotated, exif=exif, quality=95)
    assert load_image(rotated, max_size=64).shape == (64, 48, 3)


@pytest.mark.parametrize("bad", [0, -5, 8, 3.5, "100", True])
def test_max_size_validation(bad):
    with pytest.raises(OptionError):
        load_image(np.zeros((32, 32, 3), dtype=np.uint8), max_size=bad)


# --------------------------------------------------------------------------
# resize_image and to_uint8


def test_resize_keeps_float_precision():
    img = np.full((40, 60, 3), 100.25, dtype=np.float32)
    small = resize_image(img, long_side=30)
    assert small.shape == (20, 30, 3)
    assert small.dtype == np.float32
    np.testing.assert_allclose(small, 100.25, atol=1e-3)  # uint8 would give 100

    ramp = np.repeat(np.linspace(0, 3, 64, dtype=np.float32)[None, :, None], 3, axis=2)
    ramp = np.repeat(ramp, 16, axis=0)
    out = resize_image(ramp, size=(16, 40))
    fractional = out - np.floor(out)
    assert np.count_nonzero((fractional > 0.05) & (fractional < 0.95)) > 50


def test_resize_size_is_height_width_and_upscales():
    img = smooth(20, 30).astype(np.float32)
    big = resize_image(img, size=(50, 70))
    assert big.shape == (50, 70, 3)
    assert resize_image(img, long_side=90).shape == (60, 90, 3)


def test_resize_clips_overshoot():
    img = np.zeros((16, 16, 3), dtype=np.float32)
    img[:, 8:] = 255.0  # a hard edge makes Lanczos/bicubic ring
    for out in (resize_image(img, size=(40, 40)), resize_image(img, size=(7, 7))):
        assert out.min() >= 0.0 and out.max() <= 255.0


def test_resize_same_size_returns_copy():
    img = smooth(20, 30).astype(np.float32)
    out = resize_image(img, size=(20, 30))
    np.testing.assert_array_equal(out, img)
    assert not np.shares_memory(out, img)


def test_resize_argument_checks():
    img = np.zeros((20, 20, 3), dtype=np.float32)
    with pytest.raises(OptionError):
        resize_image(img)
    with pytest.raises(OptionError):
        resize_image(img, long_side=10, size=(10, 10))
    with pytest.raises(OptionError):
        resize_image(img, long_side=0)
    with pytest.raises(OptionError):
        resize_image(img, size=(10,))
    with pytest.raises(OptionError):
        resize_image(img, size=(10, -1))
    with pytest.raises(ImageError):
        resize_image(np.zeros((20, 20), dtype=np.float32), long_side=10)


def test_to_uint8():
    values = np.array([[-3.0, 0.49, 0.51, 127.5, 254.6, 999.0]])
    out = to_uint8(values)
    assert out.dtype == np.uint8
    assert out.tolist() == [[0, 0, 1, 128, 255, 255]]
    already = np.array([1, 2, 3], dtype=np.uint8)
    assert to_uint8(already).tolist() == [1, 2, 3]
    with pytest.raises(ImageError):
        to_uint8(np.array([1.0, np.nan]))


# --------------------------------------------------------------------------
# save_image and check_output_path


def test_unsupported_extension_writes_nothing(tmp_path):
    with pytest.raises(ImageError) as exc_info:
        save_image(np.zeros((16, 16, 3)), tmp_path / "out.xyz")
    message = assert_one_line(exc_info, "'.xyz'", ".jpg, .png or .webp")
    assert message.startswith("unsupported output format '.xyz' (use .jpg, .png or .webp)")
    with pytest.raises(ImageError, match="no extension"):
        save_image(np.zeros((16, 16, 3)), tmp_path / "noext")
    assert os.listdir(tmp_path) == []


def test_missing_output_folder(tmp_path):
    target = tmp_path / "missing" / "out.png"
    with pytest.raises(ImageError) as exc_info:
        save_image(np.zeros((16, 16, 3)), target)
    message = assert_one_line(exc_info, str(tmp_path / "missing"))
    assert message.startswith("output folder does not exist")
    assert os.listdir(tmp_path) == []


def test_output_path_is_folder(tmp_path):
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ImageError, match="is a folder"):
        check_output_path(tmp_path / "dir.png")


def test_output_folder_not_writable(tmp_path, monkeypatch):
    # Simulated with os.access, so the test also works when run as root.
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: False if os.fspath(p) == str(locked) else real_access(p, mode, **kw)
    )
    with pytest.raises(ImageError) as exc_info:
        check_output_path(locked / "out.png")
    message = assert_one_line(exc_info, str(locked))
    assert message.startswith("output folder is not writable")


def test_check_output_path_returns_path(tmp_path):
    result = check_output_path(str(tmp_path / "Out.WebP"))
    assert result == tmp_path / "Out.WebP"
    assert os.listdir(tmp_path) == []


def _failing_save(exc: BaseException, folder, seen: list):
    def fake_save(self, fp, format=None, **params):
        seen.append(sorted(os.listdir(folder)))  # what exists while encoding
        fp.write(b"partial garbage")
        fp.flush()
        raise exc

    return fake_save


@pytest.mark.parametrize(
    "exc, expected", [(OSError("disk full"), ImageError), (KeyboardInterrupt(), KeyboardInterrupt)]
)
def test_failure_while_encoding_writes_nothing(tmp_path, monkeypatch, exc, expected):
    target = tmp_path / "out.png"
    save_image(np.full((16, 16, 3), 10.0), target)
    old = target.read_bytes()
    seen: list = []
    monkeypatch.setattr(Image.Image, "save", _failing_save(exc, tmp_path, seen))
    with pytest.raises(expected):
        save_image(np.full((16, 16, 3), 200.0), target)
    monkeypatch.undo()

    assert target.read_bytes() == old
    # the image is encoded in memory first: no file, not even a temporary one, exists while encoding
    assert seen == [["out.png"]] and os.listdir(tmp_path) == ["out.png"]


def _short_writes(seen: list, folder, then: BaseException | None):
    """An ``os.write`` that writes half of what it is given, once, then makes no progress (or raises ``then``)."""
    real_write = os.write

    def fake_write(fd, data):
        if not seen:
            seen.append(sorted(os.listdir(folder)))
            return real_write(fd, bytes(data[: len(data) // 2]))
        if then is not None:
            raise then
        return 0

    return fake_write


@pytest.mark.parametrize("then, expected", [(None, ImageError), (KeyboardInterrupt(), KeyboardInterrupt),
                                            (OSError(28, "No space left on device"), ImageError)])
def test_failure_mid_write_leaves_target_untouched(tmp_path, monkeypatch, then, expected):
    target = tmp_path / "out.jpg"
    save_image(np.full((16, 16, 3), 10.0), target)
    old = target.read_bytes()
    seen: list = []
    monkeypatch.setattr(os, "write", _short_writes(seen, tmp_path, then))
    with pytest.raises(expected) as exc_info:
        save_image(np.full((64, 64, 3), 200.0), target)
    monkeypatch.undo()

    assert target.read_bytes() == old
    assert os.listdir(tmp_path) == ["out.jpg"]  # temporary file removed
    # the image was being written to a hidden temporary file in the same folder
    assert len(seen[0]) == 2 and seen[0][1] == "out.jpg"
    assert seen[0][0].startswith(".tmp-") and seen[0][0].endswith("-out.jpg")
    if expected is ImageError:
        assert_one_line(exc_info, str(target), "no space left on device", "nothing was changed")


def test_failure_mid_write_without_existing_target(tmp_path, monkeypatch):
    monkeypatch.setattr(Image.Image, "save", _failing_save(OSError("boom"), tmp_path, []))
    with pytest.raises(ImageError) as exc_info:
        save_image(np.zeros((16, 16, 3)), tmp_path / "new.jpg")
    assert_one_line(exc_info, "could not write image", "boom")
    assert os.listdir(tmp_path) == []


def test_output_that_is_an_input_is_refused(tmp_path):
    photo = tmp_path / "photo.png"
    save_image(np.full((16, 16, 3), 10.0), photo)
    old = photo.read_bytes()
    with pytest.raises(ImageError) as exc_info:
        save_image(np.full((16, 16, 3), 200.0), photo, sources=[photo])
    assert_one_line(exc_info, "would overwrite the input", str(photo))
    with pytest.raises(ImageError):
        check_output_path(tmp_path / "." / "photo.png", sources=[str(photo)])
    check_output_path(tmp_path / "other.png", sources=[photo])  # another file is fine
    assert photo.read_bytes() == old and os.listdir(tmp_path) == ["photo.png"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_saved_file_permissions(tmp_path):
    fresh = save_image(np.zeros((16, 16, 3)), tmp_path / "fresh.png")
    mask = os.umask(0o022)
    os.umask(mask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~mask
    existing = tmp_path / "existing.png"
    existing.write_bytes(b"old")
    existing.chmod(0o640)
    save_image(np.zeros((16, 16, 3)), existing)
    assert existing.stat().st_mode & 0o777 == 0o640


def test_save_replaces_existing_file(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old content")
    save_image(np.full((16, 16, 3), 42.0), target)
    assert np.all(load_image(target) == 42.0)


def test_save_various_inputs(tmp_path):
    gray = save_image(np.full((16, 20), 50.0), tmp_path / "gray.png")
    with Image.open(gray) as img:
        assert img.mode == "L" and img.size == (20, 16)
    batch = save_image(np.full((1, 16, 20, 3), 60, dtype=np.uint8), tmp_path / "batch.png")
    assert load_image(batch).shape == (16, 20, 3)
    deep = save_image(np.full((16, 16, 3), 65535, dtype=np.uint16), tmp_path / "deep.png")
    assert np.all(load_image(deep) == 255.0)

    rgba = np.zeros((16, 16, 4), dtype=np.uint8)  # fully transparent
    kept = save_image(rgba, tmp_path / "alpha.png")
    with Image.open(kept) as img:
        assert img.mode == "RGBA"
    flat = save_image(rgba, tmp_path / "alpha.jpg")
    assert load_image(flat).min() > 250  # composited over white

    pil = save_image(Image.new("LA", (16, 16), (0, 0)), tmp_path / "la.jpg")
    assert load_image(pil).min() > 250
    p16 = save_image(Image.new("I;16", (16, 16), 65535), tmp_path / "i16.jpg")
    assert load_image(p16).min() > 250  # scaled, not clipped to garbage


def test_save_rejects_bad_images_and_quality(tmp_path):
    with pytest.raises(ImageError, match="got shape"):
        save_image(np.zeros((16, 16, 2)), tmp_path / "a.png")
    with pytest.raises(ImageError, match="NaN"):
        save_image(np.full((16, 16, 3), np.nan), tmp_path / "a.png")
    for quality in (0, 101, 9.5):
        with pytest.raises(OptionError):
            save_image(np.zeros((16, 16, 3)), tmp_path / "a.jpg", quality=quality)
    assert os.listdir(tmp_path) == []


def test_jpeg_quality_changes_size(tmp_path):
    pixels = noise(64, 64)
    low = save_image(pixels, tmp_path / "low.jpg", quality=20)
    high = save_image(pixels, tmp_path / "high.jpg", quality=95)
    assert low.stat().st_size < high.stat().st_size


# --------------------------------------------------------------------------
# list_images


def test_list_images(tmp_path):
    for name in ["b.PNG", "a.jpg", "c.JPEG", "d.webp", "e.bmp", "f.tif", "g.TIFF", "notes.txt", "h.gif", ".hidden.jpg"]:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.jpg").write_bytes(b"")
    (tmp_path / "folder.jpg").mkdir()
    found = list_images(tmp_path)
    assert [p.name for p in found] == ["a.jpg", "b.PNG", "c.JPEG", "d.webp", "e.bmp", "f.tif", "g.TIFF"]
    assert all(p.parent == tmp_path for p in found)
    assert list_images(str(tmp_path / "sub")) == [tmp_path / "sub" / "inner.jpg"]


def test_list_images_errors(tmp_path):
    with pytest.raises(ImageError) as exc_info:
        list_images(tmp_path / "missing")
    assert_one_line(exc_info, "no such folder", str(tmp_path / "missing"))
    (tmp_path / "file.jpg").write_bytes(b"")
    with pytest.raises(ImageError, match="not a folder"):
        list_images(tmp_path / "file.jpg")


# --------------------------------------------------------------------------
# documentation


def test_docstring_examples():
    result = doctest.testmod(images, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 5
    assert result.failed == 0


def test_public_functions_have_docstrings():
    for name in ["load_image", "resize_image", "to_uint8", "save_image", "check_output_path", "list_images",
                 "check_not_input", "encode_image"]:
        func = getattr(images, name)
        assert func.__doc__ and ">>>" in func.__doc__, name
        assert func.__annotations__, name


def test_load_image_copy_false_returns_a_ready_array_itself():
    from tfstyle.image.io import load_image

    ready = np.linspace(0, 255, 16 * 16 * 3, dtype=np.float32).reshape(16, 16, 3)
    assert load_image(ready, copy=False) is ready
    assert load_image(ready) is not ready and np.array_equal(load_image(ready), ready)
    unit = ready / 255.0  # [0, 1] floats are scaled: a new array
    assert np.allclose(load_image(unit, copy=False), ready, atol=1e-4)
    bad = ready.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ImageError):
        load_image(bad, copy=False)
