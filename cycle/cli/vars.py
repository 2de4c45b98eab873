"""``cycle vars``: list the model's variables with units, range, default, source and documentation."""

from __future__ import annotations

import argparse

from cycle.cli import options
from cycle.cli.table import add_format, render

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("vars", help="list the model's variables", description=__doc__)
    options.add_model(p)
    p.add_argument("--kind", choices=["constant", "stock", "auxiliary"], help="only this kind")
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.model import load_model

    table = load_model(args.model).table()
    if args.kind:
        table = table[table["kind"] == args.kind]
    if args.fmt != "table":
        print(render(table, args.fmt), end="")
        return 0
    table = table.assign(range=[_rng(a, b) for a, b in zip(table["min"], table["max"], strict=True)])
    cols = ["name", "kind", "units", "range", "default", "doc"]
    print(render(table[cols].reset_index(drop=True), "table",
                 max_widths={"name": 34, "units": 14, "range": 14, "default": 9}), end="")
    return 0


def _rng(lo: float, hi: float) -> str:
    import math

    if math.isnan(lo) and math.isnan(hi):
        return ""
    return f"[{'' if math.isnan(lo) else f'{lo:g}'}, {'' if math.isnan(hi) else f'{hi:g}'}]"
