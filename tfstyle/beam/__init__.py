"""Apache Beam: stylize folders and buckets of images (and clips) on any Beam runner (extra ``tfstyle[beam]``).

* :class:`StyleModelHandler`: a RunInference ``ModelHandler`` for any fast preset or ``.keras``
  network (an arbitrary one with style images): LiteRT where the preset has files, Keras
  otherwise, loaded once per worker process.
* :class:`StylizeFiles`: a ``PTransform`` from a glob (``gs://``, ``s3://``, local: Beam's file
  systems) to stylized files under one output folder, named as ``tfstyle stylize DIR --recursive``
  names them; outputs that exist are skipped (a rerun resumes), bad files go to a dead-letter
  output with their one-line error.

``import tfstyle`` never imports Apache Beam; this package does.

Example:
    >>> import apache_beam as beam, numpy as np, PIL.Image, tempfile
    >>> src, dst = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> PIL.Image.fromarray(np.full((32, 32, 3), 90, np.uint8)).save(f"{src}/a.png")
    >>> with beam.Pipeline() as pipeline:
    ...     _ = pipeline | StylizeFiles(f"{src}/**", dst, StyleModelHandler("wave"))
    >>> sorted(os.listdir(dst))
    ['a.jpg', 'dead_letter.tsv']
"""
from __future__ import annotations

import os  # noqa: F401  (the example above)

try:
    import apache_beam  # noqa: F401
except ImportError as exc:  # one line naming the extra, not a traceback into Beam's absence
    raise ImportError(f"tfstyle.beam needs Apache Beam: pip install 'tfstyle[beam]' ({exc})") from exc

from tfstyle.beam.handler import StyleModel, StyleModelHandler
from tfstyle.beam.transforms import DEAD_LETTER, StylizeFiles

__all__ = ["DEAD_LETTER", "StyleModel", "StyleModelHandler", "StylizeFiles"]
