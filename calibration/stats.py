"""Goodness-of-fit statistics for one observed series against its simulated values.

Each statistic is a small function of two equal-length arrays, ``sim`` and ``obs``, in
the series' own units. Statistics that need a spread (R², the Theil decomposition) are
only defined for at least :data:`MIN_POINTS` points; with fewer they return ``nan``, which
the report prints as "n/a".

References
----------
Sterman, J. D. (1984). Appropriate summary statistics for evaluating the historical fit
of system dynamics models. *Dynamica* 10(2), 51-66.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MIN_POINTS", "mape", "r_squared", "mse", "theil", "series_stats"]

MIN_POINTS = 3
"""Fewest points for R² and the Theil decomposition."""


def _pair(sim, obs) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(sim, dtype=float).ravel()
    o = np.asarray(obs, dtype=float).ravel()
    if s.shape != o.shape:
        raise ValueError(f"sim has {s.size} points, obs has {o.size}; they must be equal")
    if s.size == 0:
        raise ValueError("no points")
    return s, o


def mape(sim, obs) -> float:
    """Mean absolute percentage error, in percent: ``100 * mean(|sim - obs| / |obs|)``.

    Examples
    --------
    >>> mape([110, 90], [100, 100])
    10.0
    """
    s, o = _pair(sim, obs)
    if np.any(o == 0):
        return math.nan
    return float(100 * np.mean(np.abs(s - o) / np.abs(o)))


def mse(sim, obs) -> float:
    """Mean squared error, in the series' units squared.

    Examples
    --------
    >>> mse([1, 2, 3], [1, 2, 5])
    1.3333333333333333
    """
    s, o = _pair(sim, obs)
    return float(np.mean((s - o) ** 2))


def r_squared(sim, obs) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` (SS_tot about the observed mean).

    ``nan`` with fewer than :data:`MIN_POINTS` points or when the observations are constant.

    Examples
    --------
    >>> r_squared([1, 2, 4], [1, 2, 3])
    0.5
    """
    s, o = _pair(sim, obs)
    if s.size < MIN_POINTS:
        return math.nan
    ss_tot = float(np.sum((o - o.mean()) ** 2))
    if ss_tot == 0:
        return math.nan
    return 1.0 - float(np.sum((s - o) ** 2)) / ss_tot


def theil(sim, obs) -> tuple[float, float, float]:
    """Theil inequality proportions ``(U_M, U_S, U_C)`` of the mean squared error.

    The MSE splits exactly into bias, unequal variation and unequal covariation
    (Sterman 1984)::

        MSE = (mean(s) - mean(o))**2 + (S_s - S_o)**2 + 2 (1 - r) S_s S_o

    with ``S`` the standard deviations (divisor n) and ``r`` the correlation; each
    proportion is its term over MSE and the three sum to 1. ``(nan, nan, nan)`` with
    fewer than :data:`MIN_POINTS` points or a perfect fit (MSE = 0).

    Examples
    --------
    A pure offset is all bias:

    >>> theil([2, 3, 4], [1, 2, 3])
    (1.0, 0.0, 0.0)
    """
    s, o = _pair(sim, obs)
    nan3 = (math.nan, math.nan, math.nan)
    if s.size < MIN_POINTS:
        return nan3
    total = float(np.mean((s - o) ** 2))
    if total == 0:
        return nan3
    ss, so = float(s.std()), float(o.std())
    bias = (float(s.mean()) - float(o.mean())) ** 2
    variation = (ss - so) ** 2
    covariation = 2 * (ss * so - float(np.mean((s - s.mean()) * (o - o.mean()))))
    return bias / total, variation / total, covariation / total


def series_stats(sim, obs) -> dict[str, float]:
    """All statistics for one series: ``n``, ``mape`` (%), ``r2``, ``mse``, ``U_M``, ``U_S``, ``U_C``."""
    s, o = _pair(sim, obs)
    um, us, uc = theil(s, o)
    return {"n": int(s.size), "mape": mape(s, o), "r2": r_squared(s, o), "mse": mse(s, o),
            "U_M": um, "U_S": us, "U_C": uc}
