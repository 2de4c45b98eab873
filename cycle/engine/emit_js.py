"""JavaScript emitter: the planned statements of a model as a browser-ready simulator.

The statements are exactly those the batch engine runs (:func:`cycle.engine.module.parse_mdl`:
PySD's Vensim parser, then :func:`cycle.engine.equation.plan`), in the same order, each
preceded by its Vensim equation and units as a comment. Each statement's expression is read
as a Python expression tree (:mod:`ast`) and written out in JavaScript; a construct this
emitter does not know raises :class:`~cycle.engine.expr.UnsupportedConstruct` naming it.

The generated script defines ``window.CycleModel`` (or ``globalThis.CycleModel``)::

    CONSTANTS  Vensim names of the constants, the order of the parameter vector
    DEFAULTS   their .mdl values (Float64Array)
    OUTPUTS    Vensim names of every non-constant variable
    simulate(C, sel) -> {times: Float64Array, values: [Float64Array, ...]}
        one run with constants C (Float64Array in CONSTANTS order); values of the outputs
        whose indices are in `sel` (Int32Array; all if omitted), at the saved times.

Time follows PySD exactly (Euler steps of TIME STEP from INITIAL TIME; saved every SAVEPER,
with PySD's tolerance and rounding of saved times).
"""

from __future__ import annotations

import ast
import json
from functools import cache
from pathlib import Path

from cycle.engine.equation import CONTROL_NAMES, Statement
from cycle.engine.expr import TIME, TIME_STEP, UnsupportedConstruct
from cycle.resources import file_sha256

__all__ = ["javascript_model", "expression_to_js", "JS_HELPERS", "EMITTER_VERSION"]

EMITTER_VERSION = "emit_js 1"

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMPOPS = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "===", ast.NotEq: "!=="}
_NP_FUNCS = {
    "minimum": "Math.min", "maximum": "Math.max", "exp": "Math.exp", "log": "Math.log",
    "sqrt": "Math.sqrt", "abs": "Math.abs", "power": "Math.pow", "sin": "Math.sin",
    "cos": "Math.cos", "tan": "Math.tan", "arcsin": "Math.asin", "arccos": "Math.acos",
    "arctan": "Math.atan", "sinh": "Math.sinh", "cosh": "Math.cosh", "tanh": "Math.tanh",
    "trunc": "Math.trunc",
}
_HELPERS = {"_if_then_else", "_zidz", "_xidz", "_integer", "_quantum", "_modulo", "_step",
            "_ramp", "_pulse", "_pulse_train", "_lookup", "_pow"}

JS_HELPERS = r"""
const _SMALL = 1e-6;  // what Vensim (and PySD) treat as zero
function _zidz(a, b) { return Math.abs(b) < _SMALL ? 0 : a / b; }
function _xidz(a, b, x) { return Math.abs(b) < _SMALL ? x : a / b; }
function _integer(x) { return Math.trunc(x); }
function _quantum(a, b) { return b < _SMALL ? a : b * Math.trunc(a / b); }
function _modulo(x, m) { return x - _quantum(x, m); }
function _step(time, dt, value, tstep) { return value * ((time + dt / 2 > tstep) ? 1 : 0); }
function _ramp(time, slope, start, finish) {
  return ((time + _SMALL > start) ? 1 : 0) * slope * (Math.min(finish, time) - start);
}
function _pulse(time, start, width) { return (start - _SMALL <= time && time < start + width) ? 1 : 0; }
function _pymod(a, b) { let r = a % b; if (r !== 0 && ((b < 0) !== (r < 0))) r += b; return r; }
function _pulse_train(time, start, repeat, width, end) {
  if (repeat === 0) return (start - _SMALL <= time && time < start + width) ? 1 : 0;
  return (start <= time && time < end && _pymod(time - start + _SMALL, repeat) < width) ? 1 : 0;
}
function _lookup(x, xs, ys, kind) {
  const n = xs.length;
  if (kind === "hold_backward") {
    let i = 0; while (i + 1 < n && xs[i + 1] <= x) i++;
    return x < xs[0] ? ys[0] : ys[i];
  }
  if (x <= xs[0]) {
    if (kind === "extrapolate" && n > 1 && x < xs[0]) {
      return ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0]);
    }
    return ys[0];
  }
  if (x >= xs[n - 1]) {
    if (kind === "extrapolate" && n > 1 && x > xs[n - 1]) {
      return ys[n - 1] + (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2]) * (x - xs[n - 1]);
    }
    return ys[n - 1];
  }
  let i = 1; while (xs[i] < x) i++;
  return (ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1]) * (x - xs[i - 1]) + ys[i - 1];  // as numpy.interp
}
function _round(t, d) {  // numpy.round(t, d): rint(t * 10**d) / 10**d
  const f = 10 ** d, y = t * f; let r = Math.round(y);
  if (Math.abs(y - Math.trunc(y)) === 0.5 && r % 2 !== 0) r -= 1;
  return r / f;
}
function _schedule(initial, final, dt, saveper) {  // cycle.engine._schedule (PySD's Time)
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


def _js_number(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


class _ToJS(ast.NodeVisitor):
    """A Python expression of the engine's NumPy vocabulary, as JavaScript (fully parenthesised)."""

    def __init__(self, variable: str) -> None:
        self.variable = variable

    def fail(self, what: str):
        raise UnsupportedConstruct(f"{what} (JavaScript emitter)", self.variable)

    def visit_Expression(self, node):
        return self.visit(node.body)

    def visit_Constant(self, node):
        if isinstance(node.value, bool):
            return "1" if node.value else "0"
        if isinstance(node.value, int | float):
            return _js_number(float(node.value))
        if isinstance(node.value, str):
            return json.dumps(node.value)
        self.fail(f"constant {node.value!r}")

    def visit_Name(self, node):
        return {"nan": "NaN", "inf": "Infinity", "True": "1", "False": "0"}.get(node.id, node.id)

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "np":
            if node.attr == "nan":
                return "NaN"
            if node.attr == "pi":
                return "Math.PI"
            if node.attr == "inf":
                return "Infinity"
        self.fail(f"attribute {ast.unparse(node)}")

    def visit_BinOp(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Pow):
            return f"Math.pow({left}, {right})"
        op = _BINOPS.get(type(node.op))
        if op is None:
            self.fail(f"operator {type(node.op).__name__}")
        return f"({left} {op} {right})"

    def visit_UnaryOp(self, node):
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return f"(-{operand})"
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.Not):
            return f"(!{operand} ? 1 : 0)"
        self.fail(f"operator {type(node.op).__name__}")

    def visit_Compare(self, node):
        if len(node.ops) != 1:
            self.fail("chained comparison")
        op = _CMPOPS.get(type(node.ops[0]))
        if op is None:
            self.fail(f"comparison {type(node.ops[0]).__name__}")
        return f"(({self.visit(node.left)} {op} {self.visit(node.comparators[0])}) ? 1 : 0)"

    def visit_Call(self, node):
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):  # _lookup(x, *table): the table's three parts
                table = self.visit(a.value)
                args += [f"{table}[0]", f"{table}[1]", f"{table}[2]"]
            else:
                args.append(self.visit(a))
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "np":
            if func.attr in _NP_FUNCS:
                return f"{_NP_FUNCS[func.attr]}({', '.join(args)})"
            if func.attr == "logical_and":
                return f"((({args[0]}) && ({args[1]})) ? 1 : 0)"
            if func.attr == "logical_or":
                return f"((({args[0]}) || ({args[1]})) ? 1 : 0)"
            if func.attr == "logical_not":
                return f"(!({args[0]}) ? 1 : 0)"
            self.fail(f"function np.{func.attr}")
        if isinstance(func, ast.Name) and func.id in _HELPERS:
            if func.id == "_if_then_else":
                return f"(({args[0]}) ? ({args[1]}) : ({args[2]}))"
            if func.id == "_pow":
                return f"Math.pow({args[0]}, {args[1]})"
            return f"{func.id}({', '.join(args)})"
        self.fail(f"function {ast.unparse(func)}")

    def generic_visit(self, node):
        self.fail(f"expression {type(node).__name__}")


def expression_to_js(code: str, variable: str = "?") -> str:
    """One statement's expression (the engine's NumPy text) in JavaScript."""
    return _ToJS(variable).visit(ast.parse(code, mode="eval"))


def _comment(stmt: Statement, indent: str) -> list[str]:
    return [f"{indent}// {line}" for line in stmt.comment]


def _assign(stmt: Statement, indent: str) -> list[str]:
    js = expression_to_js(stmt.code, stmt.name or stmt.target)
    return [*_comment(stmt, indent), f"{indent}{stmt.target} = {js};"]


def generate_js(path: Path, *, sha256: str | None = None) -> str:
    """The JavaScript simulator of the Vensim file `path` (see the module docstring)."""
    import pysd

    from cycle.engine.module import generator_id, parse_mdl

    path = Path(path)
    sha256 = sha256 or file_sha256(path)
    ir, steps = parse_mdl(path)
    consts = [(name, ident) for name, ident in ir.idents.items() if name in ir.constants]
    recorded = [ident for _, ident in steps.dynamic]
    statics = [ident for _, ident in steps.static]
    outputs = [name for name, _ in steps.dynamic] + [name for name, _ in steps.static]
    declared = {ident for _, ident in consts}
    lets: list[str] = []

    def declare(ident: str) -> None:
        if ident not in declared:
            declared.add(ident)
            lets.append(ident)

    body: list[str] = ["  // ---- time settings (model time unit)"]
    keys = {stmt.target: key for key, stmt in ir.control.items()}
    for stmt in steps.control:
        declare(stmt.target)
        body += _assign(stmt, "  ")
    ctl = {key: ir.control[key].target for key in CONTROL_NAMES}
    body += [f"  const _sch = _schedule({ctl['initial_time']}, {ctl['final_time']}, "
             f"{ctl['time_step']}, {ctl['saveper']});",
             f"  const {TIME_STEP} = {ctl['time_step']};",
             f"  let {TIME} = _sch.times[0];",
             "  const _nsave = _sch.saved.length, _sel = sel || _ALL;",
             "  const _out = Array.from(_sel, () => new Float64Array(_nsave));",
             f"  const _rec = new Float64Array({len(recorded)});",
             "", "  // ---- initialisation at INITIAL TIME, in dependency order"]
    del keys
    for stmt in steps.init:
        declare(stmt.target)
        body += _assign(stmt, "  ")
    for stmt in steps.per_step + steps.save_only:
        declare(stmt.target)
    updated = [s for s in ir.states if s.update is not None]
    for s in updated:
        declare(s.update.target)
    body += ["", "  const _last = _sch.times.length - 1;", "  let _s = 0;",
             "  for (let _k = 0; _k <= _last; _k++) {",
             f"    {TIME} = _sch.times[_k];",
             "    // ---- auxiliaries the state updates need at every step"]
    for stmt in steps.per_step:
        body += _assign(stmt, "    ")
    body += ["    if (_sch.saves[_k]) {", "      // ---- auxiliaries only needed at saved times"]
    for stmt in steps.save_only:
        body += _assign(stmt, "      ")
    body += [f"      _rec[{j}] = {ident};" for j, ident in enumerate(recorded)]
    body += [f"      for (let _j = 0; _j < _sel.length; _j++) {{ const _i = _sel[_j]; "
             f"if (_i < {len(recorded)}) _out[_j][_s] = _rec[_i]; }}",
             "      _s++;", "    }", "    if (_k === _last) break;",
             "    // ---- rates of change (Euler: state += TIME STEP * rate)"]
    for s in updated:
        body += _assign(s.update, "    ")
    for s in updated:
        d = s.update.target
        body.append(f"    // {s.name}: {s.construct} ({s.mode} step of TIME STEP)")
        if s.mode == "discrete":
            body.append(f"    {s.ident} = {d};")
        elif s.mode == "non_negative":
            body.append(f"    {s.ident} = Math.max({s.ident} + {d} * {TIME_STEP}, 0);")
        else:
            body.append(f"    {s.ident} = {s.ident} + {d} * {TIME_STEP};")
    body += ["  }", "  // ---- time-invariant variables: the same at every saved time",
             f"  const _static = [{', '.join(statics)}];",
             f"  for (let _j = 0; _j < _sel.length; _j++) {{ const _i = _sel[_j]; "
             f"if (_i >= {len(recorded)}) _out[_j].fill(_static[_i - {len(recorded)}]); }}",
             "  return { times: _sch.saved, values: _out };"]

    head = [
        "// Generated by cycle.engine.emit_js from a Vensim model; do not edit.",
        f"// source: {path.name}",
        f"// source sha256: {sha256}",
        f"// pysd version: {pysd.__version__}",
        f"// generator: {generator_id()} / {EMITTER_VERSION}",
        "(function (root) {",
        '"use strict";',
        JS_HELPERS,
    ]
    for ident, (xs, ys, kind) in ir.lookups.items():
        head.append(f"const {ident} = [{json.dumps(list(xs))}, {json.dumps(list(ys))}, {json.dumps(kind)}];")
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
        f"  SOURCE: {json.dumps(path.name)}, SHA256: {json.dumps(sha256)},",
        f"  GENERATOR: {json.dumps(f'cycle.engine {generator_id()} / {EMITTER_VERSION}')}}};",
        "})(typeof window !== 'undefined' ? window : globalThis);",
    ]
    return "\n".join(head + body + tail) + "\n"


@cache
def _cached(path: str, sha256: str) -> str:
    return generate_js(Path(path), sha256=sha256)


def javascript_model(path: str | Path) -> str:
    """The generated JavaScript of the ``.mdl`` file at `path` (memoised by file hash)."""
    path = Path(path)
    return _cached(str(path.resolve()), file_sha256(path))
