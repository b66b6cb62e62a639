"""``tfstyle new-style``: a fast style (``.keras``, optional phone files) from any painting in about two minutes."""
from __future__ import annotations

import argparse

from tfstyle.cli.common import given, non_negative_int, positive_int

EPILOG = """examples:
  tfstyle new-style monet.jpg -o monet.keras                       # ~2 minutes on a 2-core CPU
  tfstyle stylize photo.jpg --model monet.keras -o out.jpg         # use it like a shipped style
  tfstyle new-style monet.jpg -o monet.keras --photos my_photos/ --seconds 300
  tfstyle new-style monet.jpg -o monet.keras --tflite float16 int8 # + monet_float16_384.tflite, monet_int8_384.tflite
  tfstyle export --model monet.keras -o monet.tflite --format float16"""


def positive_seconds(text: str) -> float:
    """A number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def add_parser(sub) -> None:
    """Add ``new-style`` to the command's sub-parsers."""
    ns = sub.add_parser(
        "new-style", help="make a fast style from any painting (about two minutes on a CPU)",
        description="Fold PAINTING into the phone network (the default arbitrary network's instance norms) and fit "
        "it on photos for a time budget; write a fast-style network (.keras) that 'tfstyle stylize --model' and "
        "'tfstyle export --model' take.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ns.add_argument("painting", metavar="PAINTING", help="the painting (an image file)")
    ns.add_argument("-o", "--output", required=True, metavar="NAME.keras", help="the network to write")
    ns.add_argument("--photos", default=None, metavar="DIR",
                    help="folder of photos to fit on (default: the public-domain photos shipped with tfstyle)")
    ns.add_argument("--seconds", type=positive_seconds, default=None,
                    help="time budget of the fit, setup and writing included (default 100)")
    ns.add_argument("--steps", type=non_negative_int, default=None,
                    help="at most this many fitting steps (0: the painting's predicted style, unfitted)")
    ns.add_argument("--size", type=positive_int, default=None, help="side of the square fitting photos (default 384)")
    ns.add_argument("--content-weight", type=float, default=None,
                    help="a fixed content weight (style weight 1) instead of the default balanced fit, which lowers the "
                         "style and content distances together")
    ns.add_argument("--tflite", nargs="*", default=None, metavar="FORMAT",
                    choices=["float32", "float16", "dynamic", "int8"],
                    help="also write phone files NAME_FORMAT_384.tflite beside the .keras (default float16)")
    ns.add_argument("--model", default=None, metavar="NAME|FILE.keras",
                    help="the arbitrary-style network to fold from (default: the default arbitrary preset)")
    ns.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ns.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Make the style and report the files written."""
    from tfstyle.training.new_style import new_style

    options = given(args, ["photos", "seconds", "steps", "size", "content_weight", "model"])
    if args.steps is not None and args.seconds is None:
        options["seconds"] = None  # --steps alone: exactly that many steps
    tflite = () if args.tflite is None else (args.tflite or ["float16"])
    made = new_style(args.painting, args.output, tflite=tflite, progress=not args.quiet, **options)
    fitted = f"{made.steps} fitting steps" if made.steps else "unfitted"
    print(f"wrote {made.path} ({fitted}, {made.seconds:.0f} s)")
    for path in made.phone_files:
        print(f"wrote {path} and its .json")
