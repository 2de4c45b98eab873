"""Dimensional consistency: a parser of the .mdl's units checks every equation against its
declared units (Sterman, Business Dynamics, ch. 21), and deliberately wrong units fail it."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cycle.model import available_models, model_path
from cycle.units import UnitsError, check_units, parse_units


def test_units_strings_parse():
    assert parse_units("Dmnl") == {}
    assert parse_units("BnYuan/(Year*ThousandFirms)") == {
        "BnYuan": Fraction(1), "Year": Fraction(-1), "ThousandFirms": Fraction(-1)}
    assert parse_units("1/Year") == {"Year": Fraction(-1)}
    assert parse_units("BnYuan/(Year*Year)") == parse_units("BnYuan/Year^2")
    with pytest.raises(UnitsError):
        parse_units("BnYuan/(Year")


@pytest.mark.parametrize("name", available_models())
def test_every_shipped_model_is_dimensionally_consistent(name):
    assert check_units(model_path(name)) == []


WRONG = {
    "declared units of a flow": ("Performing Tech Loans/Tech Loan Term\n\t~\tBnYuan/Year",
                                 "Performing Tech Loans/Tech Loan Term\n\t~\tBnYuan", "Loan Repayments"),
    "a sum of a flow and a stock": ("R and D Spending*R and D Productivity/Nominal Cost Index\n",
                                    "R and D Spending*R and D Productivity+Knowledge Stock\n",
                                    "Knowledge Creation"),
    "EXP of a dimensioned argument": ("EXP(Regional GDP Growth*(Time-INITIAL TIME))",
                                      "EXP(Regional GDP Growth*Time*Time)", "Regional GDP"),
    "a stock drained by a stock": ("Knowledge Creation-Knowledge Obsolescence,",
                                   "Knowledge Creation-Knowledge Stock,", "Knowledge Stock"),
    "a power of a dimensioned base": (
        "ZIDZ(Applied Knowledge, Initial Applied Knowledge)^Technology Elasticity",
        "Applied Knowledge^Technology Elasticity", "Technology Productivity Effect"),
}


@pytest.mark.parametrize("case", list(WRONG))
def test_deliberately_wrong_units_fail(tmp_path, case):
    old, new, culprit = WRONG[case]
    text = model_path("northeast").read_text(encoding="utf-8")
    assert old in text, f"test out of date: {old!r} not in the model"
    bad = tmp_path / "bad.mdl"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    problems = check_units(bad)
    assert any(p.startswith(culprit) for p in problems), problems
