"""Levers: catalogue against the model, directions of effect, defaults equal the baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cycle.errors import UnknownNameError
from cycle.levers import LEVERS, ConflictError, check_constraints, get_lever, lever_table

COLS = ["Tech Loan Balance", "Cumulative Bond Investor Losses", "Industrial Capacity"]


@pytest.fixture(scope="module")
def base(model):
    return model.run(until=2040, columns=COLS)


def test_every_lever_constant_is_a_model_constant(model):
    for lever in LEVERS.values():
        for name in lever.constants():
            assert model.variables[name].kind == "constant", name


def test_required_levers_present():
    for name in ["reloan", "bond_risk_sharing", "guarantee_capital", "guidance_fund",
                 "data_platform", "npl_tolerance", "loan_term"]:
        assert name in LEVERS


def test_table_reads_defaults_and_ranges_from_model(model):
    table = lever_table(model)
    row = table[(table["lever"] == "reloan") & (table["setting"] == "quota")].iloc[0]
    assert row["model constant"] == "Reloan Quota Policy"
    assert row["default"] == model.defaults["Reloan Quota Policy"]
    lo, hi = model.variables["Reloan Quota Policy"].limits
    assert row["range"] == f"[{lo:g}, {hi:g}]"


def test_unknown_lever_and_setting_suggest():
    with pytest.raises(UnknownNameError, match="did you mean 'reloan'"):
        get_lever("reloans")
    with pytest.raises(UnknownNameError, match="did you mean 'quota'"):
        LEVERS["reloan"].setting("quotas")


def test_loss_shares_conflict(model):
    with pytest.raises(ConflictError, match="conflicting settings.*> 1"):
        check_constraints(model, {"Central Bank Bond Loss Share": 0.7})
    check_constraints(model, {"Central Bank Bond Loss Share": 0.6})


def test_more_reloan_quota_never_lowers_loans(model):
    runs = [model.run({"Reloan Quota Policy": q}, until=2040, columns=COLS)["Tech Loan Balance"]
            for q in (0, 100, 300)]
    for lo, hi in zip(runs, runs[1:], strict=False):
        assert (hi.to_numpy() >= lo.to_numpy() - 1e-9).all()


BOND_BEARERS = ["Cumulative Central Bank Losses", "Cumulative Local Government Losses",
                "Cumulative Credit Enhancer Losses", "Cumulative Bond Investor Losses"]


def test_more_bond_loss_sharing_never_raises_investors_share_of_losses(model):
    """Absolute investor losses may grow (risk sharing draws more bonds); their share may not."""
    p = {"Bond Purchase Policy": 10}
    cols = BOND_BEARERS
    shares = []
    for s in (0.1, 0.3, 0.6):
        df = model.run({**p, "Central Bank Bond Loss Share": s}, until=2040, columns=cols).iloc[1:]
        shares.append((df["Cumulative Bond Investor Losses"] / df[cols].sum(axis=1)).to_numpy())
    for lo_share, hi_share in zip(shares, shares[1:], strict=False):
        assert (hi_share <= lo_share + 1e-12).all()


def test_more_guarantee_capital_never_raises_banks_share_of_loan_losses(model):
    cols = ["Cumulative Bank Losses", "Cumulative Guarantor Losses"]
    shares = []
    for injection in (0, 5, 20):
        df = model.run({"Guarantee Capital Injection Policy": injection}, until=2040,
                       columns=cols).iloc[1:]
        shares.append((df["Cumulative Bank Losses"] / df[cols].sum(axis=1)).to_numpy())
    for lo, hi in zip(shares, shares[1:], strict=False):
        assert (hi <= lo + 1e-12).all()


@pytest.mark.parametrize("lever", list(LEVERS))
def test_lever_at_defaults_equals_baseline(model, base, lever):
    params = {s.variable_name: model.defaults[s.variable_name] for s in LEVERS[lever].settings}
    params[LEVERS[lever].time_constants()["start"]] = 2025.0
    run = model.run(params, until=2040, columns=COLS)
    pd.testing.assert_frame_equal(run, base)
    assert np.isfinite(run.to_numpy()).all()


def test_more_guarantee_loss_coverage_never_raises_banks_losses(model):
    """Banks lose no more when guarantors cover more of each loss, though they lend more."""
    runs = [model.run({"Guarantee Loss Coverage": v}, until=2050, columns=["Cumulative Bank Losses"])
            ["Cumulative Bank Losses"].to_numpy() for v in (0.5, 0.8, 1.0)]
    for lo, hi in zip(runs, runs[1:], strict=False):
        assert (hi <= lo + 1e-9).all()


# Mechanisms of the levers, on the batch engine (one member per case).

def test_reloans_refinance_new_lending_within_the_quota():
    from referee import run_members

    res = run_members([{"Reloan Quota Policy": q, "Reloan Start Year": 2025} for q in (33, 500)],
                      final_time=2040.0, saveper=0.0625,
                      columns=["Reloan Balance", "Reloan Quota", "Reloan Drawdown", "New Tech Lending",
                               "Bank Tech Risk Capital", "Public Funds Received by Banks"])
    v = res.values
    assert (v["Reloan Balance"] <= v["Reloan Quota"] + 1e-9).all()
    share = 0.6 * 0.67  # PBoC refinanced share x central transmission (model defaults)
    assert (v["Reloan Drawdown"] <= share * v["New Tech Lending"] + 1e-9).all()
    assert v["Reloan Balance"][0, -1] > 0.9 * 33  # a small quota fills up
    assert v["Public Funds Received by Banks"][1, -1] > v["Public Funds Received by Banks"][0, -1] > 0


def test_the_bond_tool_buys_only_with_its_reloan_quota():
    from referee import run_members

    cases = [{"Bond Purchase Policy": 10, "Bond Tool Quota Policy": q} for q in (0, 5, 100)]
    res = run_members(cases, final_time=2040.0, columns=["Risk Shared Bonds", "Bond Tool Quota",
                                                         "Central Bank Funds Outstanding"])
    v = res.values
    assert v["Risk Shared Bonds"][0].max() == 0.0
    assert (v["Risk Shared Bonds"][1] <= 5 + 1e-9).all()
    assert v["Risk Shared Bonds"][2, -1] > v["Risk Shared Bonds"][1, -1] > 0
    np.testing.assert_allclose(v["Central Bank Funds Outstanding"], v["Risk Shared Bonds"], atol=1e-9)


@pytest.mark.parametrize("sensitivity", [0.0, 2.0])
def test_moral_hazard_makes_risk_sharing_raise_defaults(sensitivity):
    """Risk sharing lowers lenders' screening effort through Moral Hazard Sensitivity: with it, more
    guarantee capital raises the default rate; without it, only the borrower mix and leverage move it."""
    from referee import at, run_members

    res = run_members([{"Moral Hazard Sensitivity": sensitivity},
                       {"Moral Hazard Sensitivity": sensitivity, "Guarantee Capital Injection Policy": 20}],
                      columns=["Moral Hazard Effect", "Tech Loan Default Rate"])
    base, more = at(res, "Moral Hazard Effect", 2035.0)
    if sensitivity == 0:
        assert base == more == 1.0
    else:
        assert more > base > 1.0
        d0, d1 = at(res, "Tech Loan Default Rate", 2035.0)
        assert d1 > d0


def test_guarantee_adequacy_is_capital_strength_as_well_as_a_leverage_limit():
    """Requiring the Yangtze delta's 18.7 % adequacy makes guarantees more credible (banks give them
    more credit); with the capital to back it (the yrd_conditions injection) loans rise."""
    from referee import at, run_members

    res = run_members([{}, {"Guarantee Capital Adequacy Policy": 0.187},
                       {"Guarantee Capital Adequacy Policy": 0.187, "Guarantee Capital Injection Policy": 5}],
                      columns=["Guarantee Credibility", "Tech Loan Balance"])
    cred = at(res, "Guarantee Credibility", 2035.0)
    assert cred[1] > cred[0] and cred[2] > cred[0]
    loans = at(res, "Tech Loan Balance", 2035.0)
    assert loans[2] > loans[0]
