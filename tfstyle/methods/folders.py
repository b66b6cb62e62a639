"""Stylize every image of a folder; one bad file is reported and skipped, nothing is ever overwritten half.

Output names (:func:`output_names`) never collide: ``a.jpg`` and ``a.png`` in one folder give
``a_jpg.jpg`` and ``a_png.jpg``, not one ``a.jpg`` written twice. Subfolders (``recursive``) keep
their place in the output, each named by the same rule (:func:`output_paths`), and
:func:`in_shard` splits a folder into ``N`` parts every machine agrees on; :mod:`tfstyle.beam`
uses the same two functions, so Beam and ``tfstyle stylize DIR`` write the same files.
"""
from __future__ import annotations

import collections
import hashlib
import os
import pathlib
import sys
from collections.abc import Callable, Sequence

import numpy as np

from tfstyle.atomic import write_bytes
from tfstyle.errors import ImageError, OptionError, TfstyleError
from tfstyle.image.io import check_not_input, check_output_path, encode_image, list_images

__all__ = ["check_shard", "in_shard", "list_images_under", "output_names", "output_paths", "stylize_folder"]


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


def output_paths(relpaths: Sequence[str], suffix: str = ".jpg") -> list[str]:
    """The output path of each input, relative to the output folder: its subfolder kept, its name by
    :func:`output_names` among the inputs of the same subfolder.

    ``relpaths`` are ``/``-separated paths relative to the input folder (as :func:`list_images_under`
    gives them); the name of a file depends only on the inputs of its own subfolder, so a part of
    the folder (a shard, a Beam worker's files) is named as the whole folder would be, provided the
    whole subfolder is given.

    Example:
        >>> output_paths(["a.png", "trip/a.jpg", "trip/a.png", "trip/b.webp"])
        ['a.jpg', 'trip/a_jpg.jpg', 'trip/a_png.jpg', 'trip/b.jpg']
    """
    folders: dict[str, list[int]] = collections.defaultdict(list)
    for index, rel in enumerate(relpaths):
        folders[rel.rpartition("/")[0]].append(index)
    out = [""] * len(relpaths)
    for folder, indices in folders.items():
        names = output_names([relpaths[i].rpartition("/")[2] for i in indices], suffix)
        for index, name in zip(indices, names):
            out[index] = f"{folder}/{name}" if folder else name
    return out


def list_images_under(folder: str | os.PathLike, recursive: bool = False) -> list[str]:
    """The images of ``folder`` (:func:`~tfstyle.image.io.list_images`) as sorted ``/``-separated relative paths;
    with ``recursive``, those of its subfolders too.

    Hidden subfolders (``.git``, ``.cache``) are not entered and linked folders are not followed
    (a link back up would never end).

    Example:
        >>> import tempfile, pathlib
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for rel in ["b.jpg", "trip/a.png", ".hidden/c.jpg", "trip/notes.txt"]:
        ...     (root / rel).parent.mkdir(exist_ok=True)
        ...     _ = (root / rel).write_bytes(b"")
        >>> list_images_under(root), list_images_under(root, recursive=True)
        (['b.jpg'], ['b.jpg', 'trip/a.png'])
    """
    root = pathlib.Path(os.fspath(folder))
    found = [path.name for path in list_images(root)]
    if not recursive:
        return found
    for here, dirs, _ in os.walk(root, onerror=_raise):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = pathlib.Path(here).relative_to(root).as_posix()
        if rel != ".":
            found.extend(f"{rel}/{path.name}" for path in list_images(here))
    return sorted(found)


def _raise(exc: OSError) -> None:
    raise ImageError(f"cannot list folder: {exc.filename} ({exc.strerror or exc})") from exc


def check_shard(shard) -> tuple[int, int]:
    """``shard`` as ``(index, count)``; :class:`~tfstyle.errors.OptionError` unless ``0 <= index < count``.

    >>> check_shard((1, 4))
    (1, 4)
    """
    try:
        index, count = (int(value) for value in shard)
        valid = all(not isinstance(v, bool) and int(v) == v for v in shard) and 0 <= index < count
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise OptionError(f"shard must be (I, N) with 0 <= I < N, e.g. (0, 4), got {shard!r}")
    return index, count


def in_shard(relpath: str, shard: tuple[int, int]) -> bool:
    """Whether the image at ``relpath`` (relative to the input folder, ``/``-separated) is in part ``I`` of ``N``.

    The part is a stable hash (SHA-256) of the relative path, the same on every machine, Python and
    operating system: ``N`` machines running parts ``0..N-1`` of one folder stylize every image
    exactly once, and adding images never moves the others to another part.

    Example:
        >>> names = [f"photo_{i}.jpg" for i in range(100)]
        >>> parts = [[n for n in names if in_shard(n, (i, 3))] for i in range(3)]
        >>> sorted(sum(parts, [])) == sorted(names), [len(p) for p in parts]
        (True, [35, 28, 37])
    """
    index, count = shard
    digest = hashlib.sha256(relpath.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count == index


def stylize_folder(
    input_dir: str | os.PathLike,
    output_dir: str | os.PathLike,
    stylize_one: Callable[[pathlib.Path], np.ndarray],
    *,
    suffix: str = ".jpg",
    progress: bool = False,
    report: Callable[[str], None] | None = None,
    recursive: bool = False,
    skip_existing: bool = False,
    shard: tuple[int, int] | None = None,
) -> tuple[list[pathlib.Path], list[tuple[pathlib.Path, str]]]:
    """Run ``stylize_one(path) -> uint8 image`` on each image in ``input_dir``.

    Outputs go to ``output_dir`` (created if missing), named by :func:`output_names`
    (``<name><suffix>``; inputs sharing a name keep their extension in it, ``a_jpg.jpg`` and
    ``a_png.jpg``), so no output replaces another. Files that fail with a
    :class:`~tfstyle.TfstyleError` are reported through ``report`` (default: a line on stderr)
    and skipped.

    * ``recursive``: the images of subfolders too (hidden ones excepted); each output keeps its
      subfolder (``trip/a.png`` -> ``output_dir/trip/a.jpg``), named among its own folder's images.
    * ``skip_existing``: images whose output file exists are left out, so a rerun resumes an
      interrupted one (an existing output is always whole: every output is written atomically).
    * ``shard=(I, N)``: only part ``I`` of ``N`` (:func:`in_shard`: a stable hash of the relative
      path), so ``N`` machines sharing the folder each take one part and together do every image
      exactly once. Names are given over the whole folder first, so they do not depend on ``N``.

    Nothing is lost:

    * an ``output_dir`` that is ``input_dir`` or lies inside it is refused before anything is
      done (:func:`~tfstyle.image.io.check_not_input`), as is an output that is an input file;
    * each output is encoded in memory and written atomically (whole, or not at all; an earlier
      file at that path stays as it was);
    * when an output cannot be written (a full disk, a read-only folder), the batch stops: the
      outputs written before stay, that image and the ones not yet done are returned in
      ``failed``, and ``written`` lists exactly the files written.

    Returns:
        ``(written, failed)``: output paths, and ``(input path, reason)`` pairs. Images left out
        (other shards, existing outputs) are in neither.

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
        >>> stylize_folder(src, dst, lambda p: 255 - load_image(p), progress=False, skip_existing=True,
        ...                report=lambda line: None)[0]  # a rerun: a.jpg exists, b.jpg fails again
        []
    """
    from tqdm.auto import tqdm

    report = report or (lambda line: print(line, file=sys.stderr))
    index_count = check_shard(shard) if shard is not None else None
    relpaths = list_images_under(input_dir, recursive)
    if not relpaths:
        raise ImageError(f"no images found in {input_dir}" + (" or its subfolders" if recursive else ""))
    input_root, output_dir = pathlib.Path(input_dir), pathlib.Path(output_dir)
    check_not_input([input_dir], output_dir)  # before creating anything inside the input folder
    _make_folder(output_dir)
    # Every image is named (over its whole folder) before any is left out, so names never depend on the shard.
    jobs = [(input_root / rel, output_dir / out) for rel, out in zip(relpaths, output_paths(relpaths, suffix))
            if index_count is None or in_shard(rel, index_count)]
    if skip_existing:
        done = [pair for pair in jobs if pair[1].is_file()]
        jobs = [pair for pair in jobs if not pair[1].is_file()]
        if done:
            report(f"skipped {len(done)} image{'s' * (len(done) != 1)} whose output exists")
    for folder in sorted({target.parent for _, target in jobs}):
        _make_folder(folder)
    inputs = [path for path, _ in jobs]
    targets = [check_output_path(target) for _, target in jobs]
    check_not_input([input_dir, *inputs], targets)

    written, failed = [], []
    for index, (path, target) in enumerate(tqdm(list(zip(inputs, targets)), desc="stylize", unit="img",
                                                 disable=not progress)):
        try:
            data = encode_image(stylize_one(path), target)
        except TfstyleError as exc:
            failed.append((path, str(exc)))
            report(f"skipped {_shown(path, input_root)}: {exc}")
            continue
        try:
            write_bytes(target, data, error=ImageError)
        except TfstyleError as exc:  # the output folder cannot take it: stop, keep what was written
            rest = inputs[index + 1:]
            failed.append((path, str(exc)))
            failed.extend((other, "not stylized: an earlier output could not be written") for other in rest)
            report(f"stopped at {_shown(path, input_root)}: {exc}" +
                   (f" ({len(rest)} more not stylized)" if rest else ""))
            break
        written.append(target)
    return written, failed


def _shown(path: pathlib.Path, root: pathlib.Path) -> str:
    """An input as reports name it: its path inside the input folder (``trip/a.png``)."""
    return path.relative_to(root).as_posix()


def _make_folder(folder: pathlib.Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ImageError(f"output folder is a file: {folder}") from None
    except OSError as exc:
        raise ImageError(f"cannot create output folder {folder} ({exc.strerror or exc})") from exc
