"""Shared helpers of the referee tests: runs of the shipped model on the batch engine's NumPy loop.

Each helper runs many members at once (one per parameter set) and returns the engine's
``BatchResult`` (``values[name]`` has shape ``(members, saved times)``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from cycle.engine import build_engine
from cycle.model import model_path

NON_PARAMETERS = {"INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER"}


@lru_cache(maxsize=1)
def engine():
    return build_engine(model_path("northeast"))


def run_members(members: list[dict[str, float]], *, final_time: float = 2050.0,
                columns: list[str] | None = None, saveper: float | None = None):
    """Run one member per dict of constant overrides (defaults elsewhere), NumPy loop."""
    names = sorted({k for m in members for k in m})
    eng = engine()
    params = {k: np.array([m.get(k, eng.constants[k]) for m in members], dtype=float) for k in names}
    kw = {} if saveper is None else {"saveper": saveper}
    with np.errstate(all="ignore"):
        return eng.run(params, n=len(members), final_time=final_time, backend="numpy",
                       return_columns=columns, **kw)


def at(result, name: str, year: float) -> np.ndarray:
    """Value of `name` at `year` for every member (linear between saved times)."""
    return np.array([np.interp(year, result.times, row) for row in result.values[name]])
