"""Stylize every image of a folder; one bad file is reported and skipped."""
from __future__ import annotations

import os
import pathlib
import sys
from collections.abc import Callable

import numpy as np

from tfstyle.errors import ImageError, TfstyleError
from tfstyle.image.io import check_output_path, list_images, save_image


def stylize_folder(
    input_dir: str | os.PathLike,
    output_dir: str | os.PathLike,
    stylize_one: Callable[[pathlib.Path], np.ndarray],
    *,
    suffix: str = ".jpg",
    progress: bool = True,
    report: Callable[[str], None] | None = None,
) -> tuple[list[pathlib.Path], list[tuple[pathlib.Path, str]]]:
    """Run ``stylize_one(path) -> uint8 image`` on each image in ``input_dir``.

    Outputs go to ``output_dir/<name><suffix>`` (created if missing), each written
    atomically. Files that fail with a :class:`~tfstyle.TfstyleError` are reported through
    ``report`` (default: a line on stderr) and skipped.

    Returns:
        ``(written, failed)``: output paths, and ``(input path, reason)`` pairs.

    Example:
        >>> import numpy as np, tempfile, PIL.Image
        >>> src, dst = tempfile.mkdtemp(), tempfile.mkdtemp()
        >>> PIL.Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(f"{src}/a.png")
        >>> open(f"{src}/b.jpg", "w").write("not an image")
        12
        >>> from tfstyle.image.io import load_image
        >>> written, failed = stylize_folder(src, dst, lambda p: 255 - load_image(p), progress=False,
        ...                                  report=lambda line: None)
        >>> [p.name for p in written], [p.name for p, _ in failed]
        (['a.jpg'], ['b.jpg'])
    """
    from tqdm.auto import tqdm

    report = report or (lambda line: print(line, file=sys.stderr))
    inputs = list_images(input_dir)
    if not inputs:
        raise ImageError(f"no images found in {input_dir}")
    output_dir = pathlib.Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    written, failed = [], []
    for path in tqdm(inputs, desc="stylize", unit="img", disable=not progress):
        target = check_output_path(output_dir / (path.stem + suffix))
        try:
            image = stylize_one(path)
        except TfstyleError as exc:
            failed.append((path, str(exc)))
            report(f"skipped {path.name}: {exc}")
            continue
        written.append(save_image(image, target))
    return written, failed
