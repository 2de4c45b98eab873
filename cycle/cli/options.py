"""Options shared by several subcommands, defined once.

=============  ===================================  ==========================
option         meaning                              used by
=============  ===================================  ==========================
--model        model name or .mdl path              run, vars
--until YEAR   final year of the run (<= 2060)      run
--set N=V      override a constant (repeatable)     run
--out DIR      output folder                        run
=============  ===================================  ==========================
"""

from __future__ import annotations

import argparse
import math

__all__ = ["parse_assignment", "add_model", "add_until", "add_set", "add_out"]


def parse_assignment(text: str) -> tuple[str, float]:
    """Parse ``NAME=VALUE`` (VALUE a finite number), for ``--set``."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"--set expects NAME=VALUE, got {text!r}")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--set {name.strip()}: {value.strip()!r} is not a number") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"--set {name.strip()}: {value!r} is not finite")
    return name.strip(), number


def _year(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--until expects a year, got {text!r}") from None


def add_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default="northeast", help="model name or .mdl path (default: northeast)")


def add_until(p: argparse.ArgumentParser) -> None:
    p.add_argument("--until", type=_year, metavar="YEAR", help="final year (default 2050, at most 2060)")


def add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="sets", type=parse_assignment, action="append", default=[],
                   metavar="NAME=VALUE", help="override a constant by its model name (repeatable)")


def add_out(p: argparse.ArgumentParser, default: str = "out") -> None:
    p.add_argument("--out", default=default, metavar="DIR", help=f"output folder (default: {default})")
