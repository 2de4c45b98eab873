"""Throughput of the batch engine against PySD, measured in the same process.

(a) PySD: ``--pysd-runs`` runs, each on a freshly loaded model with one
    random parameter set, timed around ``Model.run`` only (loading excluded,
    which favours PySD).
(b) Engine: ``--n`` runs in one call with every constant perturbed within
    +-20 % of its default (inside its declared [min,max]), returning every
    variable and constant as PySD does; then again returning the stocks only.

Usage::

    python bench/bench_engine.py [--model models/northeast.mdl] [--n 10000] [--pysd-runs 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pysd  # noqa: E402

from cycle.engine import build_engine  # noqa: E402


def perturbed(engine, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Every constant uniformly within +-20 % of its default, clipped to its limits."""
    params = {}
    for name, default in engine.constants.items():
        low, high = sorted((0.8 * default, 1.2 * default))
        lower, upper = engine.limits.get(name, (None, None))
        params[name] = np.clip(rng.uniform(low, high, n),
                               -np.inf if lower is None else lower,
                               np.inf if upper is None else upper)
    return params


def peak_rss_mib() -> float:
    """Peak resident set size of this process (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print plain result lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "northeast.mdl")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--pysd-runs", type=int, default=20)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(1)
    warnings.simplefilter("ignore")

    start = time.perf_counter()
    engine = build_engine(args.model)
    compiled = engine.compile()  # one-time Numba compilation, outside the timings
    print(f"engine build/load: {time.perf_counter() - start:.2f} s ({engine})")

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / args.model.name
        shutil.copy(args.model, copy)
        pysd.read_vensim(str(copy))
        py_file = copy.with_suffix(".py")
        sets = perturbed(engine, rng, args.pysd_runs)
        elapsed = 0.0
        for run in range(args.pysd_runs):
            model = pysd.load(str(py_file))
            params = {name: float(values[run]) for name, values in sets.items()}
            start = time.perf_counter()
            model.run(params=params)
            elapsed += time.perf_counter() - start
    pysd_per_run = elapsed / args.pysd_runs
    print(f"pysd: {pysd_per_run:.3f} s/run ({args.pysd_runs} runs, Model.run only)")

    params = perturbed(engine, rng, args.n)
    start = time.perf_counter()
    engine.run(params, return_columns=engine.stocks)
    stocks_only = time.perf_counter() - start
    print(f"engine: {args.n} runs in {stocks_only:.2f} s "
          f"(returning the {len(engine.stocks)} stocks)")
    print(f"peak memory: {peak_rss_mib():.0f} MiB (max RSS of this process so far)")
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        result = engine.run(params)
        timings.append(time.perf_counter() - start)
        stored = sum(v.nbytes for v in result.values.values() if 0 not in v.strides)
        del result
    full = min(timings)
    print(f"engine: {args.n} runs in {full:.2f} s (returning all {len(engine.variables)} "
          f"variables and {len(engine.constants)} constants, as PySD does; "
          f"first call {timings[0]:.2f} s)")
    print(f"peak memory: {peak_rss_mib():.0f} MiB (max RSS; that result holds "
          f"{stored / 2**20:.0f} MiB of trajectories)")
    ratio = (args.n / stocks_only) * pysd_per_run
    print(f"ratio: {ratio:.0f}x (engine runs/s / pysd runs/s, stocks returned; "
          f"{(args.n / full) * pysd_per_run:.0f}x returning everything)")
    loop = "compiled per-member loop, one thread per core" if compiled else "NumPy loop, one thread"
    print(f"cpus: {os.cpu_count()} (engine: {loop})")


if __name__ == "__main__":
    main()
