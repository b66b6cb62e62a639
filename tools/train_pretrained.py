"""Train the fast-style networks shipped in ``tfstyle/weights`` and write their catalogue.

The recipe (:data:`RECIPE`) is the one the shipped files were trained with. Every style starts
from the same identity-pretrained network (``pretrain_identity``, pixel loss only) with a
small learning rate: on a CPU budget of a few hundred steps this keeps the content, where a
random start or Adam at 1e-3 first wipes it out and leaves dark blobs. Every run checkpoints under ``--work`` and
resumes exactly when the command is repeated, so a CPU run can be spread over several
sessions. When a style finishes, its network is copied into ``tfstyle/weights`` and its
entry (painting, recipe, training time, validation losses) is written to the registry, ``presets.json``.

    python tools/train_pretrained.py --data ../shared/data            # all styles
    python tools/train_pretrained.py --data ../shared/data --styles wave,udnie
"""
from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tfstyle.training.recipes import IdentityRecipe, JohnsonRecipe  # noqa: E402
from tfstyle.training.run import last_losses, timed_run  # noqa: E402
from tfstyle.weights.registry import WEIGHTS_DIR as PRETRAINED  # noqa: E402  (the installed package's weights folder)
from tfstyle.weights.registry import write_entry  # noqa: E402

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
    artist, painting = STYLES[name]["artist"], STYLES[name]["painting"]
    return {
        "kind": "fast", "class": "JohnsonNet", "file": f"{name}.keras", "title": f"{artist}, {painting}",
        "artist": artist, "painting": painting,
        "licence": "Apache-2.0 (weights trained by tfstyle; the painting is in the public domain)",
        "source": "trained by tfstyle (tools/train_pretrained.py, tfstyle/weights/RECIPE.md)",
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
    for name in names:
        entry = train_style(name, args.data, args.work, init)
        write_entry(PRETRAINED, name, entry)  # the registry; measured quality (benchmarks/score.py) is kept
        print(f"{name}: {entry['train_seconds']} s, val {entry['val_losses']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
