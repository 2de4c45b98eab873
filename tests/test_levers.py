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


@pytest.mark.parametrize("constant, values", [
    ("Guarantee Capital Injection Policy", (0, 5, 20)),
    ("Guarantee Loss Coverage", (0.5, 0.8, 1.0)),
])
def test_more_loan_loss_sharing_never_raises_banks_losses(model, constant, values):
    """The issue's claim in absolute terms: banks lose no more, though they lend more."""
    runs = [model.run({constant: v}, until=2050, columns=["Cumulative Bank Losses"])
            ["Cumulative Bank Losses"].to_numpy() for v in values]
    for lo, hi in zip(runs, runs[1:], strict=False):
        assert (hi <= lo + 1e-9).all()
