"""Assemble, cache and load the generated simulator module.

The module generated for a ``.mdl`` file is plain Python: a header naming the
source file, its sha256 and the PySD version whose parser produced it; the
NumPy helpers; a ``MODEL`` metadata dictionary; ``control(C, ov)`` (the time
settings) and ``simulate(...)`` (initialisation and the Euler loop).  Each
statement is preceded by the original Vensim equation and its units.

Generated sources are cached under ``$CYCLE_CACHE_DIR/engine`` (default
``~/.cache/cycle/engine``), keyed by the sha256 of the ``.mdl`` file, the
PySD version and a hash of this generator's own source files.
"""

from __future__ import annotations

import hashlib
import os
import pprint
import tempfile
from pathlib import Path

import pysd

from cycle.engine.equation import CONTROL_NAMES, ModelIR, Plan, Statement, build_ir, plan
from cycle.engine.expr import HELPERS_SOURCE, TIME, TIME_STEP
from cycle.resources import cache_root, file_sha256

__all__ = [
    "cache_dir",
    "file_sha256",
    "generate_source",
    "generator_id",
    "load_module",
    "model_source",
    "parse_mdl",
]

_GENERATOR_FILES = ("expr.py", "equation.py", "module.py", "kernel.py")


def generator_id() -> str:
    """Short hash of the code generator's source (invalidates stale caches)."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _GENERATOR_FILES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:12]


def cache_dir() -> Path:
    """Directory of cached generated modules (``$CYCLE_CACHE_DIR/engine``)."""
    return cache_root() / "engine"


def parse_mdl(path: Path) -> tuple[ModelIR, Plan]:
    """Parse a Vensim file with PySD's translator and plan its evaluation.

    Parameters
    ----------
    path : Path
        The ``.mdl`` file.

    Returns
    -------
    (ModelIR, Plan)
    """
    from pysd.translators.vensim.vensim_file import VensimFile

    vensim = VensimFile(Path(path))
    vensim.parse()
    equations: dict[str, str] = {}
    for section in vensim.sections[:1]:
        for component in section.components:
            equations.setdefault(component.name, component.expression)
    ir = build_ir(vensim.get_abstract_model(), equations)
    return ir, plan(ir)


def _comment(stmt: Statement, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in stmt.comment]


def _assign(stmt: Statement, indent: str) -> list[str]:
    return [*_comment(stmt, indent), f"{indent}{stmt.target} = {stmt.code}"]


def _metadata(ir: ModelIR, steps: Plan) -> dict:
    return {
        "constants": ir.constants,
        "idents": ir.idents,
        "stocks": ir.stocks,
        "variables": ir.variables,
        "units": ir.units,
        "limits": ir.limits,
        "control": {key: stmt.name for key, stmt in ir.control.items()},
        "structural": ir.structural,
        "dynamic": [name for name, _ in steps.dynamic],
        "static": [name for name, _ in steps.static],
        "save_only": [stmt.target for stmt in steps.save_only],
        "save_deps": steps.save_deps,
    }


def _control_function(ir: ModelIR, steps: Plan) -> list[str]:
    lines = [
        "def control(C, ov):",
        '    """Time settings (model time unit): model defaults, overridden by ``ov``."""',
    ]
    used = set().union(*(stmt.deps for stmt in steps.control))
    for name, ident in ir.idents.items():
        if name in ir.constants and ident in used:
            lines.append(f"    {ident} = _scalar(C[{ident!r}], {name!r})")
    keys = {stmt.target: key for key, stmt in ir.control.items()}
    for stmt in steps.control:
        key = keys[stmt.target]
        lines += _comment(stmt, "    ")
        lines.append(f"    {stmt.target} = float(ov[{key!r}]) if {key!r} in ov else "
                     f"_scalar({stmt.code}, {stmt.name!r})")
    body = ", ".join(f"{key!r}: {ir.control[key].target}" for key in CONTROL_NAMES)
    lines.append(f"    return {{{body}}}")
    return lines


def setup_lines(ir: ModelIR, steps: Plan) -> list[str]:
    """Body lines shared by ``simulate`` and the compiled loop's ``prepare``: the constants,
    the time settings, and the initialisation at INITIAL TIME in dependency order."""
    lines = [f"    {ident} = C[{ident!r}]" for name, ident in ir.idents.items()
             if name in ir.constants]
    lines += [f"    {ir.control[key].target} = ctl[{key!r}]" for key in CONTROL_NAMES]
    lines += [f"    {TIME_STEP} = ctl['time_step']", f"    {TIME} = times[0]", "",
              "    # ---- initialisation at INITIAL TIME, in dependency order"]
    for stmt in steps.init:
        lines += _assign(stmt, "    ")
    return lines


def _simulate_function(ir: ModelIR, steps: Plan) -> list[str]:
    lines = [
        "def simulate(C, ctl, times, saves, need, sel, out):",
        '    """Run the model for every member of the batch at once.',
        "",
        "    C: constant identifier -> float or array (n,); ctl: time settings;",
        "    times: model times of every Euler step; saves: which of them are saved;",
        "    need: which save-only statements to evaluate; sel: (row of out, index in the",
        "    record of dynamic variables) pairs; out: array (rows, len(saved times), n).",
        "    Returns the time-invariant auxiliaries by Vensim name.",
        '    """',
    ]
    lines += setup_lines(ir, steps)
    recorded = [ident for _, ident in steps.dynamic]
    save_only = {stmt.target for stmt in steps.save_only}
    for ident in recorded:
        if ident in save_only:
            lines.append(f"    {ident} = None")
    lines += [
        "",
        "    _last = len(times) - 1",
        "    _s = 0",
        "    for _k in range(_last + 1):",
        f"        {TIME} = times[_k]",
        "        # ---- auxiliaries the state updates need at every step",
    ]
    for stmt in steps.per_step:
        lines += _assign(stmt, "        ")
    lines += ["        if saves[_k]:", "            # ---- auxiliaries only needed at saved times"]
    for k, stmt in enumerate(steps.save_only):
        lines.append(f"            if need[{k}]:")
        lines += _assign(stmt, "                ")
    lines += [
        f"            _rec = ({', '.join(recorded)}{',' if len(recorded) == 1 else ''})",
        "            for _j, _i in sel:",
        "                out[_j, _s] = _rec[_i]",
        "            _s += 1",
        "        if _k == _last:",
        "            break",
        "        # ---- rates of change (Euler: state += TIME STEP * rate)",
    ]
    updated = [state for state in ir.states if state.update is not None]
    for state in updated:
        lines += _assign(state.update, "        ")
    for state in updated:
        d = state.update.target
        if state.mode == "discrete":
            lines.append(f"        {state.ident} = {d}")
        elif state.mode == "non_negative":
            lines.append(f"        {state.ident} = np.maximum({state.ident} + {d}*{TIME_STEP}, 0)")
        else:
            lines.append(f"        {state.ident} = {state.ident} + {d}*{TIME_STEP}")
    statics = ", ".join(f"{name!r}: {ident}" for name, ident in steps.static)
    lines.append(f"    return {{{statics}}}")
    return lines


def generate_source(path: Path, *, sha256: str | None = None) -> str:
    """Generate the simulator module for a Vensim file.

    Parameters
    ----------
    path : Path
        The ``.mdl`` file.
    sha256 : str, optional
        Its sha256 (computed if not given).

    Returns
    -------
    str
        Python source of the module.

    Raises
    ------
    UnsupportedConstruct
        If the model uses a construct the engine cannot translate.
    """
    path = Path(path)
    ir, steps = parse_mdl(path)
    lines = [
        "# Generated by cycle.engine from a Vensim model; do not edit.",
        f"# source: {path.name}",
        f"# source sha256: {sha256 or file_sha256(path)}",
        f"# pysd version: {pysd.__version__}",
        f"# generator: {generator_id()}",
        f'"""Vectorised simulator of {path.name}; every value is an array over runs."""',
        "",
        "import numpy as np",
        "",
        "nan = float('nan')",
        "inf = float('inf')",
        HELPERS_SOURCE,
        "",
        "MODEL = " + pprint.pformat(_metadata(ir, steps), width=100, sort_dicts=False),
        "",
    ]
    for ident, (xs, ys, kind) in ir.lookups.items():
        lines.append(f"{ident} = (np.array({list(xs)!r}), np.array({list(ys)!r}), {kind!r})")
    lines += ["", ""] + _control_function(ir, steps) + ["", ""] + _simulate_function(ir, steps)
    # the same statements once more: initialisation for the compiled per-member loop, and
    # that loop's module source (None when the loop needs more than the kernel supports)
    from cycle.engine.expr import power_as_call
    from cycle.engine.kernel import kernel_source, prepare_source

    with power_as_call():
        ir_k, steps_k = parse_mdl(path)
    kernel = kernel_source(ir_k, steps_k, source=path.name, sha=sha256 or file_sha256(path))
    lines += ["", ""] + prepare_source(ir, steps) + ["", "", f"KERNEL_SOURCE = {kernel!r}"]
    return "\n".join(lines) + "\n"


def load_module(source: str, filename: str) -> dict:
    """Compile and execute a generated module; return its namespace."""
    namespace: dict = {"__name__": "cycle_engine_generated", "__file__": filename}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - generated by us
    return namespace


def model_source(path: Path, *, cache: Path | None = None, use_cache: bool = True
                 ) -> tuple[str, str, Path | None]:
    """Generated source for ``path``, from the cache when possible.

    Parameters
    ----------
    path : Path
        The ``.mdl`` file.
    cache : Path, optional
        Cache directory (default :func:`cache_dir`).
    use_cache : bool
        Read and write the cache.

    Returns
    -------
    (source, sha256, cached_file)
        ``cached_file`` is None when the cache is not used.
    """
    path = Path(path)
    sha256 = file_sha256(path)
    if not use_cache:
        return generate_source(path, sha256=sha256), sha256, None
    directory = Path(cache) if cache is not None else cache_dir()
    target = directory / f"{path.stem}-{sha256[:16]}-pysd{pysd.__version__}-{generator_id()}.py"
    if target.is_file():
        source = target.read_text(encoding="utf-8")
        if f"# source sha256: {sha256}\n" in source:
            return source, sha256, target
    source = generate_source(path, sha256=sha256)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".py")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(source)
    os.replace(tmp, target)
    return source, sha256, target
