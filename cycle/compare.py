"""Compare policy scenarios with the baseline: trajectories, metrics, plots and a manifest.

:func:`compare` checks every scenario first, then runs the baseline and each scenario on a
fresh model (each :meth:`Model.run` reloads PySD) and reduces the runs with the metrics of
:mod:`cycle.metrics`. :func:`write_comparison` writes the result to a folder.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cycle import metrics as M
from cycle.io.files import save_figure, write_csv, write_text
from cycle.io.manifest import write_manifest
from cycle.model import load_model
from cycle.scenarios import Scenario, baseline_scenario, load_scenario

__all__ = ["ComparisonResult", "compare", "write_comparison", "PLOT_VARIABLES"]

PLOT_VARIABLES = ["Tech Loan Balance", "Patient Capital", "Sci Tech Bonds", "Knowledge Stock",
                  "Industrial Capacity", "Private Finance Outstanding", "Cumulative Public Outlay",
                  "Cumulative Default Losses", "NPL Ratio"]
"""Panels of ``trajectories.png``."""

PLOT_FROM = 2021.0


@dataclass
class ComparisonResult:
    """Runs of the baseline and scenarios, and their metrics.

    Attributes
    ----------
    trajectories : tidy DataFrame, columns scenario, time (year), variable, value (model units).
    metrics : tidy DataFrame, columns scenario, metric, year (nan for whole-run metrics),
        units, value, difference (scenario minus baseline, same units; nan where undefined).
    scenarios : the scenarios compared, baseline first.
    params : overrides each scenario ran with, ``{scenario: {Vensim name: value}}``.
    starts : earliest policy start year of each scenario (nan for none).
    until : final year of the runs.
    model : the :class:`~cycle.model.Model` used.
    """

    trajectories: pd.DataFrame
    metrics: pd.DataFrame
    scenarios: list[Scenario] = field(default_factory=list)
    params: dict[str, dict[str, float]] = field(default_factory=dict)
    starts: dict[str, float] = field(default_factory=dict)
    until: float = math.nan
    model: object = None

    def wide(self, variable: str) -> pd.DataFrame:
        """One variable as a DataFrame indexed by time, one column per scenario."""
        t = self.trajectories
        return (t[t["variable"] == variable]
                .pivot(index="time", columns="scenario", values="value")
                [[s.name for s in self.scenarios]])


def _variables(model) -> list[str]:
    """What a comparison runs: the plotted variables (:func:`_plotted`) and the metrics'
    (those the model has)."""
    names = list(dict.fromkeys(_plotted(model, PLOT_VARIABLES) + M.required_variables()))
    return [n for n in names if n in model.variables]


def _plotted(model, variables: list[str]) -> list[str]:
    """Those of `variables` the model has; for a model with none of them, its first stocks."""
    from cycle.plotting.panels import first_stocks

    return ([v for v in variables if v in model.variables]
            or first_stocks({n: v.kind for n, v in model.variables.items()}))


def compare(scenarios, *, until: float | None = None, model="northeast",
            progress: bool = True, engine: str = "engine") -> ComparisonResult:
    """Run the baseline and each scenario and compute metrics.

    Parameters
    ----------
    scenarios : shipped names, ``.toml`` paths or :class:`Scenario` objects. The baseline
        (no overrides) is always run first; a scenario named ``baseline`` is not run twice.
    until : final year (default the model's FINAL TIME).
    model : model name, ``.mdl`` path or a loaded :class:`~cycle.model.Model`.
    progress : show a tqdm bar over the runs on stderr.
    engine : ``"engine"`` (the batch engine, one member per run) or ``"pysd"`` (the reference).

    Raises
    ------
    CycleError
        (and subclasses) for any bad scenario, before the first run.
    """
    from tqdm import tqdm

    m = model if hasattr(model, "run") else load_model(model)
    final = m.check_until(until)
    loaded = [load_scenario(s) for s in scenarios]
    names = [s.name for s in loaded]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"scenario names must be unique; repeated: {', '.join(sorted(dup))}")
    if not any(s.name == "baseline" for s in loaded) or loaded[0].name != "baseline":
        base = next((s for s in loaded if s.name == "baseline"), None) or baseline_scenario()
        loaded = [base] + [s for s in loaded if s.name != "baseline"]
    params = {s.name: s.to_params(m, until=final) for s in loaded}  # every check before any run
    if params["baseline"]:
        raise ValueError("the scenario named 'baseline' must not set any lever or parameter")
    columns = _variables(m)
    runs: dict[str, pd.DataFrame] = {}
    for s in tqdm(loaded, desc="cycle compare", unit="run", file=sys.stderr, disable=not progress):
        runs[s.name] = m.run(params[s.name], until=final, columns=columns, engine=engine)
    traj = pd.concat(
        [df.reset_index().melt(id_vars="time", var_name="variable").assign(scenario=name)
         for name, df in runs.items()], ignore_index=True)[["scenario", "time", "variable", "value"]]
    starts = {s.name: (s.start_year(m) or math.nan) for s in loaded}
    return ComparisonResult(trajectories=traj, metrics=_metrics(m, runs, final), scenarios=loaded,
                            params=params, starts=starts, until=final, model=m)


def _metrics(model, runs: dict[str, pd.DataFrame], final: float) -> pd.DataFrame:
    """The metrics table: every metric of :data:`cycle.metrics.METRICS` for every run."""
    return M.table(model, runs, final)


def _fmt(x: float, units: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if units == "year":  # calendar years and differences in years: no thousands separator
        return f"{x:.2f}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.4f}"


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def metrics_markdown(result: ComparisonResult) -> str:
    """The metrics as Markdown: levels per scenario, then differences from the baseline."""
    met = result.metrics
    names = [s.name for s in result.scenarios]
    first = met[met["scenario"] == names[0]]
    keys = list(zip(first["metric"], first["year"], first["units"], strict=True))

    def label(metric, year, units):
        y = "" if math.isnan(year) else f" {year:g}"
        return f"{metric}{y} ({units})"

    def table(col: str, skip_baseline: bool) -> str:
        cols = [n for n in names if not (skip_baseline and n == "baseline")]
        rows = []
        for metric, year, units in keys:
            sel = met[(met["metric"] == metric) & (met["units"] == units)
                      & ((met["year"] == year) | (met["year"].isna() & math.isnan(year)))]
            vals = dict(zip(sel["scenario"], sel[col], strict=True))
            if skip_baseline and all(math.isnan(vals.get(n, math.nan)) for n in cols):
                continue
            rows.append([label(metric, year, units)]
                        + [_fmt(vals.get(n, math.nan), units) for n in cols])
        if not keys:
            return f"No metric: {result.model.name} has none of their variables."
        return _md_table(["metric"] + cols, rows)

    parts = [f"# Scenario comparison ({result.model.name}, runs to {result.until:g})", "",
             "Time is calendar years (2022.0 = end of 2021). Definitions at the end.", "",
             "## Levels", "", table("value", False), "",
             "## Difference from baseline", "", table("difference", True), ""]
    parts += ["## Scenarios", ""]
    for s in result.scenarios:
        parts.append(f"- **{s.name}**: {' '.join(s.description.split()) or '(no description)'}")
    parts += ["", "## Definitions (cycle/metrics.py)", "",
              "Levels: the variable at the year (linear between saved points); difference = scenario "
              "minus baseline.", ""]
    for m in M.METRICS:
        if m.op != "value_at":
            parts.append(f"- **{m.name}** ({m.units}): {m.formula()}. {m.note}".rstrip())
    return "\n".join(parts) + "\n"


def _observed(model):
    try:
        from cycle.runs import observed_for_plots

        return observed_for_plots(model)
    except Exception:  # observations are optional decoration
        return None


def plot_trajectories(result: ComparisonResult, path: str | os.PathLike, *,
                      variables: list[str] = PLOT_VARIABLES) -> Path:
    """Grid of key trajectories from 2021, one labelled line per scenario, policy starts dotted
    (for a model without any of `variables`, its first stocks)."""
    from matplotlib.ticker import MaxNLocator

    from cycle.plotting.style import new_figure, scenario_colours, tr, unit_label, var_label

    model = result.model
    variables = _plotted(model, variables)
    if not variables:
        raise ValueError("the model has none of the variables to plot and no stock")
    observed = _observed(model)
    ncols = 3
    nrows = -(-len(variables) // ncols)
    height = 3.5 * nrows + 1.6
    fig = new_figure(figsize=(15, height))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    fig.subplots_adjust(left=0.06, right=0.985, bottom=1.25 / height, top=1 - 0.8 / height,
                        wspace=0.25, hspace=0.42)
    colors = scenario_colours([s.name for s in result.scenarios])
    for ax, var in zip(axes.flat, variables, strict=False):
        wide = result.wide(var)
        wide = wide[wide.index >= PLOT_FROM]
        for name in wide.columns:
            ax.plot(wide.index, wide[name], lw=1.6 if name == "baseline" else 1.7,
                    color=colors[name], ls="--" if name == "baseline" else "-",
                    label=tr("baseline") if name == "baseline" else name,
                    zorder=4 if name == "baseline" else 3)
            start = result.starts.get(name, math.nan)
            if math.isfinite(start):
                ax.axvline(start, color=colors[name], ls=":", lw=1, alpha=0.8)
        if observed is not None and not observed.empty:
            obs = observed[observed["variable"] == var]
            if not obs.empty:
                ax.errorbar(obs["time"], obs["value"], yerr=obs["sigma"], fmt="o", color="black",
                            ms=4, capsize=3, zorder=5, label=tr("observed (±1σ)"))
        ax.set_title(var_label(var), fontsize=11, y=1.0, pad=4)  # y: no auto layout
        ax.set_ylabel(unit_label(model.variables[var].units), fontsize=9)
        ax.tick_params(labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(variables):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(tr("year (2022.0 = end of 2021)"), fontsize=9)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if any(math.isfinite(v) for v in result.starts.values()):
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color="0.3", ls=":", label=tr("policy start")))
        labels.append(tr("policy start"))
    fig.legend(handles, labels, loc="lower center", ncol=min(7, len(labels)), fontsize=9,
               frameon=False)
    fig.text(0.5, 0.3 / height, _scenario_lines(result), ha="center", va="bottom", fontsize=8,
             color="0.25")
    fig.suptitle(f"{tr('Scenarios vs baseline')}, {PLOT_FROM:g}–{result.until:g}", fontsize=13,
                 y=1 - 0.15 / height)
    return save_figure(fig, path, dpi=120)


def _scenario_lines(result: ComparisonResult, width: int = 190) -> str:
    """One short line per non-baseline scenario: its name and the constants it sets."""
    lines = []
    for sc in result.scenarios:
        if sc.name == "baseline":
            continue
        sets = "; ".join(f"{k} = {v:g}" for k, v in result.params[sc.name].items())
        line = f"{sc.name}: {sets or 'no overrides'}"
        lines.append(line if len(line) <= width else line[:width - 1] + "…")
    return "\n".join(lines)


def _plot_year(met: pd.DataFrame, year: float) -> float:
    """The latest year of the at-year rows not after `year` (else the earliest)."""
    years = sorted(set(met["year"].dropna()))
    before = [y for y in years if y <= year + 1e-9]
    return before[-1] if before else (years[0] if years else math.nan)


def plot_metric_differences(result: ComparisonResult, path: str | os.PathLike, *,
                            year: float = 2035.0) -> Path:
    """Every metric of the table (:data:`cycle.metrics.METRICS`) as bars with values, one panel
    per metric, one row per group: the key outcomes, public outlay by payer, default losses by
    bearer (each scenario minus the baseline at `year`, or the latest metric year before it) and
    the scenario metrics (crowd-in and leverage at that year, extra credit, peak NPL and deepest
    shortfall; metrics already relative to the baseline are shown as they are). Values are read
    from ``result.metrics``, the rows of metrics.csv."""
    from cycle.plotting import style
    from cycle.plotting.style import fmt_value, new_figure, scenario_colours, tr, unit_label, var_label

    met = result.metrics
    year = _plot_year(met, year)
    names = [s.name for s in result.scenarios if s.name != "baseline"]
    colours = scenario_colours(["baseline"] + names)
    zh = style._LANG["lang"] == "zh"
    groups: dict[str, list[M.Metric]] = {}
    for m in M.METRICS:
        if (met["metric"] == m.name).any():
            groups.setdefault(m.group, []).append(m)
    ncols = max(len(ms) for ms in groups.values())
    height = 3.3 * len(groups) + 1.0
    fig = new_figure(figsize=(2.9 * ncols + 0.6, height))
    axes = fig.subplots(len(groups), ncols, squeeze=False)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.9 / height + 0.02, top=1 - 0.8 / height,
                        wspace=0.45, hspace=0.75)
    for row, (group, metrics) in enumerate(groups.items()):
        for col in range(ncols):
            ax = axes[row, col]
            if col >= len(metrics):
                ax.set_visible(False)
                continue
            m = metrics[col]
            sel = met[met["metric"] == m.name]
            at_year = sel["year"].notna().any()
            if at_year:
                sel = sel[sel["year"] == year]
            relative = m.op in M.RELATIVE_OPS
            col_name = "value" if relative else "difference"
            by = dict(zip(sel["scenario"], sel[col_name], strict=True))
            vals = [float(by.get(n, math.nan)) for n in names]
            scale = max([1.0] + [abs(float(x)) for x in sel["value"] if math.isfinite(x)])
            vals = [0.0 if abs(v) < 1e-12 * scale else v for v in vals]  # rounding noise
            drawn = [v if math.isfinite(v) else 0.0 for v in vals]
            bars = ax.bar(range(len(names)), drawn, color=[colours[n] for n in names])
            ax.bar_label(bars, labels=[fmt_value(v) for v in vals], fontsize=7.5, padding=2)
            ax.axhline(0, color="black", lw=0.8)
            ax.ticklabel_format(axis="y", useOffset=False)
            if not any(drawn):
                ax.set_ylim(-1, 1)
                ax.text(0.5, 0.7, tr("no difference") if all(map(math.isfinite, vals)) else "–",
                        transform=ax.transAxes, ha="center", fontsize=8, color="0.4")
            ax.margins(y=0.2)
            ax.set_xticks(range(len(names)), names, rotation=55, ha="right", fontsize=7.5)
            label = var_label(m.name) if m.op == "value_at" else (m.zh if zh and m.zh else m.name)
            if at_year and m.op != "value_at":
                label = f"{label} {year:g}"
            ax.set_title(label, fontsize=8.5, wrap=True, y=1.0, pad=4)
            ax.tick_params(axis="y", labelsize=7.5)
            units = unit_label(str(sel["units"].iloc[0])) if len(sel) else ""
            ax.set_ylabel(units if relative else f"Δ ({units})", fontsize=8)
            ax.grid(alpha=0.3, axis="y")
        axes[row, 0].annotate(tr(group), (0, 1), xycoords="axes fraction", xytext=(-30, 28),
                              textcoords="offset points", fontsize=11, fontweight="bold")
    fig.suptitle(f"{tr('Difference from baseline')}, {year:g} ({tr('scenario − baseline')})",
                 fontsize=12, y=1 - 0.15 / height)
    return save_figure(fig, path, dpi=110)


def write_comparison(result: ComparisonResult, out: str | os.PathLike, *,
                     argv: list[str] | None = None, engine: str = "engine") -> list[Path]:
    """Write trajectories.csv, units.csv, metrics.csv, metrics.md, two PNGs (one for a model
    without any metric's variables) and manifest.json into the folder `out` (callers wrap it
    in :func:`cycle.io.folder.output_folder`)."""
    from cycle.io.units import TIME_UNITS, model_rows, write_units

    out = Path(out)
    variables = list(dict.fromkeys(result.trajectories["variable"]))
    unit_rows = [("trajectories.csv", "time", *TIME_UNITS)]
    unit_rows += [(f, c, u, d) for f, c, u, d in model_rows("trajectories.csv", variables,
                                                             result.model, time=False)]
    unit_rows += [("metrics.csv", "value", "see the units column", "level of the metric"),
                  ("metrics.csv", "difference", "see the units column",
                   "scenario minus baseline, same units")]
    written = [write_csv(out / "trajectories.csv", result.trajectories, index=False),
               write_units(out, unit_rows),
               write_csv(out / "metrics.csv", result.metrics, index=False),
               write_text(out / "metrics.md", metrics_markdown(result)),
               plot_trajectories(result, out / "trajectories.png")]
    if not result.metrics.empty:  # a model without the metrics' variables has none to draw
        written.append(plot_metric_differences(result, out / "metric_differences.png"))
    extra = {"until": result.until, "scenarios": {
        s.name: {"source": str(s.source) if s.source else None, "description": s.description,
                 "levers": s.levers, "params": s.params, "overrides": result.params[s.name]}
        for s in result.scenarios}}
    from cycle.model import choose_loop

    computation = {"engine": engine, "members": 1, "runs": len(result.scenarios),
                   "loop": choose_loop(result.model.engine, 1) if engine == "engine" else None,
                   "chunk_size": None, "evaluator": "in process"}
    written.append(write_manifest(out, model=result.model, params=None, extra=extra, argv=argv,
                                  engine=computation))
    return written
