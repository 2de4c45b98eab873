"""``cycle stress``: apply named shocks to scenarios, with and without guard rails; write breach,
impact and loss tables, a summary, stress dashboards and a manifest into one folder."""

from __future__ import annotations

import argparse
import math
import sys

from cycle.cli import options

__all__ = ["add_parser", "run"]


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rate expects a number in [0, 1], got {text!r}") from None
    if not (0.0 <= value <= 1.0) or math.isnan(value):
        raise argparse.ArgumentTypeError(f"--rate {text} is outside [0, 1] (a share)")
    return value


def _year(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--year expects a calendar year, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"--year expects a calendar year, got {text!r}")
    return value


def _samples(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--samples expects a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--samples must be >= 0, got {text!r}")
    return value


def add_parser(sub) -> None:
    from cycle.stress.shocks import SHOCKS

    shocks = "; ".join(f"{n}: {s.description} (--rate: {s.rate_meaning})" for n, s in SHOCKS.items())
    p = sub.add_parser("stress", help="stress-test scenarios against shocks and seed 003's guard rails",
                       description=__doc__ + f" Shocks: {shocks}.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="shipped scenario name (see scenarios/) or path to a .toml file")
    p.add_argument("--shock", dest="shocks", action="append", default=None, metavar="NAME",
                   help=f"shock to apply (repeatable; default default_wave; one of: {', '.join(SHOCKS)})")
    p.add_argument("--rate", type=_rate, default=None, metavar="R",
                   help="size of the shock, a share in [0, 1] (default per shock: default_wave 0.10, "
                        "funding 1, demand 0.03)")
    p.add_argument("--year", type=_year, default=2030.0, metavar="YEAR",
                   help="year the shock starts (default 2030; inside the run)")
    p.add_argument("--samples", type=_samples, default=0, metavar="N",
                   help="parameter sets drawn from the uncertainty spec for breach probabilities "
                        "(default 0: deterministic runs only)")
    p.add_argument("--uncertain", action="append", default=None, metavar="FILE",
                   help="uncertainty spec for --samples: shipped name (uncertain/*.toml) or .toml "
                        "path; repeatable, combined (default: northeast and accelerator)")
    options.add_seed(p)
    options.add_model(p)
    options.add_until(p)
    options.add_out(p, default="out/stress")
    options.add_lang(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.cli.main import UsageError
    from cycle.io.folder import check_out
    from cycle.stress import run_stress, write_stress
    from cycle.stress.runner import DEFAULT_SPECS

    if args.uncertain and not args.samples:
        raise UsageError("--uncertain is used only with --samples N (the ensemble it samples)")
    target = check_out(args.out)  # bad --out: one line, exit 2, before any work
    result = run_stress(args.scenarios, shocks=tuple(args.shocks or ["default_wave"]),
                        rate=args.rate, year=args.year, until=args.until, samples=args.samples,
                        seed=args.seed, uncertain=tuple(args.uncertain or DEFAULT_SPECS),
                        model=args.model)
    for path in write_stress(result, target, argv=["cycle", *sys.argv[1:]], lang=args.lang):
        print(path)
    return 0
