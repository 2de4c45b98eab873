"""Report the posterior: Markdown sections, tables as CSV, and three figures.

- :func:`posterior_markdown`: convergence diagnostics, posterior table, correlations,
  posterior predictive at the observations, projection intervals (prior and posterior) and
  ridge directions;
- :func:`plot_pairs`: marginals on the diagonal, pairwise scatter below (a corner plot);
- :func:`plot_predictive`: posterior-predictive fans of the observed variables against the
  observations (±1σ), 2021-2030;
- :func:`plot_projections`: prior and posterior fans of the key outputs to 2050;
- :func:`write_posterior`: ``posterior.csv`` (the draws), ``projections.csv``, ``ridges.csv``,
  ``posterior_table.csv`` and the figures.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from cycle.calibration.posterior import MIN_CHAIN_OVER_TAU, PosteriorResult

__all__ = ["posterior_markdown", "plot_pairs", "plot_predictive", "plot_projections",
           "write_posterior", "projection_table"]


def _f(v, digits: int = 4) -> str:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(v):
        return "n/a"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def projection_table(post: PosteriorResult) -> pd.DataFrame:
    """One row per output and year: MAP, posterior 95 % and 90 % intervals, prior 95 %."""
    p = post.projections
    rows = []
    for (out, year), g in p.groupby(["output", "year"], sort=False):
        po = g[g["which"] == "posterior"].iloc[0]
        pr = g[g["which"] == "prior"].iloc[0]
        rows.append({"output": out, "units": po["units"], "year": int(year), "map": po["map"],
                     "median": po["p50"], "p2.5": po["p2.5"], "p97.5": po["p97.5"], "p5": po["p5"],
                     "p95": po["p95"], "prior_p2.5": pr["p2.5"], "prior_p97.5": pr["p97.5"],
                     "width_ratio": (po["p97.5"] - po["p2.5"]) / (pr["p97.5"] - pr["p2.5"])
                     if pr["p97.5"] > pr["p2.5"] else math.nan})
    return pd.DataFrame(rows)


def posterior_markdown(post: PosteriorResult) -> str:
    """Markdown sections on the posterior (appended to ``report.md``)."""
    d = post.diagnostics
    L = ["## Joint posterior (emcee)", ""]
    L += [f"Affine-invariant ensemble sampler (emcee, stretch move), reading `{post.reading}`, "
          f"seed {post.seed}: {d['walkers']} walkers × {d['steps']} steps = {d['model_runs']:,} model "
          f"runs, each step's proposals one vectorised batch on the engine; the first {d['burn']} steps "
          f"are burn-in. Parameters with a lognormal prior are sampled in log units. The log "
          "posterior is −χ²/2 with χ² the objective of the fit above (data plus prior terms), "
          "−∞ outside the search bounds.", ""]
    L += ["### Convergence diagnostics", ""]
    verdict = ("**converged** by the usual rules (chain after burn-in ≥ "
               f"{MIN_CHAIN_OVER_TAU} τ, mean acceptance in 0.15–0.7)" if d["converged"] else
               "**not converged by the usual rules**: the chain after burn-in is "
               f"{d['chain_over_tau']:.0f} τ long (rule: ≥ {MIN_CHAIN_OVER_TAU} τ) or the acceptance "
               "is outside 0.15–0.7; treat the "
               "intervals as indicative and run longer (`--steps`)")
    L += [f"- Acceptance fraction: mean {d['acceptance_mean']:.3f} (walkers {d['acceptance_min']:.3f}–"
          f"{d['acceptance_max']:.3f})",
          f"- Longest integrated autocorrelation time τ = {d['tau_max']:.1f} steps; chain after burn-in "
          f"= {d['kept_steps']} steps = {d['chain_over_tau']:.1f} τ",
          f"- Draws kept: {d['draws']} (thinned every {d['thin']} steps from {d['pool']})",
          f"- Verdict: {verdict}", "",
          "| parameter | τ (steps) | effective sample size |", "|---|---|---|"]
    for name, t in d["tau"].items():
        L.append(f"| {name} | {t:.1f} | {d['ess'][name]:,.0f} |")
    L.append("")

    L += ["### Posterior table", "",
          "Prior 95 % range from the truncated prior; MAP = the fit's posterior mode; shrinkage = "
          "posterior sd / prior sd in the sampler's coordinate (near 1: the data leave the parameter "
          "where the prior put it).", "",
          "| parameter | units | prior | prior 95 % | MAP | mean | sd | posterior 95 % | shrinkage |",
          "|---|---|---|---|---|---|---|---|---|"]
    for r in post.table.to_dict("records"):
        L.append(f"| {r['name']} | {r['units']} | {r['prior']} | [{_f(r['prior_low'])}, "
                 f"{_f(r['prior_high'])}] | {_f(r['map'])} | {_f(r['mean'])} | {_f(r['sd'], 3)} | "
                 f"[{_f(r['p2.5'])}, {_f(r['p97.5'])}] | {r['shrinkage']:.2f} |")
    open_ = [r["name"] for r in post.table.to_dict("records") if r["shrinkage"] >= 0.8]
    moved = [r["name"] for r in post.table.to_dict("records") if r["shrinkage"] < 0.5]
    L += ["", f"**The data leave where the prior put them** (shrinkage ≥ 0.8): "
          f"{', '.join(open_) or 'none'}. **The data pin down** (shrinkage < 0.5): "
          f"{', '.join(moved) or 'none'}."]
    L += ["", "Prior sources:", ""]
    for r in post.table.itertuples(index=False):
        L.append(f"- {r.name}: {r.prior_source}")
    for g in post.growth:
        L.append(f"- prior on the model's {g.describe()}: {g.source}")
    L += ["", "### Posterior correlations", ""]
    names = list(post.correlation.columns)
    L += ["| | " + " | ".join(f"({i + 1})" for i in range(len(names))) + " |",
          "|---|" + "---|" * len(names)]
    for i, a in enumerate(names):
        L.append(f"| ({i + 1}) {a} | " + " | ".join(f"{post.correlation.loc[a, b]:+.2f}" for b in names)
                 + " |")
    L.append("")

    L += ["### Posterior predictive at the observations", "",
          "| series | period | observed | σ | posterior 5 % | median | 95 % |",
          "|---|---|---|---|---|---|---|"]
    for o in post.predictive.itertuples(index=False):
        L.append(f"| {o.series} | {o.period} | {_f(o.observed)} | {_f(o.sigma)} | {_f(o.p5)} | "
                 f"{_f(o.p50)} | {_f(o.p95)} |")
    L.append("")

    L += ["### Projection intervals the posterior implies", "",
          "Baseline scenario, every other constant at its `.mdl` value (their own uncertainty is "
          "sampled by `cycle ensemble`, not here). Width ratio = posterior 95 % width / prior 95 % "
          "width: near 1 means the data leave the projection where the prior put it.", "",
          "| output | units | year | MAP run | posterior median | posterior 95 % | posterior 90 % | "
          "prior 95 % | width ratio |", "|---|---|---|---|---|---|---|---|---|"]
    for r in projection_table(post).to_dict("records"):
        L.append(f"| {r['output']} | {r['units']} | {r['year']} | {_f(r['map'])} | {_f(r['median'])} | "
                 f"[{_f(r['p2.5'])}, {_f(r['p97.5'])}] | [{_f(r['p5'])}, {_f(r['p95'])}] | "
                 f"[{_f(r['prior_p2.5'])}, {_f(r['prior_p97.5'])}] | {_f(r['width_ratio'], 2)} |")
    L.append("")

    rd = post.ridges
    out_cols = [c for c in rd.columns if c.endswith(" at -1 sd")]
    L += ["### Ridge directions", "",
          "Eigenvectors of the posterior covariance in range-scaled coordinates (each parameter's "
          "sampler coordinate divided by its search range), largest variance first. A ridge is a "
          "direction the data leave open: the posterior stretches along it. The loan columns run "
          "the model at the posterior mean and ±1 sd along the direction; 'explains' is the share "
          "of the posterior variance of 2050 loans carried linearly by the direction.", ""]
    if out_cols:
        col = out_cols[0][: -len(" at -1 sd")]
        load_cols = [c for c in rd.columns if c.startswith("loading: ")]
        L += ["| direction | variance share | sd (scaled) | posterior sd / prior sd | main loadings | "
              + col + " −1 sd / mean / +1 sd | explains |", "|---|---|---|---|---|---|---|"]
        for r in rd.to_dict("records"):
            loads = sorted(((c[len("loading: "):], r[c]) for c in load_cols), key=lambda t: -abs(t[1]))
            main = ", ".join(f"{n} {v:+.2f}" for n, v in loads if abs(v) >= 0.3) or "mixed"
            L.append(f"| {r['component']} | {r['variance_share']:.1%} | {r['sd_scaled']:.3f} | "
                     f"{_f(r.get('sd_over_prior_sd', math.nan), 2)} | {main} | "
                     f"{_f(r[col + ' at -1 sd'])} / {_f(r[col + ' at mean'])} / {_f(r[col + ' at +1 sd'])} | "
                     f"{r['explained_share']:.0%} |")
        L += ["", "A posterior sd close to the prior sd along a direction means the data leave it where "
              "the prior put it: that direction's projection spread comes from the priors, not the data."]
        L.append("")
    bust = d.get("share_2050_loans_below_mid_2024")
    if bust is not None and bust > 0:
        L += [f"In {bust:.1%} of the posterior draws the 2050 tech-loan balance is below its mid-2024 "
              "level: the credit cycle (defaults responding to credit growth, losses draining bank risk "
              "capital) can turn the 2021-24 rise into a bust within the parameter sets the data allow. "
              "This is the lower tail of the 2050 interval above.", ""]
    elif bust is not None:
        L += ["In none of the posterior draws does the 2050 tech-loan balance fall below its mid-2024 "
              "level: with every other constant at its `.mdl` value, the calibrated parameters alone do "
              "not produce a lasting bust (the ensemble, which also samples the credit-cycle constants, "
              "can).", ""]
    return "\n".join(L)


def plot_pairs(post: PosteriorResult, path: str | os.PathLike) -> Path:
    """Corner plot of the draws: marginal histograms (with the prior) and pairwise scatter."""
    from cycle.outputs import save_figure
    from cycle.plots import plt

    X = post.draws
    k = X.shape[1]
    fig, axes = plt.subplots(k, k, figsize=(1.9 * k + 1, 1.9 * k + 1), layout="constrained",
                             squeeze=False)
    log = {p.name: p.prior.log_scale for p in post.params}
    for i, a in enumerate(X.columns):
        for j, b in enumerate(X.columns):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            xa = np.log10(X[b]) if log[b] else X[b]
            if i == j:
                ax.hist(xa, bins=30, color="tab:blue", alpha=0.8, density=True)
                ax.set_yticks([])
            else:
                ya = np.log10(X[a]) if log[a] else X[a]
                ax.plot(xa, ya, ".", ms=1.5, alpha=0.35, color="tab:blue")
                r = post.correlation.loc[a, b]
                ax.text(0.03, 0.92, f"r={r:+.2f}", transform=ax.transAxes, fontsize=7)
            if i == k - 1:
                ax.set_xlabel(("log10 " if log[b] else "") + b, fontsize=7)
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(("log10 " if log[a] else "") + a, fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle(f"Posterior draws ({len(X)}), reading {post.reading}")
    try:
        return save_figure(fig, path, dpi=110)
    finally:
        plt.close(fig)


def plot_predictive(post: PosteriorResult, observations: pd.DataFrame, path: str | os.PathLike,
                    until: float = 2030.0) -> Path:
    """Posterior-predictive fan (5-95 %, 25-75 %) of each observed variable with the data ±1σ."""
    from cycle.outputs import save_figure
    from cycle.plots import plt, unit_label

    variables = list(dict.fromkeys(observations["variable"]))
    ncol = 2 if len(variables) > 1 else 1
    nrow = math.ceil(len(variables) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.2 * ncol, 3.5 * nrow), layout="constrained",
                             squeeze=False)
    for ax, var in zip(axes.flat, variables, strict=False):
        b = post.bands[var]
        b = b[b.index <= until]
        ax.fill_between(b.index, b["p5"], b["p95"], color="tab:blue", alpha=0.2, label="posterior 5-95 %")
        ax.fill_between(b.index, b["p25"], b["p75"], color="tab:blue", alpha=0.35, label="25-75 %")
        ax.plot(b.index, b["p50"], color="tab:blue", lw=1.5, label="median")
        if post.map_trajectories is not None:
            m = post.map_trajectories[var]
            m = m[m.index <= until]
            ax.plot(m.index, m.values, "k--", lw=1, label="posterior mode (MAP)")
        o = observations[observations["variable"] == var]
        ev = o[o["role"] == "evidence"]
        other = o[o["role"] != "evidence"]
        ax.errorbar(ev["time"], ev["value"], yerr=ev["sigma"], fmt="o", color="tab:red", mfc="white",
                    capsize=3, zorder=5, label="observed ±1σ (fitted)")
        if len(other):
            ax.errorbar(other["time"], other["value"], yerr=other["sigma"], fmt="s", color="gray",
                        mfc="white", capsize=3, zorder=5, label="initial condition / excluded (not fitted)")
        ax.set_title(var, fontsize=10)
        ax.set_ylabel(unit_label(str(o["unit"].iloc[0])))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    for ax in list(axes.flat)[len(variables):]:
        ax.set_visible(False)
    fig.suptitle(f"Posterior predictive vs observations (reading {post.reading}; year 2022.0 = end of 2021)")
    try:
        return save_figure(fig, path, dpi=120)
    finally:
        plt.close(fig)


def plot_projections(post: PosteriorResult, outputs: list[str], units: dict[str, str],
                     path: str | os.PathLike) -> Path:
    """Prior (grey) and posterior (blue) 5-95 % fans of the key outputs to 2050."""
    from cycle.outputs import save_figure
    from cycle.plots import plt, unit_label

    ncol = 2 if len(outputs) > 1 else 1
    nrow = math.ceil(len(outputs) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.2 * ncol, 3.3 * nrow), layout="constrained",
                             squeeze=False)
    for ax, var in zip(axes.flat, outputs, strict=False):
        pr, po = post.prior_bands[var], post.bands[var]
        ax.fill_between(pr.index, pr["p5"], pr["p95"], color="0.6", alpha=0.3, label="prior 5-95 %")
        ax.fill_between(po.index, po["p5"], po["p95"], color="tab:blue", alpha=0.3, label="posterior 5-95 %")
        ax.fill_between(po.index, po["p25"], po["p75"], color="tab:blue", alpha=0.4,
                        label="posterior 25-75 %")
        ax.plot(po.index, po["p50"], color="tab:blue", lw=1.5, label="posterior median")
        for y in (2030, 2035, 2050):
            ax.axvline(y, color="k", lw=0.5, alpha=0.4)
        ax.set_title(var, fontsize=10)
        ax.set_ylabel(unit_label(units[var]))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    for ax in list(axes.flat)[len(outputs):]:
        ax.set_visible(False)
    fig.suptitle("What the data leave open: projections under the prior and the posterior (baseline)")
    try:
        return save_figure(fig, path, dpi=120)
    finally:
        plt.close(fig)


def write_posterior(post: PosteriorResult, observations: pd.DataFrame, out: str | os.PathLike,
                    model) -> list[Path]:
    """Write the draws, tables and figures of `post` into `out`; return the paths."""
    from cycle.calibration.posterior import key_outputs

    from cycle.outputs import write_csv

    out = Path(out)
    draws = post.draws.copy()
    draws["log_posterior"] = post.log_prob
    outs = key_outputs(model)
    written = [
        write_csv(out / "posterior.csv", draws, float_format="%.8g"),
        write_csv(out / "posterior_table.csv", post.table, index=False),
        write_csv(out / "projections.csv", projection_table(post), index=False),
        write_csv(out / "ridges.csv", post.ridges, index=False),
        plot_pairs(post, out / "posterior_pairs.png"),
        plot_predictive(post, observations, out / "posterior_predictive.png"),
        plot_projections(post, outs, {v: model.variables[v].units for v in outs},
                         out / "projections.png"),
    ]
    return written
