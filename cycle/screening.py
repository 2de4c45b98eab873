"""Screen every constant of a model: which ones move the key 2050 outputs, and are they covered?

Two screens over **all** constants of the model, each run as one batch on the engine:

- **one at a time** (:func:`oat_screen`): each constant at its calibrated value × 0.8 and × 1.2
  (cut to the range the ``.mdl`` declares), every other constant at its calibrated value; the
  effect is the relative change of each key output in the screen year;
- **Morris** (:func:`morris_screen`, SALib): elementary effects over the same ±20 % box, so
  interactions and non-linearity show (``sigma``); ``mu_star`` is reported relative to the
  baseline output.

Excluded, and said so in the table: policy-lever constants (a scenario sets them; they are not
uncertain), scenario shocks (``policy input`` constants such as the default wave), and the
loop knock-out switches (structural 0/1 switches, not parameters).

:func:`coverage` applies the rule of issue 14: every constant whose one-at-a-time effect on
any key output exceeds :data:`THRESHOLD` (5 %) at ±20 % must be calibrated
(``calibration/parameters.toml``) or sampled (``uncertain/<model>.toml``). Morris effects,
expressed on the same scale (the mean absolute change of the output over a 20 % move, over
the baseline value), are reported beside it: where they are much larger than the one-at-a-time
effect, the constant acts through interactions with others. Calendar-year constants (start or
switch years) are moved by ±2 years instead of ±20 %.

References
----------
Morris, M. D. (1991), Factorial sampling plans for preliminary computational experiments.
Technometrics 33, 161-174. Campolongo, F., Cariboni, J., Saltelli, A. (2007), Environ. Model.
Softw. 22, 1509-1518.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["SCREEN_OUTPUTS", "SCREEN_YEAR", "STEP", "THRESHOLD", "ScreenResult", "screen_constants",
           "oat_screen", "morris_screen", "run_screen", "coverage", "normalisation_constants",
           "screen_markdown",
           "write_screen", "shipped_screen_path", "load_screen"]

SCREEN_OUTPUTS = ("Tech Loan Balance", "Patient Capital", "Industrial Capacity", "Tech SME Count",
                  "High Tech Enterprise Count", "NPL Ratio")
"""Key outputs the screen reads (those the model has)."""

SCREEN_YEAR = 2050.0
"""Year the outputs are read."""

STEP = 0.2
"""Relative change of each constant (±20 %)."""

THRESHOLD = 0.05
"""A constant whose effect on a key output exceeds this share must be calibrated or sampled."""

_TIME_SETTINGS = ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")
_SWITCH = re.compile(r"\bSwitch$")


def screen_constants(model) -> tuple[list[str], dict[str, str]]:
    """Constants to screen, and the excluded ones with the reason.

    Returns
    -------
    (list of Vensim names, dict name -> reason for exclusion)
    """
    from cycle.levers import lever_constants

    levers = lever_constants()
    keep, excluded = [], {}
    for name, var in model.variables.items():
        if var.kind != "constant":
            continue
        source = (getattr(var, "source", "") or "").lower()
        if name.upper() in _TIME_SETTINGS:
            excluded[name] = "time setting of the simulation"
        elif name in levers:
            excluded[name] = f"policy lever ({levers[name]})"
        elif _SWITCH.search(name):
            excluded[name] = "loop knock-out switch (structural, 0/1)"
        elif source.startswith("policy input"):
            excluded[name] = "policy input / scenario shock"
        else:
            keep.append(name)
    return keep, excluded


DATE_SHIFT = 2.0
"""Calendar-year constants (a switch or start year) are screened at ± this many years."""


def _is_date(model, name: str, value: float) -> bool:
    return model.variables[name].units.strip().lower() == "year" and value >= 1900


def _outputs(model) -> list[str]:
    return [v for v in SCREEN_OUTPUTS if v in model.variables]


def _box(model, names: list[str], base: dict[str, float], step: float) -> tuple[np.ndarray, np.ndarray,
                                                                                np.ndarray]:
    """Values, low and high ends (±step, cut to the declared range) of each constant."""
    v = np.array([base[n] for n in names], dtype=float)
    lo, hi = v * (1 - step), v * (1 + step)
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    for i, n in enumerate(names):
        if _is_date(model, n, v[i]):  # a calendar year: ±20 % of the year number means nothing
            lo[i], hi[i] = v[i] - DATE_SHIFT, v[i] + DATE_SHIFT
    for i, n in enumerate(names):
        a, b = model.variables[n].limits
        if not math.isnan(a):
            lo[i] = max(lo[i], a)
        if not math.isnan(b):
            hi[i] = min(hi[i], b)
    return v, lo, hi


def _run(model, names: list[str], X: np.ndarray, base: dict[str, float], outputs: list[str],
         year: float) -> dict[str, np.ndarray]:
    """Run the rows of X (columns `names`) on the engine's NumPy loop; outputs at `year`."""
    from cycle.engine import build_engine
    from cycle.sensitivity import value_at

    engine = build_engine(model.path)
    consts = set(engine.constants)
    values: dict[str, float | np.ndarray] = {k: v for k, v in base.items() if k in consts}
    values.update({n: X[:, j].copy() for j, n in enumerate(names)})
    with np.errstate(all="ignore"):
        res = engine.run(values, n=X.shape[0], final_time=year, return_columns=outputs,
                         backend="numpy")
    times = np.asarray(res.times, dtype=float)
    return {o: value_at(times, np.broadcast_to(np.asarray(res.values[o], dtype=float),
                                               (X.shape[0], len(times))), year) for o in outputs}


def oat_screen(model, names: list[str] | None = None, *, step: float = STEP,
               year: float = SCREEN_YEAR, base: dict[str, float] | None = None) -> pd.DataFrame:
    """One-at-a-time screen: each constant at ×(1 − step) and ×(1 + step), one batch run.

    Returns
    -------
    pandas.DataFrame
        One row per constant: constant, units, value, low, high (the values run), then for each
        output ``<output> low`` and ``<output> high`` (relative change of the output, fraction),
        ``oat_effect`` (largest absolute relative change over outputs and both ends),
        ``oat_output`` (the output it moves most) and ``note``.
    """
    names = screen_constants(model)[0] if names is None else list(names)
    base = dict(model.defaults) if base is None else dict(base)
    outs = _outputs(model)
    v, lo, hi = _box(model, names, base, step)
    k = len(names)
    X = np.tile(v, (2 * k + 1, 1))
    for j in range(k):
        X[1 + 2 * j, j] = lo[j]
        X[2 + 2 * j, j] = hi[j]
    Y = _run(model, names, X, base, outs, year)
    rows = []
    for j, n in enumerate(names):
        row = {"constant": n, "units": model.variables[n].units, "value": v[j], "low": lo[j], "high": hi[j]}
        best, which = 0.0, ""
        for o in outs:
            y0 = Y[o][0]
            for end, r in (("low", 1 + 2 * j), ("high", 2 + 2 * j)):
                rel = (Y[o][r] - y0) / abs(y0) if y0 != 0 else (0.0 if Y[o][r] == y0 else math.inf)
                row[f"{o} {end}"] = rel
                if not np.isfinite(rel) or abs(rel) > best:
                    best, which = (abs(rel) if np.isfinite(rel) else math.inf), o
        row["oat_effect"] = best
        row["oat_output"] = which
        if _is_date(model, n, v[j]):
            note = f"calendar year: ±{DATE_SHIFT:g} years"
        elif v[j] == 0:
            note = "value 0: ±20 % is no change"
        elif lo[j] > v[j] * (1 - step) + 1e-12 * abs(v[j]) or hi[j] < v[j] * (1 + step) - 1e-12 * abs(v[j]):
            note = "cut to the declared range"
        else:
            note = ""
        row["note"] = note
        rows.append(row)
    return pd.DataFrame(rows)


def morris_screen(model, names: list[str] | None = None, *, step: float = STEP,
                  year: float = SCREEN_YEAR, trajectories: int = 10, seed: int = 0,
                  base: dict[str, float] | None = None) -> pd.DataFrame:
    """Morris screen over the ±`step` box of every constant with a non-zero value.

    Returns
    -------
    pandas.DataFrame
        One row per constant: constant, ``morris_effect`` (largest ``mu_star`` over outputs, as
        the mean absolute change over a 20 % move relative to the baseline output),
        ``morris_output``, ``morris_sigma`` (its ``sigma``, same scale). Constants at value 0
        get NaN (their box is empty).
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    names = screen_constants(model)[0] if names is None else list(names)
    base = dict(model.defaults) if base is None else dict(base)
    outs = _outputs(model)
    v, lo, hi = _box(model, names, base, step)
    live = [j for j in range(len(names)) if hi[j] > lo[j]]
    problem = {"num_vars": len(live), "names": [names[j] for j in live],
               "bounds": [[lo[j], hi[j]] for j in live]}
    U = morris_sample.sample(problem, trajectories, num_levels=4, seed=seed)
    X = np.tile(v, (U.shape[0] + 1, 1))
    X[1:, live] = U
    Y = _run(model, names, X, base, outs, year)
    best = np.zeros(len(live))
    which = [""] * len(live)
    sig = np.zeros(len(live))
    for o in outs:
        y0 = abs(Y[o][0]) or 1.0
        res = morris_analyze.analyze(problem, U, Y[o][1:], num_levels=4, seed=seed, print_to_console=False)
        # SALib's effects are per unit of the scaled range (the whole ±20 % box): half of it is
        # the effect of a 20 % move, on the scale of the one-at-a-time effect
        mu = 0.5 * np.asarray(res["mu_star"], dtype=float) / y0
        sg = 0.5 * np.asarray(res["sigma"], dtype=float) / y0
        for i in range(len(live)):
            if mu[i] > best[i]:
                best[i], which[i], sig[i] = mu[i], o, sg[i]
    out = pd.DataFrame({"constant": names, "morris_effect": np.nan, "morris_output": "",
                        "morris_sigma": np.nan})
    out.loc[live, "morris_effect"] = best
    out.loc[live, "morris_output"] = which
    out.loc[live, "morris_sigma"] = sig
    return out


def coverage(table: pd.DataFrame, calibrated: set[str], sampled: set[str],
             threshold: float = THRESHOLD, normalisations: set[str] = frozenset()) -> pd.DataFrame:
    """Add ``influential`` (one-at-a-time effect above `threshold`) and ``status`` (calibrated /
    sampled / normalisation / fixed) to a screen table; the rule holds when no influential
    constant is fixed. A normalisation (an index set to 100 in the base year by definition) is
    not uncertain; if it is influential the model's output depends on the index's level, which
    the report names as a structural finding."""
    t = table.copy()
    t["influential"] = t["oat_effect"] > threshold
    t["status"] = ["calibrated" if c in calibrated else "sampled" if c in sampled
                   else "normalisation" if c in normalisations else "fixed" for c in t["constant"]]
    return t


def normalisation_constants(model) -> set[str]:
    """Constants whose .mdl source says they are a normalisation (an index's base value)."""
    return {n for n, v in model.variables.items() if v.kind == "constant"
            and (getattr(v, "source", "") or "").lower().startswith("normalisation")}


@dataclass
class ScreenResult:
    """A screen of every constant: the table and what it was run with."""

    table: pd.DataFrame
    excluded: dict[str, str]
    outputs: list[str]
    year: float
    step: float
    trajectories: int
    seed: int
    runs: int
    model: object = None
    base: dict = field(default_factory=dict)

    @property
    def uncovered(self) -> list[str]:
        """Influential constants that are neither calibrated nor sampled (the rule's failures)."""
        t = self.table
        return list(t.loc[t["influential"] & (t["status"] == "fixed"), "constant"])


def run_screen(model="northeast", *, step: float = STEP, year: float = SCREEN_YEAR,
               trajectories: int = 10, seed: int = 0, names: list[str] | None = None,
               spec="northeast", parameters=None, progress: bool = True) -> ScreenResult:
    """Both screens over every screened constant, ranked, with coverage by calibration and spec.

    Parameters
    ----------
    model : model name, path or loaded model (its calibrated values are the baseline).
    step : relative change of each constant (0.2 = ±20 %).
    year : year the outputs are read (calendar years).
    trajectories : Morris trajectories (runs = trajectories × (constants + 1)).
    seed : SALib's seed.
    names : constants to screen (default: :func:`screen_constants`).
    spec : uncertainty spec (name, path or :class:`~cycle.uncertainty.UncertaintySpec`) whose
        constants count as sampled; None: none.
    parameters : calibration parameters TOML whose constants count as calibrated (default: the
        shipped one).
    """
    from cycle.calibration.fit import load_parameters
    from cycle.model import load_model
    from cycle.uncertainty import load_uncertainties

    m = model if hasattr(model, "variables") else load_model(model)
    if not 0 < step < 1:
        raise ValueError(f"step must be in (0, 1), got {step}")
    keep, excluded = screen_constants(m)
    names = keep if names is None else list(names)
    if progress:
        print(f"screen: {len(names)} constants ({len(excluded)} excluded), one at a time "
              f"({2 * len(names) + 1} runs) and Morris ({trajectories} trajectories)",
              file=sys.stderr, flush=True)
    base = dict(m.defaults)
    oat = oat_screen(m, names, step=step, year=year, base=base)
    mor = morris_screen(m, names, step=step, year=year, trajectories=trajectories, seed=seed, base=base)
    table = oat.merge(mor, on="constant")
    calibrated = {p.name for p in load_parameters(parameters, model=m)}
    if spec is None:
        sampled: set[str] = set()
    else:
        sp = spec if hasattr(spec, "names") else load_uncertainties(spec, m)
        sampled = set(sp.names)
    table = coverage(table, calibrated, sampled, normalisations=normalisation_constants(m))
    table = table.sort_values(["oat_effect", "morris_effect"], ascending=False, ignore_index=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    runs = 2 * len(names) + 1 + trajectories * (len(names) + 1) + 1
    return ScreenResult(table=table, excluded=excluded, outputs=_outputs(m), year=year, step=step,
                        trajectories=trajectories, seed=seed, runs=runs, model=m, base=base)


def _pct(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return "inf" if math.isinf(x) else f"{100 * x:.1f} %"


def screen_markdown(result: ScreenResult, top: int | None = None) -> str:
    """The screen as Markdown: what was run, the ranked table (all rows, or `top`), exclusions."""
    t = result.table if top is None else result.table.head(top)
    n_inf = int(result.table["influential"].sum())
    L = [f"# Screen of every constant: effect on key outputs in {result.year:g}", "",
         f"Model {result.model.name if result.model is not None else ''}, calibrated baseline. "
         f"{len(result.table)} constants screened, each at ×{1 - result.step:g} and ×{1 + result.step:g} "
         "(cut to its declared range) one at a time, and by Morris elementary effects "
         f"({result.trajectories} trajectories, 4 levels, seed {result.seed}) over the same box; "
         f"{result.runs} runs. Outputs: {', '.join(result.outputs)}. Effects are relative changes of the "
         "output (one at a time: the largest over outputs and both ends; Morris: mu* over the "
         "baseline output).", "",
         f"Rule (issue 14): a constant whose effect exceeds {100 * THRESHOLD:g} % is calibrated "
         f"(calibration/parameters.toml) or sampled (uncertain spec). {n_inf} constants exceed it; "
         + (f"**not covered: {', '.join(result.uncovered)}**." if result.uncovered
            else "every one is covered."),
         "", "| rank | constant | value | ±20 % effect (one at a time) | output moved most | Morris mu* | "
         "Morris sigma | influential | status | note |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in t.to_dict("records"):
        L.append(f"| {r['rank']} | {r['constant']} | {r['value']:.4g} {r['units']} | "
                 f"{_pct(r['oat_effect'])} | "
                 f"{r['oat_output']} | {_pct(r['morris_effect'])} | {_pct(r['morris_sigma'])} | "
                 f"{'yes' if r['influential'] else 'no'} | {r['status']} | {r['note']} |")
    norm = result.table[result.table["influential"] & (result.table["status"] == "normalisation")]
    if len(norm):
        L += ["", "Normalisations that move outputs (a structural finding, not an uncertainty): "
              + "; ".join(f"{r['constant']} ({_pct(r['oat_effect'])} on {r['oat_output']})"
                          for r in norm.to_dict("records"))
              + ". An index set to 100 by definition should not change any output; its level enters "
              "through constants scaled to it."]
    L += ["", "Excluded from the screen:", ""]
    for name, why in sorted(result.excluded.items(), key=lambda kv: (kv[1], kv[0])):
        L.append(f"- {name}: {why}")
    L.append("")
    return "\n".join(L)


def write_screen(result: ScreenResult, out: str | Path, *, argv: list[str] | None = None) -> list[Path]:
    """Write ``screen.csv``, ``screen.md`` and ``manifest.json`` into `out`."""
    from cycle.manifest import write_manifest
    from cycle.outputs import write_csv, write_text

    out = Path(out)
    written = [write_csv(out / "screen.csv", result.table, index=False),
               write_text(out / "screen.md", screen_markdown(result))]
    extra = {"screen": {"year": result.year, "step": result.step, "trajectories": result.trajectories,
                        "seed": result.seed, "runs": result.runs, "outputs": result.outputs,
                        "threshold": THRESHOLD, "excluded": result.excluded,
                        "uncovered": result.uncovered}}
    written.append(write_manifest(out, model=result.model, params={}, extra=extra, argv=argv))
    return written


def shipped_screen_path(model_name: str = "northeast") -> Path:
    """The shipped screen table, ``uncertain/screen_<model>.csv``."""
    from cycle.uncertainty import uncertain_dir

    return uncertain_dir() / f"screen_{model_name}.csv"


def load_screen(model_name: str = "northeast") -> pd.DataFrame:
    """The shipped screen table (see :func:`run_screen` for its columns)."""
    return pd.read_csv(shipped_screen_path(model_name), keep_default_na=False,
                       na_values={"morris_effect": [""], "morris_sigma": [""]})
