"""Build the LiteRT files that ship in the package (``tfstyle/weights/litert/<name>/``), so a light install
(no TensorFlow) runs the shipped presets with no first-run conversion.

Needs TensorFlow (``pip install -e '.[tf]'``). The conversion is the user cache's own
(:func:`tfstyle.export.litert_cache.convert_preset`); each folder's ``manifest.json`` records the SHA-256 of
the ``.keras`` file the files come from, so ``tests/test_presets.py`` fails when a ``.keras`` file is
retrained and this tool is not run again. Run it after changing a preset or the conversion::

    python tools/build_preset_files.py                 # every preset that ships files (shipped_presets)
    python tools/build_preset_files.py wave            # one
    python tools/build_preset_files.py --check         # say which are stale, build nothing (exit 1 if any)
"""
from __future__ import annotations

import argparse
import sys
import time

from tfstyle.runtime.preset_files import SHIPPED_DIR, shipped_presets, shipped_problem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="presets to build (default: shipped_presets())")
    parser.add_argument("--check", action="store_true", help="only report stale or missing files")
    parser.add_argument("--stale", action="store_true", help="build only the presets whose files are stale or missing")
    args = parser.parse_args(argv)
    names = args.names or shipped_presets()
    if args.check:
        problems = {name: shipped_problem(name) for name in names}
        for name, problem in problems.items():
            print(f"{name}: {problem or 'up to date'}")
        return 1 if any(problems.values()) else 0
    from tfstyle.export.litert_cache import build_shipped_files

    for name in names:
        if args.stale and shipped_problem(name) is None:
            print(f"{name}: up to date")
            continue
        start = time.perf_counter()
        files = build_shipped_files(name)
        size = sum(path.stat().st_size for path in files.values())
        print(f"{name}: {', '.join(sorted(files))} ({size / 1e6:.1f} MB) in {time.perf_counter() - start:.0f} s",
              flush=True)
    total = sum(p.stat().st_size for p in SHIPPED_DIR.rglob("*") if p.is_file())
    print(f"{SHIPPED_DIR}: {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
