"""Training batches of content images, streamed from a list of files, identical on every backend.

Nothing is decoded up front: a :class:`ContentBatches` holds the list of paths, and each batch
decodes, resizes and crops its photos when it is asked for, so memory does not grow with the
number of photos (COCO's 80k photos decoded would need ~30 GB). Each batch is a pure function of
``(seed, step)``: the photos are visited in a fresh permutation per pass over the list (every photo
once per pass) and each sample's crop and flip come from a generator seeded with its position. So
an interrupted run that restarts at step ``s`` sees exactly the batches it would have seen, which
makes resume exact, and a data-parallel run splits the same global batch over its devices. The
same batches are served as ``tf.data`` under TensorFlow (:meth:`ContentBatches.tf_dataset`,
decoding in parallel with prefetch) and as a ``keras.utils.PyDataset`` with worker threads
elsewhere (:meth:`ContentBatches.py_dataset`), e.g. under JAX on a GPU machine without TensorFlow.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import keras
import numpy as np

from tfstyle.errors import OptionError
from tfstyle.image.io import list_images, load_image, resize_image


def _short_side_resize(image: np.ndarray, short_side: int) -> np.ndarray:
    height, width = image.shape[:2]
    scale = short_side / min(height, width)
    size = (max(short_side, round(height * scale)), max(short_side, round(width * scale)))
    return resize_image(image, size=size)


@functools.lru_cache(maxsize=4)
def _permutation(seed: int, epoch: int, count: int) -> np.ndarray:
    """The order of the photos in pass ``epoch`` over the list (cached: a batch needs one or two passes)."""
    order = np.random.default_rng((seed, 0, epoch)).permutation(count)
    order.flags.writeable = False  # shared between worker threads
    return order


def default_workers() -> int:
    """Decoding threads for a :class:`ContentBatches`: the CPU cores, at most 8 (Pillow's decoders and
    resampling release the GIL, so threads decode in parallel).

    Example:
        >>> 1 <= default_workers() <= 8
        True
    """
    return max(1, min(8, os.cpu_count() or 1))


class ContentBatches:
    """Random square crops (with horizontal flips) of a folder of photos, decoded as they are needed.

    Each photo is decoded when a batch draws it and resized so its short side is
    ``image_size * zoom`` (crops then cover most of each photo, like Johnson et al.'s
    resize-to-256 recipe, with some scale augmentation). Only the list of paths is kept.

    Args:
        folder: a folder of images, or an explicit list of image paths.
        batch_size, image_size: batch shape ``(batch_size, image_size, image_size, 3)``.
        seed: with the step number, decides every batch.
        zoom: short side of the decoded photos relative to ``image_size`` (>= 1).
        limit: use only the first ``limit`` photos (sorted by name).
        workers: threads decoding batches (``tf.data`` parallel calls or ``PyDataset`` workers);
            default :func:`default_workers`.

    Example:
        >>> import numpy as np, tempfile, PIL.Image
        >>> folder = tempfile.mkdtemp()
        >>> for i in range(3):
        ...     PIL.Image.fromarray(np.full((40, 60, 3), 50 * i, np.uint8)).save(f"{folder}/{i}.png")
        >>> data = ContentBatches(folder, batch_size=2, image_size=32)
        >>> data.batch(7).shape, bool((data.batch(7) == data.batch(7)).all()), len(data)
        ((2, 32, 32, 3), True, 3)
    """

    def __init__(
        self,
        folder: str | os.PathLike | Sequence[str | os.PathLike],
        batch_size: int = 4,
        image_size: int = 256,
        seed: int = 0,
        zoom: float = 1.15,
        limit: int | None = None,
        workers: int | None = None,
    ) -> None:
        if batch_size < 1 or image_size < 32:
            raise OptionError(f"need batch_size >= 1 and image_size >= 32, got {batch_size} and {image_size}")
        if zoom < 1:
            raise OptionError(f"zoom must be >= 1, got {zoom}")
        if workers is not None and workers < 1:
            raise OptionError(f"workers must be >= 1, got {workers}")
        paths = list_images(folder) if isinstance(folder, (str, os.PathLike)) else list(folder)
        paths = [os.fspath(p) for p in (paths[:limit] if limit else paths)]
        if not paths:
            raise OptionError(f"no images found in {folder}")
        self.paths = paths
        self.batch_size, self.image_size, self.seed = batch_size, image_size, seed
        self.short_side = round(image_size * zoom)
        self.workers = workers or default_workers()

    def __len__(self) -> int:
        return len(self.paths)

    def sample(self, position: int) -> np.ndarray:
        """Sample number ``position`` of the stream (``step * batch_size + i``): a uint8 crop."""
        count = len(self.paths)
        path = self.paths[_permutation(self.seed, position // count, count)[position % count]]
        # The crop is drawn as fractions, so it does not depend on the photo's size.
        top, left, flip = np.random.default_rng((self.seed, 1, int(position))).random(3)
        image = load_image(path, max_size=4 * self.short_side)
        image = np.asarray(np.round(_short_side_resize(image, self.short_side)), np.uint8)
        size = self.image_size
        top, left = int(top * (image.shape[0] - size + 1)), int(left * (image.shape[1] - size + 1))
        crop = image[top : top + size, left : left + size]
        return np.ascontiguousarray(crop[:, ::-1] if flip < 0.5 else crop)

    def batch(self, step: int) -> np.ndarray:
        """The batch for global training step ``step``: float32 in [0, 255]."""
        first = int(step) * self.batch_size
        return np.stack([self.sample(first + i) for i in range(self.batch_size)]).astype(np.float32)

    def tf_dataset(self, start_step: int, end_step: int):
        """``tf.data.Dataset`` of ``(batch, batch)`` pairs for steps ``start_step .. end_step - 1``.

        Samples are decoded by ``workers`` parallel calls (in order, so batches stay a function of
        the step) and batches prefetched; at most a few batches are in memory at once. Under
        ``MultiWorkerMirroredStrategy`` the pipeline is sharded by data: each worker keeps its
        share of every global batch.
        """
        import tensorflow as tf

        size, count = self.image_size, self.batch_size

        def load(position):
            crop = tf.numpy_function(lambda p: self.sample(int(p)), [position], tf.uint8, stateful=False)
            crop.set_shape((size, size, 3))
            return crop

        def pair(batch):
            batch = tf.cast(batch, tf.float32)
            return batch, batch

        positions = tf.data.Dataset.range(start_step * count, end_step * count)
        data = (positions.map(load, num_parallel_calls=self.workers, deterministic=True)
                .batch(count, drop_remainder=True).map(pair).prefetch(2))
        options = tf.data.Options()
        # The stream comes from a range, not files: shard by data, not by files (which would warn).
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        return data.with_options(options)

    def py_dataset(self, start_step: int, end_step: int):
        """The same batches as a ``keras.utils.PyDataset`` with ``workers`` threads (any backend)."""
        return StepDataset(self, start_step, end_step)


class StepDataset(keras.utils.PyDataset):
    """Batches ``start_step .. end_step - 1`` of a :class:`ContentBatches`, as ``(x, x)`` pairs."""

    def __init__(self, batches: ContentBatches, start_step: int, end_step: int):
        # Threads, not processes: Pillow releases the GIL while decoding, and forking a process
        # that runs JAX or TensorFlow is unsafe. Keras' enqueuer returns batches in step order.
        super().__init__(workers=batches.workers, use_multiprocessing=False, max_queue_size=2 * batches.workers)
        self.batches, self.start_step, self.end_step = batches, start_step, end_step

    def __len__(self) -> int:
        return self.end_step - self.start_step

    def __getitem__(self, index: int):
        batch = self.batches.batch(self.start_step + index)
        return batch, batch


class PairBatches(keras.utils.PyDataset):
    """Steps ``start_step .. end_step - 1`` as ``((content, style),)`` batches (any backend)."""

    def __init__(self, contents: ContentBatches, styles: ContentBatches, start_step: int, end_step: int):
        workers = max(contents.workers, styles.workers)
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=2 * workers)
        self.contents, self.styles, self.start_step, self.end_step = contents, styles, start_step, end_step

    def __len__(self) -> int:
        return self.end_step - self.start_step

    def __getitem__(self, index: int):
        step = self.start_step + index
        return ((self.contents.batch(step), self.styles.batch(step)),)


def pair_dataset(contents: ContentBatches, styles: ContentBatches, start_step: int, end_step: int):
    """``((content, style),)`` batches of global steps ``start_step .. end_step - 1``.

    ``tf.data`` under the TensorFlow backend, a :class:`PairBatches` ``PyDataset`` elsewhere; the
    1-tuple makes Keras' ``fit`` read ``x = (content, style)`` and no ``y``.
    """
    if uses_tf_data():
        import tensorflow as tf

        pairs = tf.data.Dataset.zip(contents.tf_dataset(start_step, end_step), styles.tf_dataset(start_step, end_step))
        return pairs.map(lambda c, s: ((c[0], s[0]),))
    return PairBatches(contents, styles, start_step, end_step)


def has_tensorflow() -> bool:
    """Whether TensorFlow can be imported (it is absent on the JAX GPU machine)."""
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True


def uses_tf_data() -> bool:
    """Feed ``tf.data`` under the TensorFlow backend, a ``PyDataset`` elsewhere."""
    return keras.backend.backend() == "tensorflow" and has_tensorflow()
