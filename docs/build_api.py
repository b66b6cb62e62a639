"""Build tfstyle's HTML API reference from its docstrings with pdoc.

    pip install pdoc
    python docs/build_api.py                 # -> docs/api/index.html (git-ignored)
    python docs/build_api.py -o /tmp/api     # elsewhere

Every module of the package gets a page (``tfstyle.html``, ``tfstyle/export.html``, ...), except
:data:`EXCLUDED`. Docstrings are read as Google style (``Args:``, ``Returns:``, ``Example:``);
the reStructuredText roles they use (``:func:`...```) become links or code.

tensorflow-model-optimization (tfmot) switches Keras to tf_keras for the whole process when it
is imported, so the build blocks it: while the modules are imported, ``import
tensorflow_model_optimization`` raises ImportError. tfstyle only imports it inside functions
(:mod:`tfstyle.export.qat` runs quantization-aware training in a subprocess, and
:mod:`tfstyle.export.qat_worker`, that subprocess, imports it in its functions), so every module
imports and is documented; a module that imported it at import time would stop the build with an
error naming that module (move the import into a function, or add the module to
:data:`EXCLUDED`). The build also fails if ``TF_USE_LEGACY_KERAS`` changed while it ran.

The build also lists the public names of ``tfstyle.__all__`` whose docstring has no
``Example:`` section (``tests/test_docs.py`` requires one everywhere).
"""
from __future__ import annotations

import argparse
import importlib
import importlib.abc
import inspect
import os
import pathlib
import pkgutil
import re
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "api"
PACKAGE = "tfstyle"
#: Modules without a page: importing ``tfstyle.__main__`` runs the command line.
EXCLUDED = ("tfstyle.__main__",)
#: Imports refused while the documentation is built (see the module docstring).
BLOCKED = ("tensorflow_model_optimization",)
SOURCE_URL = "https://github.com/tfstyle/tfstyle/blob/main/tfstyle/"

_EXAMPLE = re.compile(r"^\s*Examples?:?\s*$|^\s*Examples?\n\s*-{3,}\s*$", re.MULTILINE)


class _Blocker(importlib.abc.MetaPathFinder):
    """Refuses to import :data:`BLOCKED` packages (and their submodules)."""

    def find_spec(self, fullname, path=None, target=None):
        """Raise ImportError for a blocked name; otherwise return None (the other finders look for it)."""
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is blocked while building the API docs: importing it switches "
                              "Keras to tf_keras (import it inside a function instead)")


def module_names() -> list[str]:
    """The package and all its submodules, sorted, minus :data:`EXCLUDED` (packages are imported to list them)."""
    package = importlib.import_module(PACKAGE)
    names = [PACKAGE] + [info.name for info in pkgutil.walk_packages(package.__path__, PACKAGE + ".")]
    return sorted(name for name in names if name not in EXCLUDED)


def has_example(obj) -> bool:
    """Whether ``obj``'s own docstring has an ``Example:``/``Examples:`` section (Google or NumPy style)."""
    return bool(_EXAMPLE.search(inspect.cleandoc(getattr(obj, "__doc__", None) or "")))


def lacking_examples() -> list[str]:
    """Public functions and classes in ``tfstyle.__all__`` whose docstring has no ``Example`` section."""
    package = importlib.import_module(PACKAGE)
    lacking = []
    for name in package.__all__:
        obj = getattr(package, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and not has_example(obj):
            lacking.append(name)
    return lacking


def build(out: pathlib.Path = DEFAULT_OUT) -> list[str]:
    """Write the HTML reference to ``out``; return the documented module names."""
    import pdoc
    import pdoc.doc
    import pdoc.render

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    legacy_keras = os.environ.get("TF_USE_LEGACY_KERAS")
    blocker = _Blocker()
    sys.meta_path.insert(0, blocker)
    try:
        names = module_names()
        modules = {}
        for name in names:
            try:
                modules[name] = pdoc.doc.Module(importlib.import_module(name))
            except ImportError as exc:
                raise SystemExit(f"cannot document {name}: {exc}") from exc
        from tfstyle import __version__

        pdoc.render.configure(docformat="google", footer_text=f"tfstyle {__version__}", search=True,
                              show_source=True, edit_url_map={PACKAGE: SOURCE_URL})
        out.mkdir(parents=True, exist_ok=True)
        for module in modules.values():
            page = out / f"{module.fullname.replace('.', '/')}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(pdoc.render.html_module(module, modules), encoding="utf-8")
        (out / "index.html").write_text(pdoc.render.html_index(modules), encoding="utf-8")
        (out / "search.js").write_text(pdoc.render.search_index(modules), encoding="utf-8")
    finally:
        sys.meta_path.remove(blocker)
    loaded = sorted(name for name in sys.modules if name.split(".")[0] in BLOCKED)
    if loaded or os.environ.get("TF_USE_LEGACY_KERAS") != legacy_keras:
        raise SystemExit(f"building the docs imported {', '.join(loaded) or 'a module that set TF_USE_LEGACY_KERAS'}")
    return names


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build tfstyle's HTML API reference (pdoc).")
    parser.add_argument("-o", "--out", type=pathlib.Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    names = build(args.out)
    print(f"{len(names)} modules documented in {args.out / 'index.html'} ({time.perf_counter() - started:.0f} s)")
    lacking = lacking_examples()
    if lacking:
        print(f"no 'Example:' section in the docstring of: {', '.join(lacking)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
