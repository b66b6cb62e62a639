"""``tfstyle train``: johnson, arbitrary, adain, distill, student and identity.

Each family's options are its recipe's fields (:mod:`tfstyle.training.recipes`): a field added
there is a flag here. Only the inputs and outputs of a run are declared in this module.
"""
from __future__ import annotations

import argparse
import importlib
from typing import Any

from tfstyle.cli.common import Parser, floats, names

#: ``tfstyle train FAMILY``: the trainer (``module:function`` of tfstyle.training), its non-recipe
#: flags, and its help. Every family also takes ``-q``.
FAMILIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "johnson": ("johnson:train_johnson", ("--style", "--content-dir", "--out", "--val-dir", "--init", "--vgg-weights",
                                          "--no-jit"),
                "a fast (Johnson et al.) network for one style"),
    "arbitrary": ("arbitrary:train_arbitrary", ("--content-dir", "--style-dir", "--out", "--init", "--vgg-weights",
                                                "--no-jit"),
                  "arbitrary style: a style predictor + conditional transfer net (Ghiasi et al.)"),
    "adain": ("adain:train_adain", ("--content-dir", "--style-dir", "--out", "--vgg-weights", "--no-jit"),
              "arbitrary style: the AdaIN decoder (Huang & Belongie)"),
    "distill": ("arbitrary:distill_predictor", ("--teacher", "--content-dir", "--style-dir", "--out", "--vgg-weights"),
                "a compact style predictor (no VGG19) from a 'train arbitrary' network"),
    "student": ("student:distill_student", ("--content-dir", "--style-dir", "--out"),
                "the phone-first arbitrary-style network, distilled from magenta_v1"),
    "identity": ("johnson:pretrain_identity", ("--content-dir", "--out"),
                 "pretrain a network to reproduce its input (a clean start for styles)"),
}

#: The flags that are not recipe options: argparse settings.
RUN_FLAGS: dict[str, dict[str, Any]] = {
    "--style": {"required": True, "help": "style image"},
    "--content-dir": {"required": True, "help": "folder of training photos"},
    "--style-dir": {"required": True, "help": "folder of training paintings/textures"},
    "--teacher": {"required": True, "help": "network from 'tfstyle train arbitrary' (.keras)"},
    "--out": {"required": True, "help": "trained network (.keras)"},
    "--val-dir": {"help": "folder of validation photos"},
    "--init": {"help": "start from this network: a preset or a .keras file (johnson: e.g. from 'tfstyle train "
                       "identity'; arbitrary: a JohnsonNet for the transfer net, or an arbitrary-style network to "
                       "continue)"},
    "--vgg-weights": {"metavar": "PATH"},
    "--no-jit": {"dest": "jit_compile", "action": "store_false", "default": None,
                 "help": "no XLA compilation (starts sooner, steps run slower)"},
}

_PARSE = {"int": int, "float": float, "str": str, "names": names, "floats": floats}
_METAVAR = {"names": "L,L", "floats": "W,W"}


def add_parser(sub) -> None:
    """Add ``train`` and its families to the command's sub-parsers."""
    from tfstyle.training.recipes import RECIPES

    families = sub.add_parser("train", help="train a network").add_subparsers(dest="family", metavar="FAMILY",
                                                                              parser_class=Parser)
    families.required = True
    for family, (_, flags, helptext) in FAMILIES.items():
        parser = families.add_parser(family, help=helptext, description=f"Train {helptext}. Run the same command "
                                     "again to resume after an interruption.")
        for flag in flags:
            parser.add_argument(flag, **RUN_FLAGS[flag])
        add_recipe_arguments(parser, RECIPES[family])
        parser.add_argument("-q", "--quiet", action="store_true")
        parser.set_defaults(run=_train)


def add_recipe_arguments(parser: argparse.ArgumentParser, recipe_class: type) -> None:
    """One flag per field of ``recipe_class`` whose metadata says ``cli``, typed and checked by the recipe.

    Defaults are ``None``: only the options given override the recipe's defaults.
    """
    import dataclasses

    from tfstyle.training.recipes import field_kind

    for f in dataclasses.fields(recipe_class):
        meta = f.metadata
        if not meta["cli"]:
            continue
        kind, _ = field_kind(recipe_class, f.name)
        flag = meta["flag"] or "--" + f.name.replace("_", "-")
        helptext = meta["help"].replace("%", "%%")
        if kind == "bool":
            parser.add_argument(flag, dest=f.name, action="store_true", default=None, help=helptext)
            continue
        choices = meta["choices"] if isinstance(meta["choices"], tuple) else None
        parser.add_argument(flag, dest=f.name, type=_checked(recipe_class, f.name, kind), default=None,
                            choices=choices, metavar=_METAVAR.get(kind), help=helptext)


def _checked(recipe_class: type, name: str, kind: str):
    """The argparse type of field ``name``: parse the text, then the recipe's own check (bad values exit 2)."""

    def convert(text: str):
        from tfstyle.errors import OptionError
        from tfstyle.training.recipes import KIND_WORDS

        try:
            return recipe_class.check(name, _PARSE[kind](text))
        except OptionError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {KIND_WORDS[kind]}, got {text!r}") from None

    convert.__name__ = name
    return convert


def recipe_from_args(recipe_class: type, args: argparse.Namespace):
    """The recipe with the options given on the command line, the defaults elsewhere."""
    import dataclasses

    return recipe_class(**{f.name: getattr(args, f.name) for f in dataclasses.fields(recipe_class)
                           if getattr(args, f.name, None) is not None})


def _train(args: argparse.Namespace) -> None:
    from tfstyle.training.recipes import RECIPES

    module, function = FAMILIES[args.family][0].split(":")
    trainer = getattr(importlib.import_module(f"tfstyle.training.{module}"), function)
    inputs = {RUN_FLAGS[flag].get("dest", flag[2:].replace("-", "_")) for flag in FAMILIES[args.family][1]}
    given = {name: getattr(args, name) for name in inputs if getattr(args, name) is not None}
    trainer(recipe=recipe_from_args(RECIPES[args.family], args), verbose=0 if args.quiet else "auto", **given)
    print(f"wrote {args.out}")
