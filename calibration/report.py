"""Write a calibration's outputs: fitted values, a Markdown report, a figure and a manifest.

:func:`write_report` takes the :class:`~cycle.calibration.fit.FitResult` of each reading of
the dates (``{"year_end": ..., "mid_year": ...}``, or one result) and writes into `out`:

- ``fitted_parameters.toml``: the primary reading's values (format of the shipped
  ``calibration/fitted/<model>.toml``);
- ``report.md``: parameters, intervals, identifiability, fit statistics, the date-reading
  comparison and the caveats;
- ``fit.png``: observed points (±1σ) against simulated trajectories, one panel per variable;
- ``manifest.json``: command, model hash, fitted values, versions.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from cycle.calibration.fit import DELTA_CHI2_95, FitResult, write_fitted

__all__ = ["write_report", "render_markdown", "plot_fit"]


def _f(v, digits: int = 4) -> str:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    return "n/a" if not math.isfinite(v) else f"{v:.{digits}g}"


def _pct(v) -> str:
    return "n/a" if not math.isfinite(v) else f"{100 * v:.1f} %"


def _as_dict(results) -> dict[str, FitResult]:
    if isinstance(results, FitResult):
        return {results.reading: results}
    if not results:
        raise ValueError("results is empty; pass a FitResult or {reading: FitResult}")
    return dict(results)


def render_markdown(results, *, primary: str | None = None) -> str:
    """The report as Markdown text (see the module docstring for its sections)."""
    results = _as_dict(results)
    primary = primary or next(iter(results))
    res = results[primary]
    L: list[str] = []
    L += [f"# Calibration of `{res.model}` to observed data", ""]
    L += [f"- Model file SHA-256: `{res.model_sha256}`",
          f"- Data: {res.data} ({len(res.table)} observations in {res.table['series'].nunique()} series)",
          f"- Primary reading of the dates: **{primary}** (its values are in `fitted_parameters.toml`)",
          f"- Readings fitted: {', '.join(results)}",
          f"- Seed: {res.seed}; backend: {res.backend}; "
          f"optimiser: differential evolution (popsize {res.options['popsize']}, at most "
          f"{res.options['maxiter']} generations, vectorised, no polish) then "
          "`scipy.optimize.least_squares` (trf, bounded)",
          "- Objective: χ² = Σ wᵢ (simᵢ − obsᵢ)² / σᵢ² + Σⱼ rⱼ², sim interpolated linearly at each "
          "observation's time; rⱼ is the prior residual of each parameter with a normal prior "
          "((x − mean)/sd) or a lognormal prior ((ln x − ln median)/sigma), so the fit is the posterior "
          "mode and its profile intervals combine data and prior. Priors come from outside the "
          "fitted data (their sources are in the posterior table below)",
          f"- Intervals: profile likelihood, Δχ² ≤ {DELTA_CHI2_95} (95 %, one parameter), "
          "truncated at the search bounds", ""]

    for reading, r in results.items():
        L += [f"## Fitted parameters, reading `{reading}`", ""]
        L += [f"χ² = {_f(r.fun)} with {len(r.table)} observations and {len(r.x)} free parameters; "
              f"status {r.status}: {r.message}; {r.nfev} model runs.", ""]
        L += ["| parameter | units | bounds | .mdl value | fitted | ± s.e. (Jacobian) | 95 % interval "
              "(profile) | identifiability | provenance |",
              "|---|---|---|---|---|---|---|---|---|"]
        for p in r.parameters.itertuples(index=False):
            L.append(f"| {p.name} | {p.units} | [{_f(p.lower)}, {_f(p.upper)}] | {_f(p.default)} | "
                     f"**{_f(p.value, 5)}** | {_f(p.stderr, 3)} | [{_f(p.ci_low)}, {_f(p.ci_high)}] | "
                     f"{p.note} | {p.provenance} |")
        L.append("")
        corr = r.correlation
        strong = [(a, b, corr.loc[a, b]) for i, a in enumerate(corr.index)
                  for b in corr.index[i + 1:] if math.isfinite(corr.loc[a, b]) and abs(corr.loc[a, b]) > 0.9]
        if strong:
            L += ["Strongly correlated estimates (|r| > 0.9, from the Jacobian): "
                  + "; ".join(f"{a} / {b}: {c:+.2f}" for a, b, c in strong) + ".", ""]
        sv = r.get("singular_values")
        if sv is not None and len(sv):
            L += [f"Singular values of the range-scaled Jacobian: {', '.join(_f(s, 3) for s in sv)} "
                  f"(condition number {_f(sv[0] / sv[-1] if sv[-1] > 0 else math.inf, 3)}).", ""]
        if r.get("bootstrap") is not None:
            b = r.bootstrap
            L += [f"Parametric bootstrap ({len(b)} refits): "
                  + "; ".join(f"{c}: 2.5-97.5 % [{_f(b[c].quantile(0.025))}, {_f(b[c].quantile(0.975))}]"
                              for c in b.columns) + ".", ""]

    ne = res.get("not_evidence")
    if ne is not None and len(ne):
        L += ["## Figures listed but not fitted", "",
              "Initial conditions set a stock's starting value in the `.mdl` from the same figure, so "
              "fitting them would count it twice; excluded figures measure something else.", "",
              "| series | variable | period | value | role | why |", "|---|---|---|---|---|---|"]
        for o in ne.itertuples(index=False):
            why = getattr(o, "sigma_basis", "") or o.definition
            L.append(f"| {o.series} | {o.variable} | {o.period} | {_f(o.value)} {o.unit} | "
                     f"{o.role} | {why} |")
        L.append("")

    L += ["## Fit per series", ""]
    for reading, r in results.items():
        L += [f"Reading `{reading}`:", "",
              "| series | variable | n | MAPE | R² | U_M | U_S | U_C |", "|---|---|---|---|---|---|---|---|"]
        for s in r.series.itertuples(index=False):
            L.append(f"| {s.series} | {s.variable} | {s.n} | {_f(s.mape, 3)} % | {_f(s.r2, 3)} | "
                     f"{_f(s.U_M, 3)} | {_f(s.U_S, 3)} | {_f(s.U_C, 3)} |")
        L += ["", "| series | period | time | observed | σ | weight | simulated | residual |",
              "|---|---|---|---|---|---|---|---|"]
        for o in r.table.itertuples(index=False):
            L.append(f"| {o.series} | {o.period} | {o.time:g} | {_f(o.observed)} | {_f(o.sigma)} | "
                     f"{_f(o.weight)} | {_f(o.simulated)} | {_f(o.residual, 3)} |")
        L.append("")
    L += ["R² and the Theil proportions (Sterman 1984) need at least 3 points; no series here has "
          "that many, so they are n/a. MAPE is in percent of the observed value.", ""]

    L += ["## Reading of the dates", "",
          "The source states 420 bn yuan (2021) and 680 bn yuan (H1 2024) and 17.8 %/yr growth; the three "
          "figures are not exactly consistent, so the reading of the dates matters.", "",
          "| reading | 2021 placed at | H1 2024 placed at | span (years) | implied growth (data) | "
          "simulated growth | stated | "
          + " | ".join(results[primary].x) + " |",
          "|---|---|---|---|---|---|---|" + "---|" * len(results[primary].x)]
    for reading, r in results.items():
        g = r.growth
        L.append(f"| {reading} | {g['t_first']:g} | {g['t_last']:g} | {g['span']:g} | "
                 f"{_pct(g['observed'])} | {_pct(g['simulated'])} | {_pct(g['stated'])} | "
                 + " | ".join(_f(r.x[n], 5) for n in results[primary].x) + " |")
    L += ["", "Implied growth = (680/420)^(1/Δt) − 1. Neither reading reproduces 17.8 %/yr exactly; "
          "that rate implies a span of about 2.94 years.", ""]

    L += ["## Caveats", ""]
    unident = [p.name for p in res.parameters.itertuples(index=False) if not p.identified]
    ident = [p.name for p in res.parameters.itertuples(index=False) if p.identified]
    L += [f"- Few data points: {len(res.table)} observations for {len(res.x)} parameters; the "
          "primary loan series has only 2 points (420 and 680 bn yuan), and every other series 1 point "
          "with a large σ and a weight below 1. The fit is close to exactly determined; χ² near 0 says "
          "little about the model's validity."]
    if unident:
        L.append(f"- **The data cannot pin down: {', '.join(unident)}** (reading `{primary}`): their "
                 "95 % profile intervals reach a search bound, so the fitted values are one point of a "
                 "ridge of equally good fits and should be read as assumptions consistent with the data, "
                 "not as estimates.")
    if ident:
        L.append(f"- Identified within the bounds: {', '.join(ident)}.")
    with_prior = [p.name for p in res.parameters.itertuples(index=False) if "prior sd" in p.note]
    if with_prior:
        L.append(f"- Gaussian priors (parameters.toml) hold {', '.join(with_prior)} near their "
                 ".mdl values; their intervals combine data and prior, so an 'identified' one here "
                 "is pinned partly by the prior, not by the data alone.")
    L += ["- Excluded: the 2023 Northeast tech-enterprise loan balance of seed 002 Table 4 "
          "(4,264 亿元 = 426.4 bn yuan) is defined over a narrower population of firms (it lies far below "
          "the 420 → 680 path) and is not mixed into the loan series.",
          "- The covariance from the Jacobian is a local, linear approximation; where it disagrees with "
          "the profile interval, trust the profile.",
          "- Every constant not listed above keeps its `.mdl` value here; `cycle ensemble` samples the "
          "uncertain ones (uncertain/northeast.toml, chosen by the screen) together with whole rows of "
          "the posterior sample.",
          ""]
    return "\n".join(L)


def plot_fit(results, path: str | os.PathLike) -> Path:
    """Observed points (±1σ) against the simulated trajectory of each reading; one panel a variable."""
    from cycle.outputs import save_figure
    from cycle.plots import plt, unit_label

    results = _as_dict(results)
    first = next(iter(results.values()))
    variables = list(dict.fromkeys(first.table["variable"]))
    ncol = 2 if len(variables) > 1 else 1
    nrow = math.ceil(len(variables) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.5 * ncol, 3.6 * nrow), layout="constrained",
                             squeeze=False)
    styles = {"year_end": ("tab:blue", "o", "-"), "mid_year": ("tab:orange", "s", "--")}
    units = {v: u for v, u in zip(first.table["variable"], first.table["unit"], strict=True)}
    for ax, var in zip(axes.flat, variables, strict=False):
        for reading, r in results.items():
            color, marker, ls = styles.get(reading, ("tab:green", "^", ":"))
            tr = r.trajectories[var]
            ax.plot(tr.index, tr.values, color=color, ls=ls, lw=1.8, label=f"simulated ({reading})")
            o = r.table[r.table["variable"] == var]
            ax.errorbar(o["time"], o["observed"], yerr=o["sigma"], fmt=marker, color=color, mfc="white",
                        ms=6, capsize=3, zorder=5, label=f"observed ±1σ ({reading} dates)")
        ax.set_title(var)
        ax.set_ylabel(unit_label(units[var]))
        ax.set_xlabel("year (2022.0 = end of 2021)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    for ax in list(axes.flat)[len(variables):]:
        ax.set_visible(False)
    fig.suptitle(f"Calibration of {first.model}: observed vs simulated")
    try:
        return save_figure(fig, path, dpi=130)
    finally:
        plt.close(fig)


def _screen_section(model_name: str, top: int = 10) -> str:
    """The shipped screen's top rows (``uncertain/screen_<model>.csv``, written by ``cycle screen``)."""
    try:
        from cycle.screening import load_screen

        t = load_screen(model_name)
    except (FileNotFoundError, OSError, ValueError):
        return ""
    L = ["", f"## Which constants matter: the screen (top {top})", "",
         f"From `uncertain/screen_{model_name}.csv` (`cycle screen`): each constant at ×0.8 and ×1.2 one at "
         "a time, effect = largest relative change of a key 2050 output; Morris mu* on the same scale. "
         f"{int(t['influential'].sum())} constants exceed 5 %; each is calibrated or sampled.", "",
         "| rank | constant | ±20 % effect | output moved most | Morris mu* | status |",
         "|---|---|---|---|---|---|"]
    for r in t.head(top).to_dict("records"):
        L.append(f"| {r['rank']} | {r['constant']} | {100 * float(r['oat_effect']):.1f} % | "
                 f"{r['oat_output']} | "
                 f"{100 * float(r['morris_effect']):.1f} % | {r['status']} |")
    L.append("")
    return "\n".join(L)


def write_report(results, out: str | os.PathLike, *, primary: str | None = None,
                 argv: list[str] | None = None, posterior=None) -> list[Path]:
    """Write ``fitted_parameters.toml``, ``report.md``, ``fit.png`` and ``manifest.json`` in `out`.

    Parameters
    ----------
    results : FitResult, or dict reading -> FitResult
    out : output folder (created if needed).
    primary : reading whose values go to ``fitted_parameters.toml`` (default: the first).
    argv : command line to record in the manifest.

    Returns
    -------
    list of Path
        The files written.
    """
    from cycle.manifest import write_manifest
    from cycle.outputs import write_text

    results = _as_dict(results)
    primary = primary or next(iter(results))
    if primary not in results:
        raise ValueError(f"primary reading {primary!r} is not one of {', '.join(results)}")
    out = Path(out)
    res = results[primary]
    text = render_markdown(results, primary=primary)
    text += _screen_section(res.model)
    written = []
    if posterior is not None:
        from cycle.calibration.posterior_report import posterior_markdown, write_posterior

        text += "\n" + posterior_markdown(posterior)
        written += write_posterior(posterior, res.observations_all, out, res.model_obj)
    written = [write_fitted(res, out / "fitted_parameters.toml", posterior=posterior),
               write_text(out / "report.md", text),
               plot_fit(results, out / "fit.png")] + written
    extra = {"calibration": {
        "primary_reading": primary, "seed": res.seed, "data": res.data, "backend": res.backend,
        "options": res.options,
        "fits": {r: {"x": v.x, "chi2": v.fun, "status": v.status, "message": v.message, "nfev": v.nfev,
                     "growth": v.growth,
                     "intervals": {p.name: [p.ci_low, p.ci_high, p.note]
                                   for p in v.parameters.itertuples(index=False)}}
                 for r, v in results.items()}}}
    if posterior is not None:
        extra["posterior"] = {"reading": posterior.reading, "seed": posterior.seed,
                              "options": posterior.options, "diagnostics": posterior.diagnostics,
                              "draws_file": "posterior.csv"}
    written.append(write_manifest(out, model=res.model_obj, params=res.x, extra=extra, argv=argv))
    return written
