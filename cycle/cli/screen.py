"""``cycle screen``: one-at-a-time (±20 %) and Morris screens over every constant of the model;
which constants move the key 2050 outputs by more than 5 %, and are they calibrated or sampled?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cycle.cli import options

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("screen", help="screen every constant (one at a time and Morris); write the "
                       "ranked table and whether each influential one is calibrated or sampled",
                       description=__doc__)
    options.add_model(p)
    options.add_uncertain(p)
    p.add_argument("--trajectories", type=options.positive_int, default=10, metavar="R",
                   help="Morris trajectories (default 10)")
    options.add_seed(p, default=0, help="seed of the Morris design (default: 0)")
    options.add_out(p, default="out/screen")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.model import load_model
    from cycle.screening import run_screen, write_screen
    from cycle.uncertainty import load_uncertainties

    model = load_model(args.model)
    spec = load_uncertainties(args.uncertain, model)  # every check before any run
    result = run_screen(model, trajectories=args.trajectories, seed=args.seed, spec=spec)
    for path in write_screen(result, Path(args.out), argv=["cycle", *sys.argv[1:]]):
        print(path)
    if result.uncovered:
        print(f"not covered (>5 % but neither calibrated nor sampled): {', '.join(result.uncovered)}",
              file=sys.stderr)
    return 0
