"""Exceptions raised by tfstyle.

Every error a user can cause (a bad image, a bad option, missing weights) is a
:class:`TfstyleError`, so callers and the command line can report it in one line.
"""


class TfstyleError(Exception):
    """Base class for all errors tfstyle raises on purpose."""


class ImageError(TfstyleError, ValueError):
    """An image could not be read, decoded or written, or has an unusable size."""


class WeightsError(TfstyleError, RuntimeError):
    """Model weights (for example VGG19's) are missing, unreadable or cannot be downloaded."""


class OptionError(TfstyleError, ValueError):
    """An option has a value that cannot work (wrong range, wrong length, unknown name)."""
