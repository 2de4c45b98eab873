"""Fan charts of an ensemble: median and 25–75 % / 5–95 % bands per scenario, one colour each.

Each chart also draws the deterministic calibrated baseline (dashed) and the observations
with their ±1σ error bars, so the spread can be read against the data.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from cycle.names import identifier  # noqa: E402
from cycle.outputs import save_figure  # noqa: E402
from cycle.plots import unit_label  # noqa: E402

__all__ = ["plot_fan", "plot_fan_grid", "plot_fan_charts"]

_COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
            "tab:pink", "tab:olive", "tab:cyan", "tab:gray"]
_XLABEL = "year (2022.0 = end of 2021)"


def _observed(model):
    try:
        from cycle.runs import observed_for_plots

        return observed_for_plots(model)
    except Exception:  # observations are decoration; a missing file must not stop the plots
        return None


def _draw(ax, result, variable: str, observed, *, legend: bool, fontsize: float = 8) -> None:
    pct = result.percentiles
    sel = pct[pct["variable"] == variable]
    names = [s.name for s in result.scenarios]
    for i, name in enumerate(names):
        d = sel[sel["scenario"] == name]
        colour = _COLOURS[i % len(_COLOURS)]
        ax.fill_between(d["time"], d["p5"], d["p95"], color=colour, alpha=0.13, lw=0)
        ax.fill_between(d["time"], d["p25"], d["p75"], color=colour, alpha=0.30, lw=0)
        ax.plot(d["time"], d["p50"], color=colour, lw=1.8, label=f"{name}: median")
    det = result.deterministic
    if variable in det:
        which = "calibrated" if getattr(result.model, "calibration", None) else ".mdl"
        ax.plot(det.index, det[variable], color="black", ls="--", lw=1.2,
                label=f"baseline, {which} values, no uncertainty")
    if observed is not None and not observed.empty:
        obs = observed[observed["variable"] == variable]
        if not obs.empty:
            ax.errorbar(obs["time"], obs["value"], yerr=obs["sigma"], fmt="o", color="black",
                        ms=4, capsize=3, zorder=5, label="observed (±1σ)")
    ax.set_ylabel(f"{variable} ({unit_label(result.units.get(variable, ''))})", fontsize=fontsize + 1)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(handles=_legend_handles(ax), fontsize=fontsize, loc="upper left")


def _legend_handles(ax) -> list:
    handles, _ = ax.get_legend_handles_labels()
    return handles + [Patch(color="0.5", alpha=0.45, label="25–75 % of runs"),
                      Patch(color="0.5", alpha=0.15, label="5–95 % of runs")]


def _title(result, variable: str | None = None) -> str:
    head = f"{variable}: " if variable else ""
    return (f"{head}ensemble of {result.n} parameter sets ({result.sampler}, seed {result.seed}); "
            f"bands across runs")


def plot_fan(result, variable: str, path: str | Path, *, observed=None) -> Path:
    """One variable's fan chart (every scenario on one axis); saved to `path`."""
    fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    _draw(ax, result, variable, observed, legend=True)
    ax.set_xlabel(_XLABEL)
    ax.set_title(_title(result, variable), fontsize=10)
    try:
        return save_figure(fig, path, dpi=110)
    finally:
        plt.close(fig)


def plot_fan_grid(result, path: str | Path, *, observed=None, ncols: int = 4) -> Path:
    """Every summarised variable in a grid, one shared legend; saved to `path`."""
    variables = result.variables
    nrows = -(-len(variables) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.4 * nrows + 0.8),
                             layout="constrained", squeeze=False)
    for ax, variable in zip(axes.flat, variables, strict=False):
        _draw(ax, result, variable, observed, legend=False, fontsize=7)
        ax.set_title(variable, fontsize=10)
    for ax in list(axes.flat)[len(variables):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("year")
    handles = [h for h in _legend_handles(axes.flat[0])]
    labels = {h.get_label() for h in handles}
    if "observed (±1σ)" not in labels and observed is not None and not observed.empty:
        handles.append(Line2D([], [], marker="o", color="black", ls="", label="observed (±1σ)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), fontsize=9)
    fig.suptitle(_title(result), fontsize=12)
    try:
        return save_figure(fig, path, dpi=100)
    finally:
        plt.close(fig)


def plot_fan_charts(result, out: str | Path) -> list[Path]:
    """``fan_<variable>.png`` for each variable and the grid ``fan_charts.png`` in `out`."""
    out = Path(out)
    observed = _observed(result.model)
    paths = [plot_fan(result, v, out / f"fan_{identifier(v)}.png", observed=observed)
             for v in result.variables]
    paths.append(plot_fan_grid(result, out / "fan_charts.png", observed=observed))
    return paths
