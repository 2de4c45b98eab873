"""Batch engine generated from a Vensim model through PySD's parser.

The pipeline, one module per stage (no module imports one above it)::

    parse.py      .mdl -> PySD's abstract model
    build.py      abstract model -> ir.ModelIR: target-neutral statements whose expressions
                  are trees of tree.py (subscripts expanded into one statement per element)
    plan.py       ModelIR -> Plan: what runs at initialisation, every step, saved steps
    emit_numpy.py Plan -> NumPy module (a loop over time, arrays over runs)
    emit_numba.py Plan -> Numba kernel module (a compiled loop over members)
    emit_c.py     Plan -> the same loop in C (the same numbers to the bit)
    emit_js.py    Plan -> the same loop in JavaScript (the browser explorer)
    generate.py   runs the stages and caches the generated modules
    compiled.py   loads, compiles (Numba's cache) and runs a compiled loop over threads
    native.py     builds the C loop with the system's C compiler (cached) and loads it
    runner.py     BatchEngine / BatchResult / build_engine

Examples
--------
>>> eng = build_engine(Path("models/northeast.mdl"))
>>> res = eng.run({"Knowledge Life": np.linspace(5, 8, 100)})
>>> res.values["Knowledge Stock"].shape   # (runs, saved times)
(100, 117)
"""

from __future__ import annotations

from cycle.engine.runner import (
    BACKENDS,
    KERNEL_MIN_RUNS,
    BatchEngine,
    BatchResult,
    PreparedRun,
    UnknownVariableError,
    build_engine,
)
from cycle.engine.tree import UnsupportedConstruct

__all__ = [
    "BACKENDS",
    "KERNEL_MIN_RUNS",
    "BatchEngine",
    "BatchResult",
    "PreparedRun",
    "UnknownVariableError",
    "UnsupportedConstruct",
    "build_engine",
]
