"""Write a stress test into one folder: CSV tables (with a ``units.csv`` sidecar), the markdown
summary, one dashboard per scenario and shock, the deterministic trajectories and a manifest.

The folder is written through the shared output-folder transaction
(:func:`cycle.io.folder.output_folder`): built in a hidden sibling, swapped in complete."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from cycle.io.files import write_csv, write_text
from cycle.io.folder import output_folder
from cycle.io.manifest import write_manifest
from cycle.io.units import TIME_UNITS, model_rows, write_units
from cycle.stress.measures import READ_VARIABLES
from cycle.stress.report import (
    breach_table,
    breaking_points,
    effect_table,
    has_accelerator,
    impact_table,
    loss_table,
    probability_table,
    summary_markdown,
)
from cycle.stress.runner import StressResult

__all__ = ["write_stress", "trajectory_table"]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "scenario"


def trajectory_table(result: StressResult) -> pd.DataFrame:
    """Deterministic runs, tidy: scenario, rails (on/off), shock ("none" unshocked), time,
    variable, value (model units)."""
    frames = []
    for i, v in enumerate(result.variants):
        for name, arr in result.runs.items():
            frames.append(pd.DataFrame({
                "scenario": v.scenario, "rails": "on" if v.rails else "off",
                "shock": v.shock or "none", "time": result.times, "variable": name,
                "value": arr[i]}))
    return pd.concat(frames, ignore_index=True)


def write_stress(result: StressResult, out: str | os.PathLike, *,
                 argv: list[str] | None = None, lang: str = "en") -> list[Path]:
    """Write every output of `result` to the folder `out` (replaced as a whole).

    Files: ``breaches.csv``, ``impacts.csv``, ``losses.csv``, ``effects.csv``,
    ``breaking_points.csv``, ``probabilities.csv`` and ``samples.csv`` (with an ensemble),
    ``trajectories.csv``, ``units.csv``, ``summary.md``, ``dashboard_<scenario>_<shock>.png``,
    ``manifest.json``. Returns the final paths.

    Raises
    ------
    cycle.io.folder.OutputError
        For an `out` that cannot be written (checked before anything is drawn).
    """
    from cycle.stress.dashboard import plot_dashboard

    out = Path(out)
    names: list[str] = []
    with output_folder(out) as folder:
        tmp = folder.path
        dashboards = {}
        for s in result.scenarios:
            acc = has_accelerator(result, s.name)
            for shock in result.shocks:
                fname = f"dashboard_{_slug(s.name)}_{_slug(shock)}.png"
                plot_dashboard(result, s.name, shock, tmp / fname, accelerator=acc, lang=lang)
                dashboards[(s.name, shock)] = fname
                names.append(fname)
        tables = {"breaches.csv": breach_table(result), "impacts.csv": impact_table(result),
                  "losses.csv": loss_table(result), "effects.csv": effect_table(result),
                  "trajectories.csv": trajectory_table(result)}
        bp = breaking_points(result)
        if bp is not None:
            tables["breaking_points.csv"] = bp
        probs = probability_table(result)
        if probs is not None:
            tables["probabilities.csv"] = probs
            tables["samples.csv"] = result.samples
        for fname, df in tables.items():
            write_csv(tmp / fname, df, index=fname == "samples.csv")
            names.append(fname)
        write_units(tmp, _unit_rows(result, tables))
        names.append("units.csv")
        write_text(tmp / "summary.md", summary_markdown(result, dashboards=dashboards))
        names.append("summary.md")
        extra = {
            "until": result.until,
            "shocks": {n: {"rate": rate, "year": result.year, "description": sh.description,
                           "rate_meaning": sh.rate_meaning, "constants": p}
                       for n, (sh, rate, p) in result.shocks.items()},
            "scenarios": {s.name: {"source": str(s.source) if s.source else None,
                                   "description": s.description, "levers": s.levers,
                                   "params": s.params, "overrides": result.overrides[s.name]}
                          for s in result.scenarios},
            "guard_rails": "each scenario run with every rail switch at 1 (on) and at 0 (off)",
            "ensemble": None if result.samples is None else {
                "samples": len(result.samples), "seed": result.seed, "sampler": result.sampler,
                "uncertain": str(getattr(result.spec, "source", "")),
                "spec": result.spec.to_dict()},
            "seed": result.seed,
            "runs_with_nan": result.extra.get("nan_runs", 0),
        }
        engine = {"engine": "cycle.engine (batch engine generated from the .mdl)",
                  "loop": result.backend, "engine_model_sha256": result.engine.sha256,
                  "runs": len(result.variants) * (1 + (0 if result.samples is None
                                                       else len(result.samples)))}
        write_manifest(tmp, model=result.model, params=None, extra=extra, argv=argv,
                       engine=engine)
        names.append("manifest.json")
        target = folder.target
    return [target / n for n in names]


_COLUMN_UNITS = {
    "breaches.csv": {"limit": ("Dmnl; credit_cap: Year",
                               "the rail's floor or ceiling (credit_cap: years of GDP)"),
                     "first_breach": (TIME_UNITS[0], "first time the rail is breached (any time)"),
                     "first_after_shock": (TIME_UNITS[0], "first breach from the shock year on"),
                     "worst": ("Dmnl; credit_cap: Year", "worst reading from the shock year on"),
                     "depth": ("Dmnl; credit_cap: Year", "how far past the limit the worst reading went"),
                     "unshocked_depth": ("Dmnl", "the same in the unshocked run")},
    "losses.csv": {c: ("BnYuan", d) for c, d in [
        ("shocked", "losses borne in the loss window from the shock year, shocked run"),
        ("unshocked", "the same, unshocked run"), ("extra", "shocked minus unshocked"),
        ("shocked_to_end", "losses borne from the shock year to the end, shocked run"),
        ("extra_to_end", "the same minus the unshocked run")]},
    "effects.csv": {"year": TIME_UNITS, "firms": ("ThousandFirms", "start-ups + established firms"),
                    "d_firms": ("ThousandFirms", "against the baseline"),
                    "tech_loans": ("BnYuan", "Tech Loan Balance"),
                    "d_tech_loans": ("BnYuan", "against the baseline"),
                    "accelerator_credit": ("BnYuan", "Accelerator Credit"),
                    "accelerated_firms": ("ThousandFirms", "Accelerated Firms")},
    "breaking_points.csv": {"rate": ("Dmnl", "smallest shock size (--rate) at which the event "
                                     "happens; empty: not up to largest_rate_tried"),
                            "largest_rate_tried": ("Dmnl", "largest --rate the model's ranges allow")},
    "probabilities.csv": {"probability": ("Dmnl", "share of the ensemble's parameter sets"),
                          "p5": ("see units column", "5th percentile"),
                          "p50": ("see units column", "median"),
                          "p95": ("see units column", "95th percentile")},
}


def _unit_rows(result: StressResult, tables: dict) -> list[tuple[str, str, str, str]]:
    from cycle.stress.report import IMPACT_COLUMNS

    rows = []
    for fname, cols in _COLUMN_UNITS.items():
        if fname in tables:
            rows += [(fname, c, u, d) for c, (u, d) in cols.items()]
    rows += [("impacts.csv", c, u, label) for c, (label, u) in IMPACT_COLUMNS.items()]
    rows += model_rows("trajectories.csv", READ_VARIABLES, result.model)
    if "samples.csv" in tables:
        rows += model_rows("samples.csv", list(result.samples.columns), result.model, time=False)
    return rows
