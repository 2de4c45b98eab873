"""Evaluators (moved to :mod:`cycle.ensembles.evaluators`; kept so old imports work)."""

from cycle.ensembles.evaluators import (
    _ENGINES,
    Chunk,
    ChunkResult,
    DaskEvaluator,
    RunTask,
    SequentialEvaluator,
    evaluator_for,
    make_chunks,
    run_chunk,
)

__all__ = ["RunTask", "Chunk", "ChunkResult", "make_chunks", "run_chunk", "SequentialEvaluator",
           "DaskEvaluator", "evaluator_for", "_ENGINES"]
