"""Scenario metrics, defined once as data and evaluated from that definition.

Every metric ``cycle compare``, ``cycle report`` and the explorer page report is a
:class:`Metric` in :data:`METRICS`: a name (English, the row key), a Chinese label, units, a group
and one operation out of the small closed set :data:`OPS` over model variables:

=========================== =====================================================================
``value_at``                Σ variables at the year (linear between saved points)
``ratio_of_differences``    Σ Δvariables / Σ Δdenominator at the year (Δ = scenario − baseline);
                            ``nan`` where \\|Σ Δdenominator\\| < ``threshold``
``cumulative_difference``   ∫ Σ Δvariables dt over the window (trapezoid between saved points)
``peak``                    highest saved value of Σ variables in the window
``deepest_shortfall``       min(0, lowest Σ variables / Σ baseline variables − 1 in the window)
``first_year_reaching``     first year ≥ ``reference`` at which Σ variables ≥ ``threshold`` × its
                            value at ``reference`` (linear between saved points)
=========================== =====================================================================

Each metric gives one row per year of ``years`` (``value_at``, ``ratio_of_differences``) or one
row per run (window operations; ``year`` is ``nan``). Every row's *difference* is the metric of the
scenario minus the metric of the baseline against itself, so it is ``value − baseline value`` for
levels and peaks, the value itself for metrics already relative to the baseline (their baseline
value is 0), and ``nan`` for ratios (undefined for the baseline).

:func:`evaluate` computes one row in Python; the explorer page embeds :func:`spec_json` and
evaluates the same operations in JavaScript (``cycle/explore/assets/metrics.js``), and a browser
test checks the two agree. Runs are DataFrames indexed by time (calendar years; 2022.0 = end of
2021) with model variables as columns, as :meth:`cycle.model.Model.run` returns.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["OPS", "RELATIVE_OPS", "Metric", "METRICS", "KEY_OUTCOMES", "OUTLAY_BY_PAYER",
           "LOSSES_BY_BEARER", "METRIC_YEARS", "MIN_PUBLIC_MONEY", "LOAN_DOUBLING", "metric",
           "row_years", "rows", "evaluate", "table", "spec_json", "required_variables",
           "level_at", "difference_at", "crowd_in_multiplier", "finance_leverage", "extra_credit",
           "loan_doubling_year", "peak_npl_ratio", "trough_gap", "scenario_metrics"]

OPS = ("value_at", "ratio_of_differences", "cumulative_difference", "peak", "deepest_shortfall",
       "first_year_reaching")
"""The closed set of operations a metric can use (the page's JavaScript implements exactly these)."""
AT_YEAR_OPS = ("value_at", "ratio_of_differences")
"""Operations evaluated at each year of a metric's ``years`` (the others over a window)."""
RELATIVE_OPS = ("ratio_of_differences", "cumulative_difference", "deepest_shortfall")
"""Operations whose value is already relative to the baseline (plots show the value itself)."""

KEY_OUTCOMES = ["Tech Loan Balance", "Patient Capital", "Sci Tech Bonds", "Knowledge Stock",
                "Industrial Capacity", "Tech Industry Value Added", "Tech SME Count",
                "High Tech Enterprise Count", "NPL Ratio"]
"""Outcomes reported as levels and differences from baseline."""

OUTLAY_BY_PAYER = ["Cumulative Central Bank Outlay", "Cumulative Local Government Outlay",
                   "Cumulative Policy Finance Outlay"]  # the last: seed 003's accelerators
LOSSES_BY_BEARER = ["Cumulative Bank Losses", "Cumulative Guarantor Losses",
                    "Cumulative Central Bank Losses", "Cumulative Local Government Losses",
                    "Cumulative Credit Enhancer Losses", "Cumulative Bond Investor Losses"]
METRIC_YEARS = (2030.0, 2035.0, 2050.0)
"""Years of the at-year metrics (those after the run's end are skipped; if none is left, the
run's final year is used)."""
MIN_PUBLIC_MONEY = 1.0
"""Least change in public money (bn yuan) for which crowd-in and leverage are reported."""

PRIVATE = ("Private Finance Outstanding",)
ALL_FINANCE = ("Private Finance Outstanding", "Public Finance Outstanding")
PUBLIC_MONEY = ("Central Bank Funds Outstanding", "Cumulative Public Outlay")
"""Public money committed: central-bank money lent out and still at work (re-loans, tool-held
bonds) + everything public parties have paid (subsidies, guarantee capital, guidance-fund
injections, platforms, loss shares), bn yuan."""


@dataclass(frozen=True)
class Metric:
    """One metric: what it is called, its units and the operation that computes it.

    Attributes
    ----------
    name : English label and the row key in metrics.csv.
    zh : Chinese label ("" for a level of a model variable: the pages use the variable's label).
    units : units of the value ("" for a level: the variable's units, filled by :func:`rows`).
    op : one of :data:`OPS`.
    variables : the variables the operation reads (summed where there are several).
    denominator : the denominator's variables (``ratio_of_differences`` only).
    years : years of the rows (at-year operations).
    window : (start, end) years of window operations; ``None`` = the run's start / end. A window
        ending after the run's end gives no row.
    threshold : least \\|Δ denominator\\| (ratio) or the multiple to reach (first year).
    reference : the reference year (``first_year_reaching``).
    group : the panel row of metric_differences.png.
    note : what the metric means, one or two sentences (metrics.md, README).
    """

    name: str
    zh: str
    units: str
    op: str
    variables: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    years: tuple[float, ...] = ()
    window: tuple[float | None, float | None] = (None, None)
    threshold: float | None = None
    reference: float | None = None
    group: str = "Scenario metrics"
    note: str = ""

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"metric {self.name!r}: unknown operation {self.op!r}; valid: {', '.join(OPS)}")
        if (self.op in AT_YEAR_OPS) != bool(self.years):
            raise ValueError(f"metric {self.name!r}: years are given exactly for {', '.join(AT_YEAR_OPS)}")
        if (self.op == "ratio_of_differences") != bool(self.denominator):
            raise ValueError(f"metric {self.name!r}: a denominator belongs to ratio_of_differences only")
        if self.op in ("ratio_of_differences", "first_year_reaching") and self.threshold is None:
            raise ValueError(f"metric {self.name!r}: {self.op} needs a threshold")
        if self.op == "first_year_reaching" and self.reference is None:
            raise ValueError(f"metric {self.name!r}: first_year_reaching needs a reference year")

    def formula(self) -> str:
        """The metric's formula in words (metrics.md and README quote it)."""
        s = lambda vs: " + ".join(vs)  # noqa: E731
        span = lambda: _span(self.window)  # noqa: E731
        if self.op == "value_at":
            return f"{s(self.variables)} at the year"
        if self.op == "ratio_of_differences":
            return (f"Δ({s(self.variables)}) / Δ({s(self.denominator)}) at the year, Δ = scenario − "
                    f"baseline; none where |Δ({s(self.denominator)})| < {self.threshold:g}")
        if self.op == "cumulative_difference":
            return f"∫ Δ({s(self.variables)}) dt {span()}, Δ = scenario − baseline"
        if self.op == "peak":
            return f"highest {s(self.variables)} {span()}"
        if self.op == "deepest_shortfall":
            return f"min(0, lowest {s(self.variables)} / baseline {s(self.variables)} − 1 {span()})"
        return (f"first year from {self.reference:g} at which {s(self.variables)} ≥ {self.threshold:g} × "
                f"its value at {self.reference:g}")

    def as_dict(self) -> dict[str, Any]:
        """The definition as JSON-ready data (what the explorer page evaluates)."""
        d = asdict(self)
        for k in ("variables", "denominator", "years", "window"):
            d[k] = list(d[k])
        d["formula"] = self.formula()
        return d


def _span(window) -> str:
    start, end = window
    if start is None and end is None:
        return "over the run"
    a = "the start" if start is None else f"{start:g}"
    b = "the end" if end is None else f"{end:g}"
    return f"from {a} to {b}"


def _levels(variables: list[str], group: str) -> list[Metric]:
    return [Metric(v, "", "", "value_at", (v,), years=METRIC_YEARS, group=group) for v in variables]


METRICS: list[Metric] = [
    *_levels(KEY_OUTCOMES, "Key outcomes"),
    *_levels([*OUTLAY_BY_PAYER, "Cumulative Public Outlay"], "Public outlay by payer"),
    *_levels([*LOSSES_BY_BEARER, "Cumulative Default Losses"], "Losses by bearer"),
    Metric("Crowd-in multiplier", "撬动倍数", "bn yuan private per bn yuan public",
           "ratio_of_differences", PRIVATE, denominator=PUBLIC_MONEY, years=METRIC_YEARS,
           threshold=MIN_PUBLIC_MONEY,
           note="Private finance drawn in per yuan of public money. Private money is counted as "
                "private (bank-funded loans = loans − re-loans, market patient capital, market-held "
                "bonds), public money as public (re-loans and tool-held bonds lent, and everything "
                "public parties paid). A re-loan that only refinances a loan banks would have made "
                "anyway gives −1."),
    Metric("Finance leverage", "资金放大倍数", "bn yuan of finance per bn yuan public",
           "ratio_of_differences", ALL_FINANCE, denominator=PUBLIC_MONEY, years=METRIC_YEARS,
           threshold=MIN_PUBLIC_MONEY,
           note="All finance outstanding to tech firms (loans, patient capital, bonds), whoever "
                "funds it, per yuan of public money: how much finance a public yuan puts to work."),
    Metric("Extra tech credit 2025-2035", "新增科技信贷 2025-2035", "BnYuan*Year",
           "cumulative_difference", ("Tech Loan Balance",), window=(2025.0, 2035.0),
           note="Loans above the baseline summed over time: it separates a lever that lifts loans "
                "early and briefly from one that lifts them late and for good (the year loans "
                "double, 2026 in every scenario, cannot)."),
    Metric("Extra tech credit 2025-2050", "新增科技信贷 2025-2050", "BnYuan*Year",
           "cumulative_difference", ("Tech Loan Balance",), window=(2025.0, 2050.0),
           note="The same to 2050."),
    Metric("Peak NPL Ratio", "不良率峰值", "Dmnl", "peak", ("NPL Ratio",),
           note="The highest share of tech loans non-performing."),
    Metric("Deepest loan shortfall vs baseline", "贷款低于基准的最大幅度", "Dmnl",
           "deepest_shortfall", ("Tech Loan Balance",),
           note="How far loans fall below the baseline at worst, as a fraction of it (a stress "
                "run's retreat); 0 if they never do."),
]
"""Every metric the comparison reports, in the order of metrics.csv."""

LOAN_DOUBLING = Metric("Year tech loans double end-2021", "科技贷款较 2021 年末翻番的年份", "year",
                       "first_year_reaching", ("Tech Loan Balance",), threshold=2.0,
                       reference=2022.0,
                       note="Not reported: the loan book doubles in 2026 in every scenario (the "
                            "2021-24 push dominates), so it cannot separate scenarios.")
"""The year the end-2021 loan book doubles; kept for reading old outputs, not in :data:`METRICS`."""


def metric(name: str) -> Metric:
    """The metric of :data:`METRICS` (or :data:`LOAN_DOUBLING`) called `name`."""
    for m in [*METRICS, LOAN_DOUBLING]:
        if m.name == name:
            return m
    raise KeyError(f"no metric named {name!r}")


def required_variables(metrics: list[Metric] | None = None) -> list[str]:
    """Every variable the metrics read."""
    return list(dict.fromkeys(v for m in (METRICS if metrics is None else metrics)
                              for v in (*m.variables, *m.denominator)))


# -- the operations --------------------------------------------------------------------------

def _series(run: pd.DataFrame, variables) -> tuple[np.ndarray, np.ndarray]:
    t = run.index.to_numpy(dtype=float)
    return t, sum(run[v].to_numpy(dtype=float) for v in variables)


def _at(t: np.ndarray, v: np.ndarray, year: float) -> float:
    if year < t[0] - 1e-9 or year > t[-1] + 1e-9:
        return math.nan
    return float(np.interp(year, t, v))


def _window(m: Metric, t: np.ndarray) -> tuple[float, float]:
    start, end = m.window
    return (t[0] if start is None else start), (t[-1] if end is None else end)


def evaluate(m: Metric, run: pd.DataFrame, base: pd.DataFrame, year: float = math.nan) -> float:
    """The value of metric `m` for `run` against `base` (at `year` for at-year operations), in
    ``m.units``. ``nan`` where the year or window leaves the run or a ratio is undefined."""
    t, v = _series(run, m.variables)
    if m.op == "value_at":
        return _at(t, v, year)
    tb, vb = _series(base, m.variables)
    if m.op == "ratio_of_differences":
        _, d = _series(run, m.denominator)
        _, db = _series(base, m.denominator)
        den = _at(t, d, year) - _at(tb, db, year)
        if not math.isfinite(den) or abs(den) < m.threshold:
            return math.nan
        return (_at(t, v, year) - _at(tb, vb, year)) / den
    start, end = _window(m, t)
    if start < t[0] - 1e-9 or end > t[-1] + 1e-9:
        return math.nan
    inside = (t >= start - 1e-9) & (t <= end + 1e-9)
    if m.op == "cumulative_difference":
        grid = np.union1d(t[(t > start) & (t < end)], [start, end])
        diff = np.interp(grid, t, v) - np.interp(grid, tb, vb)
        return float(np.sum((diff[1:] + diff[:-1]) / 2 * np.diff(grid)))
    if m.op in ("peak", "deepest_shortfall") and not inside.any():
        return math.nan  # no saved point in the window
    if m.op == "peak":
        return float(np.max(v[inside]))
    if m.op == "deepest_shortfall":
        b = np.interp(t[inside], tb, vb)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.where(b > 0, v[inside] / np.where(b > 0, b, 1.0) - 1, 0.0)
        return float(min(0.0, np.nanmin(gap)))
    # first_year_reaching
    target = m.threshold * _at(t, v, m.reference)
    after = t >= m.reference - 1e-9
    ts, vs = t[after], v[after]
    hit = np.flatnonzero(vs >= target)
    if not len(hit):
        return math.nan
    i = int(hit[0])
    if i == 0:
        return float(ts[0])
    return float(ts[i - 1] + (target - vs[i - 1]) / (vs[i] - vs[i - 1]) * (ts[i] - ts[i - 1]))


def row_years(m: Metric, final: float) -> list[float]:
    """The years of `m`'s rows in a run ending at `final` (``[nan]`` for a window operation that
    fits in the run, ``[]`` if its window ends after `final`)."""
    if m.op in AT_YEAR_OPS:
        return [y for y in m.years if y <= final + 1e-9] or [final]
    end = m.window[1]
    return [] if end is not None and end > final + 1e-9 else [math.nan]


def rows(model, final: float, metrics: list[Metric] | None = None) -> list[tuple[Metric, float, str]]:
    """The rows of the metrics table for `model` run to `final`: (metric, year, units), in order.
    Metrics reading a variable the model lacks are left out; a level's units are its variable's."""
    out = []
    for m in METRICS if metrics is None else metrics:
        if not all(v in model.variables for v in (*m.variables, *m.denominator)):
            continue
        units = m.units or model.variables[m.variables[0]].units
        out += [(m, y, units) for y in row_years(m, final)]
    return out


def table(model, runs: dict[str, pd.DataFrame], final: float,
          metrics: list[Metric] | None = None) -> pd.DataFrame:
    """Every row of every run: columns scenario, metric, year (nan for window metrics), units,
    value, difference (the scenario's metric minus the baseline's against itself). `runs` maps
    scenario names to runs and includes ``"baseline"``."""
    base = runs["baseline"]
    spec = rows(model, final, metrics)
    own = {(m.name, y): evaluate(m, base, base, y) for m, y, _ in spec}
    out = []
    for name, run in runs.items():
        for m, y, units in spec:
            v = evaluate(m, run, base, y)
            out.append((name, m.name, y, units, v, v - own[(m.name, y)]))
    return pd.DataFrame(out, columns=["scenario", "metric", "year", "units", "value", "difference"])


def spec_json(model, final: float, metrics: list[Metric] | None = None) -> dict[str, Any]:
    """What the explorer page evaluates: the operations, and each metric's definition with the
    units and years of its rows for `model` run to `final` (``null`` year for window metrics)."""
    out = []
    for m in METRICS if metrics is None else metrics:
        r = [(y, u) for mm, y, u in rows(model, final, [m])]
        if r:
            d = m.as_dict()
            d["units"] = r[0][1]
            d["row_years"] = [None if math.isnan(y) else y for y, _ in r]
            out.append(d)
    return {"ops": list(OPS), "metrics": out}


# -- named functions (the spec's metrics, for use from Python) -----------------------------------

def level_at(run: pd.DataFrame, variable: str, year: float) -> float:
    """Value of `variable` at `year` (linear between saved points; the variable's units).
    ``nan`` if `year` is outside the run."""
    t, v = _series(run, (variable,))
    return _at(t, v, year)


def difference_at(run: pd.DataFrame, base: pd.DataFrame, variable: str, year: float) -> float:
    """``level_at(run) - level_at(base)`` at `year` (the variable's units)."""
    return level_at(run, variable, year) - level_at(base, variable, year)


def crowd_in_multiplier(run: pd.DataFrame, base: pd.DataFrame, year: float) -> float:
    """Private finance drawn in per yuan of public money (bn yuan / bn yuan): the metric
    ``Crowd-in multiplier`` of :data:`METRICS` (see its formula and note)."""
    return evaluate(metric("Crowd-in multiplier"), run, base, year)


def finance_leverage(run: pd.DataFrame, base: pd.DataFrame, year: float) -> float:
    """Finance reaching firms per yuan of public money (bn yuan / bn yuan): ``Finance leverage``."""
    return evaluate(metric("Finance leverage"), run, base, year)


def extra_credit(run: pd.DataFrame, base: pd.DataFrame, start: float = 2025.0,
                 end: float = 2035.0) -> float:
    """∫ (Tech Loan Balance − baseline) dt from `start` to `end` (bn yuan·years)."""
    m = metric("Extra tech credit 2025-2035")
    return evaluate(Metric(m.name, m.zh, m.units, m.op, m.variables, window=(start, end)), run, base)


def loan_doubling_year(run: pd.DataFrame) -> float:
    """First year the loan book reaches twice its end-2021 value (:data:`LOAN_DOUBLING`)."""
    return evaluate(LOAN_DOUBLING, run, run)


def peak_npl_ratio(run: pd.DataFrame) -> float:
    """Highest NPL Ratio over the run (fraction of tech loans non-performing)."""
    return evaluate(metric("Peak NPL Ratio"), run, run)


def trough_gap(run: pd.DataFrame, base: pd.DataFrame) -> float:
    """Deepest shortfall of loans below the baseline, as a fraction of it (≤ 0)."""
    return evaluate(metric("Deepest loan shortfall vs baseline"), run, base)


def scenario_metrics(run: pd.DataFrame, base: pd.DataFrame,
                     years: tuple[float, ...] = METRIC_YEARS) -> list[tuple[str, float, str, float, float]]:
    """The scenario metrics (group ``Scenario metrics`` of :data:`METRICS`) of one run: rows
    (metric, year, units, value, difference); ``year`` is ``nan`` for window metrics."""
    final = float(run.index[-1])
    out = []
    for m in METRICS:
        if m.group != "Scenario metrics":
            continue
        if m.op in AT_YEAR_OPS:
            m = Metric(**{**asdict(m), "years": tuple(years)})
        for y in row_years(m, final):
            v = evaluate(m, run, base, y)
            out.append((m.name, y, m.units, v, v - evaluate(m, base, base, y)))
    return out

