"""The C loop's helper functions give the Numba helpers' bits on the inputs models rarely
produce (NaN, signed zeros, infinities, ties, points on a lookup's grid, one-point tables):
``backend="auto"`` takes one loop or the other by what is installed, so they must agree
everywhere, not only on the shipped model."""

from __future__ import annotations

import ctypes
import itertools
import string
import struct

import numpy as np
import pytest

from cycle.engine import native
from cycle.engine.emit_c import C_HELPERS

pytest.importorskip("numba")
if native.compiler() is None:
    pytest.skip("no C compiler", allow_module_level=True)

from cycle.engine import numba_helpers as H  # noqa: E402

WRAPPERS = r"""
double t_min(double a, double b) { return _min(a, b); }
double t_max(double a, double b) { return _max(a, b); }
double t_pymax(double a, double b) { return _pymax(a, b); }
double t_zidz(double a, double b) { return _zidz(a, b); }
double t_xidz(double a, double b, double x) { return _xidz(a, b, x); }
double t_pow(double a, double b) { return _pow(a, b); }
double t_integer(double x) { return _integer(x); }
double t_quantum(double a, double b) { return _quantum(a, b); }
double t_modulo(double a, double b) { return _modulo(a, b); }
double t_step(double t, double dt, double v, double ts) { return _step(t, dt, v, ts); }
double t_ramp(double t, double s, double a, double b) { return _ramp(t, s, a, b); }
double t_pulse(double t, double a, double w) { return _pulse(t, a, w); }
double t_pulse_train(double t, double a, double r, double w, double e) {
  return _pulse_train(t, a, r, w, e);
}
double t_delay_order(double o, double dt, double d, double f) { return _delay_order(o, dt, d, f); }
double t_lookup(double x, const double *xs, const double *ys, int64_t n, int kind) {
  return _lookup(x, xs, ys, n, kind);
}
"""

VALUES = [float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 1e-7, -1e-7, 0.5, 1.0, -1.0,
          2.0, 2.5, 3.0, 1e300]


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    source = C_HELPERS + WRAPPERS
    folder = tmp_path_factory.mktemp("helpers")
    path = native.build(source, native.library_path(source, folder, "helpers"))
    return ctypes.CDLL(str(path))


def bits(x: float) -> bytes:
    """The value's bits, with every NaN the same (payloads are not compared)."""
    return b"nan" if x != x else struct.pack("<d", x)


def call(lib, name: str, *args: float) -> float:
    fn = getattr(lib, name)
    fn.restype = ctypes.c_double
    fn.argtypes = [ctypes.c_double] * len(args)
    return fn(*args)


@pytest.mark.parametrize(("c_name", "numba_fn", "arity"), [
    ("t_min", lambda a, b: float(np.minimum(a, b)), 2),  # Numba's np.minimum, compiled below
    ("t_zidz", H._zidz, 2), ("t_xidz", H._xidz, 3), ("t_pow", H._pow, 2),
    ("t_integer", H._integer, 1), ("t_quantum", H._quantum, 2), ("t_modulo", H._modulo, 2),
    ("t_step", H._step, 4), ("t_ramp", H._ramp, 4), ("t_pulse", H._pulse, 3),
    ("t_pulse_train", H._pulse_train, 5),
])
def test_scalar_helpers_agree_bit_for_bit(lib, c_name, numba_fn, arity):
    from numba import njit

    if c_name == "t_min":
        numba_fn = njit(lambda a, b: np.minimum(a, b))
    grid = VALUES if arity <= 2 else VALUES[::2]
    for args in itertools.product(grid, repeat=arity):
        want = float(numba_fn(*args))
        got = call(lib, c_name, *args)
        assert bits(got) == bits(want), (c_name, args, got, want)


def test_max_and_python_max_agree_with_numba(lib):
    from numba import njit

    np_max = njit(lambda a, b: np.maximum(a, b))
    py_max = njit(lambda a, b: max(a, b))
    for a, b in itertools.product(VALUES, repeat=2):
        assert bits(call(lib, "t_max", a, b)) == bits(float(np_max(a, b))), (a, b)
        assert bits(call(lib, "t_pymax", a, b)) == bits(float(py_max(a, b))), (a, b)


def test_delay_orders_agree(lib):
    for order, dt, delay, fixed in itertools.product([1.0, 3.0, 3.7, 4.0], [0.25, 0.5, 1.0],
                                                     [0.0, 0.25, 0.375, 1.0, 1.125, 10.0],
                                                     [0.0, 1.0]):
        want = H._delay_order(order, dt, delay, fixed)
        assert bits(call(lib, "t_delay_order", order, dt, delay, fixed)) == bits(want)


@pytest.mark.parametrize("kind", ["interpolate", "extrapolate", "hold_backward",
                                  "look_forward", "raw"])
def test_lookups_agree(lib, kind):
    from cycle.engine.emit_c import _KINDS

    fn = {"interpolate": H._interp, "extrapolate": H._extrapolate,
          "hold_backward": H._hold_backward, "look_forward": H._look_forward,
          "raw": H._raw}[kind]
    c_fn = lib.t_lookup
    c_fn.restype = ctypes.c_double
    c_fn.argtypes = [ctypes.c_double, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                     ctypes.c_int]
    tables = [np.array([0.0, 1.0, 1.0, 2.0, 5.0, 5.5]),  # a repeated point
              np.array([-3.0, 0.0, 2.0]), np.array([4.0]), np.arange(12.0)]
    for xs in tables:
        ys = np.cos(xs) * 10.0
        xs, ys = np.ascontiguousarray(xs), np.ascontiguousarray(ys)
        probes = sorted(set(xs.tolist()) | {xs[0] - 1.0, xs[-1] + 1.0, (xs[0] + xs[-1]) / 2,
                                            0.999, 1.0000001}) + [float("nan"), float("inf"),
                                                                 -float("inf")]
        for x in probes:
            if kind == "extrapolate" and not np.isfinite(x):
                continue  # infinity times a slope: both give inf or nan, not compared
            want = float(fn(x, xs, ys))
            got = c_fn(x, xs.ctypes.data, ys.ctypes.data, len(xs), _KINDS[kind])
            assert bits(got) == bits(want), (kind, xs.tolist(), x, got, want)


# -- the lanes loop: each operation on a vector of members gives each member's scalar bits ---

def _operations() -> list[tuple[str, str, str, int]]:
    """(name, scalar C template, lanes C template, arity) of every operator and call the two
    C renderers share, and of the select chain's branch."""
    from cycle.engine.emit_c import _CALLS, _LANE_CALLS, CLanesRenderer, CRenderer

    pairs = [(f"op{op!r}", CRenderer.binary[op], CLanesRenderer.binary[op])
             for op in CRenderer.binary]
    pairs += [(f"unary {op}", CRenderer.unary[op], CLanesRenderer.unary[op])
              for op in CRenderer.unary]
    pairs += [(fn, _CALLS[fn], _LANE_CALLS[fn]) for fn in _CALLS if fn != "select"]
    branch = {"k": "{0}", "i": "2.0", "then": "{1}", "otherwise": "{2}"}
    pairs.append(("select branch", CRenderer.select_branch.format(**branch),
                  CLanesRenderer.select_branch.format(**branch)))
    out = []
    for name, scalar, lanes in pairs:
        arity = 1 + max(int(field) for _, field, _, _ in string.Formatter().parse(scalar)
                        if field is not None)
        out.append((name, scalar, lanes, arity))
    return out


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def lanes_lib(tmp_path_factory):
    from cycle.engine.emit_c import LANES, lane_helpers

    lines = [C_HELPERS, lane_helpers()]
    for k, (_name, scalar, lanes, arity) in enumerate(OPERATIONS):
        params = ", ".join(f"const double *x{i}" for i in range(arity))
        args = [f"x{i}[m]" for i in range(arity)]
        vargs = [f"V{i}" for i in range(arity)]
        lines += [f"void s{k}({params}, double *out, int64_t n) {{",
                  f"  for (int64_t m = 0; m < n; m++) out[m] = {scalar.format(*args)};", "}",
                  f"void v{k}({params}, double *out, int64_t n) {{",
                  "  for (int64_t m = 0; m < n; m += _W) {",
                  *(f"    _vd V{i}; for (int l = 0; l < _W; l++) V{i}[l] = x{i}[m + l];"
                    for i in range(arity)),
                  f"    _vd R = ({lanes.format(*vargs)}) + _NZ;",
                  "    for (int l = 0; l < _W; l++) out[m + l] = R[l];", "  }", "}"]
    source = "\n".join(lines)
    folder = tmp_path_factory.mktemp("lanes")
    path = native.build(source, native.library_path(source, folder, "lanes"))
    return ctypes.CDLL(str(path)), LANES


@pytest.mark.parametrize("k", range(len(OPERATIONS)), ids=[op[0] for op in OPERATIONS])
def test_lanes_give_each_member_the_scalar_bits(lanes_lib, k):
    """Every operation of the lanes loop, on NaN, signed zeros, infinities and ties in every
    lane combination, equals the one-member loop's operation bit for bit."""
    lib, lanes = lanes_lib
    name, _scalar, _lanes, arity = OPERATIONS[k]
    grid = VALUES if arity <= 2 else VALUES[::3]
    rows = np.array(list(itertools.product(grid, repeat=arity)), dtype=float).reshape(-1, arity)
    if name == "delay_order":  # orders, steps and times as planned (elsewhere its loop is endless)
        rows = np.array(list(itertools.product([1.0, 3.0, 3.7, 4.0], [0.25, 0.5, 1.0],
                                               [0.0, 0.25, 0.375, 1.0, 1.125, 10.0], [0.0, 1.0])))
    rows = np.concatenate([rows, rows[::-1]])  # each tuple beside different neighbours
    rows = rows[: len(rows) // lanes * lanes]
    cols = [np.ascontiguousarray(rows[:, i]) for i in range(arity)]
    outs = []
    for prefix in ("s", "v"):
        fn = getattr(lib, f"{prefix}{k}")
        fn.restype = None
        fn.argtypes = [ctypes.c_void_p] * (arity + 1) + [ctypes.c_int64]
        out = np.empty(len(rows))
        fn(*(c.ctypes.data for c in cols), out.ctypes.data, len(rows))
        outs.append(out)
    scalar, vector = outs
    same = (scalar.view(np.int64) == vector.view(np.int64)) | (np.isnan(scalar) & np.isnan(vector))
    assert same.all(), (name, rows[~same][:5].tolist(), scalar[~same][:5], vector[~same][:5])
