"""Ensembles (moved to :mod:`cycle.ensembles.runner`; kept so old imports work)."""

from cycle.ensembles.runner import (
    DEFAULT_CHUNK,
    ENSEMBLE_VARIABLES,
    MEMORY_BUDGET,
    PERCENTILES,
    EnsembleResult,
    check_ensemble,
    percentile_table,
    resolve_variables,
    run_ensemble,
    write_ensemble,
    write_raw,
)

__all__ = ["ENSEMBLE_VARIABLES", "PERCENTILES", "DEFAULT_CHUNK", "MEMORY_BUDGET",
           "EnsembleResult", "run_ensemble", "write_ensemble", "write_raw", "percentile_table",
           "check_ensemble", "resolve_variables"]
