"""The four distributions of an uncertainty spec and Latin hypercube sampling, computed as
:mod:`scipy.stats` computes them, without importing :mod:`scipy.stats`.

Importing :mod:`scipy.stats` takes 0.4-0.55 s (SciPy 1.17 rewrites the docstrings of hundreds
of functions at import time), a sixth of a warm ``cycle ensemble``. Sampling needs only the
inverse CDFs of four distributions, two CDFs and the Latin hypercube; they take a few lines
each, on :func:`scipy.special.ndtri` and :func:`scipy.special.ndtr` (~0.07 s to import).

Each function performs scipy's own operations in scipy's order on arrays of the same layout
(``rv_continuous.ppf``/``cdf`` with ``norm``, ``lognorm``, ``uniform``, ``triang``;
``qmc.LatinHypercube`` with ``scramble=True, strength=1``), so the numbers are the same bits:
``tests/test_uncertainty.py`` checks that against :mod:`scipy.stats` itself, edge
probabilities included. Scrambled Sobol sampling still uses :mod:`scipy.stats.qmc`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ppf", "cdf", "latin_hypercube", "scipy_frozen"]

# kind -> (lower end, upper end) of the standard distribution's support (scipy's _a, _b)
_SUPPORT = {"normal": (-np.inf, np.inf), "lognormal": (0.0, np.inf), "uniform": (0.0, 1.0),
            "triangular": (0.0, 1.0)}


def _loc_scale_shape(kind: str, p: dict[str, float]) -> tuple[float, float, float | None]:
    """scipy's (loc, scale, shape) of `kind` with the spec's parameters `p`."""
    if kind == "normal":
        return p["mean"], p["sd"], None
    if kind == "lognormal":
        return 0.0, p["median"], p["sigma"]
    if kind == "uniform":
        return p["lower"], p["upper"] - p["lower"], None
    if kind == "triangular":
        return p["lower"], p["upper"] - p["lower"], (p["mode"] - p["lower"]) / (p["upper"] - p["lower"])
    raise ValueError(f"unknown distribution {kind!r}")


def _shape_ok(kind: str, shape) -> bool:
    if kind == "lognormal":
        return bool(shape > 0)
    if kind == "triangular":
        return bool(0 <= shape <= 1)
    return True


def _standard_ppf(kind: str, q: np.ndarray, shape) -> np.ndarray:
    from scipy.special import ndtri

    if kind == "normal":
        return ndtri(q)
    if kind == "lognormal":
        return np.exp(shape * ndtri(q))
    if kind == "uniform":
        return q
    return np.where(q < shape, np.sqrt(shape * q), 1 - np.sqrt((1 - shape) * (1 - q)))


def _reduce(cond: np.ndarray, *args: np.ndarray) -> list[np.ndarray]:
    """scipy's ``argsreduce``: the entries of each argument where `cond` holds, 1-D."""
    args = [np.atleast_1d(a) for a in args]
    if np.all(cond):
        *args, cond = np.broadcast_arrays(*args, cond)
        return [a.ravel() for a in args]
    return [a if np.size(a) == 1 else np.extract(cond, np.broadcast_to(a, cond.shape))
            for a in args]


def ppf(kind: str, params: dict[str, float], q) -> np.ndarray:
    """Inverse CDF of the spec distribution `kind` with `params`, at probabilities `q`
    (values in the constant's units); as ``scipy.stats.<dist>(...).ppf(q)``."""
    loc, scale, shape = _loc_scale_shape(kind, params)
    q, loc, scale = (np.asarray(x) for x in (q, loc, scale))
    a, b = _SUPPORT[kind]
    cond0 = _shape_ok(kind, shape) & (scale > 0) & (loc == loc)
    cond1 = (0 < q) & (q < 1)
    cond2 = cond0 & (q == 0)
    cond3 = cond0 & (q == 1)
    cond = cond0 & cond1
    out = np.full(np.shape(cond), fill_value=np.nan)
    np.place(out, cond2, _reduce(cond2, a * scale + loc)[0])
    np.place(out, cond3, _reduce(cond3, b * scale + loc)[0])
    if np.any(cond):
        goodq, goodscale, goodloc = _reduce(cond, q, scale, loc)
        np.place(out, cond, _standard_ppf(kind, goodq, shape) * goodscale + goodloc)
    return out[()] if out.ndim == 0 else out


def cdf(kind: str, params: dict[str, float], x) -> np.ndarray:
    """CDF of the normal or lognormal spec distribution at `x`; as
    ``scipy.stats.<dist>(...).cdf(x)``."""
    from scipy.special import ndtr

    if kind not in ("normal", "lognormal"):
        raise ValueError(f"cdf is implemented for normal and lognormal, not {kind!r}")
    loc, scale, shape = _loc_scale_shape(kind, params)
    x, loc, scale = (np.asarray(v) for v in (x, loc, scale))
    a, b = _SUPPORT[kind]
    dtype = np.promote_types(x.dtype, np.float64)
    x = np.asarray((x - loc) / scale, dtype=dtype)
    cond0 = _shape_ok(kind, shape) & (scale > 0)
    cond1 = (a < x) & (x < b) & (scale > 0)
    cond2 = (x >= np.asarray(b)) & cond0
    cond = cond0 & cond1
    out = np.zeros(np.shape(cond), dtype)
    np.place(out, (1 - cond0) + np.isnan(x), np.nan)
    np.place(out, cond2, 1.0)
    if np.any(cond):
        (goodx,) = _reduce(cond, x)
        np.place(out, cond, ndtr(goodx) if kind == "normal" else ndtr(np.log(goodx) / shape))
    return out[()] if out.ndim == 0 else out


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """`n` points of a scrambled Latin hypercube in ``[0, 1)^d``, shape ``(n, d)``; as
    ``scipy.stats.qmc.LatinHypercube(d, rng=rng).random(n)``, which draws from a child of
    `rng` (spawned, as scipy does, so `rng` itself is not advanced)."""
    child = np.random.Generator(type(rng.bit_generator)(rng.bit_generator.seed_seq.spawn(1)[0]))
    samples = child.uniform(size=(n, d))
    # scipy shuffles d rows of 1..n in turn and returns (perms.T - samples) / n; one column at
    # a time draws the same numbers in the same order and holds one permutation, not d
    for i in range(d):
        perm = np.arange(1, n + 1)
        child.shuffle(perm)
        samples[:, i] = (perm - samples[:, i]) / n
    return samples


def scipy_frozen(kind: str, params: dict[str, float]):
    """The same distribution as a frozen :mod:`scipy.stats` distribution (the reference;
    imports scipy.stats)."""
    from scipy import stats

    loc, scale, shape = _loc_scale_shape(kind, params)
    if kind == "normal":
        return stats.norm(loc=loc, scale=scale)
    if kind == "lognormal":
        return stats.lognorm(s=shape, scale=scale)
    if kind == "uniform":
        return stats.uniform(loc=loc, scale=scale)
    return stats.triang(c=shape, loc=loc, scale=scale)
