"""Comparisons: metrics, written outputs and the levers/compare subcommands."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cycle import metrics as M
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
    base = result.scenarios[0]  # not asked for: the shipped baseline.toml, with its texts
    assert base.description.startswith("No policy") and base.description_zh.startswith("无政策")
    assert (base.levers, base.params) == ({}, {})


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
    extra = met[met["metric"] == "Extra tech credit 2025-2035"].set_index("scenario")
    assert extra.loc["baseline", "value"] == 0 and extra.loc["package_2025", "value"] > 0
    assert extra.loc["package_2025", "difference"] == extra.loc["package_2025", "value"]
    assert "Extra tech credit 2025-2050" not in set(met["metric"])  # its window leaves the run
    assert "Year tech loans double end-2021" not in set(met["metric"])


def test_rows_come_from_the_spec(result, model):
    """metrics.csv holds exactly the spec's rows, in its order, for every scenario."""
    met = result.metrics
    spec = [(m.name, y, u) for m, y, u in M.rows(model, result.until)]
    for name in ("baseline", "package_2025", "guidance_fund"):
        sel = met[met["scenario"] == name]
        got = list(zip(sel["metric"], sel["year"], sel["units"], strict=True))
        assert len(got) == len(spec)
        for (m, y, u), (m2, y2, u2) in zip(got, spec, strict=True):
            assert (m, u) == (m2, u2) and (y == y2 or (math.isnan(y) and math.isnan(y2)))
    assert [m.name for m in M.METRICS if m.group == "Scenario metrics"] == [
        "Crowd-in multiplier", "Finance leverage", "Extra tech credit 2025-2035",
        "Extra tech credit 2025-2050", "Peak NPL Ratio", "Deepest loan shortfall vs baseline"]


def test_metric_spec_is_checked():
    with pytest.raises(ValueError, match="unknown operation"):
        M.Metric("x", "", "", "mean", ("Tech Loan Balance",))
    with pytest.raises(ValueError, match="years"):
        M.Metric("x", "", "", "value_at", ("Tech Loan Balance",))
    with pytest.raises(ValueError, match="threshold"):
        M.Metric("x", "", "", "ratio_of_differences", ("A",), denominator=("B",), years=(2030.0,))


def test_operations_by_hand():
    """Each operation on a run small enough to compute by hand."""
    from dataclasses import replace

    t = pd.Index([2024.0, 2025.0, 2026.0, 2027.0], name="time")
    base = pd.DataFrame({"Tech Loan Balance": [100.0, 100, 100, 100], "NPL Ratio": 0.01}, index=t)
    run = base.assign(**{"Tech Loan Balance": [100.0, 120, 90, 140], "NPL Ratio": [0.01, 0.05, 0.02, 0.0]})
    credit = M.metric("Extra tech credit 2025-2035")
    # ∫ Δ dt from 2024.5 to 2026.5: Δ = 10, 20, -10, 15 at 2024.5, 2025, 2026, 2026.5
    assert M.evaluate(replace(credit, window=(2024.5, 2026.5)), run, base) == pytest.approx(
        (10 + 20) / 2 * 0.5 + (20 - 10) / 2 + (-10 + 15) / 2 * 0.5)
    assert math.isnan(M.evaluate(credit, run, base))  # 2035 is after the run
    assert M.evaluate(M.metric("Deepest loan shortfall vs baseline"), run, base) == pytest.approx(-0.1)
    assert M.evaluate(M.metric("Deepest loan shortfall vs baseline"), base, base) == 0
    peak = M.metric("Peak NPL Ratio")
    assert M.evaluate(peak, run, base) == 0.05
    assert M.evaluate(replace(peak, window=(2025.5, None)), run, base) == 0.02
    level = M.metric("Tech Loan Balance")
    assert M.evaluate(level, run, base, 2026.25) == pytest.approx(102.5)
    reach = replace(M.LOAN_DOUBLING, reference=2024.0, threshold=1.3)
    assert M.evaluate(reach, run, base) == pytest.approx(2026.8)
    assert math.isnan(M.evaluate(replace(reach, threshold=2.0), run, base))
    tab = M.table(_Model({"Tech Loan Balance": "BnYuan", "NPL Ratio": "Dmnl"}),
                  {"baseline": base, "run": run}, 2027.0, [level, peak])
    assert tab["year"].iloc[0] == 2027.0 and math.isnan(tab["year"].iloc[1])  # no metric year in the run
    r = tab[tab["scenario"] == "run"].set_index("metric")
    assert r.loc["Tech Loan Balance", "units"] == "BnYuan" and r.loc["Tech Loan Balance", "value"] == 140
    assert r.loc["Peak NPL Ratio", "difference"] == pytest.approx(0.04)


class _Model:
    def __init__(self, units):
        from types import SimpleNamespace

        self.variables = {k: SimpleNamespace(units=u) for k, u in units.items()}


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


def test_readme_states_every_metric_formula():
    """README's metrics section quotes each metric's formula as the spec gives it."""
    from pathlib import Path

    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    for m in M.METRICS:
        if m.op == "value_at":
            assert m.name in readme
        else:
            assert f"**{m.name}** ({m.units})" in readme and m.formula() in readme, m.name


def test_window_without_a_saved_point_is_nan():
    from dataclasses import replace

    t = pd.Index([2024.0, 2025.0], name="time")
    run = pd.DataFrame({"Tech Loan Balance": [1.0, 2.0], "NPL Ratio": [0.1, 0.2]}, index=t)
    for name in ("Peak NPL Ratio", "Deepest loan shortfall vs baseline"):
        assert math.isnan(M.evaluate(replace(M.metric(name), window=(2024.2, 2024.8)), run, run))


def test_compare_of_a_model_of_ones_own(tmp_path, own_model, capsys):
    """A model without the Northeast variables compares (its baseline): its stocks plotted,
    no metric (said in metrics.md), no metric plot, no error after the runs; a Northeast
    lever on it is refused before any run, naming the missing constant."""
    out = tmp_path / "cmp"
    assert main(["compare", "baseline", "--model", str(own_model()), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["trajectories.csv", "units.csv", "metrics.csv", "metrics.md", "trajectories.png",
         "manifest.json"])
    assert "No metric: own has none of their variables." in (out / "metrics.md").read_text()
    traj = pd.read_csv(out / "trajectories.csv")
    assert set(traj["variable"]) == {"Made"}
    capsys.readouterr()
    assert main(["compare", "reloan", "--model", str(own_model()), "--out",
                 str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has no constant 'Reloan Quota Policy'" in err[0]
    assert not (tmp_path / "r").exists()
