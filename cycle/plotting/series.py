"""A run's values and the observations, as NumPy arrays: what a process that draws needs,
without pandas.

``cycle run`` draws its plots in side processes that never import pandas (a quarter of a
second); it sends them the plotted columns and the observations in these forms. The plot
functions also take a run's DataFrame and the observations' table and convert them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Trajectories", "Points", "as_points"]


@dataclass(frozen=True)
class Trajectories:
    """Saved values of some variables: `time` (years, ascending) and one array per variable
    (in the model's units), each as long as `time`."""

    time: np.ndarray
    values: Mapping[str, np.ndarray]

    @classmethod
    def of(cls, data: Any, names: Iterable[str] | None = None) -> Trajectories:
        """`data` (a DataFrame indexed by time, or a ``Trajectories``) as ``Trajectories``;
        with `names`, only those of its columns (the others are left out)."""
        if isinstance(data, Trajectories):
            if names is None:
                return data
            return cls(data.time, {n: data.values[n] for n in names if n in data.values})
        columns = list(data.columns) if names is None else [n for n in names if n in data]
        return cls(np.asarray(data.index, dtype=float),
                   {n: data[n].to_numpy(dtype=float) for n in columns})

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    @property
    def columns(self) -> list[str]:
        return list(self.values)

    def until(self, final: float | None) -> Trajectories:
        """The rows up to `final` (a year; all rows for None)."""
        if final is None:
            return self
        keep = self.time <= final + 1e-9
        return Trajectories(self.time[keep], {n: v[keep] for n, v in self.values.items()})


@dataclass(frozen=True)
class Points:
    """One variable's observations: `time` (years), `value` and `sigma` (its units), and
    `period`, the period each observation reports (``"2021"``, ``"H1 2024"``)."""

    time: np.ndarray
    value: np.ndarray
    sigma: np.ndarray
    period: tuple[str, ...]


def as_points(observed: Any) -> dict[str, Points]:
    """Observations by variable: from the observations' table (columns ``variable``,
    ``time``, ``value``, ``sigma``, ``period``), from a dict already made here, or from None
    (no observations)."""
    if observed is None:
        return {}
    if isinstance(observed, Mapping):
        return dict(observed)
    out = {}
    for name in dict.fromkeys(observed["variable"]):
        rows = observed[observed["variable"] == name]
        out[name] = Points(rows["time"].to_numpy(dtype=float), rows["value"].to_numpy(dtype=float),
                           rows["sigma"].to_numpy(dtype=float),
                           tuple(str(p) for p in rows["period"]))
    return out
