"""Ensemble throughput against PySD, measured in the same process.

(a) PySD: ``--pysd-runs`` runs, each on a freshly loaded model with one parameter set of
    the shipped uncertainty spec, timed around ``Model.run`` only (loading excluded, which
    favours PySD).
(b) Engine: a ``--n``-member ensemble of the baseline over the shipped spec (Latin
    hypercube), returning the eight ensemble variables, through the sequential evaluator,
    then on a 2-process Dask ``LocalCluster`` (cluster start-up timed separately).
(c) Peak resident memory of this process.

Usage::

    python bench/bench_ensemble.py [--n 10000] [--pysd-runs 20] [--chunk 5000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cycle.ensembles.evaluators import DaskEvaluator, SequentialEvaluator  # noqa: E402
from cycle.ensembles.runner import ENSEMBLE_VARIABLES, run_ensemble  # noqa: E402
from cycle.model import load_model  # noqa: E402
from cycle.uncertainty import load_uncertainties  # noqa: E402


def peak_rss_mib() -> float:
    """Peak resident set size of this process (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print plain result lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--pysd-runs", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=5_000)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")

    model = load_model()
    spec = load_uncertainties("northeast", model)
    sets = spec.sample(args.pysd_runs, seed=1)
    elapsed = 0.0
    for run in range(args.pysd_runs):
        pysd_model = model._pysd()  # fresh model, as Model.run does
        params = {**model.calibration, **sets.iloc[run].to_dict()}
        start = time.perf_counter()
        pysd_model.run(params=params, return_columns=ENSEMBLE_VARIABLES)
        elapsed += time.perf_counter() - start
    pysd_per_run = elapsed / args.pysd_runs
    print(f"PySD: {pysd_per_run * 1e3:.1f} ms/run ({args.pysd_runs} fresh-model runs, "
          f"{1 / pysd_per_run:.1f} runs/s)")

    # the engine alone on the ensemble's workload: the spec's sampled constants on top of the
    # calibrated values, the 8 ensemble variables returned, in chunks (no sampling, no percentiles)
    from cycle.engine import build_engine

    engine = build_engine(model.path)
    engine.compile()  # the one-time build of the compiled loop is not part of the throughput
    samples = spec.sample(args.n, seed=1)
    engine.run({**model.calibration, **samples.iloc[:100].to_dict("list")}, n=100,
               return_columns=ENSEMBLE_VARIABLES)  # warm
    start = time.perf_counter()
    for lo in range(0, args.n, args.chunk):
        part = samples.iloc[lo:lo + args.chunk]
        params = {**model.calibration, **{k: part[k].to_numpy() for k in part.columns}}
        engine.run(params, n=len(part), return_columns=ENSEMBLE_VARIABLES)
    engine_s = time.perf_counter() - start
    print(f"engine alone: {args.n} runs in {engine_s:.2f} s = {args.n / engine_s:,.0f} runs/s "
          f"({len(samples.columns)} sampled constants, 8 variables, {args.chunk}-run chunks)")
    print(f"speed-up vs PySD (engine alone): {pysd_per_run * args.n / engine_s:,.0f}x")

    kw = dict(n=args.n, seed=1, model=model, chunk_size=args.chunk, progress=False)
    run_ensemble(["baseline"], spec, **{**kw, "n": 100})  # warm the engine cache
    with SequentialEvaluator() as ev:
        start = time.perf_counter()
        run_ensemble(["baseline"], spec, evaluator=ev, **kw)
        seq = time.perf_counter() - start
    print(f"engine, sequential: {args.n} runs in {seq:.2f} s = {args.n / seq:,.0f} runs/s "
          f"({args.chunk}-run chunks, 8 variables returned, sampling and percentiles included)")
    print(f"speed-up vs PySD (sequential): {pysd_per_run * args.n / seq:,.0f}x")
    best = seq
    if not args.no_dask:
        start = time.perf_counter()
        with DaskEvaluator(n_workers=2, processes=True) as ev:
            startup = time.perf_counter() - start
            run_ensemble(["baseline"], spec, evaluator=ev, **{**kw, "n": 100})  # warm workers
            start = time.perf_counter()
            run_ensemble(["baseline"], spec, evaluator=ev, **kw)
            dask_s = time.perf_counter() - start
        print(f"engine, Dask LocalCluster 2 processes: {args.n} runs in {dask_s:.2f} s = "
              f"{args.n / dask_s:,.0f} runs/s (cluster start-up {startup:.2f} s, not included)")
        print(f"speed-up vs PySD (Dask): {pysd_per_run * args.n / dask_s:,.0f}x")
        best = min(best, dask_s)
    print(f"best end-to-end speed-up vs PySD: {pysd_per_run * args.n / best:,.0f}x (target >= 1000x)")
    print(f"peak memory (this process): {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
