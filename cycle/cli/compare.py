"""``cycle compare``: run the baseline and scenarios; write trajectories, metrics, plots, manifest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cycle.cli import options

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="compare policy scenarios with the baseline",
                       description=__doc__)
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="shipped scenario name (see scenarios/) or path to a .toml file")
    options.add_model(p)
    options.add_until(p)
    options.add_out(p, default="out/compare")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.compare import compare, write_comparison

    result = compare(args.scenarios, until=args.until, model=args.model)
    for path in write_comparison(result, Path(args.out), argv=["cycle", *sys.argv[1:]]):
        print(path)
    return 0
