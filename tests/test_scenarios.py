"""Scenarios: shipped files load and run with consistent accounting; bad files fail clearly."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cycle.errors import CycleError, OutOfRangeError, UnknownNameError
from cycle.levers import ConflictError
from cycle.metrics import LOSSES_BY_BEARER, OUTLAY_BY_PAYER
from cycle.scenarios import ScenarioError, available_scenarios, load_scenario

ACCOUNTS = (["Cumulative Default Losses", "Cumulative Public Outlay"] + LOSSES_BY_BEARER
            + OUTLAY_BY_PAYER)


def test_shipped_scenarios_present():
    names = available_scenarios()
    assert names[0] == "baseline"
    for n in ["reloan", "bond_risk_sharing", "guarantee_capital", "guidance_fund", "data_platform",
              "npl_tolerance", "loan_term", "package_2025", "yrd_conditions"]:
        assert n in names


@pytest.mark.parametrize("name", available_scenarios())
def test_shipped_scenario_runs_and_accounts(model, name):
    s = load_scenario(name, model)
    assert s.description
    run = model.run(s.to_params(model), columns=ACCOUNTS)
    assert np.isfinite(run.to_numpy()).all()
    np.testing.assert_allclose(run["Cumulative Default Losses"], run[LOSSES_BY_BEARER].sum(axis=1),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(run["Cumulative Public Outlay"], run[OUTLAY_BY_PAYER].sum(axis=1),
                               rtol=1e-9, atol=1e-12)


def test_yrd_guarantee_capacity_recovers(model):
    s = load_scenario("yrd_conditions", model)
    cols = ["Guarantee Capacity"]
    base = model.run(until=2050, columns=cols)["Guarantee Capacity"]
    run = model.run(s.to_params(model), until=2050, columns=cols)["Guarantee Capacity"]
    late = run.index >= 2030
    assert (run[late] >= base[late]).all()


def test_by_path_and_params(tmp_path, model):
    p = tmp_path / "mine.toml"
    p.write_text('name = "mine"\n[levers.reloan]\nquota = 40\nstart = 2026\n'
                 '[params]\n"Guarantee Fee Rate" = 0.02\n')
    s = load_scenario(p, model)
    assert s.to_params(model) == {"Reloan Quota Policy": 40.0, "Reloan Start Year": 2026.0,
                                  "Guarantee Fee Rate": 0.02}


BAD = {
    "unknown_lever": ('[levers.reloans]\nquota = 1\n', UnknownNameError,
                      r"bad\.toml.*unknown lever 'reloans'; did you mean 'reloan'"),
    "unknown_setting": ('[levers.reloan]\nquotta = 1\n', UnknownNameError,
                        r"levers\.reloan\.quotta.*did you mean 'quota'"),
    "unknown_field": ('nmae = "x"\n', UnknownNameError,
                      r"unknown top-level field 'nmae'; did you mean 'name'"),
    "out_of_range": ('[levers.reloan]\nquota = 900\n', OutOfRangeError,
                     r"levers\.reloan\.quota = 900 is outside the range \[0, 500\] BnYuan"),
    "start_outside": ('[levers.reloan]\nquota = 10\nstart = 2055\n', ScenarioError,
                      r"levers\.reloan\.start = 2055 is outside the run \[2021, 2050\]"),
    "ramp_negative": ('[levers.reloan]\nquota = 10\nramp = -1\n', CycleError,
                      r"levers\.reloan\.ramp = -1"),
    "end_before_start": ('[levers.reloan]\nquota = 10\nstart = 2030\nend = 2030\n', ScenarioError,
                         r"levers\.reloan\.end = 2030 must be after start = 2030"),
    "shares_conflict": ('[levers.bond_risk_sharing]\ncentral_bank_share = 0.5\n'
                        'local_government_share = 0.4\n', ConflictError,
                        r"conflicting settings.*central_bank_share 0\.5.*= 1\.1 > 1"),
    "param_duplicates_lever": ('[levers.reloan]\nquota = 10\n[params]\n"Reloan Rate" = 0.01\n',
                               ConflictError, r"conflicting settings: params\.Reloan Rate.*'reloan'"),
    "unknown_param": ('[params]\n"Lender Wilingness Scale" = 1\n', UnknownNameError,
                      r"params\.Lender Wilingness Scale.*did you mean"),
    "malformed": ('[levers.reloan\nquota = 1\n', ScenarioError, r"bad\.toml: malformed TOML.*line 1"),
    "non_numeric": ('[levers.reloan]\nquota = "lots"\n', ScenarioError,
                    r"levers\.reloan\.quota = 'lots' is not a number"),
    "bool_value": ('[levers.reloan]\nquota = true\n', ScenarioError, r"is not a number"),
    "description_zh_not_text": ('description_zh = 3\n', ScenarioError,
                                r"'description_zh' must be strings"),
    "description_zh_misspelt": ('descripton_zh = "x"\n', UnknownNameError,
                                r"did you mean 'description_zh'"),
}


@pytest.mark.parametrize("name", available_scenarios())
def test_shipped_scenarios_are_described_in_chinese_too(name):
    """Each shipped scenario has a Chinese description (the zh pages show it) that the
    pages' font covers and that no line fold of the file split with a space."""
    from cycle.explore.fonts import missing_glyphs

    s = load_scenario(name)
    cjk = [c for c in s.description_zh if ord(c) > 0x2E7F]
    assert len(cjk) > len(s.description_zh) / 3  # Chinese text, not a copy of the English
    assert missing_glyphs(s.description_zh) == ""
    assert not re.search(r"[\u2e80-\uffff]\s+[\u2e80-\uffff]", s.description_zh)


@pytest.mark.parametrize("case", list(BAD))
def test_bad_scenarios_fail_clearly(tmp_path, model, case):
    text, exc, pattern = BAD[case]
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(exc, match=pattern) as info:
        load_scenario(p, model)
    assert "\n" not in str(info.value)


def test_start_checked_against_until(tmp_path, model):
    p = tmp_path / "late.toml"
    p.write_text('[levers.reloan]\nquota = 10\nstart = 2040\n')
    s = load_scenario(p, model)
    with pytest.raises(ScenarioError, match=r"outside the run \[2021, 2035\]"):
        s.to_params(model, until=2035)


def test_unknown_shipped_name():
    with pytest.raises(UnknownNameError, match="unknown scenario 'relaon'; did you mean 'reloan'"):
        load_scenario("relaon")
