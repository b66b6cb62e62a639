"""A ``keras.Model`` that trains a transform network against the perceptual loss."""
from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

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
        return terms["total"]

    @property
    def metrics(self):
        return [*super().metrics, *self.term_trackers]


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
