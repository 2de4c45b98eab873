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
           "level_at", "difference_at", "crowd_in_multiplier", "finance_leverage",
           "extra_credit", "loan_doubling_year", "peak_npl_ratio", "trough_gap",
           "scenario_metrics", "required_variables"]

KEY_OUTCOMES = ["Tech Loan Balance", "Patient Capital", "Sci Tech Bonds", "Knowledge Stock",
                "Industrial Capacity", "Tech Industry Value Added", "Tech SME Count",
                "High Tech Enterprise Count", "NPL Ratio"]
"""Outcomes reported as levels and differences from baseline."""

OUTLAY_BY_PAYER = ["Cumulative Central Bank Outlay", "Cumulative Local Government Outlay"]
LOSSES_BY_BEARER = ["Cumulative Bank Losses", "Cumulative Guarantor Losses",
                    "Cumulative Central Bank Losses", "Cumulative Local Government Losses",
                    "Cumulative Credit Enhancer Losses", "Cumulative Bond Investor Losses"]
METRIC_YEARS = (2030.0, 2035.0, 2050.0)
"""Years at which levels are reported (those after the run's end are skipped)."""

_CROWD = ["Private Finance Outstanding", "Public Finance Outstanding", "Central Bank Funds Outstanding",
          "Cumulative Public Outlay"]


def required_variables() -> list[str]:
    """Every variable the metrics read."""
    return list(dict.fromkeys(KEY_OUTCOMES + OUTLAY_BY_PAYER + LOSSES_BY_BEARER + _CROWD))


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


def _public_money(run: pd.DataFrame, base: pd.DataFrame, year: float) -> float:
    """Δ public money committed at `year`: Δ Central Bank Funds Outstanding (re-loans and tool-held
    bonds, money lent) + Δ Cumulative Public Outlay (money spent: subsidies, guarantee capital,
    guidance-fund injections, platforms, loss shares), bn yuan."""
    return (difference_at(run, base, "Central Bank Funds Outstanding", year)
            + difference_at(run, base, "Cumulative Public Outlay", year))


def crowd_in_multiplier(run: pd.DataFrame, base: pd.DataFrame, year: float) -> float:
    """Private finance drawn in per yuan of public money, relative to baseline (bn yuan / bn yuan).

    ``crowd-in = ΔPrivate Finance Outstanding / (ΔCentral Bank Funds Outstanding + ΔCumulative
    Public Outlay)`` at `year`, each Δ the scenario minus the baseline.

    Private money is counted as private and public money as public:

    - *private* = tech loans funded by banks themselves (``Tech Loan Balance - Reloan Balance``)
      + market patient capital (private and state-owned commercial funds) + market-held bonds;
    - *public* = central-bank money lent out and still at work (re-loans, tool-held bonds) +
      everything public parties have paid (guarantee capital, guidance-fund injections, which
      also sit in Public Patient Capital, platforms, interest subsidies, loss shares).

    A re-loan that only refinances a loan banks would have made anyway moves one yuan from private
    to public and gives -1; re-loans crowd in only when they make banks lend more than they
    refinance. ``nan`` when the scenario moves less than `MIN_PUBLIC_MONEY` (1 bn yuan) of public
    money (the baseline itself, purely regulatory levers): a ratio over ~0 would be meaningless.
    """
    d_public = _public_money(run, base, year)
    if not math.isfinite(d_public) or abs(d_public) < MIN_PUBLIC_MONEY:
        return math.nan
    return difference_at(run, base, "Private Finance Outstanding", year) / d_public


def finance_leverage(run: pd.DataFrame, base: pd.DataFrame, year: float) -> float:
    """Finance reaching firms per yuan of public money, relative to baseline (bn yuan / bn yuan).

    ``leverage = Δ(Private Finance Outstanding + Public Finance Outstanding) / (ΔCentral Bank Funds
    Outstanding + ΔCumulative Public Outlay)`` at `year`: all finance outstanding to tech firms
    (loans, patient capital, bonds), whoever funds it, per yuan of public money committed. Where
    crowd-in asks whether private money follows, leverage asks how much finance a public yuan
    puts to work. ``nan`` under the same rule as :func:`crowd_in_multiplier`.
    """
    d_public = _public_money(run, base, year)
    if not math.isfinite(d_public) or abs(d_public) < MIN_PUBLIC_MONEY:
        return math.nan
    d_total = (difference_at(run, base, "Private Finance Outstanding", year)
               + difference_at(run, base, "Public Finance Outstanding", year))
    return d_total / d_public


def _integral(run: pd.DataFrame, base: pd.DataFrame, variable: str, start: float, end: float) -> float:
    t = run.index.to_numpy(dtype=float)
    if start < t[0] - 1e-9 or end > t[-1] + 1e-9:
        return math.nan
    grid = np.union1d(t[(t > start) & (t < end)], [start, end])
    diff = (np.interp(grid, t, run[variable].to_numpy(dtype=float))
            - np.interp(grid, base.index.to_numpy(dtype=float), base[variable].to_numpy(dtype=float)))
    return float(np.sum((diff[1:] + diff[:-1]) / 2 * np.diff(grid)))


def extra_credit(run: pd.DataFrame, base: pd.DataFrame, start: float = 2025.0,
                 end: float = 2035.0) -> float:
    """Extra tech credit over a period: ∫ (Tech Loan Balance - baseline) dt from `start` to `end`
    (bn yuan·years; trapezoid between saved points). It separates scenarios that a single year or
    a threshold-crossing year cannot: a lever that lifts loans early and briefly and one that lifts
    them late and for good get different values. ``nan`` if the period leaves the run."""
    return _integral(run, base, "Tech Loan Balance", start, end)


def loan_doubling_year(run: pd.DataFrame, *, variable: str = "Tech Loan Balance",
                       reference_time: float = 2022.0) -> float:
    """First year (calendar, fractional) `variable` reaches twice its value at `reference_time`.

    The reference is 2022.0, the end-2021 balance (bn yuan). Linear between saved points;
    ``nan`` if it never doubles within the run. Kept for reading old outputs only: the loan book
    doubles in 2026 in every scenario (the 2021-24 push dominates), so it cannot separate
    scenarios; :func:`scenario_metrics` reports :func:`extra_credit` instead.
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


def trough_gap(run: pd.DataFrame, base: pd.DataFrame, variable: str = "Tech Loan Balance") -> float:
    """Deepest shortfall of `variable` below the baseline, as a fraction of the baseline
    (≤ 0; 0 if the run never falls below it). Reads a stress run's retreat."""
    b = np.interp(run.index.to_numpy(dtype=float), base.index.to_numpy(dtype=float),
                  base[variable].to_numpy(dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(b > 0, run[variable].to_numpy(dtype=float) / b - 1, 0.0)
    return float(min(0.0, np.nanmin(gap)))


def scenario_metrics(run: pd.DataFrame, base: pd.DataFrame,
                     years: tuple[float, ...] = METRIC_YEARS) -> list[tuple[str, float, str, float, float]]:
    """Every scalar metric of a scenario: rows (metric, year, units, value, difference from baseline).

    Per year: crowd-in multiplier and finance leverage (bn yuan per bn yuan of public money; no
    difference column, they are already relative to baseline). Once per run: extra credit
    2025-2035 and 2025-2050 (bn yuan·years), the peak NPL ratio and the deepest loan shortfall
    against the baseline. ``year`` is ``nan`` for whole-run metrics.
    """
    t_end = float(run.index[-1])
    rows = []
    for y in years:
        if y > t_end + 1e-9:
            continue
        rows.append(("Crowd-in multiplier", y, "bn yuan private per bn yuan public",
                     crowd_in_multiplier(run, base, y), math.nan))
        rows.append(("Finance leverage", y, "bn yuan of finance per bn yuan public",
                     finance_leverage(run, base, y), math.nan))
    for end in (2035.0, 2050.0):
        if end <= t_end + 1e-9:
            v = extra_credit(run, base, 2025.0, end)
            rows.append((f"Extra tech credit 2025-{end:.0f}", math.nan, "BnYuan*Year", v, v))
    pk, pk0 = peak_npl_ratio(run), peak_npl_ratio(base)
    rows.append(("Peak NPL Ratio", math.nan, "Dmnl", pk, pk - pk0))
    tg = trough_gap(run, base)
    rows.append(("Deepest loan shortfall vs baseline", math.nan, "Dmnl", tg, tg))
    return rows
