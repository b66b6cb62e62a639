"""A ``keras.Model`` that trains a transform network against the perceptual loss."""
from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

from tfstyle.errors import OptionError
from tfstyle.perceptual.loss import PerceptualLoss

TERMS = ("content", "style", "tv")


class TermLoggingTrainer(keras.Model):
    """Base for trainers whose loss is a sum of named terms, each logged as ``<term>_loss``.

    Subclasses implement ``loss_terms_for(x, y_pred) -> {"total": ..., term: ...}``; the
    terms are plain ``keras.ops`` values, so this works on every backend.
    """

    def __init__(self, terms: Sequence[str], **kwargs):
        super().__init__(**kwargs)
        self.term_names = tuple(terms)
        self.term_trackers = [keras.metrics.Mean(name=f"{term}_loss") for term in terms]

    def loss_terms_for(self, x, y_pred) -> dict:
        raise NotImplementedError

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        terms = self.loss_terms_for(x, y_pred)
        for term, tracker in zip(self.term_names, self.term_trackers):
            tracker.update_state(terms[term])
        return per_replica(terms["total"])

    @property
    def metrics(self):
        return [*super().metrics, *self.term_trackers]

    def train_step(self, *args):
        return _scalars_for_workers(super().train_step(*args))

    def test_step(self, *args):
        return _scalars_for_workers(super().test_step(*args))

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Under a tf.distribute strategy Keras' TensorFlow trainer builds the model from a first
        # batch reduced across replicas; with several workers MultiWorkerMirroredStrategy cannot
        # reduce a nested batch like (x, x) ("Attempt to convert a value (PerReplica...)").
        # tfstyle's trainers are built (and their optimizer) before fit: nothing to build.
        if self.built and self.optimizer is not None and self.optimizer.built:
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)


def tf_config() -> dict:
    """``TF_CONFIG`` (the cluster of a multi-worker TensorFlow run), ``{}`` when unset.

    Example:
        >>> isinstance(tf_config(), dict)
        True
    """
    import json
    import os

    try:
        return json.loads(os.environ.get("TF_CONFIG") or "{}")
    except json.JSONDecodeError as exc:
        raise OptionError(f"TF_CONFIG is not valid JSON: {exc}") from None


def workers() -> int:
    """How many processes train together: the tasks ``TF_CONFIG`` lists under TensorFlow, else 1.

    Example:
        >>> workers() >= 1
        True
    """
    if keras.backend.backend() != "tensorflow":
        return 1
    return max(1, sum(len(tasks) for kind, tasks in tf_config().get("cluster", {}).items() if kind != "ps"))


def _scalars_for_workers(logs):
    # Keras 3 reduces each logged value over several workers with reduce("MEAN", axis=0), which
    # fails on scalars ("Invalid reduction dimension 0 for input with 0 dimensions",
    # tensorflow/tensorflow#72388): give them one dimension there, and the mean is a scalar again.
    if workers() < 2 or not isinstance(logs, dict):
        return logs
    return {name: ops.reshape(value, (1,)) for name, value in logs.items()}


def per_replica(loss):
    """A replica's share of a mean ``loss`` under ``tf.distribute``: the mean divided by the replicas.

    ``tf.distribute`` sums the replicas' gradients, so each replica's mean over its part of the
    batch must count ``1 / replicas`` for a step to equal one device's step on the whole batch;
    Keras scales its own compiled losses so (and unscales what it logs as ``loss``), not a
    ``compute_loss`` of ours. JAX's ``DataParallel`` computes one global mean: nothing to do.

    Example:
        >>> float(per_replica(keras.ops.convert_to_tensor(3.0)))  # one replica: unchanged
        3.0
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            loss = loss * ops.cast(1.0 / replicas, loss.dtype)
    return loss


class StyleTransferTrainer(TermLoggingTrainer):
    """Wraps a transform ``net``; ``fit`` on batches of content images ``(x, x)``.

    ``compute_loss`` holds the perceptual loss, so the same code trains under TensorFlow,
    JAX or PyTorch. The VGG19 loss network is deliberately not tracked: it stays frozen
    and out of checkpoints. Loss terms are reported as ``content_loss``, ``style_loss``
    and ``tv_loss`` next to ``loss``.
    """

    def __init__(self, net: keras.Model, loss: PerceptualLoss, style_targets: Sequence, **kwargs):
        super().__init__(TERMS, **kwargs)
        self.net = net
        self.__dict__["_perceptual"] = loss  # bypasses Keras' attribute tracking on purpose
        self.__dict__["_style_targets"] = [ops.convert_to_tensor(g) for g in style_targets]

    def call(self, inputs, training=False):
        return self.net(inputs, training=training)

    def loss_terms_for(self, x, y_pred) -> dict:
        return self._perceptual(y_pred, self._perceptual.content_targets(x), self._style_targets)
