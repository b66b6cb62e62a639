"""Peak memory and time of tiled feed-forward stylization of a 4K (or 8K) photo.

Loads a photo (by default the one with the most pixels in ``../shared/data/content/photos``),
upscales it to 3840x2160, builds a full-width ``JohnsonNet(width=1.0)`` (untrained weights
are fine for memory and time, or ``--weights`` a ``.weights.h5``), runs
``tfstyle.runtime.tiling.stylize_tiled`` and prints the machine, the settings, the wall time and
the peak resident memory of the process.  Exits with status 1 if the peak is 4 GB or more.

    python benchmarks/tiling_memory.py
    python benchmarks/tiling_memory.py --size 7680x4320 --tile 512 --overlap 64
"""
from __future__ import annotations

import argparse
import os
import pathlib
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from tfstyle.devtools.machine import describe  # noqa: E402
from tfstyle.image.io import IMAGE_EXTENSIONS, load_image, resize_image  # noqa: E402
from tfstyle.models.johnson import JohnsonNet  # noqa: E402
from tfstyle.runtime.tiling import stylize_tiled  # noqa: E402

PHOTOS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "content" / "photos"
LIMIT_GB = 4.0


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far (``ru_maxrss`` is in KB on Linux)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":  # bytes there
        kb /= 1024
    return kb * 1024 / 1e9


def largest_photo(folder: pathlib.Path) -> pathlib.Path:
    """The image in ``folder`` with the most pixels (read from the headers only)."""
    best, best_pixels = None, -1
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        try:
            with Image.open(path) as img:
                pixels = img.width * img.height
        except OSError:
            continue
        if pixels > best_pixels:
            best, best_pixels = path, pixels
    if best is None:
        raise SystemExit(f"no photos found in {folder}")
    return best


def parse_size(text: str) -> tuple[int, int]:
    """``"3840x2160"`` (width x height) -> ``(height, width)``."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    return height, width


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photo", type=pathlib.Path, help=f"default: the largest photo in {PHOTOS}")
    parser.add_argument("--size", type=parse_size, default=(2160, 3840), help="WIDTHxHEIGHT (default 3840x2160)")
    parser.add_argument("--weights", type=pathlib.Path, help="a JohnsonNet(width=1.0) .weights.h5 file")
    parser.add_argument("--tile", type=int, default=512)
    parser.add_argument("--overlap", type=int, default=64)
    parser.add_argument("--stats-size", type=int, default=1024)
    parser.add_argument("--progress", action="store_true", help="show a progress bar over the tiles")
    parser.add_argument("--save", type=pathlib.Path, help="also save the stylized image here")
    args = parser.parse_args(argv)

    photo = args.photo or largest_photo(PHOTOS)
    height, width = args.size
    print(f"machine: {describe()}")
    start = time.perf_counter()
    original = load_image(photo)
    image = resize_image(original, size=(height, width))
    del original
    print(f"photo: {photo.name} upscaled to {width}x{height} ({time.perf_counter() - start:.1f} s to load and resize)")
    print(f"peak memory after loading: {peak_rss_gb():.2f} GB")

    keras.utils.set_random_seed(0)
    net = JohnsonNet(width=1.0)
    net(np.zeros((1, 64, 64, 3), np.float32))
    if args.weights:
        net.load_weights(str(args.weights))
    print(f"model: JohnsonNet(width=1.0), {net.count_params():,} parameters, weights: {args.weights or 'untrained'}")
    print(f"tile {args.tile}, overlap {args.overlap}, stats_size {args.stats_size}")

    start = time.perf_counter()
    out = stylize_tiled(
        net, image, tile=args.tile, overlap=args.overlap, stats_size=args.stats_size, progress=args.progress
    )
    seconds = time.perf_counter() - start
    assert out.shape == image.shape and np.isfinite(out).all()
    megapixels = height * width / 1e6
    print(f"stylize_tiled: {seconds:.1f} s wall ({megapixels:.1f} Mpx, {megapixels / seconds:.2f} Mpx/s)")
    if args.save:
        Image.fromarray(np.round(out).astype(np.uint8)).save(args.save)

    peak = peak_rss_gb()
    verdict = "OK" if peak < LIMIT_GB else "TOO MUCH"
    print(f"peak resident memory: {peak:.2f} GB ({verdict}, limit {LIMIT_GB:.0f} GB)")
    return 0 if peak < LIMIT_GB else 1


if __name__ == "__main__":
    sys.exit(main())
