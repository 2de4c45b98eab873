"""The batch engine against PySD and SDEverywhere's C, per member, on every shipped model.

For each model in ``models/`` (or ``--model``), in one process and one run:

* PySD: ``--pysd-runs`` runs, each on a freshly loaded model with one random parameter set,
  timed around ``Model.run`` only (loading excluded, which favours PySD);
* the engine: both loops (NumPy over arrays, compiled per-member Numba) at N = 1, 10, 100,
  10^3, 10^4 (10^5 with ``--big``), returning the stocks only and every variable (every
  variable up to ``--all-max`` members: the result alone is N x saved times x variables x
  8 bytes), every constant perturbed within +-20 % of its default (inside its limits);
* SDEverywhere's C (``gcc -O2``): when ``node``/``npm``/``gcc`` work and a checkout of the
  SDEverywhere repository (for its C runtime, which is not on npm) is given by ``--sde-repo``
  or ``$SDE_REPO``: ``@sdeverywhere/compile`` is installed from npm into a temporary
  directory (its unreachable ``xlsx`` dependency replaced by a stub through npm
  ``overrides``), the model is generated with the stocks (and, separately, every variable)
  as outputs, compiled with a timing harness written here, and run repeatedly. Nothing of
  SDEverywhere is kept.

Printed: microseconds per member (per run for PySD and C; C is re-timed before each N, as
the load of a shared machine drifts; both the engine's and C's figures are the best of
repeated calls, C's over blocks of 20 runs) and ratios engine/C (below 1: the engine is faster).
Targets (issue 13): N = 1 no slower than C; N >= 10^4 at most half of C.

Usage::

    python bench/bench_engine.py [--model models/x.mdl ...] [--sizes 1,10,100,1000,10000]
        [--big] [--all-max 1000] [--pysd-runs 10] [--sde-repo PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cycle.engine import build_engine  # noqa: E402

SDE_COMPILE = "@sdeverywhere/compile"

_HARNESS = r"""
#include "sde.h"
#include <time.h>
/* Runs the model over and over for ~argv[1] seconds, cycling through the parameter sets of
   argv[2] (binary: int32 sets, int32 inputs per set, then doubles), as the engine does. */
int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 0.5;
  int sets = 0, k = 0;
  double* inputs = NULL;
  if (argc > 2) {
    FILE* f = fopen(argv[2], "rb");
    if (!f || fread(&sets, 4, 1, f) != 1 || fread(&k, 4, 1, f) != 1) return 2;
    inputs = (double*)malloc(sizeof(double) * (size_t)sets * (size_t)k + 1);
    if (fread(inputs, sizeof(double), (size_t)sets * (size_t)k, f) != (size_t)sets * k) return 2;
    fclose(f);
  }
  double t0 = getInitialTime(), t1 = getFinalTime(), sp = getSaveper();
  size_t nsave = (size_t)((t1 - t0) / sp + 1.5);
  double* out = (double*)calloc((size_t)numOutputs * nsave + 1, sizeof(double));
  struct timespec a, b;
  runModel(NULL, out);
  double first = out[nsave - 1];
  long reps = 0;
  double elapsed = 0, best = 1e300;
  while (elapsed < seconds * 1e9) {  /* the best block of 20 runs, as the engine's best call */
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int r = 0; r < 20; r++, reps++)
      runModel(sets ? inputs + (size_t)(reps % sets) * k : NULL, out);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double block = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
    elapsed += block;
    if (block < best) best = block;
  }
  printf("%.4f %.12g\n", best / 1e3 / 20, first);
  return 0;
}
"""

_GENERATE = r"""
import { parseAndGenerate } from '@sdeverywhere/compile'
import fs from 'fs'
import path from 'path'
const [mdl, specFile, outDir] = process.argv.slice(2)
const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'))
const name = path.basename(mdl, '.mdl')
const code = await parseAndGenerate(fs.readFileSync(mdl, 'utf8'), 'vensim', spec, ['generateC'],
                                    path.dirname(path.resolve(mdl)), name, outDir)
fs.writeFileSync(path.join(outDir, name + '.c'), code)
"""


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


# -- SDEverywhere ---------------------------------------------------------------------------

def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


class SDE:
    """SDEverywhere's compiler from npm and its C runtime from a repository checkout."""

    def __init__(self, repo: str | None, work: Path) -> None:
        self.work = work
        self.reason = ""
        self.ready = False
        missing = [tool for tool in ("node", "npm", "gcc") if shutil.which(tool) is None]
        if missing:
            self.reason = f"{', '.join(missing)} not found"
            return
        if not repo or not Path(repo).exists():
            self.reason = "no SDEverywhere checkout for its C runtime (--sde-repo or $SDE_REPO)"
            return
        stub = work / "xlsx-stub"
        stub.mkdir()
        (stub / "package.json").write_text('{"name": "xlsx", "version": "0.20.2", '
                                           '"main": "index.js"}')
        (stub / "index.js").write_text(
            "module.exports = {set_fs() {}, readFile() { throw new Error('xlsx stub') }, "
            "utils: {}};\n")
        (work / "package.json").write_text(json.dumps({
            "name": "sde-bench", "version": "1.0.0", "private": True,
            "dependencies": {SDE_COMPILE: "*"}, "overrides": {"xlsx": "file:./xlsx-stub"}}))
        done = _run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], work)
        if done.returncode:
            self.reason = f"npm install {SDE_COMPILE} failed: {done.stderr.strip()[:200]}"
            return
        version = json.loads((work / "node_modules" / SDE_COMPILE / "package.json"
                              ).read_text())["version"]
        self.version = version
        git = ["git", "-C", str(repo)]
        found = _run([*git, "log", "--format=%H", "-S", f'"version": "{version}"', "--",
                      "packages/compile/package.json"], work)
        commits = found.stdout.split()
        if found.returncode or not commits:
            self.reason = f"no commit of compile {version} in {repo}"
            return
        commit = commits[-1]  # the release that introduced this version
        self.runtime = work / "runtime"
        self.runtime.mkdir()
        listing = _run([*git, "ls-tree", "--name-only", commit, "packages/cli/src/c/"], work)
        for path in listing.stdout.split():
            if path.endswith((".c", ".h")) and not path.endswith("main.c"):
                shown = _run([*git, "show", f"{commit}:{path}"], work)
                (self.runtime / Path(path).name).write_text(shown.stdout)
        (self.runtime / "timing_main.c").write_text(_HARNESS)
        (work / "generate.mjs").write_text(_GENERATE)
        self.ready = True

    def build(self, model: Path, outputs: list[str], label: str,
              params: dict[str, np.ndarray]) -> tuple[Path, float]:
        """Compile the model with ``outputs`` and a harness cycling through the parameter sets
        ``params`` (scalar constants -> values); returns (executable, last saved value of the
        first output at the defaults)."""
        build = self.work / f"build-{model.stem}-{label}"
        build.mkdir()
        names = [name for name in params if "[" not in name]
        matrix = np.array([params[name] for name in names], dtype=np.float64).T.copy()
        with open(build / "inputs.bin", "wb") as handle:
            np.array(matrix.shape, dtype=np.int32).tofile(handle)
            matrix.tofile(handle)
        spec = build / "spec.json"
        spec.write_text(json.dumps({"inputVarNames": names, "outputVarNames": outputs}))
        copy = build / model.name
        shutil.copy(model, copy)
        done = _run(["node", str(self.work / "generate.mjs"), str(copy), str(spec), str(build)],
                    self.work)
        if done.returncode:
            raise RuntimeError(f"SDEverywhere could not generate C: {done.stderr.strip()[-300:]}")
        sources = [build / f"{model.stem}.c"] + sorted(
            p for p in self.runtime.glob("*.c"))
        exe = build / "run"
        done = _run(["gcc", "-O2", "-w", "-I", str(self.runtime), "-o", str(exe),
                     *map(str, sources), "-lm"], build)
        if done.returncode:
            raise RuntimeError(f"gcc failed: {done.stderr.strip()[-300:]}")
        return exe, self.time(exe, 0.05)[1]

    @staticmethod
    def time(exe: Path, seconds: float) -> tuple[float, float]:
        """(microseconds per run, last saved value of the first output at the defaults)."""
        done = _run([str(exe), str(seconds), str(exe.parent / "inputs.bin")], exe.parent)
        micro, last = done.stdout.split()
        return float(micro), float(last)


# -- main -----------------------------------------------------------------------------------

def bench_model(model: Path, args, sde: SDE | None) -> None:
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    engine = build_engine(model)
    engine.compile()  # one-time Numba compilation, outside the timings
    print(f"\n== {model.name}: {engine} (build+compile {time.perf_counter() - start:.1f} s)")
    stocks = engine.stocks
    pysd_us = pysd_per_run(model, engine, args.pysd_runs, rng)
    print(f"PySD: {pysd_us:,.0f} us per run (median of {args.pysd_runs}, Model.run only)")

    exes: dict[str, Path] = {}
    if sde is not None and sde.ready:
        sets = perturbed(engine, np.random.default_rng(2), 1000)
        for label, outputs in (("stocks", stocks), ("all", engine.variables)):
            try:
                exes[label], last = sde.build(model, outputs, label, sets)
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as err:
                print(f"SDEverywhere C ({label}): not available: {err}")
                continue
            check = engine.run(return_columns=[outputs[0]], backend="numpy").values[outputs[0]]
            agree = abs(check[0, -1] - last) <= 1e-6 * max(1.0, abs(last))
            print(f"SDEverywhere C {sde.version} ({label} as outputs, gcc -O2): last value of "
                  f"{outputs[0]!r} {'agrees' if agree else 'DIFFERS'} ({last:.10g} vs engine "
                  f"{check[0, -1]:.10g}); timed before each N (C us column)")
    elif sde is not None:
        print(f"SDEverywhere C: skipped ({sde.reason})")

    sizes = list(args.sizes) + ([100_000] if args.big else [])
    header = (f"{'N':>7} {'loop':>6} {'outputs':>7} {'us/member':>11} {'C us':>8} {'x C':>7} "
              f"{'PySD/eng':>9}")
    print(header)
    print("-" * len(header))
    for n in sizes:
        params = perturbed(engine, rng, n)
        # C timed now, beside the engine's rows (the machine's load drifts)
        c_us = {label: SDE.time(exe, args.seconds)[0] for label, exe in exes.items()}
        for backend in ("numba", "numpy"):
            for label, columns in (("stocks", stocks), ("all", None)):
                if label == "all" and n > args.all_max:
                    continue
                if backend == "numpy" and n == 1 and label == "all" and args.quick:
                    continue

                def run(params=params, columns=columns, backend=backend, n=n):
                    return engine.run(params, n=n, return_columns=columns, backend=backend)

                seconds = args.seconds if n < 10_000 else 0.0
                us = per_member(run, n, seconds)
                ratio = us / c_us[label] if label in c_us else float("nan")
                print(f"{n:>7} {backend:>6} {label:>7} {us:>11.2f} "
                      f"{c_us.get(label, float('nan')):>8.1f} {ratio:>7.3f} "
                      f"{pysd_us / us:>9.0f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append",
                        help="a .mdl file (default: every model in models/)")
    parser.add_argument("--sizes", default="1,10,100,1000,10000",
                        type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--big", action="store_true", help="also N = 100000")
    parser.add_argument("--all-max", type=int, default=1000,
                        help="largest N for which every variable is returned")
    parser.add_argument("--pysd-runs", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=0.5,
                        help="time spent per measurement below N = 10^4")
    parser.add_argument("--quick", action="store_true", help="skip the NumPy loop's N=1 all")
    parser.add_argument("--sde-repo", default=os.environ.get("SDE_REPO"),
                        help="git checkout of climateinteractive/SDEverywhere (C runtime)")
    parser.add_argument("--no-sde", action="store_true", help="skip SDEverywhere's C")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    models = args.model or sorted((ROOT / "models").glob("*.mdl"))
    print(f"cpus: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="cycle-bench-sde-") as tmp:
        sde = None if args.no_sde else SDE(args.sde_repo, Path(tmp))
        for model in models:
            bench_model(Path(model).resolve(), args, sde)


if __name__ == "__main__":
    main()
