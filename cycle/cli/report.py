"""``cycle report``: compare scenarios with the baseline and write one self-contained HTML report."""

from __future__ import annotations

import argparse
import sys

from cycle.cli import options
from cycle.cli.explore import _check_out, open_in_browser

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("report",
                       help="write an HTML report of a comparison (plots, metrics, levers, manifest)",
                       description=__doc__)
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="shipped scenario name (see scenarios/) or path to a .toml file")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the report (default: en)")
    p.add_argument("--out", default="report.html", metavar="FILE.html",
                   help="HTML file to write (default: report.html)")
    p.add_argument("--open", action="store_true", help="open the report in the default browser")
    options.add_model(p)
    options.add_until(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.explore.page import build_report

    out = _check_out(args.out)
    path = build_report(args.scenarios, out=out, lang=args.lang, model=args.model, until=args.until,
                        argv=["cycle", *sys.argv[1:]])
    print(path)
    if args.open:
        open_in_browser(path)
    return 0
