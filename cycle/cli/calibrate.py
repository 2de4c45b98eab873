"""``cycle calibrate``: fit the free parameters under both readings of the dates; write the report."""

from __future__ import annotations

import argparse
import math
import sys
import time

from cycle.cli import options

__all__ = ["add_parser", "run", "check_observations"]

READINGS = ("year_end", "mid_year")  # as cycle.calibration.observed.READINGS, without importing it


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


def check_observations(path, model) -> None:
    """Refuse an observations file the fit cannot use, naming the file and the line: a value,
    sigma or weight that is not a finite number, or an observation dated before INITIAL TIME
    or after the latest final year, under either reading of the dates."""
    from cycle.calibration.observed import default_data_path, load_observations
    from cycle.errors import InputError
    from cycle.model import MAX_FINAL_TIME

    where = str(path) if path else str(default_data_path())
    for reading in READINGS:
        obs = load_observations(path, reading=reading, model=model)
        for i, row in enumerate(obs.itertuples(index=False)):
            line = i + 2  # the header is line 1
            for col in ("value", "sigma", "weight"):
                x = getattr(row, col)
                try:
                    bad = not math.isfinite(float(x))
                except (TypeError, ValueError):
                    bad = True
                if bad:
                    raise InputError(f"{where}, line {line}: {col} = {x!r} is not a finite number "
                                     f"({row.variable}, {row.period})")
            if not model.initial_time <= row.time <= MAX_FINAL_TIME:
                raise InputError(
                    f"{where}, line {line}: {row.variable} {row.period} falls at {row.time:g} "
                    f"({reading} reading), outside the model's run [{model.initial_time:g}, "
                    f"{MAX_FINAL_TIME:g}]")


def run(args: argparse.Namespace) -> int:
    from cycle.io.folder import check_out, output_folder
    from cycle.model import load_model

    target = check_out(args.out)  # before the fit, not 70 s after it
    check_observations(args.data, load_model("northeast"))

    from cycle.calibration.fit import FitOptions, fit
    from cycle.calibration.report import write_report

    start = time.perf_counter()
    opts = FitOptions(progress=not args.quiet)
    order = [args.reading] + [r for r in READINGS if r != args.reading]
    with output_folder(target) as folder:
        results = {r: fit(args.data, reading=r, seed=args.seed, options=opts) for r in order}
        written = write_report(results, folder.path, primary=args.reading,
                               argv=["cycle", *sys.argv[1:]])
    for r, res in results.items():
        xs = ", ".join(f"{k} = {v:.4g}" for k, v in res.x.items())
        print(f"{r}: chi2 = {res.fun:.4g}; {xs}", file=sys.stderr)
    print(f"calibrated in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    for path in written:
        print(folder.final(path))
    return 0
