"""``tfstyle train``: johnson, arbitrary, adain, distill and identity."""
from __future__ import annotations

import argparse
from collections.abc import Sequence

from tfstyle.cli.common import floats as _floats
from tfstyle.cli.common import names as _names
from tfstyle.cli.common import non_negative as _non_negative
from tfstyle.cli.common import positive_int as _positive_int
from tfstyle.cli.common import Parser as _Parser


def add_parser(sub) -> None:
    """Add ``train`` and its families to the command's sub-parsers."""
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
    jo.add_argument("--init", default=None, help="start from this network: a fast preset or a .keras file (e.g. from 'tfstyle train identity')")
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
