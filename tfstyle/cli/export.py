"""``tfstyle export``: a network to TensorFlow Lite (one file, or predictor + transfer for arbitrary style)."""
from __future__ import annotations

import argparse
import os

from tfstyle.cli.common import fixed_size, positive_int

EPILOG = """examples:
  tfstyle export --model wave -o wave.tflite --format float16
  tfstyle export --model m.keras -o m_int8.tflite --format int8 --calibration photos/
  tfstyle export --style wave -o wave_mixed.tflite --format mixed
  mkdir -p models && tfstyle export --arbitrary -o models/ --format int8 --calibration photos/ --style-calibration paintings/
  tfstyle export --cache wave tfstyle_mobile_v4 # LiteRT files 'tfstyle stylize' runs without TensorFlow

formats and accelerators (the .json's "suits" entry):
  float32  CPU and GPU, the reference
  float16  GPU (the GPU delegate computes in half precision); half the size
  dynamic  CPU: int8 weights, float activations
  int8     CPU and NPU: full integer (every tensor between input and output int8/uint8; what NPU and
           Edge-TPU-class compilers need); needs --calibration (and --style-calibration for --arbitrary)
  mixed    CPU: int8 convolutions, float normalization (ai-edge-quantizer); closest to float of the
           8-bit files, not for NPUs"""


def add_parser(sub) -> None:
    """Add ``export`` to the command's sub-parsers."""
    ex = sub.add_parser(
        "export", help="convert a network to TensorFlow Lite",
        description="Convert a network (--model NAME|FILE.keras; a fast preset with --style NAME) to a .tflite file "
        "at a fixed size; metadata for apps is written beside it as FILE.tflite.json. An arbitrary-style network "
        "becomes two files (predictor, transfer) in the folder -o.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("--model", default=None, metavar="NAME|FILE.keras",
                    help="a preset ('tfstyle presets') or a trained network")
    ex.add_argument("--style", dest="preset", default=None, metavar="NAME", help="a fast preset (same as --model NAME)")
    ex.add_argument("--arbitrary", action="store_true",
                    help="export the phone network (the default arbitrary preset) when no --model is given")
    ex.add_argument("--style-calibration", default=None, metavar="DIR",
                    help="arbitrary int8: folder of style images to calibrate the predictor on")
    ex.add_argument("--cache", nargs="*", default=None, metavar="PRESET",
                    help="build the LiteRT files of shipped presets (default: every one that has them) into the user "
                    "cache ($TFSTYLE_CACHE or ~/.cache/tfstyle), so stylizing them starts without TensorFlow")
    ex.add_argument("-o", "--output", default=None, help="the .tflite file to write (a folder for arbitrary style)")
    ex.add_argument("--format", choices=["float32", "float16", "dynamic", "int8", "mixed"], default="float32",
                    help="float32 (CPU/GPU), float16 (GPU), dynamic (CPU), int8 (full integer: CPU/NPU; needs "
                         "--calibration), mixed (int8 convolutions + float normalization: CPU); see below")
    ex.add_argument("--size", type=positive_int, nargs="+", default=[384], metavar="N",
                    help="fixed input size: N (square) or HEIGHT WIDTH (default 384)")
    ex.add_argument("--calibration", default=None, metavar="DIR",
                    help="int8: folder of real photos to calibrate on (required for int8)")
    ex.add_argument("--require-gpu", action="store_true",
                    help="fail if the model uses ops the TFLite GPU delegate cannot run (and, where a "
                         "Vulkan device exists, if LiteRT's GPU accelerator does not run it fully)")
    ex.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Export the chosen network and report the files written."""
    from tfstyle.errors import OptionError
    from tfstyle.weights.presets import load_model, model_kind

    if args.cache is not None:
        _build_cache(args.cache)
        return
    if args.output is None:
        raise OptionError("give -o/--output (or --cache to build LiteRT files into the user cache)")
    if args.preset and args.model:
        raise OptionError("give --model or --style, not both")
    spec = args.model or args.preset
    if spec is None and not args.arbitrary:
        raise OptionError("give --model NAME|FILE.keras, --style NAME, or --arbitrary")
    size = fixed_size(args.size)
    if spec is None:  # --arbitrary alone: the network for phones (the default arbitrary preset)
        from tfstyle.weights.registry import phone_preset

        spec = phone_preset()
    model = load_model(spec, kind="arbitrary" if args.arbitrary else ("fast" if args.preset else None))
    if model_kind(model) == "arbitrary":
        if args.format == "mixed":
            from tfstyle.export.aeq import export_arbitrary_mixed

            metas = export_arbitrary_mixed(model, args.output, content_size=size, require_gpu=args.require_gpu)
        else:
            from tfstyle.export.arbitrary import export_arbitrary

            metas = export_arbitrary(model, args.output, format=args.format, content_size=size,
                                     representative_images=args.calibration,
                                     representative_styles=args.style_calibration, require_gpu=args.require_gpu)
        for meta in metas.values():
            print(f"wrote {os.path.join(args.output, meta['file'])} ({meta['size_bytes'] / 1024:.0f} KB, "
                  f"{args.format}; {_suits(meta)}) and its .json")
        return
    from tfstyle.export import export_tflite

    meta = export_tflite(model, args.output, format=args.format, size=size, representative_images=args.calibration,
                         require_gpu=args.require_gpu)
    gpu = "GPU delegate: all ops supported" if meta["gpu_compatible"] else \
        f"GPU delegate cannot run: {', '.join(meta['gpu_unsupported_ops'])}"
    if meta["gpu_check"] != "op allow-list":
        from tfstyle.export.gpu_check import summary

        gpu += f"; LiteRT GPU accelerator fully accelerated: {summary(meta['gpu_accelerator'])} vs CPU"
    print(f"wrote {args.output} ({meta['size_bytes'] / 1024:.0f} KB, {args.format}; {_suits(meta)}; {gpu}) and "
          f"{args.output}.json")


def _suits(meta: dict) -> str:
    """``full-integer, suits CPU/NPU`` from a file's metadata."""
    kind = "full-integer" if meta.get("full_integer") else "not full-integer"
    return f"{kind}, suits {'/'.join(meta.get('suits') or ['CPU'])}"


def _build_cache(names: list[str]) -> None:
    from tfstyle.export.litert_cache import build_litert_cache
    from tfstyle.runtime import preset_files
    from tfstyle.weights.registry import preset_names

    for name in names or [n for n in preset_names() if preset_files.lite_kind(n)]:
        files = build_litert_cache(name)
        print(f"built {name}: {', '.join(sorted(files))} in {files['whole'].parent}")
