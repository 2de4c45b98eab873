"""Ensembles: every scenario over the same sampled uncertain parameters, summarised by percentiles.

:func:`run_ensemble` checks the scenarios and the uncertainty spec, samples the uncertain
constants once (so every scenario sees the same parameter sets), splits each scenario's runs
into chunks and hands them to an evaluator (:mod:`cycle.evaluators`), then reduces each
variable to the 5/25/50/75/95th percentiles across runs at every saved time.
:func:`write_ensemble` writes the percentiles, the samples, fan charts and a manifest.

Every run uses ``{**model.calibration, **scenario overrides, **sampled values}``: the
calibrated baseline, the scenario's levers, then the sampled uncertain constants.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cycle.evaluators import RunTask, SequentialEvaluator, make_chunks
from cycle.model import load_model
from cycle.scenarios import Scenario, load_scenario
from cycle.uncertainty import SAMPLERS, UncertaintySpec, load_uncertainties

__all__ = ["ENSEMBLE_VARIABLES", "PERCENTILES", "EnsembleResult", "run_ensemble",
           "write_ensemble", "percentile_table"]

log = logging.getLogger(__name__)

ENSEMBLE_VARIABLES = ["Tech Loan Balance", "Patient Capital", "Sci Tech Bonds", "Knowledge Stock",
                      "Industrial Capacity", "NPL Ratio", "Cumulative Default Losses",
                      "Startup Firms"]
"""Variables summarised by default."""

PERCENTILES = (5, 25, 50, 75, 95)
"""Percentiles written (columns ``p5`` ... ``p95``)."""

DEFAULT_CHUNK = 5_000
"""Runs per engine call (chunk)."""


@dataclass
class EnsembleResult:
    """Percentiles of an ensemble and what produced them.

    Attributes
    ----------
    percentiles : tidy DataFrame, columns scenario, variable, time (calendar years),
        p5, p25, p50, p75, p95 (each in the variable's units, across runs).
    samples : the parameter sets, DataFrame ``(n, len(spec))``, index ``run``, model units.
    deterministic : the calibrated baseline without uncertainty, DataFrame indexed by time,
        one column per variable.
    scenarios : the scenarios run, baseline first.
    params : overrides of each scenario, ``{scenario: {Vensim name: value}}``.
    spec : the :class:`~cycle.uncertainty.UncertaintySpec` sampled.
    seed : the integer seed used (drawn and recorded if none was given), or a description
        of the Generator passed.
    sampler : ``"lhs"`` or ``"sobol"``.
    until : final year of the runs.
    units : Vensim name -> units of each summarised variable.
    model : the :class:`~cycle.model.Model`.
    runs : with ``keep_runs=True``, every trajectory as an ``xarray.Dataset`` with dims
        ``(scenario, run, time)``, one coordinate per uncertain constant (along ``run``)
        and units in each variable's ``attrs``; else None.
    """

    percentiles: pd.DataFrame
    samples: pd.DataFrame
    deterministic: pd.DataFrame
    scenarios: list[Scenario]
    params: dict[str, dict[str, float]]
    spec: UncertaintySpec
    seed: int | str
    sampler: str
    until: float
    units: dict[str, str]
    model: object = None
    runs: object = None
    variables: list[str] = field(default_factory=list)
    posterior: dict | None = None
    """What :func:`_with_posterior` drew from the calibration's posterior sample (None: nothing)."""

    @property
    def n(self) -> int:
        """Number of parameter sets (runs per scenario)."""
        return len(self.samples)


def percentile_table(values: dict[str, np.ndarray], times: np.ndarray, scenario: str,
                     q: Sequence[float] = PERCENTILES) -> pd.DataFrame:
    """Percentiles across runs of arrays ``(n, T)``; tidy rows (scenario, variable, time, p..).

    NaN runs (a failed parameter set) are ignored, with a warning giving their number.
    """
    frames = []
    for name, arr in values.items():
        bad = np.isnan(arr).any(axis=1)
        if bad.any():
            warnings.warn(f"{scenario}: {name}: {int(bad.sum())} of {len(bad)} runs have NaN; "
                          "percentiles ignore them", stacklevel=2)
            pct = np.nanpercentile(arr, q, axis=0)
        else:
            pct = np.percentile(arr, q, axis=0)
        frame = pd.DataFrame({f"p{p:g}": pct[i] for i, p in enumerate(q)})
        frame.insert(0, "time", times)
        frame.insert(0, "variable", name)
        frame.insert(0, "scenario", scenario)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _scenarios(scenarios, model, final) -> tuple[list[Scenario], dict[str, dict[str, float]]]:
    loaded = [load_scenario(s) for s in scenarios]
    names = [s.name for s in loaded]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"scenario names must be unique; repeated: {', '.join(sorted(dup))}")
    base = next((s for s in loaded if s.name == "baseline"), Scenario(name="baseline"))
    loaded = [base] + [s for s in loaded if s.name != "baseline"]
    params = {s.name: s.to_params(model, until=final) for s in loaded}
    if params["baseline"]:
        raise ValueError("the scenario named 'baseline' must not set any lever or parameter")
    return loaded, params


def _seed(seed) -> tuple[int | np.random.Generator, int | str]:
    if seed is None:
        drawn = int(np.random.SeedSequence().generate_state(1)[0])
        return drawn, drawn
    if isinstance(seed, np.random.Generator):
        return seed, f"numpy Generator {seed.bit_generator.__class__.__name__}"
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a numpy Generator, got {seed!r}")
    return int(seed), int(seed)


def run_ensemble(scenarios: Sequence[str | Scenario], spec: UncertaintySpec | str = "northeast",
                 *, n: int, seed: int | np.random.Generator | None = None, sampler: str = "lhs",
                 until: float | None = None, model="northeast", evaluator=None,
                 chunk_size: int = DEFAULT_CHUNK, keep_runs: bool = False,
                 progress: bool = True, posterior: bool = True) -> EnsembleResult:
    """Run the baseline and each scenario over the same `n` sampled parameter sets.

    Parameters
    ----------
    scenarios : shipped names, ``.toml`` paths or :class:`Scenario` objects; the baseline
        is always run (first), once.
    spec : an :class:`UncertaintySpec`, or a shipped spec name / ``.toml`` path.
    n : parameter sets per scenario (>= 1).
    seed : None (a seed is drawn and recorded), an int or a :class:`numpy.random.Generator`.
    sampler : ``"lhs"`` or ``"sobol"``.
    until : final year (default the model's FINAL TIME).
    model : model name, ``.mdl`` path or a loaded :class:`~cycle.model.Model`.
    evaluator : an entered evaluator (:mod:`cycle.evaluators`); default sequential.
    chunk_size : runs per engine call (memory per call is about
        ``chunk_size * 9 * T * 8`` bytes plus the engine's working arrays).
    keep_runs : also return every trajectory (:attr:`EnsembleResult.runs`).
    progress : log the run count and show a tqdm bar over chunks on stderr.
    posterior : also sample the calibrated parameters, as whole rows of the calibration's
        posterior sample (:func:`cycle.uncertainty.posterior_rows`), when the model carries one.

    Returns
    -------
    EnsembleResult

    Raises
    ------
    CycleError, ValueError
        For any bad scenario, spec, sampler or number, before the first run.
    """
    from tqdm import tqdm

    m = model if hasattr(model, "variables") else load_model(model)
    final = m.check_until(until)
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"--samples must be a positive integer, got {n!r}")
    n = int(n)
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; valid: {', '.join(SAMPLERS)}")
    if isinstance(spec, str | Path):
        spec = load_uncertainties(spec, m)
    loaded, params = _scenarios(scenarios, m, final)
    for s in loaded:
        overlap = sorted(set(params[s.name]) & set(spec.names))
        if overlap:
            warnings.warn(f"scenario {s.name!r} sets {', '.join(overlap)}, which the uncertainty "
                          "spec samples; the sampled values are used", stacklevel=2)
    seed_used, seed_record = _seed(seed)
    samples = spec.sample(n, sampler=sampler, seed=seed_used)
    samples, posterior_info = _with_posterior(samples, m, n, seed_used, posterior)
    variables = [v for v in ENSEMBLE_VARIABLES if v in m.variables]
    units = {v: m.variables[v].units for v in variables}

    from cycle.engine import build_engine

    engine = build_engine(m.path)
    det = engine.run(dict(m.calibration), n=1, final_time=final, return_columns=variables)
    deterministic = pd.DataFrame({v: det.values[v][0] for v in variables},
                                 index=pd.Index(det.times, name="time"))

    task = RunTask(mdl_path=str(m.path), sha256=engine.sha256, final_time=final,
                   columns=tuple(variables))
    sampled = {name: samples[name].to_numpy() for name in samples.columns}
    plan = {s.name: make_chunks(task, {**m.calibration, **params[s.name], **sampled}, n=n,
                                size=chunk_size, label=s.name) for s in loaded}
    total = sum(len(c) for c in plan.values())
    message = (f"{len(loaded)} scenario{'s' * (len(loaded) != 1)} × {n} samples = "
               f"{len(loaded) * n} runs ({total} chunks of up to {min(chunk_size, n)})")
    log.info(message)
    if progress:
        print(message, file=sys.stderr, flush=True)

    own = evaluator is None
    ev = SequentialEvaluator() if own else evaluator
    tables, kept = [], {}
    with tqdm(total=total, desc="cycle ensemble", unit="chunk", file=sys.stderr,
              disable=not progress) as bar:
        for s in loaded:
            results = ev.evaluate(plan[s.name], callback=lambda _r: bar.update(1))
            values = {v: np.concatenate([r.values[v] for r in results], axis=0) for v in variables}
            times = results[0].times
            tables.append(percentile_table(values, times, s.name))
            if keep_runs:
                kept[s.name] = values
            del results, values
    result = EnsembleResult(
        percentiles=pd.concat(tables, ignore_index=True), samples=samples,
        deterministic=deterministic, scenarios=loaded, params=params, spec=spec,
        seed=seed_record, sampler=sampler, until=final, units=units, model=m,
        variables=variables, posterior=posterior_info)
    if keep_runs:
        result.runs = _to_xarray(kept, times, samples, units)
    return result


def _with_posterior(samples: pd.DataFrame, m, n: int, seed, use: bool) -> tuple[pd.DataFrame, dict | None]:
    """Add `n` whole rows of the model's posterior sample to `samples` (calibration uncertainty,
    correlations kept); the posterior's columns replace any the spec samples."""
    from cycle.uncertainty import load_posterior, posterior_rows

    sample = load_posterior(m) if use else None
    if sample is None:
        return samples, None
    rows = posterior_rows(sample, n, seed)
    both = [c for c in rows.columns if c in samples.columns]
    if both:
        warnings.warn(f"the uncertainty spec samples {', '.join(both)}, which the posterior sample "
                      "holds; the posterior's joint draws are used", stacklevel=3)
    merged = pd.concat([rows, samples.drop(columns=both)], axis=1)
    return merged, {"used": True, **sample.describe(), "drawn": n,
                    "how": "whole rows of the posterior sample (correlations kept), without "
                           "replacement when samples <= draws"}


def _to_xarray(kept: dict[str, dict[str, np.ndarray]], times, samples: pd.DataFrame,
               units: dict[str, str]):
    import xarray as xr

    names = list(kept)
    data = {v: (("scenario", "run", "time"), np.stack([kept[s][v] for s in names]),
                {"units": units[v]}) for v in units}
    coords = {"scenario": names, "run": samples.index.to_numpy(), "time": times}
    coords.update({c: ("run", samples[c].to_numpy()) for c in samples.columns})
    return xr.Dataset(data, coords=coords)


def write_ensemble(result: EnsembleResult, out: str | Path, *, fmt: str = "csv",
                   argv: list[str] | None = None, plots: bool = True) -> list[Path]:
    """Write percentiles (CSV or Parquet), ``samples.csv``, fan charts and ``manifest.json``.

    Returns the paths written.
    """
    from cycle.manifest import write_manifest
    from cycle.outputs import atomic_write, write_csv

    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}; valid: csv, parquet")
    out = Path(out)
    written = []
    if fmt == "csv":
        written.append(write_csv(out / "percentiles.csv", result.percentiles, index=False))
    else:
        written.append(atomic_write(out / "percentiles.parquet",
                                    lambda p: result.percentiles.to_parquet(p, index=False)))
    written.append(write_csv(out / "samples.csv", result.samples))
    if plots:
        from cycle.fanchart import plot_fan_charts

        written += plot_fan_charts(result, out)
    extra = {
        "ensemble": {
            "seed": result.seed, "sampler": result.sampler, "samples": result.n,
            "scenarios": [s.name for s in result.scenarios], "until": result.until,
            "runs": result.n * len(result.scenarios), "percentiles": list(PERCENTILES),
            "variables": {v: result.units[v] for v in result.variables},
            "scenario_overrides": result.params,
        },
        "uncertainty": {"file": str(result.spec.source or ""),
                        "description": result.spec.description,
                        "parameters": result.spec.to_dict()},
        "posterior": result.posterior or {"used": False, "why": "no posterior sample for this model"},
    }
    written.append(write_manifest(out, model=result.model, params={}, extra=extra, argv=argv))
    return written

