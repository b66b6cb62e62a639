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
from tfstyle.errors import OptionError, TfstyleError, first_line

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
        help="stylize an image or a folder of images",
        description="Stylize CONTENT (an image, or a folder: then -o is a folder) with a shipped style "
        "(--style NAME), a trained network (--model FILE.keras), or any style images (--method arbitrary: "
        "one forward pass; --method optimize: Gatys et al.).",
        epilog="examples:\n  tfstyle stylize photo.jpg --style wave -o out.jpg\n"
        "  tfstyle stylize photos/ --style udnie -o stylized/\n"
        "  tfstyle stylize photo.jpg painting.jpg --method arbitrary --strength 0.7 -o out.jpg\n"
        "  tfstyle stylize photo.jpg a.jpg b.jpg --method arbitrary --mask mask.png -o out.jpg\n"
        "  tfstyle stylize photo.jpg painting.jpg --method arbitrary --fit-steps 40 -o out.jpg\n"
        "  tfstyle stylize photo.jpg painting.jpg --method adain --model adain.keras -o out.jpg\n"
        "  tfstyle stylize photo.jpg starry_night.jpg -o out.jpg --method optimize",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    st.add_argument("content", help="content image (JPEG, PNG, WebP, ...) or a folder of them")
    st.add_argument("styles", nargs="*", metavar="STYLE",
                    help="style image(s) for --method arbitrary/adain/optimize; several are blended")
    st.add_argument("-o", "--output", required=True,
                    help="output image (.jpg, .png or .webp); for a CONTENT folder, a folder (JPEGs are written)")
    st.add_argument("--style", dest="preset", default=None, metavar="NAME",
                    help="a shipped style (see 'tfstyle styles'), for the fast method")
    st.add_argument("--model", default=None, metavar="FILE.keras",
                    help="a network from 'tfstyle train johnson' (fast), 'train arbitrary' or 'train adain'")
    st.add_argument("--method", choices=["fast", "arbitrary", "adain", "magenta", "optimize"], default=None,
                    help="fast: a one-style network (default with --style/--model); arbitrary: any STYLE image in "
                    "one pass (Ghiasi et al.; the shipped network unless --model); adain: AdaIN (VGG19 encoder "
                    "and a decoder from 'tfstyle train adain' as --model; none ships yet); magenta: Magenta's "
                    "TF Hub model, to compare (--model HANDLE or SavedModel folder, default Magenta's handle); "
                    "optimize: Gatys et al., optimizes the pixels (default with STYLE images)")
    st.add_argument("--strength", type=float, default=1.0,
                    help="arbitrary/adain: 0 keeps the content, 1 the full style (default 1)")
    st.add_argument("--fit-steps", type=int, default=0, metavar="N",
                    help="arbitrary: first fit each STYLE to the photo with N optimization steps, closer to the "
                         "painting (about 2 s each on a 2-core CPU; needs the VGG19 weights; default 0)")
    st.add_argument("--mask", default=None, metavar="IMAGE",
                    help="arbitrary/adain with two STYLE images: greyscale image, white paints the first style")
    st.add_argument("--size", type=_positive_int, default=None,
                    help="long side of the output (default: the content's own for fast, 384 for optimize)")
    st.add_argument("--preserve-color", nargs="?", const="luminance", choices=["luminance", "histogram"],
                    default=None, help="keep the content's colours (default mode: luminance)")
    st.add_argument("--tile", type=_positive_int, default=512, help="fast: tile size for large images (default 512)")
    st.add_argument("--style-size", type=_positive_int, default=None,
                    help="optimize: long side the style is scaled to (default: --size); smaller = larger strokes")
    st.add_argument("--style-blend", type=_floats, default=None, metavar="W,W,...",
                    help="one weight per STYLE image, e.g. 0.7,0.3")
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

    sub.add_parser("styles", help="list the shipped styles").set_defaults(run=_styles)

    tr = sub.add_parser("train", help="train a network").add_subparsers(dest="family", metavar="FAMILY",
                                                                        parser_class=_Parser)
    tr.required = True
    jo = tr.add_parser("johnson", help="a fast (Johnson et al.) network for one style",
                       description="Train a feed-forward network for one style. Run the same command again "
                       "to resume after an interruption.")
    jo.add_argument("--style", required=True, help="style image")
    jo.add_argument("--content-dir", required=True, help="folder of training photos")
    jo.add_argument("--out", required=True, help="trained network (.keras)")
    jo.add_argument("--val-dir", default=None, help="folder of validation photos")
    jo.add_argument("--init", default=None, help="start from this .keras network (e.g. 'tfstyle train identity')")
    for flag, kind in (("--steps", _positive_int), ("--batch-size", _positive_int), ("--image-size", _positive_int),
                       ("--checkpoint-every", _positive_int), ("--style-size", _positive_int),
                       ("--content-limit", _positive_int), ("--width", _non_negative), ("--lr", _non_negative),
                       ("--content-weight", _non_negative), ("--style-weight", _non_negative),
                       ("--tv-weight", _non_negative), ("--seed", int)):
        jo.add_argument(flag, type=kind, default=None)
    jo.add_argument("--content-layers", type=_names, default=None, metavar="L,L")
    jo.add_argument("--style-layers", type=_names, default=None, metavar="L,L")
    jo.add_argument("--style-layer-weights", type=_floats, default=None, metavar="W,W")
    jo.add_argument("--padding", dest="padding_mode", choices=["reflect", "zero"], default=None)
    jo.add_argument("--vgg-weights", default=None, metavar="PATH")
    jo.add_argument("-q", "--quiet", action="store_true")
    jo.set_defaults(run=_train_johnson)
    for family, helptext in (("arbitrary", "arbitrary style: a style predictor + conditional transfer net "
                                           "(Ghiasi et al.)"),
                             ("adain", "arbitrary style: the AdaIN decoder (Huang & Belongie)")):
        ar = tr.add_parser(family, help=helptext, description=f"Train {helptext} on content photos and "
                           "paintings. Run the same command again to resume after an interruption.")
        ar.add_argument("--content-dir", required=True, help="folder of training photos")
        ar.add_argument("--style-dir", required=True, help="folder of training paintings/textures")
        ar.add_argument("--out", required=True, help="trained network (.keras)")
        for flag, kind in (("--steps", _positive_int), ("--batch-size", _positive_int),
                           ("--image-size", _positive_int), ("--checkpoint-every", _positive_int),
                           ("--content-limit", _positive_int), ("--style-limit", _positive_int),
                           ("--lr", _non_negative), ("--style-weight", _non_negative), ("--seed", int)):
            ar.add_argument(flag, type=kind, default=None)
        if family == "arbitrary":
            ar.add_argument("--width", type=_non_negative, default=None)
            ar.add_argument("--style-size", type=_positive_int, default=None)
            ar.add_argument("--init", default=None, help="start the transfer net from this JohnsonNet (.keras), or "
                            "continue an arbitrary-style network (.keras)")
            ar.add_argument("--loss", choices=["johnson", "relative"], default=None,
                            help="loss preset (default johnson; relative: per-painting relative errors at Gatys' "
                            "layers, use weights of order 1, e.g. --content-weight 0.1 --style-weight 1)")
            ar.add_argument("--content-weight", type=_non_negative, default=None)
            ar.add_argument("--reconstruction-weight", type=_non_negative, default=None,
                            help="pixel error of the identity pairs (strength 0 gives back the photo)")
            ar.add_argument("--train-predictor", action="store_true", default=None,
                            help="with --init of a compact network: train its predictor too")
        else:
            ar.add_argument("--width", dest="decoder_width", type=_non_negative, default=None)
        ar.add_argument("--no-jit", dest="jit_compile", action="store_false", default=None,
                        help="no XLA compilation (starts sooner, steps run slower)")
        ar.add_argument("--vgg-weights", default=None, metavar="PATH")
        ar.add_argument("-q", "--quiet", action="store_true")
        ar.set_defaults(run=_train_arbitrary if family == "arbitrary" else _train_adain)
    di = tr.add_parser("distill", help="a compact style predictor (no VGG19) from a 'train arbitrary' network")
    di.add_argument("--teacher", required=True, help="network from 'tfstyle train arbitrary' (.keras)")
    di.add_argument("--content-dir", required=True)
    di.add_argument("--style-dir", required=True)
    di.add_argument("--out", required=True, help="compact network (.keras)")
    for flag, kind in (("--steps", _positive_int), ("--batch-size", _positive_int),
                       ("--checkpoint-every", _positive_int), ("--width", _non_negative), ("--lr", _non_negative),
                       ("--seed", int)):
        di.add_argument(flag, type=kind, default=None)
    di.add_argument("--vgg-weights", default=None, metavar="PATH")
    di.add_argument("-q", "--quiet", action="store_true")
    di.set_defaults(run=_train_distill)

    ident = tr.add_parser("identity", help="pretrain a network to reproduce its input (a clean start for styles)")
    ident.add_argument("--content-dir", required=True)
    ident.add_argument("--out", required=True, help="network (.keras)")
    for flag, kind in (("--steps", _positive_int), ("--batch-size", _positive_int), ("--image-size", _positive_int),
                       ("--content-limit", _positive_int), ("--width", _non_negative), ("--seed", int)):
        ident.add_argument(flag, type=kind, default=None)
    ident.add_argument("-q", "--quiet", action="store_true")
    ident.set_defaults(run=_train_identity)

    ex = sub.add_parser(
        "export", help="convert a network to TensorFlow Lite",
        description="Convert a shipped style (--style NAME) or a trained network (--model FILE.keras) to a "
        ".tflite file at a fixed size; metadata for apps is written beside it as FILE.tflite.json.",
        epilog="examples:\n  tfstyle export --style wave -o wave.tflite --format float16\n"
        "  tfstyle export --model m.keras -o m_int8.tflite --format int8 --calibration photos/\n"
        "  tfstyle export --arbitrary -o models/ --format int8 --calibration photos/ --style-calibration paintings/",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("--style", dest="preset", default=None, metavar="NAME", help="a shipped style")
    ex.add_argument("--model", default=None, metavar="FILE.keras", help="a network from 'tfstyle train johnson'")
    ex.add_argument("--arbitrary", action="store_true",
                    help="export an arbitrary-style network (the shipped one, or --model) as a predictor and a "
                    "transfer .tflite; -o is then a folder")
    ex.add_argument("--style-calibration", default=None, metavar="DIR",
                    help="--arbitrary int8: folder of style images to calibrate the predictor on")
    ex.add_argument("-o", "--output", required=True, help="the .tflite file to write (a folder with --arbitrary)")
    ex.add_argument("--format", choices=["float32", "float16", "dynamic", "int8"], default="float32")
    ex.add_argument("--size", type=_positive_int, nargs="+", default=[384], metavar="N",
                    help="fixed input size: N (square) or HEIGHT WIDTH (default 384)")
    ex.add_argument("--calibration", default=None, metavar="DIR",
                    help="int8: folder of real photos to calibrate on (required for int8)")
    ex.add_argument("--require-gpu", action="store_true",
                    help="fail if the model uses ops the TFLite GPU delegate cannot run")
    ex.set_defaults(run=_export)

    be = sub.add_parser("bench", help="time .tflite models on this machine (XNNPACK CPU)")
    be.add_argument("models", nargs="+", metavar="FILE.tflite")
    be.add_argument("--threads", type=_positive_int, nargs="+", default=[1, 2])
    be.add_argument("--runs", type=_positive_int, default=20)
    be.set_defaults(run=_bench)
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


def _method(args: argparse.Namespace) -> str:
    fast_source = args.preset or args.model
    if args.preset and args.model:
        raise OptionError("give --style NAME or --model FILE, not both")
    method = args.method or ("fast" if fast_source else "optimize")
    if method in ("arbitrary", "adain", "magenta"):
        if args.preset:
            raise OptionError(f"--method {method} paints like STYLE images; --style NAME is for the fast method")
        if not args.styles:
            raise OptionError(f"--method {method} needs one or more STYLE images after CONTENT")
        if not 0 <= args.strength <= 1:
            raise OptionError(f"--strength must be in [0, 1], got {args.strength}")
        if args.fit_steps and method != "arbitrary":
            raise OptionError("--fit-steps is for --method arbitrary")
        if args.fit_steps < 0:
            raise OptionError(f"--fit-steps must be >= 0, got {args.fit_steps}")
        return method
    if args.fit_steps:
        raise OptionError("--fit-steps is for --method arbitrary")
    if args.mask or args.strength != 1.0:
        raise OptionError("--strength and --mask are for --method arbitrary or adain")
    if method == "fast" and not fast_source:
        raise OptionError("the fast method needs --style NAME (see 'tfstyle styles') or --model FILE.keras")
    if method == "fast" and args.styles:
        raise OptionError("style images are for --method optimize; the fast method takes --style NAME or --model")
    if method == "optimize" and not args.styles:
        raise OptionError("give one or more STYLE images after CONTENT, or --style NAME for a shipped style")
    return method


def _stylize(args: argparse.Namespace) -> None:
    from tfstyle.images import check_output_path, load_image, save_image

    method = _method(args)
    batch = os.path.isdir(args.content)
    # Check every input before the slow part starts, so a bad file fails in a second.
    output = None if batch else check_output_path(args.output)
    content = None if batch else load_image(args.content, max_size=args.size)
    start = time.perf_counter()
    if method == "fast":
        from tfstyle.fast import resolve_model, stylize

        model = resolve_model(args.model or args.preset)

        def run(image):
            return stylize(image, model, size=args.size, preserve_color=args.preserve_color, tile=args.tile,
                           progress=not args.quiet and not batch)
    elif method in ("arbitrary", "adain", "magenta"):
        from tfstyle.arbitrary import load_arbitrary_model, load_mask, stylize_arbitrary

        styles = [load_image(path) for path in args.styles]
        mask = load_mask(args.mask) if args.mask else None
        name = "ghiasi" if method == "arbitrary" else method
        model = load_arbitrary_model(args.model, name)

        def run(image):
            return stylize_arbitrary(image, styles, strength=args.strength, fit_steps=args.fit_steps,
                                     style_weights=args.style_blend,
                                     mask=mask, preserve_color=args.preserve_color, size=args.size, model=model,
                                     method=name, tile=args.tile, progress=not args.quiet and not batch)
    else:
        styles = [load_image(path, max_size=args.style_size or args.size) for path in args.styles]
        from tfstyle.optimize import stylize_optimize

        kwargs = {kw: getattr(args, name) for name, kw in _OPTIMIZE_OPTIONS.items() if getattr(args, name) is not None}
        if args.size:
            kwargs["size"] = args.size

        def run(image):
            return stylize_optimize(image, styles, style_size=args.style_size, style_blend=args.style_blend,
                                    preserve_color=args.preserve_color, progress=not args.quiet and not batch,
                                    **kwargs)

    if batch:
        from tfstyle.batch import stylize_folder

        written, failed = stylize_folder(args.content, args.output, run, progress=not args.quiet,
                                         report=lambda line: print(f"{PROG}: {line}", file=sys.stderr))
        if not args.quiet:
            print(f"wrote {len(written)} images to {args.output} in {time.perf_counter() - start:.1f} s")
        if failed:
            raise TfstyleError(f"{len(failed)} of {len(written) + len(failed)} images failed (listed above)")
        return
    result = run(content)
    save_image(result, output)
    if not args.quiet:
        print(f"wrote {output} ({result.shape[1]}x{result.shape[0]}) in {time.perf_counter() - start:.1f} s")


def _styles(args: argparse.Namespace) -> None:
    from tfstyle import pretrained

    entries = pretrained.catalog()
    if not entries:
        print(f"{PROG}: this version ships no pretrained styles yet; train one with 'tfstyle train johnson'",
              file=sys.stderr)
    for name, entry in sorted(entries.items()):
        print(f"{name:16s} {entry.get('artist', '')}, {entry.get('painting', '')}")


_TRAIN_OPTIONS = ("steps", "batch_size", "image_size", "checkpoint_every", "style_size", "content_limit", "width",
                  "content_weight", "style_weight", "tv_weight", "seed", "content_layers", "style_layers",
                  "style_layer_weights",
                  "padding_mode", "vgg_weights", "val_dir", "init")


def _given(args: argparse.Namespace, names: Sequence[str]) -> dict:
    kwargs = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    if getattr(args, "lr", None) is not None:
        kwargs["learning_rate"] = args.lr
    return kwargs


def _train_johnson(args: argparse.Namespace) -> None:
    from tfstyle.training.johnson import train_johnson

    train_johnson(args.style, args.content_dir, args.out, verbose=0 if args.quiet else "auto",
                  **_given(args, _TRAIN_OPTIONS))
    print(f"wrote {args.out}")


_ARBITRARY_OPTIONS = ("steps", "batch_size", "image_size", "checkpoint_every", "content_limit", "style_limit",
                      "style_weight", "seed", "width", "style_size", "init", "decoder_width", "vgg_weights", "loss",
                      "content_weight", "reconstruction_weight", "train_predictor", "jit_compile")


def _train_arbitrary(args: argparse.Namespace) -> None:
    from tfstyle.training.arbitrary import train_arbitrary

    train_arbitrary(args.content_dir, args.style_dir, args.out, verbose=0 if args.quiet else "auto",
                    **_given(args, _ARBITRARY_OPTIONS))
    print(f"wrote {args.out}")


def _train_adain(args: argparse.Namespace) -> None:
    from tfstyle.training.adain import train_adain

    train_adain(args.content_dir, args.style_dir, args.out, verbose=0 if args.quiet else "auto",
                **_given(args, _ARBITRARY_OPTIONS))
    print(f"wrote {args.out}")


def _train_distill(args: argparse.Namespace) -> None:
    from tfstyle.training.arbitrary import distill_predictor

    distill_predictor(args.teacher, args.style_dir, args.content_dir, args.out, verbose=0 if args.quiet else "auto",
                      **_given(args, ("steps", "batch_size", "checkpoint_every", "width", "seed", "vgg_weights")))
    print(f"wrote {args.out}")


def _train_identity(args: argparse.Namespace) -> None:
    from tfstyle.training.johnson import pretrain_identity

    pretrain_identity(args.content_dir, args.out, verbose=0 if args.quiet else "auto", **_given(args, _TRAIN_OPTIONS))
    print(f"wrote {args.out}")


def _export(args: argparse.Namespace) -> None:
    from tfstyle.export import export_tflite
    from tfstyle.fast import resolve_model

    if args.arbitrary:
        return _export_arbitrary(args)
    if bool(args.preset) == bool(args.model):
        raise OptionError("give exactly one of --style NAME or --model FILE.keras")
    if len(args.size) > 2:
        raise OptionError(f"--size takes one or two numbers, got {len(args.size)}")
    meta = export_tflite(resolve_model(args.model or args.preset), args.output, format=args.format,
                         size=args.size if len(args.size) == 2 else args.size[0],
                         representative_images=args.calibration, require_gpu=args.require_gpu)
    gpu = "GPU delegate: all ops supported" if meta["gpu_compatible"] else \
        f"GPU delegate cannot run: {', '.join(meta['gpu_unsupported_ops'])}"
    print(f"wrote {args.output} ({meta['size_bytes'] / 1024:.0f} KB, {args.format}; {gpu}) and {args.output}.json")


def _export_arbitrary(args: argparse.Namespace) -> None:
    from tfstyle.arbitrary import load_arbitrary_model
    from tfstyle.export.arbitrary import export_arbitrary

    if args.preset:
        raise OptionError("--arbitrary exports the shipped arbitrary network or --model FILE.keras, not --style")
    if len(args.size) > 2:
        raise OptionError(f"--size takes one or two numbers, got {len(args.size)}")
    metas = export_arbitrary(load_arbitrary_model(args.model), args.output, format=args.format,
                             content_size=args.size if len(args.size) == 2 else args.size[0],
                             representative_images=args.calibration, representative_styles=args.style_calibration,
                             require_gpu=args.require_gpu)
    for meta in metas.values():
        print(f"wrote {os.path.join(args.output, meta['file'])} ({meta['size_bytes'] / 1024:.0f} KB, {args.format}) "
              f"and its .json")


def _bench(args: argparse.Namespace) -> None:
    from tfstyle.export.bench import latency

    print("| model | threads | median ms | p90 ms |\n|---|---|---|---|")
    for path in args.models:
        for threads in args.threads:
            timing = latency(path, num_threads=threads, runs=args.runs)
            print(f"| {path} | {threads} | {timing['median_ms']:.1f} | {timing['p90_ms']:.1f} |", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tfstyle`` command line; returns the process exit code.

    Example:
        >>> main(["--version"])
        Traceback (most recent call last):
        SystemExit: 0
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow C++ start-up chatter (e.g. no CUDA)
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
        print(f"{PROG}: error: {type(exc).__name__}: {first_line(exc)} (set TFSTYLE_DEBUG=1 for details)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
