"""Pieces every ``tfstyle`` sub-command shares: the parser class and argument types."""
from __future__ import annotations

import argparse

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
