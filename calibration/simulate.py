"""Run many parameter sets at once: the batch engine when it is there, PySD otherwise.

A :class:`Simulator` takes a matrix of parameter sets (one row per run) and returns
trajectories as arrays ``(n, T)`` on a fixed time grid, whichever backend runs them:

- ``"engine"``: :func:`cycle.engine.build_engine`, one call of its compiled loop for all rows;
- ``"pysd"``: one PySD model object reused for every row (about 0.07 s a run).

Both give the same numbers to about 1e-9 (the engine is checked against PySD).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

import numpy as np

from cycle.engine.native import NativeBuildError
from cycle.engine.tree import UnsupportedConstruct
from cycle.errors import CycleError

__all__ = ["Simulator", "BACKENDS"]

BACKENDS = ("auto", "engine", "pysd")


def _engine_available() -> bool:
    try:
        from cycle.engine import build_engine  # noqa: F401
    except ImportError:
        return False
    return True


class Simulator:
    """Batch runs of one model for a fixed set of free parameters and output variables.

    Parameters
    ----------
    model : :class:`cycle.model.Model`
        The loaded model (names, defaults and the PySD translation).
    names : sequence of str
        Vensim names of the parameters given as columns of every ``params`` matrix.
    outputs : sequence of str
        Vensim names of the variables to return.
    final_time : float
        Last year simulated (calendar years).
    fixed : dict, optional
        Other constants to override in every run (Vensim name -> value, model units).
    backend : ``"auto"`` (engine if importable, else PySD), ``"engine"`` or ``"pysd"``.

    Attributes
    ----------
    times : numpy.ndarray, shape (T,)
        Saved times (calendar years), known after the first run.
    nruns : int
        Number of model runs made so far (each row of a batch counts once).
    """

    def __init__(self, model, names: Sequence[str], outputs: Sequence[str], *, final_time: float,
                 fixed: dict[str, float] | None = None, backend: str = "auto") -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
        if backend == "auto":
            backend = "engine" if _engine_available() else "pysd"
        self.model = model
        self.names = list(names)
        self.outputs = list(outputs)
        self.final_time = float(final_time)
        self.fixed = dict(fixed or {})
        self.backend = backend
        self.times: np.ndarray | None = None
        self.nruns = 0
        self._engine = None
        self._pysd = None
        self.loop: str | None = None
        """The engine's loop, set at the first run: a compiled one (``"c"``, or ``"numba"``
        where there is no C compiler: the same numbers to the bit), or ``"numpy"`` for a
        model they refuse."""

    def run(self, params: np.ndarray) -> dict[str, np.ndarray]:
        """Run every row of `params` (shape ``(n, k)``, columns in :attr:`names` order).

        Returns
        -------
        dict
            Output name -> array of shape ``(n, T)`` on :attr:`times`, model units.
        """
        params = np.atleast_2d(np.asarray(params, dtype=float))
        if params.shape[1] != len(self.names):
            raise ValueError(f"params has {params.shape[1]} columns, expected {len(self.names)} "
                             f"({', '.join(self.names)})")
        out = self._run_engine(params) if self.backend == "engine" else self._run_pysd(params)
        self.nruns += params.shape[0]
        return out

    def _run_engine(self, params: np.ndarray) -> dict[str, np.ndarray]:
        if self._engine is None:
            from cycle.engine import build_engine

            self._engine = build_engine(self.model.path)
        n = params.shape[0]
        values: dict[str, float | np.ndarray] = dict(self.fixed)
        values.update({name: params[:, j].copy() for j, name in enumerate(self.names)})
        # always the same loop for a model, whatever the batch size and whether the kernel is
        # cached yet, so a fit and a chain reproduce bit for bit: the compiled loop (a sampler's
        # batches of 16-40 runs cost ~0.1 ms a run there, ~2 ms in the NumPy loop), or the
        # NumPy loop for a model the compiled loop refuses
        if self.loop is None:  # C where it builds; Numba gives the same bits
            try:
                self.loop = "c" if self._engine.compile("c") else "numba"
            except (NativeBuildError, OSError):  # e.g. a read-only cache
                self.loop = "numba"
        with np.errstate(all="ignore"):
            try:
                res = self._engine.run(values, n=n, final_time=self.final_time,
                                       return_columns=self.outputs, backend=self.loop)
            except UnsupportedConstruct as exc:
                if self.loop == "numpy":
                    raise
                print(f"calibration: the compiled loop refuses this model ({exc}); "
                      "using the NumPy loop", file=sys.stderr)
                self.loop = "numpy"
                res = self._engine.run(values, n=n, final_time=self.final_time,
                                       return_columns=self.outputs, backend=self.loop)
        self.times = np.asarray(res.times, dtype=float)
        return {v: np.broadcast_to(np.asarray(res.values[v], dtype=float),
                                   (n, len(self.times))).copy() for v in self.outputs}

    def _run_pysd(self, params: np.ndarray) -> dict[str, np.ndarray]:
        if self._pysd is None:
            import pysd

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._pysd = pysd.load(str(self.model.py_path))
        rows: dict[str, list[np.ndarray]] = {v: [] for v in self.outputs}
        for row in params:
            values = dict(self.fixed)
            values.update(zip(self.names, (float(v) for v in row), strict=True))
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    df = self._pysd.run(params=values, final_time=self.final_time,
                                        return_columns=self.outputs, initial_condition="original")
                except Exception as exc:  # pragma: no cover - PySD failure on extreme values
                    raise CycleError(f"PySD run failed for {values}: {exc}") from exc
            self.times = df.index.to_numpy(dtype=float)
            for v in self.outputs:
                rows[v].append(df[v].to_numpy(dtype=float))
        return {v: np.vstack(rows[v]) for v in self.outputs}

    def at(self, params: np.ndarray, variables: Sequence[str], times: Sequence[float]) -> np.ndarray:
        """Simulated values of ``variables[i]`` at ``times[i]`` for every row of `params`.

        Values between saved times are interpolated linearly.

        Returns
        -------
        numpy.ndarray, shape (n, len(variables))
        """
        traj = self.run(params)
        out = np.empty((np.atleast_2d(params).shape[0], len(variables)))
        for i, (var, t) in enumerate(zip(variables, times, strict=True)):
            out[:, i] = _interp_rows(self.times, traj[var], float(t))
        return out


def _interp_rows(times: np.ndarray, values: np.ndarray, t: float) -> np.ndarray:
    """Linear interpolation of every row of `values` (shape (n, T)) at time `t`."""
    j = int(np.searchsorted(times, t))
    if j < len(times) and np.isclose(times[j], t):
        return values[:, j]
    if j == 0 or j >= len(times):
        raise CycleError(f"time {t:g} is outside the simulated span {times[0]:g}-{times[-1]:g}")
    w = (t - times[j - 1]) / (times[j] - times[j - 1])
    return (1 - w) * values[:, j - 1] + w * values[:, j]
