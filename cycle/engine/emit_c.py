"""C emitter: the planned statements as the compiled loop in plain C (one member at a time).

The same skeleton as :mod:`cycle.engine.emit_numba` (initialisation, Euler loop, saving, one
member's state in registers) in C99 with the C library's ``math.h``, so the numbers are the
Numba kernel's bit for bit (tested).  :mod:`cycle.engine.native` builds it with the system's
C compiler into a shared library that loads in a millisecond, without Numba (whose import
alone costs ~0.4 s): the compiled loop for one run as well as for a batch.

The library exports::

    const char cycle_inputs[]    identifiers read from the input matrix, one a line
    const char cycle_statics[]   identifiers of the time-invariant variables, one a line
    int kernel(IN, n, times, nt, saves, need, sel_j, sel_i, nsel, out, nsave, ST, first, stop)

``kernel`` runs members ``first <= m < stop`` of ``IN`` (len(inputs), n) and writes
``out[sel_j[q], m, s]`` (out: (rows, n, nsave), C order) and ``ST[r, m]``; it returns 0, or
1 if a delay or smooth order left the stages planned for the model's defaults (the Numba
kernel's ValueError).  Members are independent: threads may run disjoint ranges at once.

**Lanes.** ``kernel`` runs whole blocks of :data:`LANES` members in a second loop,
``kernel_lanes``, and the rest (fewer than :data:`LANES`, and every one-member run) in the
one-member loop.  ``kernel_lanes`` is the same statements over GCC vector types (one lane a
member): additions, multiplications, divisions, square roots and comparisons act on all lanes
at once with the same IEEE rounding as one at a time, conditionals compute both branches and
pick by lane (no branch has a side effect), and every C library function (``pow``, ``exp``,
lookups, the helpers) is called once per lane with the one-member helper.  So each member's
numbers are the one-member loop's bit for bit (tested), and a batch takes about
:data:`LANES` members at the price of fewer.  Models with DELAY FIXED (a ring buffer of
per-member length) have no lanes loop.
"""

from __future__ import annotations

from cycle.engine.ir import ModelIR
from cycle.engine.plan import Plan
from cycle.engine.tree import HELPER_CALLS, TIME, Renderer

__all__ = ["CRenderer", "C_HELPERS", "LANES", "emit_c"]

C_HELPERS = r"""
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
static const double _SMALL = 1e-6;  /* what Vensim (and PySD) treat as zero */
static __thread int _error;  /* set by _check_order; returned by kernel */
static inline double _zidz(double a, double b) { return fabs(b) < _SMALL ? 0.0 : a / b; }
static inline double _xidz(double a, double b, double x) { return fabs(b) < _SMALL ? x : a / b; }
static inline double _pow(double b, double e) {  /* NumPy's fast paths (fast_scalar_power) */
  if (e == 1.0) return b;
  if (e == 2.0) return b * b;
  if (e == 0.5) return sqrt(b);
  if (e == 0.0) return 1.0;
  if (e == -1.0) return 1.0 / b;
  return pow(b, e);
}
/* np.minimum / np.maximum as Numba computes them (NaN wins; of two zeros, the first) */
static inline double _min(double a, double b) { return (isnan(a) || a <= b) ? a : b; }
static inline double _max(double a, double b) { return (isnan(a) || a >= b) ? a : b; }
/* Python's min / max: the first argument unless the second is smaller / larger */
static inline double _pymin(double a, double b) { return b < a ? b : a; }
static inline double _pymax(double a, double b) { return b > a ? b : a; }
static inline double _integer(double x) { return isfinite(x) ? trunc(x) + 0.0 : x; }  /* int(x) */
static inline double _quantum(double a, double b) { return b < _SMALL ? a : b * _integer(a / b); }
static inline double _modulo(double x, double m) { return x - _quantum(x, m); }
static inline double _step(double t, double dt, double v, double ts) { return (t + dt / 2 > ts) ? v : 0.0; }
static inline double _ramp(double t, double slope, double start, double finish) {
  return (t + _SMALL > start) ? slope * (_pymin(finish, t) - start) : 0.0;
}
static inline double _pulse(double t, double start, double width) {
  return (start - _SMALL <= t && t < start + width) ? 1.0 : 0.0;
}
static inline double _pymod(double a, double b) {  /* numpy.mod: the sign of the divisor */
  double r = fmod(a, b);
  if (r != 0 && ((b < 0) != (r < 0))) r += b;
  return r;
}
static inline double _pulse_train(double t, double start, double rep, double width, double end) {
  if (rep == 0) return (start - _SMALL <= t && t < start + width) ? 1.0 : 0.0;
  return (start <= t && t < end && _pymod(t - start + _SMALL, rep) < width) ? 1.0 : 0.0;
}
static inline double _delay_order(double order, double dt, double delay, double fixed) {
  if (fixed) return nearbyint(_pymax(delay / dt, 1.0) + _SMALL);  /* half to even, as round() */
  double k = trunc(order);
  while (k * dt > delay) k -= 1.0;
  return k;
}
static inline double _check_order(double order, double top) {
  if (order != trunc(order) || order < 1 || order > top) _error = 1;
  return order;
}
static inline int _lt(double a, double b) { return a < b || (isnan(b) && !isnan(a)); }  /* NaN last */
static inline int64_t _searchsorted(const double *xs, int64_t n, double x, int right) {
  int64_t lo = 0, hi = n;  /* numpy.searchsorted, side "right" or "left" */
  while (lo < hi) {
    int64_t mid = (lo + hi) >> 1;
    if (right ? !_lt(x, xs[mid]) : _lt(xs[mid], x)) lo = mid + 1; else hi = mid;
  }
  return lo;
}
static double _interp(double x, const double *xs, const double *ys, int64_t n) {  /* numpy.interp */
  if (n == 1) return ys[0];
  if (isnan(x)) return x;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  int64_t i = _searchsorted(xs, n, x, 1) - 1;  /* xs[i] <= x < xs[i + 1] */
  if (x == xs[i]) return ys[i];
  double slope = (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]);
  double y = slope * (x - xs[i]) + ys[i];
  if (isnan(y)) {
    y = slope * (x - xs[i + 1]) + ys[i + 1];
    if (isnan(y) && ys[i] == ys[i + 1]) y = ys[i];
  }
  return y;
}
static double _lookup(double x, const double *xs, const double *ys, int64_t n, int kind) {
  /* kind: 0 interpolate, 1 extrapolate, 2 hold_backward, 3 look_forward, 4 raw */
  if (kind == 2) {
    int64_t i = _searchsorted(xs, n, x, 1) - 1;
    return ys[i < 0 ? 0 : (i > n - 1 ? n - 1 : i)];
  }
  if (kind == 3) { int64_t i = _searchsorted(xs, n, x, 0); return ys[i > n - 1 ? n - 1 : i]; }
  if (kind == 4) {
    int64_t i = _searchsorted(xs, n, x, 0);
    i = i > n - 1 ? n - 1 : i;
    return xs[i] == x ? ys[i] : NAN;
  }
  if (kind == 1 && n > 1 && x < xs[0]) return ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0]);
  if (kind == 1 && n > 1 && x > xs[n - 1])
    return ys[n - 1] + (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2]) * (x - xs[n - 1]);
  return _interp(x, xs, ys, n);
}
"""

_KINDS = {"interpolate": 0, "extrapolate": 1, "hold_backward": 2, "look_forward": 3, "raw": 4}
_CALLS = {
    "abs": "fabs({0})", "min": "_min({0}, {1})", "max": "_max({0}, {1})", "exp": "exp({0})",
    "ln": "log({0})", "log": "(log({0}) / log({1}))", "sqrt": "sqrt({0})",
    "power": "_pow({0}, {1})", "sin": "sin({0})", "cos": "cos({0})", "tan": "tan({0})",
    "arcsin": "asin({0})", "arccos": "acos({0})", "arctan": "atan({0})",
    "sinh": "sinh({0})", "cosh": "cosh({0})", "tanh": "tanh({0})",
    "if_then_else": "(({0}) ? ({1}) : ({2}))", **HELPER_CALLS,
}


class CRenderer(Renderer):
    """Trees as scalar C (comparisons and logic give 1.0/0.0)."""

    binary = {
        "+": "{0} + {1}", "-": "{0} - {1}", "*": "{0} * {1}", "/": "{0} / {1}",
        "^": "_pow({0}, {1})", "=": "(({0} == {1}) ? 1.0 : 0.0)",
        "<>": "(({0} != {1}) ? 1.0 : 0.0)", "<": "(({0} < {1}) ? 1.0 : 0.0)",
        "<=": "(({0} <= {1}) ? 1.0 : 0.0)", ">": "(({0} > {1}) ? 1.0 : 0.0)",
        ">=": "(({0} >= {1}) ? 1.0 : 0.0)", "and": "(({0} && {1}) ? 1.0 : 0.0)",
        "or": "(({0} || {1}) ? 1.0 : 0.0)",
    }
    unary = {"neg": "-{0}", "not": "({0} ? 0.0 : 1.0)"}
    select_branch = "(({k} == {i}) ? {then} : {otherwise})"
    state_updates = {
        "euler": ("{x} = {x} + {d} * {dt};",),
        "non_negative": ("{x} = _pymax({x} + {d} * {dt}, 0.0);",), "discrete": ("{x} = {d};",),
        "ring": ("_pipe_{x}[_ptr_{x}] = {d};", "_ptr_{x} = (_ptr_{x} + 1) % _ord_{x};",
                 "{x} = _pipe_{x}[_ptr_{x}];"),
    }

    def __init__(self, lookups: dict) -> None:
        self.lookups = lookups

    def number(self, value: float) -> str:
        if value != value:
            return "NAN"
        if value in (float("inf"), float("-inf")):
            return "INFINITY" if value > 0 else "(-INFINITY)"
        return repr(float(value))  # shortest round trip; C reads decimals correctly rounded

    calls = _CALLS
    """Call templates by function (the lanes renderer has its own)."""
    lookup_call = "_lookup({arg}, {table}_x, {table}_y, {n}, {kind})"

    def call(self, fn: str, args: list[str]) -> str:
        if fn == "select":
            return self.select_chain(args)
        return self.calls[fn].format(*args)

    def lookup(self, table: str, arg: str) -> str:
        xs, _ys, kind = self.lookups[table]
        return self.lookup_call.format(arg=arg, table=table, n=len(xs), kind=_KINDS[kind])


LANES = 2
"""Members a ``kernel_lanes`` step computes at once (GCC vectors of 2 doubles: one SSE2
register on any x86-64, one NEON register on ARM)."""

C_LANE_HELPERS = r"""
typedef double _vd __attribute__((vector_size(8 * _W)));
typedef int64_t _vl __attribute__((vector_size(8 * _W)));
static const _vd _NZ = {_FILL(-0.0)};  /* x + _NZ is x (-0.0 too); a scalar, broadcast */
static const _vd _V1 = {_FILL(1.0)};
static const _vd _V0 = {_FILL(0.0)};
static inline _vd _b2d(_vl m) { return (_vd)(m & (_vl)_V1); }  /* lane masks to 1.0/0.0 */
static inline _vd _sel(_vl m, _vd a, _vd b) { return (_vd)(((_vl)a & m) | ((_vl)b & ~m)); }
static inline _vd _vabs(_vd a) { return (_vd)((_vl)a & ~(_vl)_NZ); }
static inline _vd _vmin(_vd a, _vd b) { return _sel((a != a) | (a <= b), a, b); }
static inline _vd _vmax(_vd a, _vd b) { return _sel((a != a) | (a >= b), a, b); }
static inline _vd _vpymax(_vd a, _vd b) { return _sel(b > a, b, a); }
static inline _vd _vzidz(_vd a, _vd b) { return _sel(_vabs(b) < _SMALL, _V0, a / b); }
static inline _vd _vxidz(_vd a, _vd b, _vd x) { return _sel(_vabs(b) < _SMALL, x, a / b); }
static inline _vd _vsqrt(_vd a) {
  _vd r;
  for (int _l = 0; _l < _W; _l++) r[_l] = sqrt(a[_l]);
  return r;
}
static __attribute__((noinline)) _vd _lv_lookup(_vd x, const double *xs, const double *ys,
                                                int64_t n, int kind) {
  _vd r;
  for (int _l = 0; _l < _W; _l++) r[_l] = _lookup(x[_l], xs, ys, n, kind);
  return r;
}
static inline _vd _vload(const double *row, const int64_t *mi) {
  _vd r;
  for (int _l = 0; _l < _W; _l++) r[_l] = row[mi[_l]];
  return r;
}
/* _lane1..5, _lane_lookup: a one-member function lane by lane (not inlined: the loop stays
   small to compile, and a call costs little beside pow's) */
"""

_LANE_FUNCTIONS = {  # C function -> arguments
    "exp": 1, "log": 1, "sin": 1, "cos": 1, "tan": 1, "asin": 1, "acos": 1, "atan": 1,
    "sinh": 1, "cosh": 1, "tanh": 1, "_pow": 2, "_integer": 1, "_quantum": 2, "_modulo": 2,
    "_step": 4, "_ramp": 4, "_pulse": 3, "_pulse_train": 5, "_delay_order": 4, "_check_order": 2,
}


def _lane_function(name: str, arity: int) -> str:
    args = ", ".join(f"_vd a{i}" for i in range(arity))
    lanes = ", ".join(f"a{i}[l]" for i in range(arity))
    return (f"static __attribute__((noinline)) _vd _lv{name if name[0] == '_' else '_' + name}"
            f"({args}) {{\n  _vd r;\n  for (int l = 0; l < _W; l++) r[l] = {name}({lanes});\n"
            "  return r;\n}")


def _lane_call(name: str, arity: int) -> str:
    lane = f"_lv{name if name[0] == '_' else '_' + name}"
    return f"{lane}(" + ", ".join(f"({{{i}}}) + _NZ" for i in range(arity)) + ")"


_LANE_CALLS = {
    "abs": "_vabs(({0}) + _NZ)", "min": "_vmin(({0}) + _NZ, ({1}) + _NZ)",
    "max": "_vmax(({0}) + _NZ, ({1}) + _NZ)", "exp": _lane_call("exp", 1),
    "ln": _lane_call("log", 1),
    "log": "(_lv_log(({0}) + _NZ) / _lv_log(({1}) + _NZ))",
    "sqrt": "_vsqrt(({0}) + _NZ)", "power": _lane_call("_pow", 2),
    **{fn: _lane_call(c, 1) for fn, c in [("sin", "sin"), ("cos", "cos"), ("tan", "tan"),
                                           ("arcsin", "asin"), ("arccos", "acos"),
                                           ("arctan", "atan"), ("sinh", "sinh"),
                                           ("cosh", "cosh"), ("tanh", "tanh")]},
    "if_then_else": "_sel((({0}) + _NZ) != 0.0, ({1}) + _NZ, ({2}) + _NZ)",
    "zidz": "_vzidz(({0}) + _NZ, ({1}) + _NZ)",
    "xidz": "_vxidz(({0}) + _NZ, ({1}) + _NZ, ({2}) + _NZ)",
}
for _fn, _template in HELPER_CALLS.items():  # the other helpers lane by lane
    if _fn not in _LANE_CALLS:
        _name = _template.split("(", 1)[0]
        _LANE_CALLS[_fn] = _lane_call(_name, _LANE_FUNCTIONS[_name])


class CLanesRenderer(CRenderer):
    """Trees as C over GCC vectors of :data:`LANES` members (numbers stay scalars; every
    operation takes one vector operand at least, or broadcasts with ``+ _NZ``)."""

    binary = {
        "+": "{0} + {1}", "-": "{0} - {1}", "*": "{0} * {1}", "/": "{0} / {1}",
        "^": _lane_call("_pow", 2), "=": "_b2d((({0}) + _NZ) == ({1}))",
        "<>": "_b2d((({0}) + _NZ) != ({1}))", "<": "_b2d((({0}) + _NZ) < ({1}))",
        "<=": "_b2d((({0}) + _NZ) <= ({1}))", ">": "_b2d((({0}) + _NZ) > ({1}))",
        ">=": "_b2d((({0}) + _NZ) >= ({1}))",
        "and": "_b2d(((({0}) + _NZ) != 0.0) & ((({1}) + _NZ) != 0.0))",
        "or": "_b2d(((({0}) + _NZ) != 0.0) | ((({1}) + _NZ) != 0.0))",
    }
    unary = {"neg": "-{0}", "not": "_b2d((({0}) + _NZ) == 0.0)"}
    select_branch = "_sel((({k}) + _NZ) == {i}, ({then}) + _NZ, ({otherwise}) + _NZ)"
    state_updates = {
        "euler": ("{x} = {x} + {d} * {dt};",),
        "non_negative": ("{x} = _vpymax({x} + {d} * {dt}, _V0);",),
        "discrete": ("{x} = ({d}) + _NZ;",),
    }

    calls = _LANE_CALLS
    lookup_call = "_lv_lookup(({arg}) + _NZ, {table}_x, {table}_y, {n}, {kind})"


def _c_string(lines: list[str]) -> str:
    return '"' + "\\n".join(lines) + '"'


def emit_c(ir: ModelIR, steps: Plan, inputs: list[str], *, header: list[str] | None = None
           ) -> str:
    """C source of the compiled loop of a planned model (see the module docstring).

    `inputs` are the rows of the kernel's input matrix, as
    :func:`cycle.engine.emit_numba._inputs` orders them (both loops read one matrix).
    """
    recorded = [ident for _, ident in steps.dynamic]
    statics = [ident for _, ident in steps.static]
    locals_ = dict.fromkeys([s.target for s in steps.init + steps.per_step + steps.save_only]
                            + [st.ident for st in ir.states]
                            + [st.update.target for st in steps.updates])
    for ident in inputs + [TIME]:
        locals_.pop(ident, None)
    lines = [f"/* {line.lstrip('# ')} */" for line in header or []] + [C_HELPERS]
    for ident, (xs, ys, _kind) in ir.lookups.items():
        lines += [f"static const double {ident}_x[] = {{{', '.join(map(repr, map(float, xs)))}}};",
                  f"static const double {ident}_y[] = {{{', '.join(map(repr, map(float, ys)))}}};"]
    lines += [f"const char cycle_inputs[] = {_c_string(inputs)};",
              f"const char cycle_statics[] = {_c_string(statics)};"]
    lines += _kernel(ir, steps, inputs, statics, recorded, list(locals_), lanes=False)
    lanes = not any(st.mode == "ring" for st in steps.updates)
    if lanes:
        lines += [f"#define LANES {LANES}", lane_helpers()]
        lines += _kernel(ir, steps, inputs, statics, recorded, list(locals_), lanes=True)
    args = "IN, n, times, nt, saves, need, sel_j, sel_i, nsel, out, nsave, ST"
    lines += [f"int kernel({_SIGNATURE}) {{"]
    if lanes:  # whole blocks of lanes, then the rest one at a time
        lines += ["  int64_t mid = first + (stop - first) / LANES * LANES;",
                  f"  int r = mid > first ? kernel_lanes({args}, first, mid) : 0;"]
    else:
        lines += ["  int64_t mid = first;", "  int r = 0;"]
    lines += [f"  if (!r && mid < stop) r = kernel_one({args}, mid, stop);", "  return r;", "}"]
    return "\n".join(lines) + "\n"


_SIGNATURE = ("const double *IN, int64_t n, const double *times, int64_t nt, "
              "const unsigned char *saves, const unsigned char *need, const int64_t *sel_j, "
              "const int64_t *sel_i, int64_t nsel, double *out, int64_t nsave, double *ST, "
              "int64_t first, int64_t stop")


def lane_helpers() -> str:
    """The lanes loop's types and helpers (after :data:`C_HELPERS`, whose functions they call
    lane by lane)."""
    fill = ", ".join
    return "\n".join([f"#define _W {LANES}",
                      C_LANE_HELPERS.replace("_FILL(-0.0)", fill(["-0.0"] * LANES))
                      .replace("_FILL(1.0)", fill(["1.0"] * LANES))
                      .replace("_FILL(0.0)", fill(["0.0"] * LANES)),
                      *(_lane_function(name, arity) for name, arity in _LANE_FUNCTIONS.items())])


def _kernel(ir: ModelIR, steps: Plan, inputs: list[str], statics: list[str],
            recorded: list[str], locals_: list[str], *, lanes: bool) -> list[str]:
    """``kernel_one`` (one member at a time, in doubles) or ``kernel_lanes`` (:data:`LANES`
    members at a time, in vectors; ``stop - first`` a multiple of it): one skeleton."""
    i1, i2, i3 = "    ", "      ", "        "
    if lanes:
        render, num, name, width = CLanesRenderer(ir.lookups), "_vd", "kernel_lanes", "_W * "

        def assign(target: str, expr: str) -> str:
            return f"{target} = ({expr}) + _NZ;"  # a scalar result broadcast to the lanes

        members = ["  for (int64_t _m = first; _m < stop && !_error; _m += _W) {",
                   "    int64_t _mi[_W];",
                   "    for (int _l = 0; _l < _W; _l++) _mi[_l] = _m + _l;"]
        load = "_vload(IN + {r} * n, _mi)"
        time, nan = f"{TIME} = times[{{k}}] + _NZ", "_V0 + NAN"
        store = "for (int _l = 0; _l < _W; _l++) ST[{r} * n + _m + _l] = {ident}[_l];"
        record = [f"{i3}for (int64_t _q = 0; _q < nsel; _q++)",
                  f"{i3}  for (int _l = 0; _l < _W; _l++)",
                  f"{i3}    _buf[(_l * nsel + _q) * nsave + _s] = _rec[sel_i[_q]][_l];"]
        copy = [f"{i1}for (int _l = 0; _l < _W; _l++)",
                f"{i1}  for (int64_t _q = 0; _q < nsel; _q++)",
                f"{i1}    memcpy(out + (sel_j[_q] * n + _m + _l) * nsave, "
                "_buf + (_l * nsel + _q) * nsave, sizeof(double) * nsave);"]
    else:
        render, num, name, width = CRenderer(ir.lookups), "double", "kernel_one", ""

        def assign(target: str, expr: str) -> str:
            return f"{target} = {expr};"

        members = ["  for (int64_t _m = first; _m < stop && !_error; _m++) {"]
        load = "IN[{r} * n + _m]"
        time, nan = f"{TIME} = times[{{k}}]", "NAN"
        store = "ST[{r} * n + _m] = {ident};"
        record = [f"{i3}for (int64_t _q = 0; _q < nsel; _q++) "
                  "_buf[_q * nsave + _s] = _rec[sel_i[_q]];"]
        copy = [f"{i1}for (int64_t _q = 0; _q < nsel; _q++)",
                f"{i1}  memcpy(out + (sel_j[_q] * n + _m) * nsave, _buf + _q * nsave, "
                "sizeof(double) * nsave);"]
    lines = [f"static int {name}({_SIGNATURE}) {{", "  _error = 0;",
             f"  {num} _rec[{max(1, len(recorded))}];",
             "  /* the saved values of the member(s), copied to out[row, member, :] at the end */",
             f"  double *_buf = malloc(sizeof(double) * ({width}nsel * nsave + 1));",
             "  if (!_buf) return 2;", *members]
    lines += [f"{i1}const {num} {ident} = {load.format(r=r)};" for r, ident in enumerate(inputs)]
    lines += [f"{i1}{num} {time.format(k=0)};"]
    lines += [f"{i1}{num} {ident} = {nan};" for ident in locals_]
    lines += [i1 + assign(s.target, render(s.init_expr)) for s in steps.init]
    lines += [i1 + store.format(r=r, ident=ident) for r, ident in enumerate(statics)]
    rings = [st for st in steps.updates if st.mode == "ring"]  # (one member at a time only)
    for st in rings:
        x = st.ident
        lines += [f"{i1}int64_t _ord_{x} = (int64_t)({st.order});",
                  f"{i1}double *_pipe_{x} = malloc(sizeof(double) * (_ord_{x} > 0 ? _ord_{x} : 1));",
                  f"{i1}if (!_pipe_{x}) {{ free(_buf); return 2; }}  /* out of memory */",
                  f"{i1}for (int64_t _i = 0; _i < _ord_{x}; _i++) _pipe_{x}[_i] = {x};",
                  f"{i1}int64_t _ptr_{x} = 0;"]
    lines += [f"{i1}int64_t _s = 0;", f"{i1}for (int64_t _k = 0; _k < nt; _k++) {{",
              f"{i2}{time.format(k='_k')};"]
    lines += [i2 + assign(s.target, render(s.expr)) for s in steps.per_step]
    lines += [f"{i2}if (saves[_k]) {{"]
    lines += [f"{i3}if (need[{k}]) " + assign(s.target, render(s.expr))
              for k, s in enumerate(steps.save_only)]
    lines += [f"{i3}_rec[{i}] = {ident};" for i, ident in enumerate(recorded)]
    lines += [*record, f"{i3}_s++;", f"{i2}}}", f"{i2}if (_k == nt - 1) break;"]
    lines += [i2 + assign(st.update.target, render(st.update.expr)) for st in steps.updates]
    for st in steps.updates:
        lines += render.state_update(st.mode, st.ident, st.update.target, i2)
    lines.append(f"{i1}}}")
    lines += [f"{i1}free(_pipe_{st.ident});" for st in rings]
    lines += [*copy, "  }", "  free(_buf);", "  return _error;", "}"]
    return lines
