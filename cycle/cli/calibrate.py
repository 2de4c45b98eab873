"""``cycle calibrate``: fit the free parameters under both readings of the dates; write the report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cycle.calibration.observed import READINGS
from cycle.cli import options

__all__ = ["add_parser", "run"]



def add_parser(sub) -> None:
    p = sub.add_parser("calibrate", help="fit the free parameters to observed data; write a fit report",
                       description=__doc__)
    p.add_argument("--data", metavar="PATH", help="observations CSV (default: the shipped observations.csv)")
    options.add_out(p, default="out/calibration")
    p.add_argument("--reading", choices=READINGS, default="year_end",
                   help="primary reading of year-labelled dates, whose values go to "
                        "fitted_parameters.toml (default: year_end); both readings are fitted and reported")
    options.add_seed(p, default=0, help="seed of differential evolution (default: 0)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.calibration.fit import FitOptions, fit
    from cycle.calibration.report import write_report

    start = time.perf_counter()
    opts = FitOptions(progress=not args.quiet)
    order = [args.reading] + [r for r in READINGS if r != args.reading]
    results = {r: fit(args.data, reading=r, seed=args.seed, options=opts) for r in order}
    written = write_report(results, Path(args.out), primary=args.reading,
                           argv=["cycle", *sys.argv[1:]])
    for r, res in results.items():
        xs = ", ".join(f"{k} = {v:.4g}" for k, v in res.x.items())
        print(f"{r}: chi2 = {res.fun:.4g}; {xs}", file=sys.stderr)
    print(f"calibrated in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    for path in written:
        print(path)
    return 0
