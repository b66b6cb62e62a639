"""Training recipes: the one list of each trainer's options (flags, resume keys, records)."""
import argparse
import dataclasses
import json

import pytest

from tfstyle.cli import build_parser
from tfstyle.cli.train import FAMILIES, RUN_FLAGS, recipe_from_args
from tfstyle.errors import OptionError
from tfstyle.training.recipes import RECIPES, AdainRecipe, ArbitraryRecipe, DistillRecipe, JohnsonRecipe

#: The flags users know (they must keep their names).
KNOWN_FLAGS = {"--steps", "--batch-size", "--image-size", "--checkpoint-every", "--style-size", "--content-limit",
               "--style-limit", "--width", "--lr", "--content-weight", "--style-weight", "--tv-weight", "--seed",
               "--content-layers", "--style-layers", "--style-layer-weights", "--padding", "--loss",
               "--reconstruction-weight", "--train-predictor", "--no-jit"}


def _subparsers(parser: argparse.ArgumentParser) -> dict:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


@pytest.fixture(scope="module")
def train_parsers() -> dict:
    return _subparsers(_subparsers(build_parser())["train"])


def test_every_family_has_a_recipe(train_parsers):
    assert set(train_parsers) == set(FAMILIES) == set(RECIPES)


@pytest.mark.parametrize("family", sorted(RECIPES))
def test_flags_are_the_recipe_fields(train_parsers, family):
    run_dests = {RUN_FLAGS[flag].get("dest", flag[2:].replace("-", "_")) for flag in FAMILIES[family][1]}
    dests = {a.dest for a in train_parsers[family]._actions} - run_dests - {"help", "quiet"}
    assert dests == {f.name for f in dataclasses.fields(RECIPES[family]) if f.metadata["cli"]}
    assert all(a.default is None for a in train_parsers[family]._actions if a.dest in dests)


def test_known_flag_names_stay(train_parsers):
    flags = {flag for parser in train_parsers.values() for action in parser._actions for flag in action.option_strings}
    assert KNOWN_FLAGS <= flags
    width = next(a for a in train_parsers["adain"]._actions if "--width" in a.option_strings)
    assert width.dest == "decoder_width"


@pytest.mark.parametrize("recipe_class", list(RECIPES.values()))
def test_resume_keys_are_the_fields_marked_resume(recipe_class):
    marked = tuple(f.name for f in dataclasses.fields(recipe_class) if f.metadata["resume"])
    assert recipe_class.resume_keys() == marked
    assert "steps" not in marked


def test_a_checkpoint_of_other_settings_is_refused_and_old_ones_resume():
    recipe = ArbitraryRecipe(width=0.25, steps=10)
    stored = json.loads(json.dumps(recipe.to_dict()))
    assert recipe.changed(stored) == []
    assert dataclasses.replace(recipe, steps=20).changed(stored) == []  # more steps: the same run, continued
    assert dataclasses.replace(recipe, style_weight=1.0).changed(stored) == ["style_weight"]
    # A checkpoint made before an option existed recorded nothing for it: its default.
    del stored["loss"]
    assert recipe.changed(stored) == []
    assert dataclasses.replace(recipe, loss="relative").changed(stored) == ["loss"]


@pytest.mark.parametrize("recipe_class", list(RECIPES.values()))
def test_to_dict_round_trips_through_json(recipe_class):
    recipe = recipe_class(seed=3)
    data = json.loads(json.dumps(recipe.to_dict()))
    assert recipe_class.from_dict(data) == recipe
    assert set(data) == {f.name for f in dataclasses.fields(recipe_class)}


def test_keyword_overrides_equal_the_command_line(train_parsers):
    parser = build_parser()
    args = parser.parse_args(["train", "johnson", "--style", "s.jpg", "--content-dir", "photos", "--out", "o.keras",
                              "--lr", "0.01", "--width", "0.25", "--content-layers", "block1_conv1,block2_conv1",
                              "--style-layer-weights", "1,2", "--padding", "zero", "--steps", "7"])
    assert recipe_from_args(JohnsonRecipe, args) == JohnsonRecipe.build(
        None, learning_rate=0.01, width=0.25, content_layers=["block1_conv1", "block2_conv1"],
        style_layer_weights=(1, 2), padding_mode="zero", steps=7)
    args = parser.parse_args(["train", "adain", "--content-dir", "c", "--style-dir", "s", "--out", "o.keras",
                              "--width", "0.5", "--no-jit"])
    assert recipe_from_args(AdainRecipe, args) == AdainRecipe(decoder_width=0.5) and args.jit_compile is False
    args = parser.parse_args(["train", "arbitrary", "--content-dir", "c", "--style-dir", "s", "--out", "o.keras",
                              "--train-predictor"])
    assert recipe_from_args(ArbitraryRecipe, args) == ArbitraryRecipe(train_predictor=True)


def test_bad_values_are_one_line_option_errors(capsys):
    for make in (lambda: JohnsonRecipe(steps=-1), lambda: AdainRecipe.build(None, steps=-1),
                 lambda: DistillRecipe(batch_size=3), lambda: AdainRecipe(learning_rate=float("nan"))):
        with pytest.raises(OptionError) as info:
            make()
        assert "\n" not in str(info.value)
    with pytest.raises(OptionError, match="steps must be an integer >= 1, got -1"):
        AdainRecipe(steps=-1)
    with pytest.raises(TypeError, match="unexpected keyword arguments stpes"):
        AdainRecipe.build(None, stpes=3)
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["train", "adain", "--content-dir", "c", "--style-dir", "s", "--out", "o.keras",
                                   "--steps", "-1"])
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and "\n" not in err and "steps must be an integer >= 1" in err
