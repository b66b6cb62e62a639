"""The import rule of ARCHITECTURE.md: imports run down the layers, and there are no cycles."""
from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "tfstyle"

#: ARCHITECTURE.md's table: module (or package, covering every module under it) -> layer. The longest
#: matching name wins, so a topic package may hold modules of several layers (``tfstyle.training.data``: 2,
#: the rest of ``tfstyle.training``: 4).
LAYERS = {
    **dict.fromkeys(("errors", "interrupts", "atomic", "options", "image", "weights.registry", "runtime.litert", "runtime.protocols", "runtime.tiling", "devtools",
                     "perceptual.vgg", "perceptual.losses", "models.layers"), 0),
    "models": 1,
    **dict.fromkeys(("weights", "runtime", "perceptual", "perceptual.loss", "training.data", "training.trainer",
                     "video.temporal"), 2),
    **dict.fromkeys(("methods", "perceptual.metrics"), 3),
    **dict.fromkeys(("training", "export", "video", "beam"), 4),
    **dict.fromkeys(("cli", "__main__"), 5),
}


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    """The layer of ``tfstyle.x.y`` (by its first component), ``None`` for the package itself."""
    parts = module.split(".")
    if parts[0] != "tfstyle" or len(parts) == 1:
        return None
    for end in range(len(parts), 1, -1):
        if ".".join(parts[1:end]) in LAYERS:
            return LAYERS[".".join(parts[1:end])]
    raise AssertionError(f"{module} is in no layer: add it to ARCHITECTURE.md and LAYERS")


def _imports(path: pathlib.Path, name: str | None = None) -> set[str]:
    """Every tfstyle module ``path`` (module ``name``) imports, at module level or inside functions."""
    found = set()
    name = name or _module_name(path)
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # "from tfstyle.image import color" imports the module tfstyle.image.color
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "tfstyle" or m.startswith("tfstyle.")}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        graph[name] = {m if m in modules else m.rsplit(".", 1)[0] for m in _imports(path)} - {name}
    return graph


GRAPH = _graph()


def test_every_module_has_a_layer():
    for module in GRAPH:
        if module != "tfstyle":
            assert _layer(module) is not None


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m != "tfstyle"))
def test_imports_run_down_the_layers(module):
    upward = [(target, _layer(target)) for target in sorted(GRAPH[module])
              if target != "tfstyle" and _layer(target) > _layer(module)]
    assert not upward, f"{module} (layer {_layer(module)}) imports upward: {upward}"


def test_no_import_cycles():
    """Tarjan's strongly connected components over module-level and function-level imports."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH.get(node, ()):
            if target == "tfstyle" or target not in GRAPH:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            # A package and its own submodules (tfstyle.models -> tfstyle.models.ghiasi) are one unit.
            roots = {".".join(m.split(".")[:2]) for m in component}
            if len(component) > 1 and not (len(roots) == 1 and any(m in roots for m in component)):
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def test_the_reader_sees_lazy_and_relative_imports(tmp_path):
    source = tmp_path / "fast.py"
    source.write_text("from ..image.io import load_image\n\ndef f():\n    from tfstyle.cli import main\n"
                      "    from tfstyle.image import color\n")
    found = _imports(source, "tfstyle.methods.fast")
    assert {"tfstyle.image.io", "tfstyle.cli", "tfstyle.image.color"} <= found
    assert any(_layer(m) > _layer("tfstyle.methods.fast") for m in found if m != "tfstyle")  # the cli import would be refused
