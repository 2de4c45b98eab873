"""Vensim names (used at every edge: CLI, TOML, plots) and Python identifiers (inside).

Examples
--------
>>> identifier("Tech Loan Balance")
'tech_loan_balance'
>>> identifier("R and D Spending")
'r_and_d_spending'
>>> resolve("tech loan balance", ["Tech Loan Balance", "Patient Capital"])
'Tech Loan Balance'
>>> resolve("tech_loan_balance", ["Tech Loan Balance"])
'Tech Loan Balance'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from cycle.errors import UnknownNameError

__all__ = ["identifier", "resolve", "closest"]


def identifier(name: str) -> str:
    """Map a Vensim name to a lower-case identifier: runs of non-alphanumerics become ``_``."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", name.strip()).strip("_").lower()


def closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates most like `name` (case- and separator-insensitive)."""
    cands = list(candidates)
    by_id = {identifier(c): c for c in cands}
    hits = difflib.get_close_matches(identifier(name), list(by_id), n=n, cutoff=0.5)
    return [by_id[h] for h in hits]


def resolve(name: str, candidates: Iterable[str], *, what: str = "variable") -> str:
    """Return the candidate `name` refers to, matching Vensim name or identifier.

    Raises
    ------
    UnknownNameError
        With the closest valid names when nothing matches.
    """
    cands = list(candidates)
    if name in cands:
        return name
    by_id = {identifier(c): c for c in cands}
    key = identifier(name)
    if key in by_id:
        return by_id[key]
    near = closest(name, cands)
    hint = f"; did you mean {', '.join(repr(h) for h in near)}?" if near else ""
    raise UnknownNameError(f"unknown {what} {name!r}{hint}")
