"""End-to-end command timings against a baseline measured in the same run (ratios, not seconds).

(a) ``cycle run --out DIR`` against ``python -c "import numpy, pandas, matplotlib"``:
    both started as fresh processes, alternated, median of ``--repeat`` runs each
    (target: ratio <= 2).
(b) ``cycle ensemble baseline --samples 10000`` end to end, warm (a first run compiles and
    caches; the following runs are timed; target <= 3 s), also as a multiple of (a)'s
    baseline measured in the same run.
(d) ``cycle --help`` (start-up alone) against the same baseline.

Each figure is given as the median and the best of its runs: on a shared machine the best
run is the one least disturbed by other jobs, and ratios are formed from like with like
(median with median, best with best). CPU seconds (the process and the side process that
draws plots) are printed too: wall time profits from a second core only when it is free.
(c) ``--loops``: the loop for one member (``cycle run``, ``Model.run``): each loop's first
    run in a fresh process (what a command pays: for the compiled loop, importing Numba and
    loading the cached kernel) and its later runs in the same process, median of
    ``--repeat`` fresh processes.  This is the measurement behind
    ``cycle.engine.KERNEL_MIN_RUNS`` (without a C compiler, the NumPy loop below 64 runs)
    and behind the C loop for one member (no import, a millisecond to load).

Usage::

    python bench/bench_cli.py [--repeat 7] [--samples 10000] [--skip-ensemble] [--loops]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CYCLE = [sys.executable, "-c", "from cycle.cli.main import entry; entry()"]
BASELINE = [sys.executable, "-c", "import numpy, pandas, matplotlib"]


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Commands run with bytecode caching on, as after ``pip install`` (with
PYTHONDONTWRITEBYTECODE set, every cycle module would be compiled again in every process,
while the baseline's libraries have their bytecode from their wheels)."""

CPU: dict[int, list[float]] = {}
"""CPU seconds (user + system, the process and every child it waited for) of each timed
command, keyed by the id of its wall-time list: the figure other jobs on the machine
disturb least."""


def wall(cmd: list[str], into: list[float] | None = None) -> float:
    """Wall-clock seconds of one process (stdout and stderr discarded; must exit 0); with
    `into`, appended to it, and the CPU seconds to ``CPU[id(into)]``."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if into is not None:
        into.append(seconds)
        CPU.setdefault(id(into), []).append(after.ru_utime + after.ru_stime
                                            - before.ru_utime - before.ru_stime)
    return seconds


def cpu(times: list[float]) -> float:
    """Median CPU seconds of the runs timed into `times`."""
    return statistics.median(CPU[id(times)])


_ONE_MEMBER = """
import json, time
from cycle.model import load_model
model = load_model("northeast")
engine = model.engine
params = dict(model.calibration)
columns = [n for n, v in model.variables.items() if v.kind != "constant"]
times = []
for _ in range(6):
    start = time.perf_counter()
    engine.run(params, n=1, return_columns=columns, backend={backend!r})
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""


def one_member(backend: str, repeat: int) -> tuple[float, float]:
    """(first run, median of later runs) in seconds for one member in `backend`, medians
    over `repeat` fresh processes (the engine's generated module cached beforehand)."""
    import json

    first, later = [], []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _ONE_MEMBER.format(backend=backend)],
                             check=True, capture_output=True, text=True, env=ENV).stdout
        times = json.loads(out.strip().splitlines()[-1])
        first.append(times[0])
        later.append(statistics.median(times[1:]))
    return statistics.median(first), statistics.median(later)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--skip-ensemble", action="store_true")
    parser.add_argument("--loops", action="store_true",
                        help="also time one member in each loop (first and later runs)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    run = CYCLE + ["run", "--out", str(tmp / "run")]
    wall(run)  # warm the caches (translation, generated engine)
    base, cyc, helps = [], [], []
    for _ in range(args.repeat):
        wall(BASELINE, base)
        wall(run, cyc)
        wall(CYCLE + ["--help"], helps)
    b, c = statistics.median(base), statistics.median(cyc)
    bb = min(base)
    print(f"import numpy, pandas, matplotlib: median {b:.3f} s, best {bb:.3f} s "
          f"({args.repeat} runs)")
    print(f"cycle run (end to end): median {c:.3f} s, best {min(cyc):.3f} s; ratio median "
          f"{c / b:.2f}, best {min(cyc) / bb:.2f} (target <= 2); CPU {cpu(cyc):.3f} s, "
          f"{cpu(cyc) / cpu(base):.2f} x the baseline's {cpu(base):.3f} s")
    h = statistics.median(helps)
    print(f"cycle --help: median {h:.3f} s, best {min(helps):.3f} s; ratio median {h / b:.2f}, "
          f"best {min(helps) / bb:.2f}")
    if args.loops:
        subprocess.run(CYCLE[:-1] + ["from cycle.model import load_model; e = load_model().engine; "
                                     "e.compile('c'); e.compile('numba')"], check=True, env=ENV)
        for backend in ("numpy", "numba", "c"):
            first, later = one_member(backend, args.repeat)
            print(f"one member, {backend} loop: first run in a fresh process {first * 1e3:.1f} "
                  f"ms, later runs {later * 1e6:.0f} us (every variable returned)")
    if args.skip_ensemble:
        return
    ens = CYCLE + ["ensemble", "baseline", "--samples", str(args.samples), "--seed", "1",
                   "--out", str(tmp / "ens")]
    wall(ens)  # compile and cache the engine's loop
    times, base2 = [], []
    for _ in range(max(1, args.repeat // 2)):
        wall(BASELINE, base2)
        wall(ens, times)
    e, b2 = statistics.median(times), statistics.median(base2)
    print(f"cycle ensemble baseline --samples {args.samples} (warm, end to end): median "
          f"{e:.2f} s, best {min(times):.2f} s ({len(times)} runs; target <= 3 s); "
          f"{e / b2:.1f} x (best {min(times) / min(base2):.1f} x) the baseline import, "
          f"measured alongside (median {b2:.3f} s); CPU {cpu(times):.2f} s")


if __name__ == "__main__":
    main()
