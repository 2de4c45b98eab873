"""Comparisons: metrics, written outputs and the levers/compare subcommands."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cycle.cli.main import main
from cycle.compare import compare, write_comparison
from cycle.metrics import crowd_in_multiplier, loan_doubling_year, peak_npl_ratio


@pytest.fixture(scope="module")
def result(model):
    return compare(["package_2025", "guidance_fund"], until=2035, model=model, progress=False)


def test_baseline_first_and_tidy(result):
    assert [s.name for s in result.scenarios] == ["baseline", "package_2025", "guidance_fund"]
    assert list(result.trajectories.columns) == ["scenario", "time", "variable", "value"]
    assert result.trajectories["time"].max() == 2035


def test_metrics(result):
    met = result.metrics
    base = met[met["scenario"] == "baseline"]
    assert base["year"].dropna().isin([2030, 2035]).all()  # 2050 is after the run
    crowd = met[met["metric"] == "Crowd-in multiplier"]
    assert crowd[crowd["scenario"] == "baseline"]["value"].isna().all()
    assert crowd[crowd["scenario"] != "baseline"]["value"].notna().all()
    tlb = met[(met["metric"] == "Tech Loan Balance") & (met["year"] == 2035)].set_index("scenario")
    assert tlb.loc["baseline", "difference"] == 0
    assert tlb.loc["package_2025", "difference"] == pytest.approx(
        tlb.loc["package_2025", "value"] - tlb.loc["baseline", "value"])


def test_metric_functions():
    t = pd.Index([2021.0, 2022.0, 2023.0, 2024.0], name="time")
    run = pd.DataFrame({"Tech Loan Balance": [80, 100, 150, 250], "NPL Ratio": [0.01, 0.03, 0.02, 0],
                        "Private Finance Outstanding": [0, 0, 0, 10],
                        "Central Bank Funds Outstanding": [0, 0, 0, 4],
                        "Cumulative Public Outlay": [0, 0, 0, 1]}, index=t)
    base = run.assign(**{"Private Finance Outstanding": 0.0, "Central Bank Funds Outstanding": 0.0,
                         "Cumulative Public Outlay": 0.0})
    assert loan_doubling_year(run) == pytest.approx(2023.5)
    assert math.isnan(loan_doubling_year(run.assign(**{"Tech Loan Balance": 100.0})))
    assert peak_npl_ratio(run) == 0.03
    assert crowd_in_multiplier(run, base, 2024) == pytest.approx(2.0)
    assert math.isnan(crowd_in_multiplier(base, base, 2024))


def test_write_comparison(result, tmp_path):
    paths = write_comparison(result, tmp_path, argv=["test"])
    names = {p.name for p in paths}
    assert names == {"trajectories.csv", "units.csv", "metrics.csv", "metrics.md",
                     "trajectories.png", "metric_differences.png", "manifest.json"}
    assert "package_2025" in (tmp_path / "metrics.md").read_text()


def test_cli_levers(capsys):
    assert main(["levers"]) == 0
    out = capsys.readouterr().out
    assert "Reloan Quota Policy" in out and "Loan Term Policy" in out


def test_cli_compare(tmp_path, capsys):
    code = main(["compare", "reloan", "data_platform", "--until", "2035", "--out", str(tmp_path)])
    assert code == 0
    for name in ["trajectories.csv", "metrics.csv", "metrics.md", "trajectories.png",
                 "metric_differences.png", "manifest.json"]:
        assert (tmp_path / name).is_file()


@pytest.mark.parametrize("bad", ["relaon", "nosuch.toml"])
def test_cli_compare_unknown_scenario(tmp_path, capsys, bad):
    code = main(["compare", bad, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("Error: ")


def test_cli_compare_unknown_lever(tmp_path, capsys):
    p = tmp_path / "x.toml"
    p.write_text("[levers.relaon]\nquota = 1\n")
    assert main(["compare", str(p), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'reloan'" in err
