"""Train the fast-style networks shipped in ``tfstyle/pretrained`` and write their catalogue.

The recipe (:data:`RECIPE`) is the one the shipped files were trained with. Every style starts
from the same identity-pretrained network (``pretrain_identity``, pixel loss only) with a
small learning rate: on a CPU budget of a few hundred steps this keeps the content, where a
random start or Adam at 1e-3 first wipes it out and leaves dark blobs. Every run checkpoints under ``--work`` and
resumes exactly when the command is repeated, so a CPU run can be spread over several
sessions. When a style finishes, its network is copied into ``tfstyle/pretrained`` and its
entry (painting, recipe, training time, validation losses) is written to ``catalog.json``.

    python tools/train_pretrained.py --data ../shared/data            # all styles
    python tools/train_pretrained.py --data ../shared/data --styles wave,udnie
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tfstyle.registry import WEIGHTS_DIR as PRETRAINED  # noqa: E402  (the installed package's weights folder)
from tfstyle.training.recipes import IdentityRecipe, JohnsonRecipe  # noqa: E402
from tfstyle.training.run import last_losses, timed_run  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: Public-domain paintings only (their pictures appear in the docs).
STYLES = {
    "wave": {"image": "wave.jpg", "artist": "Katsushika Hokusai",
             "painting": "The Great Wave off Kanagawa (c. 1831)"},
    "starry_night": {"image": "starry_night.jpg", "artist": "Vincent van Gogh", "painting": "The Starry Night (1889)"},
    "the_scream": {"image": "the_scream.jpg", "artist": "Edvard Munch", "painting": "The Scream (1893)"},
    "udnie": {"image": "udnie.jpg", "artist": "Francis Picabia", "painting": "Udnie (1913)"},
    "shipwreck": {"image": "shipwreck.jpg", "artist": "J. M. W. Turner", "painting": "The Shipwreck (1805)"},
    "woman_with_hat": {"image": "woman_with_hat_matisse.jpg", "artist": "Henri Matisse",
                       "painting": "Woman with a Hat (1905)"},
}

#: The shared starting point: pixel loss only, trained once.
IDENTITY = IdentityRecipe(width=0.5, image_size=128, steps=400, learning_rate=2e-3)
#: Shared by every style (:class:`~tfstyle.training.recipes.JohnsonRecipe` says what each knob means);
#: the loss is the default.
RECIPE = JohnsonRecipe(width=IDENTITY.width, image_size=IDENTITY.image_size, batch_size=4, style_size=256,
                       checkpoint_every=100, steps=400, learning_rate=2e-4)


def identity_init(data: pathlib.Path, work: pathlib.Path) -> pathlib.Path:
    """The shared starting point (trained once, reused by every style)."""
    from tfstyle.training.johnson import pretrain_identity

    out = work / "identity.keras"
    if not out.exists():
        start = time.perf_counter()
        pretrain_identity(data / "content" / "train", out, recipe=IDENTITY, verbose=2)
        (work / "identity.seconds").write_text(f"{time.perf_counter() - start:.0f}")
    return out


def train_style(name: str, data: pathlib.Path, work: pathlib.Path, init: pathlib.Path) -> dict:
    """Train (or resume) style ``name``; return its catalogue entry."""
    from tfstyle.training.johnson import train_johnson

    out, checkpoint = work / f"{name}.keras", work / f"{name}.ckpt"
    total = timed_run(lambda: train_johnson(data / "style" / "named" / STYLES[name]["image"], data / "content" / "train",
                                            out, recipe=RECIPE, val_dir=data / "content" / "test", init=init,
                                            verbose=2),
                      checkpoint, work / f"{name}.seconds")
    shutil.copyfile(out, PRETRAINED / f"{name}.keras")
    return {
        "file": f"{name}.keras", "artist": STYLES[name]["artist"], "painting": STYLES[name]["painting"],
        "style_image": STYLES[name]["image"],
        "recipe": {**RECIPE.to_dict(), "init": {"identity": IDENTITY.to_dict()}},
        "train_seconds": round(total),
        "val_losses": {k[4:]: v for k, v in last_losses(checkpoint).items() if k.startswith("val_")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=pathlib.Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=pathlib.Path, default=ROOT / "runs" / "pretrained")
    parser.add_argument("--styles", default=",".join(STYLES), help="comma-separated subset")
    args = parser.parse_args(argv)
    names = [n for n in args.styles.split(",") if n]
    unknown = sorted(set(names) - set(STYLES))
    if unknown:
        parser.error(f"unknown styles {unknown}; known: {sorted(STYLES)}")
    args.work.mkdir(parents=True, exist_ok=True)
    init = identity_init(args.data, args.work)
    catalog_file = PRETRAINED / "catalog.json"
    catalog = json.loads(catalog_file.read_text()) if catalog_file.exists() else {}
    for name in names:
        catalog[name] = train_style(name, args.data, args.work, init)
        catalog_file.write_text(json.dumps(dict(sorted(catalog.items())), indent=2) + "\n")
        print(f"{name}: {catalog[name]['train_seconds']} s, val {catalog[name]['val_losses']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
