"""``cycle levers``: print the catalogue of policy levers (defaults and ranges read from the model)."""

from __future__ import annotations

import argparse

from cycle.cli import options
from cycle.cli.table import add_format, render

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("levers", help="list the policy levers a scenario can set",
                       description=__doc__)
    options.add_model(p)
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.levers import lever_table
    from cycle.model import load_model

    table = lever_table(load_model(args.model))
    if args.fmt != "table":
        print(render(table, args.fmt), end="")
        return 0
    cols = ["lever", "setting", "model constant", "unit", "default", "range"]
    shown = table[cols].copy()
    shown["doc"] = [f"{d} Time profile: {p}." for d, p in zip(table["doc"], table["time profile"],
                                                               strict=True)]
    print(render(shown, "table", max_widths={"lever": 17, "setting": 22,
                                             "model constant": 34, "unit": 12, "range": 14}),
          end="")
    return 0
