"""The batch engine against PySD and a C reference, per member, on every shipped model.

For each model in ``models/`` (or ``--model``), in one process and one run:

* PySD: ``--pysd-runs`` runs, each on a freshly loaded model with one random parameter set,
  timed around ``Model.run`` only (loading excluded, which favours PySD);
* the engine: its loops (NumPy over arrays; the compiled per-member loop in C, built with the
  system's C compiler, and in Numba) at N = 1, 10, 100,
  10^3, 10^4 (10^5 with ``--big``), returning the stocks only and every variable (every
  variable up to ``--all-max`` members: the result alone is N x saved times x variables x
  8 bytes), every constant perturbed within +-20 % of its default (inside its limits);
* C references:

  - ``--c-us`` (always printed, "x C"): a stated per-run time of SDEverywhere's C (default
    139 us: the figure issue 13 reports, gcc -O2, stocks only), measured on the model of
    commit 0f028a9 (139 constants, 24 stocks, 163 variables; sha256 9dd0fa99...). The bench
    says when the model it runs is another version: the shipped one has grown since, so
    its ratios against that figure overstate the engine's cost.  ``git show
    0f028a9:models/northeast.mdl > x.mdl`` and ``--model x.mdl`` runs that version.
  - ``--sde`` ("x SDE"): SDEverywhere's C measured in the same run.  Its C runtime is not
    on npm and this project builds nothing from a repository checkout, so
    bench/sde_reference.py installs the compiler from npm at run time, generates the
    model's C and links it with a minimal runtime of our own; its stocks are checked
    against the compiled loop before timing.  Skipped, with the reason, without npm/node/gcc.
  (The engine's own C loop, ``backend="c"``, is what a C compiler makes of the engine's
  plan; it replaced the bench-only "C of the plan" reference of earlier versions.)

Printed: microseconds per member (per run for PySD; the engine's figures are the best of
repeated calls) and ratios engine/C reference (below 1: the engine is faster).  At N = 1
each compiled loop is timed four times: with every constant set as an array of runs (as at
every N), every constant set as a float, none set, and every constant through
``engine.prepare(names)(values)`` ("prep": the names looked up once, values as one array).
``--threads`` adds, for each compiled loop, one thread against the default (every core, or
``$CYCLE_THREADS``) at each N, and the C references (one thread), alternated call by call.
Targets (issue 13): N = 1 no slower than C; N >= 10^4 at most half of C.

Usage::

    python bench/bench_engine.py [--model models/x.mdl ...] [--sizes 1,10,100,1000,10000]
        [--big] [--all-max 1000] [--pysd-runs 10] [--c-us 139] [--backends c,numba,numpy]
        [--threads] [--sde]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cycle.engine import build_engine  # noqa: E402
from cycle.engine.compiled import default_threads, threads_for  # noqa: E402

C_MODEL_SHA256 = "9dd0fa999afec023245fba9a5f5a30b35ae8e9c19da900a4cbe58a364432355c"
"""sha256 of the model version the --c-us default was measured on (commit 0f028a9)."""


def perturbed(engine, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Every constant uniformly within +-20 % of its default, clipped to its limits."""
    params = {}
    for name, default in engine.constants.items():
        if not np.isfinite(default):
            continue
        low, high = sorted((0.8 * default, 1.2 * default))
        lower, upper = engine.limits.get(name, (None, None))
        params[name] = np.clip(rng.uniform(low, high, n),
                               -np.inf if lower is None else lower,
                               np.inf if upper is None else upper)
    return params


def per_member(run, n: int, seconds: float) -> float:
    """Best microseconds per member over repeated calls filling ~``seconds``."""
    run()  # warm (first-call allocations, caches)
    best = float("inf")
    spent = 0.0
    calls = 0
    while spent < seconds or calls < 3:
        start = time.perf_counter()
        run()
        elapsed = time.perf_counter() - start
        spent += elapsed
        calls += 1
        best = min(best, elapsed)
        if elapsed > seconds:
            break
    return best / n * 1e6


def pysd_per_run(model: Path, engine, runs: int, rng) -> float:
    import pysd

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(model.parent, tmp, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        copy = Path(tmp) / model.name
        pysd.read_vensim(str(copy))
        sets = perturbed(engine, rng, runs)
        elapsed = []
        for run in range(runs):
            loaded = pysd.load(str(copy.with_suffix(".py")))
            params = {name: float(values[run]) for name, values in sets.items()
                      if "[" not in name}
            start = time.perf_counter()
            loaded.run(params=params)
            elapsed.append(time.perf_counter() - start)
    return float(np.median(elapsed)) * 1e6


# -- main -----------------------------------------------------------------------------------

def bench_model(model: Path, args) -> None:
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    engine = build_engine(model)
    for backend in {"c", "numba"} & set(args.backends):
        engine.compile(backend)  # one-time builds, outside the timings
    print(f"\n== {model.name}: {engine} (build+compile {time.perf_counter() - start:.1f} s)")
    stocks = engine.stocks
    if args.pysd_runs > 0:
        pysd_us = pysd_per_run(model, engine, args.pysd_runs, rng)
        print(f"PySD: {pysd_us:,.0f} us per run (median of {args.pysd_runs}, Model.run only)")
    else:
        pysd_us = float("nan")
    same = hashlib.sha256(model.read_bytes()).hexdigest() == C_MODEL_SHA256
    print(f"C reference: {args.c_us:g} us per run (--c-us; not measured in this run; "
          + ("measured on this model version)" if same else
             "measured on another version of the model, sha256 9dd0fa99...: ratios are "
             "indicative only)"))

    refs = references(model, engine, stocks, args)

    sizes = list(args.sizes) + ([100_000] if args.big else [])
    header = (f"{'N':>7} {'loop':>6} {'outputs':>7} {'params':>6} {'us/member':>11} "
              f"{'C us':>8} {'x C':>7} {'x SDE':>7} {'PySD/eng':>9}")
    print(header)
    print("-" * len(header))
    for n in sizes:
        params = perturbed(engine, rng, n)
        c_us = {"stocks": args.c_us}
        ref_us: dict[str, float] = {}
        for name, ref in refs.items():
            ref_us[name] = per_member(ref(params, n), n, args.seconds if n < 10_000 else 0.0)
            print(f"{n:>7} {name:>6} {'stocks':>7} {'all':>6} {ref_us[name]:>11.2f}",
                  flush=True)
        for backend in args.backends:
            for label, columns in (("stocks", stocks), ("all", None)):
                if label == "all" and n > args.all_max:
                    continue
                if backend == "numpy" and n == 1 and label == "all" and args.quick:
                    continue
                sets = [("all", params)] + (
                    [("floats", {k: float(v[0]) for k, v in params.items()}), ("none", {})]
                    if n == 1 and backend in ("c", "numba") else [])
                if n == 1 and backend in ("c", "numba"):
                    sets.append(("prep", params))
                for set_label, given in sets:

                    def run(params=given, columns=columns, backend=backend, n=n):
                        return engine.run(params, n=n, return_columns=columns, backend=backend)

                    if set_label == "prep":  # engine.prepare(names)(values): no mapping
                        run = partial(engine.prepare(list(given), return_columns=columns,
                                                     backend=backend),
                                      np.array([v[0] for v in given.values()]))

                    seconds = args.seconds if n < 10_000 else 0.0
                    us = per_member(run, n, seconds)
                    ratio = us / c_us[label] if label in c_us else float("nan")
                    same = {name: (us / ref_us[name] if label == "stocks" else float("nan"))
                            for name in ref_us}
                    print(f"{n:>7} {backend:>6} {label:>7} {set_label:>6} {us:>11.2f} "
                          f"{c_us.get(label, float('nan')):>8.1f} {ratio:>7.3f} "
                          f"{same.get('SDE-C', float('nan')):>7.3f} {pysd_us / us:>9.0f}",
                          flush=True)
    if args.threads:
        bench_threads(engine, sizes, args, refs)


def references(model: Path, engine, stocks: list[str], args) -> dict:
    """Same-run C references asked for (``--sde``), each checked against the
    compiled loop on 20 perturbed members: name -> ``make(params, n)`` giving a run
    function."""
    refs: dict = {}
    check = perturbed(engine, np.random.default_rng(5), 20)
    if args.sde:
        from sde_reference import SDEReference

        try:
            sde = SDEReference(model, engine)
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            print(f"SDEverywhere C: not run ({error}); the --c-us figure stands in")
        else:
            worst = sde.check(check, 20)
            note = (f"; TANH written with EXP in {sde.tanh} place(s)" if sde.tanh else "")
            print(f"SDEverywhere {sde.version} C (npm compiler, cycle's minimal runtime, gcc "
                  f"-O2{note}): stocks of 20 perturbed members differ from the compiled loop "
                  f"by at most {worst:.2g} (relative)")
            if worst <= 1e-9:
                refs["SDE-C"] = sde.setup
            else:
                print("  -> disagrees; no SDE ratios")
    return refs


def bench_threads(engine, sizes: list[int], args, refs: dict) -> None:
    """Each compiled loop on one thread against the default (and the same-run C references,
    one thread), alternated call by call, best of each."""
    cores = default_threads()
    loops = [b for b in args.backends if b in ("c", "numba")]
    print(f"\ncompiled loops, stocks: 1 thread against {cores} (best of {args.repeats} "
          "alternated calls each; us per member)")
    print(f"{'N':>7} {'loop':>6} {'threads':>7} {'1 thread':>9} {'default':>9} {'speed-up':>8} "
          f"{'x C':>7} {'SDE-C':>8} {'x SDE':>7}")
    rng = np.random.default_rng(2)
    for n in sizes:
        params = perturbed(engine, rng, n)
        runs = {(loop, threads): (lambda t=threads, p=params, n=n, loop=loop: engine.run(
            p, n=n, return_columns=engine.stocks, backend=loop, threads=t))
            for loop in loops for threads in (1, cores)}
        for name, make in refs.items():
            runs[name] = make(params, n)
        best = dict.fromkeys(runs, float("inf"))
        for _ in range(args.repeats):
            for key, run in runs.items():
                start = time.perf_counter()
                run()
                best[key] = min(best[key], time.perf_counter() - start)
        sde = best.get("SDE-C", float("nan")) / n * 1e6
        for loop in loops:
            one, many = best[(loop, 1)] / n * 1e6, best[(loop, cores)] / n * 1e6
            print(f"{n:>7} {loop:>6} {threads_for(n, cores):>7} {one:>9.2f} {many:>9.2f} "
                  f"{one / many:>8.2f} {many / args.c_us:>7.3f} {sde:>8.2f} {many / sde:>7.3f}",
                  flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append",
                        help="a .mdl file (default: every model in models/)")
    parser.add_argument("--sizes", default="1,10,100,1000,10000",
                        type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--big", action="store_true", help="also N = 100000")
    parser.add_argument("--all-max", type=int, default=1000,
                        help="largest N for which every variable is returned")
    parser.add_argument("--pysd-runs", type=int, default=10, help="0 skips PySD")
    parser.add_argument("--seconds", type=float, default=0.5,
                        help="time spent per measurement below N = 10^4")
    parser.add_argument("--quick", action="store_true", help="skip the NumPy loop's N=1 all")
    parser.add_argument("--backends", default=["c", "numba", "numpy"],
                        type=lambda s: [x.strip() for x in s.split(",")],
                        help="loops to time (default c,numba,numpy)")
    parser.add_argument("--threads", action="store_true",
                        help="also time the compiled loops on 1 thread against the default")
    parser.add_argument("--repeats", type=int, default=5,
                        help="alternated calls per thread count with --threads")
    parser.add_argument("--sde", action="store_true",
                        help="also run SDEverywhere's C in the same run: its compiler from npm "
                             "(installed at run time) with a minimal runtime of our own "
                             "(bench/sde_reference.py; needs npm, node, gcc)")
    parser.add_argument("--c-us", type=float, default=139.0,
                        help="per-run time (us) of a C build of the model, as the ratios' reference")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    models = args.model or sorted((ROOT / "models").glob("*.mdl"))
    print(f"cpus: {os.cpu_count()}; compiled-loop threads {default_threads()}; "
          f"load average {os.getloadavg()[0]:.1f}")
    for model in models:
        bench_model(Path(model).resolve(), args)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
