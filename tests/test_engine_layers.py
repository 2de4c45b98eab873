"""The engine's modules form a pipeline (parse -> build -> plan -> emitters -> generate ->
loading the compiled loops -> runner): no module imports one above it (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "cycle" / "engine"

LAYERS = [
    {"tree", "numba_helpers"},  # expression trees; the Numba kernels' helper functions
    {"ir", "parse"},
    {"build", "plan"},
    {"emit_numpy", "emit_c", "emit_js"},
    {"emit_numba"},  # renders with the NumPy emitter's call table
    {"generate", "compiled", "native"},
    {"runner"},
    {"__init__"},
]


def engine_imports(path: Path) -> set[str]:
    """Modules of cycle.engine that `path` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("cycle.engine."):
                found.add(node.module.split(".")[2])
            elif node.module == "cycle.engine":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[2] for a in node.names
                         if a.name.startswith("cycle.engine."))
    return found


def test_no_engine_module_imports_one_above_it():
    rank = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    modules = {p.stem for p in ENGINE.glob("*.py")}
    assert modules == set(rank), f"place these modules in LAYERS: {modules ^ set(rank)}"
    for path in ENGINE.glob("*.py"):
        for imported in engine_imports(path) & set(rank):
            assert rank[imported] < rank[path.stem], f"{path.stem} imports {imported}"
