"""A same-run C reference for bench_engine.py: the engine's own plan of a model written as
straight-line C (the compiled loop's skeleton, one member at a time) and built with
``gcc -O2`` (no -ffast-math), timed per member on the compiled loop's exact inputs.

This is not SDEverywhere's C (whose runtime cannot be built here); it is what a C compiler
makes of the same statements in the same order, with the same libm, so a ratio against it
says what Numba's code costs next to C on the model as it is now.  The C results are
checked against the compiled loop (relative 1e-9) before any timing.

Used by ``bench_engine.py --c-plan``; needs ``gcc``.
"""

from __future__ import annotations

import ctypes
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from cycle.engine.emit_js import JSRenderer
from cycle.engine.emit_numba import _inputs
from cycle.engine.generate import planned
from cycle.engine.tree import TIME, TIME_STEP

HELPERS = r"""
#include <math.h>
#include <string.h>
#include <stdlib.h>
static const double _SMALL = 1e-6;
static inline double _zidz(double a, double b) { return fabs(b) < _SMALL ? 0.0 : a / b; }
static inline double _xidz(double a, double b, double x) { return fabs(b) < _SMALL ? x : a / b; }
static inline double _pow(double b, double e) {
  if (e == 1.0) return b;
  if (e == 2.0) return b * b;
  if (e == 0.5) return sqrt(b);
  if (e == 0.0) return 1.0;
  if (e == -1.0) return 1.0 / b;
  return pow(b, e);
}
static inline double _min(double a, double b) {  /* numpy.minimum: NaN wins */
  return (isnan(a) || a < b) ? a : b;
}
static inline double _max(double a, double b) {  /* numpy.maximum: NaN wins */
  return (isnan(a) || a > b) ? a : b;
}
static inline double _integer(double x) { return isfinite(x) ? trunc(x) : x; }
static inline double _quantum(double a, double b) { return b < _SMALL ? a : b * _integer(a / b); }
static inline double _modulo(double x, double m) { return x - _quantum(x, m); }
static inline double _step(double t, double dt, double v, double ts) { return (t + dt / 2 > ts) ? v : 0.0; }
static inline double _ramp(double t, double slope, double start, double finish) {
  return (t + _SMALL > start) ? slope * (fmin(finish, t) - start) : 0.0;
}
static inline double _pulse(double t, double start, double width) {
  return (start - _SMALL <= t && t < start + width) ? 1.0 : 0.0;
}
static inline double _pymod(double a, double b) {
  double r = fmod(a, b);
  if (r != 0 && ((b < 0) != (r < 0))) r += b;
  return r;
}
static inline double _pulse_train(double t, double start, double rep, double width, double end) {
  if (rep == 0) return (start - _SMALL <= t && t < start + width) ? 1.0 : 0.0;
  return (start <= t && t < end && _pymod(t - start + _SMALL, rep) < width) ? 1.0 : 0.0;
}
static inline double _delay_order(double order, double dt, double delay, double fixed) {
  if (fixed) return nearbyint(fmax(delay / dt, 1.0) + _SMALL);
  double k = trunc(order);
  while (k * dt > delay) k -= 1.0;
  return k;
}
static inline double _check_order(double order, double top) { return order; }
static inline long _searchsorted(const double *xs, long n, double x, int right) {
  long lo = 0, hi = n;
  while (lo < hi) {
    long mid = (lo + hi) >> 1;
    if (right ? xs[mid] <= x : xs[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}
static double _lookup(double x, const double *xs, const double *ys, long n, int kind) {
  /* kind: 0 interpolate, 1 extrapolate, 2 hold_backward, 3 look_forward, 4 raw */
  if (kind == 2) {
    long i = _searchsorted(xs, n, x, 1) - 1;
    return ys[i < 0 ? 0 : (i > n - 1 ? n - 1 : i)];
  }
  if (kind == 3) { long i = _searchsorted(xs, n, x, 0); i = i > n - 1 ? n - 1 : i; return ys[i]; }
  if (kind == 4) {
    long i = _searchsorted(xs, n, x, 0);
    i = i > n - 1 ? n - 1 : i;
    return xs[i] == x ? ys[i] : NAN;
  }
  if (kind == 1 && n > 1 && x < xs[0]) return ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0]);
  if (kind == 1 && n > 1 && x > xs[n - 1])
    return ys[n - 1] + (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2]) * (x - xs[n - 1]);
  if (isnan(x)) return NAN;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  long i = _searchsorted(xs, n, x, 1) - 1;
  return (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) * (x - xs[i]) + ys[i];
}
"""

_KINDS = {"interpolate": 0, "extrapolate": 1, "hold_backward": 2, "look_forward": 3, "raw": 4}
_C_CALLS = {
    "abs": "fabs({0})", "min": "_min({0}, {1})", "max": "_max({0}, {1})", "exp": "exp({0})",
    "ln": "log({0})", "log": "(log({0}) / log({1}))", "sqrt": "sqrt({0})",
    "power": "_pow({0}, {1})", "sin": "sin({0})", "cos": "cos({0})", "tan": "tan({0})",
    "arcsin": "asin({0})", "arccos": "acos({0})", "arctan": "atan({0})",
    "sinh": "sinh({0})", "cosh": "cosh({0})", "tanh": "tanh({0})",
    "if_then_else": "(({0}) ? ({1}) : ({2}))",
}


class CRenderer(JSRenderer):
    """Trees as scalar C (comparisons and logic give 1.0/0.0)."""

    binary = {**JSRenderer.binary,
              "=": "(({0} == {1}) ? 1.0 : 0.0)", "<>": "(({0} != {1}) ? 1.0 : 0.0)",
              "<": "(({0} < {1}) ? 1.0 : 0.0)", "<=": "(({0} <= {1}) ? 1.0 : 0.0)",
              ">": "(({0} > {1}) ? 1.0 : 0.0)", ">=": "(({0} >= {1}) ? 1.0 : 0.0)",
              "and": "(({0} && {1}) ? 1.0 : 0.0)", "or": "(({0} || {1}) ? 1.0 : 0.0)"}
    unary = {"neg": "-{0}", "not": "({0} ? 0.0 : 1.0)"}
    select_branch = "(({k} == {i}) ? {then} : {otherwise})"

    def number(self, value: float) -> str:
        if value != value:
            return "NAN"
        if value in (float("inf"), float("-inf")):
            return "INFINITY" if value > 0 else "(-INFINITY)"
        return repr(float(value))

    def call(self, fn: str, args: list[str]) -> str:
        if fn == "select":
            return self.select_chain(args)
        if fn in _C_CALLS:
            return _C_CALLS[fn].format(*args)
        return f"_{fn}({', '.join(args)})"

    def lookup(self, table: str, arg: str) -> str:
        xs = self.lookups[table][0]
        return f"_lookup({arg}, {table}_x, {table}_y, {len(xs)}, {_KINDS[self.lookups[table][2]]})"


def emit_c(mdl: Path) -> tuple[str, list[str]]:
    """C source of the model's compiled-loop skeleton, and its input identifiers (the rows
    of the engine's kernel input matrix, in order)."""
    ir, steps = planned(Path(mdl))
    render = CRenderer(ir.lookups)
    inputs = _inputs(ir, steps)
    recorded = [ident for _, ident in steps.dynamic]
    idents = dict.fromkeys([s.target for s in steps.init + steps.per_step + steps.save_only]
                           + [st.ident for st in ir.states]
                           + [st.update.target for st in steps.updates])
    for ident in inputs + [TIME]:
        idents.pop(ident, None)
    lines = [HELPERS]
    for ident, (xs, ys, _kind) in ir.lookups.items():
        lines += [f"static const double {ident}_x[] = {{{', '.join(map(repr, map(float, xs)))}}};",
                  f"static const double {ident}_y[] = {{{', '.join(map(repr, map(float, ys)))}}};"]
    lines += ["void kernel(const double *IN, long n, const double *times, const unsigned char "
              "*saves, long nt, const unsigned char *need, const long *sel_i, long nsel, "
              "long nsave, double *out) {",
              f"  double _rec[{max(1, len(recorded))}];",
              "  double *_buf = malloc(sizeof(double) * (nsel * nsave + 1));",
              "  for (long _m = 0; _m < n; _m++) {"]
    lines += [f"    double {ident} = IN[{r} * n + _m];" for r, ident in enumerate(inputs)]
    lines += [f"    double {TIME} = times[0];"]
    lines += [f"    double {ident} = NAN;" for ident in idents]
    lines += [f"    {s.target} = {render(s.init_expr)};" for s in steps.init]
    for st in steps.updates:
        if st.mode == "ring":
            x = st.ident
            lines += [f"    long _ord_{x} = (long)({st.order});",
                      f"    double *_pipe_{x} = malloc(sizeof(double) * _ord_{x});",
                      f"    for (long _i = 0; _i < _ord_{x}; _i++) _pipe_{x}[_i] = {x};",
                      f"    long _ptr_{x} = 0;"]
    lines += ["    long _s = 0;", "    for (long _k = 0; _k < nt; _k++) {",
              f"      {TIME} = times[_k];"]
    lines += [f"      {s.target} = {render(s.expr)};" for s in steps.per_step]
    lines += ["      if (saves[_k]) {"]
    lines += [f"        if (need[{k}]) {s.target} = {render(s.expr)};"
              for k, s in enumerate(steps.save_only)]
    lines += [f"        _rec[{i}] = {ident};" for i, ident in enumerate(recorded)]
    lines += ["        for (long _q = 0; _q < nsel; _q++) _buf[_q * nsave + _s] = _rec[sel_i[_q]];",
              "        _s++;", "      }", "      if (_k == nt - 1) break;"]
    lines += [f"      {st.update.target} = {render(st.update.expr)};" for st in steps.updates]
    for st in steps.updates:
        d, x = st.update.target, st.ident
        if st.mode == "discrete":
            lines.append(f"      {x} = {d};")
        elif st.mode == "ring":
            lines += [f"      _pipe_{x}[_ptr_{x}] = {d};",
                      f"      _ptr_{x} = (_ptr_{x} + 1) % _ord_{x};", f"      {x} = _pipe_{x}[_ptr_{x}];"]
        elif st.mode == "non_negative":
            lines.append(f"      {x} = fmax({x} + {d}*{TIME_STEP}, 0.0);")
        else:
            lines.append(f"      {x} = {x} + {d}*{TIME_STEP};")
    lines.append("    }")
    for st in steps.updates:
        if st.mode == "ring":
            lines.append(f"    free(_pipe_{st.ident});")
    lines += ["    for (long _q = 0; _q < nsel; _q++)",
              "      memcpy(out + (_q * n + _m) * nsave, _buf + _q * nsave, sizeof(double) * nsave);",
              "  }", "  free(_buf);", "}"]
    return "\n".join(lines) + "\n", inputs


class CReference:
    """The model's plan as a C shared library (built once per source in a temp folder)."""

    def __init__(self, mdl: Path, engine) -> None:
        if shutil.which("gcc") is None:
            raise RuntimeError("gcc is not installed")
        source, self.inputs = emit_c(mdl)
        kernel = engine._kernel_module()
        if list(kernel.INPUTS) != self.inputs:
            raise RuntimeError("the C inputs differ from the compiled loop's")
        self.engine = engine
        self._tmp = tempfile.TemporaryDirectory()
        folder = Path(self._tmp.name)
        digest = hashlib.sha256(source.encode()).hexdigest()[:12]
        c_file, lib = folder / f"model_{digest}.c", folder / f"model_{digest}.so"
        c_file.write_text(source)
        subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(lib), str(c_file), "-lm"],
                       check=True, capture_output=True, text=True)
        self.lib = ctypes.CDLL(str(lib))
        self.lib.kernel.restype = None
        self.lines = source.count("\n")

    def setup(self, params: dict, n: int, columns: list[str]):
        """Inputs of ``n`` members and the output rows of `columns`, as the engine builds
        them; returns a function that runs them in C and returns ``out``."""
        from cycle.engine.runner import _schedule

        eng = self.engine
        consts, n = eng._parameters(params, n)
        ctl = eng._control(consts, {})
        times, saves, saved = _schedule(ctl["initial_time"], ctl["final_time"],
                                        ctl["time_step"], ctl["saveper"])
        selection = eng._selection(columns)
        IN = np.ascontiguousarray(eng._kernel_inputs(eng._kernel_module(), consts, ctl, n))
        saves8 = np.ascontiguousarray(saves, dtype=np.uint8)
        need8 = np.ascontiguousarray(selection.need, dtype=np.uint8)
        sel_i = np.ascontiguousarray(selection.sel_i, dtype=np.int64)
        out = np.empty((len(sel_i), n, len(saved)))
        ptr = ctypes.c_void_p

        def run() -> np.ndarray:
            self.lib.kernel(ptr(IN.ctypes.data), ctypes.c_long(n), ptr(times.ctypes.data),
                            ptr(saves8.ctypes.data), ctypes.c_long(len(times)),
                            ptr(need8.ctypes.data), ptr(sel_i.ctypes.data),
                            ctypes.c_long(len(sel_i)), ctypes.c_long(len(saved)),
                            ptr(out.ctypes.data))
            return out

        return run

    def check(self, params: dict, n: int, columns: list[str]) -> float:
        """Largest relative difference between C and the compiled loop on `columns`."""
        c_out = self.setup(params, n, columns)()
        res = self.engine.run(params, n=n, return_columns=columns, backend="numba")
        worst = 0.0
        for j, name in enumerate(columns):
            ref = res.values[name]
            scale = max(float(np.max(np.abs(ref))), 1e-300)
            worst = max(worst, float(np.max(np.abs(c_out[j] - ref))) / scale)
        return worst
