"""Training recipes: every hyper-parameter of a tfstyle trainer, one frozen dataclass per trainer.

A recipe is the one list of a trainer's options. From its fields come the trainer's keyword
overrides (``train_johnson(..., width=0.25)`` is ``dataclasses.replace(JohnsonRecipe(), width=0.25)``),
the ``tfstyle train`` flags (:mod:`tfstyle.cli.train`), the settings a checkpoint must match
to be resumed (fields whose metadata says ``resume``) and the record of how a network was made
(:meth:`Recipe.to_dict`, stored in the checkpoint and in the preset table's ``recipe``).

Each field's metadata: ``help`` (what it means), ``resume`` (must match to resume a checkpoint),
``cli`` (is a ``tfstyle train`` flag), and optionally ``flag`` (the flag's name when it is not
the field's), ``minimum`` (numbers: default 1 for integers, 0 for floats) and ``choices``.

This module imports no Keras (the command line builds its flags from it): defaults that other
modules own (VGG19 layer sets, the style vector size) are read when a recipe is made.

Example:
    >>> recipe = AdainRecipe(decoder_width=0.5, steps=4000)
    >>> recipe.learning_rate, recipe.style_weight
    (0.0001, 10.0)
    >>> AdainRecipe.from_dict(recipe.to_dict()) == recipe
    True
    >>> AdainRecipe(steps=0)
    Traceback (most recent call last):
    tfstyle.errors.OptionError: steps must be an integer >= 1, got 0
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import math
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from tfstyle.errors import OptionError

#: Johnson networks' default loss: Johnson et al.'s layers (:data:`tfstyle.perceptual.vgg.JOHNSON_STYLE_LAYERS`),
#: no total variation. The style weight was chosen on 128 px CPU runs (tools/train_pretrained.py):
#: content stays legible and the texture is strong. A deeper content layer (relu4_2, as in
#: Engstrom's recipe) kept too little content at 128 px.
STYLE_WEIGHT = 3e-3
TV_WEIGHT = 0.0

R = TypeVar("R", bound="Recipe")


def _lazy(module: str, name: str) -> Callable[[], Any]:
    """``module.name``, read when called (the module may import Keras)."""
    return lambda: getattr(importlib.import_module(module), name)


def option(default: Any = dataclasses.MISSING, help: str = "", *, resume: bool = True, cli: bool = True,
           flag: str | None = None, minimum: float | None = None, choices: tuple | Callable[[], Any] | None = None,
           factory: Callable[[], Any] | None = None) -> Any:
    """A recipe field (see the module doc for the metadata); ``factory`` makes the default when needed."""
    metadata = {"help": help, "resume": resume, "cli": cli, "flag": flag, "minimum": minimum, "choices": choices}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def field_kind(cls: type[Recipe], name: str) -> tuple[str, bool]:
    """``(kind, optional)`` of field ``name`` from its annotation; kind is ``int``, ``float``, ``bool``,
    ``str``, ``names`` (``tuple[str, ...]``) or ``floats`` (``tuple[float, ...]``)."""
    hint = _hints(cls)[name]
    optional = False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional, hint = True, args[0]
    if typing.get_origin(hint) is tuple:
        return ("floats" if typing.get_args(hint)[0] is float else "names"), optional
    return hint.__name__, optional


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _default(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default is dataclasses.MISSING else f.default


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _as_int(value: Any) -> int:
    if isinstance(value, (bool, str)) or int(value) != value:
        raise TypeError
    return int(value)


def _as(kind: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if not isinstance(value, kind):
            raise TypeError
        return value
    return convert


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "int": _as_int, "float": float, "bool": _as(bool), "str": _as(str),
    "names": lambda v: (v,) if isinstance(v, str) else tuple(_as(str)(x) for x in v),
    "floats": lambda v: tuple(float(x) for x in v),
}
#: How messages name each kind of field.
KIND_WORDS = {"int": "an integer", "float": "a finite number", "bool": "True or False", "str": "a string",
               "names": "a list of names", "floats": "a list of numbers"}


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Base of the recipes: checks and normalizes every field, converts to and from plain dicts."""

    #: Name of the trainer the recipe is for (in messages).
    trainer: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, type(self).check(f.name, getattr(self, f.name)))
        self._check_together()

    def _check_together(self) -> None:
        """Checks that involve several fields (subclasses)."""

    @classmethod
    def check(cls, name: str, value: Any) -> Any:
        """``value`` as field ``name`` stores it (tuples for sequences, floats for floats);
        :class:`~tfstyle.errors.OptionError` in one line if it cannot work."""
        meta = {f.name: f for f in dataclasses.fields(cls)}[name].metadata
        kind, optional = field_kind(cls, name)
        if value is None:
            if optional:
                return None
            raise OptionError(f"{name} must be given, got None")
        try:
            value = _CONVERT[kind](value)
        except (TypeError, ValueError):
            raise OptionError(f"{name} must be {KIND_WORDS[kind]}, got {value!r}") from None
        if kind in ("int", "float"):
            minimum = meta["minimum"] if meta["minimum"] is not None else (1 if kind == "int" else 0)
            if not (math.isfinite(value) and value >= minimum):
                raise OptionError(f"{name} must be {KIND_WORDS[kind]} >= {minimum}, got {value}")
        if kind == "floats" and not all(math.isfinite(v) for v in value):
            raise OptionError(f"{name} must be finite numbers, got {value}")
        choices = meta["choices"]() if callable(meta["choices"]) else meta["choices"]
        if choices is not None and value not in choices:
            raise OptionError(f"{name} must be one of {', '.join(sorted(choices))}, got {value!r}")
        return value

    @classmethod
    def resume_keys(cls) -> tuple[str, ...]:
        """The fields a checkpoint must match to be resumed."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata["resume"])

    @classmethod
    def from_dict(cls: type[R], data: dict) -> R:
        """The recipe :meth:`to_dict` gave (lists become tuples); unknown keys are refused."""
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise OptionError(f"{cls.__name__} has no option {', '.join(unknown)}")
        return cls(**data)

    @classmethod
    def build(cls: type[R], recipe: R | None = None, **overrides: Any) -> R:
        """``dataclasses.replace(recipe or cls(), **overrides)``, naming the trainer's options when one is unknown."""
        if recipe is not None and not isinstance(recipe, cls):
            raise OptionError(f"{cls.trainer} takes a {cls.__name__}, got {type(recipe).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise TypeError(f"{cls.trainer}() got unexpected keyword arguments {', '.join(unknown)}; "
                            f"its recipe options: {', '.join(sorted(names))}")
        return dataclasses.replace(recipe or cls(), **overrides)

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready (tuples as lists): what a checkpoint and the preset table record."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def changed(self, stored: dict) -> list[str]:
        """The resume fields whose value differs from the ``stored`` :meth:`to_dict` (a field missing
        there, recorded before it existed, counts as its default)."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        return [name for name in self.resume_keys()
                if stored.get(name, _jsonable(_default(fields[name]))) != _jsonable(getattr(self, name))]


# Field documentation shared by several recipes.
_STEPS = "total optimizer steps (a resumed run counts the steps already done)"
_CHECKPOINT_EVERY = "steps per checkpoint (and per Keras epoch)"
_SEED = "decides initialization and every batch"
_CONTENT_LIMIT = "use only this many content photos (quick experiments, tests)"
_STYLE_LIMIT = "use only this many style images"
_WIDTH = "channel multiplier of the network"
_RESIDUAL_BLOCKS = "residual blocks of the network"
_PADDING_MODES = ("reflect", "zero")


@dataclasses.dataclass(frozen=True)
class JohnsonRecipe(Recipe):
    """:func:`~tfstyle.training.johnson.train_johnson`: a Johnson network for one style.

    Johnson et al. train 40k steps of batch 4 at 256 px. On a CPU budget, start from
    :func:`~tfstyle.training.johnson.pretrain_identity` (``init=``) with ``learning_rate=2e-4``:
    a few hundred steps at 128 px then give clean results (the shipped styles: 400 steps); from a
    random start, or at 1e-3, the first few hundred steps lose the content.
    """

    trainer: ClassVar[str] = "train_johnson"
    width: float = option(0.5, _WIDTH)
    residual_blocks: int = option(5, _RESIDUAL_BLOCKS)
    padding_mode: str = option("reflect", "'reflect' (no border artefacts) or 'zero' (faster in TFLite)",
                               flag="--padding", choices=_PADDING_MODES)
    image_size: int = option(256, "side of the square training crops")
    batch_size: int = option(4, "crops per step")
    steps: int = option(20000, _STEPS, resume=False)
    checkpoint_every: int = option(100, _CHECKPOINT_EVERY)
    learning_rate: float = option(1e-3, "Adam's learning rate", flag="--lr")
    content_weight: float = option(1.0, "weight of the content loss")
    style_weight: float = option(STYLE_WEIGHT, "weight of the style loss")
    tv_weight: float = option(TV_WEIGHT, "weight of the total-variation loss")
    content_layers: tuple[str, ...] = option(help="VGG19 content layers",
                                             factory=_lazy("tfstyle.perceptual.vgg", "JOHNSON_CONTENT_LAYERS"))
    style_layers: tuple[str, ...] = option(help="VGG19 style layers", factory=_lazy("tfstyle.perceptual.vgg", "JOHNSON_STYLE_LAYERS"))
    style_layer_weights: tuple[float, ...] | None = option(
        help="weight of each style layer (none: equal)", factory=_lazy("tfstyle.perceptual.vgg", "JOHNSON_STYLE_LAYER_WEIGHTS"))
    style_size: int | None = option(None, "long side of the style image (default 2 * image_size); smaller values "
                                    "give larger strokes")
    content_limit: int | None = option(None, _CONTENT_LIMIT, resume=False)
    seed: int = option(0, _SEED, minimum=0)


@dataclasses.dataclass(frozen=True)
class IdentityRecipe(Recipe):
    """:func:`~tfstyle.training.johnson.pretrain_identity`: a Johnson network that reproduces its input."""

    trainer: ClassVar[str] = "pretrain_identity"
    width: float = option(0.5, _WIDTH, resume=False)
    residual_blocks: int = option(5, _RESIDUAL_BLOCKS, resume=False)
    padding_mode: str = option("reflect", "'reflect' or 'zero' (as in train johnson)", resume=False,
                               flag="--padding", choices=_PADDING_MODES)
    image_size: int = option(256, "side of the square training crops", resume=False)
    batch_size: int = option(4, "crops per step", resume=False)
    steps: int = option(300, "optimizer steps", resume=False)
    learning_rate: float = option(2e-3, "Adam's learning rate", resume=False, flag="--lr")
    content_limit: int | None = option(None, _CONTENT_LIMIT, resume=False)
    seed: int = option(0, _SEED, resume=False, minimum=0)


@dataclasses.dataclass(frozen=True)
class ArbitraryRecipe(Recipe):
    """:func:`~tfstyle.training.arbitrary.train_arbitrary`: a style predictor and a conditional transfer network."""

    trainer: ClassVar[str] = "train_arbitrary"
    width: float = option(0.5, "channel multiplier of the transfer network (Magenta's phone model: 0.25)")
    residual_blocks: int = option(5, _RESIDUAL_BLOCKS)
    style_dim: int = option(help="size of the style vector", factory=_lazy("tfstyle.models.ghiasi", "STYLE_DIM"))
    image_size: int = option(256, "side of the square content crops")
    style_size: int = option(256, "side of the style crops, from images resized to this short side (the whole "
                             "painting, as the predictor sees it); an init whose compact predictor learned another "
                             "size keeps it for the predictor")
    batch_size: int = option(8, "pairs per step")
    steps: int = option(40000, _STEPS, resume=False)
    checkpoint_every: int = option(200, _CHECKPOINT_EVERY)
    learning_rate: float = option(5e-4, "Adam's learning rate", flag="--lr")
    content_weight: float = option(1.0, "weight of the content loss")
    style_weight: float = option(STYLE_WEIGHT, "weight of the style loss")
    identity_pairs: int = option(1, "samples per batch whose style is their own content (strength 0 gives back "
                                 "the photo)", minimum=0)
    reconstruction_weight: float = option(0.0, "weight of the identity pairs' pixel error (0: none)")
    loss: str = option("johnson", "a tfstyle.perceptual.loss.LOSS_PRESETS preset (relative: per-painting relative "
                       "errors at Gatys' layers; use weights of order 1)",
                       choices=_lazy("tfstyle.perceptual.loss", "LOSS_PRESETS"))
    train_predictor: bool = option(False, "with an init whose predictor is compact, train that predictor too")
    content_limit: int | None = option(None, _CONTENT_LIMIT)
    style_limit: int | None = option(None, _STYLE_LIMIT)
    seed: int = option(0, _SEED, minimum=0)

    def _check_together(self) -> None:
        if not self.identity_pairs < self.batch_size:
            raise OptionError(f"identity_pairs must be in [0, batch_size), got {self.identity_pairs}")
        if self.identity_pairs and self.image_size != self.style_size:
            raise OptionError("identity_pairs needs image_size == style_size (a content crop serves as the style)")


@dataclasses.dataclass(frozen=True)
class DistillRecipe(Recipe):
    """:func:`~tfstyle.training.arbitrary.distill_predictor`: a compact predictor fitted to a teacher's vectors."""

    trainer: ClassVar[str] = "distill_predictor"
    width: float = option(1.0, "channel multiplier of the compact predictor")
    batch_size: int = option(16, "images per step, half styles and half photos (even)", minimum=2)
    steps: int = option(3000, _STEPS, resume=False)
    checkpoint_every: int = option(250, _CHECKPOINT_EVERY)
    learning_rate: float = option(1e-3, "Adam's learning rate", flag="--lr")
    style_limit: int | None = option(None, _STYLE_LIMIT)
    content_limit: int | None = option(None, _CONTENT_LIMIT)
    seed: int = option(0, _SEED, minimum=0)

    def _check_together(self) -> None:
        if self.batch_size % 2:
            raise OptionError(f"batch_size must be even and >= 2, got {self.batch_size}")


@dataclasses.dataclass(frozen=True)
class AdainRecipe(Recipe):
    """:func:`~tfstyle.training.adain.train_adain`: the AdaIN decoder (Huang & Belongie's recipe)."""

    trainer: ClassVar[str] = "train_adain"
    decoder_width: float = option(1.0, "decoder channel multiplier (1.0 as in the paper, 0.5 for phones)",
                                  flag="--width")
    image_size: int = option(256, "side of the square content and style crops")
    batch_size: int = option(8, "pairs per step")
    steps: int = option(160000, _STEPS, resume=False)
    checkpoint_every: int = option(500, _CHECKPOINT_EVERY)
    learning_rate: float = option(1e-4, "Adam's initial learning rate", flag="--lr")
    lr_decay: float = option(5e-5, "inverse-time decay per step: lr / (1 + lr_decay * step), as in the reference code")
    style_weight: float = option(10.0, "weight of the style loss (content weight 1); the paper's, which keeps its "
                                 "meaning on scale-normalized features")
    zoom: float = option(2.0, "images are resized to a short side of zoom * image_size before cropping (the "
                         "paper: 512 for 256 crops); memory ~4 * (zoom * image_size)^2 bytes per image")
    content_limit: int | None = option(None, _CONTENT_LIMIT)
    style_limit: int | None = option(None, _STYLE_LIMIT)
    seed: int = option(0, _SEED, minimum=0)


@dataclasses.dataclass(frozen=True)
class StudentRecipe(Recipe):
    """:func:`~tfstyle.training.student.distill_student`: the phone-first transfer network from a teacher's outputs."""

    trainer: ClassVar[str] = "distill_student"
    image_size: int = option(256, "side of the square content and style crops")
    batch_size: int = option(4, "pairs per step")
    steps: int = option(6000, _STEPS, resume=False)
    checkpoint_every: int = option(250, _CHECKPOINT_EVERY)
    learning_rate: float = option(5e-4, "Adam's learning rate", flag="--lr")
    feature_weight: float = option(0.01, "weight of the residual trunk's mean squared feature error (the pixel "
                                   "error's, in [0, 1] units, is 1; the trunk's activations are ~10x larger)")
    mixed_pairs: int = option(2, "samples per batch whose style vector is a random mix of the painting's and the "
                              "photo's own (what strength < 1 asks of the network)", minimum=0)
    content_limit: int | None = option(None, _CONTENT_LIMIT)
    style_limit: int | None = option(None, _STYLE_LIMIT)
    seed: int = option(0, _SEED, minimum=0)

    def _check_together(self) -> None:
        if not self.mixed_pairs <= self.batch_size:
            raise OptionError(f"mixed_pairs must be in [0, batch_size], got {self.mixed_pairs}")


#: Every recipe, by the ``tfstyle train`` family that uses it.
RECIPES: dict[str, type[Recipe]] = {"johnson": JohnsonRecipe, "identity": IdentityRecipe,
                                    "arbitrary": ArbitraryRecipe, "distill": DistillRecipe, "adain": AdainRecipe,
                                    "student": StudentRecipe}
