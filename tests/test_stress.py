"""``cycle stress``: shocks, guard-rail breaches and their causes, the output folder, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cycle.cli.main import main
from cycle.errors import UnknownNameError
from cycle.stress import SHOCKS, get_shock, run_stress
from cycle.stress.report import breach_table, probability_table, summary_markdown
from cycle.stress.shocks import StressInputError, check_rate, check_year


def test_shock_catalogue_maps_onto_model_constants(model):
    for shock in SHOCKS.values():
        params = shock.params(None, 2030, model.defaults)
        assert params and all(n in model.variables for n in params)
        model.check_params(params)  # in range at the default size
    with pytest.raises(UnknownNameError, match="did you mean 'default_wave'"):
        get_shock("default_wav")
    with pytest.raises(StressInputError):
        check_rate(1.01)
    with pytest.raises(StressInputError):
        check_rate(float("nan"))
    with pytest.raises(StressInputError):
        check_year(2050, 2021, 2050)


@pytest.fixture(scope="module")
def wave():
    """The shipped accelerator scenario and package_2025 under seed 003's 10 % default wave."""
    return run_stress(["accelerator", "package_2025"], shocks=("default_wave",), progress=False)


def test_breach_table_covers_every_scenario_rail_and_setting(wave):
    bt = breach_table(wave)
    assert len(bt) == 2 * 2 * 4  # scenarios x rails on/off x rails
    acc = bt[bt["scenario"] == "accelerator"]
    off = acc[acc["rails"] == "off"].set_index("rail")
    # seed 003's 1:15 without rails breaches its own capital floor, even unshocked
    assert off.loc["capital_adequacy", "breached"]
    assert off.loc["capital_adequacy", "cause"].startswith("settings")
    assert (bt[bt["scenario"] == "package_2025"]["cause"] == "no accelerator").all()


@pytest.mark.parametrize("rate", [0.1, 0.5, 1.0])
def test_with_rails_capital_adequacy_is_breached_only_by_the_shock_and_the_report_says_so(rate):
    res = run_stress(["accelerator"], shocks=("default_wave", "funding"), rate=rate, progress=False)
    demand = run_stress(["accelerator"], shocks=("demand",), rate=min(rate, 0.3), progress=False)
    bt = pd.concat([breach_table(res), breach_table(demand)])
    on = bt[(bt["rails"] == "on") & (bt["rail"] == "capital_adequacy")]
    for _, row in on.iterrows():
        assert not (row["breached"] and not row["cause"].startswith("shock")), row.to_dict()
    if rate == 1.0:  # a wave this large does breach the floor, and the summary says why
        row = on[on["shock"] == "default_wave"].iloc[0]
        assert row["breached"] and row["cause"].startswith("shock")
        assert row["worst"] < row["limit"]
        assert "breached by the shock itself" in summary_markdown(res)


def test_loss_tables_add_up(wave):
    p = wave.pairs
    for prefix in ("loss", "extra_loss", "loss_to_end"):
        parts = [c for c in p.columns if c.startswith(f"{prefix}.") and
                 c not in (f"{prefix}.total", f"{prefix}.public")]
        np.testing.assert_allclose(p[parts].sum(axis=1), p[f"{prefix}.total"], atol=1e-9)
    np.testing.assert_allclose(p["extra_loss.total"],
                               p["loss.total"] - p["unshocked_loss.total"], atol=1e-9)


def test_ensemble_is_seeded_and_gives_probabilities():
    kw = dict(shocks=("default_wave",), samples=6, seed=5, uncertain=("northeast",),
              progress=False, backend="numpy")
    a = run_stress(["accelerator"], **kw)
    b = run_stress(["accelerator"], **kw)
    pd.testing.assert_frame_equal(a.ensemble, b.ensemble)
    probs = probability_table(a)
    p = probs["probability"].dropna()
    assert len(p) and ((p >= 0) & (p <= 1)).all()
    assert set(probs["rails"]) == {"on", "off"}


def test_cli_writes_one_complete_folder(tmp_path, capsys):
    out = tmp_path / "stress"
    rc = main(["stress", "accelerator", "package_2025", "--shock", "default_wave", "--out", str(out)])
    assert rc == 0
    names = {p.name for p in out.iterdir()}
    expected = {"breaches.csv", "impacts.csv", "losses.csv", "effects.csv", "trajectories.csv",
                "units.csv", "summary.md", "manifest.json", "dashboard_accelerator_default_wave.png",
                "dashboard_package_2025_default_wave.png"}
    assert expected <= names
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]  # no staging left
    man = json.loads((out / "manifest.json").read_text())
    assert man["shocks"]["default_wave"]["rate"] == 0.1
    assert man["shocks"]["default_wave"]["constants"] == {"Default Wave Rate": 0.1,
                                                          "Default Wave Year": 2030.0}
    assert set(man["scenarios"]) == {"accelerator", "package_2025"}
    assert man["model"]["sha256"] and man["computation"]["loop"]
    assert (out / "dashboard_accelerator_default_wave.png").stat().st_size > 20_000
    summary = (out / "summary.md").read_text()
    assert "with guard rails" in summary and "without guard rails" in summary
    printed = capsys.readouterr().out.split()
    assert str(out / "summary.md") in printed


@pytest.mark.parametrize("args, words", [
    (["--shock", "nope"], "unknown shock 'nope'"),
    (["--rate", "1.5"], "outside [0, 1]"),
    (["--rate", "-0.2"], "outside [0, 1]"),
    (["--rate", "x"], "expects a number"),
    (["--year", "2019"], "outside the run"),
    (["--year", "2050"], "outside the run"),
    (["--year", "2070"], "outside the run"),
    (["--shock", "demand", "--rate", "0.5"], "outside its range"),  # a 50 %/yr fall
    (["--samples", "-3"], "must be >= 0"),
    (["--uncertain", "nosuchspec", "--samples", "4"], "nosuchspec"),
    (["--uncertain", "northeast"], "only with --samples"),
])
def test_bad_input_gets_one_line_and_exit_2_before_any_work(tmp_path, capsys, args, words):
    out = tmp_path / "o"
    rc = main(["stress", "accelerator", *args, "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    lines = [e for e in err if not e.startswith("Warning:")]
    assert len(lines) == 1 and lines[0].startswith("Error:") and words in lines[0], err
    assert not out.exists()


def test_unknown_scenario_is_refused(tmp_path, capsys):
    rc = main(["stress", "acclerator", "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "acclerator" in capsys.readouterr().err


def test_breaking_points_guard_rails_delay_public_losses(wave):
    from cycle.stress.report import breaking_points

    bp = breaking_points(wave)
    acc = bp[(bp["scenario"] == "accelerator") & (bp["shock"] == "default_wave")]
    for event in ("local government bears >= 1 % of accelerator losses",
                  "AMCs bear >= 1 % of accelerator losses"):
        on = acc[(acc["event"] == event) & (acc["rails"] == "on")]["rate"].iloc[0]
        off = acc[(acc["event"] == event) & (acc["rails"] == "off")]["rate"].iloc[0]
        assert np.isnan(on) or (not np.isnan(off) and on >= off), (event, on, off)
    # without rails a large enough wave reaches the local governments (the test can fail)
    lg = acc[(acc["event"] == "local government bears >= 1 % of accelerator losses")
             & (acc["rails"] == "off")]
    assert np.isfinite(lg["rate"].iloc[0])


def test_dashboard_draws_chinese_labels_without_missing_glyphs(wave, tmp_path):
    import warnings

    from cycle.stress.dashboard import plot_dashboard

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        path = plot_dashboard(wave, "accelerator", "default_wave", tmp_path / "zh.png", lang="zh")
        plot_dashboard(wave, "package_2025", "default_wave", tmp_path / "zh2.png",
                       accelerator=False, lang="zh")
    assert path.stat().st_size > 20_000


def test_ensemble_never_overrides_what_the_scenario_or_shock_sets(tmp_path, model):
    spec = tmp_path / "spec.toml"
    spec.write_text('["Accelerator Net Margin"]\ndistribution = "uniform"\nlower = 0.015\n'
                    'upper = 0.05\nprovenance = "test"\n'
                    '["Default Wave Rate"]\ndistribution = "uniform"\nlower = 0.0\nupper = 0.5\n'
                    'provenance = "test: a shock constant"\n')
    sc = tmp_path / "fixed.toml"
    sc.write_text('name = "fixed"\n[levers.accelerator]\ncapital = 5\nstart = 2025\n'
                  '[params]\n"Accelerator Net Margin" = 0.04\n')
    a = run_stress([str(sc)], samples=4, seed=1, uncertain=(str(spec),), progress=False,
                   backend="numpy")
    b = run_stress([str(sc)], samples=0, progress=False, backend="numpy")
    # the margin is the scenario's and the wave the shock's in every sample: no spread at all
    g = a.ensemble.xs(("fixed", "default_wave", True), level=["scenario", "shock", "rails"])
    np.testing.assert_allclose(g["peak_bad_assets"], b.pairs.loc[("fixed", "default_wave", True),
                                                                  "peak_bad_assets"], rtol=1e-9)


def test_a_model_without_the_stress_section_is_refused_in_one_line(tmp_path, own_model, capsys):
    out = tmp_path / "o"
    rc = main(["stress", "baseline", "--year", "2025", "--model", str(own_model()),
               "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and not out.exists()
    assert "shock 'default_wave' sets 'Default Wave Rate'" in err[0]
    assert "which the model own does not have" in err[0]
