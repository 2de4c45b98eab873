"""``cycle ensemble``: scenarios over sampled uncertain parameters; percentiles, fan charts, manifest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cycle.cli import options

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("ensemble", help="run scenarios over sampled uncertain parameters; "
                       "write percentiles, fan charts and a manifest", description=__doc__)
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="shipped scenario name or .toml path (the baseline is always run)")
    p.add_argument("--samples", type=options.positive_int, required=True, metavar="N",
                   help="parameter sets per scenario")
    options.add_uncertain(p)
    options.add_seed(p)
    p.add_argument("--sampler", choices=["lhs", "sobol"], default="lhs",
                   help="Latin hypercube or scrambled Sobol (default: lhs)")
    options.add_model(p)
    options.add_until(p)
    options.add_out(p, default="out/ensemble")
    options.add_dask(p)
    p.add_argument("--format", dest="fmt", choices=["csv", "parquet"], default="csv",
                   help="format of the percentile table (default: csv)")
    p.add_argument("--no-posterior", action="store_true",
                   help="hold the calibrated parameters at their fitted values instead of drawing "
                        "whole rows of the calibration's posterior sample")
    p.add_argument("--chunk-size", type=options.positive_int, default=None, metavar="RUNS",
                   help="runs per engine call (default 5000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.ensemble import DEFAULT_CHUNK, run_ensemble, write_ensemble
    from cycle.evaluators import evaluator_for
    from cycle.model import load_model
    from cycle.scenarios import load_scenario
    from cycle.uncertainty import load_uncertainties

    model = load_model(args.model)
    spec = load_uncertainties(args.uncertain, model)
    scenarios = [load_scenario(s, model) for s in args.scenarios]  # every check before any run
    runs = args.samples * (len({s.name for s in scenarios} | {"baseline"}))
    with evaluator_for(runs, scheduler=args.scheduler, workers=args.workers) as ev:
        result = run_ensemble(scenarios, spec, n=args.samples, seed=args.seed,
                              sampler=args.sampler, until=args.until, model=model, evaluator=ev,
                              chunk_size=args.chunk_size or DEFAULT_CHUNK,
                              posterior=not args.no_posterior)
    for path in write_ensemble(result, Path(args.out), fmt=args.fmt,
                               argv=["cycle", *sys.argv[1:]]):
        print(path)
    return 0
