"""Behaviour anomaly tests (Sterman, Business Dynamics, ch. 21): change one thing a banker or an
SD reviewer can reason about and check the model moves the way they expect. Batch engine, NumPy
loop, one member per case; each test compares against the baseline member."""

from __future__ import annotations

import numpy as np
import pytest
from referee import at, engine, run_members

COLS = ["Tech Loan Balance", "Industrial Capacity", "Tech Industry Value Added", "High Tech Enterprise Count",
        "Tech SME Count", "NPL Ratio", "Bank Risk Appetite", "Early Stage Finance Adequacy",
        "Growth Finance Adequacy", "Cumulative Bank Losses", "Cumulative Default Losses", "Patient Capital",
        "Risk Sharing Capital", "Guaranteed Share"]

C = engine().constants
CASES = {
    "baseline": {},
    "less collateral access": {k: C[k] / 2 for k in ["Startup Collateral Access", "Growth Collateral Access",
                                                     "Mature Collateral Access"]},
    "fewer firms": {k: C[k] / 2 for k in ["Initial Startup Firms", "Initial Growth Firms",
                                          "Initial Mature Firms", "Initial Listed Firms"]},
    "shrinking market": {"Regional GDP Growth": -0.05},
    "zero risk sharing": {"Initial Risk Sharing Capital": 0, "Baseline Guarantee Funding": 0,
                          "Local Policy Rule Switch": 0},
    "default wave": {"Default Wave Size": 4, "Default Wave Year": 2030, "Default Wave Duration": 1},
    "no policy push": {"Tech Finance Push Start Year": 2060},
    "higher NPL tolerance": {"NPL Tolerance Policy": 0.05},
    "data platform": {"Data Connectivity Policy": 0.85},
    "all loans default": {"Base Tech Loan Default Rate": 1, "Base Bond Default Rate": 1},
}


@pytest.fixture(scope="module")
def res():
    return run_members(list(CASES.values()), final_time=2050.0, columns=COLS)


def v(res, case, name, year):
    return at(res, name, year)[list(CASES).index(case)]


@pytest.mark.parametrize("case", ["less collateral access", "fewer firms", "shrinking market",
                                  "zero risk sharing", "no policy push"])
def test_less_of_something_banks_need_means_fewer_loans(res, case):
    for year in (2030.0, 2050.0):
        assert v(res, case, "Tech Loan Balance", year) < 0.98 * v(res, "baseline", "Tech Loan Balance", year)


def test_less_collateral_access_starves_firms_of_finance(res):
    for name in ["Early Stage Finance Adequacy", "Growth Finance Adequacy", "High Tech Enterprise Count"]:
        assert v(res, "less collateral access", name, 2040.0) < v(res, "baseline", name, 2040.0), name


def test_fewer_firms_means_less_industry(res):
    for name in ["Industrial Capacity", "Tech Industry Value Added"]:
        assert v(res, "fewer firms", name, 2030.0) < 0.95 * v(res, "baseline", name, 2030.0), name


def test_a_shrinking_market_shrinks_industry_and_firms(res):
    """Industry falls below its 2021 level; firms fall behind the baseline (public R&D still grows)."""
    for name in ["Tech Industry Value Added", "Industrial Capacity"]:
        assert v(res, "shrinking market", name, 2050.0) < v(res, "shrinking market", name, 2021.0), name
    for name in ["Tech SME Count", "High Tech Enterprise Count"]:
        assert v(res, "shrinking market", name, 2050.0) < 0.8 * v(res, "baseline", name, 2050.0), name


def test_without_risk_sharing_banks_bear_more_of_the_losses(res):
    share = {c: v(res, c, "Cumulative Bank Losses", 2050.0) / v(res, c, "Cumulative Default Losses", 2050.0)
             for c in ("baseline", "zero risk sharing")}
    assert share["zero risk sharing"] > share["baseline"] + 0.05
    assert v(res, "zero risk sharing", "Guaranteed Share", 2030.0) < 1e-6


def test_a_default_wave_shows_retreat_and_recovery(res):
    """NPLs jump, appetite falls, lending retreats within three years, then recovers most of the gap."""
    t = res.times
    base = res.values["Tech Loan Balance"][0]
    wave = res.values["Tech Loan Balance"][list(CASES).index("default wave")]
    gap = wave / base - 1
    after = (t >= 2030.0) & (t <= 2033.0)
    assert gap[after].min() < -0.05, "no retreat"
    assert abs(gap[np.searchsorted(t, 2045.0)]) < abs(gap[after].min()) / 2, "no recovery"
    assert v(res, "default wave", "NPL Ratio", 2031.0) > 1.5 * v(res, "baseline", "NPL Ratio", 2031.0)
    appetite = "Bank Risk Appetite"
    assert v(res, "default wave", appetite, 2031.5) < v(res, "baseline", appetite, 2031.5)


def test_the_2021_24_rise_needs_the_policy_push(res):
    def grow(c):
        return (v(res, c, "Tech Loan Balance", 2024.5) / v(res, c, "Tech Loan Balance", 2022.0)) ** 0.4 - 1

    assert grow("baseline") > 0.18
    assert grow("no policy push") < 0.05


@pytest.mark.parametrize("case", ["higher NPL tolerance", "data platform"])
def test_easing_a_friction_raises_lending(res, case):
    assert v(res, case, "Tech Loan Balance", 2035.0) > 1.02 * v(res, "baseline", "Tech Loan Balance", 2035.0)


def test_the_data_platform_lowers_defaults(res):
    assert v(res, "data platform", "NPL Ratio", 2027.0) < v(res, "baseline", "NPL Ratio", 2027.0)


def test_when_all_loans_default_banks_retreat(res):
    retreat = C["NPL Retreat Share"]
    assert v(res, "all loans default", "NPL Ratio", 2030.0) > 0.3
    assert v(res, "all loans default", "Bank Risk Appetite", 2030.0) < 1 - retreat + 0.01
    loans = "Tech Loan Balance"
    assert v(res, "all loans default", loans, 2050.0) < 0.2 * v(res, "baseline", loans, 2050.0)


def test_the_boom_is_followed_by_a_lagged_rise_in_defaults(res):
    """Credit cycle in the baseline: the 2021-24 lending boom outgrows earnings, and NPLs rise
    only afterwards (borrower quality responds with a lag)."""
    assert v(res, "baseline", "NPL Ratio", 2024.0) < 0.02
    assert v(res, "baseline", "NPL Ratio", 2029.0) > v(res, "baseline", "NPL Ratio", 2024.0) + 0.005
    # and the loss loop binds: appetite well below its 2021 level once NPLs near the tolerance
    appetite = "Bank Risk Appetite"
    assert v(res, "baseline", appetite, 2035.0) < 0.75 * v(res, "baseline", appetite, 2021.0)


def test_the_knowledge_index_normalisation_cancels():
    """Initial Knowledge Stock only sets the index's base (100 in 2021): at either end of its
    range the Knowledge Stock scales with it and every other variable is unchanged."""
    eng = engine()
    cols = [c for c in COLS if c != "Knowledge Stock"] + ["Knowledge Stock", "Firm Founding",
                                                         "Technology Demand Share"]
    base = eng.run({}, n=1, final_time=2050.0, return_columns=cols, backend="numpy")
    from cycle.model import load_model

    lo, hi = load_model("northeast").variables["Initial Knowledge Stock"].limits
    assert (lo, hi) == (1.0, 1000.0)
    for k in (lo, hi):
        r = eng.run({"Initial Knowledge Stock": k}, n=1, final_time=2050.0, return_columns=cols,
                    backend="numpy")
        for c in cols:
            want = np.asarray(base.values[c], float) * (k / 100 if c == "Knowledge Stock" else 1)
            np.testing.assert_allclose(np.asarray(r.values[c], float), want, rtol=1e-9, atol=1e-12,
                                       err_msg=c)
