"""``tfstyle presets`` (every shipped network) and ``tfstyle styles`` (the fast ones, briefly)."""
from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    """Add ``presets`` and ``styles`` to the command's sub-parsers."""
    pr = sub.add_parser("presets", help="list the shipped networks (kind, size, licence, measured quality)")
    pr.add_argument("--kind", choices=["fast", "arbitrary"], default=None, help="only networks of this kind")
    pr.set_defaults(run=run)
    sub.add_parser("styles", help="list the shipped fast styles").set_defaults(run=run_styles)


def _quality(quality: dict) -> str:
    parts = [f"{key.replace('_distance', '')} {value:.3f}" for key, value in quality.items()
             if key.endswith("_distance") and isinstance(value, (int, float))]
    return ", ".join(parts) or "-"


def run(args: argparse.Namespace) -> None:
    """Print one row per preset."""
    from tfstyle.weights.presets import list_presets

    print(f"{'name':22s} {'kind':9s} {'MB':>5s}  {'quality (distances)':28s} licence / what")
    for row in list_presets(args.kind):
        mark = "*" if row["default"] else " "
        size = f"{row['size_mb']:5.1f}" if row["size_mb"] is not None else "    -"
        print(f"{row['name'] + mark:22s} {row['kind']:9s} {size}  {_quality(row['quality']):28s} "
              f"{row['licence'].split(' (')[0]}: {row['title']}")
    print("* = the default of its kind; details: tfstyle.weights.presets.preset_entry(NAME)")


def run_styles(args: argparse.Namespace) -> None:
    """Print the fast presets with their paintings."""
    from tfstyle.weights.registry import preset_entry, preset_names

    for name in preset_names("fast"):
        entry = preset_entry(name)
        print(f"{name:16s} {entry.get('artist', '')}, {entry.get('painting', '')}")
