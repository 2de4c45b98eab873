"""Load a Vensim model through PySD (translation cached by file hash) and run it.

The pipeline reads like PySD's own ``read_vensim``: find the ``.mdl`` file, translate it
once into the cache, load the translation, and wrap it in :class:`Model`, which checks
parameter names and ranges before any run and returns pandas DataFrames indexed by time.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from cycle.errors import CycleError, InputError, OutOfRangeError
from cycle.names import resolve
from cycle.outputs import write_json
from cycle.resources import cache_root as cache_dir
from cycle.resources import file_sha256, find_file, shipped_dir

__all__ = ["Model", "Variable", "load_model", "model_path", "available_models", "cache_dir",
           "MAX_FINAL_TIME", "ENGINES", "choose_loop"]

ENGINES = ("engine", "pysd")
"""What runs a model: the batch engine generated from the ``.mdl`` (default) or PySD (reference)."""

MAX_FINAL_TIME = 2060.0
"""Latest year a run may extend to (years)."""

_SOURCE = re.compile(r"\[source:\s*([^\]]*)\]")


def _models_dir() -> Path:
    return shipped_dir("cycle.models", "models", "*.mdl")


def available_models() -> list[str]:
    """Names of the models shipped with the package (``.mdl`` stems)."""
    return sorted(p.stem for p in _models_dir().glob("*.mdl"))


def model_path(model: str | os.PathLike = "northeast") -> Path:
    """Path of a shipped model by name (``"northeast"``) or of a ``.mdl`` file.

    Raises
    ------
    CycleError
        If the file does not exist, is not a ``.mdl`` file, or the name is unknown.
    """
    return find_file(model, folder=_models_dir(), suffix=".mdl", what="model", error=InputError)


def translate(mdl: Path, *, cache: Path | None = None) -> Path:
    """Translate `mdl` with PySD into the cache and return the generated ``.py`` file.

    The cache key is the file's SHA-256 and the PySD version, so an edited model is
    translated again. The translation is written to a temporary folder and renamed into
    place, so an interrupted translation never leaves a half-written entry.
    """
    from importlib.metadata import version

    root = (cache or cache_dir()) / "pysd"
    key = f"{mdl.stem}-{file_sha256(mdl)[:16]}-pysd{version('pysd')}"
    target = root / key / f"{mdl.stem}.py"
    if target.is_file():  # cached: PySD is not even imported
        return target
    import pysd
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        shutil.copy2(mdl, tmp / mdl.name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pysd.read_vensim(str(tmp / mdl.name), initialize=False)
        try:
            os.replace(tmp, root / key)
        except OSError:  # another process finished first
            if not target.is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


@dataclass(frozen=True)
class Variable:
    """One model variable as the ``.mdl`` file declares it.

    Attributes
    ----------
    name : Vensim name, e.g. ``"Tech Loan Balance"``.
    identifier : Python identifier used by PySD, e.g. ``"tech_loan_balance"``.
    kind : ``"constant"``, ``"stock"`` or ``"auxiliary"`` (flows are auxiliaries).
    units : units as written in the model, e.g. ``"BnYuan/Year"``.
    limits : (low, high) declared range; ``nan`` where open.
    doc : the one-line documentation string.
    source : provenance tag of a constant (``"FACTS, seed 000; ..."``), ``""`` if none.
    """

    name: str
    identifier: str
    kind: str
    units: str
    limits: tuple[float, float]
    doc: str
    source: str

    def range_violation(self, value: float) -> str | None:
        """``"[low, high] units"`` if `value` lies outside the declared limits, else None."""
        lo, hi = self.limits
        if (not math.isnan(lo) and value < lo) or (not math.isnan(hi) and value > hi):
            return f"[{_fmt(lo)}, {_fmt(hi)}] {self.units}"
        return None

    def check(self, value: float) -> None:
        """Raise :class:`OutOfRangeError` if `value` is outside the declared limits."""
        if not math.isfinite(value):
            raise OutOfRangeError(f"{self.name} = {value} is not a finite number")
        violated = self.range_violation(value)
        if violated:
            raise OutOfRangeError(f"{self.name} = {value:g} is outside its range {violated}")


def _fmt(x: float) -> str:
    return "?" if math.isnan(x) else f"{x:g}"


def _limits(raw) -> tuple[float, float]:
    if not isinstance(raw, tuple):
        return (math.nan, math.nan)
    return tuple(math.nan if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
                 for v in raw)  # type: ignore[return-value]


class Model:
    """A Vensim model translated by PySD.

    Each :meth:`run` starts from a freshly loaded PySD model, so parameters set for one
    run never leak into the next.
    """

    CONTROL = ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")

    def __init__(self, mdl: Path, py: Path, calibration: dict[str, float] | None = None,
                 calibration_file: Path | None = None) -> None:
        self.path = Path(mdl)
        self.py_path = Path(py)
        self.sha256 = file_sha256(self.path)
        self.calibration = dict(calibration or {})
        """Fitted values in force by default (Vensim name -> value); empty if uncalibrated."""
        self.calibration_file = calibration_file

    @property
    def name(self) -> str:
        """The model's name (its file stem)."""
        return self.path.stem

    def _pysd(self):
        import pysd

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pysd.load(str(self.py_path))

    @cached_property
    def _table(self) -> dict:
        """Variables and ``.mdl`` defaults, read from PySD once and cached beside the
        translation (so later loads skip building PySD's documentation table)."""
        cached = self.py_path.with_suffix(".variables.json")
        if cached.is_file():
            return json.loads(cached.read_text(encoding="utf-8"))
        m = self._pysd()
        rows = []
        for row in m.doc.itertuples(index=False):
            name = row[0]
            if name in self.CONTROL or name == "Time":
                continue
            kind = {"Constant": "constant", "Stateful": "stock"}.get(row[5], "auxiliary")
            comment = row[7] if isinstance(row[7], str) else ""
            source = _SOURCE.search(comment)
            rows.append({"name": name, "identifier": row[1], "kind": kind,
                         "units": row[3] if isinstance(row[3], str) else "",
                         "limits": [None if math.isnan(x) else x for x in _limits(row[4])],
                         "doc": comment.strip(),
                         "source": source.group(1).strip() if source else ""})
        defaults = {r["name"]: float(m[r["name"]]) for r in rows if r["kind"] == "constant"}
        defaults.update({c: float(m[c]) for c in self.CONTROL})
        table = {"variables": rows, "defaults": defaults}
        write_json(cached, table)
        return table

    @cached_property
    def variables(self) -> dict[str, Variable]:
        """Every variable of the model (control variables excluded), by Vensim name."""
        out = {}
        for r in self._table["variables"]:
            limits = tuple(math.nan if x is None else float(x) for x in r["limits"])
            out[r["name"]] = Variable(name=r["name"], identifier=r["identifier"], kind=r["kind"],
                                      units=r["units"], limits=limits, doc=r["doc"],
                                      source=r["source"])
        return out

    @cached_property
    def model_defaults(self) -> dict[str, float]:
        """Value of every constant and control variable as the ``.mdl`` file writes it."""
        return dict(self._table["defaults"])

    @cached_property
    def defaults(self) -> dict[str, float]:
        """Value of every constant in force by default: the ``.mdl`` values, with the
        calibrated values (:attr:`calibration`) in place of the fitted ones."""
        return {**self.model_defaults, **self.calibration}

    @property
    def initial_time(self) -> float:
        """INITIAL TIME of the model (year)."""
        return self.defaults["INITIAL TIME"]

    @property
    def final_time(self) -> float:
        """Default FINAL TIME of the model (year)."""
        return self.defaults["FINAL TIME"]

    def table(self) -> pd.DataFrame:
        """The variables as a table: name, kind, units, limits, default, source, doc."""
        rows = []
        for v in self.variables.values():
            rows.append({"name": v.name, "kind": v.kind, "units": v.units,
                         "min": v.limits[0], "max": v.limits[1],
                         "default": self.defaults.get(v.name, math.nan),
                         "source": v.source, "doc": v.doc})
        return pd.DataFrame(rows).sort_values(["kind", "name"], ignore_index=True)

    def resolve(self, name: str) -> str:
        """Vensim name of `name` (Vensim name or identifier); error with suggestions if unknown."""
        return resolve(name, self.variables, what="variable")

    def check_params(self, params: dict[str, float] | None) -> dict[str, float]:
        """Validate parameter overrides; return them keyed by Vensim name.

        Raises
        ------
        UnknownNameError
            For a name the model lacks (with the closest names).
        CycleError
            For a variable that is not a constant (stocks and flows cannot be set).
        OutOfRangeError
            For a value outside the range the model declares.
        """
        out: dict[str, float] = {}
        for key, value in (params or {}).items():
            name = self.resolve(key)
            var = self.variables[name]
            if var.kind != "constant":
                raise InputError(f"{name} is a {var.kind}, not a constant; only constants can be set")
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise OutOfRangeError(f"{name} = {value!r} is not a number") from None
            var.check(value)
            out[name] = value
        return out

    def check_until(self, until: float | None) -> float:
        """Validate a run's final year (INITIAL TIME < until <= 2060)."""
        if until is None:
            return self.final_time
        until = float(until)
        if not math.isfinite(until) or not (self.initial_time < until <= MAX_FINAL_TIME):
            raise OutOfRangeError(
                f"final year {until:g} is outside ({self.initial_time:g}, {MAX_FINAL_TIME:g}]")
        saveper = self.defaults.get("SAVEPER", self.defaults.get("TIME STEP", 0.0))
        if until < self.initial_time + saveper - 1e-9:
            raise OutOfRangeError(
                f"final year {until:g} gives no saved period after INITIAL TIME "
                f"{self.initial_time:g}; the run must reach at least "
                f"{self.initial_time + saveper:g} (SAVEPER = {saveper:g} years)")
        return until

    @cached_property
    def engine(self):
        """The batch engine generated from this model's ``.mdl`` (built once, then cached)."""
        from cycle.engine import build_engine

        return build_engine(self.path)

    def run(self, params: dict[str, float] | None = None, *, until: float | None = None,
            columns: list[str] | None = None, time_step: float | None = None,
            saveper: float | None = None, engine: str = "engine") -> pd.DataFrame:
        """Run the model once.

        Parameters
        ----------
        params : overrides of constants by Vensim name or identifier (model units).
        until : final year (default the model's FINAL TIME; at most 2060).
        columns : variables to return (default: every stock and auxiliary).
        time_step, saveper : integration and saving intervals (years).
        engine : ``"engine"`` (the batch engine, one member; the loop is chosen by
            :func:`choose_loop`) or ``"pysd"`` (PySD itself, the reference).

        Returns
        -------
        pandas.DataFrame
            Index ``time`` (calendar years; 2022.0 = end of 2021), one column per variable,
            values in the units :attr:`variables` gives.
        """
        if engine not in ENGINES:
            raise InputError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
        checked = self.check_params(params)
        final = self.check_until(until)
        cols = ([self.resolve(c) for c in columns] if columns is not None
                else [n for n, v in self.variables.items() if v.kind != "constant"])
        if engine == "engine":
            eng = self.engine
            res = eng.run({**self.calibration, **checked}, n=1, final_time=final,
                          saveper=saveper, time_step=time_step, return_columns=cols,
                          backend=choose_loop(eng, 1))
            return pd.DataFrame({c: res.values[c][0] for c in cols},
                                index=pd.Index(res.times, name="time"))
        m = self._pysd()
        kw = {"final_time": final}
        if time_step is not None:
            kw["time_step"] = float(time_step)
        if saveper is not None:
            kw["saveper"] = float(saveper)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = m.run(params={**self.calibration, **checked}, return_columns=cols, **kw)
        df.index = pd.Index(df.index.to_numpy(dtype=float), name="time")
        return df[cols]


def choose_loop(engine, n: int) -> str:
    """The engine loop for a batch of `n` runs: the compiled loop for batches of at least the
    engine's ``KERNEL_MIN_RUNS`` when the model has one, else the NumPy loop -- the rule of
    ``backend="auto"`` (:meth:`cycle.engine.BatchEngine.loop_for`), made explicit so that
    manifests can record it.

    Chosen by the batch size alone, never by whether the compiled loop happens to be cached
    yet, so the same inputs give the same numbers on a first and a second run (the two loops
    differ at ~1e-15).
    """
    loop_for = getattr(engine, "loop_for", None)
    if loop_for is not None:
        return loop_for(n)
    has_kernel = getattr(engine, "has_kernel", False)
    return "numba" if n >= LOOP_MIN_RUNS and has_kernel else "numpy"


LOOP_MIN_RUNS = 64
"""Smallest batch given the compiled loop by an engine without ``loop_for``."""


def load_model(model: str | os.PathLike = "northeast", *, cache: Path | None = None,
               calibrated: bool = True) -> Model:
    """Find a model by name or path, translate it with PySD (cached), and load it.

    With `calibrated` (the default), the fitted values shipped in
    ``calibration/fitted/<model>.toml`` replace the ``.mdl`` values of the fitted
    parameters, so the baseline everyone runs is the calibrated one. They apply only if
    they were fitted to this very file (same SHA-256); otherwise a warning says so and the
    ``.mdl`` values are used.
    """
    mdl = model_path(model)
    try:
        py = translate(mdl, cache=cache)
    except CycleError:
        raise
    except Exception as exc:  # PySD's parser errors are long; keep the first line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CycleError(f"PySD could not translate {mdl.name}: {first}") from exc
    values, source = _calibration_for(mdl) if calibrated else ({}, None)
    return Model(mdl, py, values, source)


def _fitted_path(name: str) -> Path:
    """``calibration/fitted/<name>.toml`` (installed package data or the source tree), found
    without importing the fitting code (scipy.optimize)."""
    return shipped_dir("cycle.calibration.fitted", "calibration/fitted", "*.toml") / f"{name}.toml"


def _calibration_for(mdl: Path) -> tuple[dict[str, float], Path | None]:
    import tomllib

    path = _fitted_path(mdl.stem)
    if not path.is_file():
        return {}, None
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CycleError(f"{path}: not valid TOML ({exc})") from None
    if doc.get("model_sha256") != file_sha256(mdl):
        warnings.warn(f"{path.name} was fitted to another version of {mdl.name}; using the "
                      ".mdl values (rerun 'cycle calibrate')", stacklevel=3)
        return {}, None
    return {str(k): float(v) for k, v in doc.get("parameters", {}).items()}, path


