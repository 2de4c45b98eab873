"""Units of every CSV column: a ``units.csv`` sidecar in each output folder.

Rows: ``file, column, units, description``, one per numeric column (wide tables) or per
variable (tidy tables with a ``variable`` column). Units are the model's, as the ``.mdl``
writes them (``BnYuan``, ``BnYuan/Year``, ``Dmnl``, ...); time is in calendar years.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_units", "TIME_UNITS"]

TIME_UNITS = ("Year", "calendar year (2022.0 = end of 2021)")


def write_units(folder: str | Path, rows: Iterable[tuple[str, str, str, str]]) -> Path:
    """Write ``units.csv`` in `folder` from ``(file, column, units, description)`` rows."""
    import pandas as pd

    from cycle.io.files import write_csv

    df = pd.DataFrame(list(rows), columns=["file", "column", "units", "description"])
    return write_csv(Path(folder) / "units.csv", df, index=False)


def model_rows(file: str, names: Iterable[str], model, *, time: bool = True
               ) -> list[tuple[str, str, str, str]]:
    """Rows for `names` (model variables) of `file`, with the model's units and doc strings."""
    rows = [(file, "time", *TIME_UNITS)] if time else []
    for n in names:
        v = model.variables.get(n)
        rows.append((file, n, v.units if v else "", (v.doc.splitlines()[0] if v and v.doc else "")))
    return rows
