"""Pieces every ``tfstyle`` sub-command shares: the parser class, argument types, preset names, a quiet start."""
from __future__ import annotations

import argparse
import difflib
import importlib.abc
import importlib.util
import re
import sys

PROG = "tfstyle"


class Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (no usage dump)."""

    def error(self, message: str):  # noqa: D401 - argparse's signature
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def floats(text: str) -> list[float]:
    """``"0.7,0.3"`` -> ``[0.7, 0.3]`` (commas or spaces)."""
    try:
        return [float(x) for x in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


def names(text: str) -> list[str]:
    """``"a,b"`` -> ``["a", "b"]``."""
    return [x for x in text.replace(",", " ").split() if x]


def positive_int(text: str) -> int:
    """An integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def image_side(text: str) -> int:
    """A long side in pixels: an integer of at least 16 (the smallest image a network can paint).

    >>> image_side("512")
    512
    >>> image_side("5")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be at least 16 pixels, got '5'
    """
    from tfstyle.image.io import MIN_SIDE

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of pixels, got {text!r}") from None
    if value < MIN_SIDE:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_SIDE} pixels, got {text!r}")
    return value


def non_negative(text: str) -> float:
    """A finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def fixed_size(values: list[int]) -> int | list[int]:
    """``--size N`` or ``--size HEIGHT WIDTH`` as the exporters take it."""
    from tfstyle.errors import OptionError

    if len(values) > 2:
        raise OptionError(f"--size takes one or two numbers, got {len(values)}")
    return values if len(values) == 2 else values[0]


def given(args: argparse.Namespace, names: list[str] | tuple[str, ...]) -> dict:
    """The options among ``names`` that the user gave (the library's defaults stay the only defaults)."""
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def strength(text: str) -> float | str:
    """A number, or ``"auto"`` (``tfstyle.stylize_arbitrary``'s automatic strength)."""
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1] or 'auto', got {text!r}") from None


def non_negative_int(text: str) -> int:
    """An integer >= 0.

    >>> non_negative_int("0"), non_negative_int("12")
    (0, 12)
    """
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)``: the I-th of N parts, ``0 <= I < N``.

    >>> shard("1/4")
    (1, 4)
    >>> shard("4/4")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected I/N with 0 <= I < N (e.g. 0/4), got '4/4'
    """
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    index, count = (int(match[1]), int(match[2])) if match else (-1, 0)
    if not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"expected I/N with 0 <= I < N (e.g. 0/4), got {text!r}")
    return index, count


def check_preset(name: str, kind: str | None, option: str) -> None:
    """Refuse, in one line, a preset name that ``option`` does not take: the closest name it does take
    (``difflib``) and the list of those names, only of ``kind`` (``None``: every preset).

    >>> check_preset("wave", "fast", "--style")
    >>> check_preset("wav", "fast", "--style")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tfstyle.errors.OptionError: unknown preset 'wav' for --style: did you mean 'wave'? (fast styles: ...)
    """
    from tfstyle.errors import OptionError
    from tfstyle.weights.registry import preset_entry, preset_names

    choices = preset_names(kind)
    if name in choices:
        return
    listed = f"{kind + ' styles' if kind == 'fast' else (kind or 'all') + ' networks'}: {', '.join(choices)}"
    if name in preset_names():
        entry = preset_entry(name)
        hint = " (give it as --model, with STYLE images)" if entry["kind"] == "arbitrary" else ""
        raise OptionError(f"{name!r} is a{'n' if entry['kind'][0] in 'aeiou' else ''} {entry['kind']} network{hint}; "
                          f"{option} takes {listed}")
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    hint = f" did you mean {close[0]!r}?" if close else ""
    raise OptionError(f"unknown preset {name!r} for {option}:{hint} ({listed})")


class _QuietLoader(importlib.abc.Loader):
    """Runs a module's own loader under :func:`tfstyle.runtime.litert.quiet_native_stderr`."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        from tfstyle.runtime.litert import quiet_native_stderr

        # The module keeps its real loader (resources, reloads); only this one import is wrapped.
        module.__loader__ = module.__spec__.loader = self.loader
        with quiet_native_stderr():
            self.loader.exec_module(module)


class _QuietTensorFlow(importlib.abc.MetaPathFinder):
    """Imports ``tensorflow`` with its start-up lines hidden (TensorFlow's absl prints them to file descriptor 2
    on import, before ``TF_CPP_MIN_LOG_LEVEL`` applies: "All log messages before absl::InitializeLog()", "Could not
    find cuda drivers", "failed call to cuInit"); its real errors still come out."""

    def find_spec(self, name, path, target=None):
        if name != "tensorflow":
            return None
        remove_quiet_tensorflow_import()
        spec = importlib.util.find_spec(name)  # the finders after this one
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_tensorflow_import() -> None:
    """Hide TensorFlow's import-time log lines if this process imports it later (the command line calls this
    first; library users keep TensorFlow as it is). Undone by :func:`remove_quiet_tensorflow_import`."""
    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietTensorFlow) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlow())


def remove_quiet_tensorflow_import() -> None:
    """Undo :func:`quiet_tensorflow_import` (once TensorFlow is imported, or when the command ends)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _QuietTensorFlow)]
