"""Uncertain parameters: a TOML spec of distributions over model constants, and sampling.

A spec file names constants of the model (Vensim names) and gives each a distribution,
its parameters in the constant's own units and a one-line provenance::

    description = "optional free text"

    ["Screening Sensitivity"]
    distribution = "triangular"     # uniform | normal | triangular | lognormal
    lower = 0.25
    mode = 0.5
    upper = 1.0
    provenance = "assumption, uncalibrated in the .mdl; half to twice the .mdl value 0.5"

=============  ===============================  ======================================
distribution   required                         optional
=============  ===============================  ======================================
uniform        lower, upper                     (lower == upper fixes the value)
normal         mean, sd                         lower, upper (truncation)
triangular     lower, mode, upper
lognormal      median, sigma (sd of log value)  lower, upper (truncation)
=============  ===============================  ======================================

Every entry is checked against the model before any run (:func:`load_uncertainties`): the
name must be a constant, the numbers finite, and the distribution's support (after
truncation) inside the range the ``.mdl`` declares for the constant.

Sampling (:meth:`UncertaintySpec.sample`) draws points in the unit hypercube, by Latin
hypercube (:class:`scipy.stats.qmc.LatinHypercube`) or scrambled Sobol
(:class:`scipy.stats.qmc.Sobol`), and maps each column through its distribution's inverse
CDF. The same `seed` gives the same samples. The Latin hypercube and the inverse CDFs are
computed by :mod:`cycle.distributions`, scipy's numbers without importing scipy.stats.

Examples
--------
>>> spec = load_uncertainties("northeast", model)        # the shipped spec
>>> spec.sample(1000, sampler="lhs", seed=1).shape
(1000, 19)
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cycle.errors import InputError, OutOfRangeError, UnknownNameError
from cycle.names import closest, resolve
from cycle.resources import find_file, shipped_dir

__all__ = ["DISTRIBUTIONS", "SAMPLERS", "Uncertainty", "UncertaintySpec", "UncertaintyError",
           "load_uncertainties", "available_specs", "uncertain_dir", "unit_samples",
           "PosteriorSample", "load_posterior", "posterior_rows"]

UNCERTAIN_PACKAGE = "cycle.uncertain_files"
"""Package the top-level ``uncertain/`` folder is installed as."""

DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("lower", "upper"), ()),
    "normal": (("mean", "sd"), ("lower", "upper")),
    "triangular": (("lower", "mode", "upper"), ()),
    "lognormal": (("median", "sigma"), ("lower", "upper")),
}
"""Distribution -> (required parameters, optional parameters)."""

SAMPLERS = ("lhs", "sobol")
"""Valid values of ``sampler``: Latin hypercube and scrambled Sobol."""

_TOP = ("description",)


class UncertaintyError(InputError):
    """An uncertainty spec that cannot be used as written (exit code 2 on the command line)."""


@dataclass(frozen=True)
class Uncertainty:
    """One uncertain constant of the model.

    Attributes
    ----------
    name : Vensim name of the constant (``"Screening Sensitivity"``).
    distribution : one of :data:`DISTRIBUTIONS`.
    params : the distribution's parameters in the constant's units (sigma: log units).
    provenance : why the distribution is what it is (one line).
    units : the constant's units as the ``.mdl`` declares them.
    """

    name: str
    distribution: str
    params: dict[str, float]
    provenance: str = ""
    units: str = ""

    # -- the distribution -------------------------------------------------
    def _frozen(self):
        """The distribution as a frozen :mod:`scipy.stats` distribution (imports scipy.stats;
        :meth:`ppf` computes the same numbers without it)."""
        from cycle.distributions import scipy_frozen

        return scipy_frozen(self.distribution, self.params)

    @property
    def fixed(self) -> float | None:
        """The value if the distribution has zero width (else None)."""
        p = self.params
        if self.distribution in ("uniform", "triangular") and p["lower"] == p["upper"]:
            return p["lower"]
        if self.distribution == "normal" and p["sd"] == 0:
            return p["mean"]
        if self.distribution == "lognormal" and p["sigma"] == 0:
            return p["median"]
        return None

    def _truncation(self) -> tuple[float, float]:
        """CDF values of the truncation points (0, 1 without truncation)."""
        from cycle.distributions import cdf

        if self.distribution not in ("normal", "lognormal"):
            return 0.0, 1.0
        lo = self.params.get("lower")
        hi = self.params.get("upper")
        return (0.0 if lo is None else float(cdf(self.distribution, self.params, lo)),
                1.0 if hi is None else float(cdf(self.distribution, self.params, hi)))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF: probabilities `u` in [0, 1] -> values in the constant's units."""
        from cycle.distributions import ppf

        u = np.asarray(u, dtype=float)
        fixed = self.fixed
        if fixed is not None:
            return np.full(u.shape, fixed)
        lo, hi = self._truncation()
        x = ppf(self.distribution, self.params, lo + u * (hi - lo))
        p = self.params
        if "lower" in p or "upper" in p:  # rounding at the truncation points
            x = np.clip(x, p.get("lower", -np.inf), p.get("upper", np.inf))
        return x

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can take (may be infinite)."""
        fixed = self.fixed
        if fixed is not None:
            return fixed, fixed
        p = self.params
        if self.distribution in ("uniform", "triangular"):
            return p["lower"], p["upper"]
        floor = -math.inf if self.distribution == "normal" else 0.0
        return p.get("lower", floor), p.get("upper", math.inf)

    def quantiles(self, q: float = 0.01) -> tuple[float, float]:
        """The `q` and ``1 - q`` quantiles (the 1 % and 99 % quantiles by default)."""
        lo, hi = self.ppf(np.array([q, 1 - q]))
        return float(lo), float(hi)

    def describe(self) -> str:
        """The distribution in one phrase: ``triangular(lower=0.25, mode=0.5, upper=1)``."""
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.distribution}({args})"


@dataclass(frozen=True)
class UncertaintySpec:
    """A checked set of uncertain constants.

    Attributes
    ----------
    uncertainties : the entries, in file order.
    description : free text from the file.
    source : the file it came from (None if built in code).
    """

    uncertainties: tuple[Uncertainty, ...]
    description: str = ""
    source: Path | None = None
    raw: dict = field(default_factory=dict, compare=False)

    @property
    def names(self) -> list[str]:
        """Vensim names of the uncertain constants, in file order."""
        return [u.name for u in self.uncertainties]

    def __len__(self) -> int:
        return len(self.uncertainties)

    def __getitem__(self, name: str) -> Uncertainty:
        return self.uncertainties[self.names.index(resolve(name, self.names, what="uncertainty"))]

    def from_unit(self, u: np.ndarray) -> pd.DataFrame:
        """Map points of the unit hypercube, shape ``(n, len(self))``, to parameter values.

        Returns
        -------
        pandas.DataFrame
            Shape ``(n, len(self))``, columns the Vensim names, index ``run`` (0..n-1),
            values in each constant's units.
        """
        return self._from_unit(np.array(u, dtype=float))

    def _from_unit(self, u: np.ndarray) -> pd.DataFrame:
        """:meth:`from_unit` overwriting `u` column by column (one (n, d) array in memory:
        648 MB for 10^6 runs of 81 constants, where a dict of columns and the frame built from
        it held three)."""
        if u.ndim != 2 or u.shape[1] != len(self):
            raise ValueError(f"expected unit samples of shape (n, {len(self)}), got {u.shape}")
        for j, unc in enumerate(self.uncertainties):
            u[:, j] = unc.ppf(u[:, j])
        return pd.DataFrame(u, columns=list(self.names),
                            index=pd.RangeIndex(u.shape[0], name="run"), copy=False)

    def sample(self, n: int, *, sampler: str = "lhs",
               seed: int | np.random.Generator | None = None) -> pd.DataFrame:
        """Draw `n` parameter sets.

        Parameters
        ----------
        n : number of parameter sets (rows), >= 1.
        sampler : ``"lhs"`` (Latin hypercube) or ``"sobol"`` (scrambled Sobol; a power of 2
            keeps its balance properties).
        seed : None, an int or a :class:`numpy.random.Generator`; the same int gives the
            same samples.

        Returns
        -------
        pandas.DataFrame
            Shape ``(n, len(self))``, columns the Vensim names, index ``run``, model units.
        """
        return self._from_unit(unit_samples(n, len(self), sampler=sampler, seed=seed))

    def to_dict(self) -> dict:
        """The spec as plain data (for manifests): ``{name: {distribution, ..., provenance}}``."""
        return {u.name: {"distribution": u.distribution, **u.params, "units": u.units,
                         "provenance": u.provenance} for u in self.uncertainties}

    def table(self) -> pd.DataFrame:
        """One row per uncertain constant: name, units, distribution, 1 % and 99 % quantiles."""
        rows = []
        for u in self.uncertainties:
            q1, q99 = u.quantiles(0.01)
            rows.append({"name": u.name, "units": u.units, "distribution": u.describe(),
                         "q01": q1, "q99": q99, "provenance": u.provenance})
        return pd.DataFrame(rows)


def unit_samples(n: int, d: int, *, sampler: str = "lhs",
                 seed: int | np.random.Generator | None = None) -> np.ndarray:
    """`n` points in the unit hypercube ``[0, 1)^d``, shape ``(n, d)``.

    Raises
    ------
    ValueError
        For ``n < 1`` or an unknown sampler (the message lists the valid ones).
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"number of samples must be a positive integer, got {n!r}")
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; valid: {', '.join(SAMPLERS)}")
    rng = np.random.default_rng(seed)
    if d == 0:
        return np.empty((int(n), 0))
    if sampler == "lhs":  # scipy.stats.qmc.LatinHypercube's numbers, without scipy.stats
        from cycle.distributions import latin_hypercube

        return latin_hypercube(int(n), d, rng)
    from scipy.stats import qmc

    engine = qmc.Sobol(d, scramble=True, rng=rng)
    if n & (n - 1):
        import warnings

        with warnings.catch_warnings():  # scipy warns; the docstring says it
            warnings.simplefilter("ignore")
            return engine.random(int(n))
    return engine.random(int(n))


# -- reading ------------------------------------------------------------------

def uncertain_dir() -> Path:
    """Folder of the shipped uncertainty specs (installed package data, or the source tree)."""
    return shipped_dir(UNCERTAIN_PACKAGE, "uncertain", "*.toml")


def available_specs() -> list[str]:
    """Names of the shipped uncertainty specs (``.toml`` stems)."""
    return sorted(p.stem for p in uncertain_dir().glob("*.toml"))


def _find(name_or_path: str | os.PathLike) -> Path:
    return find_file(name_or_path, folder=uncertain_dir(), suffix=".toml",
                     what="uncertainty spec", error=UncertaintyError)


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UncertaintyError(f"{where} = {value!r} is not a number")
    if not math.isfinite(value):
        raise UncertaintyError(f"{where} = {value!r} is not a finite number")
    return float(value)


def _fmt(x: float) -> str:
    return "?" if math.isnan(x) else f"{x:g}"


def _entry(model, key: str, body, where: str) -> Uncertainty:
    if not isinstance(body, dict):
        raise UncertaintyError(f"{where}: [{key!r}] must be a table with 'distribution' and its "
                               f"parameters, got {body!r}")
    try:
        name = model.resolve(key)
    except UnknownNameError as exc:
        raise UnknownNameError(f"{where}: [{key!r}]: {exc}") from None
    var = model.variables[name]
    if var.kind != "constant":
        raise UncertaintyError(f"{where}: [{key!r}]: {name} is a {var.kind}, not a constant; only "
                               "constants can be uncertain")
    at = f"{where}: {name}"
    kind = body.get("distribution")
    if kind is None:
        raise UncertaintyError(f"{at}: missing 'distribution' (valid: {', '.join(DISTRIBUTIONS)})")
    if kind not in DISTRIBUTIONS:
        near = closest(str(kind), DISTRIBUTIONS)
        hint = f"; did you mean {', '.join(repr(h) for h in near)}?" if near else ""
        raise UncertaintyError(f"{at}: unknown distribution {kind!r}{hint} "
                               f"(valid: {', '.join(DISTRIBUTIONS)})")
    required, optional = DISTRIBUTIONS[kind]
    allowed = (*required, *optional, "distribution", "provenance")
    for k in body:
        if k not in allowed:
            raise UncertaintyError(f"{at}: {kind} takes no parameter {k!r} "
                                   f"(valid: {', '.join(allowed)})")
    for k in required:
        if k not in body:
            raise UncertaintyError(f"{at}: {kind} needs {', '.join(required)}; {k!r} is missing")
    provenance = body.get("provenance", "")
    if not isinstance(provenance, str) or not provenance.strip():
        raise UncertaintyError(f"{at}: 'provenance' must be a non-empty line saying where the "
                               "distribution comes from")
    params = {k: _number(body[k], f"{at}.{k}") for k in (*required, *optional) if k in body}
    _check_shape(kind, params, at)
    unc = Uncertainty(name=name, distribution=kind, params=params,
                      provenance=" ".join(provenance.split()), units=var.units)
    lo, hi = unc.support()
    vlo, vhi = var.limits
    if (not math.isnan(vlo) and lo < vlo) or (not math.isnan(vhi) and hi > vhi):
        hint = (" (add lower/upper truncation)" if kind in ("normal", "lognormal") else "")
        raise OutOfRangeError(f"{at}: {unc.describe()} reaches [{lo:g}, {hi:g}], outside the "
                              f"range [{_fmt(vlo)}, {_fmt(vhi)}] {var.units} the model declares"
                              f"{hint}")
    return unc


def _check_shape(kind: str, p: dict[str, float], at: str) -> None:
    def fail(msg: str):
        raise UncertaintyError(f"{at}: {msg}")

    if kind == "uniform" and p["lower"] > p["upper"]:
        fail(f"lower = {p['lower']:g} must not exceed upper = {p['upper']:g}")
    if kind == "triangular" and not p["lower"] <= p["mode"] <= p["upper"]:
        fail(f"needs lower <= mode <= upper, got {p['lower']:g}, {p['mode']:g}, {p['upper']:g}")
    if kind == "normal" and p["sd"] < 0:
        fail(f"sd = {p['sd']:g} must be >= 0")
    if kind == "lognormal":
        if p["median"] <= 0:
            fail(f"median = {p['median']:g} must be > 0")
        if p["sigma"] < 0:
            fail(f"sigma = {p['sigma']:g} must be >= 0 (log units)")
    if kind in ("normal", "lognormal") and "lower" in p and "upper" in p \
            and p["lower"] >= p["upper"]:
        fail(f"truncation lower = {p['lower']:g} must be below upper = {p['upper']:g}")
    if kind in ("normal", "lognormal"):
        centre = p.get("mean", p.get("median"))
        spread = p.get("sd", p.get("sigma"))
        if spread == 0:
            if not p.get("lower", -math.inf) <= centre <= p.get("upper", math.inf):
                fail(f"the fixed value {centre:g} lies outside the truncation")
            return
        unc = Uncertainty("?", kind, p)
        lo, hi = unc._truncation()
        if hi - lo < 1e-9:
            fail("the truncation keeps (almost) none of the distribution's mass")


def load_uncertainties(name_or_path: str | os.PathLike, model) -> UncertaintySpec:
    """Read and check an uncertainty spec: a shipped name (``"northeast"``) or a ``.toml`` path.

    Parameters
    ----------
    name_or_path : shipped spec name (see ``uncertain/``) or path to a ``.toml`` file.
    model : the :class:`~cycle.model.Model` whose constants the spec names.

    Returns
    -------
    UncertaintySpec

    Raises
    ------
    UncertaintyError
        Malformed TOML (with the line), a name that is not a constant, an unknown
        distribution (listing the valid ones), missing or unknown parameters, non-numeric or
        non-finite numbers, inconsistent parameters (lower > upper, sd < 0, ...), no provenance.
    UnknownNameError
        A name the model lacks (with the closest names).
    OutOfRangeError
        A distribution whose support leaves the range the model declares for the constant.
    """
    path = _find(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UncertaintyError(f"{path}: malformed TOML: {exc}") from None
    description = data.get("description", "")
    if not isinstance(description, str):
        raise UncertaintyError(f"{path}: 'description' must be a string")
    entries = []
    for key, body in data.items():
        if key in _TOP:
            continue
        try:
            entries.append(_entry(model, key, body, str(path)))
        except UnknownNameError as exc:
            if any(_names_a_variable(model, k) for k in data if k not in _TOP):
                raise
            raise UnknownNameError(f"{exc}; the spec names none of the model {model.name}'s "
                                   "constants (it is another model's): give one for this model "
                                   "with --uncertain FILE") from None
    if not entries:
        raise UncertaintyError(f"{path}: no uncertain constants (add a [\"Vensim Name\"] table)")
    names = [u.name for u in entries]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise UncertaintyError(f"{path}: {', '.join(dup)} given more than once")
    return UncertaintySpec(uncertainties=tuple(entries), description=" ".join(description.split()),
                           source=path, raw=data)


def _names_a_variable(model, name: str) -> bool:
    try:
        model.resolve(name)
    except UnknownNameError:
        return False
    return True


# -- the calibration's posterior sample ---------------------------------------

@dataclass(frozen=True)
class PosteriorSample:
    """The shipped posterior draws of the calibrated parameters (``cycle calibrate``).

    Attributes
    ----------
    draws : DataFrame, one column per calibrated constant (model units), one row per draw.
    source : the CSV file.
    info : the ``[posterior]`` table of the fitted TOML (reading, seed, walkers, steps, ...).
    """

    draws: pd.DataFrame
    source: Path
    info: dict

    def describe(self) -> dict:
        """What a manifest records about the sample."""
        return {"file": str(self.source), "draws": len(self.draws), "parameters": list(self.draws.columns),
                **{k: v for k, v in self.info.items() if k not in ("file", "draws", "parameters")}}


def load_posterior(model) -> PosteriorSample | None:
    """The posterior sample fitted to this very `model` file, or None.

    None when the model was loaded without its calibration, its fitted TOML (same SHA-256, see
    :func:`cycle.model.load_model`) has no ``[posterior]`` table, or the CSV it names is absent.

    Raises
    ------
    InputError
        A CSV that lacks a calibrated column, has non-finite values or values outside the
        range the model declares.
    """
    fitted = getattr(model, "calibration_file", None)
    if not fitted:
        return None
    fitted = Path(fitted)
    doc = tomllib.loads(fitted.read_text(encoding="utf-8"))
    info = doc.get("posterior")
    if not isinstance(info, dict) or "file" not in info:
        return None
    path = fitted.parent / str(info["file"])
    if not path.is_file():
        return None
    df = pd.read_csv(path, index_col=0)
    names = list(info.get("parameters", [])) or [c for c in df.columns if c != "log_posterior"]
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise InputError(f"{path.name}: no column for {', '.join(missing)}")
    draws = df[names].astype(float)
    for name in names:
        col = draws[name].to_numpy()
        if not np.all(np.isfinite(col)):
            raise InputError(f"{path.name}: {name} has non-finite draws")
        lo, hi = model.variables[name].limits
        if (not math.isnan(lo) and col.min() < lo) or (not math.isnan(hi) and col.max() > hi):
            raise OutOfRangeError(f"{path.name}: draws of {name} leave the range "
                                  f"[{_fmt(lo)}, {_fmt(hi)}] the model declares")
    return PosteriorSample(draws=draws.reset_index(drop=True), source=path, info=dict(info))


def posterior_rows(sample: PosteriorSample, n: int,
                   seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """`n` whole rows of the posterior sample (so the parameters' correlations are kept).

    Rows are drawn without replacement when ``n`` is at most the number of draws, else with
    replacement; the same seed gives the same rows. The generator is derived from `seed`
    apart from the one that samples the uncertain constants, so adding the posterior does
    not change those.

    Returns
    -------
    pandas.DataFrame
        Shape ``(n, k)``, columns the calibrated constants, index ``run``.
    """
    if isinstance(seed, np.random.Generator):
        rng = seed
    else:
        rng = np.random.default_rng(None if seed is None else [int(seed), 14])
    m = len(sample.draws)
    idx = rng.choice(m, size=int(n), replace=int(n) > m)
    out = sample.draws.iloc[idx].reset_index(drop=True)
    out.index = pd.RangeIndex(int(n), name="run")
    return out
