"""Checks of option values that several topics share (stills, video, blending): one-line errors.

Example:
    >>> check_fraction("temporal", 0.5)
    0.5
    >>> check_fraction("stats_momentum", 1.0, upper_inclusive=False)
    Traceback (most recent call last):
    ...
    tfstyle.errors.OptionError: stats_momentum must be in [0, 1), got 1.0
"""
from __future__ import annotations

import numpy as np

from tfstyle.errors import OptionError

__all__ = ["check_fraction", "check_strength"]


def check_fraction(name: str, value, upper_inclusive: bool = True) -> float:
    """``value`` as a float in ``[0, 1]`` (or ``[0, 1)``), else :class:`OptionError`."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating)) and \
        0 <= value <= 1 and (upper_inclusive or value < 1)
    if not ok:
        raise OptionError(f"{name} must be in [0, 1{']' if upper_inclusive else ')'}, got {value!r}")
    return float(value)


def check_strength(strength: float) -> None:
    """A one-line :class:`OptionError` unless ``0 <= strength <= 1``."""
    check_fraction("strength", strength)
