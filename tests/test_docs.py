"""The HTML API reference (docs/build_api.py, pdoc) builds, the public API documents examples, and the
guides (README.md, docs/*.md, export/README.md) quote only names, files and command-line flags that exist."""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
BUILD = REPO / "docs" / "build_api.py"

#: Pages that must exist in the built reference.
KEY_PAGES = ("index.html", "tfstyle.html", "tfstyle/models.html", "tfstyle/export.html", "tfstyle/export/qat.html",
             "tfstyle/export/tflite.html", "tfstyle/training.html", "tfstyle/weights/presets.html",
             "tfstyle/perceptual/metrics.html", "tfstyle/methods/optimize.html", "tfstyle/methods/fast.html",
             "tfstyle/methods/arbitrary.html", "tfstyle/runtime/litert.html", "tfstyle/video/io.html")


def _build_api():
    spec = importlib.util.spec_from_file_location("build_api", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    try:
        import pdoc  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("pdoc is not installed (pip install -e '.[test]')")
        pytest.skip("pdoc is not installed (pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("api")
    # A fresh interpreter, as a user runs it: its own check that tfmot was never imported is meaningful there.
    env = {key: value for key, value in os.environ.items() if key != "TF_USE_LEGACY_KERAS"}
    done = subprocess.run([sys.executable, str(BUILD), "-o", str(out)], check=False, capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_key_pages_exist(built):
    missing = [page for page in KEY_PAGES if not (built / page).is_file()]
    assert not missing, f"missing pages: {missing}"
    assert not (built / "tfstyle" / "__main__.html").exists()
    html = (built / "tfstyle" / "export" / "tflite.html").read_text(encoding="utf-8")
    assert "export_tflite" in html and "representative_images" in html


def test_every_module_has_a_page(built):
    names = _build_api().module_names()
    assert "tfstyle.export.qat" in names and "tfstyle.__main__" not in names
    missing = [name for name in names if not (built / f"{name.replace('.', '/')}.html").is_file()]
    assert not missing, f"no page for: {missing}"


def test_build_refuses_tfmot():
    """While the docs build, importing tensorflow-model-optimization fails (it would switch Keras to tf_keras)."""
    blocker = _build_api()._Blocker()
    for name in ("tensorflow_model_optimization", "tensorflow_model_optimization.quantization.keras"):
        with pytest.raises(ImportError, match="tf_keras"):
            blocker.find_spec(name)
    assert blocker.find_spec("tensorflow") is None and blocker.find_spec("tf_keras") is None


def test_example_section_detection():
    build_api = _build_api()

    def documented():
        """Do it.

        Example:
            >>> 1
            1
        """

    def numpy_style():
        """Do it.

        Examples
        --------
        >>> 1
        1
        """

    def bare_doctest():
        """Do it.

        >>> 1
        1
        """

    assert build_api.has_example(documented) and build_api.has_example(numpy_style)
    assert not build_api.has_example(bare_doctest) and not build_api.has_example(lambda: None)


def test_public_api_has_examples():
    """Every public function and class in ``tfstyle.__all__`` has an ``Example:`` section in its docstring."""
    lacking = _build_api().lacking_examples()
    assert not lacking, f"no 'Example:' section in the docstring of: {', '.join(lacking)}"


# --- The user guides say only what the code has: every `tfstyle.X` name resolves, every quoted
# --- `tfstyle/...` file exists, every relative link lands, every `tfstyle <command> --flag` parses.

#: The guides whose names, paths, links and command lines are checked.
GUIDES = ("README.md", "docs/*.md", "export/README.md")
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE = re.compile(r"(`+)(.+?)\1")
_DOTTED = re.compile(r"(?<![\w./-])tfstyle(?:\.[A-Za-z_]\w*)+")
_FROM_IMPORT = re.compile(r"^\s*from\s+(tfstyle(?:\.\w+)*)\s+import\s+\(?([\w\s,]+?)\)?\s*(?:#.*)?$")
_PATH = re.compile(r"(?<![\w./-])tfstyle/[\w./<>*{}-]*")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_FLAG = re.compile(r"(?<![\w-])--[A-Za-z][\w-]*")


def _guides() -> list[pathlib.Path]:
    files = [path for pattern in GUIDES for path in sorted(REPO.glob(pattern))]
    assert files and files[0].name == "README.md", files
    return files


def _code(path: pathlib.Path) -> tuple[list[str], list[str], str]:
    """``path``'s fenced code lines, its inline code spans, and its prose (code removed)."""
    blocks, spans, prose, fenced = [], [], [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif fenced:
            blocks.append(line)
        else:
            spans += [match.group(2).strip() for match in _INLINE.finditer(line)]
            prose.append(_INLINE.sub(" ", line))
    return blocks, spans, "\n".join(prose)


def _quoted_names(path: pathlib.Path) -> set[str]:
    """Dotted ``tfstyle.X.Y`` names quoted in ``path``'s code, ``from tfstyle.a import b, c`` included."""
    blocks, spans, _ = _code(path)
    names = set()
    for text in blocks + spans:
        names.update(match.group(0) for match in _DOTTED.finditer(text))
        imported = _FROM_IMPORT.match(text)
        if imported:
            for part in imported.group(2).split(","):
                name = part.split(" as ")[0].strip()
                if name:
                    names.add(f"{imported.group(1)}.{name}")
    return names


def _resolve(name: str) -> str | None:
    """None if ``name`` imports (longest module prefix, then attributes), else why not."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                continue  # no such module: try a shorter prefix, the rest are attributes
            return f"importing {module_name} fails: {exc}"
        except Exception as exc:  # noqa: BLE001 - reported with the name
            return f"importing {module_name} fails: {type(exc).__name__}: {exc}"
        for depth, attribute in enumerate(parts[cut:], start=cut):
            try:
                obj = getattr(obj, attribute)
            except AttributeError:
                return f"{'.'.join(parts[:depth])} has no attribute {attribute!r}"
            except Exception as exc:  # noqa: BLE001
                return f"{'.'.join(parts[:depth + 1])}: {type(exc).__name__}: {exc}"
        return None
    return "not importable"


def test_guides_quote_real_names():
    """Every ``tfstyle.X[.Y]`` the guides quote in code imports: module paths and public names are real."""
    unresolved = []
    for path in _guides():
        for name in sorted(_quoted_names(path)):
            why = _resolve(name)
            if why:
                unresolved.append(f"{path.relative_to(REPO)}: {name} ({why})")
    assert not unresolved, "names in the docs that the code does not have:\n" + "\n".join(unresolved)


def test_guides_quote_real_files():
    """Every ``tfstyle/...`` file path the guides quote exists, and every relative link lands on a file."""
    missing = []
    for path in _guides():
        blocks, spans, prose = _code(path)
        for text in blocks + spans:
            for match in _PATH.finditer(text):
                quoted = match.group(0).rstrip(".,:;")
                if not any(char in quoted for char in "<>*{}") and not (REPO / quoted).exists():
                    missing.append(f"{path.relative_to(REPO)}: {quoted}")
        for match in _LINK.finditer(prose):
            target = match.group(1).split("#")[0]
            if target and "://" not in target and not target.startswith("mailto:"):
                if not (path.parent / target).exists():
                    missing.append(f"{path.relative_to(REPO)}: link {match.group(1)}")
    assert not missing, "paths in the docs that do not exist:\n" + "\n".join(missing)


def _commands(path: pathlib.Path) -> list[str]:
    """``tfstyle ...`` command lines quoted in ``path``: code-block lines (with their continuation
    lines: the indented lines under a command, e.g. after a trailing backslash) and inline spans."""
    blocks, spans, _ = _code(path)
    commands = [span for span in spans if span.startswith("tfstyle ")]
    current = False
    for line in blocks:
        stripped = re.sub(r"(^|\s)#(\s.*)?$", "", line).strip().removeprefix("$ ").removesuffix("\\").strip()
        if stripped.startswith("tfstyle "):
            commands.append(stripped)
            current = True
        elif current and line[:1].isspace() and stripped:
            commands[-1] += " " + stripped
        else:
            current = False
    return commands


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return {name: sub for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name, sub in action.choices.items()}


def _command_parsers(root: argparse.ArgumentParser, words: list[str]) -> dict[str, argparse.ArgumentParser]:
    """The (sub-)parsers that ``tfstyle WORDS...`` reaches, by name ('tfstyle train johnson'); a
    placeholder in capitals ('tfstyle train FAMILY') stands for every sub-command there."""
    parsers = {"tfstyle": root}
    for word in words:
        choices = {name: _subparsers(parser) for name, parser in parsers.items()}
        if not all(choices.values()) or word.startswith(("-", "[", "(")):
            break
        if word.isupper():
            parsers = {f"{name} {sub}": parser for name, subs in choices.items() for sub, parser in subs.items()}
            continue
        for name, subs in choices.items():
            if word not in subs:
                raise KeyError(f"'{name}' has no command {word!r} (it has: {', '.join(subs)})")
        parsers = {f"{name} {word}": choices[name][word] for name in parsers}
    return parsers


def test_guides_quote_real_flags():
    """Every ``--flag`` of a quoted ``tfstyle <command>`` line is an option of that command's parser."""
    from tfstyle.cli import build_parser

    root = build_parser()
    wrong = []
    for path in _guides():
        for command in _commands(path):
            try:
                parsers = _command_parsers(root, command.split()[1:])
            except KeyError as exc:
                wrong.append(f"{path.relative_to(REPO)}: {command!r}: {exc.args[0]}")
                continue
            for name, parser in parsers.items():
                options = {option for action in parser._actions for option in action.option_strings}
                wrong += [f"{path.relative_to(REPO)}: {command!r}: '{name}' has no option {flag}"
                          for flag in _FLAG.findall(command) if flag not in options]
    assert not wrong, "command lines in the docs that the CLI does not take:\n" + "\n".join(wrong)


def test_cli_parser_needs_no_tensorflow():
    """The flag check above builds the real parser; building it imports neither TensorFlow nor Keras."""
    code = ("import sys; from tfstyle.cli import build_parser; build_parser(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras', 'numpy'}))")
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    assert done.stdout.strip() == "[]", done.stdout


def test_readme_has_the_ci_test_command():
    """.ci/run runs README's test command verbatim: they stay the same line."""
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = 'pip install -e ".[test]" && python -m pytest'
    assert command in ci.splitlines() and command in readme.splitlines()
    assert ("pip install -e . && tfstyle stylize ../shared/data/content/photos/content_corgi.jpg --style wave "
            "-o stylized.jpg") in readme.splitlines()
