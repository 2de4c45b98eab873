"""What a run's plots show: the key-stock grid's panels and the loan balance drawn on its own.

Kept apart from the drawing code (no matplotlib here): ``cycle run`` picks the columns to send
to the processes that draw before it has imported matplotlib, which it never does.
"""

from __future__ import annotations

__all__ = ["KEY_PANELS", "LOAN_BALANCE", "plotted_names"]

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


def plotted_names() -> list[str]:
    """Every variable the run's plots draw, each once."""
    return list(dict.fromkeys([n for _, names in KEY_PANELS for n in names] + [LOAN_BALANCE]))
