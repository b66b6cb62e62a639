"""Shipped networks by name: one lookup for every function and command that takes a network.

Every argument that takes a network (``model=`` in Python, ``--model`` / ``--init`` on the
command line) takes the same three things, resolved by :func:`load_model`:

* a preset name (``tfstyle.list_presets()`` / ``tfstyle presets``),
* a ``.keras`` file (from ``tfstyle train ...``): refused in one line when it is not a Keras
  archive, or when what it holds is not a style network (:func:`check_style_network`),
* a model object, returned as it is.

Example:
    >>> import tfstyle
    >>> [p["name"] for p in tfstyle.list_presets(kind="fast")][:2]
    ['shipwreck', 'starry_night']
    >>> tfstyle.load_model("wave") is tfstyle.load_model("wave")   # presets are loaded once
    True
"""
from __future__ import annotations

import functools
import os
import zipfile

from tfstyle.errors import OptionError, WeightsError, first_line
from tfstyle.runtime.protocols import ArbitraryStylizer, HasStylizer, NormStatsNet
from tfstyle.weights.registry import (
    KINDS,
    default_preset,
    is_preset_name,
    load_keras_file,
    preset_entry,
    preset_names,
    preset_path,
)

__all__ = ["list_presets", "load_model", "check_style_network", "default_preset", "preset_entry", "model_kind",
           "KINDS"]


def list_presets(kind: str | None = None) -> list[dict]:
    """Every shipped network (of ``kind``: ``"fast"`` or ``"arbitrary"``) with what users compare.

    Each item: ``name``, ``kind``, ``class``, ``title``, ``licence``, ``source``, ``size_mb`` (file
    on disk), ``quality`` (measured distances, with what they were measured on) and ``default``.

    Example:
        >>> rows = list_presets("arbitrary")
        >>> [row["name"] for row in rows if row["default"]]
        ['tfstyle_mobile_v4']
    """
    rows = []
    for name in preset_names(kind):
        entry, path = preset_entry(name), preset_path(name)
        rows.append({"name": name, "kind": entry["kind"], "class": entry["class"], "title": entry.get("title", ""),
                     "licence": entry.get("licence", ""), "source": entry.get("source", ""),
                     "size_mb": round(path.stat().st_size / 2**20, 2) if path.is_file() else None,
                     "quality": entry.get("quality", {}), "default": default_preset(entry["kind"]) == name})
    return rows


def model_kind(model) -> str | None:
    """``"fast"`` or ``"arbitrary"`` for a loaded network (its class's ``preset_kind``), else ``None``."""
    return getattr(type(model), "preset_kind", None)


@functools.lru_cache(maxsize=None)
def _load_preset(name: str):
    import tfstyle.models  # noqa: F401  (registers tfstyle's classes with Keras)

    return load_keras_file(preset_path(name))


def load_model(spec=None, kind: str | None = None):
    """A network from a preset name, a ``.keras`` path or a model; ``None``: the default of ``kind``.

    Presets are loaded once and shared (copy the weights before training one in place, or use
    ``Class.from_preset``). With ``kind``, a network of another kind is refused with a message
    that says what was given. Other objects with a ``stylize`` method (e.g.
    :class:`tfstyle.methods.magenta.MagentaTFLite`) pass through as they are.

    Example:
        >>> type(load_model("wave")).__name__, type(load_model(kind="arbitrary")).__name__
        ('JohnsonNet', 'ArbitraryStyleNet')
    """
    if kind is not None and kind not in KINDS:
        raise OptionError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if spec is None:
        if kind is None:
            raise OptionError("load_model needs a preset name, a .keras file or a model")
        spec = default_preset(kind)
    if isinstance(spec, (str, os.PathLike)):
        text = os.fspath(spec)
        if is_preset_name(text):
            model = _load_preset(text)
        elif text.endswith(".keras"):
            import tfstyle.models  # noqa: F401

            if os.path.isfile(text) and not zipfile.is_zipfile(text):
                raise WeightsError(f"{text} is not a Keras .keras archive (a .keras file is the zip archive "
                                   "model.save or 'tfstyle train' writes)")
            model = check_style_network(load_keras_file(text), text)
        else:
            raise OptionError(f"{text!r} is neither a preset name (see 'tfstyle presets') nor a .keras file")
    elif callable(spec) or isinstance(spec, (HasStylizer, ArbitraryStylizer)):
        model = spec
    else:
        raise OptionError(f"expected a preset name, a .keras path or a model, got {type(spec).__name__}")
    found = model_kind(model)
    if kind is not None and found is not None and found != kind:
        raise OptionError(f"{_describe(spec)} is a {found}-style network ({type(model).__name__}); "
                          f"this needs a {kind} one (see 'tfstyle presets')")
    return model


def check_style_network(model, label: str = "the model"):
    """``model`` when it is a style network, else a one-line :class:`OptionError` naming ``label``.

    A style network is one of tfstyle's networks (a class with a ``preset_kind``), a network
    offering the protocols of :mod:`tfstyle.runtime.protocols` (:class:`NormStatsNet`,
    :class:`HasStylizer`, :class:`ArbitraryStylizer`), or a plain Keras model with the fast-style
    contract: one input, an image batch ``(1, H, W, 3)``, mapped to an output of the same shape in
    which a pixel depends on its neighbours (checked on its declared shapes, then on a grey image of
    32x32 or its fixed size with and without one bright pixel: a per-pixel map only recolours).

    Example:
        >>> import keras
        >>> dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        >>> check_style_network(dense, "dense.keras")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tfstyle.errors.OptionError: dense.keras is not a style network: it takes inputs of shape (None, 4); ...
    """
    if model_kind(model) is not None or isinstance(model, (NormStatsNet, HasStylizer, ArbitraryStylizer)):
        return model

    def refuse(why: str):
        return OptionError(f"{label} is not a style network: {why}; a style network maps an image batch "
                           "(1, H, W, 3) to the same shape (see 'tfstyle presets')")

    inputs, outputs = getattr(model, "inputs", None), getattr(model, "outputs", None)
    if not callable(model) or not inputs or not outputs:
        raise refuse(f"a {type(model).__name__} with no declared image input")
    if len(inputs) != 1 or len(outputs) != 1:
        raise refuse(f"it has {len(inputs)} inputs and {len(outputs)} outputs")
    shape_in, shape_out = tuple(inputs[0].shape), tuple(outputs[0].shape)
    if len(shape_in) != 4 or shape_in[-1] != 3:
        raise refuse(f"it takes inputs of shape {shape_in}")
    if len(shape_out) != 4 or shape_out[-1] != 3:
        raise refuse(f"it returns outputs of shape {shape_out}")
    import numpy as np

    height, width = shape_in[1] or 32, shape_in[2] or 32
    plain = np.full((1, height, width, 3), 128.0, np.float32)
    dot = plain.copy()
    dot[0, height // 2, width // 2] = 255.0
    try:
        before, after = (np.asarray(model(image), np.float32) for image in (plain, dot))
    except Exception as exc:  # any failure of a foreign network's forward pass
        raise refuse(f"it fails on a {height}x{width} image ({first_line(exc)})") from None
    if before.shape != (1, height, width, 3):
        raise refuse(f"a {height}x{width} image comes out with shape {before.shape}")
    # Painting is texture: a pixel's output depends on its neighbourhood. A network that maps each pixel
    # alone (one Dense layer, 1x1 convolutions) only recolours.
    changed = np.abs(after - before).max(-1)[0]
    changed[height // 2, width // 2] = 0.0
    if not changed.max() > 1e-3:
        raise refuse("it maps every pixel on its own (no spatial context: it can only recolour)")
    return model


def _describe(spec) -> str:
    return repr(os.fspath(spec)) if isinstance(spec, (str, os.PathLike)) else f"the {type(spec).__name__} given"
