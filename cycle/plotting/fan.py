"""Fan charts of an ensemble: median and 25–75 % / 5–95 % bands per scenario, one colour each.

Scenarios get distinct colour-blind-safe colours (:func:`cycle.plotting.style.scenario_colours`);
the 25–75 % band is a light fill and the 5–95 % band two thin dashed lines in the scenario's
colour, so bands stay distinguishable where they overlap instead of blending into a third colour. The
legend shows each scenario's swatch, each policy's start is marked with a dotted line in its
colour, and the deterministic calibrated baseline (dashed black) and the observations with
their ±1σ error bars are drawn, so the spread can be read against the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from cycle.io.files import save_figure
from cycle.names import identifier
from cycle.plotting.style import new_figure, scenario_colours, tr, unit_label, var_label

__all__ = ["plot_fan", "plot_fan_grid", "plot_fan_charts", "fan_chart_jobs"]


def _observed(model):
    try:
        from cycle.runs import observed_for_plots

        return observed_for_plots(model)
    except Exception:  # observations are decoration; a missing file must not stop the plots
        return None


def _starts(result) -> dict[str, float]:
    out = {}
    for s in result.scenarios:
        try:
            start = s.start_year(result.model)
        except Exception:  # a scenario without levers, or built in code
            start = None
        if start is not None and math.isfinite(start) and start <= result.until:
            out[s.name] = float(start)
    return out


def _draw(ax, result, variable: str, observed, colours, starts, *, fontsize: float = 8) -> None:
    pct = result.percentiles
    sel = pct[pct["variable"] == variable]
    for name in [s.name for s in result.scenarios]:
        d = sel[sel["scenario"] == name]
        colour = colours[name] if name != "baseline" else "0.35"
        ax.plot(d["time"], d["p5"], color=colour, lw=0.9, ls=(0, (4, 2)))
        ax.plot(d["time"], d["p95"], color=colour, lw=0.9, ls=(0, (4, 2)))
        ax.fill_between(d["time"], d["p25"], d["p75"], color=colour, alpha=0.18, lw=0)
        ax.plot(d["time"], d["p50"], color=colour, lw=1.8)
    for name, start in starts.items():
        ax.axvline(start, color=colours[name], ls=":", lw=1.1)
    det = result.deterministic
    if variable in det:
        ax.plot(det.index, det[variable], color="black", ls="--", lw=1.1, zorder=4)
    if observed is not None and not observed.empty:
        obs = observed[observed["variable"] == variable]
        if not obs.empty:
            ax.errorbar(obs["time"], obs["value"], yerr=obs["sigma"], fmt="o", color="black",
                        ms=4, capsize=3, zorder=5)
    ax.set_ylabel(unit_label(result.units.get(variable, "")), fontsize=fontsize + 1)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.tick_params(labelsize=fontsize)
    ax.grid(alpha=0.3)


def _legend_handles(result, colours, starts, observed) -> list:
    which = "calibrated" if getattr(result.model, "calibration", None) else ".mdl"
    handles = []
    for s in result.scenarios:
        colour = colours[s.name] if s.name != "baseline" else "0.35"
        label = tr("baseline") if s.name == "baseline" else s.name
        handles.append(Patch(facecolor=colour, alpha=0.6, edgecolor=colour,
                             label=f"{label}: {tr('median')} (line), 25–75 % (band)"))
    handles.append(Line2D([], [], color="0.35", lw=0.9, ls=(0, (4, 2)),
                          label="5 % and 95 % of runs (dashed, scenario colour)"))
    handles.append(Line2D([], [], color="black", ls="--",
                          label=f"{tr('baseline')}, {which} values, no uncertainty"))
    if starts:
        handles.append(Line2D([], [], color="0.3", ls=":", label=tr("policy start")))
    if observed is not None and not observed.empty:
        handles.append(Line2D([], [], marker="o", color="black", ls="", label=tr("observed (±1σ)")))
    return handles


def _title(result) -> str:
    return (f"{tr('ensemble')}: {result.n} {tr('parameter sets')} ({result.sampler}, seed "
            f"{result.seed}); bands across runs")


def plot_fan(result, variable: str, path: str | Path, *, observed=None) -> Path:
    """One variable's fan chart (every scenario on one axis); saved to `path`.

    The frame (figure, axes, legend, titles, tick objects) is the same for every variable of
    one ensemble: the last one drawn in this process is kept and only its data are drawn
    again (a quarter of a chart's time; the pixels are those of a new figure, tested)."""
    fig, ax, title, colours, starts = _single_frame(result, observed)
    for artist in [*ax.lines, *ax.collections]:
        artist.remove()
    ax.containers.clear()
    ax.relim()
    ax.autoscale()
    _draw(ax, result, variable, observed, colours, starts)
    title.set_text(var_label(variable))
    return save_figure(fig, path, dpi=110)


_FRAME: dict = {}
"""The frame of :func:`plot_fan`'s last chart: ``{"key": (result, observed, language),
"frame": (figure, axes, title, colours, starts)}``."""


def _single_frame(result, observed):
    language = tr("year")  # the label language, as a text
    old = _FRAME.get("key", (None, None, None))
    if old[0] is not result or old[1] is not observed or old[2] != language:
        colours = scenario_colours([s.name for s in result.scenarios])
        starts = _starts(result)
        handles = _legend_handles(result, colours, starts, observed)
        fig = new_figure(figsize=(8.5, 5.2))
        ax = fig.subplots()
        rows = -(-len(handles) // 2)
        bottom = 0.12 + 0.045 * rows
        fig.subplots_adjust(left=0.1, right=0.98, top=0.88, bottom=bottom)
        ax.set_xlabel(tr("year (2022.0 = end of 2021)"), fontsize=9)
        title = fig.suptitle("", fontsize=12, y=0.975)
        fig.text(0.5, 0.915, _title(result), ha="center", fontsize=8.5, color="0.3")
        fig.legend(handles=handles, loc="lower center", ncols=2, fontsize=8, frameon=False)
        _FRAME.update(key=(result, observed, language), frame=(fig, ax, title, colours, starts))
    return _FRAME["frame"]


def plot_fan_grid(result, path: str | Path, *, observed=None, ncols: int = 4) -> Path:
    """Every summarised variable in a grid, one shared legend; saved to `path`."""
    variables = result.variables
    ncols = min(ncols, len(variables))
    nrows = -(-len(variables) // ncols)
    colours = scenario_colours([s.name for s in result.scenarios])
    starts = _starts(result)
    handles = _legend_handles(result, colours, starts, observed)
    legend_rows = -(-len(handles) // 3)
    height = 3.2 * nrows + 0.9 + 0.25 * legend_rows
    fig = new_figure(figsize=(4.6 * ncols, height))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    fig.subplots_adjust(left=0.05, right=0.99, top=1 - 0.75 / height,
                        bottom=(0.55 + 0.25 * legend_rows) / height, wspace=0.3, hspace=0.38)
    for ax, variable in zip(axes.flat, variables, strict=False):
        _draw(ax, result, variable, observed, colours, starts, fontsize=7)
        ax.set_title(var_label(variable), fontsize=10, y=1.0, pad=4)  # y: no auto layout
    for ax in list(axes.flat)[len(variables):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(tr("year"), fontsize=8)
    fig.legend(handles=handles, loc="lower center", ncols=3, fontsize=8.5, frameon=False)
    fig.suptitle(_title(result), fontsize=12, y=1 - 0.2 / height)
    return save_figure(fig, path, dpi=100)


def plot_fan_charts(result, out: str | Path) -> list[Path]:
    """``fan_<variable>.png`` for each variable and the grid ``fan_charts.png`` in `out`."""
    return [job() for job in fan_chart_jobs(result, out)]


def fan_chart_jobs(result, out: str | Path) -> list[Callable[[], Path]]:
    """The charts of :func:`plot_fan_charts` as one job each (in the same order), for
    drawing them in two processes."""
    out = Path(out)
    observed = _observed(result.model)
    jobs = [partial(plot_fan, result, v, out / f"fan_{identifier(v)}.png", observed=observed)
            for v in result.variables]
    jobs.append(partial(plot_fan_grid, result, out / "fan_charts.png", observed=observed))
    return jobs
