"""Peak resident memory of ``cycle ensemble`` against N, sequentially and on a local Dask cluster.

Each run is a fresh ``cycle ensemble baseline --samples N`` process; a sampler thread sums the
resident set size of the whole process tree (the command, and with ``--workers`` the Dask
nanny and worker processes) every 0.1 s and keeps the peak. The figure that matters is how the
peak grows with N: with chunks reduced where they run it should be flat (set by the chunk
size), apart from the sampled parameter table (N x D x 8 bytes) and samples.csv.

Usage::

    python bench/bench_memory.py --n 10000 100000 [--workers 2] [--chunk 5000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

CYCLE = [sys.executable, "-c", "from cycle.cli.main import entry; entry()"]


def tree_rss(proc: psutil.Process) -> int:
    """Memory of `proc` and all its descendants: the sum of their proportional set sizes (PSS:
    a page shared by k processes counts 1/k in each), so a forked side process's copy-on-write
    pages are counted once, as the machine holds them; RSS where PSS is not available."""
    total = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += getattr(p.memory_full_info(), "pss", None) or p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak process-tree memory (PSS) in MiB, exit code) of `cmd`."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(ps))
            time.sleep(0.1)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    t.join()
    if proc.returncode:
        print(err.strip().splitlines()[-1] if err.strip() else "", file=sys.stderr)
    return time.perf_counter() - start, peak[0] / 2**20, proc.returncode


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, default=None,
                        help="Dask workers (default: one process, no cluster)")
    parser.add_argument("--chunk", type=int, default=5_000)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-mem-"))
    where = f"Dask LocalCluster, {args.workers} workers" if args.workers else "sequential"
    rows = []
    for n in args.n:
        cmd = CYCLE + ["ensemble", "baseline", "--samples", str(n), "--seed", "1",
                       "--chunk-size", str(args.chunk), "--out", str(tmp / f"n{n}")]
        # --workers 1 forces one process: left alone, the command starts a local Dask cluster
        # above 200,000 runs
        cmd += ["--workers", str(args.workers or 1)]
        secs, mib, code = measure(cmd)
        rows.append((n, secs, mib, code))
        print(f"{where}: N = {n:>9,}: peak PSS (process tree) {mib:,.0f} MiB, {secs:,.1f} s, "
              f"exit {code}", flush=True)
    if len(rows) > 1:
        (n0, _, m0, _), (n1, _, m1, _) = rows[0], rows[-1]
        print(f"{where}: growth {(m1 - m0) / ((n1 - n0) / 1e5):,.1f} MiB per 10^5 runs "
              f"between N = {n0:,} and {n1:,}")


if __name__ == "__main__":
    main()
