"""JavaScript emitter: the planned statements of a model as a browser-ready simulator.

Input is what every emitter takes (:func:`cycle.engine.generate.planned`: PySD's parser,
the builder's target-neutral expression trees, the plan), rendered by :class:`JSRenderer`
in the plan's order, each statement under its Vensim equation and units as comments. The
loop follows the skeleton of :mod:`cycle.engine.emit_numba`: one member at a time, in
scalar code.

The generated script defines ``window.CycleModel`` (or ``globalThis.CycleModel``)::

    CONSTANTS  Vensim names of the constants, the order of the parameter vector
    DEFAULTS   their .mdl values (Float64Array)
    OUTPUTS    Vensim names of every non-constant variable (element)
    simulate(C, sel) -> {times: Float64Array, values: [Float64Array, ...]}
        one run with constants C (Float64Array in CONSTANTS order); values of the outputs
        whose indices are in `sel` (Int32Array; all if omitted), at the saved times.

Time follows PySD exactly (Euler steps of TIME STEP from INITIAL TIME; saved every SAVEPER,
with PySD's tolerance and rounding of saved times: :func:`cycle.engine.runner._schedule`).
"""

from __future__ import annotations

import json

from cycle.engine.ir import ModelIR, Statement
from cycle.engine.plan import Plan
from cycle.engine.tree import HELPER_CALLS, TIME, TIME_STEP, Renderer

__all__ = ["JSRenderer", "emit_js", "JS_HELPERS", "EMITTER_VERSION"]

EMITTER_VERSION = "emit_js 3"

JS_HELPERS = r"""
const _SMALL = 1e-6;  // what Vensim (and PySD) treat as zero
function _zidz(a, b) { return Math.abs(b) < _SMALL ? 0 : a / b; }
function _xidz(a, b, x) { return Math.abs(b) < _SMALL ? x : a / b; }
function _pow(b, e) {  // NumPy's fast paths for a power with a scalar exponent
  if (e === 1) return b;
  if (e === 2) return b * b;
  if (e === 0.5) return Math.sqrt(b);
  if (e === 0) return 1;
  if (e === -1) return 1 / b;
  return Math.pow(b, e);
}
function _integer(x) { return Number.isFinite(x) ? Math.trunc(x) + 0 : x; }  // int(x): no -0
function _quantum(a, b) { return b < _SMALL ? a : b * _integer(a / b); }
function _modulo(x, m) { return x - _quantum(x, m); }
function _step(time, dt, value, tstep) { return (time + dt / 2 > tstep) ? value : 0; }
function _ramp(time, slope, start, finish) {
  return (time + _SMALL > start) ? slope * (Math.min(finish, time) - start) : 0;
}
function _pulse(time, start, width) { return (start - _SMALL <= time && time < start + width) ? 1 : 0; }
function _pymod(a, b) { let r = a % b; if (r !== 0 && ((b < 0) !== (r < 0))) r += b; return r; }
function _pulse_train(time, start, repeat, width, end) {
  if (repeat === 0) return (start - _SMALL <= time && time < start + width) ? 1 : 0;
  return (start <= time && time < end && _pymod(time - start + _SMALL, repeat) < width) ? 1 : 0;
}
function _delay_order(order, dt, delayTime, fixed) {  // PySD's order (DELAY FIXED: pipe length)
  if (fixed) { const v = Math.max(delayTime / dt, 1) + _SMALL, r = Math.round(v);
    return (Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0) ? r - 1 : r; }
  let k = Math.trunc(order);
  while (k * dt > delayTime) k -= 1;
  return k;
}
function _check_order(order, top) {
  if (order !== Math.trunc(order) || order < 1 || order > top) {
    throw new Error("a delay/smooth order is not an integer within the stages planned " +
      "for the model's defaults");
  }
  return order;
}
function _searchsorted(xs, x, right) {  // numpy.searchsorted
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (right ? xs[mid] <= x : xs[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}
function _lookup(x, xs, ys, kind) {  // graphical functions as cycle.engine.emit_numba
  const n = xs.length;
  if (kind === "hold_backward") return ys[Math.min(Math.max(_searchsorted(xs, x, true) - 1, 0), n - 1)];
  if (kind === "look_forward") return ys[Math.min(Math.max(_searchsorted(xs, x, false), 0), n - 1)];
  if (kind === "raw") {
    const i = Math.min(_searchsorted(xs, x, false), n - 1);
    return xs[i] === x ? ys[i] : NaN;
  }
  if (kind === "extrapolate" && n > 1 && x < xs[0]) {
    return ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0]);
  }
  if (kind === "extrapolate" && n > 1 && x > xs[n - 1]) {
    return ys[n - 1] + (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2]) * (x - xs[n - 1]);
  }
  if (Number.isNaN(x)) return NaN;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  const i = _searchsorted(xs, x, true) - 1;  // xs[i] <= x < xs[i + 1], as numpy.interp
  return (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) * (x - xs[i]) + ys[i];
}
function _round(t, d) {  // numpy.round(t, d): rint(t * 10**d) / 10**d
  const f = 10 ** d, y = t * f; let r = Math.round(y);
  if (Math.abs(y - Math.trunc(y)) === 0.5 && r % 2 !== 0) r -= 1;
  return r / f;
}
function _schedule(initial, final, dt, saveper) {  // cycle.engine.runner._schedule (PySD's Time)
  const prec = dt * 1e-5, times = [], saves = [];
  let t = initial;
  while (t + dt * 1e-5 < final) { times.push(t); t = t + dt; }
  times.push(t);
  for (const u of times) {
    const delay = u - initial;
    saves.push(_pymod(delay, saveper) < prec || _pymod(-delay, saveper) < prec);
  }
  const d = -Math.trunc(Math.log10(dt * 1e-5));
  const saved = [];
  times.forEach((u, k) => { if (saves[k]) saved.push(_round(u, d)); });
  return { times: times, saves: saves, saved: Float64Array.from(saved) };
}
"""


_CALLS = {
    "abs": "Math.abs({0})", "min": "Math.min({0}, {1})", "max": "Math.max({0}, {1})",
    "exp": "Math.exp({0})", "ln": "Math.log({0})", "log": "(Math.log({0}) / Math.log({1}))",
    "sqrt": "Math.sqrt({0})", "power": "_pow({0}, {1})", "sin": "Math.sin({0})",
    "cos": "Math.cos({0})", "tan": "Math.tan({0})", "arcsin": "Math.asin({0})",
    "arccos": "Math.acos({0})", "arctan": "Math.atan({0})", "sinh": "Math.sinh({0})",
    "cosh": "Math.cosh({0})", "tanh": "Math.tanh({0})",
    "if_then_else": "(({0}) ? ({1}) : ({2}))", **HELPER_CALLS,
}


class JSRenderer(Renderer):
    """Trees as scalar JavaScript (comparisons and logic give 1/0, as in the reference)."""

    binary = {
        "+": "{0} + {1}", "-": "{0} - {1}", "*": "{0} * {1}", "/": "{0} / {1}",
        "^": "_pow({0}, {1})", "=": "(({0} === {1}) ? 1 : 0)", "<>": "(({0} !== {1}) ? 1 : 0)",
        "<": "(({0} < {1}) ? 1 : 0)", "<=": "(({0} <= {1}) ? 1 : 0)",
        ">": "(({0} > {1}) ? 1 : 0)", ">=": "(({0} >= {1}) ? 1 : 0)",
        "and": "(({0} && {1}) ? 1 : 0)", "or": "(({0} || {1}) ? 1 : 0)",
    }
    unary = {"neg": "-{0}", "not": "({0} ? 0 : 1)"}
    select_branch = "(({k} === {i}) ? {then} : {otherwise})"
    state_updates = {
        "euler": ("{x} = {x} + {d} * {dt};",),
        "non_negative": ("{x} = Math.max({x} + {d} * {dt}, 0);",), "discrete": ("{x} = {d};",),
        "ring": ("_pipe_{x}[_ptr_{x}] = {d};", "_ptr_{x} = (_ptr_{x} + 1) % _ord_{x};",
                 "{x} = _pipe_{x}[_ptr_{x}];"),
    }

    def __init__(self, lookups: dict) -> None:
        self.lookups = lookups

    def number(self, value: float) -> str:
        return _js_number(value)

    def call(self, fn: str, args: list[str]) -> str:
        if fn == "select":
            return self.select_chain(args)
        return _CALLS[fn].format(*args)

    def lookup(self, table: str, arg: str) -> str:
        kind = self.lookups[table][2]
        return f"_lookup({arg}, {table}_x, {table}_y, {json.dumps(kind)})"


def _js_number(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


def _comment(stmt: Statement, indent: str) -> list[str]:
    return [f"{indent}// {line}" for line in stmt.comment]


def emit_js(ir: ModelIR, steps: Plan, *, header: list[str] | None = None, generator: str = "") -> str:
    """Source of the JavaScript simulator of a planned model (see the module docstring)."""
    render = JSRenderer(ir.lookups)
    consts = [(name, ir.idents[name]) for name in ir.constants]
    recorded = [ident for _, ident in steps.dynamic]
    statics = [ident for _, ident in steps.static]
    outputs = [name for name, _ in steps.dynamic] + [name for name, _ in steps.static]
    declared = {ident for _, ident in consts} | {TIME, TIME_STEP}
    lets: list[str] = []

    def declare(ident: str) -> None:
        if ident not in declared:
            declared.add(ident)
            lets.append(ident)

    def assign(stmt: Statement, indent: str, expr=None) -> list[str]:
        declare(stmt.target)
        text = render(stmt.expr if expr is None else expr)
        return [*_comment(stmt, indent), f"{indent}{stmt.target} = {text};"]

    body: list[str] = ["  // ---- time settings (model time unit)"]
    for stmt in steps.control:
        body += assign(stmt, "  ")
    ctl = {key: ir.control[key].target for key in ("initial_time", "final_time", "time_step", "saveper")}
    body += [f"  const _sch = _schedule({ctl['initial_time']}, {ctl['final_time']}, "
             f"{ctl['time_step']}, {ctl['saveper']});",
             f"  const {TIME_STEP} = {ctl['time_step']};",
             f"  let {TIME} = _sch.times[0];",
             "  const _nsave = _sch.saved.length, _sel = sel || _ALL;",
             "  const _out = Array.from(_sel, () => new Float64Array(_nsave));",
             f"  const _rec = new Float64Array({max(1, len(recorded))});",
             "", "  // ---- initialisation at INITIAL TIME, in dependency order"]
    for stmt in steps.init:
        body += assign(stmt, "  ", stmt.init_expr)
    for st in steps.updates:
        if st.mode == "ring":
            x = st.ident
            body += [f"  // {st.name}: {st.construct} pipe of {st.order} time steps",
                     f"  const _ord_{x} = Math.trunc({st.order});",
                     f"  const _pipe_{x} = new Float64Array(_ord_{x}).fill({x});",
                     f"  let _ptr_{x} = 0;"]
    for stmt in steps.per_step + steps.save_only:
        declare(stmt.target)
    for st in steps.updates:
        declare(st.update.target)
        declare(st.ident)
    body += ["", "  const _last = _sch.times.length - 1;", "  let _s = 0;",
             "  for (let _k = 0; _k <= _last; _k++) {",
             f"    {TIME} = _sch.times[_k];",
             "    // ---- auxiliaries the state updates need at every step"]
    for stmt in steps.per_step:
        body += assign(stmt, "    ")
    body += ["    if (_sch.saves[_k]) {", "      // ---- auxiliaries only needed at saved times"]
    for stmt in steps.save_only:
        body += assign(stmt, "      ")
    body += ["      // ---- record"]
    body += [f"      _rec[{j}] = {ident};" for j, ident in enumerate(recorded)]
    body += [f"      for (let _j = 0; _j < _sel.length; _j++) {{ const _i = _sel[_j]; "
             f"if (_i < {len(recorded)}) _out[_j][_s] = _rec[_i]; }}",
             "      _s++;", "    }", "    if (_k === _last) break;",
             "    // ---- rates of change, all before any state changes"]
    for st in steps.updates:
        body += assign(st.update, "    ")
    for st in steps.updates:
        d, x = st.update.target, st.ident
        body.append(f"    // {st.name}: {st.construct} ({st.mode} step of TIME STEP)")
        body += render.state_update(st.mode, x, d, "    ")
    body += ["  }", "  // ---- time-invariant variables: the same at every saved time",
             f"  const _static = [{', '.join(statics)}];",
             f"  for (let _j = 0; _j < _sel.length; _j++) {{ const _i = _sel[_j]; "
             f"if (_i >= {len(recorded)}) _out[_j].fill(_static[_i - {len(recorded)}]); }}",
             "  return { times: _sch.saved, values: _out };"]

    head = list(header or []) + ["(function (root) {", '"use strict";', JS_HELPERS]
    for ident, (xs, ys, _kind) in ir.lookups.items():
        head += [f"const {ident}_x = Float64Array.from({json.dumps(list(xs))});",
                 f"const {ident}_y = Float64Array.from({json.dumps(list(ys))});"]
    head += [
        f"const CONSTANTS = {json.dumps([n for n, _ in consts], ensure_ascii=False)};",
        f"const DEFAULTS = Float64Array.from([{', '.join(_js_number(ir.constants[n]) for n, _ in consts)}]);",
        f"const OUTPUTS = {json.dumps(outputs, ensure_ascii=False)};",
        f"const _ALL = Int32Array.from({{length: {len(outputs)}}}, (_, i) => i);",
        "",
        "function simulate(C, sel) {",
        "  // ---- constants (model units), in CONSTANTS order",
    ]
    head += [f"  const {ident} = C[{i}];  // {name}" for i, (name, ident) in enumerate(consts)]
    head += [f"  let {', '.join(lets[i:i + 8])};" for i in range(0, len(lets), 8)]
    tail = [
        "}",
        "",
        "root.CycleModel = {CONSTANTS: CONSTANTS, DEFAULTS: DEFAULTS, OUTPUTS: OUTPUTS, simulate: simulate,",
        f"  GENERATOR: {json.dumps(generator or EMITTER_VERSION)}}};",
        "})(typeof window !== 'undefined' ? window : globalThis);",
    ]
    return "\n".join(head + body + tail) + "\n"
