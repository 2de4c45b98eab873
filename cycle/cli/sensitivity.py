"""``cycle sensitivity``: Sobol or Morris indices of one output at one year (SALib); table, chart."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cycle.cli import options

__all__ = ["add_parser", "run"]


def _year(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--year expects a year, got {text!r}") from None


def add_parser(sub) -> None:
    p = sub.add_parser("sensitivity", help="global sensitivity of one output to the uncertain "
                       "constants (Sobol or Morris)", description=__doc__)
    p.add_argument("--method", choices=["sobol", "morris"], default="sobol",
                   help="Sobol indices (S1, ST) or Morris screening (mu*) (default: sobol)")
    p.add_argument("--output", required=True, metavar="VAR", help="Vensim name of the output")
    p.add_argument("--year", type=_year, required=True, metavar="Y",
                   help="year at which the output is read (interpolated between saved times)")
    p.add_argument("--samples", type=options.positive_int, default=None, metavar="N",
                   help="SALib's N: base samples for sobol (power of 2, default 256), "
                        "trajectories for morris (default 50)")
    options.add_uncertain(p)
    options.add_seed(p)
    p.add_argument("--scenario", default=None, metavar="S",
                   help="scenario the runs use (default: baseline)")
    options.add_model(p)
    options.add_out(p, default="out/sensitivity")
    options.add_dask(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.evaluators import evaluator_for
    from cycle.model import load_model
    from cycle.sensitivity import run_sensitivity, write_sensitivity

    model = load_model(args.model)
    model.resolve(args.output)  # unknown output: exit 2 before anything else
    with evaluator_for(0, scheduler=args.scheduler, workers=args.workers) as ev:
        result = run_sensitivity(args.uncertain, output=args.output, year=args.year,
                                 method=args.method, n=args.samples, seed=args.seed,
                                 scenario=args.scenario, model=model, evaluator=ev)
    for path in write_sensitivity(result, Path(args.out), argv=["cycle", *sys.argv[1:]]):
        print(path)
    return 0
