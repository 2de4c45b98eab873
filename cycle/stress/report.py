"""Tables and the markdown summary of a stress test.

Every table is tidy (one row per scenario, shock and rails setting, and where it applies
per guard rail or bearer); values are in model units: shares as fractions (Dmnl), money in
bn yuan, firms in thousand firms, times in calendar years.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cycle.stress.measures import (
    ACCELERATOR_BEARERS,
    BEARERS,
    FIRM_STOCKS,
    LOSS_WINDOW,
    PUBLIC_BEARERS,
    RECOVERY_TOLERANCE,
)
from cycle.stress.rails import MIN_EXPOSURE, RAILS
from cycle.stress.runner import BASELINE, StressResult

__all__ = ["EFFECT_YEARS", "MATERIAL_SHARE", "bearer_share", "has_accelerator", "breach_table",
           "impact_table", "loss_table", "effect_table", "probability_table", "breaking_points",
           "summary_markdown"]

EFFECT_YEARS = (2030.0, 2035.0, 2050.0)
"""Years at which the accelerator's effect against the baseline is reported."""

_DEPTH_TOL = 1e-9


def has_accelerator(result: StressResult, scenario: str) -> bool:
    """Whether `scenario` builds an accelerator (any exposure in its unshocked run)."""
    df = result.run(scenario, False, None)
    return bool((df["Accelerator Exposure"] > MIN_EXPOSURE).any())


def _rails(flag: bool) -> str:
    return "on" if flag else "off"


def _cause(after: bool, before: bool, un_after: bool, depth: float, un_depth: float) -> str:
    if not after and not before:
        return "none"
    if not after:
        return "settings: breached before the shock only"
    if not un_after:
        return "shock: breached by the shock itself"
    if math.isfinite(depth) and math.isfinite(un_depth) and depth > un_depth + _DEPTH_TOL:
        return "settings, deepened by the shock"
    return "settings: breached without the shock too"


def breach_table(result: StressResult) -> pd.DataFrame:
    """One row per scenario, shock, rails setting and guard rail: breached or not, when, how far.

    Columns: scenario, shock, rails (on/off), rail, kind (floor/ceiling), limit, breached
    (from the shock year on), first_breach (any time), first_after_shock, worst (the worst
    reading from the shock year on), depth (how far past the limit, Dmnl), unshocked_depth,
    cause (none / shock / settings ...; "no accelerator" where the scenario has none).
    """
    rows = []
    for (scenario, shock, rails), r in result.pairs.iterrows():
        acc = has_accelerator(result, scenario)
        for rail in RAILS:
            g = lambda k, rail=rail, r=r: r[f"{rail.key}.{k}"]  # noqa: E731
            cause = (_cause(bool(g("after")), bool(g("before")), bool(g("unshocked_after")),
                            g("depth"), g("unshocked_depth")) if acc else "no accelerator")
            rows.append({"scenario": scenario, "shock": shock, "rails": _rails(rails),
                         "rail": rail.key, "kind": rail.kind, "limit": g("limit"),
                         "breached": bool(g("after")), "first_breach": g("first_any"),
                         "first_after_shock": g("first"), "worst": g("worst"),
                         "depth": g("depth"), "unshocked_depth": g("unshocked_depth"),
                         "cause": cause})
    return pd.DataFrame(rows)


IMPACT_COLUMNS = {
    "peak_bad_assets": ("peak accelerator bad assets", "BnYuan"),
    "peak_bad_assets_year": ("year of the peak", "Year"),
    "amc_capacity_at_peak": ("AMC disposal capacity at the peak", "BnYuan/Year"),
    "peak_bad_assets_years_of_capacity": ("peak bad assets / AMC capacity", "Year"),
    "loss.total": (f"losses in {LOSS_WINDOW:g} years from the shock, all bearers", "BnYuan"),
    "extra_loss.total": ("extra losses vs unshocked, all bearers", "BnYuan"),
    "loss.public": (f"losses in {LOSS_WINDOW:g} years from the shock, public bearers", "BnYuan"),
    "extra_loss.public": ("extra losses vs unshocked, public bearers", "BnYuan"),
    "extra_public_outlay": (f"extra public outlay in {LOSS_WINDOW:g} years vs unshocked", "BnYuan"),
    "tech_loans.lost": ("tech loan balance lost (largest gap)", "BnYuan"),
    "tech_loans.lost_pct": ("tech loan balance lost", "%"),
    "tech_loans.trough": ("year of the largest tech-loan gap", "Year"),
    "tech_loans.recover_years": ("years for tech loans to recover", "Year"),
    "accelerator_credit.lost": ("accelerator credit lost (largest gap)", "BnYuan"),
    "accelerator_credit.lost_pct": ("accelerator credit lost", "%"),
    "accelerator_credit.recover_years": ("years for accelerator credit to recover", "Year"),
    "firms.lost": ("firms lost (largest gap)", "ThousandFirms"),
    "firms.lost_pct": ("firms lost", "%"),
    "firms.trough": ("year of the largest firm gap", "Year"),
    "firms.recover_years": ("years for firm numbers to recover", "Year"),
}
"""Impact measures reported: column -> (label, units)."""


def impact_table(result: StressResult) -> pd.DataFrame:
    """One row per scenario, shock and rails setting; one column per impact measure.

    Recovery: years from the shock year until the series stays within 1 % of the unshocked
    run (nan: not within the run). Losses and outlay count from the shock year to the end.
    """
    df = result.pairs[list(IMPACT_COLUMNS)].reset_index()
    df["rails"] = df["rails"].map(_rails)
    return df


def loss_table(result: StressResult) -> pd.DataFrame:
    """Losses by bearer (bn yuan) from the shock year: over ``LOSS_WINDOW`` years shocked,
    unshocked and their difference (extra), and to the end of the run (shocked and extra);
    one row per scenario, shock, rails setting and bearer."""
    rows = []
    for (scenario, shock, rails), r in result.pairs.iterrows():
        for b in [*BEARERS, "total"]:
            rows.append({"scenario": scenario, "shock": shock, "rails": _rails(rails),
                         "bearer": b, "public": b in PUBLIC_BEARERS, "shocked": r[f"loss.{b}"],
                         "unshocked": r[f"unshocked_loss.{b}"], "extra": r[f"extra_loss.{b}"],
                         "shocked_to_end": r[f"loss_to_end.{b}"],
                         "extra_to_end": r[f"extra_loss_to_end.{b}"]})
    return pd.DataFrame(rows)


def effect_table(result: StressResult, years=EFFECT_YEARS) -> pd.DataFrame:
    """What each scenario adds against the baseline, unshocked, with and without guard rails.

    Columns: scenario, rails, year, firms (thousand firms: start-ups + established),
    d_firms, tech_loans, d_tech_loans (bn yuan), accelerator_credit (bn yuan),
    accelerated_firms (thousand firms).
    """
    base = result.run(BASELINE, False, None)
    t = base.index.to_numpy()
    rows = []
    for s in result.scenarios:
        for rails in (True, False):
            df = result.run(s.name, rails, None)
            for y in years:
                if y > t[-1] + 1e-9:
                    continue
                f = lambda d, y=y: float(np.interp(y, t, sum(d[v] for v in FIRM_STOCKS)))  # noqa: E731
                g = lambda d, v, y=y: float(np.interp(y, t, d[v]))  # noqa: E731
                rows.append({"scenario": s.name, "rails": _rails(rails), "year": y,
                             "firms": f(df), "d_firms": f(df) - f(base),
                             "tech_loans": g(df, "Tech Loan Balance"),
                             "d_tech_loans": g(df, "Tech Loan Balance") - g(base, "Tech Loan Balance"),
                             "accelerator_credit": g(df, "Accelerator Credit"),
                             "accelerated_firms": g(df, "Accelerated Firms")})
    return pd.DataFrame(rows)


def probability_table(result: StressResult) -> pd.DataFrame | None:
    """Over the ensemble: the probability of each breach, and of public losses, per scenario,
    shock and rails setting (None without samples).

    Columns: scenario, shock, rails, measure, probability (0-1), n (samples).
    Measures: ``<rail> breached`` (from the shock year on), ``<rail> breached by the shock``
    (not in the unshocked run), public bearers bearing at least ``MATERIAL_SHARE`` of the
    accelerator's losses, ``bad assets exceed a year of AMC capacity``; plus the 5/50/95th
    percentiles of firms and tech loans lost (in ``p5``,
    ``p50``, ``p95``, their units in ``units``).
    """
    ens = result.ensemble
    if ens is None:
        return None
    rows = []
    for (scenario, shock, rails), g in ens.groupby(level=["scenario", "shock", "rails"], sort=False):
        base = {"scenario": scenario, "shock": shock, "rails": _rails(rails), "n": len(g)}

        def add(measure, p, base=base):
            rows.append({**base, "measure": measure, "probability": float(p), "units": "",
                         "p5": math.nan, "p50": math.nan, "p95": math.nan})

        for rail in RAILS:
            add(f"{rail.key} breached", g[f"{rail.key}.after"].mean())
            add(f"{rail.key} breached by the shock",
                (g[f"{rail.key}.after"] & ~g[f"{rail.key}.unshocked_after"].astype(bool)).mean())
        add("public bearers (local government, AMCs) bear >= 1 % of accelerator losses",
            ((bearer_share(g, "local government (accelerator)")
              + bearer_share(g, "asset-management companies")) >= MATERIAL_SHARE).mean())
        add("bad assets exceed a year of AMC capacity", (g["peak_bad_assets_years_of_capacity"] > 1).mean())
        for col, units in [("firms.lost", "ThousandFirms"), ("tech_loans.lost", "BnYuan"),
                           ("peak_bad_assets", "BnYuan"), ("extra_loss.total", "BnYuan")]:
            q = np.nanpercentile(g[col].to_numpy(dtype=float), [5, 50, 95])
            rows.append({**base, "measure": col, "probability": math.nan, "units": units,
                         "p5": q[0], "p50": q[1], "p95": q[2]})
    return pd.DataFrame(rows)


MATERIAL_SHARE = 0.01
"""A bearer 'pays' when it bears at least this share of the accelerator's losses in the loss
window (the waterfall's layers are stock-limited flows, so a layer passes on a sliver of loss
even while it still has funds)."""


def bearer_share(g: pd.DataFrame, bearer: str) -> pd.Series:
    """`bearer`'s share of the accelerator's losses in the loss window (0 without losses)."""
    total = sum(g[f"loss.{b}"] for b in ACCELERATOR_BEARERS)
    return (g[f"loss.{bearer}"] / total.where(total > 0)).fillna(0.0)


BREAKING_MEASURES = {
    **{f"{r.key} breached by the shock": (lambda g, k=r.key: g[f"{k}.after"]
                                          & ~g[f"{k}.unshocked_after"].astype(bool)) for r in RAILS},
    "local government bears >= 1 % of accelerator losses":
        lambda g: bearer_share(g, "local government (accelerator)") >= MATERIAL_SHARE,
    "AMCs bear >= 1 % of accelerator losses":
        lambda g: bearer_share(g, "asset-management companies") >= MATERIAL_SHARE,
    "bad assets exceed a year of AMC capacity":
        lambda g: g["peak_bad_assets_years_of_capacity"] > 1,
}
"""Events whose breaking point (lowest shock size) is reported."""


def breaking_points(result: StressResult) -> pd.DataFrame | None:
    """The smallest shock size on the sweep grid (``SWEEP_SIZES``) at which each event happens,
    per scenario, shock and rails setting (nan: not up to the largest size the model allows).

    Columns: scenario, shock, rails, event, rate (the shock's --rate), largest_rate_tried.
    """
    sw = result.sweep
    if sw is None:
        return None
    rows = []
    for (scenario, shock, rails), g in sw.groupby(level=["scenario", "shock", "rails"], sort=False):
        rates = g.index.get_level_values("rate").to_numpy()
        for event, test in BREAKING_MEASURES.items():
            hit = np.asarray(test(g), dtype=bool)
            rows.append({"scenario": scenario, "shock": shock, "rails": _rails(rails),
                         "event": event, "rate": float(rates[hit].min()) if hit.any() else math.nan,
                         "largest_rate_tried": float(rates.max())})
    return pd.DataFrame(rows)


# -- markdown ------------------------------------------------------------------------

def _f(x, digits: int = 3, units: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    x = float(x)
    if abs(x) < 1e-9:
        return "0"
    if units == "Year" and x > 1900:  # a calendar year
        return f"{x:g}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _pct(x) -> str:
    return "–" if not math.isfinite(x) else f"{100 * x:.1f} %"


def _table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def _breach_cell(row) -> str:
    if row["cause"] == "no accelerator":
        return "n/a (no accelerator)"
    if not row["breached"]:
        if isinstance(row["first_breach"], float) and math.isfinite(row["first_breach"]):
            return f"before the shock only (from {row['first_breach']:g})"
        return "not breached"
    worst = _pct(row["worst"])
    lim = _pct(row["limit"])
    when = f"{row['first_after_shock']:g}"
    if math.isfinite(row["first_breach"]) and row["first_breach"] < row["first_after_shock"]:
        when = f"{row['first_breach']:g} (before the shock)"
    return f"**breached** {when}; worst {worst} vs {lim} ({row['cause']})"


def summary_markdown(result: StressResult, *, dashboards: dict[tuple[str, str], str] | None = None
                     ) -> str:
    """The stress test as Markdown: per scenario and shock, the breach table with and without
    guard rails, impacts, losses by bearer, the accelerator's effect, ensemble probabilities."""
    breaches = breach_table(result)
    losses = loss_table(result)
    impacts = impact_table(result).set_index(["scenario", "shock", "rails"])
    effects = effect_table(result)
    probs = probability_table(result)
    bp = breaking_points(result)
    m = result.model
    L = [f"# Stress test ({m.name}, runs to {result.until:g})", ""]
    shock_lines = [f"- **{name}** (rate {rate:g}: {sh.rate_meaning}) from {result.year:g}: "
                   f"{sh.description}." for name, (sh, rate, _) in result.shocks.items()]
    L += ["Shocks:", "", *shock_lines, "",
          "Each scenario runs with guard rails on and off, each shocked and unshocked. "
          "*Breached* means a rail's reading crossed its limit from the shock year on, while "
          "the accelerator has exposure; *cause* says whether the shock itself did it or the "
          f"settings breach the rail without any shock. Losses and outlay count over the "
          f"{LOSS_WINDOW:g} years from the shock year. A series has recovered once it stays within "
          f"{100 * RECOVERY_TOLERANCE:g} % of the unshocked run.", ""]
    if result.samples is not None:
        L += [f"Ensemble: {len(result.samples)} parameter sets ({result.sampler}, seed "
              f"{result.seed}) from the uncertainty spec, every variant on the same sets.", ""]
    for s in result.scenarios:
        acc = has_accelerator(result, s.name)
        L += [f"## {s.name}", "", " ".join(s.description.split()) or "(no description)", ""]
        if not acc:
            L += ["This scenario builds no accelerator: the guard rails do not apply, and only "
                  "the shock's effect on tech loans, firms and the other bearers is reported.", ""]
        eff = effects[effects["scenario"] == s.name]
        if acc and not eff.empty:
            rows = [[r["rails"], f"{r['year']:g}", _f(r["accelerator_credit"]),
                     _f(r["accelerated_firms"]), _f(r["d_firms"]), _f(r["d_tech_loans"])]
                    for _, r in eff.iterrows()]
            L += ["What the scenario adds against the baseline (unshocked):", "",
                  _table(["guard rails", "year", "accelerator credit (bn yuan)",
                          "accelerated firms (thousand)", "Δ firms (thousand)",
                          "Δ tech loans (bn yuan)"], rows), ""]
        for shock in result.shocks:
            L += [f"### {s.name}: {shock}", ""]
            b = breaches[(breaches["scenario"] == s.name) & (breaches["shock"] == shock)]
            rows = []
            for rail in RAILS:
                cells = []
                for rails in ("on", "off"):
                    row = b[(b["rail"] == rail.key) & (b["rails"] == rails)].iloc[0]
                    cells.append(_breach_cell(row))
                rows.append([rail.label, *cells])
            L += ["Guard rails:", "", _table(["rail", "with guard rails", "without guard rails"],
                                             rows), ""]
            rows = []
            for col, (label, units) in _impact_rows():
                vals = [impacts.loc[(s.name, shock, r), col] for r in ("on", "off")]
                rows.append([f"{label} ({units})", *[_f(v, units=units) for v in vals]])
            L += ["Impacts:", "", _table(["measure", "with guard rails", "without guard rails"],
                                         rows), ""]
            lo = losses[(losses["scenario"] == s.name) & (losses["shock"] == shock)]
            rows = []
            for bearer in [*BEARERS, "total"]:
                on = lo[(lo["bearer"] == bearer) & (lo["rails"] == "on")].iloc[0]
                off = lo[(lo["bearer"] == bearer) & (lo["rails"] == "off")].iloc[0]
                if max(abs(on["shocked"]), abs(off["shocked"]), abs(on["extra"]),
                       abs(off["extra"])) < 1e-6 and bearer != "total":
                    continue
                rows.append([bearer, _f(on["shocked"]), _f(on["extra"]), _f(on["shocked_to_end"]),
                             _f(off["shocked"]), _f(off["extra"]), _f(off["shocked_to_end"])])
            L += [f"Losses by bearer in the {LOSS_WINDOW:g} years from {result.year:g}, and to "
                  f"{result.until:g} (bn yuan; extra = shocked − unshocked):", "",
                  _table(["bearer", "rails on", "extra", f"to {result.until:g}", "rails off",
                          "extra", f"to {result.until:g}"], rows), ""]
            if bp is not None and acc:
                b2 = bp[(bp["scenario"] == s.name) & (bp["shock"] == shock)]
                rows = []
                for event in BREAKING_MEASURES:
                    cells = []
                    for rails in ("on", "off"):
                        r = b2[(b2["event"] == event) & (b2["rails"] == rails)]
                        if r.empty:
                            cells.append("–")
                            continue
                        r = r.iloc[0]
                        cells.append(f"{r['rate']:g}" if math.isfinite(r["rate"])
                                     else f"not up to {r['largest_rate_tried']:g}")
                    rows.append([event, *cells])
                L += [f"Breaking points: the smallest --rate (grid of 0.05) at which each event "
                      f"happens under {shock}:", "",
                      _table(["event", "with guard rails", "without guard rails"], rows), ""]
            if probs is not None:
                p = probs[(probs["scenario"] == s.name) & (probs["shock"] == shock)]
                measures = list(dict.fromkeys(p["measure"]))
                rows = []
                for meas in measures:
                    cells = []
                    for rails in ("on", "off"):
                        r = p[(p["measure"] == meas) & (p["rails"] == rails)].iloc[0]
                        cells.append(_pct(r["probability"]) if math.isfinite(r["probability"])
                                     else f"{_f(r['p50'])} [{_f(r['p5'])}, {_f(r['p95'])}] {r['units']}")
                    rows.append([meas, *cells])
                L += [f"Over the ensemble ({int(p['n'].iloc[0])} parameter sets; probabilities, "
                      "or median [5th, 95th percentile]):", "",
                      _table(["measure", "with guard rails", "without guard rails"], rows), ""]
            if dashboards and (s.name, shock) in dashboards:
                L += [f"![{s.name}, {shock}]({dashboards[(s.name, shock)]})", ""]
    return "\n".join(L) + "\n"


def _impact_rows():
    return list(IMPACT_COLUMNS.items())
