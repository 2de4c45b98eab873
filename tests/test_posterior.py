"""Priors from outside the data, the emcee posterior, and the ensemble's posterior draws."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cycle.calibration.fit import FitOptions, fit, load_parameters
from cycle.calibration.observed import evidence, load_observations
from cycle.calibration.posterior import McmcOptions, sample_posterior

from cycle.cli.main import main
from cycle.model import load_model
from cycle.uncertainty import PosteriorSample, load_posterior, posterior_rows

HEADER = ["series", "region", "variable", "period", "measure", "value", "unit", "sigma", "weight",
          "source", "definition"]
TRUE = {"Policy Capability Sensitivity": 4.0, "Base Regional Pool Share": 0.06}


@pytest.fixture(scope="module")
def raw_model():
    return load_model("northeast", calibrated=False)


# ------------------------------------------------------------------ priors and observations

def test_every_prior_comes_from_outside_the_fitted_data(raw_model):
    params = load_parameters(model=raw_model)
    assert params
    for p in params:
        src = p.prior.source.lower()
        assert src and not re.search(r"\b(calibrated|fitted to)\b", src), (p.name, p.prior.source)
        # a constant whose .mdl value is an earlier fit must not have its prior centred there
        mdl_source = raw_model.variables[p.name].source.lower()
        centre = p.prior.params.get("mean", p.prior.params.get("median"))
        if mdl_source.startswith("calibrated") and centre is not None:
            assert abs(centre - raw_model.defaults[p.name]) > 1e-6 * abs(centre), p.name


def test_initial_conditions_are_listed_but_not_fitted(raw_model):
    obs = load_observations(model=raw_model)
    assert set(obs["role"]) == {"evidence", "initial condition", "excluded"}
    ev = evidence(obs)
    assert set(ev["series"]) >= {"ne_tech_loans", "ne_vc_capital"}
    # the .mdl sets the initial firm stocks from seed 002's counts: those counts are not evidence
    for name in ("Initial Startup Firms", "Initial Growth Firms", "Initial Mature Firms"):
        assert "seed 002" in raw_model.variables[name].source
    assert not ev["variable"].isin(["Tech SME Count", "High Tech Enterprise Count"]).any()
    assert obs["sigma_basis"].str.len().gt(10).all()  # every sigma is justified


# ------------------------------------------------------------------ tiny emcee on synthetic data

def _synthetic(tmp_path: Path, model) -> tuple[Path, Path]:
    df = model.run(TRUE, until=2026, columns=["Tech Loan Balance", "Patient Capital"])
    rows = []
    for var, sigma in (("Tech Loan Balance", 8.0), ("Patient Capital", 1.5)):
        for year in (2021, 2022, 2023, 2024):
            rows.append([var[:4], "NE", var, str(year), "balance", f"{float(df.loc[year + 1.0, var]):.6f}",
                         "BnYuan", sigma, 1, "synthetic", "model at known values"])
    data = tmp_path / "synthetic.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    params = tmp_path / "p.toml"
    params.write_text(
        '["Policy Capability Sensitivity"]\nlower = 0.5\nupper = 15.0\n'
        'prior = { distribution = "lognormal", median = 3.0, sigma = 1.0, source = "test prior" }\n\n'
        '["Base Regional Pool Share"]\nlower = 0.01\nupper = 0.2\n'
        'prior = { distribution = "uniform", source = "test prior" }\n', encoding="utf-8")
    return data, params


@pytest.fixture(scope="module")
def tiny_posterior(tmp_path_factory, raw_model):
    tmp = tmp_path_factory.mktemp("post")
    data, params = _synthetic(tmp, raw_model)
    res = fit(data, parameters=params, seed=2,
              options=FitOptions(popsize=6, maxiter=10, profile_points=0, progress=False))
    post = sample_posterior(res, McmcOptions(walkers=12, steps=250, draws=300, projection_draws=40,
                                             progress=False), seed=5)
    return res, post


def test_tiny_emcee_recovers_known_parameters(tiny_posterior):
    _, post = tiny_posterior
    table = post.table.set_index("name")
    for name, true in TRUE.items():
        assert table.loc[name, "p2.5"] <= true <= table.loc[name, "p97.5"], (name, table.loc[name])
        assert table.loc[name, "shrinkage"] < 0.5  # the data, not the prior, set it
    d = post.diagnostics
    assert 0.15 < d["acceptance_mean"] < 0.8
    assert set(d["tau"]) == set(TRUE) and all(np.isfinite(list(d["tau"].values())))
    assert d["ess_min"] > 50
    assert len(post.draws) == 300 and list(post.draws.columns) == list(TRUE)


def test_posterior_is_reproducible(tiny_posterior):
    res, _ = tiny_posterior
    opts = McmcOptions(walkers=8, steps=30, draws=40, projection_draws=10, progress=False)
    one, two = sample_posterior(res, opts, seed=9), sample_posterior(res, opts, seed=9)
    pd.testing.assert_frame_equal(one.draws, two.draws)


def test_projection_intervals_and_ridges(tiny_posterior):
    _, post = tiny_posterior
    p = post.projections
    assert set(p["year"]) == {2030.0, 2035.0, 2050.0}
    assert {"Tech Loan Balance", "Patient Capital", "Industrial Capacity", "NPL Ratio"} <= set(p["output"])
    post_rows = p[p["which"] == "posterior"]
    assert (post_rows["p2.5"] <= post_rows["p50"]).all() and (post_rows["p50"] <= post_rows["p97.5"]).all()
    r = post.ridges
    assert len(r) == 2 and r["variance_share"].is_monotonic_decreasing
    assert r["variance_share"].sum() == pytest.approx(1.0)
    loadings = r[[c for c in r.columns if c.startswith("loading: ")]].to_numpy()
    np.testing.assert_allclose(loadings @ loadings.T, np.eye(2), atol=1e-9)  # orthonormal directions


# ------------------------------------------------------------------ posterior draws in ensembles

def test_posterior_rows_keep_correlations():
    rng = np.random.default_rng(0)
    cov = np.array([[1.0, -0.8], [-0.8, 1.0]])
    draws = pd.DataFrame(rng.multivariate_normal([5, 5], cov, 3000), columns=["a", "b"])
    sample = PosteriorSample(draws=draws, source=Path("x.csv"), info={})
    rows = posterior_rows(sample, 1500, seed=3)
    assert rows.shape == (1500, 2)
    assert rows.corr().loc["a", "b"] == pytest.approx(draws.corr().loc["a", "b"], abs=0.05)
    pd.testing.assert_frame_equal(rows, posterior_rows(sample, 1500, seed=3))
    assert len(posterior_rows(sample, 5000, seed=1)) == 5000  # more rows than draws: with replacement


def test_shipped_posterior_matches_the_model_and_parameters():
    model = load_model("northeast")
    sample = load_posterior(model)
    assert sample is not None, "no posterior sample shipped for this model: run cycle calibrate"
    assert list(sample.draws.columns) == [p.name for p in load_parameters(model=model)]
    assert len(sample.draws) >= 1000


def test_ensemble_samples_the_posterior_jointly(tmp_path):
    from cycle.ensemble import run_ensemble, write_ensemble

    model = load_model("northeast")
    sample = load_posterior(model)
    res = run_ensemble(["baseline"], "northeast", n=600, seed=4, until=2030, model=model,
                       progress=False)
    cols = list(sample.draws.columns)
    assert set(cols) <= set(res.samples.columns)
    got = res.samples[cols].corr().to_numpy()
    want = sample.draws.corr().to_numpy()
    strong = np.abs(want) > 0.3
    assert strong.sum() > len(cols)  # some off-diagonal correlation exists to keep
    np.testing.assert_allclose(got[strong], want[strong], atol=0.12)
    # every drawn row is a row of the posterior sample (not independent marginals)
    merged = res.samples[cols].merge(sample.draws.drop_duplicates(), on=cols, how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    write_ensemble(res, tmp_path, plots=False)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["posterior"]["used"] is True and manifest["posterior"]["drawn"] == 600
    off = run_ensemble(["baseline"], "northeast", n=50, seed=4, until=2030, model=model,
                       progress=False, posterior=False)
    assert not set(cols) & set(off.samples.columns)


# ------------------------------------------------------------------ the command, tiny

def test_cli_calibrate_tiny(tmp_path, capsys):
    out = tmp_path / "cal"
    code = main(["calibrate", "--walkers", "24", "--steps", "40", "--draws", "60", "--maxiter", "3",
                 "--profile-points", "0", "--quiet", "--out", str(out)])
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {"report.md", "fitted_parameters.toml", "posterior.csv", "projections.csv", "ridges.csv",
            "posterior_pairs.png", "posterior_predictive.png", "projections.png", "manifest.json"} <= names
    text = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("Convergence diagnostics", "Posterior table", "Posterior correlations",
                    "Projection intervals the posterior implies", "Ridge directions",
                    "Figures listed but not fitted", "Which constants matter: the screen"):
        assert heading in text
    assert re.search(r"\| Tech Loan Balance \| BnYuan \| 2050 \|", text)
    draws = pd.read_csv(out / "posterior.csv", index_col=0)
    assert len(draws) == 60 and "log_posterior" in draws


def test_cli_calibrate_bad_walkers(tmp_path, capsys):
    code = main(["calibrate", "--walkers", "3", "--out", str(tmp_path / "x")])
    assert code == 2
    assert "walkers must be even" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
