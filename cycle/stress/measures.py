"""What a stress test reads off pairs of runs (shocked vs unshocked), vectorised over pairs.

Every function takes arrays of shape ``(pairs, times)`` in model units, the saved times
(calendar years) and the shock year, and returns one value per pair. The same code serves
the deterministic runs and every chunk of an ensemble.
"""

from __future__ import annotations

import numpy as np

from cycle.metrics import LOSSES_BY_BEARER
from cycle.stress.rails import MIN_EXPOSURE, RAILS

__all__ = ["ACCELERATOR_BEARERS", "BEARERS", "OUTLAY", "RECOVERY_TOLERANCE", "READ_VARIABLES",
           "FIRM_STOCKS", "LOSS_WINDOW", "PUBLIC_BEARERS", "breaches", "shortfall", "pair_measures"]

ACCELERATOR_BEARERS = {
    "accelerator capital": "Cumulative Accelerator Capital Losses",
    "accelerator risk reserve": "Cumulative Accelerator Reserve Losses",
    "local government (accelerator)": "Cumulative Local Government Accelerator Losses",
    "asset-management companies": "Cumulative AMC Losses",
}
"""Bearers of accelerator losses, in the order of the waterfall."""

BEARERS = {**ACCELERATOR_BEARERS, **{
    "banks": LOSSES_BY_BEARER[0], "guarantors": LOSSES_BY_BEARER[1],
    "central bank": LOSSES_BY_BEARER[2], "local government (bonds)": LOSSES_BY_BEARER[3],
    "credit enhancers": LOSSES_BY_BEARER[4], "bond investors": LOSSES_BY_BEARER[5]}}
"""Every bearer of default losses in the model: label -> cumulative-loss stock (bn yuan)."""

PUBLIC_BEARERS = ["local government (accelerator)", "asset-management companies", "central bank",
                  "local government (bonds)"]
"""Bearers that spend public money (the AMCs are state-owned)."""

OUTLAY = ["Cumulative Public Outlay"]
"""Public outlay by every payer (the accelerators' policy finance included)."""

FIRM_STOCKS = ["Startup Firms", "Established Firms"]
"""Firm count = start-ups + established (growth, mature, listed) firms, thousand firms."""

LOSS_WINDOW = 5.0
"""Years after the shock over which losses and public outlay are compared (the wave's losses
are realised within it; later, a shrunken book loses less, which would net them out)."""

RECOVERY_TOLERANCE = 0.01
"""A series has recovered once it stays within 1 % of the unshocked run."""

READ_VARIABLES = sorted(set(
    [r.reading for r in RAILS] + [r.limit for r in RAILS] + list(BEARERS.values()) + OUTLAY
    + FIRM_STOCKS + ["Accelerator Exposure", "Accelerator Credit", "Accelerator Bad Assets",
                     "AMC Disposal Capacity", "Accelerator Capital", "Accelerator Risk Reserve",
                     "Tech Loan Balance", "Regional GDP", "Credit Cap", "Accelerated Firms",
                     "Cumulative Accelerator Losses", "Cumulative Default Losses", "NPL Ratio",
                     "Accelerator Capital Injection Policy", "Accelerator Leverage Policy",
                     "Accelerator Default Rate", "Borrower Leverage Effect", "Accelerator Loss",
                     "Accelerator Margin Income", "Balance Sheet Recession Effect"]))
"""Every model variable the stress report reads."""


def breaches(values: dict[str, np.ndarray], times: np.ndarray, year: np.ndarray | float
             ) -> dict[str, dict[str, np.ndarray]]:
    """Guard-rail breaches of each run, before and from the shock year.

    Returns
    -------
    ``{rail key: {"before": bool, "after": bool, "first_any": year, "first": year, "worst": value,
    "depth": value, "limit": value}}``,
    arrays over runs. ``first``/``worst``/``depth`` refer to breaches from the shock year on
    (nan if none); ``depth`` is how far past the limit the worst reading went (Dmnl).
    A rail is judged only while the accelerator's exposure exceeds ``MIN_EXPOSURE``.
    """
    t = np.asarray(times, dtype=float)[None, :]
    year = np.asarray(year, dtype=float).reshape(-1, 1)
    active = values["Accelerator Exposure"] > MIN_EXPOSURE
    out = {}
    for rail in RAILS:
        x = values[rail.reading]
        lim = values[rail.limit]
        depth = rail.breach_depth(x, lim)
        bad = active & (depth > 1e-12)
        after = bad & (t >= year)
        before = bad & (t < year)
        any_after = after.any(axis=1)
        first = np.where(any_after, t[0, np.argmax(after, axis=1)], np.nan)
        d_after = np.where(after, depth, -np.inf).max(axis=1)
        d_after = np.where(any_after, d_after, np.nan)
        if rail.kind == "floor":
            worst = np.where(after, x, np.inf).min(axis=1)
        else:
            worst = np.where(after, x, -np.inf).max(axis=1)
        worst = np.where(any_after, worst, np.nan)
        any_bad = bad.any(axis=1)
        first_any = np.where(any_bad, t[0, np.argmax(bad, axis=1)], np.nan)
        out[rail.key] = {"before": before.any(axis=1), "after": any_after, "first_any": first_any,
                         "first": first,
                         "worst": worst, "depth": d_after, "limit": lim[:, 0]}
    return out


def shortfall(shocked: np.ndarray, unshocked: np.ndarray, times: np.ndarray,
              year: np.ndarray | float) -> dict[str, np.ndarray]:
    """Largest shortfall of a series against the unshocked run from the shock year on.

    Returns
    -------
    ``{"lost": units, "lost_pct": %, "trough": year, "recover_years": years}`` over runs.
    ``recover_years`` is the time from the shock year until the series stays within
    ``RECOVERY_TOLERANCE`` of the unshocked run (0 if it never left; nan if not within the run).
    """
    t = np.asarray(times, dtype=float)
    year = np.asarray(year, dtype=float).reshape(-1, 1)
    from_shock = t[None, :] >= year
    gap = np.where(from_shock, unshocked - shocked, -np.inf)
    k = np.argmax(gap, axis=1)
    rows = np.arange(len(k))
    lost = np.maximum(gap[rows, k], 0.0)
    with np.errstate(all="ignore"):
        pct = np.where(unshocked[rows, k] != 0, 100 * lost / np.abs(unshocked[rows, k]), 0.0)
        below = from_shock & ((unshocked - shocked) > RECOVERY_TOLERANCE * np.abs(unshocked))
    any_below = below.any(axis=1)
    last = len(t) - 1 - np.argmax(below[:, ::-1], axis=1)
    recovered_at = np.where(last < len(t) - 1, t[np.minimum(last + 1, len(t) - 1)], np.nan)
    recover = np.where(any_below, recovered_at - year[:, 0], 0.0)
    trough = np.where(lost > 0, t[k], np.nan)
    return {"lost": lost, "lost_pct": pct, "trough": trough, "recover_years": recover}


def pair_measures(values: dict[str, np.ndarray], times: np.ndarray, shocked: np.ndarray,
                  unshocked: np.ndarray, year: np.ndarray | float) -> dict[str, np.ndarray]:
    """Flat per-pair measures: breaches in the shocked and unshocked runs, bad assets against
    AMC capacity, extra losses by bearer, extra public outlay, loans and firms lost.

    Parameters
    ----------
    values : model variable -> ``(runs, times)``; must hold :data:`READ_VARIABLES`.
    shocked, unshocked : run indices, one pair per position.
    year : shock year of each pair (or one for all).
    """
    s = {k: v[shocked] for k, v in values.items()}
    u = {k: v[unshocked] for k, v in values.items()}
    out: dict[str, np.ndarray] = {}
    bs, bu = breaches(s, times, year), breaches(u, times, year)
    for rail in RAILS:
        for k, v in bs[rail.key].items():
            out[f"{rail.key}.{k}"] = v
        out[f"{rail.key}.unshocked_after"] = bu[rail.key]["after"]
        out[f"{rail.key}.unshocked_depth"] = bu[rail.key]["depth"]
    bad = s["Accelerator Bad Assets"]
    k = np.argmax(bad, axis=1)
    rows = np.arange(len(k))
    out["peak_bad_assets"] = bad[rows, k]
    out["peak_bad_assets_year"] = np.where(bad[rows, k] > 0, np.asarray(times)[k], np.nan)
    cap = np.where(bad[rows, k] > 0, s["AMC Disposal Capacity"][rows, k], np.nan)
    out["amc_capacity_at_peak"] = cap
    with np.errstate(all="ignore"):
        out["peak_bad_assets_years_of_capacity"] = np.where(cap > 0, bad[rows, k] / cap, np.nan)
    tt = np.asarray(times, dtype=float)
    y0 = float(np.max(year))
    j = min(int(np.searchsorted(tt, y0 - 1e-9)), len(tt) - 1)
    w = min(int(np.searchsorted(tt, y0 + LOSS_WINDOW - 1e-9)), len(tt) - 1)
    for label, var in BEARERS.items():
        # losses borne from the shock year: over LOSS_WINDOW years, and to the end of the run
        out[f"loss.{label}"] = s[var][:, w] - s[var][:, j]
        out[f"unshocked_loss.{label}"] = u[var][:, w] - u[var][:, j]
        out[f"extra_loss.{label}"] = out[f"loss.{label}"] - out[f"unshocked_loss.{label}"]
        out[f"loss_to_end.{label}"] = s[var][:, -1] - s[var][:, j]
        out[f"extra_loss_to_end.{label}"] = out[f"loss_to_end.{label}"] - (u[var][:, -1] - u[var][:, j])
    for prefix in ("loss", "unshocked_loss", "extra_loss", "loss_to_end", "extra_loss_to_end"):
        out[f"{prefix}.total"] = sum(out[f"{prefix}.{b}"] for b in BEARERS)
        out[f"{prefix}.public"] = sum(out[f"{prefix}.{b}"] for b in PUBLIC_BEARERS)
    pub_s = sum(s[v][:, w] - s[v][:, j] for v in OUTLAY)  # over LOSS_WINDOW years from the shock
    pub_u = sum(u[v][:, w] - u[v][:, j] for v in OUTLAY)
    out["public_outlay"] = pub_s
    out["extra_public_outlay"] = pub_s - pub_u
    firms_s = sum(s[v] for v in FIRM_STOCKS)
    firms_u = sum(u[v] for v in FIRM_STOCKS)
    for name, (a, b) in {"tech_loans": (s["Tech Loan Balance"], u["Tech Loan Balance"]),
                         "accelerator_credit": (s["Accelerator Credit"], u["Accelerator Credit"]),
                         "firms": (firms_s, firms_u)}.items():
        for k2, v in shortfall(a, b, times, year).items():
            out[f"{name}.{k2}"] = v
    return out
