"""Sensitivity: a parameter with no effect has S1 ~ 0, the dominant one ranks first; the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cycle.cli.main import main
from cycle.sensitivity import run_sensitivity, sensitivity_problem, value_at
from cycle.uncertainty import load_uncertainties

SPEC = """
["Initial Tech Loan Balance"]
distribution = "uniform"
lower = 300
upper = 400
provenance = "test"

["Data Platform Unit Cost"]
distribution = "uniform"
lower = 1
upper = 4
provenance = "test: costs only matter with the data-platform lever on"

["Screening Sensitivity"]
distribution = "normal"
mean = 0.5
sd = 0.1
lower = 0
upper = 5
provenance = "test"
"""


@pytest.fixture(scope="module")
def spec(model, tmp_path_factory):
    path = tmp_path_factory.mktemp("sens") / "spec.toml"
    path.write_text(SPEC, encoding="utf-8")
    return load_uncertainties(path, model)


def test_problem_is_in_probability_space(spec):
    problem = sensitivity_problem(spec)
    assert problem["names"] == spec.names and problem["num_vars"] == 3
    assert problem["bounds"] == [[0.0, 1.0], [0.0, 1.0], [0.01, 0.99]]


def test_value_at_interpolates():
    times = np.array([2021.0, 2022.0, 2023.0])
    values = np.array([[0.0, 10.0, 20.0], [1.0, 1.0, 3.0]])
    np.testing.assert_allclose(value_at(times, values, 2022.5), [15.0, 2.0])
    np.testing.assert_allclose(value_at(times, values, 2021.0), [0.0, 1.0])
    with pytest.raises(ValueError, match="outside the run"):
        value_at(times, values, 2030.0)


def test_sobol_null_and_dominant(model, spec):
    res = run_sensitivity(spec, output="Tech Loan Balance", year=2023, method="sobol", n=64,
                          seed=2, model=model, progress=False)
    t = res.table.set_index("parameter")
    assert res.runs == 64 * (3 + 2)
    assert res.table["parameter"].iloc[0] == "Initial Tech Loan Balance"
    assert t.loc["Initial Tech Loan Balance", "ST"] > 0.5
    null = t.loc["Data Platform Unit Cost"]
    assert abs(null["S1"]) <= null["S1_conf"] + 1e-9
    assert abs(null["ST"]) <= 1e-9
    assert list(res.table.columns[-4:]) == ["S1", "S1_conf", "ST", "ST_conf"]


def test_morris_ranks_the_dominant_first(model, spec):
    res = run_sensitivity(spec, output="Tech Loan Balance", year=2022.3, method="morris", n=10,
                          seed=1, model=model, progress=False)
    assert res.runs == 10 * 4
    assert res.table["parameter"].iloc[0] == "Initial Tech Loan Balance"
    assert res.table.set_index("parameter").loc["Data Platform Unit Cost", "mu_star"] == 0


def test_cli_sensitivity(tmp_path, capsys):
    out = tmp_path / "s"
    code = main(["sensitivity", "--method", "morris", "--output", "npl ratio", "--year", "2030",
                 "--samples", "4", "--seed", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    table = pd.read_csv(out / "sensitivity.csv")
    assert {"mu_star", "mu_star_conf", "sigma", "low", "high"} <= set(table.columns)
    assert table["mu_star"].is_monotonic_decreasing
    assert "1 % and 99 % quantiles" in (out / "sensitivity.md").read_text()
    assert (out / "sensitivity.png").stat().st_size > 5_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sensitivity"]["output"] == "NPL Ratio"
    assert manifest["sensitivity"]["runs"] == 4 * (len(table) + 1)


@pytest.mark.parametrize("argv, message", [
    (["--output", "Tech Loan Balanc", "--year", "2030"], "did you mean 'Tech Loan Balance'"),
    (["--output", "NPL Ratio", "--year", "2030", "--samples", "100"], "power of 2"),
    (["--output", "NPL Ratio", "--year", "2070"], "outside"),
    (["--output", "NPL Ratio", "--year", "2030", "--method", "fast"], "invalid choice"),
])
def test_cli_sensitivity_bad_input(tmp_path, capsys, argv, message):
    code = main(["sensitivity", *argv, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and message in lines[0]
