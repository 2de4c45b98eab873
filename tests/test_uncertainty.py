"""Uncertainty specs: validation messages, seeded sampling, distribution moments."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cycle.errors import OutOfRangeError, UnknownNameError
from cycle.uncertainty import (
    DISTRIBUTIONS,
    UncertaintyError,
    available_specs,
    load_uncertainties,
    unit_samples,
)


def spec_file(tmp_path, body: str):
    path = tmp_path / "spec.toml"
    path.write_text(body, encoding="utf-8")
    return path


def entry(name: str, fields: str, provenance: str = 'provenance = "test"') -> str:
    return f'["{name}"]\n{fields}\n{provenance}\n'


@pytest.mark.parametrize("body, error, pattern", [
    (entry("Screening Sensitivty", 'distribution = "uniform"\nlower = 0.1\nupper = 1'),
     UnknownNameError, r"unknown variable 'Screening Sensitivty'; did you mean 'Screening Sensitivity'"),
    (entry("Tech Loan Balance", 'distribution = "uniform"\nlower = 1\nupper = 2'),
     UncertaintyError, r"Tech Loan Balance is a stock, not a constant"),
    (entry("Technology Transfer Efficiency", 'distribution = "uniform"\nlower = 0.2\nupper = 1.5'),
     OutOfRangeError, r"reaches \[0.2, 1.5\], outside the range \[0.01, 1\] Dmnl"),
    (entry("State Share Drag", 'distribution = "normal"\nmean = 0.5\nsd = 0.1'),
     OutOfRangeError, r"outside the range \[0, 1\] Dmnl the model declares \(add lower/upper truncation\)"),
    (entry("Screening Sensitivity", 'distribution = "uniform"\nlower = "low"\nupper = 1'),
     UncertaintyError, r"Screening Sensitivity.lower = 'low' is not a number"),
    (entry("Screening Sensitivity", 'distribution = "uniform"\nlower = nan\nupper = 1'),
     UncertaintyError, r"is not a finite number"),
    (entry("Screening Sensitivity", 'distribution = "gaussian"\nmean = 0.5\nsd = 0.1'),
     UncertaintyError, r"unknown distribution 'gaussian' .*valid: uniform, normal, triangular, lognormal"),
    (entry("Screening Sensitivity", 'distribution = "triangular"\nlower = 0.2\nupper = 1'),
     UncertaintyError, r"triangular needs lower, mode, upper; 'mode' is missing"),
    (entry("Screening Sensitivity", 'distribution = "uniform"\nlower = 0.2\nupper = 1\nmode = 0.3'),
     UncertaintyError, r"uniform takes no parameter 'mode'"),
    (entry("Screening Sensitivity", 'distribution = "uniform"\nlower = 0.8\nupper = 0.2'),
     UncertaintyError, r"lower = 0.8 must not exceed upper = 0.2"),
    (entry("Screening Sensitivity", 'distribution = "lognormal"\nmedian = -1\nsigma = 0.2\nupper = 5'),
     UncertaintyError, r"median = -1 must be > 0"),
    (entry("Screening Sensitivity", 'distribution = "uniform"\nlower = 0.2\nupper = 1', provenance=""),
     UncertaintyError, r"'provenance' must be a non-empty line"),
    ('["Screening Sensitivity"\ndistribution = 1', UncertaintyError, r"malformed TOML"),
    ('description = "nothing"\n', UncertaintyError, r"no uncertain constants"),
])
def test_validation_errors(model, tmp_path, body, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        load_uncertainties(spec_file(tmp_path, body), model)
    assert "spec.toml" in str(info.value)  # names the file
    assert "\n" not in str(info.value)


def test_unknown_spec_name_suggests(model):
    with pytest.raises(UnknownNameError, match="did you mean 'northeast'"):
        load_uncertainties("northeest", model)


def test_shipped_spec_covers_uncalibrated_and_leaves_calibrated_to_the_posterior(model):
    from cycle.calibration.fit import load_parameters

    spec = load_uncertainties("northeast", model)
    assert "northeast" in available_specs()
    from cycle.levers import lever_constants

    uncalibrated = [v.name for v in model.variables.values() if v.kind == "constant"
                    and "uncalibrated" in v.doc and v.name not in lever_constants()]
    assert uncalibrated and set(uncalibrated) <= set(spec.names)
    # the calibrated constants are drawn jointly from the posterior sample, never from
    # independent marginals here (that would break their correlations)
    calibrated = {p.name for p in load_parameters(model=model)}
    assert not calibrated & set(spec.names)
    assert all(u.provenance and "\n" not in u.provenance for u in spec.uncertainties)


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_sampling_is_reproducible_and_within_bounds(model, sampler):
    spec = load_uncertainties("northeast", model)
    a = spec.sample(256, sampler=sampler, seed=7)
    b = spec.sample(256, sampler=sampler, seed=7)
    c = spec.sample(256, sampler=sampler, seed=np.random.default_rng(7))
    d = spec.sample(256, sampler=sampler, seed=np.random.default_rng(7))
    assert a.shape == (256, len(spec)) and list(a.columns) == spec.names
    assert a.equals(b) and c.equals(d)
    assert not a.equals(spec.sample(256, sampler=sampler, seed=8))
    for u in spec.uncertainties:
        lo, hi = u.support()
        assert a[u.name].between(lo, hi).all(), u.name
        vlo, vhi = model.variables[u.name].limits
        assert not (a[u.name] < vlo).any() and not (a[u.name] > vhi).any()


def test_lhs_stratifies_each_column():
    u = unit_samples(100, 3, sampler="lhs", seed=1)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * 100).astype(int)) == list(range(100))


def test_unknown_sampler_lists_valid():
    with pytest.raises(ValueError, match=re.escape("unknown sampler 'mc'; valid: lhs, sobol")):
        unit_samples(10, 2, sampler="mc")


def test_distribution_moments(model, tmp_path):
    body = "".join([
        entry("Screening Sensitivity", 'distribution = "uniform"\nlower = 1\nupper = 3'),
        entry("Valuation Elasticity", 'distribution = "normal"\nmean = 2\nsd = 0.3\nlower = 0\nupper = 5'),
        entry("Duration Match Half Ratio",
              'distribution = "triangular"\nlower = 0.1\nmode = 0.4\nupper = 1.3'),
        entry("Bond Appetite Sensitivity", 'distribution = "lognormal"\nmedian = 2\nsigma = 0.5\nupper = 20'),
    ])
    spec = load_uncertainties(spec_file(tmp_path, body), model)
    s = spec.sample(20_000, seed=3)
    assert s["Screening Sensitivity"].mean() == pytest.approx(2.0, abs=0.01)
    assert s["Screening Sensitivity"].std() == pytest.approx(2 / np.sqrt(12), rel=0.02)
    assert s["Valuation Elasticity"].mean() == pytest.approx(2.0, abs=0.01)
    assert s["Valuation Elasticity"].std() == pytest.approx(0.3, rel=0.02)
    assert s["Duration Match Half Ratio"].mean() == pytest.approx((0.1 + 0.4 + 1.3) / 3, abs=0.01)
    assert s["Bond Appetite Sensitivity"].median() == pytest.approx(2.0, rel=0.02)
    assert np.log(s["Bond Appetite Sensitivity"]).std() == pytest.approx(0.5, rel=0.03)
    assert set(DISTRIBUTIONS) == {"uniform", "normal", "triangular", "lognormal"}


def test_zero_width_is_a_fixed_value(model, tmp_path):
    spec = load_uncertainties(spec_file(tmp_path, entry(
        "Screening Sensitivity", 'distribution = "uniform"\nlower = 0.5\nupper = 0.5')), model)
    assert (spec.sample(10, seed=1)["Screening Sensitivity"] == 0.5).all()


# -- scipy's numbers without scipy.stats (cycle.distributions) ------------------------------

_FAMILIES = [
    ("normal", {"mean": 2.0, "sd": 0.3}),
    ("normal", {"mean": -1e3, "sd": 7.5e2}),
    ("lognormal", {"median": 0.8, "sigma": 0.45}),
    ("lognormal", {"median": 3e4, "sigma": 1.7}),
    ("uniform", {"lower": 0.1, "upper": 1.3}),
    ("uniform", {"lower": -5.0, "upper": 1e6}),
    ("triangular", {"lower": 0.1, "mode": 0.4, "upper": 1.3}),
    ("triangular", {"lower": 0.25, "mode": 0.25, "upper": 1.0}),  # c = 0
    ("triangular", {"lower": 0.25, "mode": 1.0, "upper": 1.0}),  # c = 1
]


def _same_bits(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("kind, params", _FAMILIES)
def test_ppf_is_scipys_to_the_bit(kind, params):
    from cycle.distributions import ppf, scipy_frozen

    rng = np.random.default_rng(3)
    q = np.concatenate([rng.uniform(size=20_000), rng.uniform(size=500) * 1e-12,
                        1 - rng.uniform(size=500) * 1e-12,
                        [0.0, 1.0, 0.5, 1e-300, np.nextafter(1.0, 0), np.nan, -0.1, 1.1]])
    ref = scipy_frozen(kind, params)
    assert _same_bits(ppf(kind, params, q), ref.ppf(q))
    assert _same_bits(ppf(kind, params, q[::7]), ref.ppf(q[::7]))  # a strided view
    for x in (0.0, 0.3, 1.0):  # scalars come back as scalars
        assert _same_bits(ppf(kind, params, x), ref.ppf(x))


@pytest.mark.parametrize("kind, params", [f for f in _FAMILIES if f[0] in ("normal", "lognormal")])
def test_cdf_is_scipys_to_the_bit(kind, params):
    from cycle.distributions import cdf, scipy_frozen

    ref = scipy_frozen(kind, params)
    for x in (-1e9, -3.0, 0.0, 1e-300, 0.2, 0.8, 2.0, 2.4, 1e5, np.inf, -np.inf, np.nan):
        assert _same_bits(cdf(kind, params, x), ref.cdf(x)), x


@pytest.mark.parametrize("n, d", [(1, 1), (7, 3), (1000, 19), (10_000, 5)])
def test_latin_hypercube_is_scipys_to_the_bit(n, d):
    from scipy.stats import qmc

    from cycle.distributions import latin_hypercube

    for seed in (0, 1, 12345):
        ours = latin_hypercube(n, d, np.random.default_rng(seed))
        theirs = qmc.LatinHypercube(d, rng=np.random.default_rng(seed)).random(n)
        assert _same_bits(ours, theirs)
    # a Generator passed in is spawned from, not advanced, as scipy does
    a, b = np.random.default_rng(9), np.random.default_rng(9)
    assert _same_bits(latin_hypercube(n, d, a), qmc.LatinHypercube(d, rng=b).random(n))
    assert _same_bits(a.uniform(size=4), b.uniform(size=4))
    assert _same_bits(latin_hypercube(n, d, a), qmc.LatinHypercube(d, rng=b).random(n))


def test_sampling_a_spec_imports_no_scipy_stats():
    """A spec is checked and sampled by Latin hypercube without importing scipy.stats
    (0.4-0.55 s of every ensemble)."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from cycle.model import load_model\n"
            "from cycle.uncertainty import load_uncertainties\n"
            "spec = load_uncertainties('northeast', load_model())\n"
            "spec.sample(100, seed=1)\n"
            "print('scipy.stats' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_spec_of_another_model_says_so(own_model, tmp_path, model):
    from cycle import load_model
    from cycle.uncertainty import load_uncertainties

    with pytest.raises(UnknownNameError, match=r"names none of the model own's constants.*"
                                               r"--uncertain FILE"):
        load_uncertainties("northeast", load_model(own_model()))
    typo = tmp_path / "typo.toml"  # one wrong name in a spec of this model: no such hint
    typo.write_text('["Output Capital Ratoi"]\ndistribution = "uniform"\nlower = 1\nupper = 2\n'
                    'source = "assumption"\n["Reloan Rate"]\ndistribution = "uniform"\n'
                    'lower = 0.01\nupper = 0.02\nsource = "assumption"\n')
    with pytest.raises(UnknownNameError) as info:
        load_uncertainties(typo, model)
    assert "Output Capital Ratoi" in str(info.value) and "another model" not in str(info.value)
