"""The accelerator sector and the stress shocks in models/northeast.mdl (issue 16), on the batch
engine: the baseline is untouched at the defaults, every yuan of accelerator loss has exactly one
bearer, the guard rails hold, and leverage acts in the direction seed 003 argues."""

from __future__ import annotations

import numpy as np
import pytest

from cycle.engine import build_engine
from cycle.levers import LEVERS
from cycle.model import model_path
from cycle.stress.rails import MIN_EXPOSURE, RAILS

ACC_BEARERS = ["Cumulative Accelerator Capital Losses", "Cumulative Accelerator Reserve Losses",
               "Cumulative Local Government Accelerator Losses", "Cumulative AMC Losses"]
RAIL_SWITCHES = [r.switch for r in RAILS]
ALL_RAILS = dict.fromkeys(RAIL_SWITCHES, 1.0)
NO_RAILS = dict.fromkeys(RAIL_SWITCHES, 0.0)
SHOCKS = {
    "none": {},
    "default wave 10 %": {"Default Wave Rate": 0.1, "Default Wave Year": 2030},
    "default wave 100 %": {"Default Wave Rate": 1.0, "Default Wave Year": 2030},
    "funding": {"Funding Shock Year": 2030, "Funding Shock Share": 1.0},
    "demand": {"Demand Shock Year": 2030, "Demand Shock Growth Loss": 0.5},
}


@pytest.fixture(scope="module")
def engine():
    return build_engine(model_path("northeast"))


def _batch(engine, rows, columns):
    """Run a list of parameter dicts as one batch (NumPy loop); values (n, T) by name."""
    keys = sorted({k for r in rows for k in r})
    params = {k: np.array([r.get(k, engine.constants[k]) for r in rows], dtype=float) for k in keys}
    res = engine.run(params, n=len(rows), return_columns=columns, backend="numpy")
    return res.times, res.values


def _draws(engine, n, seed):
    """Random accelerator settings and behaviour across their declared ranges."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        p = {"Accelerator Capital Injection Policy": rng.uniform(0.5, 60),
             "Accelerator Leverage Policy": rng.uniform(1, 30),
             "Accelerator Base Default Rate": rng.uniform(0, 0.1),
             "Accelerator Credit per Firm": rng.uniform(5, 100),
             "Accelerator Net Margin": rng.uniform(0, 0.05),
             "Accelerator Loss Given Default": rng.uniform(0.2, 1.0),
             "Provisioning Share": rng.uniform(0, 1),
             "AMC Capacity Share of GDP": rng.uniform(0, 0.01),
             "Local Government Backstop Share of GDP": rng.uniform(0, 0.01),
             "Balance Sheet Recession Sensitivity": rng.uniform(0, 50),
             "Accelerator Credit Adjustment Time": rng.uniform(0.25, 5),
             "Accelerator Loan Term": rng.uniform(0.5, 10),
             "Accelerator End Year": rng.uniform(2026, 2100)}
        out.append(p)
    return out


def test_every_new_constant_is_in_range_and_the_lever_maps_to_constants(engine):
    for s in LEVERS["accelerator"].settings:
        assert s.variable_name in engine.constants
    for name in ["Default Wave Rate", "Funding Shock Year", "Funding Shock Share",
                 "Demand Shock Year", "Demand Shock Duration", "Demand Shock Growth Loss",
                 "Output Gap Recovery Time"]:
        assert name in engine.constants


def test_accelerator_and_shocks_at_their_defaults_leave_the_baseline_untouched(engine):
    """Every hook into the rest of the model is an exact 1 (factors) or 0 (terms) at the
    defaults, so the baseline is bit-for-bit the model without the sector."""
    cols = ["Accelerator Founding Effect", "Accelerator Maturation Effect",
            "Balance Sheet Recession Effect", "Default Wave Default Rate", "Output Shortfall",
            "Funding Shock Phase", "Accelerator Credit", "Accelerator Exposure",
            "Cumulative Policy Finance Outlay", "Public Funds Received by Accelerators",
            "Local Government Accelerator Loss"]
    _, v = _batch(engine, [{}], cols)
    for c in cols:
        expected = 1.0 if c.endswith("Effect") else 0.0
        assert (v[c] == expected).all(), c


@pytest.mark.parametrize("rails", [True, False], ids=["rails on", "rails off"])
def test_every_yuan_of_accelerator_loss_is_borne_by_exactly_one_party(engine, rails):
    rows = []
    for shock in SHOCKS.values():
        for p in _draws(engine, 12, seed=7):
            rows.append({**p, **shock, **(ALL_RAILS if rails else NO_RAILS)})
    thin = {"Accelerator Capital Injection Policy": 20.0, "Accelerator Leverage Policy": 30.0,
            "Local Government Backstop Share of GDP": 0.0005, **SHOCKS["default wave 100 %"]}
    rows.append({**thin, **(ALL_RAILS if rails else NO_RAILS)})  # reaches the AMCs without rails
    cols = ACC_BEARERS + ["Cumulative Accelerator Losses", "Cumulative Accelerator Defaults",
                          "Accelerator Bad Assets", "Cumulative Public Outlay",
                          "Cumulative Public Funds Received", "Accelerator Capital",
                          "Accelerator Risk Reserve", "Accelerator Credit"]
    _, v = _batch(engine, rows, cols)
    total = v["Cumulative Accelerator Losses"]
    borne = sum(v[b] for b in ACC_BEARERS)
    scale = np.maximum(np.abs(total).max(axis=1, keepdims=True), 1.0)
    assert np.abs(borne - total).max() <= 1e-9 * scale.max()
    for b in ACC_BEARERS:
        assert (v[b] >= -1e-9).all(), b
        assert (np.diff(v[b], axis=1) >= -1e-9).all(), f"{b} decreases"
    for s in ["Accelerator Capital", "Accelerator Risk Reserve", "Accelerator Credit",
              "Accelerator Bad Assets"]:
        assert (v[s] >= -1e-9).all(), s
        assert np.isfinite(v[s]).all(), s
    pub = v["Cumulative Public Outlay"]
    assert np.abs(pub - v["Cumulative Public Funds Received"]).max() <= 1e-9 * max(np.abs(pub).max(), 1)
    if not rails:  # the waterfall reaches its last layers somewhere, or this test could not fail
        assert v["Cumulative Local Government Accelerator Losses"][:, -1].max() > 0
        assert v["Cumulative AMC Losses"][:, -1].max() > 0


def _viable(p: dict) -> bool:
    """Retained margin covers the expected loss at the base default rate (with room for the
    credit cycle): without a capital call, no rail can keep a loss-making book adequate."""
    margin = p["Accelerator Net Margin"] * (1 - p["Provisioning Share"])
    return margin >= 1.5 * p["Accelerator Base Default Rate"] * p["Accelerator Loss Given Default"]


def test_with_rails_capital_adequacy_stays_above_its_floor_without_a_shock(engine):
    """Random viable settings, rails on, no shock: capital adequacy never below its floor.
    (Loss-making settings do breach it; the stress report calls that a settings breach.)"""
    draws = [p for p in _draws(engine, 400, seed=11) if _viable(p)][:60]
    assert len(draws) == 60
    rows = [{**p, **ALL_RAILS} for p in draws]
    cols = ["Accelerator Capital Adequacy", "Minimum Capital Adequacy", "Accelerator Exposure"]
    _, v = _batch(engine, rows, cols)
    active = v["Accelerator Exposure"] > MIN_EXPOSURE
    gap = np.where(active, v["Accelerator Capital Adequacy"] - v["Minimum Capital Adequacy"], np.inf)
    assert gap.min() >= -1e-9, f"capital adequacy {gap.min():.3g} below the floor without a shock"
    # and the rail matters: the same draws without rails breach it
    rows = [{**p, **NO_RAILS} for p in draws]
    _, w = _batch(engine, rows, cols)
    active = w["Accelerator Exposure"] > MIN_EXPOSURE
    assert (np.where(active, w["Accelerator Capital Adequacy"] - w["Minimum Capital Adequacy"],
                     np.inf) < 0).any()


@pytest.mark.parametrize("shock", ["none", "default wave 10 %", "default wave 100 %", "funding"])
def test_circuit_breaker_bounds_exposure_at_its_share_of_gdp(engine, shock):
    """Only the circuit breaker on, capital large enough that it binds, random draws."""
    rows = [{**p, **NO_RAILS, "Credit Cap Rail Switch": 1.0, **SHOCKS[shock],
             "Accelerator Capital Injection Policy": 100.0} for p in _draws(engine, 40, seed=3)]
    cols = ["Accelerator Credit to GDP", "Credit Cap Share of GDP"]
    _, v = _batch(engine, rows, cols)
    excess = v["Accelerator Credit to GDP"] - v["Credit Cap Share of GDP"]
    assert excess.max() <= 1e-9
    assert excess.max() > -0.005, "the breaker never binds: the test could not fail"
    rows = [{**r, "Credit Cap Rail Switch": 0.0} for r in rows]
    _, w = _batch(engine, rows, cols)
    assert (w["Accelerator Credit to GDP"] > w["Credit Cap Share of GDP"]).any()


def test_more_leverage_adds_firms_and_losses_under_the_default_wave(engine):
    """Seed 003's trade-off: leverage from 1:5 to 1:15 raises the accelerator's effect on firms
    and its losses when the default wave comes (rails off, so leverage is not capped)."""
    levs = [5.0, 10.0, 15.0]
    base = {"Accelerator Capital Injection Policy": 2.0, **NO_RAILS}
    rows = [{}] + [{**base, "Accelerator Leverage Policy": x} for x in levs]
    rows += [{**base, "Accelerator Leverage Policy": x, **SHOCKS["default wave 10 %"]} for x in levs]
    t, v = _batch(engine, rows, ["Startup Firms", "Established Firms",
                                 "Cumulative Accelerator Losses"])
    firms = v["Startup Firms"] + v["Established Firms"]
    for year in (2035.0, 2050.0):
        k = int(np.searchsorted(t, year))
        effect = firms[1:4, k] - firms[0, k]
        assert effect[0] > 0 and (np.diff(effect) > 0).all(), (year, effect)
    losses = v["Cumulative Accelerator Losses"][4:7, -1]
    assert (np.diff(losses) > 0).all(), losses


def test_demand_shock_lowers_gdp_for_its_duration_then_recovers(engine):
    t, v = _batch(engine, [{}, SHOCKS["demand"]], ["Regional GDP", "Output Shortfall"])
    ratio = v["Regional GDP"][1] / v["Regional GDP"][0]
    k0, k2 = np.searchsorted(t, 2030.0), np.searchsorted(t, 2032.0)
    assert ratio[k0] == 1.0 and ratio[k2] < 0.6
    assert np.all(np.diff(v["Regional GDP"][1][k0:k2]) < 0)  # GDP falls during the shock
    assert ratio[-1] > ratio[k2]  # and regains ground on its trend afterwards


def test_balance_sheet_recession_feedback_matters(engine):
    """Cutting the feedback (sensitivity 0) of undisposed bad assets on lending: with AMC capacity
    too small for the wave, banks and accelerators then lend more after it."""
    wave = {"Accelerator Capital Injection Policy": 20.0, "AMC Capacity Share of GDP": 0.0005,
            **NO_RAILS, **SHOCKS["default wave 100 %"]}
    t, v = _batch(engine, [wave, {**wave, "Balance Sheet Recession Sensitivity": 0.0}],
                  ["Tech Loan Balance", "Accelerator Credit", "Accelerator Bad Assets",
                   "Balance Sheet Recession Effect"])
    after = t > 2031
    assert v["Balance Sheet Recession Effect"][0, after].min() < 0.9  # the overhang bites
    assert (v["Tech Loan Balance"][1, after] >= v["Tech Loan Balance"][0, after]).all()
    assert (v["Accelerator Credit"][1, after] >= v["Accelerator Credit"][0, after]).all()
    assert v["Tech Loan Balance"][1, -1] > v["Tech Loan Balance"][0, -1]


def test_accelerator_credit_raises_borrowers_leverage_and_tech_loan_defaults(engine):
    t, v = _batch(engine, [{}, {"Accelerator Capital Injection Policy": 20.0, **NO_RAILS}],
                  ["Borrower Leverage", "Tech Loan Default Rate", "Accelerator Credit"])
    k = int(np.searchsorted(t, 2035.0))
    assert v["Accelerator Credit"][1, k] > 0
    assert v["Borrower Leverage"][1, k] > v["Borrower Leverage"][0, k]
    assert v["Tech Loan Default Rate"][1, -1] > v["Tech Loan Default Rate"][0, -1]


def test_engine_agrees_with_pysd_on_the_accelerator_under_every_shock(engine, model):
    """The stress runs take the batch engine; PySD, the reference, gives the same trajectories."""
    from cycle.scenarios import load_scenario

    params = {**load_scenario("accelerator").to_params(model), "Default Wave Rate": 0.5,
              "Default Wave Year": 2030.0, "Funding Shock Year": 2033.0, "Funding Shock Share": 0.5,
              "Demand Shock Year": 2036.0, "Demand Shock Growth Loss": 0.2,
              "Capital Adequacy Rail Switch": 0.0}
    cols = ["Accelerator Credit", "Accelerator Capital", "Accelerator Risk Reserve",
            "Accelerator Bad Assets", "Cumulative Local Government Accelerator Losses",
            "Cumulative AMC Losses", "Regional GDP", "Tech Loan Balance", "Startup Firms"]
    ref = model.run(params, columns=cols)
    _, v = _batch(engine, [{**model.calibration, **params}], cols)
    for c in cols:
        np.testing.assert_allclose(v[c][0], ref[c].to_numpy(), rtol=1e-9, atol=1e-9, err_msg=c)
