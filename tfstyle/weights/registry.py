"""The table of shipped networks (``tfstyle/weights/presets.json``) and loading ``.keras`` files.

A foundation module: it knows files and the table, not the model classes, so the model
classes can offer ``Class.from_preset(name)`` (:class:`PresetMixin`) without importing
anything above them. :mod:`tfstyle.weights.presets` is the public front door built on it
(``tfstyle.load_model``, ``tfstyle.list_presets``).

Each entry of the table: ``kind`` (``"fast"``: one style, ``"arbitrary"``: any painting),
``class`` (the Keras class the file holds), ``file`` (beside the table), ``title``, painting and
credits, ``licence``, ``source``, ``recipe`` (how it was made) and ``quality`` (measured).
``defaults`` names the network each kind uses when none is given.

Example:
    >>> entry = preset_entry("wave")
    >>> entry["kind"], entry["class"]
    ('fast', 'JohnsonNet')
"""
from __future__ import annotations

import copy
import functools
import json
import os
import pathlib

from tfstyle.atomic import write_text
from tfstyle.errors import OptionError, WeightsError, first_line

#: Folder of the shipped weights and their table.
WEIGHTS_DIR = pathlib.Path(__file__).resolve().parent
PRESETS_FILE = WEIGHTS_DIR / "presets.json"
#: What a network does: ``fast`` paints one style; ``arbitrary`` paints any style image.
KINDS = ("fast", "arbitrary")


@functools.lru_cache(maxsize=None)
def _table() -> dict:
    try:
        table = json.loads(PRESETS_FILE.read_text())
    except (OSError, ValueError) as exc:
        raise WeightsError(f"the package's preset table {PRESETS_FILE} is missing or broken: {first_line(exc)}") \
            from None
    return {"defaults": table.get("defaults", {}), "presets": table.get("presets", {})}


def _check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise OptionError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")


def is_preset_name(spec) -> bool:
    """Whether ``spec`` reads as a preset name: a string with no folder and no file suffix (``"wave"``,
    not ``"wave.keras"`` or ``"runs/wave"``). Whether such a preset exists is :func:`preset_entry`'s call.

    Example:
        >>> is_preset_name("wave"), is_preset_name("nets/wave.keras"), is_preset_name(None)
        (True, False, False)
    """
    return isinstance(spec, str) and bool(spec) and os.path.sep not in spec and not os.path.splitext(spec)[1]


def preset_names(kind: str | None = None) -> list[str]:
    """Names of the shipped networks (of one ``kind``), sorted."""
    _check_kind(kind)
    return sorted(name for name, entry in _table()["presets"].items() if kind in (None, entry["kind"]))


def preset_entry(name: str) -> dict:
    """A copy of the table's entry for ``name`` (:class:`OptionError` naming the choices if unknown)."""
    presets = _table()["presets"]
    if name not in presets:
        raise OptionError(f"unknown preset {name!r}; shipped: {', '.join(sorted(presets)) or 'none'}")
    return copy.deepcopy(presets[name])


def default_preset(kind: str) -> str:
    """The preset a ``kind`` uses when no network is given."""
    _check_kind(kind)
    name = _table()["defaults"].get(kind)
    if name is None:
        raise WeightsError(f"this installation ships no default {kind} network")
    return name


def phone_preset() -> str:
    """The arbitrary-style preset for phones: what ``tfstyle export --arbitrary`` and the Android demo use.

    The default arbitrary preset itself: the best network is the phone network (its architecture is the
    phone-first one, ``shuffle=2``). A table may still name another one as ``defaults["phone"]``.
    """
    return _table()["defaults"].get("phone") or default_preset("arbitrary")


def preset_path(name: str) -> pathlib.Path:
    """The weights file of preset ``name``."""
    return WEIGHTS_DIR / preset_entry(name)["file"]


def read_entry(folder: str | os.PathLike, name: str) -> dict:
    """Preset ``name`` of ``folder/presets.json`` (``{}`` when the file or the entry is missing)."""
    path = pathlib.Path(folder) / PRESETS_FILE.name
    return json.loads(path.read_text()).get("presets", {}).get(name, {}) if path.is_file() else {}


def write_entry(folder: str | os.PathLike, name: str, entry: dict) -> pathlib.Path:
    """Add or replace preset ``name`` in ``folder/presets.json`` (atomically); converters and trainers use it.

    Keys the new entry leaves empty (e.g. ``quality`` before it was measured) keep their old values.
    """
    path = pathlib.Path(folder) / PRESETS_FILE.name
    table = json.loads(path.read_text()) if path.is_file() else {"defaults": {}, "presets": {}}
    old = table["presets"].get(name, {})
    table["presets"][name] = {**old, **{key: value for key, value in entry.items() if value or key not in old}}
    write_text(path, json.dumps(table, indent=2) + "\n")
    _table.cache_clear()
    return path


def load_keras_file(path: str | os.PathLike):
    """Load a ``.keras`` file with a one-line :class:`WeightsError` when that fails.

    The classes in the file must be registered with Keras first (importing
    :mod:`tfstyle.models` registers tfstyle's).
    """
    import keras

    path = pathlib.Path(path)
    if not path.is_file():
        raise WeightsError(f"model file not found: {path}")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as exc:
        raise WeightsError(f"could not load model {path}: {first_line(exc)}") from None


class PresetMixin:
    """Gives a model class ``from_preset(name)``, keras-hub style."""

    @classmethod
    def from_preset(cls, name: str):
        """A new copy of the shipped network ``name``, which must be a ``cls``.

        Example:
            >>> from tfstyle.models import JohnsonNet
            >>> JohnsonNet.from_preset("wave").width
            0.25
        """
        entry = preset_entry(name)
        model = load_keras_file(WEIGHTS_DIR / entry["file"])
        if not isinstance(model, cls):
            raise OptionError(f"preset {name!r} is a {type(model).__name__}, not a {cls.__name__}")
        return model
