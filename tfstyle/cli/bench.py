"""``tfstyle bench``: time ``.tflite`` files on this machine."""
from __future__ import annotations

import argparse

from tfstyle.cli.common import positive_int


def add_parser(sub) -> None:
    """Add ``bench`` to the command's sub-parsers."""
    be = sub.add_parser("bench", help="time .tflite models on this machine (XNNPACK CPU)")
    be.add_argument("models", nargs="+", metavar="FILE.tflite")
    be.add_argument("--threads", type=positive_int, nargs="+", default=[1, 2])
    be.add_argument("--runs", type=positive_int, default=20)
    be.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Print a Markdown table of median and p90 latency per file and thread count."""
    from tfstyle.export.bench import latency

    print("| model | threads | median ms | p90 ms |\n|---|---|---|---|")
    for path in args.models:
        for threads in args.threads:
            timing = latency(path, num_threads=threads, runs=args.runs)
            print(f"| {path} | {threads} | {timing['median_ms']:.1f} | {timing['p90_ms']:.1f} |", flush=True)
