"""Pretrained fast-style networks shipped inside the package, loaded by name.

Example:
    >>> from tfstyle import pretrained
    >>> isinstance(pretrained.list_styles(), list)
    True
"""
from __future__ import annotations

import functools
import json
import pathlib

from tfstyle.errors import OptionError, WeightsError, first_line

_HERE = pathlib.Path(__file__).resolve().parent
#: The catalogue: style name -> file, painting, and training record (see RECIPE.md).
CATALOG_FILE = _HERE / "catalog.json"
#: The shipped arbitrary-style network (Ghiasi et al.; compact predictor) and its training record.
ARBITRARY_FILE = _HERE / "arbitrary.keras"
ARBITRARY_RECORD = _HERE / "arbitrary.json"
#: The shipped AdaIN decoder (Huang & Belongie; the VGG19 encoder comes from ImageNet weights) and its record.
ADAIN_FILE = _HERE / "adain.keras"
ADAIN_RECORD = _HERE / "adain.json"


def catalog() -> dict:
    """Every shipped style: ``{name: {"file", "painting", "artist", ...}}``."""
    if not CATALOG_FILE.is_file():
        return {}
    return json.loads(CATALOG_FILE.read_text())


def list_styles() -> list[str]:
    """Names of the shipped styles, for ``tfstyle.stylize(image, style=NAME)``."""
    return sorted(catalog())


@functools.lru_cache(maxsize=None)
def load(name: str):
    """The shipped :class:`~tfstyle.models.JohnsonNet` for style ``name`` (cached).

    Raises :class:`~tfstyle.OptionError` for an unknown name and
    :class:`~tfstyle.WeightsError` if the package's file is missing or broken.
    """
    entries = catalog()
    if name not in entries:
        raise OptionError(f"unknown style {name!r}; shipped styles: {', '.join(sorted(entries)) or 'none'}")
    path = _HERE / entries[name]["file"]
    return load_model_file(path)


@functools.lru_cache(maxsize=None)
def load_arbitrary():
    """The shipped :class:`~tfstyle.models.ghiasi.ArbitraryStyleNet` (cached; needs no VGG19).

    Its recipe, training time and losses are in :data:`ARBITRARY_RECORD` (``arbitrary.json``).
    """
    if not ARBITRARY_FILE.is_file():
        raise WeightsError(f"this installation ships no arbitrary-style model ({ARBITRARY_FILE} is missing); "
                           f"train one with 'tfstyle train arbitrary' and pass it as model=")
    return load_model_file(ARBITRARY_FILE)


@functools.lru_cache(maxsize=None)
def load_adain():
    """The shipped :class:`~tfstyle.models.AdaINNet` (cached).

    The file holds the decoder; the VGG19 encoder is built from
    :func:`tfstyle.vgg.resolve_weights` (``TFSTYLE_VGG19_WEIGHTS`` or Keras' ImageNet download).
    Its recipe, training time and losses are in :data:`ADAIN_RECORD` (``adain.json``).
    """
    if not ADAIN_FILE.is_file():
        raise WeightsError(f"this installation ships no AdaIN decoder ({ADAIN_FILE} is missing); "
                           f"train one with 'tfstyle train adain' and pass it as model=")
    return load_model_file(ADAIN_FILE)


def load_model_file(path: str | pathlib.Path):
    """Load a tfstyle network saved as ``.keras``, with a one-line error when that fails."""
    import keras

    import tfstyle.models  # noqa: F401  (registers tfstyle's layers and models with Keras)

    path = pathlib.Path(path)
    if not path.is_file():
        raise WeightsError(f"model file not found: {path}")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as exc:
        raise WeightsError(f"could not load model {path}: {first_line(exc)}") from None
