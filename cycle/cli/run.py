"""``cycle run``: run the baseline (or with --set overrides) and write trajectories, plots, manifest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cycle.cli import options

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run the model; write trajectories.csv, plots and manifest.json",
                       description=__doc__)
    options.add_model(p)
    options.add_until(p)
    options.add_set(p)
    options.add_out(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.runs import run_baseline

    params = dict(args.sets)
    written = run_baseline(model=args.model, params=params, until=args.until, out=Path(args.out),
                           argv=["cycle", *sys.argv[1:]])
    for path in written:
        print(path)
    return 0
