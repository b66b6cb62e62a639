"""``tfstyle stylize``: an image, a folder or a video, by any method.

Which method runs: ``--method`` when given; else a fast ``--style``/``--model`` paints its own style, an
arbitrary ``--model`` paints the STYLE images, and STYLE images alone go through the default arbitrary
network in one pass (Gatys et al.'s optimization is ``--method optimize``: minutes, and the VGG19 weights).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from tfstyle.cli.common import (
    PROG,
    check_preset,
    floats,
    given,
    image_side,
    names,
    non_negative,
    non_negative_int,
    positive_int,
    shard,
    strength,
)
from tfstyle.errors import OptionError, TfstyleError

METHODS = ("fast", "arbitrary", "magenta", "optimize")

EPILOG = """examples:
  tfstyle stylize photo.jpg --style wave -o out.jpg
  tfstyle stylize photo.jpg painting.jpg -o out.jpg                  # any painting, one pass (arbitrary)
  tfstyle stylize photo.jpg painting.jpg --strength auto -o out.jpg  # prints the strength it chose
  tfstyle stylize photo.jpg a.jpg b.jpg --style-weights 0.7,0.3 -o out.jpg
  tfstyle stylize photo.jpg a.jpg b.jpg --mask mask.png -o out.jpg
  tfstyle stylize photo.jpg painting.jpg --fit-steps 40 -o out.jpg
  tfstyle stylize photo.jpg painting.jpg --model adain.keras -o out.jpg
  tfstyle stylize photo.jpg starry_night.jpg --method optimize -o out.jpg
  tfstyle stylize photos/ --model udnie -o stylized/ --recursive --skip-existing --shard 0/4
  tfstyle stylize clip.mp4 --style wave -o out.mp4                   # a video
  tfstyle stylize clip.mp4 painting.jpg --strength 0.8 -o out.mp4    # a video like any painting"""

# CLI option -> stylize_optimize keyword; only options the user gave are passed on.
_OPTIMIZE_OPTIONS = {
    "steps": "steps", "scales": "scales", "optimizer": "optimizer", "lr": "learning_rate", "init": "init",
    "content_weight": "content_weight", "style_weight": "style_weight", "tv_weight": "tv_weight",
    "content_layers": "content_layers", "style_layers": "style_layers",
    "style_layer_weights": "style_layer_weights", "pooling": "pooling", "seed": "seed",
    "vgg_weights": "vgg_weights",
}


def add_parser(sub) -> None:
    """Add ``stylize`` to the command's sub-parsers."""
    st = sub.add_parser(
        "stylize", help="stylize an image, a folder of images or a video",
        description="Stylize CONTENT (an image; a folder: then -o is a folder; or a video: .mp4, .mov, .mkv, .webm, "
        "...) with a network (--model NAME|FILE.keras; --style NAME for a shipped fast style) or like STYLE images "
        "(by default the arbitrary network, one forward pass; --method optimize: Gatys et al., minutes).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    st.add_argument("content", help="content image (JPEG, PNG, WebP, ...), a folder of them, or a video")
    st.add_argument("styles", nargs="*", metavar="STYLE",
                    help="painting(s) to paint like (arbitrary, the default with STYLE images, or optimize); "
                    "several are blended")
    st.add_argument("-o", "--output", required=True,
                    help="output image (.jpg, .png or .webp); for a CONTENT folder, a folder (JPEGs are written)")
    st.add_argument("--model", default=None, metavar="NAME|FILE.keras",
                    help="a shipped network ('tfstyle presets') or one from 'tfstyle train'; for --method magenta "
                    "a TF Hub handle or SavedModel folder")
    st.add_argument("--style", dest="preset", default=None, metavar="NAME",
                    help="a shipped fast style (see 'tfstyle styles'): the same as --model NAME")
    st.add_argument("--method", choices=METHODS, default=None,
                    help="fast: a one-style network (default with a fast --model/--style); arbitrary: any STYLE image "
                    "in one pass (default with STYLE images: an arbitrary --model, else the shipped default network); "
                    "magenta: Magenta's TF Hub model, to compare; optimize: Gatys et al., optimizes the pixels "
                    "(minutes; needs the VGG19 weights)")
    st.add_argument("--strength", type=strength, default=1.0,
                    help="arbitrary: 0 keeps the content, 1 the full style; 'auto': the strongest style that keeps "
                    "an SSIM of 0.5 to the photo (a few passes; prints the strength chosen)")
    st.add_argument("--fit-steps", type=int, default=0, metavar="N",
                    help="arbitrary: first fit each STYLE to the photo with N optimization steps, closer to the "
                         "painting (about 2 s each on a 2-core CPU; needs the VGG19 weights; default 0)")
    st.add_argument("--mask", default=None, metavar="IMAGE",
                    help="arbitrary with two STYLE images: greyscale image, white paints the first style")
    st.add_argument("--size", type=image_side, default=None,
                    help="long side of the output (default: the content's own; 384 for optimize)")
    st.add_argument("--preserve-color", nargs="?", const="luminance", choices=["luminance", "histogram"],
                    default=None, help="keep the content's colours (default mode: luminance)")
    st.add_argument("--tile", type=positive_int, default=None,
                    help="fast, arbitrary: tile size for large images (default 512 with Keras; LiteRT: whole up to "
                         "3 MP, else strips as wide as the image)")
    st.add_argument("--backend", choices=["auto", "litert", "keras"], default="auto",
                    help="fast, arbitrary: auto runs shipped presets through LiteRT (no TensorFlow; the file is built "
                    "once into ~/.cache/tfstyle or $TFSTYLE_CACHE) and the rest with Keras; litert refuses what its "
                    "files cannot serve (e.g. --fit-steps); keras always uses Keras")
    st.add_argument("--style-size", type=positive_int, default=None,
                    help="optimize: long side the style is scaled to (default: --size); smaller = larger strokes")
    st.add_argument("--style-weights", "--style-blend", dest="style_weights", type=floats, default=None,
                    metavar="W,W,...", help="one weight per STYLE image, e.g. 0.7,0.3 (--style-blend: its old name)")
    st.add_argument("--refine", type=non_negative_int, default=0, metavar="N",
                    help="after the network (arbitrary, or a fast style given its painting as STYLE), N steps of "
                    "perceptual optimization toward the painting; "
                    "higher = closer to full optimization, slower (needs the VGG19 weights; default 0)")
    fold = st.add_argument_group("folders (CONTENT a folder of images, -o a folder)")
    fold.add_argument("--recursive", action="store_true",
                      help="also the images in subfolders")
    fold.add_argument("--skip-existing", action="store_true",
                      help="leave out images whose output already exists (resume an interrupted run)")
    fold.add_argument("--shard", type=shard, default=None, metavar="I/N",
                      help="only part I of N (0 <= I < N) of the images, e.g. 0/4 .. 3/4 on four machines")
    vid = st.add_argument_group("video (CONTENT a clip: .mp4, .mov, .mkv, .webm, ...; fast or arbitrary)")
    vid.add_argument("--temporal", type=float, default=None,
                     help="flow-guided blending with the previous frame, 0 (off) .. 1 (default 0.5)")
    vid.add_argument("--stats-momentum", type=float, default=None,
                     help="smoothing of the instance-norm statistics across frames, 0 (off) .. <1 (default 0.9)")
    vid.add_argument("--max-frames", type=positive_int, default=None, help="stop after N frames")
    vid.add_argument("--start", type=non_negative, default=0.0, help="start at this many seconds")
    vid.add_argument("--fps", type=non_negative, default=None, help="output frame rate (default: the source's)")
    vid.add_argument("--engine", choices=["auto", "tflite", "int8", "keras"], default="auto",
                     help="how frames run: auto/tflite (float32 LiteRT: a shipped preset from its LiteRT files, "
                     "prebuilt in the package or built once on first use), int8 (opt-in; faster where the CPU has VNNI), keras")
    opt = st.add_argument_group("optimize method")
    opt.add_argument("--steps", type=positive_int, default=None, help="iterations at full size (default 100)")
    opt.add_argument("--scales", type=positive_int, default=None, help="coarse-to-fine scales (default 2)")
    opt.add_argument("--optimizer", choices=["lbfgs", "adam"], default=None, help="default lbfgs")
    opt.add_argument("--lr", type=non_negative, default=None, help="Adam learning rate on the 0-255 scale")
    opt.add_argument("--init", choices=["content", "noise"], default=None, help="start image (default content)")
    opt.add_argument("--content-weight", type=non_negative, default=None)
    opt.add_argument("--style-weight", type=non_negative, default=None)
    opt.add_argument("--tv-weight", type=non_negative, default=None)
    opt.add_argument("--content-layers", type=names, default=None, metavar="L,L", help="VGG19 layer names")
    opt.add_argument("--style-layers", type=names, default=None, metavar="L,L", help="VGG19 layer names")
    opt.add_argument("--style-layer-weights", type=floats, default=None, metavar="W,W")
    opt.add_argument("--pooling", choices=["max", "avg"], default=None)
    opt.add_argument("--seed", type=int, default=None)
    opt.add_argument("--vgg-weights", default=None, metavar="PATH",
                     help="VGG19 notop .h5 (default: $TFSTYLE_VGG19_WEIGHTS, else download 'imagenet')")
    st.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    st.set_defaults(run=run)


def _network(args: argparse.Namespace):
    """``(method, model)``: the method asked for or implied, and the network it runs (``None`` for optimize).

    A shipped preset stays a name (checked against the preset table, not loaded): the stylize
    functions load it with Keras or run its LiteRT files, so the LiteRT path never imports Keras.
    """
    from tfstyle.weights.presets import load_model, model_kind
    from tfstyle.weights.registry import default_preset, is_preset_name, preset_entry

    if args.preset and args.model:
        raise OptionError("give --style NAME or --model, not both")
    if args.preset:
        check_preset(args.preset, "fast", "--style")
    if args.method == "magenta":
        from tfstyle.methods.magenta import HUB_HANDLE, MagentaHub

        return "magenta", MagentaHub(args.model or HUB_HANDLE)
    if args.method == "optimize":
        if args.model or args.preset:
            raise OptionError("--method optimize paints like STYLE images; it takes no --model/--style")
        return "optimize", None
    if is_preset_name(args.model):
        check_preset(args.model, args.method, "--model" + (f" with --method {args.method}" if args.method else ""))
    if args.preset and args.method == "arbitrary":
        raise OptionError("--style NAME is a fast style; --method arbitrary takes STYLE images (and --model)")
    spec = args.model or args.preset
    if args.method == "fast" and spec is None:
        raise OptionError("the fast method needs --style NAME (see 'tfstyle styles') or --model")
    if spec is None and not args.styles:
        return "fast", None  # nothing to paint with: _check says what to give
    # STYLE images with no network: the one-pass arbitrary network, the default preset.
    kind = args.method or ("fast" if args.preset else "arbitrary" if spec is None else None)
    if spec is None or is_preset_name(spec):
        name = spec or default_preset(kind)
        entry = preset_entry(name)
        if kind is not None and entry["kind"] != kind:
            raise OptionError(f"{name!r} is a {entry['kind']}-style network ({entry['class']}); this needs a {kind} "
                              "one (see 'tfstyle presets')")
        return kind or entry["kind"], name
    model = load_model(spec, kind=kind)
    return kind or model_kind(model) or "fast", model


def _check(args: argparse.Namespace, method: str, video: bool, folder: bool) -> None:
    if not folder and (args.recursive or args.skip_existing or args.shard):
        raise OptionError("--recursive, --skip-existing and --shard are for a CONTENT folder")
    optimize_only = [name for name in (*_OPTIMIZE_OPTIONS, "style_size") if getattr(args, name) is not None]
    if optimize_only and method != "optimize":
        flags = ", ".join("--" + name.replace("_", "-") for name in optimize_only)
        raise OptionError(f"{flags} {'is' if len(optimize_only) == 1 else 'are'} for --method optimize")
    if args.refine and (video or method == "optimize" or not args.styles):
        raise OptionError("--refine is for images and folders, with the STYLE image(s) to refine toward "
                          "(one-pass networks: a fast style or the arbitrary method)")
    if method in ("arbitrary", "magenta"):
        if not args.styles:
            raise OptionError(f"--method {method} needs one or more STYLE images after CONTENT")
        if args.strength != "auto" and not 0 <= args.strength <= 1:
            raise OptionError(f"--strength must be in [0, 1], got {args.strength}")
        if args.fit_steps < 0:
            raise OptionError(f"--fit-steps must be >= 0, got {args.fit_steps}")
        if args.fit_steps and method != "arbitrary":
            raise OptionError("--fit-steps is for --method arbitrary")
        return
    if args.fit_steps:
        raise OptionError("--fit-steps is for --method arbitrary")
    if args.mask or args.strength != 1.0:
        raise OptionError("--strength and --mask are for --method arbitrary")
    if method == "fast" and args.styles and not args.refine:
        raise OptionError("style images are for --method arbitrary or optimize (or --refine N with a fast style); "
                          "a fast network paints its own style")
    if method == "fast" and len(args.styles) > 1:
        raise OptionError("--refine with a fast style takes one STYLE image: its painting")
    if method == "fast" and not (args.model or args.preset):
        raise OptionError("give --style NAME (see 'tfstyle styles'), --model, or STYLE images")


def _backend(args: argparse.Namespace, model, kind: str) -> str:
    """``args.backend``, after building the preset's LiteRT files on first use (TensorFlow, once).

    Only when the files would serve the call (a shipped preset, no Keras-only option); if the
    build fails, ``auto`` says so in one line and runs Keras.
    """
    from tfstyle.runtime import preset_files

    if not preset_files.needs_build(model, kind, args.backend, {"--fit-steps": getattr(args, "fit_steps", 0)}):
        return args.backend
    from tfstyle.export.litert_cache import litert_or_keras

    return args.backend if litert_or_keras(model, strict=args.backend == "litert") is not None else "keras"


def _runner(args: argparse.Namespace, method: str, model, batch: bool):
    """A function image -> stylized image for ``method``, with the options of ``args`` bound.

    With ``--strength auto`` on one image, the strength chosen is printed (one line).
    """
    from tfstyle.image.io import load_image

    progress = not args.quiet and not batch
    refine = {"refine": args.refine} if args.refine else {}  # the keyword only when asked for
    if method == "fast":
        from tfstyle.methods.fast import stylize

        backend = _backend(args, model, "fast")
        if args.refine:
            refine["style"] = load_image(args.styles[0])
        return lambda image: stylize(image, model, size=args.size, preserve_color=args.preserve_color,
                                     tile=args.tile, progress=progress, backend=backend, **refine)
    if method in ("arbitrary", "magenta"):
        from tfstyle.methods.arbitrary import load_mask, stylize_arbitrary

        styles = [load_image(path) for path in args.styles]
        mask = load_mask(args.mask) if args.mask else None
        backend = _backend(args, model, "arbitrary") if method == "arbitrary" else "keras"

        def paint(image, strength=args.strength):
            return stylize_arbitrary(image, styles, strength=strength, fit_steps=args.fit_steps,
                                     style_weights=args.style_weights, mask=mask, preserve_color=args.preserve_color,
                                     size=args.size, model=model, tile=args.tile, progress=progress,
                                     backend=backend, **refine)

        if args.strength == "auto" and not batch and not args.quiet:
            return lambda image: _auto_strength(paint, load_image(image, max_size=args.size))
        return paint
    from tfstyle.methods.optimize import stylize_optimize

    styles = [load_image(path, max_size=args.style_size or args.size) for path in args.styles]
    kwargs = {kw: getattr(args, name) for name, kw in _OPTIMIZE_OPTIONS.items() if getattr(args, name) is not None}
    kwargs.update(given(args, ["size"]))
    return lambda image: stylize_optimize(image, styles, style_size=args.style_size,
                                          style_weights=args.style_weights, preserve_color=args.preserve_color,
                                          progress=progress, **kwargs)


def _auto_strength(paint, image):
    """``--strength auto`` on one image, printing the strength chosen: ``tfstyle.stylize_arbitrary``'s rule (the
    strongest of ``AUTO_STRENGTHS`` whose result keeps ``AUTO_MIN_SSIM`` to the photo), run here because the
    function returns only the image."""
    from tfstyle.image.io import cover_crop
    from tfstyle.image.similarity import ssim
    from tfstyle.methods.arbitrary import AUTO_MIN_SSIM, AUTO_STRENGTHS

    for chosen in AUTO_STRENGTHS:
        out = paint(image, chosen)
        if ssim(out, image if out.shape == image.shape else cover_crop(image, out.shape[:2])) >= AUTO_MIN_SSIM:
            break
    print(f"strength auto -> {chosen:g}")
    return out


def _run_video(args: argparse.Namespace, method: str, model) -> None:
    """Stylize a clip frame by frame (``tfstyle.video.io.stylize_video``) and report what was written."""
    from tfstyle.video.io import stylize_video

    if method not in ("fast", "arbitrary"):
        raise OptionError(f"videos are stylized with --method fast or arbitrary, not {method}")
    start = time.perf_counter()
    out = stylize_video(args.content, args.output, model=model, style=args.styles or None, method=method,
                        strength=args.strength, style_weights=args.style_weights, preserve_color=args.preserve_color,
                        temporal=args.temporal, stats_momentum=args.stats_momentum, max_frames=args.max_frames,
                        start=args.start, fps=args.fps, size=args.size, tile=args.tile, engine=args.engine,
                        progress=not args.quiet)
    if not args.quiet:
        print(f"wrote {out} in {time.perf_counter() - start:.1f} s")


def run(args: argparse.Namespace) -> None:
    """Stylize one image, a folder or a video and report what was written."""
    from tfstyle.image.io import check_not_input, check_output_path, load_image, save_image

    # An output that would replace an input (the same file through any link, or a folder inside the input
    # folder) is refused before anything runs: tfstyle never writes over what it reads.
    inputs = [args.content, *args.styles, args.mask]
    check_not_input(inputs, args.output)
    method, model = _network(args)
    from tfstyle.video.io import is_video

    video, batch = is_video(args.content), os.path.isdir(args.content)
    _check(args, method, video, batch)
    if video:
        return _run_video(args, method, model)
    # Check every input before the slow part starts, so a bad file fails in a second.
    output = None if batch else check_output_path(args.output, sources=inputs)
    content = None if batch else load_image(args.content, max_size=args.size)
    start = time.perf_counter()
    paint = _runner(args, method, model, batch)
    if batch:
        from tfstyle.methods.folders import stylize_folder

        written, failed = stylize_folder(args.content, args.output, paint, progress=not args.quiet,
                                         report=lambda line: print(f"{PROG}: {line}", file=sys.stderr),
                                         recursive=args.recursive, skip_existing=args.skip_existing, shard=args.shard)
        if not args.quiet:
            print(f"wrote {len(written)} images to {args.output} in {time.perf_counter() - start:.1f} s")
        if failed:
            raise TfstyleError(f"{len(failed)} of {len(written) + len(failed)} images failed (listed above)")
        return
    result = paint(content)
    save_image(result, output, sources=inputs)
    if not args.quiet:
        print(f"wrote {output} ({result.shape[1]}x{result.shape[0]}) in {time.perf_counter() - start:.1f} s")
