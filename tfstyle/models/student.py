"""tfstyle's phone-first arbitrary-style transfer network (the *student*), started from a ported one.

:data:`STUDENT_TRANSFER` is Magenta's transfer network (:data:`~tfstyle.models.ghiasi.MAGENTA_TRANSFER`)
with ``shuffle=2`` (:class:`~tfstyle.models.JohnsonNet`): space-to-depth in, pixel shuffle out, no
convolution at full resolution. At 384x384 on 2 threads of an AVX-512 VNNI CPU its float TFLite
file runs in ~16 ms against ~46 ms for the same network unshuffled and 65-90 ms for Magenta's
published files (``export/REPORT.md`` has the committed figures).

Its residual trunk and first decoder convolution have the teacher's shapes:
:func:`student_from` copies them (and their style projections) from a ported network, so
distillation (:func:`tfstyle.training.student.distill_student`) only has to teach the new stem
and head and adjust the rest.
"""
from __future__ import annotations

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.models.ghiasi import MAGENTA_TRANSFER, ArbitraryStyleNet, StyleTransferNet

#: :class:`~tfstyle.models.ghiasi.StyleTransferNet` options of the student.
STUDENT_TRANSFER = {**MAGENTA_TRANSFER, "shuffle": 2}


def _layer_slices(transfer: StyleTransferNet) -> dict[str, tuple[slice, slice]]:
    """Each normalized conv's name -> the (scale, shift) column slices of ``style_params``."""
    out, start = {}, 0
    for conv, channels in zip(transfer.normalized_convs(), transfer.norm_channels, strict=True):
        out[conv.name] = (slice(start, start + channels), slice(start + channels, start + 2 * channels))
        start += 2 * channels
    return out


def student_from(teacher: ArbitraryStyleNet, *, name: str = "student") -> ArbitraryStyleNet:
    """A student :class:`~tfstyle.models.ghiasi.ArbitraryStyleNet` warm-started from ``teacher``.

    The teacher's transfer network must be Magenta's configuration (the ``magenta_v1`` preset). The
    student shares a copy of the teacher's predictor (same style vectors) and takes the teacher's
    residual blocks, its stride-2 encoder convolution (``enc3`` -> ``enc2``) and first decoder
    convolution, with their instance norms and style projections. The new stem, last decoder
    convolution and head start from Keras' initializers, their norms at scale 1 for every style.

    Example:
        >>> from tfstyle.models.ghiasi import CompactStylePredictor
        >>> teacher = ArbitraryStyleNet(CompactStylePredictor(width=0.25),
        ...                             StyleTransferNet(**MAGENTA_TRANSFER))
        >>> student_from(teacher).transfer.shuffle
        2
    """
    source = teacher.transfer
    options = {k: v for k, v in STUDENT_TRANSFER.items() if k != "shuffle"}
    if {k: getattr(source, k) for k in options} != options or source.shuffle != 1:
        raise OptionError("the teacher's transfer network must have Magenta's configuration (MAGENTA_TRANSFER)")
    transfer = StyleTransferNet(**STUDENT_TRANSFER, style_dim=source.style_dim, name=f"{name}_transfer")
    copied = {"enc3": "enc2", "dec1": "dec1", **{c.name: c.name for pair in source.res_convs for c in pair}}
    source_convs = {c.name: c for c in [*source.encoder, *(c for p in source.res_convs for c in p), *source.decoder]}
    target_convs = {c.name: c for c in [*transfer.encoder, *(c for p in transfer.res_convs for c in p),
                                        *transfer.decoder]}
    for old, new in copied.items():
        target_convs[new].set_weights(source_convs[old].get_weights())

    source_norms = dict(zip((c.name for c in source.normalized_convs()), source.norms, strict=True))
    target_norms = dict(zip((c.name for c in transfer.normalized_convs()), transfer.norms, strict=True))
    kernel, bias = (np.asarray(w) for w in source.style_params.get_weights())
    new_kernel, new_bias = (np.asarray(w).copy() for w in transfer.style_params.get_weights())
    source_slices, target_slices = _layer_slices(source), _layer_slices(transfer)
    for scale, _ in target_slices.values():
        new_bias[scale] = 1.0 - transfer.scale_offset  # new layers: unit scale for every style
    for old, new in copied.items():
        if old not in source_slices:  # enc3: the ported encoder has no norms
            continue
        target_norms[new].set_weights(source_norms[old].get_weights())
        for src, dst in zip(source_slices[old], target_slices[new], strict=True):
            new_kernel[:, dst], new_bias[dst] = kernel[:, src], bias[src]
    transfer.style_params.set_weights([new_kernel, new_bias])

    predictor = type(teacher.predictor).from_config(teacher.predictor.get_config())
    predictor.build((None, teacher.style_size, teacher.style_size, 3))
    predictor.set_weights(teacher.predictor.get_weights())
    return ArbitraryStyleNet(predictor, transfer, style_size=teacher.style_size, name=name)
