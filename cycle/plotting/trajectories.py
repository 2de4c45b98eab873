"""Trajectory plots a modeller would put in a report (matplotlib, saved as PNG/SVG/PDF).

A run with overrides or a scenario says so in the figure's subtitle and draws the baseline
beside it (dashed black), so a policy run's plots never look like the baseline's. Layout is
fixed (no constrained-layout solver), which keeps a 9-panel grid at a fraction of a second.

The data come as a run's DataFrame (indexed by time) or as
:class:`~cycle.plotting.series.Trajectories`, and observations as their table or as
:class:`~cycle.plotting.series.Points` by variable: a process that only draws (``cycle run``'s
side processes) need not import pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.ticker import MaxNLocator

from cycle.io.files import save_figure
from cycle.plotting.panels import KEY_PANELS
from cycle.plotting.series import Points, Trajectories, as_points
from cycle.plotting.style import fmt_value, new_figure, tr, unit_label, var_label

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KEY_PANELS", "plot_key_stocks", "prepare_key_stocks", "plot_variable", "unit_label",
           "describe_overrides"]


def describe_overrides(label: str | None, overrides: dict[str, float] | None,
                       width: int = 150) -> str:
    """One line naming the scenario and its overrides (``""`` for a plain baseline run)."""
    if not label and not overrides:
        return ""
    parts = [f"{k} = {v:g}" for k, v in (overrides or {}).items()]
    head = f"{tr('scenario')}: {label}" if label else tr("overrides")
    text = head + (" — " + "; ".join(parts) if parts else "")
    text += f"   (--- {tr('baseline')})"
    return text if len(text) <= width else text[:width - 1] + "…"


def _observed_points(ax, points: dict[str, Points], variable: str, *,
                     annotate: bool = True) -> None:
    obs = points.get(variable)
    if obs is None or not len(obs.time):
        return
    ax.errorbar(obs.time, obs.value, yerr=obs.sigma, fmt="o", color="black",
                ms=4, capsize=3, zorder=5, label=tr("observed (±1σ)"))
    if annotate:
        for t, v, p in zip(obs.time, obs.value, obs.period, strict=True):
            ax.annotate(f"{fmt_value(v)} ({p})", (t, v), textcoords="offset points",
                        xytext=(9, -13), fontsize=7.5, zorder=4.5,  # below-right, under points
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.8})


def plot_variable(df: pd.DataFrame | Trajectories, variable: str, units: str,
                  path: str | Path, *,
                  observed: pd.DataFrame | dict[str, Points] | None = None,
                  title: str | None = None, until: float | None = None,
                  baseline: pd.DataFrame | Trajectories | None = None,
                  subtitle: str = "") -> Path:
    """One variable over time (and the baseline beside it, if given) with observed points."""
    data = Trajectories.of(df, [variable]).until(until)
    base = None if baseline is None else Trajectories.of(baseline, [variable]).until(until)
    fig = new_figure(figsize=(7.5, 4.6))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.12, top=0.86 if subtitle else 0.9)
    if base is not None and variable in base:
        ax.plot(base.time, base[variable], lw=1.4, ls="--", color="black",
                label=tr("baseline"), zorder=4)
    ax.plot(data.time, data[variable], lw=2, color="#0072B2",
            label=tr("simulated") if baseline is None else (subtitle.split(" — ")[0] or "run"),
            zorder=3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _observed_points(ax, as_points(observed), variable)
    ax.margins(y=0.1)  # room under the first point for its label, clear of the axis line
    ax.set_xlabel(tr("year (2022.0 = end of 2021)"))
    ax.set_ylabel(f"{var_label(variable)} ({unit_label(units)})")
    fig.suptitle(tr(title) if title else var_label(variable), fontsize=12,
                 y=0.975 if subtitle else 0.96)
    if subtitle:
        fig.text(0.5, 0.905, subtitle, ha="center", fontsize=8.5, color="0.25")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8.5)
    return save_figure(fig, path, dpi=130)


def plot_key_stocks(df: pd.DataFrame | Trajectories, units: dict[str, str],
                    path: str | Path, *,
                    observed: pd.DataFrame | dict[str, Points] | None = None,
                    panels: Sequence[tuple[str, list[str]]] = KEY_PANELS,
                    title: str = "Northeast technology-industry-finance cycle",
                    baseline: pd.DataFrame | Trajectories | None = None,
                    subtitle: str = "") -> Path:
    """A grid of the key stocks, one panel per group, observed points drawn in; with
    `baseline`, each variable's baseline is drawn dashed in the same colour. Drawn on the
    frame :func:`prepare_key_stocks` built, if it built this one."""
    names_used = [n for _, names in panels for n in names]
    df = Trajectories.of(df, names_used)
    baseline = None if baseline is None else Trajectories.of(baseline, names_used)
    points = as_points(observed)
    panels = [(t, [n for n in names if n in df]) for t, names in panels]
    panels = [(t, names) for t, names in panels if names]
    if not panels:
        raise ValueError("no panel of the key-stock grid has a variable in the data")
    titles = [t for t, _ in panels]
    frame = _READY.pop(_frame_key(titles, title, bool(subtitle)), None)
    _READY.clear()  # another grid's frame: not this one's to keep
    fig, axes, height = frame or _key_frame(titles, title, bool(subtitle))
    for ax, (_, names) in zip(axes.flat, panels, strict=False):
        for i, name in enumerate(names):
            colour = f"C{i}"
            ax.plot(df.time, df[name], lw=1.7, color=colour, label=var_label(name))
            if baseline is not None and name in baseline:
                ax.plot(baseline.time, baseline[name], lw=1.3, ls="--", color="0.25",
                        zorder=1)  # under the run: visible where the run departs from it
            _observed_points(ax, points, name, annotate=False)
        unit_set = {units.get(n, "") for n in names}
        ax.set_ylabel(unit_label(unit_set.pop()) if len(unit_set) == 1 else tr("see legend"),
                      fontsize=9)
        if len(names) > 1 or any(name in points for name in names):
            ax.legend(fontsize=7, loc="best")
    if subtitle:
        fig.text(0.5, 1 - 0.52 / height, subtitle, ha="center", fontsize=9, color="0.25")
    return save_figure(fig, path, dpi=100)


_READY: dict[tuple, tuple] = {}
"""The key-stock frame :func:`prepare_key_stocks` built, by :func:`_frame_key` (one at most)."""


def prepare_key_stocks(panels: Sequence[tuple[str, list[str]]] = KEY_PANELS, *,
                       title: str = "Northeast technology-industry-finance cycle",
                       subtitle: bool = False) -> None:
    """Build the key-stock grid's frame (figure, panels, titles, axes, grid lines) before the
    data exist, for the next :func:`plot_key_stocks` of these panels (if it finds a variable
    of each), `title`, label language and, with `subtitle`, a subtitle. A process waiting
    for a run's data (``cycle run``'s side process) does this meanwhile: about a tenth of
    the grid's time."""
    titles = [t for t, names in panels if names]
    _READY.clear()
    _READY[_frame_key(titles, title, subtitle)] = _key_frame(titles, title, subtitle)


def _frame_key(titles: list[str], title: str, subtitle: bool) -> tuple:
    return tuple(tr(t) for t in titles), tr(title), tr("year"), subtitle


def _key_frame(titles: list[str], title: str, subtitle: bool) -> tuple:
    """(figure, axes, height in inches) of a grid with a panel for each of `titles`."""
    ncols = 3
    nrows = -(-len(titles) // ncols)
    height = 3.3 * nrows + 0.9
    fig = new_figure(figsize=(15, height))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    top = 1 - (0.95 if subtitle else 0.75) / height
    fig.subplots_adjust(left=0.06, right=0.985, bottom=0.5 / height, top=top, wspace=0.28,
                        hspace=0.3)
    for ax, panel_title in zip(axes.flat, titles, strict=False):
        ax.set_title(tr(panel_title), fontsize=10.5, y=1.0, pad=4)  # y: skips auto layout
        ax.tick_params(labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(titles):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(tr("year"), fontsize=9)
    fig.suptitle(tr(title), fontsize=13, y=1 - 0.12 / height)
    return fig, axes, height
