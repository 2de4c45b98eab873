"""Every constant anywhere in its declared range gives a finite, explainable run (Sterman,
Business Dynamics, ch. 21: extreme-condition tests): each constant at both ends of its range one at
a time, and a few hundred random corners of the whole box (every constant at one of its ends at
once). Checked: every value finite, no stock below zero, fractions inside [0, 1], and the bounds
the README states hold by structure. Runs on the batch engine's NumPy loop, all members at once."""

from __future__ import annotations

import numpy as np
import pytest
from referee import NON_PARAMETERS, engine

FINAL = 2060.0
N_CORNERS = 300
FRACTIONS = ["NPL Ratio", "Bank Risk Appetite", "Lender Capability Match", "Guaranteed Share",
             "Covered Bond Share", "Public Capital Share", "State VC Share", "Early Stage Allocation",
             "Regional Pool Share", "Capacity Utilisation", "Balance Sheet Effect",
             "Unmet Demand Share", "Tech Loan Default Rate", "Bond Default Rate"]


def _constants():
    eng = engine()
    return [c for c in eng.constants if c not in NON_PARAMETERS]


def _run(params: dict[str, np.ndarray], n: int):
    with np.errstate(all="ignore"):
        return engine().run(params, n=n, final_time=FINAL, backend="numpy")


def _one_at_a_time():
    eng = engine()
    labels, members = [], []
    for c in _constants():
        for v in eng.limits[c]:
            labels.append(f"{c} = {v:g}")
            members.append((c, v))
    params = {c: np.full(len(members), eng.constants[c], dtype=float) for c in _constants()}
    for i, (c, v) in enumerate(members):
        params[c][i] = v
    return labels, params


def _corners():
    eng = engine()
    rng = np.random.default_rng(20261129)
    params = {}
    for c in _constants():
        lo, hi = eng.limits[c]
        params[c] = np.where(rng.random(N_CORNERS) < 0.5, lo, hi).astype(float)
    # a policy that ends before it starts is a valid (if odd) setting; keep them as drawn
    labels = [f"corner {i}" for i in range(N_CORNERS)]
    return labels, params


@pytest.fixture(scope="module", params=["one at a time", "random corners"])
def box(request):
    labels, params = _one_at_a_time() if request.param == "one at a time" else _corners()
    return request.param, labels, params, _run(params, len(labels))


def _fail(labels, mask, what):
    bad = [labels[i] for i in np.flatnonzero(mask)]
    assert not bad, f"{what}: {len(bad)} runs, e.g. {bad[:6]}"


def test_every_value_is_finite(box):
    _, labels, _, res = box
    for name, arr in res.values.items():
        _fail(labels, ~np.isfinite(arr).all(axis=1), f"{name} not finite")


def test_no_stock_goes_negative(box):
    _, labels, _, res = box
    for name in engine().stocks:
        arr = res.values[name]
        scale = np.maximum(1.0, np.abs(arr).max(axis=1))
        _fail(labels, arr.min(axis=1) < -1e-9 * scale, f"{name} negative")


def test_fractions_stay_in_zero_one(box):
    _, labels, _, res = box
    for name in FRACTIONS:
        arr = res.values[name]
        _fail(labels, (arr < -1e-12).any(axis=1) | (arr > 1 + 1e-12).any(axis=1), f"{name} outside [0, 1]")


def test_structural_bounds_hold(box):
    """Industry within the market and the market within its GDP ceiling; loans banks will hold
    within the funds they commit; the region's pool share below 1; no default rate above its cap."""
    _, labels, params, res = box
    v = res.values
    tol = 1e-9

    def above(lhs, rhs):
        return (lhs > rhs * (1 + tol) + tol).any(axis=1)

    va = v["Tech Industry Value Added"]
    _fail(labels, above(va, v["Market Potential"]), "value added above market potential")
    _fail(labels, above(va, v["Industrial Capacity"]), "value added above capacity")
    ceiling = params["Tech Industry Ceiling Share"][:, None] * v["Regional GDP"]
    _fail(labels, above(v["Market Potential"], ceiling), "market potential above ceiling x GDP")
    _fail(labels, above(v["Indicated Tech Loan Balance"], v["Tech Lending Funding Capacity"]),
          "indicated loans above funding capacity")
    _fail(labels, above(v["Guaranteed Loans"], v["Guarantee Capacity"]), "guaranteed loans above capacity")
    _fail(labels, above(v["Tech Loan Default Rate"], params["Max Default Rate"][:, None]),
          "default rate above its cap")


def test_loan_book_and_patient_capital_stay_below_their_bounds_when_they_start_below(box):
    """The performing book follows the indicated balance, so it stays below the banks' funding
    capacity when it starts below it and the capacity does not fall (a shrinking economy or a
    withdrawn re-loan quota lowers the bound faster than the book adjusts, and the book follows it
    down over the adjustment time); market patient capital likewise stays below the national pool
    while the pool does not shrink (it is raised from the pool's yearly commitments and exits over
    the fund life)."""
    _, labels, params, res = box
    v = res.values
    start_inside = v["Performing Tech Loans"][:, 0] <= v["Tech Lending Funding Capacity"][:, 0]
    rising = (np.diff(v["Tech Lending Funding Capacity"], axis=1) >= 0).all(axis=1)
    over = (v["Performing Tech Loans"] > v["Tech Lending Funding Capacity"] * (1 + 1e-9)).any(axis=1)
    _fail(labels, start_inside & rising & over, "performing loan book above funding capacity")
    start_inside = v["Market Patient Capital"][:, 0] <= v["National VC Pool"][:, 0]
    pool_rising = params["National VC Pool Growth"] >= 0
    over = (v["Market Patient Capital"] > v["National VC Pool"] * (1 + 1e-9)).any(axis=1)
    _fail(labels, start_inside & pool_rising & over, "market patient capital above the national pool")
