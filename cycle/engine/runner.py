"""The runner: parameters in, trajectories out, through the NumPy loop or a compiled one
(the C loop, built with the system's C compiler; the Numba loop where there is none).

``build_engine(path)`` runs the pipeline (or loads its result from the cache) and returns a
:class:`BatchEngine` that runs ``n`` parameter sets in one call, reproducing PySD's Euler
integration, saved times, names and function semantics.
"""

from __future__ import annotations

import ctypes
import difflib
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cycle.engine.compiled import (
    default_threads,
    is_compiled,
    load_kernel,
    numba_available,
    run_kernel,
    warm,
    write_kernel_file,
)
from cycle.engine.generate import cache_dir, load_module, model_source
from cycle.engine.native import NativeBuildError, compiler, library_path
from cycle.engine.tree import TIME_STEP, UnsupportedConstruct
from cycle.errors import UnknownNameError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

__all__ = ["BACKENDS", "KERNEL_MIN_RUNS", "BatchEngine", "BatchResult", "PreparedRun",
           "UnknownVariableError", "build_engine"]

log = logging.getLogger("cycle.engine")

BACKENDS = ("auto", "c", "numba", "numpy")
"""Loops a batch can run in (see :meth:`BatchEngine.run`)."""

KERNEL_MIN_RUNS = 64
"""Smallest batch ``backend="auto"`` runs in the Numba loop when there is no C loop
(:meth:`BatchEngine.loop_for`).

Chosen by size alone, never by what is compiled or cached, so the same inputs give the same
numbers on a first and a later run.  Measured by ``bench/bench_cli.py --loops`` on the
Northeast model: one member in the NumPy loop costs 29 ms, while the Numba loop's first run
in a fresh process costs 367 ms (importing Numba and loading the cached kernel) and later
runs 160 us.  The C loop has no such start-up cost (a millisecond to load), so with a C
compiler every batch, one member included, takes it."""

NATIVE_AUTO_LIMIT = 2500
"""Statements above which ``backend="auto"`` does not build the C loop (``backend="c"``
builds it anyway).  gcc -O2 took 1 s on the Northeast model (580 statements) and 17 s on a
subscripted model of 6,001 for the one-member loop; the loop over two-member lanes beside it
doubles that (1.9 s on the Northeast model).  The NumPy loop over arrays is the better loop
for models that large."""

_CHANGED = "__changed__"  # key of the list of set constants in the constants mapping
_BLOCK = "__block__"  # key of (key plan, values as one array) in the constants mapping
_RPREC = 1e-5  # PySD's relative precision for final and saving times (components.Time)


class UnknownVariableError(UnknownNameError):
    """A name that is not a constant (or variable) of the model."""


_MALLOC_TUNED = False


def _tune_malloc() -> None:
    """Keep freed heap memory in the process (glibc only; once per process).

    Every NumPy operation of a run allocates a fresh ``(n,)`` array; with glibc's defaults
    the heap top is trimmed and regrown thousands of times per run (about 20 % of the run
    time on a virtual machine).  Set ``CYCLE_ENGINE_MALLOPT=0`` to skip.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED or os.environ.get("CYCLE_ENGINE_MALLOPT", "1") == "0":
        return
    _MALLOC_TUNED = True
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
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
        Saved model times (the model's time unit), exactly as PySD reports them.
    values : dict of str to numpy.ndarray
        Column name as PySD names it (``"Stock"``, or ``"Stock[A1,B2]"`` for each element of
        a subscripted variable) -> array ``(n, len(times))`` in the variable's units.
        Constants and time-invariant variables are read-only broadcast views.
    dims : dict
        Subscripted variable -> ``(dimensions, {dimension: elements})`` (for
        :meth:`to_xarray` and :meth:`array`).
    """

    times: np.ndarray
    values: dict[str, np.ndarray]
    dims: dict[str, tuple[list[str], dict[str, list[str]]]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of runs."""
        first = next(iter(self.values.values()), None)
        return 0 if first is None else first.shape[0]

    def to_dataframe(self, run: int = 0) -> pd.DataFrame:
        """One run as a DataFrame indexed by time (index name ``"time"``), columns as PySD's."""
        import pandas as pd

        names = list(self.values)
        data = np.empty((len(self.times), len(names)))
        for j, name in enumerate(names):
            data[:, j] = self.values[name][run]
        return pd.DataFrame(data, index=pd.Index(self.times, name="time"), columns=names)

    def _groups(self) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        groups: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for column in self.values:
            base, _, rest = column.partition("[")
            if rest and base in self.dims:
                groups.setdefault(base, []).append((tuple(rest[:-1].split(",")), column))
        return groups

    def array(self, name: str) -> xr.DataArray:
        """A variable as a labelled array with dimensions ``(run, time, *its subscripts)``
        (elements not returned are NaN)."""
        import xarray as xr

        if name in self.values and name not in self.dims:
            return xr.DataArray(np.asarray(self.values[name]), dims=("run", "time"),
                                coords={"run": np.arange(self.n), "time": self.times}, name=name)
        if name not in self.dims:
            raise KeyError(f"'{name}' is not in this result")
        dims, coords = self.dims[name]
        members = self._groups().get(name)
        if not members:
            raise KeyError(f"no element of '{name}' is in this result")
        shape = [len(coords[d]) for d in dims]
        data = np.full((self.n, len(self.times), *shape), np.nan)
        for combo, column in members:
            index = tuple(coords[d].index(e) for d, e in zip(dims, combo, strict=True))
            data[(slice(None), slice(None), *index)] = self.values[column]
        return xr.DataArray(data, dims=("run", "time", *dims), name=name,
                            coords={"run": np.arange(self.n), "time": self.times,
                                    **{d: coords[d] for d in dims}})

    def to_xarray(self) -> xr.Dataset:
        """All runs as an ``xarray.Dataset``: scalar variables ``(run, time)``, subscripted
        ones ``(run, time, *subscripts)`` under their plain name."""
        import xarray as xr

        groups = self._groups()
        grouped = {column for members in groups.values() for _, column in members}
        data = {name: (("run", "time"), np.asarray(value)) for name, value in self.values.items()
                if name not in grouped}
        dataset = xr.Dataset(data, coords={"run": np.arange(self.n), "time": self.times})
        for name in groups:
            dataset[name] = self.array(name)
        return dataset


def _normal(name: str) -> str:
    name = re.sub(r"\s*([\[\],])\s*", r"\1", str(name).strip())
    return re.sub(r"[\s_]+", " ", name).lower()


_SCHEDULES: dict[tuple[float, float, float, float], tuple] = {}


def _schedule(initial: float, final: float, dt: float, saveper: float
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Euler times and saved times exactly as ``pysd.py_backend.components.Time``.

    Returns
    -------
    (times, saves, saved_times)
        Every model time at which the loop evaluates the model, whether each is saved, and
        the saved times rounded as PySD does.
    """
    key = (initial, final, dt, saveper)
    cached = _SCHEDULES.get(key)
    if cached is not None:
        return cached
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
    result = (np.array(times, dtype=float), np.array(saves, dtype=np.bool_), saved)
    if len(_SCHEDULES) > 64:
        _SCHEDULES.clear()
    _SCHEDULES[key] = result
    return result


@dataclass
class _KeyPlan:
    """Where the values of one sequence of parameter names go."""

    idents: list[str]
    """Constant identifiers set (each once; a later name wins)."""
    source: np.ndarray
    """For each identifier, the position of the name (and of its value) that sets it."""
    const_index: np.ndarray
    """For each identifier, its index among the engine's constants."""
    kernel: tuple[np.ndarray, np.ndarray] | None = None
    """(rows of the compiled loop's input matrix, positions of their values), once needed."""
    position: dict[str, int] = field(init=False)
    """Identifier -> position of its value."""

    def __post_init__(self) -> None:
        self.position = dict(zip(self.idents, self.source.tolist(), strict=True))


@dataclass
class _Selection:
    """What one ``return_columns`` request needs (cached per request)."""

    columns: list[str]
    dynamic: list[str]
    """Time-varying columns: the rows of ``out``."""
    sel: list[tuple[int, int]]
    """(row of ``out``, index in the record of dynamic variables) pairs."""
    need: np.ndarray
    """Which save-only statements to evaluate."""
    fixed: list[str]
    """Time-invariant columns (constants, static variables, time settings)."""
    dims: dict[str, tuple[list[str], dict[str, list[str]]]]
    order: list[int] | None = None
    """Position of each column among the dynamic then the fixed ones, once needed."""
    fixed_layout: tuple | None = None
    """(row of each constant in the fixed matrix or -1, default of each fixed row, (row,
    name) of the other fixed columns), once needed."""
    sel_j: np.ndarray = field(init=False)
    sel_i: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.sel_j = np.array([j for j, _ in self.sel], dtype=np.int64)
        self.sel_i = np.array([i for _, i in self.sel], dtype=np.int64)


class _Constants(dict):
    """Constant identifier -> value (np.float64, or a row ``(n,)`` of the values' block),
    each looked up on first use (the compiled loop reads the block and needs none)."""

    __slots__ = ("_defaults", "_plan", "_block")

    def __init__(self, defaults: dict[str, np.float64], plan: _KeyPlan,
                 block: np.ndarray) -> None:
        super().__init__()
        self._defaults, self._plan, self._block = defaults, plan, block

    def __missing__(self, ident: str) -> object:
        k = self._plan.position.get(ident)
        value = self._defaults[ident] if k is None else self._block[k]
        self[ident] = value
        return value


class BatchEngine:
    """Runs a generated model for many parameter sets at once.

    Use :func:`build_engine` to create one.

    Attributes
    ----------
    constants : dict of str to float
        Every constant (each element of a subscripted one, ``"k[A1]"``) with its default.
    stocks : list of str
        Names of the stocks (INTEG) elements.
    variables : list of str
        Names of all non-constant model variable elements (stocks included).
    elements : dict of str to list of str
        Vensim variable name -> its element names (``[name]`` for a scalar).
    dims : dict
        Subscripted variable -> ``(dimensions, {dimension: elements})``.
    units : dict of str to str
        Units of every variable (by Vensim name, and by element name).
    limits : dict of str to tuple
        ``(min, max)`` declared in the ``.mdl`` units field (None if open), same keys.
    source : str
        The generated NumPy module.
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
        self._kernel_source = namespace.get("KERNEL_SOURCE")
        self._kernel_refusal = namespace.get("KERNEL_REFUSAL")
        self._kernel_large = bool(namespace.get("KERNEL_LARGE"))
        self._kernel = None
        self._native_source: str | None = namespace.get("NATIVE_SOURCE")
        self._native_statements = int(namespace.get("NATIVE_STATEMENTS") or 0)
        self._native = None
        self._native_file: Path | None = None
        self._native_error = ""
        self._logged_fallback = False
        self._idents: dict[str, str] = meta["idents"]
        self.constants: dict[str, float] = dict(meta["constants"])
        self.stocks: list[str] = list(meta["stocks"])
        self.variables: list[str] = list(meta["variables"])
        self.elements: dict[str, list[str]] = dict(meta["elements"])
        self.dims: dict[str, tuple[list[str], dict[str, list[str]]]] = {
            k: (list(v[0]), dict(v[1])) for k, v in meta["dims"].items()}
        self.docs: dict[str, str] = dict(meta.get("docs", {}))
        self.units: dict[str, str] = {}
        self.limits: dict[str, tuple[float | None, float | None]] = {}
        for var, labels in self.elements.items():
            for key in dict.fromkeys([var, *labels]):
                self.units[key] = meta["units"].get(var, "")
                self.limits[key] = tuple(meta["limits"].get(var, (None, None)))
        self._control_names: dict[str, str] = meta["control"]
        self._control_idents: dict[str, str] = meta["control_idents"]
        self._dynamic = {name: i for i, name in enumerate(meta["dynamic"])}
        self._static_names: list[str] = list(meta["static"])
        self._save_index = {ident: k for k, ident in enumerate(meta["save_only"])}
        self._save_deps: list[list[int]] = meta["save_deps"]
        self._lookup = {_normal(name): name for name in list(self.constants) + self.variables}
        self._groups = {_normal(var): labels for var, labels in self.elements.items()
                        if labels != [var]}
        self._control_lookup = {_normal(v): k for k, v in self._control_names.items()}
        self._defaults = {self._idents[name]: np.float64(value)
                          for name, value in self.constants.items()}
        self._const_index = {ident: k for k, ident in enumerate(self._defaults)}
        self._name_cache: dict[tuple[str, bool], list[str]] = {}
        self._param_idents: dict[str, list[str]] = {}
        self._key_plans: dict[tuple, _KeyPlan] = {}
        self._control_fixed: bool | None = None
        self._control_cache: dict[tuple, dict[str, float]] = {}
        self._selections: dict[tuple | None, _Selection] = {}
        self._kernel_rows: dict[str, int] | None = None

    def __repr__(self) -> str:
        return (f"BatchEngine({self.mdl_path.name!r}: {len(self.constants)} constants, "
                f"{len(self.stocks)} stocks, {len(self.variables)} variables)")

    # -- names ------------------------------------------------------------
    def _names(self, name: str, *, constants_only: bool) -> list[str]:
        """Element names a user's name stands for (one element, or every element of a
        subscripted variable)."""
        cached = self._name_cache.get((name, constants_only))
        if cached is None:
            cached = self._name_cache[(name, constants_only)] = self._find_names(
                name, constants_only=constants_only)
        return cached

    def _find_names(self, name: str, *, constants_only: bool) -> list[str]:
        key = _normal(name)
        canonical = self._lookup.get(key)
        if canonical is not None and (canonical in self.constants or not constants_only):
            return [canonical]
        group = self._groups.get(key)
        if group is not None and (not constants_only or all(g in self.constants for g in group)):
            return list(group)
        if key in self._control_lookup and not constants_only:
            return [self._control_names[self._control_lookup[key]]]
        if key in self._control_lookup:
            control = self._control_lookup[key]
            hint = ("it cannot be changed" if control == "initial_time"
                    else f"pass {control}= to run()")
            raise UnknownVariableError(f"'{name}' is a time setting, not a parameter; {hint}")
        if canonical is not None or group is not None:
            raise UnknownVariableError(
                f"'{name}' is computed by the model, not a constant; only constants can be set")
        pool = list(self.constants) if constants_only else list(self._lookup.values())
        pool += [n for n in self.elements if n not in pool and (
            not constants_only or all(g in self.constants for g in self.elements[n]))]
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
        """Constant identifier -> value (np.float64 or array (n,)), and n; the mapping also
        lists the constants set (under ``_CHANGED``), so a run keeps no state on the engine
        (one engine may serve several threads).

        When every value is a scalar, or every value an array of one length, the values are
        converted in one call and also kept as one block (under ``_BLOCK``: the key set's
        :class:`_KeyPlan` and a float array ``(keys,)`` or ``(keys, n)``) from which the
        compiled loop fills its input matrix in one assignment; anything else (and every
        bad input, for its error) takes the key-by-key path."""
        try:
            plan = self._key_plan(params)
        except UnknownVariableError:  # raised key by key, in the order of the keys
            return self._parameters_by_key(params, n)
        if plan.idents:
            try:
                block = np.array(list(params.values()), dtype=float)
            except (ValueError, TypeError):  # mixed scalars and arrays, or bad input
                block = None
            if block is not None and block.ndim <= 2 and block.size:
                length = block.shape[1] if block.ndim == 2 else None
                if n is None:
                    n = 1 if length is None else length
                if n >= 1 and (length is None or length == n):
                    consts = _Constants(self._defaults, plan, block)
                    consts[_CHANGED] = plan.idents
                    consts[_BLOCK] = (plan, block)
                    return consts, n
        return self._parameters_by_key(params, n)

    def _key_plan(self, params: Mapping[str, object]) -> _KeyPlan:
        """Where the values of a set of parameter names go (cached per key sequence)."""
        keys = tuple(params)
        plan = self._key_plans.get(keys)
        if plan is None:
            target: dict[str, int] = {}
            for k, key in enumerate(keys):  # raises for unknown names, as key by key
                for ident in self._names_to_idents(key):
                    target.pop(ident, None)  # a later key wins, as in a dict update
                    target[ident] = k
            plan = _KeyPlan(list(target), np.fromiter(target.values(), dtype=np.intp,
                                                      count=len(target)),
                            np.array([self._const_index[i] for i in target], dtype=np.intp))
            if len(self._key_plans) > 256:
                self._key_plans.clear()
            self._key_plans[keys] = plan
        return plan

    def _names_to_idents(self, key: str) -> list[str]:
        idents = self._param_idents.get(key)
        if idents is None:
            idents = self._param_idents[key] = [self._idents[name] for name in
                                                self._names(key, constants_only=True)]
        return idents

    def _parameters_by_key(self, params: Mapping[str, float | np.ndarray], n: int | None
                           ) -> tuple[dict[str, object], int]:
        consts = dict(self._defaults)
        changed: list[str] = []
        lengths: set[int] = set()
        for key, value in params.items():
            idents = self._names_to_idents(key)
            if type(value) is not np.ndarray or value.dtype != np.float64:
                value = np.asarray(value, dtype=float)
            if value.ndim == 1:
                lengths.add(value.shape[0])
            elif value.ndim == 0:
                value = np.float64(value)
            else:
                raise ValueError(f"parameter '{key}' must be a scalar or a 1-D array of runs")
            for ident in idents:
                consts[ident] = value
            changed += idents
        if n is None:
            n = lengths.pop() if len(lengths) == 1 else (1 if not lengths else None)
            if n is None:
                raise ValueError("parameter arrays have different lengths")
        if n < 1 or any(length != n for length in lengths):
            raise ValueError(f"parameter arrays must all have shape ({n},)")
        consts[_CHANGED] = changed  # which constants differ from the defaults
        return consts, n

    # -- output layout ----------------------------------------------------
    def columns(self, return_columns: Sequence[str] | None = None) -> list[str]:
        """Column names a ``run(return_columns=...)`` returns, in order."""
        if return_columns is None:
            return self.variables + list(self.constants)
        columns: list[str] = []
        for c in return_columns:
            columns += self._names(c, constants_only=False)
        return list(dict.fromkeys(columns))

    def output_layout(self, return_columns: Sequence[str] | None = None, *,
                      n: int = 1, final_time: float | None = None,
                      saveper: float | None = None, time_step: float | None = None,
                      params: Mapping[str, float | np.ndarray] | None = None
                      ) -> tuple[list[str], tuple[int, int, int], np.ndarray]:
        """Rows, shape and saved times of the ``out`` array :meth:`run` can write into.

        Returns
        -------
        (rows, shape, times)
            ``rows``: the time-varying columns, in row order; ``shape``:
            ``(len(rows), n, len(times))``; ``times``: the saved times.
        """
        consts, _ = self._parameters(params or {}, 1)
        ctl = self._control(consts, self._overrides(final_time, saveper, time_step))
        _, _, saved = _schedule(ctl["initial_time"], ctl["final_time"], ctl["time_step"],
                                ctl["saveper"])
        rows = [c for c in self.columns(return_columns) if c in self._dynamic]
        return rows, (len(rows), n, len(saved)), saved

    def _time_settings(self, consts: Mapping[str, object], final_time, saveper, time_step
                       ) -> dict[str, float]:
        """The time settings of a run (cached per overrides when the model computes them
        from no constant: then they cannot depend on the parameters)."""
        if self._control_fixed is None:
            try:
                self._control({}, {})
                self._control_fixed = True
            except KeyError:  # a time setting reads a constant
                self._control_fixed = False
        if not self._control_fixed:
            return self._control(consts, self._overrides(final_time, saveper, time_step))
        key = (final_time, saveper, time_step)
        ctl = self._control_cache.get(key)
        if ctl is None:
            ctl = self._control(consts, self._overrides(final_time, saveper, time_step))
            if len(self._control_cache) > 64:
                self._control_cache.clear()
            self._control_cache[key] = ctl
        return dict(ctl)

    @staticmethod
    def _overrides(final_time, saveper, time_step) -> dict[str, float]:
        return {key: value for key, value in (
            ("final_time", final_time), ("saveper", saveper), ("time_step", time_step))
            if value is not None}

    # -- running ----------------------------------------------------------
    def run(self, params: Mapping[str, float | np.ndarray] | None = None, *,
            n: int | None = None, final_time: float | None = None,
            saveper: float | None = None, time_step: float | None = None,
            return_columns: Sequence[str] | None = None, backend: str = "auto",
            out: np.ndarray | None = None, threads: int | None = None) -> BatchResult:
        """Simulate ``n`` parameter sets in one pass.

        Parameters
        ----------
        params : mapping, optional
            Name of a constant -> value in its units: a scalar (same for every run) or an
            array of shape ``(n,)``.  The plain name of a subscripted constant sets every
            element; ``"k[A1]"`` one element.
        n : int, optional
            Number of runs; inferred from the array parameters (1 if none).
        final_time, saveper, time_step : float, optional
            Override FINAL TIME, SAVEPER and TIME STEP (model time unit), as the
            keywords of ``pysd.Model.run``.
        return_columns : sequence of str, optional
            Names to return (default: every variable and constant, as PySD); a subscripted
            variable's plain name returns each of its elements (``"Stock[A1,B2]"`` ...);
            time settings (e.g. ``"FINAL TIME"``) may be requested too.
        backend : {"auto", "c", "numba", "numpy"}
            ``"c"``: the compiled per-member loop in C (built with the system's C compiler
            the first time, about two seconds, then loaded from the cache in a millisecond;
            a batch runs two members at a time, each with the bits of a run of its own);
            ``"numba"``: the same loop compiled by Numba (seconds the first time, then
            loaded from Numba's cache; importing Numba costs ~0.4 s a process); both give
            the same numbers to the bit and raise :class:`UnsupportedConstruct` if they
            cannot run; ``"numpy"``: the NumPy loop over arrays; ``"auto"``: the loop
            :meth:`loop_for` gives for ``n`` runs (never a different one because of what is
            compiled or cached; a first build is logged once).
        out : numpy.ndarray, optional
            Array of shape and row order :meth:`output_layout` gives, into which the saved
            values of the time-varying columns are written (e.g. a chunk of a larger
            result); the returned values are views of it.
        threads : int, optional
            Threads the compiled loop splits the members over (default ``$CYCLE_THREADS``,
            else ``$NUMBA_NUM_THREADS``, else every available core); batches below
            :data:`~cycle.engine.compiled.THREAD_MIN_RUNS` members a thread use fewer.
            Results do not depend on it.  The NumPy loop runs on one thread.

        Returns
        -------
        BatchResult

        Raises
        ------
        UnknownVariableError
            For names that are not constants (params) or not model variables
            (return_columns).
        """
        threads = self._check_options(backend, threads)
        consts, n = self._parameters(params or {}, n)
        return self._run(consts, n, final_time, saveper, time_step, return_columns, backend,
                         out, threads)

    @staticmethod
    def _check_options(backend: str, threads: int | None) -> int:
        if backend not in BACKENDS:
            raise ValueError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
        if threads is None:
            return default_threads()  # checks $CYCLE_THREADS before any work
        if isinstance(threads, bool) or not isinstance(threads, int | np.integer) \
                or threads < 1:
            raise ValueError(f"threads must be a positive integer, not {threads!r}")
        return int(threads)

    def prepare(self, names: Sequence[str], **options) -> PreparedRun:
        """A run of fixed parameter names and options, called with their values only: for
        callers that run the same names many times (a calibration, a slider), it skips
        finding the names and reading a mapping at every call.

        ``engine.prepare(names, **options)(values)`` gives exactly
        ``engine.run(dict(zip(names, values)), **options)``; `values` is an array
        ``(len(names),)`` (one run) or ``(len(names), n)``; options are :meth:`run`'s
        keywords (``n`` and ``out`` excepted).

        Raises
        ------
        UnknownVariableError
            For a name that is not a constant (now, not at the call).
        """
        names = list(names)
        bad = {"n", "out", "params"} & set(options)
        if bad:
            raise TypeError(f"prepare() takes no {', '.join(sorted(bad))}= option")
        plan = self._key_plan(dict.fromkeys(names))
        if len(names) != len(set(names)):
            raise ValueError("prepare(): a name is given twice")
        self._check_options(options.get("backend", "auto"), options.get("threads"))
        return PreparedRun(self, names, plan, options)

    def _run(self, consts: dict[str, object], n: int, final_time, saveper, time_step,
             return_columns, backend: str, out: np.ndarray | None, threads: int
             ) -> BatchResult:
        if n >= 1024:
            _tune_malloc()
        ctl = self._time_settings(consts, final_time, saveper, time_step)
        if not ctl["time_step"] > 0 or not ctl["saveper"] > 0:
            raise ValueError("TIME STEP and SAVEPER must be positive")
        times, saves, saved = _schedule(ctl["initial_time"], ctl["final_time"],
                                        ctl["time_step"], ctl["saveper"])
        selection = self._selection(return_columns)
        shape = (len(selection.dynamic), n, len(saved))
        if out is None:
            out = np.empty(shape)
        elif out.shape != shape or out.dtype != np.float64:
            raise ValueError(f"out must be a float64 array of shape {shape}, not "
                             f"{out.dtype}{out.shape}")
        statics = self._execute(consts, ctl, times, saves, selection, out, backend, n,
                                 threads)
        values = dict(zip(selection.dynamic, out, strict=True))
        if selection.fixed:
            values = self._fixed_values(selection, values, consts, statics, ctl, n, len(saved))
        return BatchResult(times=saved, values=values, dims=selection.dims)

    def _fixed_values(self, selection: _Selection, values: dict[str, np.ndarray],
                      consts: dict[str, object], statics: dict[str, object],
                      ctl: dict[str, float], n: int, saves: int) -> dict[str, np.ndarray]:
        """The result's columns in request order, time-invariant ones added: each a row of
        one ``(fixed, n)`` matrix, spread over the saved times in one copy when that is
        cheap, else as broadcast views."""
        fixed = selection.fixed
        if selection.fixed_layout is None:
            slot = np.full(len(self._const_index), -1, dtype=np.intp)
            base = np.full(len(fixed), np.nan)
            others = []
            for k, name in enumerate(fixed):
                if name in self.constants:
                    ident = self._idents[name]
                    slot[self._const_index[ident]] = k
                    base[k] = self._defaults[ident]
                else:
                    others.append((k, name))
            selection.fixed_layout = (slot, base, others)
        slot, base, others = selection.fixed_layout
        F = np.empty((len(fixed), n))
        F[:] = base[:, None]
        given = consts.get(_BLOCK)
        if given is not None:
            plan, block = given
            rows = slot[plan.const_index]
            chosen = rows >= 0
            F[rows[chosen]] = (block[plan.source[chosen], None] if block.ndim == 1
                               else block[plan.source[chosen]])
        else:
            for ident in consts[_CHANGED]:
                k = slot[self._const_index[ident]]
                if k >= 0:
                    F[k] = consts[ident]
        for k, name in others:
            F[k] = statics[name] if name in statics else ctl[
                self._control_lookup[_normal(name)]]
        if len(fixed) * n * saves <= 2**20:
            block3 = np.empty((len(fixed), n, saves))
            block3[:] = F[:, :, None]
            views = [*values.values(), *block3]
        else:
            views = [*values.values(), *(np.broadcast_to(F[k][:, None], (n, saves))
                                         for k in range(len(fixed)))]
        if selection.order is None:  # position of each column among dynamic + fixed
            where = {name: k for k, name in enumerate([*selection.dynamic, *fixed])}
            selection.order = [where[name] for name in selection.columns]
        return dict(zip(selection.columns, map(views.__getitem__, selection.order),
                        strict=True))

    def _selection(self, return_columns: Sequence[str] | None) -> _Selection:
        """What a request of columns needs (cached)."""
        key = None if return_columns is None else tuple(return_columns)
        cached = self._selections.get(key)
        if cached is not None:
            return cached
        columns = self.columns(return_columns)
        dynamic = [c for c in columns if c in self._dynamic]
        sel = [(j, self._dynamic[name]) for j, name in enumerate(dynamic)]
        need = np.zeros(max(1, len(self._save_index)), dtype=np.bool_)
        todo = [self._save_index[self._idents[name]] for name in dynamic
                if self._idents[name] in self._save_index]
        while todo:
            k = todo.pop()
            if not need[k]:
                need[k] = True
                todo.extend(self._save_deps[k])
        rows = set(dynamic)
        dims = {var: spec for var, spec in self.dims.items()
                if any(label in columns for label in self.elements.get(var, ()))}
        result = _Selection(columns, dynamic, sel, need,
                            [name for name in columns if name not in rows], dims)
        if len(self._selections) > 256:
            self._selections.clear()
        self._selections[key] = result
        return result

    # -- compiled loops ---------------------------------------------------
    @property
    def has_kernel(self) -> bool:
        """Whether the compiled per-member loop in Numba can run this model."""
        return bool(self._kernel_source) and numba_available()

    @property
    def has_native(self) -> bool:
        """Whether the compiled per-member loop in C can run this model (a C compiler is
        installed: ``$CC``, ``cc``, ``gcc`` or ``clang``, and has not failed on it)."""
        return bool(self._native_source) and compiler() is not None and not self._native_error

    def _cache_place(self) -> tuple[Path, str]:
        """(folder, file stem) of this model's compiled loops: beside its cached module."""
        if self.source_path is not None:
            return self.source_path.parent, self.source_path.stem
        return cache_dir(), f"{self.mdl_path.stem}-{self.sha256[:16]}"

    def _native_path(self) -> Path:
        if self._native_file is None:
            folder, stem = self._cache_place()
            self._native_file = library_path(self._native_source or "", folder, f"{stem}-c")
        return self._native_file

    def _native_module(self):
        """The C loop, built (under a file lock, once per source and compiler) and loaded."""
        if self._native is None:
            from cycle.engine import native

            path = self._native_path()
            if not path.is_file():
                log.info("%s: building the C loop (once; cached for later runs)",
                         self.mdl_path.name)
            self._native = native.load(native.build(self._native_source, path))
        return self._native

    def _kernel_path(self) -> Path:
        folder, stem = self._cache_place()
        return folder / f"{stem}-kernel.py"

    def _kernel_module(self):
        if self._kernel is None:
            self._kernel = load_kernel(self._kernel_source, self._kernel_path())
        return self._kernel

    def loop_for(self, n: int) -> str:
        """The loop ``backend="auto"`` takes for a batch of `n` runs: ``"c"`` whenever the
        model has a C loop and a C compiler is installed; else ``"numba"`` for at least
        :data:`KERNEL_MIN_RUNS` runs when the model has a Numba loop that compiles in
        seconds; else ``"numpy"``.  Depends on `n`, the model and what is installed, never on
        what happens to be compiled or cached (and the C and Numba loops agree to the
        bit)."""
        if n >= 1 and self.has_native and self._native_statements <= NATIVE_AUTO_LIMIT:
            return "c"
        if n >= KERNEL_MIN_RUNS and self.has_kernel and not self._kernel_large:
            return "numba"
        return "numpy"

    def compile(self, backend: str = "auto") -> bool:
        """Build the compiled loop a large batch takes now (blocking; the C loop takes about two
        seconds, Numba's more, once per model; then loaded from the cache).  ``backend``:
        ``"c"``, ``"numba"``, or ``"auto"`` (the one :meth:`loop_for` gives a batch of
        :data:`KERNEL_MIN_RUNS`).  Returns False if that loop cannot run here."""
        if backend == "auto":
            backend = self.loop_for(KERNEL_MIN_RUNS)
        if backend == "c":
            if not self.has_native:
                return False
            self._native_module()
            return True
        if backend != "numba" or not self.has_kernel:
            return False
        if self._kernel is not None:
            return True
        path = self._kernel_path()
        write_kernel_file(self._kernel_source, path)
        if not is_compiled(path):
            log.info("%s: compiling the compiled loop (once; Numba caches it for later runs)",
                     self.mdl_path.name)
            warm(path)
        self._kernel_module()
        return True

    def _log_fallback(self, n: int, loop: str) -> None:
        """Say once why ``backend="auto"`` runs `loop` ("numba" or "numpy"), not the C loop."""
        if self._logged_fallback:
            return
        self._logged_fallback = True
        if self._native_error:
            c_why = f"building it failed ({self._native_error})"
        elif self._native_source and compiler() is None:
            c_why = "no C compiler is installed (set $CC)"
        elif self._native_source:
            c_why = (f"a large model ({self._native_statements} statements, above "
                     f"NATIVE_AUTO_LIMIT = {NATIVE_AUTO_LIMIT}: the compiler would take longer "
                     "than the NumPy loop; BatchEngine.compile('c') builds it)")
        else:
            c_why = "no C loop was generated"
        if loop == "numba":
            log.info("%s: no C loop: %s; running the Numba loop", self.mdl_path.name, c_why)
            return
        if self._kernel_refusal is not None:
            why = "unavailable: unsupported construct {} in variable '{}'".format(
                *self._kernel_refusal)
        elif not numba_available():
            why = "unavailable (Numba is not installed)"
        elif self._kernel_large:
            why = "not compiled (a large model: BatchEngine.compile('numba') takes minutes)"
        else:
            log.info("%s: no C loop: %s; %d run(s), below KERNEL_MIN_RUNS = %d: the NumPy loop",
                     self.mdl_path.name, c_why, n, KERNEL_MIN_RUNS)
            return
        log.info("%s: no C loop: %s; the Numba loop is %s; running the NumPy loop",
                 self.mdl_path.name, c_why, why)

    def _execute(self, consts: dict[str, object], ctl: dict[str, float], times: np.ndarray,
                 saves: np.ndarray, selection: _Selection, out: np.ndarray, backend: str,
                 n: int, threads: int = 1) -> dict[str, object]:
        if backend == "c" and not (self._native_source and compiler() is not None):
            raise UnsupportedConstruct("C loop", self.mdl_path.name,
                                       "no C compiler is installed (set $CC); use "
                                       "backend='numba' or 'numpy'")
        if backend == "numba" and not self.has_kernel:
            if self._kernel_refusal is not None:
                raise UnsupportedConstruct(*self._kernel_refusal,
                                           "run it with backend='numpy'")
            raise UnsupportedConstruct("compiled loop", self.mdl_path.name,
                                       "Numba is not installed; use backend='numpy'")
        if backend == "auto":
            backend = self.loop_for(n)
            if backend == "c":
                try:
                    self._native_module()
                except (NativeBuildError, OSError) as error:  # e.g. a read-only cache
                    self._native_error = str(error).splitlines()[0]
                    backend = self.loop_for(n)
            if backend != "c":
                self._log_fallback(n, backend)
        if backend == "c":  # built synchronously: never races the run it serves
            return self._run_kernel(self._native_module(), consts, ctl, times, saves,
                                    selection, out, n, threads)
        if backend == "numba":
            self.compile("numba")  # synchronous: never races the run it serves
            return self._run_kernel(self._kernel_module(), consts, ctl, times, saves,
                                    selection, out, n, threads)
        # Division by zero, overflow and NaN follow IEEE rules as in PySD's NumPy calls;
        # IF THEN ELSE / ZIDZ evaluate both branches, so warnings would be spurious.
        with np.errstate(all="ignore"):
            return self._simulate(consts, ctl, times, saves, selection.need, selection.sel,
                                  out)

    def _run_kernel(self, module, consts, ctl, times, saves, selection, out, n, threads
                    ) -> dict[str, object]:
        IN = self._kernel_inputs(module, consts, ctl, n)
        ST = np.empty((len(module.STATICS), n))
        into = out if out.flags.c_contiguous else np.empty(out.shape)  # a caller's view
        run_kernel(module, IN, times, saves, selection.need, selection.sel_j, selection.sel_i,
                   into, ST, threads)
        if into is not out:
            out[...] = into
        return dict(zip(self._static_names, ST, strict=True))

    def _kernel_inputs(self, module, consts: dict[str, object], ctl: dict[str, float],
                       n: int) -> np.ndarray:
        """The compiled loop's input matrix ``(len(module.INPUTS), n)``: constants and time
        settings of every member."""
        if self._kernel_rows is None:
            self._kernel_rows = {ident: r for r, ident in enumerate(module.INPUTS)}
            self._kernel_default = np.array([float(self._defaults.get(ident, np.nan))
                                             for ident in module.INPUTS])
            # (time setting, row) of the settings the loop reads, then dt
            self._kernel_control = [
                (key, self._kernel_rows[ident]) for key, ident in self._control_idents.items()
                if ident in self._kernel_rows] + [("time_step", self._kernel_rows[TIME_STEP])]
        rows = self._kernel_rows
        IN = np.empty((len(rows), n))
        IN[:] = self._kernel_default[:, None]
        given = consts.get(_BLOCK)
        if given is not None:  # every value in one array: one assignment
            plan, block = given
            if plan.kernel is None:
                pairs = [(rows[i], k) for i, k in zip(plan.idents, plan.source, strict=True)
                         if i in rows]
                plan.kernel = (np.array([r for r, _ in pairs], dtype=np.intp),
                               np.array([k for _, k in pairs], dtype=np.intp))
            index, source = plan.kernel
            IN[index] = block[source, None] if block.ndim == 1 else block[source]
        else:
            set_rows = [(rows[i], consts[i]) for i in consts[_CHANGED] if i in rows]
            if set_rows:
                index = [r for r, _ in set_rows]
                try:  # one assignment for all (all scalars, or all arrays of the batch)
                    values = np.array([v for _, v in set_rows], dtype=float)
                    IN[index] = values[:, None] if values.ndim == 1 else values
                except ValueError:  # scalars and arrays mixed
                    for row, value in set_rows:
                        IN[row] = value
        for key, row in self._kernel_control:
            IN[row] = ctl[key]
        return IN


class PreparedRun:
    """A :meth:`BatchEngine.run` of fixed parameter names and options (see
    :meth:`BatchEngine.prepare`); call it with the values."""

    def __init__(self, engine: BatchEngine, names: list[str], plan: _KeyPlan,
                 options: dict) -> None:
        self.engine, self.names, self._plan = engine, names, plan
        self._options = dict(options)
        self._kw = {key: options.get(key) for key in
                    ("final_time", "saveper", "time_step", "return_columns")}
        self._backend = options.get("backend", "auto")

    def __repr__(self) -> str:
        return f"PreparedRun({self.engine.mdl_path.name!r}, {len(self.names)} names)"

    def __call__(self, values: np.ndarray | Sequence[float]) -> BatchResult:
        """Run with `values` ``(len(names),)`` (one run) or ``(len(names), n)``, in the
        names' units."""
        block = np.asarray(values, dtype=float)
        k = len(self.names)
        if block.ndim not in (1, 2) or block.shape[0] != k or (block.ndim == 2 and
                                                              block.shape[1] < 1):
            raise ValueError(f"values must have shape ({k},) or ({k}, n), not {block.shape}")
        if not k:
            return self.engine.run({}, **self._options)
        engine = self.engine
        threads = engine._check_options(self._backend, self._options.get("threads"))
        n = 1 if block.ndim == 1 else block.shape[1]
        consts = _Constants(engine._defaults, self._plan, block)
        consts[_CHANGED] = self._plan.idents
        consts[_BLOCK] = (self._plan, block)
        kw = self._kw
        return engine._run(consts, n, kw["final_time"], kw["saveper"], kw["time_step"],
                           kw["return_columns"], self._backend, None, threads)


def build_engine(mdl_path: Path | str, *, cache_dir: Path | str | None = None,
                 use_cache: bool = True) -> BatchEngine:
    """Build (or load from the cache) the batch engine of a Vensim model.

    Parameters
    ----------
    mdl_path : Path or str
        The Vensim ``.mdl`` file.
    cache_dir : Path or str, optional
        Where generated modules are cached (default ``$CYCLE_CACHE_DIR/engine`` or
        ``~/.cache/cycle/engine``).
    use_cache : bool
        Read and write the cache (default True).

    Raises
    ------
    UnsupportedConstruct
        If the model uses a construct the engine does not implement (naming it and the
        variable).
    """
    path = Path(mdl_path)
    source, sha256, cached = model_source(
        path, cache=Path(cache_dir) if cache_dir is not None else None, use_cache=use_cache)
    return BatchEngine(source, mdl_path=path, sha256=sha256, source_path=cached)
