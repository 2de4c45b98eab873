"""``cycle levers``: print the catalogue of policy levers (defaults and ranges read from the model)."""

from __future__ import annotations

import argparse

from cycle.cli import options

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("levers", help="list the policy levers a scenario can set",
                       description=__doc__)
    options.add_model(p)
    p.add_argument("--csv", action="store_true", help="print CSV instead of a text table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.levers import lever_table
    from cycle.model import load_model

    table = lever_table(load_model(args.model))
    if args.csv:
        print(table.to_csv(index=False), end="")
        return 0
    table["default"] = table["default"].map(lambda x: f"{x:g}")
    cols = list(table.columns)
    widths = {c: max(len(c), *(len(str(v)) for v in table[c])) for c in cols[:-1]}
    print("  ".join(c.ljust(widths[c]) for c in cols[:-1]) + "  doc")
    for row in table.itertuples(index=False):
        cells = [str(v).ljust(widths[c]) for c, v in zip(cols[:-1], row[:-1], strict=True)]
        print("  ".join(cells) + "  " + row[-1])
    return 0
