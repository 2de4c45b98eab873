"""Ensembles: every scenario over the same sampled uncertain parameters, summarised by percentiles.

:func:`run_ensemble` checks the scenarios and the uncertainty spec, samples the uncertain
constants once (so every scenario sees the same parameter sets), splits each scenario's runs
into chunks and hands them to an evaluator (:mod:`cycle.ensembles.evaluators`), then reduces each
variable to the 5/25/50/75/95th percentiles across runs at every saved time.
:func:`write_ensemble` writes the percentiles, the samples, fan charts and a manifest.

Every run uses ``{**model.calibration, **scenario overrides, **sampled values}``: the
calibrated baseline, the scenario's levers, then the sampled uncertain constants.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cycle.engine.compiled import available_cores
from cycle.ensembles.evaluators import RunTask, SequentialEvaluator, make_chunks
from cycle.model import load_model
from cycle.scenarios import Scenario, baseline_scenario, load_scenario
from cycle.uncertainty import SAMPLERS, UncertaintySpec, load_uncertainties

__all__ = ["ENSEMBLE_VARIABLES", "PERCENTILES", "EnsembleResult", "run_ensemble", "start_samples",
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
    computation: dict = field(default_factory=dict)
    store: object = None
    posterior: dict | None = None
    """What :func:`_with_posterior` drew from the calibration's posterior sample (None: nothing)."""
    times: object = None

    @property
    def n(self) -> int:
        """Number of parameter sets (runs per scenario)."""
        return len(self.samples)


def percentile_table(values: dict[str, np.ndarray | Sequence[np.ndarray]], times: np.ndarray,
                     scenario: str, q: Sequence[float] = PERCENTILES) -> pd.DataFrame:
    """Percentiles across runs of arrays ``(n, T)``; tidy rows (scenario, variable, time, p..).

    Each value is one array or a list of arrays holding consecutive runs (an ensemble's
    chunks), read without joining them first. NaN runs (a failed parameter set) are ignored,
    with a warning giving their number.
    """
    jobs = []
    for name, arr in values.items():
        blocks = [arr] if isinstance(arr, np.ndarray) else list(arr)
        n = sum(len(b) for b in blocks)
        bad = sum(int(np.isnan(b).any(axis=1).sum()) for b in blocks)
        if bad:
            warnings.warn(f"{scenario}: {name}: {bad} of {n} runs have NaN; "
                          "percentiles ignore them", stacklevel=2)
        jobs.append((blocks, bool(bad)))
    size = sum(b.size for blocks, _ in jobs for b in blocks)
    threads = min(len(jobs), available_cores()) if size >= _THREADED_FROM else 1
    if threads > 1:  # NumPy's sort releases the GIL: variables on every core, same numbers
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            pcts = list(pool.map(lambda job: _percentiles(job[0], q, nan=job[1]), jobs))
    else:
        pcts = [_percentiles(blocks, q, nan=bad) for blocks, bad in jobs]
    frames = []
    for name, pct in zip(values, pcts, strict=True):
        frame = pd.DataFrame({f"p{p:g}": pct[i] for i, p in enumerate(q)})
        frame.insert(0, "time", times)
        frame.insert(0, "variable", name)
        frame.insert(0, "scenario", scenario)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


_THREADED_FROM = 1_000_000
"""Values (runs x saved times x variables) from which :func:`percentile_table` spreads the
variables over threads."""

_COLUMNS_AT_ONCE = 16
"""Saved times whose percentiles are taken together: a block of all runs fits the CPU
cache (25 % faster than the whole array, and the same numbers: each column is its own)."""


def _percentiles(blocks: list[np.ndarray], q: Sequence[float], *, nan: bool) -> np.ndarray:
    """``np.percentile`` (or ``np.nanpercentile``) over axis 0 of the runs in `blocks`
    stacked, shape ``(len(q), T)``, computed a few columns at a time.

    Without NaN or zeros, each saved time's runs are sorted first (contiguous rows): the
    order statistics np.percentile interpolates are then read from sorted data, half its
    time, and are the same numbers, since equal floats are the same bits -- except 0.0 and
    -0.0, which is why a block holding a zero goes to np.percentile directly."""
    width = blocks[0].shape[1]
    out = np.empty((len(q), width))
    for start in range(0, width, _COLUMNS_AT_ONCE):
        cols = slice(start, start + _COLUMNS_AT_ONCE)
        runs = np.concatenate([b[:, cols] for b in blocks], axis=0)
        if nan:
            out[:, cols] = np.nanpercentile(runs, q, axis=0)
        elif (runs == 0).any():
            out[:, cols] = np.percentile(runs, q, axis=0)
        else:
            out[:, cols] = np.percentile(np.sort(runs.T, axis=1), q, axis=1)
    return out


def _scenarios(scenarios, model, final) -> tuple[list[Scenario], dict[str, dict[str, float]]]:
    loaded = [load_scenario(s) for s in scenarios]
    names = [s.name for s in loaded]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"scenario names must be unique; repeated: {', '.join(sorted(dup))}")
    base = next((s for s in loaded if s.name == "baseline"), None) or baseline_scenario()
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


MEMORY_BUDGET = 256 * 2**20
"""Raw runs of one scenario up to this many bytes are reduced in memory; larger ensembles
spill them to disk where each chunk runs (:mod:`cycle.ensembles.store`)."""

MAX_PARAMETER_BYTES = 4 * 2**30
"""Largest table of sampled parameter sets an ensemble may hold (``n * D * 8`` bytes)."""


def check_size(n: int, n_params: int, n_variables: int, n_times: int, n_scenarios: int,
               *, spill_dir: Path | None = None) -> None:
    """Refuse an ensemble too large to hold its parameter sets or to spill its runs (before
    any work), naming the figure."""
    need = n * max(n_params, 1) * 8
    if need > MAX_PARAMETER_BYTES:
        raise ValueError(f"--samples {n}: the sampled parameter sets alone need "
                         f"{need / 2**30:,.0f} GiB of memory (at most "
                         f"{MAX_PARAMETER_BYTES / 2**30:g} GiB: about "
                         f"{MAX_PARAMETER_BYTES // (8 * max(n_params, 1)):,} samples)")
    raw = n * n_variables * n_times * 8
    if raw > MEMORY_BUDGET and spill_dir is not None:
        import shutil

        free = shutil.disk_usage(spill_dir).free
        if raw * n_scenarios > 0.9 * free:
            raise ValueError(f"--samples {n}: the raw runs need {raw * n_scenarios / 2**30:,.1f} "
                             f"GiB of disk in {spill_dir} and {free / 2**30:,.1f} GiB are free; "
                             "use fewer samples, --variables or an earlier --until")


def check_ensemble(model, spec, *, n: int, sampler: str, variables: Sequence[str] | None,
                   final: float, n_scenarios: int, spill_dir: Path | None = None) -> list[str]:
    """Every check of an ensemble's numbers, before any work (and before a cluster starts):
    the sample count, the sampler's needs, the variables and the memory and disk it will take.
    Returns the variables to summarise."""
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"--samples must be a positive integer, got {n!r}")
    n = int(n)
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; valid: {', '.join(SAMPLERS)}")
    if sampler == "sobol" and n & (n - 1):
        lower = 1 << (n.bit_length() - 1)
        raise ValueError(f"--sampler sobol needs --samples a power of 2 (the Sobol' sequence is "
                         f"balanced only then), got {n}; try {lower} or {lower * 2}")
    names = resolve_variables(model, variables)
    saveper = model.defaults.get("SAVEPER") or model.defaults.get("TIME STEP") or 1.0
    n_times = int(round((final - model.initial_time) / saveper)) + 1
    if spill_dir is None:
        from cycle.ensembles.store import spill_root

        spill_dir = spill_root()
    check_size(n, len(spec), len(names), n_times, n_scenarios, spill_dir=spill_dir)
    return names


def resolve_variables(model, names: Sequence[str] | None) -> list[str]:
    """Variables to summarise: `names` (Vensim names or identifiers; stocks and auxiliaries
    only) or the defaults present in the model."""
    if not names:
        return [v for v in ENSEMBLE_VARIABLES if v in model.variables]
    out = []
    for name in names:
        v = model.resolve(name)
        if model.variables[v].kind == "constant":
            raise ValueError(f"--variables {name}: {v} is a constant; its percentiles are those "
                             "of its sampled values (see samples.csv)")
        if v not in out:
            out.append(v)
    return out


def run_ensemble(scenarios: Sequence[str | Scenario], spec: UncertaintySpec | str = "northeast",
                 *, n: int, seed: int | np.random.Generator | None = None, sampler: str = "lhs",
                 until: float | None = None, model="northeast", evaluator=None,
                 chunk_size: int = DEFAULT_CHUNK, keep_runs: bool = False,
                 progress: bool = True, variables: Sequence[str] | None = None,
                 raw: str | None = None, spill_dir: Path | None = None,
                 posterior: bool = True,
                 on_samples: Callable[[pd.DataFrame], None] | None = None) -> EnsembleResult:
    """Run the baseline and each scenario over the same `n` sampled parameter sets.

    Parameters
    ----------
    scenarios : shipped names, ``.toml`` paths or :class:`Scenario` objects; the baseline
        is always run (first), once.
    spec : an :class:`UncertaintySpec`, or a shipped spec name / ``.toml`` path.
    n : parameter sets per scenario (>= 1).
    seed : None (a seed is drawn and recorded), an int or a :class:`numpy.random.Generator`.
    sampler : ``"lhs"`` or ``"sobol"`` (Sobol needs a power of 2).
    until : final year (default the model's FINAL TIME).
    model : model name, ``.mdl`` path or a loaded :class:`~cycle.model.Model`.
    evaluator : an entered evaluator (:mod:`cycle.ensembles.evaluators`); default sequential.
    chunk_size : runs per engine call. Peak memory is set by it, not by `n`: about
        ``chunk_size * len(variables) * T * 8`` bytes per chunk plus the engine's working
        arrays; above :data:`MEMORY_BUDGET` of raw runs per scenario, and always on a Dask
        cluster, chunks write their runs to disk where they run (a Dask worker ships back no
        trajectory) and the percentiles are reduced from there (exact). A remote scheduler's
        workers must share ``$CYCLE_CACHE_DIR/spill`` with this machine.
    keep_runs : also return every trajectory in memory (:attr:`EnsembleResult.runs`).
    progress : log the run count and show a tqdm bar over chunks on stderr.
    variables : variables to summarise (default :data:`ENSEMBLE_VARIABLES`).
    posterior : also sample the calibrated parameters, as whole rows of the calibration's
        posterior sample (:func:`cycle.uncertainty.posterior_rows`), when the model carries one.
    raw : keep the raw runs on disk for :func:`write_ensemble` to write as a labelled array
        (``"zarr"`` or ``"netcdf"``); :attr:`EnsembleResult.store` holds them.
    spill_dir : parent folder of the raw-run files (default ``$CYCLE_CACHE_DIR/spill``).
    on_samples : called with the parameter sets (the frame of ``samples.csv``) as soon as
        they are drawn, before any run.

    Returns
    -------
    EnsembleResult

    Raises
    ------
    CycleError, ValueError
        For any bad scenario, spec, sampler, variable or number, before the first run.
    """
    from tqdm import tqdm

    from cycle.ensembles.store import SpillStore, spill_root
    from cycle.model import choose_loop

    m = model if hasattr(model, "variables") else load_model(model)
    final = m.check_until(until)
    if raw not in (None, "zarr", "netcdf"):
        raise ValueError(f"unknown raw format {raw!r}; valid: zarr, netcdf")
    if isinstance(spec, str | Path):
        spec = load_uncertainties(spec, m)
    loaded, params = _scenarios(scenarios, m, final)
    fixed: dict[str, list[str]] = {}
    for s in loaded:
        overlap = sorted(set(params[s.name]) & set(spec.names))
        if overlap:
            fixed[s.name] = overlap
            warnings.warn(f"scenario {s.name!r} sets {', '.join(overlap)}, which the uncertainty "
                          f"spec samples: in {s.name!r} the scenario's value is used and "
                          f"{'it is' if len(overlap) == 1 else 'they are'} not sampled",
                          stacklevel=2)
    spill = spill_dir or spill_root()
    variables = check_ensemble(m, spec, n=n, sampler=sampler, variables=variables, final=final,
                               n_scenarios=len(loaded), spill_dir=spill)
    n = int(n)
    units = {v: m.variables[v].units for v in variables}

    engine = m.engine
    det = engine.run(dict(m.calibration), n=1, final_time=final, return_columns=variables,
                     backend=choose_loop(engine, 1))
    deterministic = pd.DataFrame({v: det.values[v][0] for v in variables},
                                 index=pd.Index(det.times, name="time"))
    n_times = len(det.times)
    seed_used, seed_record = _seed(seed)
    samples = spec.sample(n, sampler=sampler, seed=seed_used)
    samples, posterior_info = _with_posterior(samples, m, n, seed_used, posterior)
    if on_samples is not None:  # e.g. write samples.csv while the runs go on
        on_samples(samples)

    on_cluster = getattr(evaluator, "client", None) is not None
    spilled = raw is not None or (not keep_runs and (
        on_cluster or n * len(variables) * n_times * 8 > MEMORY_BUDGET))
    store = (SpillStore.create([s.name for s in loaded], variables, n, n_times, where=spill)
             if spilled else None)
    task = RunTask(mdl_path=str(m.path), sha256=engine.sha256, final_time=final,
                   columns=tuple(variables), sink=store)
    sampled = {name: samples[name].to_numpy() for name in samples.columns}
    plan = {}
    for s in loaded:
        mine = {k: v for k, v in sampled.items() if k not in params[s.name]}
        plan[s.name] = make_chunks(task, {**m.calibration, **mine, **params[s.name]}, n=n,
                                   size=chunk_size, label=s.name)
    total = sum(len(c) for c in plan.values())
    message = (f"{len(loaded)} scenario{'s' * (len(loaded) != 1)} × {n} samples = "
               f"{len(loaded) * n} runs ({total} chunks of up to {min(chunk_size, n)}"
               f"{'; raw runs on disk, ' + format(store.nbytes() / 2**30, '.2f') + ' GiB' if store else ''})")
    log.info(message)
    if progress:
        print(message, file=sys.stderr, flush=True)

    own = evaluator is None
    ev = SequentialEvaluator() if own else evaluator
    tables, kept, loops = [], {}, set()
    try:
        with tqdm(total=total, desc="cycle ensemble", unit="chunk", file=sys.stderr,
                  disable=not progress) as bar:
            for s in loaded:
                results = ev.evaluate(plan[s.name], callback=lambda _r: bar.update(1))
                loops.update(r.loop for r in results)
                times = results[0].times
                if store is None:
                    values = {v: [r.values[v] for r in results] for v in variables}
                    tables.append(percentile_table(values, times, s.name))
                    if keep_runs:
                        kept[s.name] = {v: np.concatenate(b, axis=0) for v, b in values.items()}
                    del values
                else:
                    tables.append(_store_table(store, s.name, variables, times))
                del results
    except BaseException:
        if store is not None:
            store.remove()
        raise
    if store is not None and raw is None:
        store.remove()
        store = None
    result = EnsembleResult(
        percentiles=pd.concat(tables, ignore_index=True), samples=samples,
        deterministic=deterministic, scenarios=loaded, params=params, spec=spec,
        seed=seed_record, sampler=sampler, until=final, units=units, model=m,
        variables=variables, posterior=posterior_info)
    result.computation = {
        "engine": "engine", "loop": sorted(loops),
        "loop_rule": "compiled in C for every chunk when a C compiler is installed; else "
                     "compiled by Numba for chunks of at least KERNEL_MIN_RUNS runs, NumPy "
                     "below; chosen by chunk size and what is installed only",
        "chunk_size": int(chunk_size), "chunks": total, "evaluator": repr(ev),
        "reduction": ("exact percentiles (numpy linear) of raw runs spilled to disk per chunk"
                      if spilled else "exact percentiles (numpy linear) in memory"),
        "fixed_by_scenario": fixed}
    result.store = store
    result.times = det.times
    if keep_runs:
        result.runs = _to_xarray(kept, times, samples, units)
    return result


def _store_table(store, scenario: str, variables: list[str], times) -> pd.DataFrame:
    frames = []
    for name in variables:
        pct, bad = store.percentiles(scenario, name, PERCENTILES)
        if bad:
            warnings.warn(f"{scenario}: {name}: {bad} of {store.n} runs have NaN; percentiles "
                          "ignore them", stacklevel=3)
        frame = pd.DataFrame({f"p{p:g}": pct[i] for i, p in enumerate(PERCENTILES)})
        frame.insert(0, "time", times)
        frame.insert(0, "variable", name)
        frame.insert(0, "scenario", scenario)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _with_posterior(samples: pd.DataFrame, m, n: int, seed, use: bool
                    ) -> tuple[pd.DataFrame, dict | None]:
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
    data["parameter_value"] = (("run", "parameter"), samples.to_numpy(),
                               {"description": "sampled value of each uncertain constant, in its "
                                               "model units"})
    coords = {"scenario": names, "run": samples.index.to_numpy(), "time": times,
              "parameter": list(samples.columns)}
    return xr.Dataset(data, coords=coords)


def write_ensemble(result: EnsembleResult, out: str | Path, *, fmt: str = "csv",
                   argv: list[str] | None = None, plots: bool = True,
                   raw: str | None = None, samples_side=None) -> list[Path]:
    """Write percentiles (CSV or Parquet), ``samples.csv``, ``units.csv``, fan charts, the raw
    runs (``runs.zarr`` or ``runs.nc`` with `raw`) and ``manifest.json`` into the folder `out`
    (callers wrap it in :func:`cycle.io.folder.output_folder`). Returns the paths written.

    `samples_side`: a :class:`~cycle.io.sidework.SideProcess` already writing ``samples.csv``
    (:func:`start_samples`), whose result is taken instead of writing the file again.
    """
    from cycle.io.files import atomic_write, write_csv
    from cycle.io.manifest import write_manifest
    from cycle.io.sidework import side_process
    from cycle.io.units import TIME_UNITS, write_units

    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}; valid: csv, parquet")
    out = Path(out)
    samples_written = samples_side.results() if samples_side is not None else None  # done by now
    charts = []
    if plots:  # the fan charts (half the writing time): a side process starts on them at
        from cycle.plotting.canvas import warm  # once, this one joins after the tables
        from cycle.plotting.fan import fan_chart_jobs

        warm()  # both processes draw: import matplotlib's figure module once, before the fork
        charts = fan_chart_jobs(result, out)[::-1]  # the grid, the largest, first
    with side_process(shared=charts) as side:
        written = []
        table = f"percentiles.{fmt}"
        if fmt == "csv":
            written.append(write_csv(out / table, result.percentiles, index=False))
        else:
            written.append(atomic_write(out / table,
                                        lambda p: result.percentiles.to_parquet(p, index=False)))
        if samples_written is None:
            written.append(write_csv(out / "samples.csv", result.samples))
        else:
            written += samples_written
        rows = [(table, "time", *TIME_UNITS)]
        rows += [(table, f"p* of {v}", u, f"percentiles across runs of {v}")
                 for v, u in result.units.items()]
        rows += [("samples.csv", c, u.units, u.describe()) for c, u in
                 zip(result.spec.names, result.spec.uncertainties, strict=True)]
        written.append(write_units(out, rows))
        if raw is not None:
            written.append(write_raw(result, out, raw))
        side.take_shared()
        written += side.results()[::-1]
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
        "posterior": result.posterior or {"used": False, "why": "no posterior sample for this model, "
                                          "or --no-posterior"},
    }
    written.append(write_manifest(out, model=result.model, params={}, extra=extra, argv=argv,
                                  engine=result.computation))
    return written


def start_samples(samples: pd.DataFrame, out: str | Path):
    """A side process (:mod:`cycle.io.sidework`) writing ``samples.csv`` into `out` while the
    runs go on (they leave a core idle for a third of their time: loading the compiled loop,
    splitting chunks, the percentiles); here, at once, where no side process is allowed.
    Pass it to :func:`write_ensemble` as ``samples_side``."""
    from functools import partial

    from cycle.io.files import write_csv
    from cycle.io.sidework import SideProcess

    return SideProcess(jobs=[partial(write_csv, Path(out) / "samples.csv", samples)])


def write_raw(result: EnsembleResult, out: Path, fmt: str) -> Path:
    """Every raw run as an ``xarray.Dataset`` (dims scenario, run, time; units in ``attrs``;
    sampled constants as coordinates): ``runs.zarr`` (streamed chunk by chunk) or ``runs.nc``
    (netCDF 3 through SciPy, so at most 2 GiB a variable)."""
    if result.store is not None:
        ds = result.store.dataset(result.times, result.samples, result.units)
    elif result.runs is not None:
        ds = result.runs
    else:
        raise ValueError("the raw runs were not kept: run the ensemble with raw= or keep_runs=True")
    ds.attrs.update({"model": result.model.name, "model_sha256": result.model.sha256,
                     "seed": str(result.seed), "sampler": result.sampler,
                     "time_units": "calendar year (2022.0 = end of 2021)"})
    try:
        if fmt == "zarr":
            path = out / "runs.zarr"
            ds.to_zarr(path, mode="w", zarr_format=2, consolidated=True)
        else:
            path = out / "runs.nc"
            size = max(ds[v].nbytes for v in ds.data_vars)
            if size > 2**31 - 2**20:
                raise ValueError(f"netCDF 3 holds at most 2 GiB a variable and one needs "
                                 f"{size / 2**30:.1f} GiB; use --raw zarr")
            ds.load().to_netcdf(path, engine="scipy")
    finally:
        if result.store is not None:
            result.store.remove()
            result.store = None
    return path
