"""Scalar versions of PySD's functions for the compiled loop (Numba), shared by every
generated kernel module (compiled once into Numba's cache, not once per model).

Semantics are those of :data:`cycle.engine.tree.FUNCTIONS` / ``pysd.py_backend.functions``.
"""

import math

import numpy as np
from numba import njit

_SMALL = 1e-6  # what Vensim (and PySD) treat as zero
nan = np.nan
inf = np.inf

_J = dict(error_model="numpy", cache=True, nogil=True)
"""Options of every compiled function (IEEE division; cached on disk; no GIL)."""
_H = dict(error_model="numpy", nogil=True, inline="always")
"""Options of the helpers: inlined into the kernel at Numba's level (a call per ZIDZ or
IF THEN ELSE, dozens per time step, cost as much as the arithmetic)."""


@njit(**_H)
def _zidz(numerator, denominator):
    if abs(denominator) < _SMALL:
        return 0.0
    return numerator / denominator


@njit(**_H)
def _xidz(numerator, denominator, x):
    if abs(denominator) < _SMALL:
        return x
    return numerator / denominator


@njit(**_H)
def _pow(base, exponent):
    # NumPy's fast paths for an array raised to a scalar (fast_scalar_power)
    if exponent == 1.0:
        return base
    if exponent == 2.0:
        return base * base
    if exponent == 0.5:
        return np.sqrt(base)
    if exponent == 0.0:
        return 1.0
    if exponent == -1.0:
        return 1.0 / base
    return base ** exponent


@njit(**_H)
def _if_then_else(condition, if_true, if_false):
    if condition:
        return if_true
    return if_false


@njit(**_H)
def _and(a, b):
    return bool(a) and bool(b)


@njit(**_H)
def _or(a, b):
    return bool(a) or bool(b)


@njit(**_H)
def _not(a):
    return not bool(a)


@njit(**_H)
def _integer(x):
    # PySD's int(x): towards zero, exact at any size, no negative zero (math.trunc would
    # go through int64 and overflow from 2**63)
    return np.trunc(x) + 0.0 if math.isfinite(x) else x


@njit(**_H)
def _quantum(a, b):
    if b < _SMALL:
        return a
    return b * _integer(a / b)


@njit(**_H)
def _modulo(x, m):
    return x - _quantum(x, m)


@njit(**_H)
def _step(time, dt, value, tstep):
    return value if time + dt / 2 > tstep else 0.0


@njit(**_H)
def _ramp(time, slope, start, finish):
    if time + _SMALL > start:
        return slope * (min(finish, time) - start)
    return 0.0


@njit(**_H)
def _pulse(time, start, width):
    return 1.0 if start - _SMALL <= time < start + width else 0.0


@njit(**_H)
def _pulse_train(time, start, repeat_time, width, end):
    if repeat_time == 0:
        return 1.0 if start - _SMALL <= time < start + width else 0.0
    if start <= time < end:
        return 1.0 if np.mod(time - start + _SMALL, repeat_time) < width else 0.0
    return 0.0


@njit(**_H)
def _interp(x, xs, ys):
    return np.interp(x, xs, ys)


@njit(**_H)
def _extrapolate(x, xs, ys):
    n = xs.shape[0]
    if n > 1 and x < xs[0]:
        return ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0])
    if n > 1 and x > xs[n - 1]:
        return ys[n - 1] + (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2]) * (x - xs[n - 1])
    return np.interp(x, xs, ys)


@njit(**_H)
def _hold_backward(x, xs, ys):
    i = np.searchsorted(xs, x, side="right") - 1
    return ys[min(max(i, 0), xs.shape[0] - 1)]


@njit(**_H)
def _look_forward(x, xs, ys):
    i = np.searchsorted(xs, x, side="left")
    return ys[min(max(i, 0), xs.shape[0] - 1)]


@njit(**_H)
def _raw(x, xs, ys):
    i = min(np.searchsorted(xs, x, side="left"), xs.shape[0] - 1)
    return ys[i] if xs[i] == x else np.nan


@njit(**_H)
def _delay_order(order, dt, delay_time, fixed):
    if fixed:
        return float(round(max(delay_time / dt, 1.0) + _SMALL))
    k = float(math.trunc(order))
    while k * dt > delay_time:
        k -= 1.0
    return k


@njit(**_H)
def _check_order(order, top):
    if order != math.trunc(order) or order < 1 or order > top:
        raise ValueError("a delay/smooth order is not an integer within the stages planned "
                         "for the model's defaults")
    return order
