"""Run scenarios with and without guard rails, shocked and unshocked, on the batch engine.

Layout of the deterministic batch (one engine call): for each scenario, for rails on then
off, the unshocked run followed by one run per shock. With ``samples``, the same layout is
repeated for every parameter set drawn from the uncertainty spec; the runs are made in
chunks and each chunk is reduced at once to per-pair measures (:mod:`.measures`), so memory
stays bounded for large ensembles.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cycle.scenarios import Scenario, load_scenario
from cycle.stress.measures import READ_VARIABLES, pair_measures
from cycle.stress.rails import rails_params
from cycle.stress.shocks import Shock, StressInputError, check_rate, check_year, get_shock

__all__ = ["Variant", "StressResult", "run_stress", "combined_spec", "DEFAULT_SPECS",
           "TRAJECTORY_VARIABLES", "CHUNK_RUNS", "BASELINE", "SWEEP_SIZES"]

SWEEP_SIZES = tuple(round(0.05 * k, 2) for k in range(1, 21))
"""Shock sizes (--rate) of the sweep that finds each breaking point: 0.05, 0.10, ..., 1.00."""

CHUNK_RUNS = 4000
"""Runs per engine call in an ensemble."""

TRAJECTORY_VARIABLES = READ_VARIABLES
"""Variables kept from the deterministic runs (trajectories.csv and the dashboards)."""


@dataclass(frozen=True)
class Variant:
    """One deterministic run: a scenario, rails on or off, and a shock (None = unshocked)."""

    scenario: str
    rails: bool
    shock: str | None

    @property
    def rails_label(self) -> str:
        return "with guard rails" if self.rails else "without guard rails"


@dataclass
class StressResult:
    """Everything a stress test produced.

    Attributes
    ----------
    scenarios : the scenarios, in the order given.
    overrides : each scenario's own overrides ``{scenario: {Vensim name: value}}``.
    shocks : ``{shock name: (Shock, rate, {Vensim name: value})}``.
    year : the shock year (calendar year).
    until : final year of the runs.
    variants : the deterministic runs, in batch order.
    times : saved times (calendar years).
    runs : model variable -> array ``(len(variants), len(times))`` (model units).
    pairs : one row per (scenario, shock, rails): the per-pair measures of the deterministic runs.
    ensemble : with ``samples``: one row per (scenario, shock, rails, sample); else None.
    sweep : per-pair measures of every shock at every size in ``SWEEP_SIZES`` (index scenario,
        shock, rails, rate), calibrated parameters, for the breaking points.
    samples : the sampled uncertain constants (DataFrame, index ``run``) or None.
    seed, sampler, spec : how the samples were drawn (None without samples).
    backend : the engine loop(s) used.
    model, engine : the :class:`~cycle.model.Model` and its :class:`~cycle.engine.BatchEngine`.
    """

    scenarios: list[Scenario]
    overrides: dict[str, dict[str, float]]
    shocks: dict[str, tuple[Shock, float, dict[str, float]]]
    year: float
    until: float
    variants: list[Variant]
    times: np.ndarray
    runs: dict[str, np.ndarray]
    pairs: pd.DataFrame
    ensemble: pd.DataFrame | None = None
    samples: pd.DataFrame | None = None
    seed: int | None = None
    sampler: str | None = None
    spec: object = None
    backend: str = ""
    sweep: pd.DataFrame | None = None
    model: object = None
    engine: object = None
    extra: dict = field(default_factory=dict)

    def run(self, scenario: str, rails: bool, shock: str | None) -> pd.DataFrame:
        """One deterministic run as a DataFrame indexed by time, one column per variable."""
        i = self.variants.index(Variant(scenario, rails, shock))
        return pd.DataFrame({k: v[i] for k, v in self.runs.items()},
                            index=pd.Index(self.times, name="time"))


BASELINE = "(baseline)"
"""Variant name of the unshocked baseline run (no scenario), against which the accelerator's
effect is measured."""


DEFAULT_SPECS = ("northeast",)
"""Uncertainty specs sampled by default: the model's (its accelerator block included)."""


def combined_spec(names, model):
    """One :class:`~cycle.uncertainty.UncertaintySpec` from several spec files (names or paths).

    Raises
    ------
    StressInputError
        If a constant appears in more than one of them.
    """
    from cycle.uncertainty import UncertaintySpec, load_uncertainties

    specs = [load_uncertainties(n, model) for n in names]
    entries = [u for s in specs for u in s.uncertainties]
    seen: dict[str, str] = {}
    for s in specs:
        for u in s.uncertainties:
            if u.name in seen:
                raise StressInputError(f"{u.name!r} is uncertain in both {seen[u.name]} and "
                                       f"{s.source}")
            seen[u.name] = str(s.source)
    if len(specs) == 1:
        return specs[0]
    return UncertaintySpec(uncertainties=tuple(entries),
                           description=" + ".join(s.description for s in specs if s.description),
                           source=" + ".join(str(s.source) for s in specs))


def _layout(scenarios: list[Scenario], shocks: list[str]) -> list[Variant]:
    return [Variant(s.name, rails, shock) for s in scenarios for rails in (True, False)
            for shock in [None, *shocks]] + [Variant(BASELINE, False, None)]


def _pairs(variants: list[Variant]) -> tuple[list[tuple[str, str, bool]], np.ndarray, np.ndarray]:
    index = {v: i for i, v in enumerate(variants)}
    keys, shocked, unshocked = [], [], []
    for v in variants:
        if v.shock is None:
            continue
        keys.append((v.scenario, v.shock, v.rails))
        shocked.append(index[v])
        unshocked.append(index[Variant(v.scenario, v.rails, None)])
    return keys, np.array(shocked), np.array(unshocked)


def run_stress(scenarios, *, shocks=("default_wave",), rate: float | None = None,
               year: float = 2030.0, until: float | None = None, samples: int = 0,
               seed: int | None = None, uncertain=DEFAULT_SPECS, sampler: str = "lhs",
               model="northeast", backend: str = "auto", progress: bool = True) -> StressResult:
    """Stress-test `scenarios` against `shocks`, with and without guard rails.

    Parameters
    ----------
    scenarios : shipped names, ``.toml`` paths or :class:`Scenario` objects.
    shocks : names from :data:`~cycle.stress.shocks.SHOCKS`.
    rate : size of every shock (its meaning per shock in ``SHOCKS``; None: each shock's default).
    year : calendar year the shocks start (inside the run).
    until : final year (default the model's FINAL TIME).
    samples : parameter sets drawn from the uncertainty specs `uncertain` (names or paths,
        combined; default the model's, accelerator block included) for breach probabilities
        (0: deterministic only). A sampled constant that a scenario, the rails or the shock
        sets keeps the value they give it in that run.
    seed : seed of the draws (drawn and recorded if None).
    backend : engine loop (``"auto"``, ``"c"``, ``"numba"``, ``"numpy"``).

    Raises
    ------
    CycleError (and subclasses)
        For any bad input, before any run.
    """
    from tqdm import tqdm

    from cycle.engine import build_engine
    from cycle.model import load_model

    check_rate(rate)
    shock_objs = [get_shock(s) for s in shocks]
    if len(set(shocks)) != len(shocks):
        raise StressInputError(f"a shock is given twice: {', '.join(shocks)}")
    if isinstance(samples, bool) or int(samples) != samples or samples < 0:
        raise StressInputError(f"samples must be a non-negative integer, got {samples!r}")
    m = model if hasattr(model, "run") else load_model(model)
    final = m.check_until(until)
    check_year(float(year), m.initial_time, final)
    loaded = [load_scenario(s) for s in scenarios]
    names = [s.name for s in loaded]
    if not names:
        raise StressInputError("give at least one scenario")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise StressInputError(f"scenario names must be unique; repeated: {', '.join(dup)}")
    overrides = {s.name: s.to_params(m, until=final) for s in loaded}
    shock_params = {}
    for sh in shock_objs:
        p = sh.params(rate, year, m.defaults)
        missing = [n for n in p if n not in m.variables]
        if missing:  # another model than the Northeast one: no .Stress Shocks section
            raise StressInputError(
                f"shock {sh.name!r} sets {', '.join(repr(n) for n in missing)}, which the model "
                f"{m.name} does not have (the Northeast model's .Stress Shocks section)")
        try:
            m.check_params(p)
        except ValueError as exc:
            raise StressInputError(f"--rate {sh.default_rate if rate is None else rate:g} for shock "
                                   f"{sh.name!r} ({sh.rate_meaning}): {exc}") from None
        shock_params[sh.name] = (sh, sh.default_rate if rate is None else float(rate), p)
    spec = draws = None
    if samples:
        spec = combined_spec([uncertain] if isinstance(uncertain, str) else list(uncertain), m)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**32)
        draws = spec.sample(int(samples), sampler=sampler, seed=seed)
    # -- all checks done; run --------------------------------------------------------
    variants = _layout(loaded, list(shocks))
    rows = []
    for v in variants:
        p = {**m.calibration, **overrides.get(v.scenario, {}), **rails_params(v.rails)}
        if v.shock is not None:
            p.update(shock_params[v.shock][2])
        rows.append(p)
    table = pd.DataFrame(rows)
    for c in table.columns:  # a constant a run does not set keeps its default
        table[c] = table[c].fillna(m.defaults[c])
    engine = build_engine(m.path)
    keys, shocked, unshocked = _pairs(variants)

    def call(frame: pd.DataFrame, back: str):
        params = {c: frame[c].to_numpy(dtype=float) for c in frame.columns}
        return engine.run(params, n=len(frame), final_time=final, return_columns=READ_VARIABLES,
                          backend=back)

    # the size sweep: every shock at every size of SWEEP_SIZES its constants' ranges allow,
    # paired with the unshocked run of its scenario and rails setting; same engine call
    sweep_rows, sweep_keys, sweep_un = [], [], []
    index_of = {v: i for i, v in enumerate(variants)}
    for v in variants:
        if v.shock is None or v.scenario == BASELINE:
            continue
        sh = shock_params[v.shock][0]
        for size in SWEEP_SIZES:
            p = sh.params(size, year, m.defaults)
            if any(m.variables[k].range_violation(x) for k, x in p.items()):
                continue
            sweep_rows.append({**rows[index_of[Variant(v.scenario, v.rails, None)]], **p})
            sweep_keys.append((v.scenario, v.shock, v.rails, float(size)))
            sweep_un.append(index_of[Variant(v.scenario, v.rails, None)])
    full = pd.concat([table, pd.DataFrame(sweep_rows, columns=table.columns)], ignore_index=True)
    for c in full.columns:
        full[c] = full[c].fillna(m.defaults[c])
    res = call(full, "numpy" if backend == "auto" else backend)
    backends = {"deterministic": "numpy" if backend == "auto" else backend}
    pm = pair_measures(res.values, res.times, shocked, unshocked, float(year))
    index = pd.MultiIndex.from_tuples(keys, names=["scenario", "shock", "rails"])
    pairs = pd.DataFrame(pm, index=index)
    sweep = None
    if sweep_keys:
        sm = pair_measures(res.values, res.times, len(table) + np.arange(len(sweep_keys)),
                           np.array(sweep_un), float(year))
        sweep = pd.DataFrame(sm, index=pd.MultiIndex.from_tuples(
            sweep_keys, names=["scenario", "shock", "rails", "rate"]))
    ensemble = None
    if samples:
        if backend == "auto":  # every chunk (the last may be small) in a large batch's loop
            from cycle.engine import KERNEL_MIN_RUNS

            backend = engine.loop_for(KERNEL_MIN_RUNS)
        per_set = len(variants)
        protected = [set(overrides.get(v.scenario, {})) | set(rails_params(v.rails))
                     | (set(shock_params[v.shock][2]) if v.shock else set()) for v in variants]
        sets_per_chunk = max(1, CHUNK_RUNS // per_set)
        frames = []
        starts = range(0, int(samples), sets_per_chunk)
        for start in tqdm(starts, desc="cycle stress", unit="chunk", file=sys.stderr,
                          disable=not progress):
            block = draws.iloc[start:start + sets_per_chunk]
            rep = table.loc[table.index.repeat(len(block))].reset_index(drop=True)
            tiled = pd.DataFrame(np.tile(block.to_numpy(), (per_set, 1)), columns=block.columns)
            nb = len(block)
            drawn = {}
            for c in tiled.columns:
                values = tiled[c].to_numpy().copy()
                if c in rep.columns:  # a constant the scenario, the rails or the shock set wins
                    for i, fixed in enumerate(protected):
                        if c in fixed:
                            values[i * nb:(i + 1) * nb] = rep[c].to_numpy()[i * nb:(i + 1) * nb]
                drawn[c] = values
            rep = pd.concat([rep.drop(columns=[c for c in drawn if c in rep.columns]),
                             pd.DataFrame(drawn, index=rep.index)], axis=1)
            r = call(rep, backend)
            sh = (shocked[:, None] * nb + np.arange(nb)[None, :]).ravel()
            un = (unshocked[:, None] * nb + np.arange(nb)[None, :]).ravel()
            measures = pair_measures(r.values, r.times, sh, un, float(year))
            idx = pd.MultiIndex.from_tuples(
                [(*k, int(block.index[j])) for k in keys for j in range(nb)],
                names=["scenario", "shock", "rails", "sample"])
            frames.append(pd.DataFrame(measures, index=idx))
        ensemble = pd.concat(frames).sort_index()
        backends["ensemble"] = backend
    keep = {k: np.asarray(v)[:len(variants)] for k, v in res.values.items()}
    return StressResult(scenarios=loaded, overrides=overrides, shocks=shock_params,
                        year=float(year), until=final, variants=variants, times=res.times,
                        runs=keep, pairs=pairs, ensemble=ensemble, samples=draws,
                        seed=seed if samples else None, sampler=sampler if samples else None,
                        spec=spec, backend=", ".join(f"{k}: {v}" for k, v in backends.items()),
                        model=m, engine=engine, sweep=sweep,
                        extra={"rate": rate, "nan_runs": _nan_runs(keep)})


def _nan_runs(values: dict[str, np.ndarray]) -> int:
    bad = np.zeros(next(iter(values.values())).shape[0], dtype=bool)
    for v in values.values():
        bad |= ~np.isfinite(v).all(axis=1)
    return int(bad.sum())

