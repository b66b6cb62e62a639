"""The ``tfstyle`` command line: one module per command (:data:`COMMANDS`), over ``cli/common.py``.

Every failure a user can cause ends with one line on stderr and a non-zero exit code
(2 for a bad command line, 1 for bad input or a failed run, 130 when interrupted);
set ``TFSTYLE_DEBUG=1`` to see the Python traceback instead.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tfstyle import __version__, interrupts
from tfstyle.cli import beam, bench, export, new_style, presets, stylize, train
from tfstyle.cli.common import PROG, Parser, quiet_tensorflow_import, remove_quiet_tensorflow_import
from tfstyle.errors import TfstyleError, first_line, missing_extra

#: ``tfstyle --help``: what the program does, and a first example per kind of input.
DESCRIPTION = ("Neural style transfer for TensorFlow / Keras: stylize images, folders of images and videos\n"
               "with shipped or trained networks, train your own, export them to TensorFlow Lite.")
EPILOG = """\
examples:
  tfstyle stylize photo.jpg --style wave -o out.jpg                      # a shipped fast style
  tfstyle stylize photo.jpg painting.jpg -o out.jpg                      # any painting, one pass
  tfstyle stylize photo.jpg painting.jpg --method optimize -o out.jpg    # any painting, Gatys et al. (minutes)
  tfstyle stylize photos/ --style wave -o stylized/ --recursive          # a folder of images (and subfolders)
  tfstyle stylize clip.mp4 --style wave -o out.mp4                       # a video (.mp4, .mov, .mkv, .webm, ...)
  tfstyle stylize clip.mp4 painting.jpg -o out.mp4                       # a video like any painting
  tfstyle export --model wave -o wave.tflite --format float16            # a .tflite for phones

'tfstyle COMMAND --help' lists a command's options. Guides: README.md and docs/ in the repository.
"""

#: The commands, in the order ``tfstyle --help`` lists them.
COMMANDS = (stylize, presets, train, new_style, export, bench, beam)


def build_parser() -> argparse.ArgumentParser:
    """The ``tfstyle`` argument parser: each command module adds its own sub-parser."""
    parser = Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tfstyle`` command line; returns the process exit code.

    Example:
        >>> main(["--version"])
        Traceback (most recent call last):
        SystemExit: 0
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow C++ start-up chatter (e.g. no CUDA)
    args = build_parser().parse_args(argv)
    quiet_tensorflow_import()  # what TF_CPP_MIN_LOG_LEVEL misses: absl's lines at import
    try:
        with interrupts.terminate_as_interrupt():
            args.run(args)
            interrupts.check()  # an interrupt a finalizer swallowed: the run stopped short of committing, say so
    except TfstyleError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's promise: one line, no traceback
        if os.environ.get("TFSTYLE_DEBUG"):
            raise
        if missing_extra(exc):
            print(f"{PROG}: error: {missing_extra(exc)}", file=sys.stderr)
            return 1
        print(f"{PROG}: error: {type(exc).__name__}: {first_line(exc)} (set TFSTYLE_DEBUG=1 for details)", file=sys.stderr)
        return 1
    finally:
        remove_quiet_tensorflow_import()
    return 0


if __name__ == "__main__":
    sys.exit(main())
