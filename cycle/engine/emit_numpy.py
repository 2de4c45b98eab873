"""NumPy emitter: the planned statements as a Python module over arrays of runs.

Every value is a float or an array of shape ``(n,)`` (one entry per run); each statement
runs once per time step for the whole batch.  The module defines ``MODEL`` (metadata),
``control(C, ov)`` (time settings) and ``simulate(C, ctl, times, saves, need, sel, out)``.
"""

from __future__ import annotations

import pprint

from cycle.engine.ir import ModelIR
from cycle.engine.plan import Plan
from cycle.engine.tree import HELPER_CALLS, TIME, TIME_STEP, Renderer

__all__ = ["HELPERS_SOURCE", "NumpyRenderer", "emit_numpy", "metadata"]

#: CONTROL keys in the order they are reported
CONTROL_NAMES = ("initial_time", "final_time", "time_step", "saveper")

#: NumPy versions of ``pysd.py_backend.functions`` (and of the neutral helpers of
#: :data:`cycle.engine.tree.FUNCTIONS`), pasted into every generated module.
HELPERS_SOURCE = '''
_SMALL = 1e-6  # what Vensim (and PySD) treat as zero


def _if_then_else(condition, if_true, if_false):
    """IF THEN ELSE; both branches are already evaluated."""
    if np.ndim(condition) == 0:
        return if_true if condition else if_false
    if condition.all():  # as PySD does for arrays; np.where is slow
        return if_true
    if not condition.any():
        return if_false
    return np.where(condition, if_true, if_false)


def _zidz(numerator, denominator):
    """ZIDZ: numerator/denominator, 0 where |denominator| < 1e-6."""
    if np.ndim(denominator) == 0:
        return 0.0 if abs(denominator) < _SMALL else numerator / denominator
    out = numerator / denominator  # a new array: the denominator is one
    small = np.abs(denominator) < _SMALL
    if small.any():
        out[np.broadcast_to(small, out.shape)] = 0.0
    return out


def _xidz(numerator, denominator, x):
    """XIDZ: numerator/denominator, x where |denominator| < 1e-6."""
    if np.ndim(denominator) == 0:
        return x if abs(denominator) < _SMALL else numerator / denominator
    out = numerator / denominator  # a new array: the denominator is one
    small = np.abs(denominator) < _SMALL
    if small.any():
        out = np.where(small, x, out)
    return out


def _integer(x):
    """INTEGER: truncation towards zero (PySD's ``int(x)``: no negative zero)."""
    return np.trunc(x) + 0.0


def _quantum(a, b):
    """QUANTUM: b*INTEGER(a/b), a where b < 1e-6."""
    return np.where(b < _SMALL, a, b * _integer(a / b))


def _modulo(x, m):
    """MODULO as in PySD: x - QUANTUM(x, m)."""
    return x - _quantum(x, m)


def _step(time, dt, value, tstep):
    """STEP(value, tstep)."""
    return value * (time + dt / 2 > tstep)


def _ramp(time, slope, start, finish):
    """RAMP(slope, start, finish)."""
    return (time + _SMALL > start) * slope * (np.minimum(finish, time) - start)


def _pulse(time, start, width):
    """PULSE(start, width)."""
    return np.where((start - _SMALL <= time) & (time < start + width), 1.0, 0.0)


def _pulse_train(time, start, repeat_time, width, end):
    """PULSE TRAIN (arguments in PySD's order: start, repeat time, width, end)."""
    single = (start - _SMALL <= time) & (time < start + width)
    repeated = (start <= time) & (time < end) & (
        np.mod(time - start + _SMALL, repeat_time) < width)
    return np.where(np.equal(repeat_time, 0), single, repeated) * 1.0


def _lookup(x, xs, ys, kind):
    """Graphical function or data series: interpolate (flat beyond the ends), extrapolate,
    hold_backward, look_forward, raw (NaN off the points)."""
    if kind == "hold_backward":
        return ys[np.clip(np.searchsorted(xs, x, side="right") - 1, 0, len(xs) - 1)]
    if kind == "look_forward":
        return ys[np.clip(np.searchsorted(xs, x, side="left"), 0, len(xs) - 1)]
    if kind == "raw":
        index = np.clip(np.searchsorted(xs, x), 0, len(xs) - 1)
        return np.where(xs[index] == x, ys[index], np.nan)
    out = np.interp(x, xs, ys)
    if kind == "extrapolate" and len(xs) > 1:
        low = ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0])
        high = ys[-1] + (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]) * (x - xs[-1])
        out = np.where(x < xs[0], low, np.where(x > xs[-1], high, out))
    return out


def _delay_order(order, dt, delay_time, fixed):
    """Order of a DELAY as PySD fixes it at initialisation (per run): int(order), lowered
    while order*TIME STEP > delay time; DELAY FIXED: round(max(delay time/dt, 1) + 1e-6)."""
    if fixed:
        return np.round(np.maximum(delay_time / dt, 1) + _SMALL)
    order = np.trunc(np.broadcast_to(order, np.shape(delay_time)) * 1.0)
    while np.any(order * dt > delay_time):
        order = np.where(order * dt > delay_time, order - 1, order)
    return order


def _check_order(order, top):
    """An order fixed at initialisation must be an integer within the planned stages."""
    bad = (order != np.trunc(order)) | (order < 1) | (order > top)
    if np.any(bad):
        raise ValueError(f"delay/smooth order {np.asarray(order)[bad].flat[0]:g} is not an "
                         f"integer in 1..{top:g} (the stages planned for the model's defaults)")
    return order


def _select(k, *stages):
    """The k-th (1-based) of stages, per run."""
    if np.ndim(k) == 0:
        return stages[int(k) - 1]
    index = np.asarray(k, dtype=np.intp) - 1
    return np.choose(index, np.broadcast_arrays(*stages))


def _scalar(value, what):
    """A value that must be the same for every run in a batch (time settings)."""
    array = np.asarray(value, dtype=float)
    if array.ndim and array.size and not np.all(array == array.flat[0]):
        raise ValueError(f"{what} must be the same for every run in a batch")
    return float(array.flat[0]) if array.ndim else float(array)
'''

_CALLS = {
    "abs": "np.abs({0})", "min": "np.minimum({0}, {1})", "max": "np.maximum({0}, {1})",
    "exp": "np.exp({0})", "ln": "np.log({0})", "log": "(np.log({0})/np.log({1}))",
    "sqrt": "np.sqrt({0})", "power": "np.power({0},{1})", "sin": "np.sin({0})",
    "cos": "np.cos({0})", "tan": "np.tan({0})", "arcsin": "np.arcsin({0})",
    "arccos": "np.arccos({0})", "arctan": "np.arctan({0})", "sinh": "np.sinh({0})",
    "cosh": "np.cosh({0})", "tanh": "np.tanh({0})",
    "if_then_else": "_if_then_else({0}, {1}, {2})", **HELPER_CALLS,
}


class NumpyRenderer(Renderer):
    """Trees as NumPy expressions (arrays over runs)."""

    binary = {**Renderer.binary, "and": "np.logical_and({0}, {1})",
              "or": "np.logical_or({0}, {1})"}
    unary = {"neg": "-{0}", "not": "np.logical_not({0})"}
    state_updates = {
        "euler": ("{x} = {x} + {d}*{dt}",), "non_negative": ("{x} = np.maximum({x} + {d}*{dt}, 0)",),
        "discrete": ("{x} = {d}",),
        "ring": ("_pipe_{x}[_ptr_{x}, _cols] = {d}", "_ptr_{x} = (_ptr_{x} + 1) % _ord_{x}",
                 "{x} = _pipe_{x}[_ptr_{x}, _cols]"),
    }

    def number(self, value: float) -> str:
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "(-inf)"
        return repr(float(value))

    def call(self, fn: str, args: list[str]) -> str:
        if fn == "select":
            return f"_select({', '.join(args)})"
        return _CALLS[fn].format(*args)

    def lookup(self, table: str, arg: str) -> str:
        return f"_lookup({arg}, *{table})"


def metadata(ir: ModelIR, steps: Plan) -> dict:
    """What the runner needs to know about the model (plain data, printed into modules)."""
    return {
        "constants": ir.constants,
        "idents": ir.idents,
        "stocks": ir.stocks,
        "variables": ir.variables,
        "units": ir.units,
        "limits": ir.limits,
        "docs": ir.docs,
        "dims": ir.dims,
        "elements": ir.elements,
        "control": {key: stmt.name for key, stmt in ir.control.items()},
        "control_idents": {key: stmt.target for key, stmt in ir.control.items()},
        "dynamic": [name for name, _ in steps.dynamic],
        "static": [name for name, _ in steps.static],
        "save_only": [stmt.target for stmt in steps.save_only],
        "save_deps": steps.save_deps,
    }


def _comment(comment: tuple[str, ...], indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in comment]


def lookup_lines(ir: ModelIR) -> list[str]:
    """Module-level ``(xs, ys, kind)`` tables."""
    return [f"{ident} = (np.array({list(xs)!r}), np.array({list(ys)!r}), {kind!r})"
            for ident, (xs, ys, kind) in ir.lookups.items()]


def control_lines(ir: ModelIR, steps: Plan, render: Renderer) -> list[str]:
    """``control(C, ov)``: the time settings from the constants, overridden by ``ov``."""
    lines = ["def control(C, ov):",
             '    """Time settings (model time unit): model defaults, overridden by ``ov``."""']
    used = set().union(*(stmt.deps for stmt in steps.control))
    for name, ident in ir.idents.items():
        if name in ir.constants and ident in used:
            lines.append(f"    {ident} = _scalar(C[{ident!r}], {name!r})")
    keys = {stmt.target: key for key, stmt in ir.control.items()}
    for stmt in steps.control:
        key = keys[stmt.target]
        lines += _comment(stmt.comment, "    ")
        lines.append(f"    {stmt.target} = float(ov[{key!r}]) if {key!r} in ov else "
                     f"_scalar({render(stmt.expr)}, {stmt.name!r})")
    body = ", ".join(f"{key!r}: {ir.control[key].target}" for key in CONTROL_NAMES)
    lines.append(f"    return {{{body}}}")
    return lines


def emit_numpy(ir: ModelIR, steps: Plan, *, header: list[str] | None = None) -> str:
    """Source of the NumPy module of a planned model."""
    render = NumpyRenderer()
    lines = list(header or []) + [
        '"""Vectorised simulator; every value is a float or an array over runs."""',
        "", "import numpy as np", "", "nan = float('nan')", "inf = float('inf')",
        HELPERS_SOURCE, "",
        "MODEL = " + pprint.pformat(metadata(ir, steps), width=100, sort_dicts=False), "",
        *lookup_lines(ir), "", "",
        *control_lines(ir, steps, render), "", "",
        "def simulate(C, ctl, times, saves, need, sel, out):",
        '    """Run the model for every member of the batch at once.',
        "",
        "    C: constant identifier -> float or array (n,); ctl: time settings;",
        "    times: model times of every Euler step; saves: which of them are saved;",
        "    need: which save-only statements to evaluate; sel: (row of out, index in the",
        "    record of dynamic variables) pairs; out: array (rows, n, len(saved times)).",
        "    Returns the time-invariant variables by Vensim name.",
        '    """',
        "    _n = out.shape[1]",
    ]
    lines += [f"    {ident} = C[{ident!r}]" for name, ident in ir.idents.items()
              if name in ir.constants]
    lines += [f"    {ir.control[key].target} = ctl[{key!r}]" for key in CONTROL_NAMES]
    lines += [f"    {TIME_STEP} = ctl['time_step']", f"    {TIME} = times[0]", "",
              "    # ---- initialisation at INITIAL TIME, in dependency order"]
    for stmt in steps.init:
        lines += _comment(stmt.comment, "    ")
        lines.append(f"    {stmt.target} = {render(stmt.init_expr)}")
    rings = [st for st in steps.updates if st.mode == "ring"]
    if rings:
        lines.append("    _cols = np.arange(_n)")
    for st in rings:  # DELAY FIXED pipes: (longest pipe, n), filled with the initial value
        o = st.order
        lines += [f"    _ord_{st.ident} = np.broadcast_to({o}, (_n,)).astype(np.intp)",
                  f"    _pipe_{st.ident} = np.empty((int(_ord_{st.ident}.max()), _n))",
                  f"    _pipe_{st.ident}[:] = {st.ident}",
                  f"    _ptr_{st.ident} = np.zeros(_n, dtype=np.intp)"]
    recorded = [ident for _, ident in steps.dynamic]
    save_only = {stmt.target for stmt in steps.save_only}
    lines += [f"    {ident} = None" for ident in recorded if ident in save_only]
    lines += ["", "    _last = len(times) - 1", "    _s = 0", "    for _k in range(_last + 1):",
              f"        {TIME} = times[_k]",
              "        # ---- auxiliaries the state updates need at every step"]
    for stmt in steps.per_step:
        lines += _comment(stmt.comment, "        ")
        lines.append(f"        {stmt.target} = {render(stmt.expr)}")
    lines += ["        if saves[_k]:", "            # ---- auxiliaries only needed at saved times"]
    for k, stmt in enumerate(steps.save_only):
        lines.append(f"            if need[{k}]:")
        lines += _comment(stmt.comment, "                ")
        lines.append(f"                {stmt.target} = {render(stmt.expr)}")
    lines += [
        f"            _rec = ({', '.join(recorded)}{',' if len(recorded) == 1 else ''})",
        "            for _j, _i in sel:",
        "                out[_j, :, _s] = _rec[_i]",
        "            _s += 1",
        "        if _k == _last:",
        "            break",
        "        # ---- updates (computed from the values before any state changes)",
    ]
    for st in steps.updates:
        lines += _comment(st.update.comment, "        ")
        lines.append(f"        {st.update.target} = {render(st.update.expr)}")
    for st in steps.updates:
        lines += render.state_update(st.mode, st.ident, st.update.target, "        ")
    statics = ", ".join(f"{name!r}: {ident}" for name, ident in steps.static)
    lines.append(f"    return {{{statics}}}")
    return "\n".join(lines) + "\n"
