"""The ``tfstyle`` command line.

Every failure a user can cause ends with one line on stderr and a non-zero exit code
(2 for a bad command line, 1 for bad input or a failed run, 130 when interrupted);
set ``TFSTYLE_DEBUG=1`` to see the Python traceback instead.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from tfstyle import __version__
from tfstyle.errors import TfstyleError

PROG = "tfstyle"


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (no usage dump)."""

    def error(self, message: str):  # noqa: D401 - argparse's signature
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _floats(text: str) -> list[float]:
    try:
        return [float(x) for x in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


def _names(text: str) -> list[str]:
    return [x for x in text.replace(",", " ").split() if x]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``tfstyle`` argument parser (sub-commands and their options)."""
    parser = _Parser(prog=PROG, description="Neural style transfer for TensorFlow / Keras.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    st = sub.add_parser(
        "stylize",
        help="stylize an image",
        description="Stylize CONTENT with one or more STYLE images.",
        epilog="example: tfstyle stylize photo.jpg starry_night.jpg -o out.jpg --method optimize",
    )
    st.add_argument("content", help="content image (JPEG, PNG, WebP, ...)")
    st.add_argument("styles", nargs="+", metavar="STYLE", help="style image(s); several are blended")
    st.add_argument("-o", "--output", required=True, help="output image (.jpg, .png or .webp)")
    st.add_argument("--method", choices=["optimize"], default="optimize",
                    help="optimize: Gatys et al., optimizes the pixels (slow, any style, best quality)")
    st.add_argument("--size", type=_positive_int, default=384, help="long side of the output (default 384)")
    st.add_argument("--style-size", type=_positive_int, default=None,
                    help="long side the style is scaled to (default: --size); smaller = larger strokes")
    st.add_argument("--style-blend", type=_floats, default=None, metavar="W,W,...",
                    help="one weight per STYLE image, e.g. 0.7,0.3")
    st.add_argument("--preserve-color", nargs="?", const="luminance", choices=["luminance", "histogram"],
                    default=None, help="keep the content's colours (default mode: luminance)")
    opt = st.add_argument_group("optimize method")
    opt.add_argument("--steps", type=_positive_int, default=None, help="iterations at full size (default 100)")
    opt.add_argument("--scales", type=_positive_int, default=None, help="coarse-to-fine scales (default 2)")
    opt.add_argument("--optimizer", choices=["lbfgs", "adam"], default=None, help="default lbfgs")
    opt.add_argument("--lr", type=_non_negative, default=None, help="Adam learning rate on the 0-255 scale")
    opt.add_argument("--init", choices=["content", "noise"], default=None, help="start image (default content)")
    opt.add_argument("--content-weight", type=_non_negative, default=None)
    opt.add_argument("--style-weight", type=_non_negative, default=None)
    opt.add_argument("--tv-weight", type=_non_negative, default=None)
    opt.add_argument("--content-layers", type=_names, default=None, metavar="L,L", help="VGG19 layer names")
    opt.add_argument("--style-layers", type=_names, default=None, metavar="L,L", help="VGG19 layer names")
    opt.add_argument("--style-layer-weights", type=_floats, default=None, metavar="W,W")
    opt.add_argument("--pooling", choices=["max", "avg"], default=None)
    opt.add_argument("--seed", type=int, default=None)
    opt.add_argument("--vgg-weights", default=None, metavar="PATH",
                     help="VGG19 notop .h5 (default: $TFSTYLE_VGG19_WEIGHTS, else download 'imagenet')")
    st.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    st.set_defaults(run=_stylize)
    return parser


# CLI option name -> stylize_optimize keyword; only options the user gave are passed on,
# so the library's defaults stay the single source of truth.
_OPTIMIZE_OPTIONS = {
    "steps": "steps", "scales": "scales", "optimizer": "optimizer", "lr": "learning_rate", "init": "init",
    "content_weight": "content_weight", "style_weight": "style_weight", "tv_weight": "tv_weight",
    "content_layers": "content_layers", "style_layers": "style_layers",
    "style_layer_weights": "style_layer_weights", "pooling": "pooling", "seed": "seed",
    "vgg_weights": "vgg_weights",
}


def _stylize(args: argparse.Namespace) -> None:
    from tfstyle.images import check_output_path, load_image, save_image

    output = check_output_path(args.output)
    # Read every input before the slow part starts, so a bad file fails in a second.
    content = load_image(args.content, max_size=args.size)
    styles = [load_image(path, max_size=args.style_size or args.size) for path in args.styles]

    from tfstyle.optimize import stylize_optimize

    kwargs = {kw: getattr(args, name) for name, kw in _OPTIMIZE_OPTIONS.items() if getattr(args, name) is not None}
    start = time.perf_counter()
    result = stylize_optimize(
        content, styles, size=args.size, style_size=args.style_size, style_blend=args.style_blend,
        preserve_color=args.preserve_color, progress=not args.quiet, **kwargs,
    )
    save_image(result, output)
    if not args.quiet:
        print(f"wrote {output} ({result.shape[1]}x{result.shape[0]}) in {time.perf_counter() - start:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tfstyle`` command line; returns the process exit code.

    Example:
        >>> main(["--version"])
        Traceback (most recent call last):
        SystemExit: 0
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except TfstyleError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's promise: one line, no traceback
        if os.environ.get("TFSTYLE_DEBUG"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(f"{PROG}: error: {type(exc).__name__}: {first} (set TFSTYLE_DEBUG=1 for details)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
