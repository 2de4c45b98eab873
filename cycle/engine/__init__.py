"""Vectorised batch engine generated from a Vensim model through PySD's parser.

``build_engine(path)`` parses the ``.mdl`` file with PySD's Vensim translator,
turns its abstract model into a NumPy module (one statement per model
variable, each working on arrays of shape ``(n,)``) and returns a
:class:`BatchEngine` that runs ``n`` parameter sets in one pass, reproducing
PySD's Euler integration, saved times and function semantics.

Examples
--------
>>> eng = build_engine(Path("models/northeast.mdl"))
>>> res = eng.run({"Knowledge Life": np.linspace(5, 8, 100)})
>>> res.values["Knowledge Stock"].shape   # (runs, saved times)
(100, 117)
"""

from __future__ import annotations

import ctypes
import difflib
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cycle.engine.expr import UnsupportedConstruct
from cycle.engine.kernel import (
    background_done,
    compile_in_background,
    is_compiled,
    load_kernel,
    numba_available,
    run_kernel,
    wait_for_background,
    warm,
    write_kernel_file,
)
from cycle.engine.module import cache_dir, load_module, model_source
from cycle.errors import UnknownNameError

BACKENDS = ("auto", "numba", "numpy")
"""Loops a batch can run in (see :meth:`BatchEngine.run`)."""

KERNEL_MIN_RUNS = 64
"""Smallest batch for which ``backend="auto"`` takes the compiled loop."""

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

__all__ = [
    "BatchEngine",
    "BatchResult",
    "UnknownVariableError",
    "UnsupportedConstruct",
    "build_engine",
]

_RPREC = 1e-5  # PySD's relative precision for final and saving times (components.Time)


class UnknownVariableError(UnknownNameError):
    """A name that is not a constant (or variable) of the model."""


_MALLOC_TUNED = False


def _tune_malloc() -> None:
    """Keep freed heap memory in the process (glibc only; once per process).

    Every NumPy operation of a run allocates a fresh ``(n,)`` array.  With
    glibc's defaults the heap top is trimmed and regrown thousands of times
    per run, each regrowth page-faulting (about 20 % of the run time on a
    virtual machine).  Raising the trim threshold (and fixing the mmap
    threshold, which glibc otherwise adapts) avoids that; freed memory up to
    256 MiB stays reserved for reuse.  Set ``CYCLE_ENGINE_MALLOPT=0`` to skip.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED or os.environ.get("CYCLE_ENGINE_MALLOPT", "1") == "0":
        return
    _MALLOC_TUNED = True
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 * 2**20)
    mallopt(m_trim_threshold, 256 * 2**20)


@dataclass
class BatchResult:
    """Saved trajectories of a batch of runs.

    Attributes
    ----------
    times : numpy.ndarray
        Saved model times (the model's time unit, Year for the Northeast model),
        exactly as PySD reports them.
    values : dict of str to numpy.ndarray
        Vensim name -> array of shape ``(n, len(times))`` in the variable's
        own units.  Constants and time-invariant variables are read-only
        broadcast views.
    """

    times: np.ndarray
    values: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        """Number of runs."""
        first = next(iter(self.values.values()), None)
        return 0 if first is None else first.shape[0]

    def to_dataframe(self, run: int = 0) -> pd.DataFrame:
        """One run as a DataFrame indexed by time (index name ``"time"``).

        Parameters
        ----------
        run : int
            Index of the run, ``0 <= run < n``.

        Returns
        -------
        pandas.DataFrame
            Columns are Vensim names; the index is the saved time (model time unit).
        """
        import pandas as pd

        names = list(self.values)
        data = np.empty((len(self.times), len(names)))
        for j, name in enumerate(names):
            data[:, j] = self.values[name][run]
        return pd.DataFrame(data, index=pd.Index(self.times, name="time"), columns=names)

    def to_xarray(self) -> xr.Dataset:
        """All runs as an ``xarray.Dataset`` with dimensions ``(run, time)``."""
        import xarray as xr

        return xr.Dataset(
            {name: (("run", "time"), np.asarray(value)) for name, value in self.values.items()},
            coords={"run": np.arange(self.n), "time": self.times},
        )


def _normal(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name.strip()).lower()


def _schedule(initial: float, final: float, dt: float, saveper: float
              ) -> tuple[list[float], list[bool], np.ndarray]:
    """Euler times and saved times exactly as ``pysd.py_backend.components.Time``.

    Returns
    -------
    (times, saves, saved_times)
        Every model time (model time unit) at which the loop evaluates the model,
        whether each is saved, and the saved times rounded as PySD does.
    """
    prec = dt * _RPREC

    def in_return(t: float) -> bool:
        delay = t - initial
        return delay % saveper < prec or -delay % saveper < prec

    times: list[float] = []
    t = initial
    while t + dt * _RPREC < final:
        times.append(t)
        t = t + dt
    times.append(t)
    saves = [in_return(t) for t in times]
    decimals = -int(np.log10(dt * _RPREC))
    saved = np.array([np.round(t, decimals) for t, s in zip(times, saves, strict=True) if s],
                     dtype=float)
    return times, saves, saved


class BatchEngine:
    """Runs a generated model for many parameter sets at once.

    Use :func:`build_engine` to create one.

    Attributes
    ----------
    constants : dict of str to float
        Every constant of the model with its default value.
    stocks : list of str
        Vensim names of the stocks (INTEG).
    variables : list of str
        Vensim names of all non-constant model variables (stocks included).
    units : dict of str to str
        Units of every constant and variable.
    limits : dict of str to tuple
        ``(min, max)`` declared in the ``.mdl`` units field (None if open).
    source : str
        The generated Python module.
    source_path : Path or None
        Where the generated module is cached.
    sha256 : str
        sha256 of the ``.mdl`` file.
    """

    def __init__(self, source: str, *, mdl_path: Path, sha256: str,
                 source_path: Path | None = None) -> None:
        self.mdl_path = Path(mdl_path)
        self.sha256 = sha256
        self.source = source
        self.source_path = source_path
        namespace = load_module(source, str(source_path or f"<cycle.engine {mdl_path}>"))
        meta = namespace["MODEL"]
        self._simulate = namespace["simulate"]
        self._control = namespace["control"]
        self._prepare = namespace.get("prepare")
        self._kernel_source = namespace.get("KERNEL_SOURCE")
        self._kernel = None
        self._static_names = list(meta["static"])
        self._static_idents = [meta["idents"][name] for name in meta["static"]]
        self._idents: dict[str, str] = meta["idents"]
        self.constants: dict[str, float] = dict(meta["constants"])
        self.stocks: list[str] = list(meta["stocks"])
        self.variables: list[str] = list(meta["variables"])
        self.units: dict[str, str] = dict(meta["units"])
        self.limits: dict[str, tuple[float | None, float | None]] = dict(meta["limits"])
        self._control_names: dict[str, str] = meta["control"]
        self._structural: dict[str, float] = meta["structural"]
        self._dynamic = {name: i for i, name in enumerate(meta["dynamic"])}
        self._save_index = {ident: k for k, ident in enumerate(meta["save_only"])}
        self._save_deps: list[list[int]] = meta["save_deps"]
        names = list(self.constants) + self.variables
        self._lookup = {_normal(name): name for name in names}
        self._control_lookup = {_normal(v): k for k, v in self._control_names.items()}

    def __repr__(self) -> str:
        return (f"BatchEngine({self.mdl_path.name!r}: {len(self.constants)} constants, "
                f"{len(self.stocks)} stocks, {len(self.variables)} variables)")

    # -- names ------------------------------------------------------------
    def _canonical(self, name: str, *, constants_only: bool) -> str:
        canonical = self._lookup.get(_normal(str(name)))
        if canonical is not None and (canonical in self.constants or not constants_only):
            return canonical
        key = _normal(str(name))
        if key in self._control_lookup and not constants_only:
            return self._control_names[self._control_lookup[key]]
        if key in self._control_lookup:
            control = self._control_lookup[key]
            hint = ("it cannot be changed" if control == "initial_time"
                    else f"pass {control}= to run()")
            raise UnknownVariableError(f"'{name}' is a time setting, not a parameter; {hint}")
        if canonical is not None:
            raise UnknownVariableError(
                f"'{name}' is computed by the model, not a constant; only constants can be set")
        pool = list(self.constants) if constants_only else list(self._lookup.values())
        close = difflib.get_close_matches(str(name), pool, n=3, cutoff=0.6)
        if not close:
            lowered = {p.lower(): p for p in pool}
            close = [lowered[c] for c in difflib.get_close_matches(
                str(name).lower(), list(lowered), n=3, cutoff=0.5)]
        kind = "constant" if constants_only else "variable"
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownVariableError(f"unknown {kind} '{name}' in {self.mdl_path.name}{hint}")

    def _parameters(self, params: Mapping[str, float | np.ndarray], n: int | None
                    ) -> tuple[dict[str, object], int]:
        values: dict[str, np.ndarray] = {}
        for key, value in params.items():
            name = self._canonical(key, constants_only=True)
            array = np.asarray(value, dtype=float)
            if array.ndim > 1:
                raise ValueError(f"parameter '{name}' must be a scalar or a 1-D array of runs")
            values[name] = array
        lengths = {a.shape[0] for a in values.values() if a.ndim == 1}
        if n is None:
            n = lengths.pop() if len(lengths) == 1 else (1 if not lengths else None)
            if n is None:
                raise ValueError("parameter arrays have different lengths")
        if n < 1 or any(length != n for length in lengths):
            raise ValueError(f"parameter arrays must all have shape ({n},)")
        for name, required in self._structural.items():
            if name in values and np.any(values[name] != required):
                raise ValueError(f"'{name}' sets a delay/smooth order; it must stay {required:g}")
        consts: dict[str, object] = {}
        for name, default in self.constants.items():
            array = values.get(name)
            value = np.float64(default) if array is None else (
                np.float64(array) if array.ndim == 0 else array)
            consts[self._idents[name]] = value
        return consts, n

    # -- running ----------------------------------------------------------
    def run(self, params: Mapping[str, float | np.ndarray] | None = None, *,
            n: int | None = None, final_time: float | None = None,
            saveper: float | None = None, time_step: float | None = None,
            return_columns: Sequence[str] | None = None, backend: str = "auto") -> BatchResult:
        """Simulate ``n`` parameter sets in one vectorised pass.

        Parameters
        ----------
        params : mapping, optional
            Vensim name of a constant -> value in its units: a scalar (same
            for every run) or an array of shape ``(n,)``.
        n : int, optional
            Number of runs; inferred from the array parameters (1 if none).
        final_time, saveper, time_step : float, optional
            Override FINAL TIME, SAVEPER and TIME STEP (model time unit), as the
            keywords of ``pysd.Model.run``.
        backend : {"auto", "numba", "numpy"}
            The loop that runs: the compiled per-member loop (Numba), the NumPy loop over
            arrays, or ``"auto"``: the compiled loop for batches of at least
            ``KERNEL_MIN_RUNS`` runs when Numba is installed and the model allows it.
        return_columns : sequence of str, optional
            Vensim names to return (default: every variable and constant;
            the time settings, e.g. ``"FINAL TIME"``, may be requested too).

        Returns
        -------
        BatchResult

        Raises
        ------
        UnknownVariableError
            For names that are not constants (params) or not model
            variables (return_columns).
        """
        consts, n = self._parameters(params or {}, n)
        if n >= 1024:
            _tune_malloc()
        overrides = {key: value for key, value in (
            ("final_time", final_time), ("saveper", saveper), ("time_step", time_step))
            if value is not None}
        ctl = self._control(consts, overrides)
        if not ctl["time_step"] > 0 or not ctl["saveper"] > 0:
            raise ValueError("TIME STEP and SAVEPER must be positive")
        times, saves, saved = _schedule(ctl["initial_time"], ctl["final_time"],
                                        ctl["time_step"], ctl["saveper"])

        if return_columns is None:
            columns = self.variables + list(self.constants)
        else:
            columns = [self._canonical(c, constants_only=False) for c in return_columns]
        dynamic = [c for c in dict.fromkeys(columns) if c in self._dynamic]
        sel = [(j, self._dynamic[name]) for j, name in enumerate(dynamic)]
        need = [False] * len(self._save_index)
        todo = [self._save_index[self._idents[name]] for name in dynamic
                if self._idents[name] in self._save_index]
        while todo:
            k = todo.pop()
            if not need[k]:
                need[k] = True
                todo.extend(self._save_deps[k])

        out = np.empty((len(dynamic), len(saved), n))
        statics = self._execute(consts, ctl, times, saves, need, sel, out, backend)

        values: dict[str, np.ndarray] = {}
        shape = (n, len(saved))
        for name in columns:
            if name in self._dynamic:
                values[name] = out[dynamic.index(name)].T
            else:
                if name in self.constants:
                    value = consts[self._idents[name]]
                elif _normal(name) in self._control_lookup:
                    value = ctl[self._control_lookup[_normal(name)]]
                else:
                    value = statics[name]
                value = np.asarray(value, dtype=float)
                values[name] = np.broadcast_to(value[:, None] if value.ndim else value, shape)
        return BatchResult(times=saved, values=values)

    @property
    def has_kernel(self) -> bool:
        """Whether the compiled per-member loop (Numba) can run this model."""
        return bool(self._kernel_source) and self._prepare is not None and numba_available()

    def _kernel_path(self) -> Path:
        stem = (self.source_path.stem if self.source_path is not None
                else f"{self.mdl_path.stem}-{self.sha256[:16]}")
        folder = self.source_path.parent if self.source_path is not None else cache_dir()
        return folder / f"{stem}-kernel.py"

    def _kernel_module(self):
        if self._kernel is None:
            self._kernel = load_kernel(self._kernel_source, self._kernel_path())
        return self._kernel

    def compile(self) -> bool:
        """Compile the per-member loop now (blocking; a few seconds the first time, then from
        Numba's cache). Returns False if the model has no compiled loop."""
        if not self.has_kernel:
            return False
        path = self._kernel_path()
        wait_for_background(path)
        write_kernel_file(self._kernel_source, path)
        warm(path)
        self._kernel_module()
        return True

    def _kernel_ready(self) -> bool:
        """Compiled already (in this process or in the cache); if not, start compiling it in
        another process, so this call can take the NumPy loop instead of waiting ~4 s."""
        if self._kernel is not None:
            return True
        path = self._kernel_path()
        if path.is_file() and is_compiled(path) and background_done(path):
            return True
        if not path.is_file() or path.read_text(encoding="utf-8") != self._kernel_source:
            write_kernel_file(self._kernel_source, path)
        compile_in_background(path)
        return False

    def _execute(self, consts: dict[str, object], ctl: dict[str, float], times: list[float],
                 saves: list[bool], need: list[bool], sel: list[tuple[int, int]],
                 out: np.ndarray, backend: str = "auto") -> dict[str, object]:
        if backend not in BACKENDS:
            raise ValueError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
        use_kernel = backend == "numba" or (backend == "auto" and out.shape[2] >= KERNEL_MIN_RUNS
                                             and self.has_kernel and self._kernel_ready())
        if backend == "numba" and not self.has_kernel:
            raise UnsupportedConstruct("the compiled loop: Numba is not installed or the model "
                                       "needs a construct it lacks; use backend='numpy'")
        # Division by zero, overflow and NaN follow IEEE rules as in PySD's NumPy calls;
        # IF THEN ELSE / ZIDZ evaluate both branches, so warnings would be spurious.
        with np.errstate(all="ignore"):
            if use_kernel and self.has_kernel:
                env = run_kernel(self._kernel_module(), self._prepare, consts, ctl, times, saves,
                                 need, sel, out)
                return {name: env[ident] for name, ident in
                        zip(self._static_names, self._static_idents, strict=True)}
            return self._simulate(consts, ctl, times, saves, need, sel, out)


def build_engine(mdl_path: Path | str, *, cache_dir: Path | str | None = None,
                 use_cache: bool = True) -> BatchEngine:
    """Build (or load from the cache) the batch engine of a Vensim model.

    Parameters
    ----------
    mdl_path : Path or str
        The Vensim ``.mdl`` file.
    cache_dir : Path or str, optional
        Where generated modules are cached (default ``$CYCLE_CACHE_DIR/engine``
        or ``~/.cache/cycle/engine``).
    use_cache : bool
        Read and write the cache (default True).

    Returns
    -------
    BatchEngine

    Raises
    ------
    UnsupportedConstruct
        If the model uses a construct the engine does not implement.
    """
    path = Path(mdl_path)
    source, sha256, cached = model_source(
        path, cache=Path(cache_dir) if cache_dir is not None else None, use_cache=use_cache)
    return BatchEngine(source, mdl_path=path, sha256=sha256, source_path=cached)
