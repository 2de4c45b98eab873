"""Fit the free parameters of a model to observed series: global search, polish, uncertainty.

The pipeline of :func:`fit`, one stage per function:

1. :func:`load_parameters` reads and checks ``parameters.toml`` (the free parameters);
   :func:`cycle.calibration.observed.load_observations` reads and checks the data;
   every input is checked before the first simulation.
2. ``scipy.optimize.differential_evolution`` (``vectorized=True``): each generation's whole
   population is one batch run of the model (:class:`~cycle.calibration.simulate.Simulator`).
3. ``scipy.optimize.least_squares`` polishes the best member.
4. :func:`jacobian` at the optimum gives an approximate covariance and correlation matrix;
   :func:`profile` gives a profile-likelihood interval per parameter (Δχ² ≤ 3.84, 95 %).

The objective is weighted least squares on the observations::

    r_i = sqrt(weight_i) * (sim_i - obs_i) / sigma_i,      chi2 = sum_i r_i**2

with ``sim_i`` the model value at the observation's time (linear interpolation on the
saved times).
"""

from __future__ import annotations

import math
import os
import sys
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from cycle.calibration.observed import READINGS, evidence, load_observations
from cycle.calibration.simulate import BACKENDS, Simulator
from cycle.calibration.stats import series_stats
from scipy import optimize

from cycle.errors import CycleError, InputError
from cycle.names import closest

__all__ = ["Parameter", "Prior", "PRIORS", "GrowthPrior", "load_growth_priors", "FitOptions",
           "FitResult", "fit", "fit_readings",
           "load_parameters",
           "default_parameters_path", "fitted_params", "fitted_path", "jacobian", "profile",
           "implied_growth", "write_fitted", "DELTA_CHI2_95", "STATED_GROWTH"]

DELTA_CHI2_95 = 3.84
"""Rise of χ² above its minimum that bounds a 95 % profile-likelihood interval (1 dof)."""

STATED_GROWTH = 0.178
"""Annual growth of the Northeast tech-loan balance stated by seed 000 (fraction per year)."""

BAD_CHI2 = 1e12
"""χ² given to parameter sets whose run is not finite."""

STATUS_MESSAGES = {
    -1: "the model gave non-finite values at the optimum",
    0: "the polish stopped at its evaluation limit before converging",
    1: "converged: gradient norm below gtol",
    2: "converged: change of chi2 below ftol",
    3: "converged: step below xtol",
    4: "converged: chi2 and step both below tolerance",
}


# ----------------------------------------------------------------------------- inputs

PRIORS = {"uniform": (), "normal": ("mean", "sd"), "lognormal": ("median", "sigma")}
"""Prior distribution -> its parameters (model units; ``sigma`` is the sd of the log value).
Every prior is truncated to the parameter's search bounds."""


@dataclass(frozen=True)
class Prior:
    """Prior of one free parameter, from outside the fitted data.

    Attributes
    ----------
    distribution : ``"uniform"`` (flat between the search bounds), ``"normal"`` or ``"lognormal"``.
    params : ``{"mean", "sd"}`` (normal) or ``{"median", "sigma"}`` (lognormal; sigma in log
        units); empty for uniform.
    source : where the prior comes from (literature, seed figures, assumption); never a fit
        to the same observations.
    """

    distribution: str = "uniform"
    params: dict = field(default_factory=dict)
    source: str = ""

    @property
    def log_scale(self) -> bool:
        """Whether the sampler works in the log of the parameter (lognormal priors)."""
        return self.distribution == "lognormal"

    def residual(self, x: np.ndarray) -> np.ndarray | None:
        """Standardised distance from the prior centre, so that -log prior = r**2 / 2 + const
        in the sampler's coordinate (x, or log x for a lognormal prior); None for uniform."""
        if self.distribution == "normal":
            return (x - self.params["mean"]) / self.params["sd"]
        if self.distribution == "lognormal":
            with np.errstate(divide="ignore", invalid="ignore"):
                return (np.log(x) - math.log(self.params["median"])) / self.params["sigma"]
        return None

    def describe(self) -> str:
        """The prior in one phrase: ``lognormal(median=1.5, sigma=0.5)``."""
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.distribution}({args})"


@dataclass(frozen=True)
class GrowthPrior:
    """A prior on a growth rate the model produces, from outside the fitted data.

    The annual growth of `variable` between model times `start` and `end`,
    ``(v(end) / v(start)) ** (1 / (end - start)) - 1``, is given a normal prior (mean, sd, per
    year). It constrains a combination of parameters (e.g. the starting balance against the
    speed of adjustment) with knowledge about comparable series, not with the fitted points.
    """

    variable: str
    start: float
    end: float
    mean: float
    sd: float
    source: str

    def describe(self) -> str:
        return (f"growth of {self.variable} {self.start:g}-{self.end:g} ~ normal(mean={self.mean:g}/yr, "
                f"sd={self.sd:g})")


@dataclass(frozen=True)
class Parameter:
    """One free parameter: the model constant (Vensim `name`), search bounds, prior, provenance."""

    name: str
    lower: float
    upper: float
    default: float
    units: str
    provenance: str
    prior: Prior = field(default_factory=Prior)
    """Prior from outside the data, truncated to [lower, upper]."""

    @property
    def prior_sd(self) -> float | None:
        """Standard deviation of a normal prior (model units); None for other priors."""
        return self.prior.params.get("sd") if self.prior.distribution == "normal" else None


@dataclass(frozen=True)
class FitOptions:
    """Settings of the optimiser and of the uncertainty analysis.

    Attributes
    ----------
    popsize : population multiplier of differential evolution (population = popsize * k).
    maxiter : most generations of differential evolution.
    tol : relative convergence tolerance of differential evolution.
    polish_max_nfev : most residual evaluations of the least-squares polish.
    profile_points : grid points per parameter for the profile likelihood (0: no profile).
    profile_max_nfev : most residual evaluations of each re-fit along a profile.
    bootstrap : parametric bootstrap refits (0: none); each resamples obs within sigma.
    backend : ``"auto"``, ``"engine"`` or ``"pysd"`` (see :class:`Simulator`).
    progress : show tqdm progress bars on stderr.
    """

    popsize: int = 10
    maxiter: int = 40
    tol: float = 1e-7
    polish_max_nfev: int = 200
    profile_points: int = 9
    profile_max_nfev: int = 25
    bootstrap: int = 0
    backend: str = "auto"
    progress: bool = True

    def check(self) -> None:
        """Raise ValueError naming the first option out of range."""
        for key in ("popsize", "maxiter", "polish_max_nfev"):
            if int(getattr(self, key)) < 1:
                raise ValueError(f"FitOptions.{key} must be at least 1, got {getattr(self, key)}")
        if self.profile_points != 0 and self.profile_points < 3:
            raise ValueError(f"FitOptions.profile_points must be 0 or at least 3, got {self.profile_points}")
        if self.bootstrap < 0:
            raise ValueError(f"FitOptions.bootstrap must be >= 0, got {self.bootstrap}")
        if not (self.tol > 0):
            raise ValueError(f"FitOptions.tol must be positive, got {self.tol}")
        if self.backend not in BACKENDS:
            raise ValueError(f"FitOptions.backend {self.backend!r} is not one of {', '.join(BACKENDS)}")


def _source_dir() -> Path:
    try:
        return Path(str(resources.files("cycle.calibration")))
    except ModuleNotFoundError:  # source tree that is not installed
        return Path(__file__).resolve().parent


def default_parameters_path() -> Path:
    """The shipped ``parameters.toml``."""
    return _source_dir() / "parameters.toml"


def load_parameters(path: str | os.PathLike | None = None, *, model) -> list[Parameter]:
    """Read the free parameters from a TOML file and check them against `model`.

    Each top-level table is one parameter, keyed by its Vensim name, with ``lower``,
    ``upper``, ``default`` (model units) and ``provenance``.

    Raises
    ------
    CycleError
        Naming the file and the parameter: an unknown name (with the closest names), a
        variable that is not a constant, a missing or non-numeric field, ``lower >= upper``,
        bounds outside the range the model declares, or a default outside the bounds.
    """
    path = Path(path) if path is not None else default_parameters_path()
    if not path.is_file():
        raise InputError(f"parameters file {str(path)!r} does not exist")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path.name}: not valid TOML ({exc})") from None
    if not raw:
        raise InputError(f"{path.name}: no parameters")
    out = []
    for name, spec in raw.items():
        if name == "growth_prior":
            continue
        where = f"{path.name}, [{name!r}]"
        var = model.variables.get(name)
        if var is None:
            near = closest(name, model.variables)
            hint = f"; did you mean {', '.join(repr(h) for h in near)}?" if near else ""
            raise InputError(f"{where}: unknown variable {name!r}{hint}")
        if var.kind != "constant":
            raise InputError(f"{where}: {name} is a {var.kind}, not a constant")
        if not isinstance(spec, dict):
            raise InputError(f"{where}: expected a table with lower, upper, default, provenance")
        vals = {}
        for key in ("lower", "upper", "default"):
            v = spec.get(key, model.defaults[name] if key == "default" else None)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise InputError(f"{where}: {key} must be a finite number, got {v!r}")
            vals[key] = float(v)
        lo, hi = vals["lower"], vals["upper"]
        if not lo < hi:
            raise InputError(f"{where}: lower {lo:g} must be below upper {hi:g}")
        mlo, mhi = var.limits
        if (not math.isnan(mlo) and lo < mlo) or (not math.isnan(mhi) and hi > mhi):
            raise InputError(f"{where}: bounds [{lo:g}, {hi:g}] leave the model's range "
                             f"[{mlo:g}, {mhi:g}] {var.units}")
        if not lo <= vals["default"] <= hi:
            raise InputError(f"{where}: default {vals['default']:g} is outside [{lo:g}, {hi:g}]")
        unknown = set(spec) - {"lower", "upper", "default", "provenance", "units", "prior"}
        if unknown:
            raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        prior = _prior(spec.get("prior"), where, lo, hi)
        out.append(Parameter(name=name, lower=lo, upper=hi, default=vals["default"],
                             units=var.units, provenance=str(spec.get("provenance", var.source)),
                             prior=prior))
    return out


def load_growth_priors(path: str | os.PathLike | None = None, *, model) -> list[GrowthPrior]:
    """The ``[[growth_prior]]`` entries of a parameters TOML (see :class:`GrowthPrior`)."""
    path = Path(path) if path is not None else default_parameters_path()
    raw = tomllib.loads(path.read_text(encoding="utf-8")).get("growth_prior", [])
    if isinstance(raw, dict):
        raw = [raw]
    out = []
    for i, g in enumerate(raw):
        where = f"{path.name}, growth_prior {i + 1}"
        if not isinstance(g, dict):
            raise InputError(f"{where}: must be a table")
        unknown = set(g) - {"variable", "start", "end", "mean", "sd", "source"}
        if unknown:
            raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        var = g.get("variable")
        if var not in model.variables:
            near = closest(str(var), model.variables)
            hint = f"; did you mean {', '.join(repr(h) for h in near)}?" if near else ""
            raise InputError(f"{where}: unknown variable {var!r}{hint}")
        nums = {}
        for key in ("start", "end", "mean", "sd"):
            v = g.get(key)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise InputError(f"{where}: {key} must be a finite number, got {v!r}")
            nums[key] = float(v)
        if not model.initial_time <= nums["start"] < nums["end"]:
            raise InputError(f"{where}: need INITIAL TIME <= start < end")
        if nums["sd"] <= 0:
            raise InputError(f"{where}: sd must be positive")
        src = g.get("source")
        if not isinstance(src, str) or not src.strip():
            raise InputError(f"{where}: needs a 'source' saying where the prior comes from")
        out.append(GrowthPrior(variable=var, source=" ".join(src.split()), **nums))
    return out


def _prior(raw, where: str, lo: float, hi: float) -> Prior:
    """Parse and check a parameter's ``prior`` table (absent: flat between the bounds)."""
    if raw is None:
        return Prior("uniform", {}, "flat between the search bounds (no prior given)")
    if not isinstance(raw, dict):
        raise InputError(f"{where}: prior must be a table {{distribution = ..., source = ...}}")
    kind = raw.get("distribution")
    if kind not in PRIORS:
        raise InputError(f"{where}: prior distribution {kind!r} is not one of {', '.join(PRIORS)}")
    need = PRIORS[kind]
    unknown = set(raw) - {"distribution", "source", *need}
    if unknown:
        raise InputError(f"{where}: {kind} prior takes no {', '.join(sorted(unknown))} "
                         f"(valid: {', '.join(need) or 'no parameters'}, source)")
    params = {}
    for key in need:
        v = raw.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InputError(f"{where}: prior {key} must be a finite number, got {v!r}")
        params[key] = float(v)
    if kind == "normal" and params["sd"] <= 0:
        raise InputError(f"{where}: prior sd must be positive, got {params['sd']:g}")
    if kind == "lognormal":
        if params["median"] <= 0 or params["sigma"] <= 0:
            raise InputError(f"{where}: lognormal prior needs median > 0 and sigma > 0")
        if lo <= 0:
            raise InputError(f"{where}: a lognormal prior needs lower > 0, got {lo:g}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InputError(f"{where}: prior needs a 'source' saying where it comes from")
    return Prior(kind, params, " ".join(source.split()))


# ----------------------------------------------------------------------------- result

class FitResult(dict):
    """The result of :func:`fit`: a dict with attribute access, like ``OptimizeResult``.

    Attributes
    ----------
    x : dict
        Fitted value of each free parameter by Vensim name (units in ``units``).
    units : dict
        Units of each free parameter.
    success : bool
        Whether the polish converged and the optimum is finite.
    status : int
        Key of :data:`STATUS_MESSAGES`.
    message : str
        What ``status`` means.
    fun : float
        χ² at the optimum (sum of squared weighted, sigma-scaled residuals; dimensionless).
    nfev : int
        Model runs made by the fit (global stage, polish, Jacobian, profiles).
    nit : int
        Generations of differential evolution.
    residuals : numpy.ndarray, shape (n_obs,)
        Weighted residuals ``sqrt(w) (sim - obs) / sigma`` at the optimum, in data order.
    table : pandas.DataFrame
        One row per observation: series, variable, period, time, observed, sigma, weight,
        simulated, residual.
    parameters : pandas.DataFrame
        One row per parameter: units, lower, upper, default, value, stderr (from the
        Jacobian), ci_low/ci_high (profile likelihood, 95 %), identified (bool), note,
        provenance.
    covariance, correlation : pandas.DataFrame
        Approximate covariance ``(J^T J)^-1`` and its correlation matrix, by parameter.
    profiles : dict
        Parameter -> DataFrame with columns ``value``, ``chi2``, ``delta``.
    series : pandas.DataFrame
        Fit statistics per series (:func:`cycle.calibration.stats.series_stats`).
    growth : dict
        ``observed`` and ``simulated`` implied annual growth of the primary loan series,
        ``span`` (years), ``stated`` (17.8 %/yr).
    trajectories : pandas.DataFrame
        Simulated observed variables at the optimum, indexed by time.
    reading, seed, data, model, model_sha256, backend, options
        The choices the fit was made with.
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value

    def __dir__(self):
        return list(self.keys())

    def __repr__(self) -> str:
        xs = ", ".join(f"{k} = {v:.6g}" for k, v in self.get("x", {}).items())
        return (f"FitResult(reading={self.get('reading')!r}, success={self.get('success')}, "
                f"fun={self.get('fun', math.nan):.4g}, x: {xs})")


# ----------------------------------------------------------------------------- objective

class _Problem:
    """Observations, parameters and simulator bound together: residuals of parameter sets."""

    def __init__(self, sim: Simulator, obs: pd.DataFrame, params: list[Parameter],
                 growth: list[GrowthPrior] | None = None) -> None:
        self.sim = sim
        self.growth = list(growth or [])
        self.obs = obs
        self.params = params
        self.lower = np.array([p.lower for p in params])
        self.upper = np.array([p.upper for p in params])
        self.value = obs["value"].to_numpy(dtype=float)
        self.scale = np.sqrt(obs["weight"].to_numpy(dtype=float)) / obs["sigma"].to_numpy(dtype=float)
        self.variables = list(obs["variable"])
        self.times = list(obs["time"].astype(float))
        self.with_prior = np.array([p.prior.distribution != "uniform" for p in params])

    def data_residuals(self, X: np.ndarray) -> np.ndarray:
        """Data residuals for each row of `X` (shape (n, k)) -> (n, n_obs), then the growth-prior
        residuals (n, n_growth); non-finite as nan."""
        gv = [g.variable for g in self.growth for _ in (0, 1)]
        gt = [t for g in self.growth for t in (g.start, g.end)]
        simv = self.sim.at(X, self.variables + gv, self.times + gt)
        n = len(self.variables)
        out = [(simv[:, :n] - self.value) * self.scale]
        for i, g in enumerate(self.growth):
            a, b = simv[:, n + 2 * i], simv[:, n + 2 * i + 1]
            with np.errstate(all="ignore"):
                rate = (b / a) ** (1.0 / (g.end - g.start)) - 1.0
            out.append(((rate - g.mean) / g.sd)[:, None])
        return np.hstack(out)

    def prior_residuals(self, X: np.ndarray) -> np.ndarray:
        """(x - prior centre) / prior spread of each parameter with a normal or lognormal
        prior (in log units for lognormal) -> (n, n_priors)."""
        X = np.atleast_2d(X)
        cols = [p.prior.residual(X[:, j]) for j, p in enumerate(self.params) if self.with_prior[j]]
        return np.column_stack(cols) if cols else np.empty((X.shape[0], 0))

    def residuals(self, X: np.ndarray) -> np.ndarray:
        """Objective residuals: the data residuals, then the prior residuals
        (:meth:`prior_residuals`) -> (n, n_obs + n_priors)."""
        X = np.atleast_2d(X)
        return np.hstack([self.data_residuals(X), self.prior_residuals(X)])

    def chi2(self, X: np.ndarray) -> np.ndarray:
        r = self.residuals(X)
        c = np.sum(r ** 2, axis=1)
        return np.where(np.isfinite(c), c, BAD_CHI2)


def jacobian(problem: _Problem, x: np.ndarray, *, free: np.ndarray | None = None,
             central: bool = False) -> np.ndarray:
    """Finite-difference Jacobian of the residuals at `x`, in one batch run.

    Steps are 1e-5 of each parameter's search range, taken inward at a bound.

    Returns
    -------
    numpy.ndarray, shape (n_obs, len(free))
        d residual / d parameter (per model unit of the parameter).
    """
    free = np.arange(len(x)) if free is None else np.asarray(free)
    h = 1e-5 * (problem.upper[free] - problem.lower[free])
    rows, pairs = [x], []
    for j, step in zip(free, h, strict=True):
        up, down = x.copy(), x.copy()
        up[j] = min(x[j] + step, problem.upper[j])
        down[j] = max(x[j] - step, problem.lower[j]) if central else x[j]
        if up[j] == down[j]:  # forward step blocked by the upper bound: step backward
            down[j] = max(x[j] - step, problem.lower[j])
        for point in (up, down):
            if np.array_equal(point, x):
                pairs.append(0)
            else:
                rows.append(point)
                pairs.append(len(rows) - 1)
    R = problem.residuals(np.array(rows))
    J = np.empty((R.shape[1], len(free)))
    for i, j in enumerate(free):
        a, b = pairs[2 * i], pairs[2 * i + 1]
        J[:, i] = (R[a] - R[b]) / (rows[a][j] - rows[b][j])
    return J


def _least_squares(problem: _Problem, x0: np.ndarray, free: np.ndarray, max_nfev: int):
    """Minimise χ² over the `free` coordinates of `x0` (others fixed) with least_squares."""
    def full(z):
        x = x0.copy()
        x[free] = z
        return x

    def fun(z):
        r = problem.residuals(full(z)[None, :])[0]
        return np.where(np.isfinite(r), r, 1e6)

    def jac(z):
        return jacobian(problem, full(z), free=free)

    lo, hi = problem.lower[free], problem.upper[free]
    z0 = np.clip(x0[free], lo, hi)
    res = optimize.least_squares(fun, z0, jac=jac, bounds=(lo, hi), x_scale=hi - lo,
                                 method="trf", max_nfev=max_nfev)
    return full(res.x), res


def profile(problem: _Problem, x_opt: np.ndarray, j: int, *, points: int, max_nfev: int = 60,
            bar=None) -> pd.DataFrame:
    """Profile χ² of parameter `j`: fix it on a grid across its bounds, re-fit the others.

    The grid has `points` evenly spaced values plus the optimum; each fit starts from the
    neighbouring grid point nearer the optimum.

    Returns
    -------
    pandas.DataFrame
        Columns ``value`` (model units), ``chi2``, sorted by value.
    """
    grid = np.unique(np.append(np.linspace(problem.lower[j], problem.upper[j], points), x_opt[j]))
    free = np.array([i for i in range(len(x_opt)) if i != j])
    i0 = int(np.searchsorted(grid, x_opt[j]))
    chi = np.full(grid.size, np.nan)
    chi[i0] = float(problem.chi2(x_opt[None, :])[0])
    for direction in (range(i0 + 1, grid.size), range(i0 - 1, -1, -1)):
        start = x_opt.copy()
        for i in direction:
            start[j] = grid[i]
            if free.size:
                start, _ = _least_squares(problem, start, free, max_nfev)
            chi[i] = float(problem.chi2(start[None, :])[0])
            if bar is not None:
                bar.update(1)
    return pd.DataFrame({"value": grid, "chi2": chi})


def _profile_at(problem: _Problem, x_opt: np.ndarray, j: int, value: float, max_nfev: int) -> float:
    """χ² with parameter `j` fixed at `value` and the others re-fitted from `x_opt`."""
    start = x_opt.copy()
    start[j] = value
    free = np.array([i for i in range(len(x_opt)) if i != j])
    if free.size:
        start, _ = _least_squares(problem, start, free, max_nfev)
    return float(problem.chi2(start[None, :])[0])


def _refine(problem: _Problem, x_opt: np.ndarray, j: int, prof: pd.DataFrame, chi_min: float,
            max_nfev: int, steps: int = 8) -> pd.DataFrame:
    """Add profile points by bisection where Δχ² crosses DELTA_CHI2_95 next to the optimum."""
    v, d = prof["value"].to_numpy(), prof["chi2"].to_numpy() - chi_min
    i0 = int(np.argmin(np.abs(v - x_opt[j])))
    extra = []
    for step in (-1, 1):
        i = i0
        while 0 <= i + step < len(v) and d[i + step] <= DELTA_CHI2_95:
            i += step
        if not 0 <= i + step < len(v):
            continue
        a, b = v[i], v[i + step]
        for _ in range(steps):
            mid = 0.5 * (a + b)
            c = _profile_at(problem, x_opt, j, mid, max_nfev)
            extra.append((mid, c))
            if c - chi_min <= DELTA_CHI2_95:
                a = mid
            else:
                b = mid
    if not extra:
        return prof
    add = pd.DataFrame(extra, columns=["value", "chi2"])
    return pd.concat([prof, add], ignore_index=True).sort_values("value", ignore_index=True)


def _interval(prof: pd.DataFrame, x: float, chi_min: float, lower: float, upper: float):
    """(low, high, reaches_bound) of {value : chi2 - chi_min <= DELTA_CHI2_95} around `x`."""
    v, d = prof["value"].to_numpy(), prof["chi2"].to_numpy() - chi_min
    i0 = int(np.argmin(np.abs(v - x)))
    ends = []
    for step, bound in ((-1, lower), (1, upper)):
        i = i0
        end, hit = bound, True
        while 0 <= i + step < len(v):
            a, b = i, i + step
            if d[b] > DELTA_CHI2_95:
                w = (DELTA_CHI2_95 - d[a]) / (d[b] - d[a])
                end, hit = v[a] + w * (v[b] - v[a]), False
                break
            i = b
        ends.append((end, hit))
    return ends[0][0], ends[1][0], ends[0][1] or ends[1][1]


# ----------------------------------------------------------------------------- fit

def implied_growth(first: float, last: float, span: float) -> float:
    """Constant annual growth rate (fraction per year) taking `first` to `last` in `span` years.

    Examples
    --------
    >>> round(implied_growth(420, 680, 2.5), 4)
    0.2127
    """
    if span <= 0 or first <= 0:
        return math.nan
    return (last / first) ** (1.0 / span) - 1.0


def _primary_series(obs: pd.DataFrame) -> pd.DataFrame:
    """Rows of the series with the largest weight (ties: most points), sorted by time."""
    stats = obs.groupby("series").agg(w=("weight", "max"), n=("series", "size"))
    name = stats.sort_values(["w", "n"], ascending=False).index[0]
    return obs[obs["series"] == name].sort_values("time")


def fit(data: str | os.PathLike | None = None, *, reading: str = "year_end", seed: int = 0,
        model: str | os.PathLike = "northeast", parameters: str | os.PathLike | None = None,
        options: FitOptions | None = None) -> FitResult:
    """Fit the free parameters to the observations under one reading of the dates.

    Parameters
    ----------
    data : observations CSV (default: the shipped ``observations.csv``).
    reading : ``"year_end"`` or ``"mid_year"``: how year-labelled balances are dated.
    seed : seed of differential evolution (and of the bootstrap); int.
    model : model name or ``.mdl`` path.
    parameters : free-parameter TOML (default: the shipped ``parameters.toml``).
    options : :class:`FitOptions` (population, generations, profile grid, backend, ...).

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        For a bad `reading`, `seed` or option (before anything is loaded).
    CycleError
        For a bad parameters or data file (before the first simulation).
    """
    from cycle.model import load_model

    options = options or FitOptions()
    if reading not in READINGS:
        raise ValueError(f"reading {reading!r} is not one of {', '.join(READINGS)}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    options.check()
    mdl = load_model(model, calibrated=False)  # start from the .mdl, not a previous fit
    params = load_parameters(parameters, model=mdl)
    obs_all = load_observations(data, reading=reading, model=mdl)
    obs = evidence(obs_all).reset_index(drop=True)
    if obs.empty:
        raise CycleError("no observation is evidence with a weight above 0; nothing to fit")
    t0, t_last = mdl.initial_time, float(obs["time"].max())
    if float(obs["time"].min()) < t0:
        raise CycleError(f"an observation at {obs['time'].min():g} precedes INITIAL TIME {t0:g}")
    final = float(min(math.floor(t_last) + 2.0, 2060.0))
    names = [p.name for p in params]
    outputs = list(dict.fromkeys(obs["variable"]))
    growth = load_growth_priors(parameters, model=mdl)
    for g in growth:
        if g.variable not in outputs:
            outputs.append(g.variable)
    final = max(final, max((g.end for g in growth), default=final))
    sim = Simulator(mdl, names, outputs, final_time=final, backend=options.backend)
    prob = _Problem(sim, obs, params, growth)
    bounds = list(zip(prob.lower, prob.upper, strict=True))
    x0 = np.array([p.default for p in params])
    k = len(params)

    # global stage: one batch run per generation
    bar = _bar(options, total=options.maxiter, desc=f"fit {reading}: generations")

    def objective(X):  # X: (k, S)
        return prob.chi2(np.asarray(X).T)

    def callback(*_args, **_kw):
        if bar is not None:
            bar.update(1)

    try:
        de = optimize.differential_evolution(
            objective, bounds, seed=int(seed), vectorized=True, polish=False, updating="deferred",
            popsize=options.popsize, maxiter=options.maxiter, tol=options.tol, x0=x0,
            init="latinhypercube", callback=callback)
    finally:
        if bar is not None:
            bar.close()

    # local polish
    x_opt, ls = _least_squares(prob, np.asarray(de.x, dtype=float), np.arange(k),
                               options.polish_max_nfev)
    r = prob.residuals(x_opt[None, :])[0]
    chi_min = float(np.sum(r ** 2))  # data and prior terms
    status = max(int(ls.status), 0) if np.all(np.isfinite(r)) else -1
    r = r[: prob.value.size]  # the data residuals, in data order

    # uncertainty: covariance from the Jacobian, profile likelihood
    J = jacobian(prob, x_opt, central=True)
    cov = np.linalg.pinv(J.T @ J)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    sv = np.linalg.svd(J * (prob.upper - prob.lower), compute_uv=False)
    profiles: dict[str, pd.DataFrame] = {}
    bar = _bar(options, total=k * options.profile_points, desc=f"profile {reading}: points")
    try:
        for j, p in enumerate(params):
            if options.profile_points:
                prof = profile(prob, x_opt, j, points=options.profile_points,
                               max_nfev=options.profile_max_nfev, bar=bar)
                profiles[p.name] = prof
    finally:
        if bar is not None:
            bar.close()
    if profiles:
        best = min(float(np.nanmin(pr["chi2"])) for pr in profiles.values())
        if best < chi_min - 1e-6:  # a profile found a better optimum than the polish
            chi_ref = best
        else:
            chi_ref = chi_min
    else:
        chi_ref = chi_min
    rows = []
    for j, p in enumerate(params):
        row = {"name": p.name, "units": p.units, "lower": p.lower, "upper": p.upper,
               "default": p.default, "value": float(x_opt[j]), "stderr": float(sd[j])}
        if p.name in profiles:
            prof = _refine(prob, x_opt, j, profiles[p.name], chi_ref, options.profile_max_nfev)
            profiles[p.name] = prof
            prof["delta"] = prof["chi2"] - chi_ref
            lo, hi, hit = _interval(prof, x_opt[j], chi_ref, p.lower, p.upper)
            note = "not identified: interval reaches a bound" if hit else "identified"
            if p.prior.distribution != "uniform":
                note += f" (prior {p.prior.describe()} included: the data alone pin it less)"
            row.update(ci_low=float(lo), ci_high=float(hi), identified=not hit, note=note)
        else:
            row.update(ci_low=math.nan, ci_high=math.nan, identified=False, note="no profile")
        row["provenance"] = p.provenance
        rows.append(row)
    ptable = pd.DataFrame(rows)

    bootstrap = _bootstrap(prob, x_opt, options, seed) if options.bootstrap else None

    # observed vs simulated, per-series statistics, growth
    simv = prob.sim.at(x_opt[None, :], prob.variables, prob.times)[0]
    table = obs[["series", "variable", "period", "measure", "time", "value", "sigma", "weight",
                 "unit", "definition"]].rename(columns={"value": "observed"}).reset_index(drop=True)
    table["simulated"] = simv
    table["residual"] = r
    sstats = []
    for name, grp in table.groupby("series", sort=False):
        s = series_stats(grp["simulated"], grp["observed"])
        sstats.append({"series": name, "variable": grp["variable"].iloc[0], **s})
    traj = prob.sim.run(x_opt[None, :])
    trajectories = pd.DataFrame({v: traj[v][0] for v in outputs},
                                index=pd.Index(prob.sim.times, name="time"))
    prim = _primary_series(table)
    span = float(prim["time"].iloc[-1] - prim["time"].iloc[0])
    growth = {"series": prim["series"].iloc[0], "variable": prim["variable"].iloc[0],
              "first": float(prim["observed"].iloc[0]), "last": float(prim["observed"].iloc[-1]),
              "t_first": float(prim["time"].iloc[0]), "t_last": float(prim["time"].iloc[-1]),
              "span": span, "stated": STATED_GROWTH,
              "observed": implied_growth(prim["observed"].iloc[0], prim["observed"].iloc[-1], span),
              "simulated": implied_growth(prim["simulated"].iloc[0], prim["simulated"].iloc[-1], span)}

    return FitResult(
        x={p.name: float(v) for p, v in zip(params, x_opt, strict=True)},
        units={p.name: p.units for p in params},
        success=status > 0, status=status, message=STATUS_MESSAGES[status],
        fun=chi_min, nfev=int(sim.nruns), nit=int(de.nit), residuals=r,
        table=table, parameters=ptable,
        covariance=pd.DataFrame(cov, index=names, columns=names),
        correlation=pd.DataFrame(corr, index=names, columns=names),
        singular_values=sv, profiles=profiles, bootstrap=bootstrap,
        series=pd.DataFrame(sstats), growth=growth, trajectories=trajectories,
        observations=obs, observations_all=obs_all,
        not_evidence=obs_all[obs_all["role"] != "evidence"].reset_index(drop=True),
        problem=prob, final_time=final, reading=reading, seed=int(seed),
        data=str(data) if data is not None else "observations.csv (shipped)",
        model=mdl.name, model_sha256=mdl.sha256, model_obj=mdl, backend=sim.backend,
        options=asdict(options), de_message=str(de.message),
    )


def _bar(options: FitOptions, *, total: int, desc: str):
    if not options.progress or total <= 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, leave=False)


def _bootstrap(prob: _Problem, x_opt: np.ndarray, options: FitOptions, seed: int) -> pd.DataFrame:
    """Parametric bootstrap: resample obs ~ N(sim at optimum, sigma), refit from the optimum."""
    rng = np.random.default_rng(seed)
    base = prob.value.copy()
    sim_opt = prob.sim.at(x_opt[None, :], prob.variables, prob.times)[0]
    sigma = prob.obs["sigma"].to_numpy(dtype=float)
    rows = []
    bar = _bar(options, total=options.bootstrap, desc="bootstrap")
    try:
        for _ in range(options.bootstrap):
            prob.value = sim_opt + rng.normal(0.0, sigma)
            xb, _ = _least_squares(prob, x_opt.copy(), np.arange(len(x_opt)), options.polish_max_nfev)
            rows.append(xb)
            if bar is not None:
                bar.update(1)
    finally:
        prob.value = base
        if bar is not None:
            bar.close()
    return pd.DataFrame(rows, columns=[p.name for p in prob.params])


def fit_readings(data: str | os.PathLike | None = None, *, readings=READINGS, seed: int = 0,
                 **kwargs) -> dict[str, FitResult]:
    """:func:`fit` once per reading of the dates; reading -> FitResult (in `readings` order)."""
    for r in readings:
        if r not in READINGS:
            raise ValueError(f"reading {r!r} is not one of {', '.join(READINGS)}")
    return {r: fit(data, reading=r, seed=seed, **kwargs) for r in readings}


# ----------------------------------------------------------------------------- fitted values

def fitted_path(model_name: str = "northeast") -> Path:
    """Path of the shipped fitted values of `model_name` (may not exist)."""
    try:
        root = Path(str(resources.files("cycle.calibration.fitted")))
    except ModuleNotFoundError:
        root = _source_dir() / "fitted"
    path = root / f"{model_name}.toml"
    if not path.is_file():  # package data not installed: fall back to the source tree
        alt = Path(__file__).resolve().parent / "fitted" / f"{model_name}.toml"
        if alt.is_file():
            return alt
    return path


def _sig(v: float, digits: int = 6) -> float:
    return float(f"{v:.{digits}g}")


def write_fitted(result: FitResult, path: str | os.PathLike, *, posterior=None) -> Path:
    """Write the fitted values as TOML (the format of ``calibration/fitted/<model>.toml``).

    Values are rounded to 6 significant digits; nothing time-dependent is written, so
    the same fit writes the same bytes.
    """
    import tomli_w

    from cycle.outputs import write_text

    doc = {
        "model": result.model,
        "model_sha256": result.model_sha256,
        "reading": result.reading,
        "seed": result.seed,
        "chi2": _sig(result.fun),
        "parameters": {k: _sig(v) for k, v in result.x.items()},
        "intervals": {
            row.name: {"low": _sig(row.ci_low), "high": _sig(row.ci_high),
                       "identified": bool(row.identified), "units": row.units}
            for row in result.parameters.itertuples(index=False) if math.isfinite(row.ci_low)
        },
    }
    if posterior is not None:
        d = posterior.diagnostics
        doc["posterior"] = {
            "file": f"{result.model}_posterior.csv", "draws": int(d["draws"]),
            "reading": posterior.reading, "seed": int(posterior.seed), "walkers": int(d["walkers"]),
            "steps": int(d["steps"]), "burn": int(d["burn"]), "tau_max": _sig(d["tau_max"], 4),
            "acceptance": _sig(d["acceptance_mean"], 4), "converged": bool(d["converged"]),
            "parameters": [p.name for p in posterior.params],
        }
    head = ("# Fitted values of the free parameters (calibration/parameters.toml), written by\n"
            f"# `cycle calibrate --reading {result.reading} --seed {result.seed}`. Units: the model's.\n"
            "# [intervals]: 95 % profile-likelihood intervals; identified = false means the\n"
            "# interval reaches a search bound, i.e. the data do not pin the value down.\n"
            "# [posterior]: the emcee sample shipped beside this file (posterior.csv of the same run,\n"
            "# renamed <model>_posterior.csv); `cycle ensemble` draws whole rows of it.\n\n")
    return write_text(path, head + tomli_w.dumps(doc))


def fitted_params(model_name: str = "northeast") -> dict[str, float]:
    """Fitted parameter values shipped for `model_name` (Vensim name -> value); {} if none.

    Examples
    --------
    >>> sorted(fitted_params("northeast"))[:1]  # doctest: +SKIP
    ['Base Fundraising Rate']
    """
    path = fitted_path(model_name)
    if not path.is_file():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CycleError(f"{path}: not valid TOML ({exc})") from None
    return {str(k): float(v) for k, v in doc.get("parameters", {}).items()}
