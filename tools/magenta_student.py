"""What the tools that ship Magenta-derived students share: their flags and their preset entry.

``tools/train_student.py`` (``tfstyle_mobile_v1``) and ``tools/finetune_mobile.py`` (its perceptual
fine-tunes) both train resumably into a committed checkpoint folder and ship the network as a preset
whose weights derive from Magenta's (Apache-2.0, credited in the entry).
"""
from __future__ import annotations

import argparse
import pathlib
import shutil

from tfstyle.weights.registry import WEIGHTS_DIR, write_entry

ROOT = pathlib.Path(__file__).resolve().parents[1]
LICENCE = {"licence": "Apache-2.0 (derived from Magenta's weights, MAGENTA_LICENSE.md)",
           "licence_file": "MAGENTA_LICENSE.md"}


def parser(doc: str, run: str) -> argparse.ArgumentParser:
    """The flags every student tool takes: ``--data``, ``--run`` (default ``checkpoints/<run>``), ``--steps``, ``--out``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=pathlib.Path, default=pathlib.Path("../shared/data"))
    parser.add_argument("--run", type=pathlib.Path, default=ROOT / "checkpoints" / run,
                        help="checkpoint folder (resumed when it exists)")
    parser.add_argument("--steps", type=int, default=None, help="total steps (default: the recipe's)")
    parser.add_argument("--out", type=pathlib.Path, default=WEIGHTS_DIR)
    return parser


def ship(work: pathlib.Path, out: pathlib.Path, name: str, *, title: str, credit: str, source: str,
         record: dict) -> pathlib.Path:
    """Move the trained ``work`` network to ``out/<name>.keras`` and write its registry entry; return the file.

    ``record`` is the entry's ``recipe`` (the recipe's fields plus steps done, time, machine, checkpoint).
    """
    target = out / f"{name}.keras"
    shutil.copyfile(work, target)
    work.unlink()
    entry = {"kind": "arbitrary", "class": "ArbitraryStyleNet", "predictor_class": "MobileNetStylePredictor",
             "transfer_class": "StyleTransferNet", "file": target.name, "bytes": target.stat().st_size,
             "style_size": 256, "title": title, "credit": credit, **LICENCE, "source": source, "recipe": record}
    write_entry(out, name, entry)
    return target
