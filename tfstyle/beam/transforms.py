"""``StylizeFiles``: a glob of images (and clips) in, stylized files out, on any Beam runner.

The steps: match the glob (Beam's file systems: local, ``gs://``, ``s3://``, ...); group the
matches by folder and name the outputs as ``tfstyle stylize DIR --recursive`` does
(:func:`tfstyle.methods.folders.output_paths`, so names depend only on each folder's images);
spread the work (``Reshuffle``); leave out outputs that exist (a rerun resumes); decode with
tfstyle's image loader; stylize in ``RunInference`` (:class:`~tfstyle.beam.StyleModelHandler`);
encode in memory and write each output whole (:mod:`tfstyle.beam.files`). Clips are one element
each (:func:`tfstyle.stylize_video`, frames in order, so the temporal smoothing holds).

Bad inputs (undecodable, truncated, too small, a clip ffmpeg cannot read) do not fail the
pipeline: they go to the ``dead_letter`` output as ``(path, one-line error)`` and to the
dead-letter file. Infrastructure errors (a failed write, a lost connection) raise as usual, so
the runner retries them; a rerun then skips what was written.
"""
from __future__ import annotations

import os
import posixpath
import re
import shutil
import tempfile
from typing import NamedTuple

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.metrics import Metrics
from apache_beam.ml.inference.base import KeyedModelHandler, RunInference
from apache_beam.utils import shared

from tfstyle.beam.files import absolute, exists, glob_root, is_local, local_copy, read_bytes, upload, write_file
from tfstyle.beam.handler import StyleModelHandler
from tfstyle.errors import OptionError, TfstyleError, first_line
from tfstyle.image.io import IMAGE_EXTENSIONS, check_not_input, encode_image, load_image
from tfstyle.methods.folders import output_paths
from tfstyle.video.io import VIDEO_SUFFIXES

__all__ = ["DEAD_LETTER", "IMAGE_SUFFIX", "VIDEO_SUFFIX", "StylizeFiles", "StylizeResult"]

#: The dead-letter file's name in the output folder (unless given): ``path<TAB>error`` lines, sorted.
DEAD_LETTER = "dead_letter.tsv"

#: Outputs: images as JPEG (as ``tfstyle stylize DIR``), clips as H.264 MP4.
IMAGE_SUFFIX, VIDEO_SUFFIX = ".jpg", ".mp4"

_NAMESPACE = "tfstyle"


class StylizeResult(NamedTuple):
    """What :class:`StylizeFiles` returns: the output paths written, and ``(input path, error)`` of bad inputs."""

    written: beam.PCollection
    dead_letter: beam.PCollection


class StylizeFiles(beam.PTransform):
    """Stylize every image (and clip) a glob matches into ``output``, keeping paths below the glob's folder.

    Args:
        pattern: a Beam glob, e.g. ``gs://bucket/photos/**`` (``*`` stays in one folder, ``**``
            goes into subfolders). Files are told apart by suffix as in folder mode: images
            (``.jpg``, ``.png``, ``.webp``, ...) and clips (``.mp4``, ``.mov``, ...); other files and
            hidden ones (a name or folder starting with ``.``) are left out (counted in the
            ``tfstyle:not_media`` metric).
        output: the output folder (any Beam file system; created when local). It may not lie
            inside the glob's folder.
        handler: the network (:class:`~tfstyle.beam.StyleModelHandler`).
        skip_existing: leave out inputs whose output exists (default ``True``: a rerun resumes;
            outputs are written whole, so an existing one is complete).
        dead_letter: the dead-letter file (default ``output/dead_letter.tsv``; ``None``: the
            default; ``""``: none): one ``path<TAB>error`` line per bad input, sorted, rewritten
            only when its content changes.

    Returns:
        :class:`StylizeResult` ``(written, dead_letter)`` PCollections. Output names follow
        :func:`tfstyle.methods.folders.output_paths`: ``trip/a.png`` -> ``output/trip/a.jpg`` (``a_png.jpg``
        where ``trip/a.jpg`` exists too); clips ``trip/c.mov`` -> ``output/trip/c.mp4``. When the glob
        matches every image of each folder (``DIR/**``), the names are those of
        ``tfstyle stylize DIR -o OUT --recursive``.

    Example:
        >>> import apache_beam as beam
        >>> with beam.Pipeline() as p:  # doctest: +SKIP
        ...     result = p | StylizeFiles("gs://bucket/photos/**", "gs://bucket/styled", StyleModelHandler("wave"))
    """

    def __init__(self, pattern: str, output: str, handler: StyleModelHandler, *, skip_existing: bool = True,
                 dead_letter: str | None = None):
        super().__init__()
        self.pattern, self.output = absolute(os.fspath(pattern)), absolute(os.fspath(output)).rstrip("/")
        self.root = glob_root(self.pattern)
        self.handler, self.skip_existing = handler, skip_existing
        self.dead_letter = posixpath.join(self.output, DEAD_LETTER) if dead_letter is None else \
            (absolute(os.fspath(dead_letter)) if dead_letter else "")
        _check_output(self.root, self.output)

    def expand(self, pbegin):  # -> StylizeResult (not annotated: Beam would read it as an output type hint)
        root, output = self.root, self.output
        planned = (pbegin
                   | "Match" >> fileio.MatchFiles(self.pattern)
                   | "ByFolder" >> beam.FlatMap(_by_folder, root)
                   | "GroupFolders" >> beam.GroupByKey()
                   | "Name" >> beam.FlatMap(_name_outputs, root, output).with_outputs("video", main="image"))
        decoded = (planned.image
                   | "SpreadImages" >> beam.Reshuffle()
                   | "Decode" >> beam.ParDo(_Decode(self.handler.options["size"], self.skip_existing))
                   .with_outputs("failed", main="decoded"))
        inferred = (decoded.decoded
                    | "Stylize" >> RunInference(KeyedModelHandler(self.handler)).with_exception_handling())
        stylized, errors = inferred
        encoded = stylized | "Write" >> beam.ParDo(_Write()).with_outputs("failed", main="written")
        clips = (planned.video
                 | "SpreadClips" >> beam.Reshuffle()
                 | "StylizeClips" >> beam.ParDo(_StylizeClip(self.handler, self.skip_existing))
                 .with_outputs("failed", main="written"))
        failed_inference = errors.failed_inferences | "InferenceErrors" >> beam.FlatMap(_batch_errors)
        dead = ((decoded.failed, failed_inference, encoded.failed, clips.failed)
                | "DeadLetter" >> beam.Flatten())
        written = (encoded.written, clips.written) | "Written" >> beam.Flatten()
        if self.dead_letter:
            _ = (dead
                 | "CollectDeadLetter" >> beam.combiners.ToList()
                 | "WriteDeadLetter" >> beam.Map(_write_dead_letter, self.dead_letter))
        return StylizeResult(written, dead)


def _check_output(root: str, output: str) -> None:
    """Refuse an output folder inside the glob's folder: a rerun would read the outputs as inputs."""
    if is_local(root) and is_local(output):
        check_not_input([root], output)  # links resolved
        return
    if (output + "/").startswith(root.rstrip("/") + "/"):
        raise OptionError(f"output folder {output} is inside the input folder {root}; choose an output folder "
                          "outside it")


def _relative(path: str, root: str) -> str:
    return path[len(root):].lstrip("/")


def _by_folder(match, root: str):
    """``(folder, relative path)`` of an image or clip the glob matched; nothing for other and hidden files."""
    rel = _relative(match.path, root)
    suffix = posixpath.splitext(rel)[1].lower()
    if any(part.startswith(".") for part in rel.split("/")) or suffix not in (*IMAGE_EXTENSIONS, *VIDEO_SUFFIXES):
        Metrics.counter(_NAMESPACE, "not_media").inc()
        return
    yield rel.rpartition("/")[0], rel


def _name_outputs(item, root: str, output: str):
    """``(input, output)`` path pairs of one folder's images (main) and clips (tagged ``video``)."""
    _, rels = item
    rels = sorted(rels)
    images = [rel for rel in rels if posixpath.splitext(rel)[1].lower() in IMAGE_EXTENSIONS]
    clips = [rel for rel in rels if posixpath.splitext(rel)[1].lower() not in IMAGE_EXTENSIONS]
    for rel, out in zip(images, output_paths(images, IMAGE_SUFFIX)):
        yield f"{root.rstrip('/')}/{rel}", f"{output}/{out}"
    for rel, out in zip(clips, output_paths(clips, VIDEO_SUFFIX)):
        yield beam.pvalue.TaggedOutput("video", (f"{root.rstrip('/')}/{rel}", f"{output}/{out}"))


class _Decode(beam.DoFn):
    """``(source, target)`` -> ``((source, target), image)`` as ``tfstyle stylize`` loads it; bad files tagged ``failed``."""

    def __init__(self, size: int | None, skip_existing: bool):
        self.size, self.skip_existing = size, skip_existing
        self.skipped = Metrics.counter(_NAMESPACE, "skipped_existing")
        self.failed = Metrics.counter(_NAMESPACE, "failed")

    def process(self, pair):
        source, target = pair
        if self.skip_existing and exists(target):
            self.skipped.inc()
            return
        try:
            with local_copy(source) as local:
                image = load_image(local, max_size=self.size)
        except TfstyleError as exc:
            self.failed.inc()
            yield beam.pvalue.TaggedOutput("failed", (source, _one_line(exc, source)))
            return
        yield (source, target), image


def _one_line(exc: BaseException, source: str) -> str:
    """The error's first line, naming the input (not the temporary local copy of a remote one)."""
    line = first_line(exc)
    if is_local(source):
        return line
    return re.sub(r"\S*tfstyle-beam-[^/\s]*/input\.\w+", source, line)


class _Write(beam.DoFn):
    """``((source, target), result)`` -> ``target`` once written whole; an image that cannot be encoded is ``failed``."""

    def __init__(self):
        self.written = Metrics.counter(_NAMESPACE, "written")
        self.failed = Metrics.counter(_NAMESPACE, "failed")

    def process(self, keyed):
        (source, target), result = keyed
        try:
            data = encode_image(result.inference, target)
        except TfstyleError as exc:
            self.failed.inc()
            yield beam.pvalue.TaggedOutput("failed", (source, first_line(exc)))
            return
        write_file(target, data)  # a write error raises: the runner retries, or the run stops and resumes later
        self.written.inc()
        yield target


def _batch_errors(failure):
    """RunInference's ``(batch, (type, repr, traceback lines))`` -> ``(source, error)`` for each image of the batch."""
    batch, (kind, _, lines) = failure
    Metrics.counter(_NAMESPACE, "failed").inc(len(batch))
    # the traceback's last line is "module.Type: message"; tfstyle's errors are shown as the command line shows them
    message = " ".join(lines[-1].split()) if lines else kind.__name__
    if issubclass(kind, TfstyleError):
        message = message.partition(": ")[2] or message
    for (source, _), _image in batch:
        yield source, message


class _StylizeClip(beam.DoFn):
    """``(source, target)`` of a clip -> ``target`` written whole (one element per clip); bad clips ``failed``.

    The network is loaded once per worker process (Beam's ``Shared``), as RunInference loads its own.
    """

    def __init__(self, handler: StyleModelHandler, skip_existing: bool):
        self.handler, self.skip_existing = handler, skip_existing
        self._shared = shared.Shared()
        self.written = Metrics.counter(_NAMESPACE, "written")
        self.skipped = Metrics.counter(_NAMESPACE, "skipped_existing")
        self.failed = Metrics.counter(_NAMESPACE, "failed")

    def setup(self):
        self.model = None

    def process(self, pair):
        source, target = pair
        if self.skip_existing and exists(target):
            self.skipped.inc()
            return
        if self.model is None:  # only workers that get a clip load the network for clips
            self.model = self._shared.acquire(self.handler.load_model)
        try:
            with local_copy(source) as local:
                if is_local(target):
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    self.model.video(local, target)  # tfstyle.video writes it atomically
                else:
                    folder = tempfile.mkdtemp(prefix="tfstyle-beam-out-")
                    try:
                        out = os.path.join(folder, "output" + VIDEO_SUFFIX)
                        self.model.video(local, out)
                        upload(out, target)
                    finally:
                        shutil.rmtree(folder, ignore_errors=True)
        except TfstyleError as exc:
            self.failed.inc()
            yield beam.pvalue.TaggedOutput("failed", (source, _one_line(exc, source)))
            return
        self.written.inc()
        yield target


def _write_dead_letter(entries: list, path: str) -> str:
    """Write the ``(path, error)`` entries as sorted ``path<TAB>error`` lines; left as it is when unchanged."""
    text = "".join(f"{source}\t{' '.join(error.split())}\n" for source, error in sorted(entries))
    if exists(path):
        try:
            if read_bytes(path) == text.encode():
                return path  # a rerun with the same failures writes nothing
        except OSError:
            pass
    write_file(path, text.encode())
    return path
