"""Ensembles: ordered percentiles, zero-width uncertainty, Dask == sequential, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cycle.cli.main import main
from cycle.engine import build_engine
from cycle.engine.native import compiler
from cycle.ensembles.evaluators import DaskEvaluator, SequentialEvaluator
from cycle.ensembles.runner import ENSEMBLE_VARIABLES, run_ensemble
from cycle.uncertainty import load_uncertainties

SMALL = """
["Screening Sensitivity"]
distribution = "triangular"
lower = 0.25
mode = 0.5
upper = 1.0
provenance = "test"

["Default Leverage Elasticity"]
distribution = "uniform"
lower = 1.2
upper = 3.0
provenance = "test"
"""


@pytest.fixture(scope="module")
def small_spec(model, tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return load_uncertainties(path, model)


def test_percentiles_are_ordered(model, small_spec):
    res = run_ensemble(["reloan"], small_spec, n=64, seed=1, model=model, until=2035,
                       progress=False, posterior=False)
    pct = res.percentiles
    assert list(pct.columns) == ["scenario", "variable", "time", "p5", "p25", "p50", "p75", "p95"]
    assert set(pct["scenario"]) == {"baseline", "reloan"}
    assert set(pct["variable"]) == set(ENSEMBLE_VARIABLES)
    assert pct["time"].max() == pytest.approx(2035)
    q = pct[["p5", "p25", "p50", "p75", "p95"]].to_numpy()
    assert np.all(np.diff(q, axis=1) >= -1e-12)
    assert res.samples.shape == (64, 2)
    assert res.n == 64


def test_zero_width_median_is_the_deterministic_run(model, tmp_path):
    path = tmp_path / "fixed.toml"
    path.write_text('["Screening Sensitivity"]\ndistribution = "uniform"\nlower = 0.7\n'
                    'upper = 0.7\nprovenance = "fixed for the test"\n', encoding="utf-8")
    spec = load_uncertainties(path, model)
    res = run_ensemble(["baseline"], spec, n=16, seed=0, model=model, progress=False, posterior=False)
    eng = build_engine(model.path)
    det = eng.run({**model.calibration, "Screening Sensitivity": 0.7}, n=1,
                  return_columns=ENSEMBLE_VARIABLES)
    for v in ENSEMBLE_VARIABLES:
        med = res.percentiles.query("variable == @v")
        np.testing.assert_allclose(med["p50"], det.values[v][0], rtol=1e-13, atol=0)
        np.testing.assert_allclose(med["p5"], med["p95"], rtol=1e-13, atol=0)


def test_dask_equals_sequential(model, small_spec):
    kw = dict(n=200, seed=5, model=model, until=2030, chunk_size=50, keep_runs=True,
              progress=False)
    with SequentialEvaluator() as ev:
        seq = run_ensemble(["guidance_fund"], small_spec, evaluator=ev, **kw)
    with DaskEvaluator(n_workers=2, processes=False) as ev:
        par = run_ensemble(["guidance_fund"], small_spec, evaluator=ev, **kw)
    pd.testing.assert_frame_equal(seq.percentiles, par.percentiles, check_exact=True)
    pd.testing.assert_frame_equal(seq.samples, par.samples, check_exact=True)
    for v in ENSEMBLE_VARIABLES:
        np.testing.assert_array_equal(seq.runs[v].values, par.runs[v].values)
    assert seq.runs[ENSEMBLE_VARIABLES[0]].dims == ("scenario", "run", "time")
    assert seq.runs[ENSEMBLE_VARIABLES[0]].attrs["units"]


def test_cli_ensemble(tmp_path, capsys):
    out = tmp_path / "ens"
    code = main(["ensemble", "reloan", "--samples", "32", "--seed", "3", "--until", "2030",
                 "--out", str(out), "--format", "parquet", "--sampler", "sobol"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "2 scenarios × 32 samples = 64 runs" in captured.err
    pct = pd.read_parquet(out / "percentiles.parquet")
    assert set(pct["scenario"]) == {"baseline", "reloan"}
    samples = pd.read_csv(out / "samples.csv", index_col="run")
    assert len(samples) == 32
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["ensemble"]["seed"] == 3 and manifest["ensemble"]["sampler"] == "sobol"
    assert manifest["ensemble"]["samples"] == 32
    comp = manifest["computation"]
    assert comp["engine"] == "engine" and comp["chunk_size"] == 5000
    assert comp["loop"] == (["c"] if compiler() else ["numpy"])
    assert "SequentialEvaluator" in comp["evaluator"] and "exact" in comp["reduction"]
    assert "Screening Sensitivity" in manifest["uncertainty"]["parameters"]
    assert manifest["posterior"]["used"] and manifest["posterior"]["drawn"] == 32
    assert (out / "fan_charts.png").stat().st_size > 10_000
    assert (out / "fan_tech_loan_balance.png").is_file()


@pytest.mark.parametrize("argv, message", [
    (["ensemble", "baseline", "--samples", "4", "--uncertain", "BAD"], "did you mean"),
    (["ensemble", "nonexistent_scenario", "--samples", "4"], "unknown scenario"),
    (["ensemble", "baseline", "--samples", "0"], "positive integer"),
])
def test_cli_ensemble_bad_input(tmp_path, capsys, argv, message):
    if "BAD" in argv:
        bad = tmp_path / "bad.toml"
        bad.write_text('["Screening Sensitivity"]\ndistribution = "beta"\na = 1\n'
                       'provenance = "x"\n', encoding="utf-8")
        argv = [str(bad) if a == "BAD" else a for a in argv]
        message = "unknown distribution 'beta'"
    code = main([*argv, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and message in lines[0]


def test_cli_ensemble_variables_and_raw(tmp_path, capsys):
    import xarray as xr

    out = tmp_path / "ens"
    code = main(["ensemble", "guidance_fund", "--samples", "70", "--seed", "2", "--until", "2030",
                 "--variables", "Tech Loan Balance", "growth_firms", "--raw", "zarr",
                 "--chunk-size", "30", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    pct = pd.read_csv(out / "percentiles.csv")
    assert set(pct["variable"]) == {"Tech Loan Balance", "Growth Firms"}
    ds = xr.open_zarr(out / "runs.zarr")
    assert ds["Growth Firms"].dims == ("scenario", "run", "time")
    assert ds["Growth Firms"].attrs["units"] == "ThousandFirms"
    assert list(ds["scenario"].values) == ["baseline", "guidance_fund"]
    raw = ds["Tech Loan Balance"].sel(scenario="guidance_fund").values
    p50 = pct.query("scenario == 'guidance_fund' and variable == 'Tech Loan Balance'")["p50"]
    np.testing.assert_array_equal(np.percentile(raw, 50, axis=0), p50.to_numpy())
    assert ds["parameter_value"].shape == (70, len(ds["parameter"]))
    manifest = json.loads((out / "manifest.json").read_text())
    # chunks of 30, 30 and 10 runs: the loop follows the chunk size, never the cache
    loop = manifest["computation"]["loop"]
    assert loop == ["c"] if compiler() else (loop == ["numpy"] or "numba" in loop)
    assert "spilled to disk" in manifest["computation"]["reduction"]


def test_spilled_reduction_equals_in_memory(model, small_spec, monkeypatch):
    """Raw runs spilled to disk chunk by chunk give the very percentiles of the in-memory path."""
    import cycle.ensembles.runner as E

    kw = dict(n=150, seed=4, model=model, until=2030, chunk_size=40, progress=False)
    mem = run_ensemble(["reloan"], small_spec, **kw)
    monkeypatch.setattr(E, "MEMORY_BUDGET", 0)
    disk = run_ensemble(["reloan"], small_spec, **kw)
    assert "spilled" in disk.computation["reduction"] and "memory" in mem.computation["reduction"]
    pd.testing.assert_frame_equal(mem.percentiles, disk.percentiles, check_exact=True)


@pytest.mark.slow
def test_same_seed_same_numbers_cold_and_warm_cache(tmp_path):
    """First run on an empty cache (nothing compiled yet), then a second one: percentiles.csv is
    byte for byte the same, because the loop is chosen by chunk size, not by what is compiled."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CYCLE_CACHE_DIR": str(tmp_path / "cold-cache")}
    outs = []
    for i in range(2):
        out = tmp_path / f"e{i}"
        subprocess.run([sys.executable, "-c", "from cycle.cli.main import entry; entry()",
                        "ensemble", "baseline", "--samples", "150", "--seed", "1", "--until",
                        "2030", "--chunk-size", "100", "--out", str(out)],
                       check=True, env=env, capture_output=True)
        outs.append(out)
    assert (outs[0] / "percentiles.csv").read_bytes() == (outs[1] / "percentiles.csv").read_bytes()
    loops = [json.loads((o / "manifest.json").read_text())["computation"]["loop"] for o in outs]
    assert loops[0] == loops[1] == (["c"] if compiler() else ["numba", "numpy"])


def test_dask_ships_no_trajectories(model, small_spec):
    """On a cluster, chunks write their runs where they run and return none; the percentiles
    equal the sequential ones."""
    kw = dict(n=120, seed=6, model=model, until=2030, chunk_size=40, progress=False)
    with SequentialEvaluator() as ev:
        seq = run_ensemble(["reloan"], small_spec, evaluator=ev, **kw)
    shipped = []
    with DaskEvaluator(n_workers=2, processes=False) as ev:
        evaluate = ev.evaluate

        def spy(chunks, callback=None):
            results = evaluate(chunks, callback=callback)
            shipped.extend(sum(v.nbytes for v in r.values.values()) for r in results)
            return results

        ev.evaluate = spy
        par = run_ensemble(["reloan"], small_spec, evaluator=ev, **kw)
    assert "spilled" in par.computation["reduction"]
    assert len(shipped) == 6 and not any(shipped), "a worker shipped trajectories"
    pd.testing.assert_frame_equal(seq.percentiles, par.percentiles, check_exact=True)


def test_percentiles_of_chunks_are_numpys_of_the_whole():
    """Chunks are read in place, a few saved times at a time: the same bits as
    np.percentile over all runs (np.nanpercentile with NaN runs, and a warning)."""
    import warnings

    import numpy as np

    from cycle.ensembles.runner import PERCENTILES, percentile_table

    rng = np.random.default_rng(5)
    chunks = [rng.lognormal(size=(n, 37)) for n in (700, 700, 301)]
    for c in chunks:  # ties, a constant column, and zeros of both signs
        c[:, 3] = np.round(c[:, 3], 1) + 1
        c[:, 4] = 2.5
        c[::7, 20] = 0.0
        c[::11, 20] = -0.0
        c[:, 21] = np.where(c[:, 21] > 1, 0.0, -0.0)
    whole = np.concatenate(chunks)
    times = np.arange(37) / 4 + 2021
    table = percentile_table({"x": chunks}, times, "s")
    ref = np.percentile(whole, PERCENTILES, axis=0)
    assert all(table[f"p{p}"].to_numpy().tobytes() == ref[i].tobytes()
               for i, p in enumerate(PERCENTILES))
    assert table.equals(percentile_table({"x": whole}, times, "s"))
    chunks[1][3, 5] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = percentile_table({"x": chunks}, times, "s")
    assert "1 of 1701 runs have NaN" in str(caught[0].message)
    ref = np.nanpercentile(np.concatenate(chunks), PERCENTILES, axis=0)
    assert all(table[f"p{p}"].to_numpy().tobytes() == ref[i].tobytes()
               for i, p in enumerate(PERCENTILES))


def test_percentiles_over_threads_are_the_same_numbers(monkeypatch):
    """Large tables spread their variables over threads: the same bits as one thread."""
    import cycle.ensembles.runner as E

    rng = np.random.default_rng(11)
    values = {f"v{i}": [rng.lognormal(size=(300, 40)), rng.normal(size=(200, 40))]
              for i in range(5)}
    values["v0"][1][3, 7] = np.nan  # a failed run: np.nanpercentile's path
    times = np.arange(40.0)
    monkeypatch.setattr(E, "_THREADED_FROM", 10**12)
    with pytest.warns(UserWarning, match="1 of 500 runs have NaN"):
        one = E.percentile_table(values, times, "s")
    monkeypatch.setattr(E, "_THREADED_FROM", 1)
    monkeypatch.setattr(E, "available_cores", lambda: 3)
    with pytest.warns(UserWarning, match="1 of 500 runs have NaN"):
        threaded = E.percentile_table(values, times, "s")
    pd.testing.assert_frame_equal(one, threaded, check_exact=True)


def test_fan_charts_drawn_on_one_frame_are_those_of_new_figures(model, small_spec, tmp_path):
    """plot_fan keeps its frame for the next variable: each chart's pixels must be those of
    the chart drawn alone, whatever was drawn before (other data limits, errorbars)."""
    from PIL import Image

    from cycle.plotting import fan

    result = run_ensemble(["baseline"], small_spec, n=8, seed=3, model=model, progress=False)
    observed = fan._observed(model)
    first, second = "Tech Loan Balance", "NPL Ratio"
    fan.plot_fan(result, first, tmp_path / "a.png", observed=observed)
    fan.plot_fan(result, second, tmp_path / "reused.png", observed=observed)
    fan._FRAME.clear()
    fan.plot_fan(result, second, tmp_path / "alone.png", observed=observed)
    reused = np.asarray(Image.open(tmp_path / "reused.png"))
    alone = np.asarray(Image.open(tmp_path / "alone.png"))
    assert reused.shape == alone.shape
    assert (reused == alone).all()
    assert not (reused == np.asarray(Image.open(tmp_path / "a.png"))).all()
