"""``cycle vars``: list the model's variables with units, range, default, source and documentation."""

from __future__ import annotations

import argparse

import pandas as pd

from cycle.cli import options

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("vars", help="list the model's variables", description=__doc__)
    options.add_model(p)
    p.add_argument("--kind", choices=["constant", "stock", "auxiliary"], help="only this kind")
    p.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.model import load_model

    table = load_model(args.model).table()
    if args.kind:
        table = table[table["kind"] == args.kind]
    if args.csv:
        print(table.to_csv(index=False), end="")
        return 0
    table = table.assign(range=[_rng(a, b) for a, b in zip(table["min"], table["max"], strict=True)])
    cols = ["name", "kind", "units", "range", "default", "doc"]
    with pd.option_context("display.max_rows", None, "display.max_colwidth", 90,
                           "display.width", 250):
        print(table[cols].to_string(index=False, na_rep=""))
    return 0


def _rng(lo: float, hi: float) -> str:
    if pd.isna(lo) and pd.isna(hi):
        return ""
    return f"[{'' if pd.isna(lo) else f'{lo:g}'}, {'' if pd.isna(hi) else f'{hi:g}'}]"
