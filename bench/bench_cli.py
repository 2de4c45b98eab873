"""End-to-end command timings against a baseline measured in the same run (ratios, not seconds).

(a) ``cycle run --out DIR`` against ``python -c "import numpy, pandas, matplotlib"``:
    both started as fresh processes, alternated, median of ``--repeat`` runs each
    (target: ratio <= 2).
(b) ``cycle ensemble baseline --samples 10000`` end to end, warm (a first run compiles and
    caches; the median of the following ``--repeat`` runs is reported; target <= 3 s).

Usage::

    python bench/bench_cli.py [--repeat 5] [--samples 10000] [--skip-ensemble]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CYCLE = [sys.executable, "-c", "from cycle.cli.main import entry; entry()"]
BASELINE = [sys.executable, "-c", "import numpy, pandas, matplotlib"]


def wall(cmd: list[str]) -> float:
    """Wall-clock seconds of one process (stdout and stderr discarded; must exit 0)."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--skip-ensemble", action="store_true")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    run = CYCLE + ["run", "--out", str(tmp / "run")]
    wall(run)  # warm the caches (translation, generated engine)
    base, cyc = [], []
    for _ in range(args.repeat):
        base.append(wall(BASELINE))
        cyc.append(wall(run))
    b, c = statistics.median(base), statistics.median(cyc)
    print(f"import numpy, pandas, matplotlib: median {b:.3f} s ({args.repeat} runs)")
    print(f"cycle run (end to end): median {c:.3f} s; ratio {c / b:.2f} (target <= 2)")
    if args.skip_ensemble:
        return
    ens = CYCLE + ["ensemble", "baseline", "--samples", str(args.samples), "--seed", "1",
                   "--out", str(tmp / "ens")]
    wall(ens)  # compile and cache the engine's loop
    times = [wall(ens) for _ in range(max(1, args.repeat // 2))]
    e = statistics.median(times)
    print(f"cycle ensemble baseline --samples {args.samples} (warm, end to end): median "
          f"{e:.2f} s ({len(times)} runs; target <= 3 s); baseline import in the same run "
          f"{b:.3f} s")


if __name__ == "__main__":
    main()
