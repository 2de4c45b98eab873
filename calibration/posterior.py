"""The joint posterior of the free parameters (emcee) and what it leaves open about projections.

:func:`sample_posterior` takes a :class:`~cycle.calibration.fit.FitResult` (its observations,
priors and maximum a posteriori point) and runs ``emcee``'s affine-invariant ensemble sampler
with ``vectorize=True``: every step's proposals for all walkers are one batch run of the model
on the engine. The log posterior, in the sampler's coordinates θ (log x for parameters with a
lognormal prior, x otherwise), is::

    log p(θ | data) = -½ Σᵢ wᵢ (simᵢ − obsᵢ)² / σᵢ²  −  ½ Σⱼ rⱼ(θⱼ)²  + const

inside the search bounds (−∞ outside), with rⱼ the prior residual of
:meth:`~cycle.calibration.fit.Prior.residual` (normal in x, or normal in log x): exactly the
objective the optimiser minimises, so the fitted point is the posterior mode.

From the chain it reports convergence diagnostics (integrated autocorrelation time τ per
parameter, acceptance fraction, effective sample size, chain length over τ), the posterior
table and correlations, the prior and posterior projection intervals of the key outputs in
2030, 2035 and 2050, and the ridge directions: eigenvectors of the posterior covariance in
range-scaled coordinates, with how far a one-sd move along each shifts 2050 loans.

References
----------
Foreman-Mackey, D., Hogg, D. W., Lang, D., Goodman, J. (2013), emcee: the MCMC hammer.
PASP 125, 306-312. https://doi.org/10.1086/670067
Goodman, J., Weare, J. (2010), Ensemble samplers with affine invariance. CAMCoS 5, 65-80.
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from cycle.calibration.fit import FitResult, Parameter
from cycle.calibration.simulate import Simulator

__all__ = ["KEY_OUTPUTS", "PROJECTION_YEARS", "McmcOptions", "PosteriorResult", "sample_posterior",
           "to_theta", "to_x", "prior_sample", "key_outputs", "MIN_CHAIN_OVER_TAU"]

KEY_OUTPUTS = ("Tech Loan Balance", "Patient Capital", "Industrial Capacity", "Tech SME Count",
               "High Tech Enterprise Count", "NPL Ratio")
"""Outputs whose projection intervals are reported (those the model has)."""

PROJECTION_YEARS = (2030.0, 2035.0, 2050.0)
"""Years of the projection intervals."""

MIN_CHAIN_OVER_TAU = 50
"""emcee's rule of thumb: a chain (after burn-in) at least 50 τ long gives a reliable τ."""


@dataclass(frozen=True)
class McmcOptions:
    """Settings of the sampler.

    Attributes
    ----------
    walkers : number of walkers (at least 2 × parameters; even).
    steps : steps per walker, burn-in included.
    burn : steps discarded at the start (None: a third of `steps`).
    draws : posterior draws kept (evenly thinned from the chain after burn-in).
    projection_draws : draws run to 2050 for the projection intervals (<= draws).
    progress : tqdm progress bar on stderr.
    """

    walkers: int = 40
    steps: int = 60000
    burn: int | None = None
    draws: int = 2000
    projection_draws: int = 2000
    progress: bool = True

    def check(self, k: int) -> None:
        """Raise ValueError naming the first option out of range for `k` parameters."""
        if self.walkers < 2 * k or self.walkers % 2:
            raise ValueError(f"walkers must be even and at least 2 x {k} parameters, got {self.walkers}")
        if self.steps < 10:
            raise ValueError(f"steps must be at least 10, got {self.steps}")
        if self.burn is not None and not 0 <= self.burn < self.steps - 1:
            raise ValueError(f"burn must be in [0, steps - 1), got {self.burn}")
        if self.draws < 2 or self.projection_draws < 2:
            raise ValueError("draws and projection_draws must be at least 2")

    @property
    def burn_steps(self) -> int:
        return self.steps // 3 if self.burn is None else int(self.burn)


def key_outputs(model) -> list[str]:
    """The :data:`KEY_OUTPUTS` the model has."""
    return [v for v in KEY_OUTPUTS if v in model.variables]


# ----------------------------------------------------------------------------- coordinates

def _log_mask(params: list[Parameter]) -> np.ndarray:
    return np.array([p.prior.log_scale for p in params])


def to_theta(X: np.ndarray, params: list[Parameter]) -> np.ndarray:
    """Model values x -> sampler coordinates θ (log x for lognormal priors)."""
    X = np.array(X, dtype=float, copy=True)
    m = _log_mask(params)
    X[..., m] = np.log(X[..., m])
    return X


def to_x(T: np.ndarray, params: list[Parameter]) -> np.ndarray:
    """Sampler coordinates θ -> model values x."""
    T = np.array(T, dtype=float, copy=True)
    m = _log_mask(params)
    T[..., m] = np.exp(T[..., m])
    return T


def prior_sample(params: list[Parameter], n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` draws from the (truncated) priors, shape ``(n, k)``, model units."""
    from scipy import stats

    cols = []
    for p in params:
        lo, hi = p.lower, p.upper
        d, q = p.prior.distribution, p.prior.params
        if d == "uniform":
            cols.append(rng.uniform(lo, hi, n))
            continue
        if d == "normal":
            mu, sd, a, b = q["mean"], q["sd"], lo, hi
        else:
            mu, sd, a, b = math.log(q["median"]), q["sigma"], math.log(lo), math.log(hi)
        z = stats.truncnorm.rvs((a - mu) / sd, (b - mu) / sd, loc=mu, scale=sd, size=n,
                                random_state=rng)
        cols.append(np.exp(z) if d == "lognormal" else z)
    return np.column_stack(cols)


# ----------------------------------------------------------------------------- result

@dataclass
class PosteriorResult:
    """The posterior sample and everything the report says about it.

    Attributes
    ----------
    draws : DataFrame ``(draws, k)``, one column per free parameter (model units), index ``draw``;
        whole rows keep the parameters' correlations.
    log_prob : log posterior of each draw (up to a constant).
    table : one row per parameter: units, prior, prior 2.5/97.5 %, MAP, mean, sd, 2.5/50/97.5 %
        quantiles, shrinkage (posterior sd / prior sd, in the sampler's coordinate).
    correlation : correlation matrix of the draws (model units).
    diagnostics : dict: walkers, steps, burn, acceptance (mean, min, max), tau per parameter,
        tau_max, chain_over_tau (post-burn steps / tau_max), ess (per parameter), converged.
    projections : tidy DataFrame: output, units, year, which (prior / posterior), p2.5, p5, p50,
        p95, p97.5, plus MAP (the deterministic calibrated run).
    ridges : one row per eigenvector of the posterior covariance in range-scaled θ, largest
        variance first: variance share, sd, loadings by parameter, 2050 loans at −1 sd and
        +1 sd along it, and the share of the posterior variance of 2050 loans it explains.
    predictive : evidence rows with the posterior-predictive 5/50/95 % at each observed time.
    bands : variable -> DataFrame indexed by time, columns p5, p25, p50, p75, p95 (posterior
        predictive trajectories, for plots).
    prior_bands : the same under the prior.
    """

    params: list[Parameter]
    draws: pd.DataFrame
    log_prob: np.ndarray
    table: pd.DataFrame
    correlation: pd.DataFrame
    diagnostics: dict
    projections: pd.DataFrame
    ridges: pd.DataFrame
    predictive: pd.DataFrame
    bands: dict = field(default_factory=dict)
    prior_bands: dict = field(default_factory=dict)
    map_trajectories: pd.DataFrame | None = None
    options: dict = field(default_factory=dict)
    seed: int = 0
    reading: str = ""
    growth: list = field(default_factory=list)
    """Growth priors (:class:`~cycle.calibration.fit.GrowthPrior`) in the log posterior."""


# ----------------------------------------------------------------------------- sampling

class _LogPosterior:
    """Vectorised log posterior in θ for emcee: one batch run per call."""

    def __init__(self, problem, params: list[Parameter]) -> None:
        self.problem = problem
        self.params = params
        self.lo = to_theta(np.array([p.lower for p in params]), params)
        self.hi = to_theta(np.array([p.upper for p in params]), params)
        self.calls = 0

    def __call__(self, T: np.ndarray) -> np.ndarray:
        T = np.atleast_2d(T)
        out = np.full(T.shape[0], -np.inf)
        inside = np.all((T >= self.lo) & (T <= self.hi), axis=1)
        if inside.any():
            X = to_x(T[inside], self.params)
            with np.errstate(all="ignore"):
                r = self.problem.residuals(X)
            lp = -0.5 * np.sum(r ** 2, axis=1)
            out[inside] = np.where(np.isfinite(lp), lp, -np.inf)
        self.calls += 1
        return out


def _start(theta_map: np.ndarray, lo: np.ndarray, hi: np.ndarray, walkers: int,
           rng: np.random.Generator) -> np.ndarray:
    """Walkers in a small ball (1 % of each range) around the mode, inside the bounds."""
    width = 0.01 * (hi - lo)
    P = theta_map + width * rng.standard_normal((walkers, theta_map.size))
    return np.clip(P, lo + 1e-9 * (hi - lo), hi - 1e-9 * (hi - lo))


def _quantiles(a: np.ndarray, qs=(2.5, 5, 50, 95, 97.5)) -> dict[str, float]:
    v = np.nanpercentile(a, qs)
    return {f"p{q:g}": float(x) for q, x in zip(qs, v, strict=True)}


def sample_posterior(fit: FitResult, options: McmcOptions | None = None, *,
                     seed: int | None = None) -> PosteriorResult:
    """Sample the joint posterior of `fit`'s free parameters and summarise it.

    Parameters
    ----------
    fit : result of :func:`cycle.calibration.fit.fit` (its problem, priors and mode).
    options : :class:`McmcOptions`.
    seed : seed of the walkers' start, emcee's moves and the thinning (default: the fit's).

    Returns
    -------
    PosteriorResult
    """
    import emcee

    options = options or McmcOptions()
    problem = fit.problem
    params: list[Parameter] = list(problem.params)
    k = len(params)
    options.check(k)
    seed = fit.seed if seed is None else int(seed)
    rng = np.random.default_rng(seed)
    logp = _LogPosterior(problem, params)
    x_map = np.array([fit.x[p.name] for p in params])
    theta_map = to_theta(x_map, params)
    p0 = _start(theta_map, logp.lo, logp.hi, options.walkers, rng)
    sampler = emcee.EnsembleSampler(options.walkers, k, logp, vectorize=True)
    # emcee draws its moves from its own RandomState: seed it, so the chain is reproducible
    sampler.random_state = np.random.RandomState(int(rng.integers(2**31))).get_state()
    if options.progress:
        print(f"emcee: {options.walkers} walkers x {options.steps} steps = "
              f"{options.walkers * options.steps} model runs in batches of {options.walkers // 2}",
              file=sys.stderr, flush=True)
    sampler.run_mcmc(p0, options.steps, progress=options.progress,
                     progress_kwargs={"desc": f"emcee {fit.reading}", "file": sys.stderr})
    burn = options.burn_steps
    chain = sampler.get_chain(discard=burn)            # (steps - burn, walkers, k), θ
    lp_chain = sampler.get_log_prob(discard=burn)
    kept = chain.shape[0]
    tau = np.asarray(emcee.autocorr.integrated_time(chain, c=5, tol=0), dtype=float)
    tau_max = float(np.nanmax(tau))
    acc = np.asarray(sampler.acceptance_fraction, dtype=float)
    ess = options.walkers * kept / tau
    diagnostics = {
        "walkers": options.walkers, "steps": options.steps, "burn": burn, "kept_steps": kept,
        "model_runs": int(options.walkers * options.steps),
        "acceptance_mean": float(acc.mean()), "acceptance_min": float(acc.min()),
        "acceptance_max": float(acc.max()),
        "tau": {p.name: float(t) for p, t in zip(params, tau, strict=True)},
        "tau_max": tau_max, "chain_over_tau": float(kept / tau_max),
        "ess": {p.name: float(e) for p, e in zip(params, ess, strict=True)},
        "ess_min": float(ess.min()),
        "converged": bool(kept >= MIN_CHAIN_OVER_TAU * tau_max and 0.15 <= acc.mean() <= 0.7),
    }

    # thinned draws: every walker's post-burn chain, thinned by τ/2, then evenly to `draws`
    thin = max(1, int(tau_max / 2))
    flat = chain[::thin].reshape(-1, k)
    flat_lp = lp_chain[::thin].reshape(-1)
    ok = np.isfinite(flat_lp)
    flat, flat_lp = flat[ok], flat_lp[ok]
    n = min(options.draws, len(flat))
    pick = np.sort(rng.choice(len(flat), size=n, replace=False))
    theta_draws, lp_draws = flat[pick], flat_lp[pick]
    X = to_x(theta_draws, params)
    names = [p.name for p in params]
    draws = pd.DataFrame(X, columns=names, index=pd.RangeIndex(n, name="draw"))
    diagnostics.update(thin=thin, draws=n, pool=int(len(flat)))

    # posterior table
    prior_X = prior_sample(params, 20_000, np.random.default_rng(seed + 1))
    prior_T = to_theta(prior_X, params)
    rows = []
    for j, p in enumerate(params):
        post = X[:, j]
        q = np.percentile(post, [2.5, 50, 97.5])
        pq = np.percentile(prior_X[:, j], [2.5, 97.5])
        rows.append({"name": p.name, "units": p.units, "prior": p.prior.describe(),
                     "prior_low": pq[0], "prior_high": pq[1], "map": x_map[j],
                     "mean": float(post.mean()), "sd": float(post.std(ddof=1)), "p2.5": q[0],
                     "p50": q[1], "p97.5": q[2],
                     "shrinkage": float(theta_draws[:, j].std(ddof=1) / prior_T[:, j].std(ddof=1)),
                     "coordinate": "log" if p.prior.log_scale else "linear",
                     "prior_source": p.prior.source})
    table = pd.DataFrame(rows)
    corr = draws.corr()

    # projections: prior and posterior draws run to 2050
    model = fit.model_obj
    outs = key_outputs(model)
    observed = fit.get("observations_all", fit.table)
    pred_vars = list(dict.fromkeys(list(observed["variable"]) + outs))
    final = max(PROJECTION_YEARS)
    sim = Simulator(model, names, pred_vars, final_time=final, backend=problem.sim.backend)
    m = min(options.projection_draws, n)
    sel = np.linspace(0, n - 1, m).round().astype(int)
    post_traj = sim.run(X[sel])
    times = sim.times
    prior_traj = sim.run(prior_X[:m])
    map_traj = sim.run(x_map[None, :])
    proj_rows = []
    for v in outs:
        for year in PROJECTION_YEARS:
            j = int(np.argmin(np.abs(times - year)))
            mapv = float(map_traj[v][0, j])
            for which, traj in (("prior", prior_traj), ("posterior", post_traj)):
                proj_rows.append({"output": v, "units": model.variables[v].units, "year": year,
                                  "which": which, **_quantiles(traj[v][:, j]), "map": mapv})
    projections = pd.DataFrame(proj_rows)

    def bands(traj):
        return {v: pd.DataFrame({f"p{q}": np.nanpercentile(traj[v], q, axis=0)
                                 for q in (5, 25, 50, 75, 95)}, index=pd.Index(times, name="time"))
                for v in pred_vars}

    map_trajectories = pd.DataFrame({v: map_traj[v][0] for v in pred_vars},
                                    index=pd.Index(times, name="time"))

    # posterior predictive at the observations
    pp = []
    for o in fit.table.itertuples(index=False):
        j = np.searchsorted(times, o.time)
        w = (o.time - times[j - 1]) / (times[j] - times[j - 1]) if times[j] != o.time else 1.0
        vals = (1 - w) * post_traj[o.variable][:, j - 1] + w * post_traj[o.variable][:, j]
        q = np.percentile(vals, [5, 50, 95])
        pp.append({"series": o.series, "variable": o.variable, "period": o.period, "time": o.time,
                   "observed": o.observed, "sigma": o.sigma, "p5": q[0], "p50": q[1], "p95": q[2]})
    predictive = pd.DataFrame(pp)

    ridges = _ridges(theta_draws, params, logp, sim, x_map, post_traj, sel, times, prior_T=prior_T)
    loans = "Tech Loan Balance"
    if loans in post_traj:
        j50 = int(np.argmin(np.abs(times - 2050.0)))
        j24 = int(np.argmin(np.abs(times - 2024.5)))
        diagnostics["share_2050_loans_below_mid_2024"] = float(
            np.mean(post_traj[loans][:, j50] < post_traj[loans][:, j24]))
    return PosteriorResult(
        params=params, draws=draws, log_prob=lp_draws, table=table, correlation=corr,
        diagnostics=diagnostics, projections=projections, ridges=ridges, predictive=predictive,
        bands=bands(post_traj), prior_bands=bands(prior_traj), map_trajectories=map_trajectories,
        options=asdict(options), seed=seed, reading=fit.reading, growth=list(problem.growth))


def _ridges(theta_draws: np.ndarray, params: list[Parameter], logp: _LogPosterior, sim: Simulator,
            x_map: np.ndarray, post_traj: dict, sel: np.ndarray, times: np.ndarray,
            output: str = "Tech Loan Balance", year: float = 2050.0,
            prior_T: np.ndarray | None = None) -> pd.DataFrame:
    """Eigen-directions of the posterior covariance in range-scaled θ, largest first."""
    span = logp.hi - logp.lo
    S = (theta_draws - logp.lo) / span
    mean = S.mean(axis=0)
    cov = np.atleast_2d(np.cov(S.T))
    lam, V = np.linalg.eigh(cov)
    order = np.argsort(lam)[::-1]
    lam, V = np.clip(lam[order], 0, None), V[:, order]
    for i in range(V.shape[1]):  # sign: largest loading positive
        if V[np.argmax(np.abs(V[:, i])), i] < 0:
            V[:, i] *= -1
    sd = np.sqrt(lam)
    pts = []
    for i in range(len(lam)):
        for sgn in (-1.0, 1.0):
            pts.append(mean + sgn * sd[i] * V[:, i])
    T = logp.lo + np.clip(np.array(pts), 0.0, 1.0) * span
    X = to_x(T, params)
    j = int(np.argmin(np.abs(times - year)))
    y_pts = sim.run(X)[output][:, j]
    y_mean = sim.run(to_x(logp.lo + mean * span, params)[None, :])[output][0, j]
    # share of the posterior variance of the output explained linearly by each component
    y = post_traj[output][:, j]
    Z = (S[sel] - mean) @ V
    Zc = Z - Z.mean(axis=0)
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(y)), Zc]), y, rcond=None)
    var_y = float(np.var(y, ddof=1))
    if prior_T is not None:  # the prior's sd along each direction: ratio near 1 = left open
        prior_sd = np.std(((prior_T - logp.lo) / span) @ V, axis=0, ddof=1)
    else:
        prior_sd = np.full(len(lam), np.nan)
    rows = []
    for i in range(len(lam)):
        share = float(coef[i + 1] ** 2 * np.var(Zc[:, i], ddof=1) / var_y) if var_y > 0 else math.nan
        row = {"component": i + 1, "variance_share": float(lam[i] / lam.sum()), "sd_scaled": float(sd[i]),
               f"{output} {year:g} at -1 sd": float(y_pts[2 * i]),
               f"{output} {year:g} at mean": float(y_mean),
               f"{output} {year:g} at +1 sd": float(y_pts[2 * i + 1]),
               "explained_share": share, "sd_over_prior_sd": float(sd[i] / prior_sd[i])}
        row.update({f"loading: {p.name}": float(V[q, i]) for q, p in enumerate(params)})
        rows.append(row)
    return pd.DataFrame(rows)
