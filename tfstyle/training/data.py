"""Training batches of content images, identical on every backend.

Each batch is a pure function of ``(seed, step)``: the images it draws, their crops and
flips come from a generator seeded with both. So an interrupted run that restarts at
step ``s`` sees exactly the batches it would have seen, which makes resume exact. The
same batches are served as ``tf.data`` under TensorFlow (:meth:`ContentBatches.tf_dataset`)
and as a ``keras.utils.PyDataset`` elsewhere (:meth:`ContentBatches.py_dataset`), e.g.
under JAX on a GPU machine without TensorFlow.
"""
from __future__ import annotations

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


class ContentBatches:
    """Random square crops (with horizontal flips) of a folder of photos.

    Photos are decoded once and kept in memory as uint8, resized so their short side is
    ``image_size * zoom`` (crops then cover most of each photo, like Johnson et al.'s
    resize-to-256 recipe, with some scale augmentation).

    Args:
        folder: a folder of images, or an explicit list of image paths.
        batch_size, image_size: batch shape ``(batch_size, image_size, image_size, 3)``.
        seed: with the step number, decides every batch.
        zoom: short side of the stored photos relative to ``image_size`` (>= 1).
        limit: use only the first ``limit`` photos (sorted by name).
        progress: show a progress bar while decoding.

    Example:
        >>> import numpy as np, tempfile, PIL.Image
        >>> folder = tempfile.mkdtemp()
        >>> for i in range(3):
        ...     PIL.Image.fromarray(np.full((40, 60, 3), 50 * i, np.uint8)).save(f"{folder}/{i}.png")
        >>> data = ContentBatches(folder, batch_size=2, image_size=32, progress=False)
        >>> data.batch(7).shape, bool((data.batch(7) == data.batch(7)).all())
        ((2, 32, 32, 3), True)
    """

    def __init__(
        self,
        folder: str | os.PathLike | Sequence[str | os.PathLike],
        batch_size: int = 4,
        image_size: int = 256,
        seed: int = 0,
        zoom: float = 1.15,
        limit: int | None = None,
        progress: bool = True,
    ) -> None:
        if batch_size < 1 or image_size < 32:
            raise OptionError(f"need batch_size >= 1 and image_size >= 32, got {batch_size} and {image_size}")
        if zoom < 1:
            raise OptionError(f"zoom must be >= 1, got {zoom}")
        paths = list_images(folder) if isinstance(folder, (str, os.PathLike)) else [os.fspath(p) for p in folder]
        paths = paths[:limit] if limit else paths
        if not paths:
            raise OptionError(f"no images found in {folder}")
        self.batch_size, self.image_size, self.seed = batch_size, image_size, seed
        short_side = int(round(image_size * zoom))
        from tqdm.auto import tqdm

        self.images = [
            np.asarray(np.round(_short_side_resize(load_image(p, max_size=4 * short_side), short_side)), np.uint8)
            for p in tqdm(paths, desc="loading photos", unit="img", disable=not progress)
        ]

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, step: int) -> np.ndarray:
        """The batch for global training step ``step``: float32 in [0, 255]."""
        rng = np.random.default_rng((self.seed, int(step)))
        size = self.image_size
        out = np.empty((self.batch_size, size, size, 3), np.float32)
        for i, index in enumerate(rng.integers(0, len(self.images), self.batch_size)):
            image = self.images[index]
            top = rng.integers(0, image.shape[0] - size + 1)
            left = rng.integers(0, image.shape[1] - size + 1)
            crop = image[top : top + size, left : left + size]
            out[i] = crop[:, ::-1] if rng.random() < 0.5 else crop
        return out

    def tf_dataset(self, start_step: int, end_step: int):
        """``tf.data.Dataset`` of ``(batch, batch)`` pairs for steps ``start_step .. end_step - 1``."""
        import tensorflow as tf

        shape = (self.batch_size, self.image_size, self.image_size, 3)

        def load(step):
            batch = tf.numpy_function(lambda s: self.batch(int(s)), [step], tf.float32)
            batch.set_shape(shape)
            return batch, batch

        return tf.data.Dataset.range(start_step, end_step).map(load).prefetch(2)

    def py_dataset(self, start_step: int, end_step: int):
        """The same batches as a ``keras.utils.PyDataset`` (any backend)."""
        return StepDataset(self, start_step, end_step)


class StepDataset(keras.utils.PyDataset):
    """Batches ``start_step .. end_step - 1`` of a :class:`ContentBatches`, as ``(x, x)`` pairs."""

    def __init__(self, batches: ContentBatches, start_step: int, end_step: int):
        # One worker in this process: batches are cheap and must stay in step order.
        super().__init__(workers=1, use_multiprocessing=False)
        self.batches, self.start_step, self.end_step = batches, start_step, end_step

    def __len__(self) -> int:
        return self.end_step - self.start_step

    def __getitem__(self, index: int):
        batch = self.batches.batch(self.start_step + index)
        return batch, batch


class PairBatches(keras.utils.PyDataset):
    """Steps ``start_step .. end_step - 1`` as ``((content, style),)`` batches (any backend)."""

    def __init__(self, contents: ContentBatches, styles: ContentBatches, start_step: int, end_step: int):
        super().__init__(workers=1, use_multiprocessing=False)
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
