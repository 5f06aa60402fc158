"""The import graph keeps its layers: no cycle, no upward import, no private name shared.

Layers, from the bottom (docs/architecture.md): a module may import from its own layer
and the layers below, never from a layer above, at module level or inside a function
(``if TYPE_CHECKING:`` blocks excepted).  Model objects reach output modules only
through the documented hook, ``corridor_geo._hooks``, which imports by name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "corridor_geo"

LAYERS: dict[str, int] = {
    # 0 base
    "_errors": 0,
    "_version": 0,
    "_gcj": 0,
    "_html": 0,
    "_cache": 0,
    "_compat": 0,
    "_hooks": 0,
    "_atomic": 0,
    "_linref": 0,
    "_show_versions": 0,
    "official": 0,
    "datasets": 0,
    "crs": 0,
    "_metric": 0,
    "_text": 0,
    # 1 model: the layout and the one reader
    "layout": 1,
    "_validate": 1,
    "_points": 1,
    "_readers": 1,
    "_synthetic": 1,
    "_partition": 1,
    "_boundary": 1,
    "resources": 1,
    # 2 engines
    "zones": 2,
    "axis": 2,
    "_graph": 2,
    "network": 2,
    "metro": 2,
    "raster": 2,
    # 3 analyses
    "indicators": 3,
    "population": 3,
    "density": 3,
    "coverage": 3,
    "access": 3,
    "_routing": 3,
    "measures": 3,
    "scale": 3,
    "online": 3,
    "transit": 3,
    "monitoring": 3,
    "scenarios": 3,
    "spillover": 3,
    # 4 outputs
    "maps": 4,
    "plotting": 4,
    "io": 4,
    "report": 4,
    "qgis": 4,
    "_styles": 4,
    "_qgis": 4,
    "_outdir": 4,
    "_pages": 4,
    # 5 interface
    "cli": 5,
}


def _modules() -> dict[str, Path]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = list(f.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


MODULES = _modules()


def _layer(module: str) -> int | None:
    """Layer of a module: its own entry, else its top-level package's (or private twin's)."""
    if module in LAYERS:
        return LAYERS[module]
    top = module.split(".")[0]
    if top in LAYERS:
        return LAYERS[top]
    return LAYERS.get(top.lstrip("_"))


def _imports(module: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(target module, imported names, line) of every import of the package's modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(child) for child in ast.walk(node))
    is_pkg = path.name == "__init__.py"
    base = module.split(".") if module else []
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base if is_pkg else base[:-1]
                if node.level > 1:
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                target = ".".join(anchor + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("corridor_geo"):
                target = node.module[len("corridor_geo") :].lstrip(".")
            else:
                continue
            names = [a.name for a in node.names]
            # ``from . import x`` / ``from .pkg import sub`` name modules themselves.
            subs = [f"{target}.{n}".strip(".") for n in names]
            if all(s in MODULES for s in subs):
                found.extend((s, [], node.lineno) for s in subs)
            else:
                found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("corridor_geo"):
                    found.append((a.name[len("corridor_geo") :].lstrip("."), [], node.lineno))
    return found


def test_every_module_has_a_layer():
    missing = sorted(m for m in MODULES if m and _layer(m) is None)
    assert not missing, f"add these modules to LAYERS (and docs/architecture.md): {missing}"


def test_no_upward_import():
    upward = []
    for module, path in MODULES.items():
        if not module:
            continue  # the package's lazy __init__
        mine = _layer(module)
        for target, _names, line in _imports(module, path):
            theirs = _layer(target) if target else None
            if theirs is not None and mine is not None and theirs > mine:
                upward.append(f"{module} (layer {mine}) -> {target} (layer {theirs}), line {line}")
    assert not upward, "\n".join(upward)


def test_no_private_name_crosses_a_module_boundary():
    crossing = []
    for module, path in MODULES.items():
        for target, names, line in _imports(module, path):
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            if private and target != module:
                crossing.append(f"{module} imports {private} from {target}, line {line}")
    assert not crossing, "\n".join(crossing)


def test_no_import_cycle():
    graph: dict[str, set[str]] = {m: set() for m in MODULES if m}
    for module, path in MODULES.items():
        if not module:
            continue
        for target, _names, _line in _imports(module, path):
            if target in graph and target != module:
                graph[module].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from .maps import esc\n", [("maps", ["esc"])]),
        ("def f():\n    from ..io import write_layers\n", [("io", ["write_layers"])]),
    ],
)
def test_the_walker_sees_function_level_imports(tmp_path, source, expected):
    """The checks above would pass vacuously if the walker missed imports: it does not."""
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    module = "network.mod" if source.startswith("def") else "layout"
    got = [(t, n) for t, n, _ in _imports(module, path)]
    assert got == expected
