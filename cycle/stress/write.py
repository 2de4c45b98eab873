"""Write a stress test into one folder: CSV tables, the markdown summary, one dashboard per
scenario and shock, the deterministic trajectories and a manifest."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from cycle.manifest import write_manifest
from cycle.outputs import write_csv, write_text
from cycle.stress.folder import staged_folder
from cycle.stress.report import (
    breach_table,
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
                 argv: list[str] | None = None) -> list[Path]:
    """Write every output of `result` to the folder `out` (replaced as a whole).

    Files: ``breaches.csv``, ``impacts.csv``, ``losses.csv``, ``effects.csv``,
    ``probabilities.csv`` (with an ensemble), ``samples.csv`` (with an ensemble),
    ``trajectories.csv``, ``summary.md``, ``dashboard_<scenario>_<shock>.png``, ``manifest.json``.
    Returns the final paths.
    """
    from cycle.stress.dashboard import plot_dashboard

    out = Path(out)
    names: list[str] = []
    with staged_folder(out) as tmp:
        dashboards = {}
        for s in result.scenarios:
            acc = has_accelerator(result, s.name)
            for shock in result.shocks:
                fname = f"dashboard_{_slug(s.name)}_{_slug(shock)}.png"
                plot_dashboard(result, s.name, shock, tmp / fname, accelerator=acc)
                dashboards[(s.name, shock)] = fname
                names.append(fname)
        tables = {"breaches.csv": breach_table(result), "impacts.csv": impact_table(result),
                  "losses.csv": loss_table(result), "effects.csv": effect_table(result),
                  "trajectories.csv": trajectory_table(result)}
        probs = probability_table(result)
        if probs is not None:
            tables["probabilities.csv"] = probs
            tables["samples.csv"] = result.samples
        for fname, df in tables.items():
            write_csv(tmp / fname, df, index=fname == "samples.csv")
            names.append(fname)
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
            "engine": {"kind": "cycle.engine batch engine", "loop": result.backend,
                       "model_sha256": result.engine.sha256},
            "ensemble": None if result.samples is None else {
                "samples": len(result.samples), "seed": result.seed, "sampler": result.sampler,
                "uncertain": str(getattr(result.spec, "source", "")),
                "spec": result.spec.to_dict()},
            "seed": result.seed,
            "runs_with_nan": result.extra.get("nan_runs", 0),
        }
        write_manifest(tmp, model=result.model, params=None, extra=extra, argv=argv)
        names.append("manifest.json")
    return [out / n for n in names]
