"""What a run's plots show: the key-stock grid's panels and the loan balance drawn on its own.

Kept apart from the drawing code (no matplotlib here): ``cycle run`` picks the columns to send
to the processes that draw before it has imported matplotlib, which it never does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["KEY_PANELS", "LOAN_BALANCE", "MAX_STOCK_PANELS", "key_panels", "first_stocks",
           "plotted_names"]

KEY_PANELS: list[tuple[str, list[str]]] = [
    ("Tech loan balance", ["Tech Loan Balance"]),
    ("Patient capital", ["Patient Capital", "Public Patient Capital"]),
    ("Sci-tech bonds", ["Sci Tech Bonds", "Risk Shared Bonds"]),
    ("Risk-sharing capital and re-loans", ["Risk Sharing Capital", "Reloan Balance"]),
    ("Technology", ["Knowledge Stock"]),
    ("Industrial capacity", ["Industrial Capacity"]),
    ("Firms by stage", ["Startup Firms", "Growth Firms", "Mature Firms", "Listed Firms"]),
    ("Cumulative default losses by bearer", [
        "Cumulative Bank Losses", "Cumulative Guarantor Losses", "Cumulative Central Bank Losses",
        "Cumulative Local Government Losses", "Cumulative Credit Enhancer Losses",
        "Cumulative Bond Investor Losses"]),
    ("NPL ratio and early-stage finance", ["NPL Ratio", "Early Stage Finance Adequacy"]),
]
"""Panels of the key-stock grid: (title, variables)."""

LOAN_BALANCE = "Tech Loan Balance"
"""The variable of the two loan plots (the calibration target, against its observations)."""


MAX_STOCK_PANELS = 12
"""Panels of the grid of another model's stocks (four rows; ``trajectories.csv`` has all)."""


def key_panels(kinds: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """The key-stock grid's panels for a model whose variables have these kinds (name ->
    ``"stock"``, ``"constant"``, ``"auxiliary"``): :data:`KEY_PANELS` if the model has any
    of their variables (the Northeast model and its versions); for another model, a panel
    for each of its first :data:`MAX_STOCK_PANELS` stocks, in the model's order; none for a
    model without stocks."""
    if any(n in kinds for _, names in KEY_PANELS for n in names):
        return KEY_PANELS
    return [(n, [n]) for n in first_stocks(kinds)]


def first_stocks(kinds: Mapping[str, str]) -> list[str]:
    """The first :data:`MAX_STOCK_PANELS` stocks of a model whose variables have these
    kinds, in the model's order: what plots of chosen Northeast variables show instead for
    a model without them."""
    return [n for n, kind in kinds.items() if kind == "stock"][:MAX_STOCK_PANELS]


def plotted_names(panels: Sequence[tuple[str, list[str]]] = KEY_PANELS) -> list[str]:
    """Every variable the run's plots draw (the grid's `panels` and the loan balance), each
    once."""
    return list(dict.fromkeys([n for _, names in panels for n in names] + [LOAN_BALANCE]))
