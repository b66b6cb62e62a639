"""SIGTERM unwinds like Ctrl-C, and an interrupt that Python swallowed still stops every commit.

A signal handler that raises (Python's own ``KeyboardInterrupt`` for Ctrl-C, and tfstyle's for
``SIGTERM``) runs wherever the main thread happens to be. When that is a finalizer (a ``__del__``
or weakref callback run by the garbage collector: TensorFlow and Keras objects have many), Python
prints "Exception ignored in ..." and carries on (inside :func:`terminate_as_interrupt`, silently); the run would then finish and write its output
as if nothing had been asked. So the handlers here also *record* the request:
:func:`tfstyle.atomic.atomic_paths` refuses to rename anything into place once it is recorded, long
loops (video frames, folders of images) call :func:`check`, and the command line exits 130.

Example:
    >>> with terminate_as_interrupt():
    ...     requested()
    False
"""
from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

__all__ = ["check", "requested", "terminate_as_interrupt"]

_requested = threading.Event()


def requested() -> bool:
    """Whether Ctrl-C or SIGTERM arrived inside :func:`terminate_as_interrupt` (even if the exception was lost)."""
    return _requested.is_set()


def check() -> None:
    """Raise ``KeyboardInterrupt`` when an interrupt was requested: the point where a lost one is raised again."""
    if _requested.is_set():
        raise KeyboardInterrupt


def _interrupt(signum, frame) -> None:
    _requested.set()
    raise KeyboardInterrupt


def _quiet_lost_interrupt(previous):
    """An ``unraisablehook`` that drops the traceback of a recorded interrupt lost in a finalizer (one line stays)."""
    def hook(unraisable) -> None:
        if not (_requested.is_set() and isinstance(unraisable.exc_value, KeyboardInterrupt)):
            previous(unraisable)
    return hook


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and Ctrl-C raise ``KeyboardInterrupt`` and are recorded for :func:`requested`.

    ``kill`` or a job scheduler stopping a run thus unwinds it like Ctrl-C: temporary files are removed.
    Off the main thread (where Python cannot set handlers) the block changes nothing. The handlers and
    the record are restored when the block ends.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _requested.clear()
    # A signal the parent set to be ignored (SIGINT for a shell's background job) stays ignored.
    previous = {number: signal.signal(number, _interrupt) for number in (signal.SIGTERM, signal.SIGINT)
                if signal.getsignal(number) is not signal.SIG_IGN}
    hook, sys.unraisablehook = sys.unraisablehook, _quiet_lost_interrupt(sys.unraisablehook)
    try:
        yield
    finally:
        sys.unraisablehook = hook
        for number, handler in previous.items():
            signal.signal(number, handler)
        _requested.clear()
