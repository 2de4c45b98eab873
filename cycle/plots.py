"""Trajectory plots a modeller would put in a report (matplotlib, saved as PNG/SVG/PDF)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from cycle.outputs import save_figure  # noqa: E402

__all__ = ["KEY_PANELS", "plot_key_stocks", "plot_variable", "unit_label"]

KEY_PANELS: list[tuple[str, list[str]]] = [
    ("Tech loan balance", ["Tech Loan Balance"]),
    ("Patient capital", ["Patient Capital", "Public Patient Capital"]),
    ("Sci-tech bonds", ["Sci Tech Bonds", "Risk Shared Bonds"]),
    ("Risk-sharing capital and re-loans", ["Risk Sharing Capital", "Reloan Balance"]),
    ("Technology", ["Knowledge Stock"]),
    ("Industrial capacity", ["Industrial Capacity"]),
    ("Firms by stage", ["Startup Firms", "Growth Firms", "Mature Firms", "Listed Firms"]),
    ("Cumulative default losses by bearer", [
        "Cumulative Bank Losses", "Cumulative Guarantor Losses", "Cumulative Central Bank Losses",
        "Cumulative Local Government Losses", "Cumulative Credit Enhancer Losses",
        "Cumulative Bond Investor Losses"]),
    ("NPL ratio and early-stage finance", ["NPL Ratio", "Early Stage Finance Adequacy"]),
]
"""Panels of the key-stock grid: (title, variables)."""

_UNIT_TEXT = {"BnYuan": "bn yuan", "BnYuan/Year": "bn yuan/yr", "ThousandFirms": "thousand firms",
              "Index": "index, 2021 = 100", "Dmnl": "fraction", "1/Year": "1/yr"}


def unit_label(units: str) -> str:
    """Readable axis label for model units (``BnYuan`` -> ``bn yuan``)."""
    return _UNIT_TEXT.get(units, units.replace("BnYuan", "bn yuan"))


def _observed_points(ax, observed: pd.DataFrame | None, variable: str) -> None:
    if observed is None or observed.empty:
        return
    obs = observed[observed["variable"] == variable]
    if obs.empty:
        return
    ax.errorbar(obs["time"], obs["value"], yerr=obs["sigma"], fmt="o", color="black",
                ms=5, capsize=3, zorder=5, label="observed (±1σ)")
    for t, v, p in zip(obs["time"], obs["value"], obs["period"], strict=True):
        ax.annotate(f"{v:g} ({p})", (t, v), textcoords="offset points", xytext=(6, -12),
                    fontsize=8)


def plot_variable(df: pd.DataFrame, variable: str, units: str, path: str | Path, *,
                  observed: pd.DataFrame | None = None, title: str | None = None,
                  until: float | None = None) -> Path:
    """One variable over time with observed points and their uncertainty; saved to `path`."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
    data = df[variable] if until is None else df.loc[df.index <= until, variable]
    ax.plot(data.index, data.values, lw=2, color="tab:blue", label="simulated")
    _observed_points(ax, observed, variable)
    ax.set_xlabel("year (calendar time; 2022.0 = end of 2021)")
    ax.set_ylabel(f"{variable} ({unit_label(units)})")
    ax.set_title(title or variable)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    try:
        return save_figure(fig, path, dpi=150)
    finally:
        plt.close(fig)


def plot_key_stocks(df: pd.DataFrame, units: dict[str, str], path: str | Path, *,
                    observed: pd.DataFrame | None = None,
                    panels: Sequence[tuple[str, list[str]]] = KEY_PANELS,
                    title: str = "Northeast technology-industry-finance cycle") -> Path:
    """A grid of the key stocks, one panel per group, observed points drawn in."""
    ncols = 3
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(15, 3.6 * nrows), layout="constrained",
                             squeeze=False)
    for ax, (panel_title, names) in zip(axes.flat, panels, strict=False):
        present = [n for n in names if n in df.columns]
        for name in present:
            ax.plot(df.index, df[name], lw=1.8, label=name)
            _observed_points(ax, observed, name)
        unit_set = {units.get(n, "") for n in present}
        ax.set_ylabel(unit_label(unit_set.pop()) if len(unit_set) == 1 else "see legend")
        ax.set_title(panel_title, fontsize=11)
        ax.grid(alpha=0.3)
        if len(present) > 1 or (observed is not None and
                                observed["variable"].isin(present).any()):
            ax.legend(fontsize=7, loc="upper left")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("year")
    fig.suptitle(title, fontsize=13)
    try:
        return save_figure(fig, path, dpi=130)
    finally:
        plt.close(fig)
