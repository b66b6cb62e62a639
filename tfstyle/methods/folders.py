"""Stylize every image of a folder; one bad file is reported and skipped, nothing is ever overwritten half.

Output names (:func:`output_names`) never collide: ``a.jpg`` and ``a.png`` in one folder give
``a_jpg.jpg`` and ``a_png.jpg``, not one ``a.jpg`` written twice.
"""
from __future__ import annotations

import collections
import os
import pathlib
import sys
from collections.abc import Callable, Sequence

import numpy as np

from tfstyle.atomic import write_bytes
from tfstyle.errors import ImageError, TfstyleError
from tfstyle.image.io import check_not_input, check_output_path, encode_image, list_images

__all__ = ["stylize_folder", "output_names"]


def output_names(inputs: Sequence[str | os.PathLike], suffix: str = ".jpg") -> list[str]:
    """The output file name of each input, in order: the naming rule of :func:`stylize_folder`.

    1. ``<stem><suffix>``: ``photo.png`` -> ``photo.jpg``.
    2. Inputs whose stems are the same, ignoring case, keep their own extension (lower case) in the
       name instead: ``a.jpg``, ``a.png`` -> ``a_jpg.jpg``, ``a_png.jpg``.
    3. A name still taken twice, ignoring case (``a.jpg`` and ``a.JPG``; ``a_png.jpg`` from rule 2
       against a source ``a_png.webp``) is kept by the first input in the given (sorted) order; the
       others get the first free ``_2``, ``_3``, ...: ``a_jpg.jpg``, ``a_jpg_2.jpg``.

    Names are compared ignoring case, so they stay distinct on case-insensitive file systems too.
    A name depends only on the set of input names, so a rerun writes the same files.

    Example:
        >>> output_names(["a.jpg", "a.png", "b.webp", "c.JPG", "c.jpg"])
        ['a_jpg.jpg', 'a_png.jpg', 'b.jpg', 'c_jpg.jpg', 'c_jpg_2.jpg']
    """
    paths = [pathlib.Path(os.fspath(p)) for p in inputs]
    stems = collections.Counter(p.stem.casefold() for p in paths)
    bases = [p.stem + (f"_{p.suffix[1:].lower()}" if stems[p.stem.casefold()] > 1 and p.suffix else "")
             for p in paths]
    taken = {base.casefold() for base in bases}
    seen: set[str] = set()
    names = []
    for base in bases:
        if base.casefold() in seen:
            number = 2
            while f"{base}_{number}".casefold() in taken:
                number += 1
            base = f"{base}_{number}"
            taken.add(base.casefold())
        seen.add(base.casefold())
        names.append(base + suffix)
    return names


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

    Outputs go to ``output_dir`` (created if missing), named by :func:`output_names`
    (``<name><suffix>``; inputs sharing a name keep their extension in it, ``a_jpg.jpg`` and
    ``a_png.jpg``), so no output replaces another. Files that fail with a
    :class:`~tfstyle.TfstyleError` are reported through ``report`` (default: a line on stderr)
    and skipped.

    Nothing is lost:

    * an ``output_dir`` that is ``input_dir`` or lies inside it is refused before anything is
      done (:func:`~tfstyle.image.io.check_not_input`), as is an output that is an input file;
    * each output is encoded in memory and written atomically (whole, or not at all; an earlier
      file at that path stays as it was);
    * when an output cannot be written (a full disk, a read-only folder), the batch stops: the
      outputs written before stay, that image and the ones not yet done are returned in
      ``failed``, and ``written`` lists exactly the files written.

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
    check_not_input([input_dir], output_dir)  # before creating anything inside the input folder
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ImageError(f"output folder is a file: {output_dir}") from None
    except OSError as exc:
        raise ImageError(f"cannot create output folder {output_dir} ({exc.strerror or exc})") from exc
    targets = [check_output_path(output_dir / name) for name in output_names(inputs, suffix)]
    check_not_input([input_dir, *inputs], targets)

    written, failed = [], []
    for index, (path, target) in enumerate(tqdm(list(zip(inputs, targets)), desc="stylize", unit="img",
                                                 disable=not progress)):
        try:
            data = encode_image(stylize_one(path), target)
        except TfstyleError as exc:
            failed.append((path, str(exc)))
            report(f"skipped {path.name}: {exc}")
            continue
        try:
            write_bytes(target, data, error=ImageError)
        except TfstyleError as exc:  # the output folder cannot take it: stop, keep what was written
            rest = inputs[index + 1:]
            failed.append((path, str(exc)))
            failed.extend((other, "not stylized: an earlier output could not be written") for other in rest)
            report(f"stopped at {path.name}: {exc}" + (f" ({len(rest)} more not stylized)" if rest else ""))
            break
        written.append(target)
    return written, failed
