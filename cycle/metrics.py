"""Scenario metrics: small named functions over one run's trajectories.

Each function takes a run as a DataFrame indexed by time (calendar years; 2022.0 = end of
2021) with model variables as columns, as :meth:`cycle.model.Model.run` returns, and gives
one number. Units are in each docstring.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["KEY_OUTCOMES", "OUTLAY_BY_PAYER", "LOSSES_BY_BEARER", "METRIC_YEARS",
           "level_at", "difference_at", "crowd_in_multiplier", "loan_doubling_year",
           "peak_npl_ratio", "required_variables"]

KEY_OUTCOMES = ["Tech Loan Balance", "Patient Capital", "Sci Tech Bonds", "Knowledge Stock",
                "Industrial Capacity"]
"""Outcomes reported as levels and differences from baseline."""

OUTLAY_BY_PAYER = ["Cumulative Central Bank Outlay", "Cumulative Local Government Outlay",
                   "Cumulative Policy Finance Outlay"]  # the last: seed 003's accelerators
LOSSES_BY_BEARER = ["Cumulative Bank Losses", "Cumulative Guarantor Losses",
                    "Cumulative Central Bank Losses", "Cumulative Local Government Losses",
                    "Cumulative Credit Enhancer Losses", "Cumulative Bond Investor Losses"]
METRIC_YEARS = (2030.0, 2035.0, 2050.0)
"""Years at which levels are reported (those after the run's end are skipped)."""

_CROWD = ["Private Finance Outstanding", "Central Bank Funds Outstanding", "Cumulative Public Outlay"]


def required_variables() -> list[str]:
    """Every variable the metrics read."""
    return KEY_OUTCOMES + OUTLAY_BY_PAYER + LOSSES_BY_BEARER + _CROWD + ["NPL Ratio"]


def level_at(run: pd.DataFrame, variable: str, year: float) -> float:
    """Value of `variable` at `year` (linear between saved points; the variable's units).

    ``nan`` if `year` is outside the run.
    """
    t = run.index.to_numpy(dtype=float)
    if year < t[0] - 1e-9 or year > t[-1] + 1e-9:
        return math.nan
    return float(np.interp(year, t, run[variable].to_numpy(dtype=float)))


def difference_at(run: pd.DataFrame, base: pd.DataFrame, variable: str, year: float) -> float:
    """``level_at(run) - level_at(base)`` at `year` (the variable's units)."""
    return level_at(run, variable, year) - level_at(base, variable, year)


MIN_PUBLIC_MONEY = 1.0
"""Least change in public money (bn yuan) for which a crowd-in multiplier is reported."""


def crowd_in_multiplier(run: pd.DataFrame, base: pd.DataFrame, year: float) -> float:
    """Private finance drawn in per yuan of public money, relative to baseline (bn yuan / bn yuan).

    Defined as ``ΔPrivate Finance Outstanding / Δ(Central Bank Funds Outstanding + Cumulative
    Public Outlay)`` at `year`, each Δ the scenario minus the baseline. The denominator adds
    the central bank's money still lent out (re-loans, tool-held bonds) to what the public
    sector has spent (guarantee and guidance-fund injections, platforms, subsidies, loss shares).
    ``nan`` when the scenario moves less than `MIN_PUBLIC_MONEY` (1 bn yuan) of public money
    (the baseline itself, and regulatory levers such as NPL tolerance or loan terms, which
    cost no public money: a ratio over ~0 would be meaningless).
    """
    d_private = difference_at(run, base, "Private Finance Outstanding", year)
    d_public = (difference_at(run, base, "Central Bank Funds Outstanding", year)
                + difference_at(run, base, "Cumulative Public Outlay", year))
    if not math.isfinite(d_public) or abs(d_public) < MIN_PUBLIC_MONEY:
        return math.nan
    return d_private / d_public


def loan_doubling_year(run: pd.DataFrame, *, variable: str = "Tech Loan Balance",
                       reference_time: float = 2022.0) -> float:
    """First year (calendar, fractional) `variable` reaches twice its value at `reference_time`.

    The reference is 2022.0, the end-2021 balance (bn yuan). Linear between saved points;
    ``nan`` if it never doubles within the run.
    """
    ref = level_at(run, variable, reference_time)
    s = run[variable]
    s = s[s.index >= reference_time]
    hit = np.flatnonzero(s.to_numpy() >= 2 * ref)
    if not len(hit):
        return math.nan
    i = int(hit[0])
    if i == 0:
        return float(s.index[0])
    t0, t1 = s.index[i - 1], s.index[i]
    v0, v1 = s.iloc[i - 1], s.iloc[i]
    return float(t0 + (2 * ref - v0) / (v1 - v0) * (t1 - t0))


def peak_npl_ratio(run: pd.DataFrame) -> float:
    """Highest NPL Ratio over the run (fraction of tech loans non-performing)."""
    return float(run["NPL Ratio"].max())
