"""Shipped networks by name: one lookup for every function and command that takes a network.

Every argument that takes a network (``model=`` in Python, ``--model`` / ``--init`` on the
command line) takes the same three things, resolved by :func:`load_model`:

* a preset name (``tfstyle.list_presets()`` / ``tfstyle presets``),
* a ``.keras`` file (from ``tfstyle train ...``),
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

from tfstyle.errors import OptionError
from tfstyle.runtime.protocols import ArbitraryStylizer, HasStylizer
from tfstyle.weights.registry import (
    KINDS,
    default_preset,
    is_preset_name,
    load_keras_file,
    preset_entry,
    preset_names,
    preset_path,
)

__all__ = ["list_presets", "load_model", "default_preset", "preset_entry", "model_kind", "KINDS"]


def list_presets(kind: str | None = None) -> list[dict]:
    """Every shipped network (of ``kind``: ``"fast"`` or ``"arbitrary"``) with what users compare.

    Each item: ``name``, ``kind``, ``class``, ``title``, ``licence``, ``source``, ``size_mb`` (file
    on disk), ``quality`` (measured distances, with what they were measured on) and ``default``.

    Example:
        >>> rows = list_presets("arbitrary")
        >>> [row["name"] for row in rows if row["default"]]
        ['tfstyle_mobile_v3']
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

            model = load_keras_file(text)
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


def _describe(spec) -> str:
    return repr(os.fspath(spec)) if isinstance(spec, (str, os.PathLike)) else f"the {type(spec).__name__} given"
