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


def flow_terms(path=None) -> dict[str, list[tuple[int, str]]]:
    """For every INTEG stock of the model, its flows with sign (+1 inflow, -1 outflow), read from
    PySD's parse of the .mdl (each flow term must be a plain variable name)."""
    from pysd.translators.structures.abstract_expressions import (
        ArithmeticStructure,
        IntegStructure,
        ReferenceStructure,
    )
    from pysd.translators.vensim.vensim_file import VensimFile

    vf = VensimFile(str(path or model_path("northeast")))
    vf.parse()
    elements = [el for section in vf.get_abstract_model().sections for el in section.elements]
    by_id = {}
    for el in elements:
        by_id[el.name.lower().replace(" ", "_")] = el.name
    out = {}
    for el in elements:
        ast = el.components[0].ast
        if not isinstance(ast, IntegStructure):
            continue
        flow = ast.flow
        if isinstance(flow, ReferenceStructure):
            out[el.name] = [(1, by_id[flow.reference])]
            continue
        assert isinstance(flow, ArithmeticStructure), f"{el.name}: flow is not a sum"
        signs = [1] + [{"+": 1, "-": -1}[op] for op in flow.operators]
        terms = []
        for sign, arg in zip(signs, flow.arguments, strict=True):
            assert isinstance(arg, ReferenceStructure), f"{el.name}: flow term is not a name"
            terms.append((sign, by_id[arg.reference]))
        out[el.name] = terms
    return out
