"""Global sensitivity of one output at one year to the uncertain constants (SALib).

The SALib problem is built from the uncertainty spec in *probability space*: each constant's
inverse CDF maps a probability ``p`` to its value, and SALib samples ``p`` uniformly in
``[0, 1]`` for uniform constants and in ``[0.01, 0.99]`` for the others. The indices thus
refer to the spec's distributions, with the non-uniform ones cut at their 1 % and 99 %
quantiles (the ``low``/``high`` columns of the table). Morris' ``mu_star`` is the mean absolute
change of the output (its units) over a step of 2/3 of that probability range.

- ``method="sobol"``: :func:`SALib.sample.sobol.sample` (``N * (D + 2)`` runs, no second
  order) and :func:`SALib.analyze.sobol.analyze`: S1, S1_conf, ST, ST_conf.
- ``method="morris"``: :func:`SALib.sample.morris.sample` (``N * (D + 1)`` runs, 4 levels) and
  :func:`SALib.analyze.morris.analyze`: mu_star, mu_star_conf, sigma.

References
----------
Saltelli, A. et al. (2010), Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index. Comput. Phys. Commun. 181, 259-270.
https://doi.org/10.1016/j.cpc.2009.09.018
Campolongo, F., Cariboni, J., Saltelli, A. (2007), An effective screening design for
sensitivity analysis of large models. Environ. Model. Softw. 22, 1509-1518.
https://doi.org/10.1016/j.envsoft.2006.10.004
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cycle.ensembles.evaluators import RunTask, SequentialEvaluator, make_chunks
from cycle.model import load_model
from cycle.scenarios import load_scenario
from cycle.uncertainty import UncertaintySpec, load_uncertainties

__all__ = ["METHODS", "SensitivityResult", "sensitivity_problem", "value_at", "run_sensitivity",
           "write_sensitivity", "sensitivity_markdown", "plot_sensitivity"]

METHODS = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"),
           "morris": ("mu_star", "mu_star_conf", "sigma")}
"""Method -> columns of the index table."""

DEFAULT_SAMPLES = {"sobol": 256, "morris": 50}
"""Default ``N`` (base samples for Sobol, trajectories for Morris)."""

KERNEL_RUNS = 64
"""Smallest chunk (runs): chunks stay in the engine's compiled loop (the loop is chosen by size)."""

TAIL = 0.01
"""Non-uniform constants are sampled between their TAIL and 1 - TAIL quantiles."""


@dataclass
class SensitivityResult:
    """Sensitivity indices of one output at one year.

    Attributes
    ----------
    table : one row per uncertain constant, ranked (Sobol by ST, Morris by mu_star): parameter,
        units, distribution, low, high (the range sampled, constant's units), then the
        method's columns (:data:`METHODS`). Indices are fractions of variance (Sobol) or in
        the output's units (Morris).
    method, output, year : what was analysed (year in calendar years).
    units : the output's units.
    n : SALib's ``N``; runs : number of model runs.
    seed : the integer seed used.
    scenario : the scenario the runs used.
    problem : the SALib problem dict (probability space).
    X : sampled probabilities ``(runs, D)``; Y : the output at `year` ``(runs,)``.
    """

    table: pd.DataFrame
    method: str
    output: str
    year: float
    units: str
    n: int
    runs: int
    seed: int
    scenario: str
    problem: dict
    spec: UncertaintySpec
    model: object = None
    params: dict = field(default_factory=dict)
    X: np.ndarray | None = None
    Y: np.ndarray | None = None
    evaluator: str = ""


def sensitivity_problem(spec: UncertaintySpec) -> dict:
    """SALib problem dict in probability space (see the module docstring).

    Returns
    -------
    dict
        ``names`` (Vensim names), ``num_vars``, ``bounds`` (``[0, 1]`` for uniform constants,
        ``[0.01, 0.99]`` for the others).
    """
    bounds = [[0.0, 1.0] if u.distribution == "uniform" else [TAIL, 1 - TAIL]
              for u in spec.uncertainties]
    return {"names": spec.names, "num_vars": len(spec), "bounds": bounds}


def value_at(times: np.ndarray, values: np.ndarray, year: float) -> np.ndarray:
    """Values ``(n, T)`` at `year`, linearly interpolated between saved times; shape ``(n,)``."""
    times = np.asarray(times, dtype=float)
    if not times[0] - 1e-9 <= year <= times[-1] + 1e-9:
        raise ValueError(f"year {year:g} is outside the run [{times[0]:g}, {times[-1]:g}]")
    k = int(np.clip(np.searchsorted(times, year), 1, len(times) - 1))
    w = (year - times[k - 1]) / (times[k] - times[k - 1])
    return (1 - w) * values[:, k - 1] + w * values[:, k]


def _sample(method: str, problem: dict, n: int, seed: int) -> np.ndarray:
    if method == "sobol":
        from SALib.sample import sobol

        if n & (n - 1):
            lower = 1 << (n.bit_length() - 1)
            raise ValueError(f"--samples for sobol must be a power of 2 (Sobol' sequence balance), "
                             f"got {n}; try {lower} or {lower * 2}")
        return sobol.sample(problem, n, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=4, seed=seed)


def _analyse(method: str, problem: dict, X: np.ndarray, Y: np.ndarray, seed: int) -> pd.DataFrame:
    if method == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(problem, Y, calc_second_order=False, seed=seed,
                            print_to_console=False)
    else:
        from SALib.analyze import morris

        res = morris.analyze(problem, X, Y, num_levels=4, seed=seed, print_to_console=False)
    return pd.DataFrame({c: np.asarray(res[c], dtype=float) for c in METHODS[method]})


def run_sensitivity(spec: UncertaintySpec | str = "northeast", *, output: str, year: float,
                    method: str = "sobol", n: int | None = None, seed: int | None = None,
                    scenario=None, model="northeast", evaluator=None,
                    progress: bool = True) -> SensitivityResult:
    """Sample the uncertain constants with SALib, run the model, and compute indices.

    Parameters
    ----------
    spec : an :class:`UncertaintySpec`, a shipped spec name or a ``.toml`` path.
    output : Vensim name of the output variable.
    year : when the output is read (calendar years; interpolated between saved times).
    method : ``"sobol"`` or ``"morris"``.
    n : SALib's ``N`` (default :data:`DEFAULT_SAMPLES`); Sobol needs a power of 2.
    seed : integer seed for SALib's sampler and bootstrap (None: drawn and recorded).
    scenario : scenario name, path or :class:`~cycle.scenarios.Scenario` (default: baseline).
    model : model name, path or loaded model.
    evaluator : an entered evaluator (default: sequential).
    progress : log the run count to stderr.

    Raises
    ------
    UnknownNameError
        Unknown output (with the closest names).
    ValueError
        Unknown method, bad N or seed, a year outside the simulated range.
    """
    m = model if hasattr(model, "variables") else load_model(model)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    output = m.resolve(output)
    if m.variables[output].kind == "constant":
        raise ValueError(f"--output {output} is a constant: it does not respond to the sampled "
                         "constants (choose a stock or auxiliary; see 'cycle vars')")
    year = float(year)
    if not math.isfinite(year) or year < m.initial_time:
        raise ValueError(f"--year {year:g} is before INITIAL TIME {m.initial_time:g}")
    if year <= m.initial_time + 1e-9:
        raise ValueError(f"--year {year:g} is INITIAL TIME: every run starts from the same "
                         "initial state there; choose a later year")
    final = m.check_until(year) if year > m.final_time else m.final_time
    n = DEFAULT_SAMPLES[method] if n is None else n
    if isinstance(n, bool) or int(n) != n or n < 2:
        raise ValueError(f"--samples must be an integer >= 2, got {n!r}")
    n = int(n)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(spec, str | Path):
        spec = load_uncertainties(spec, m)
    scen = load_scenario(scenario if scenario is not None else "baseline")
    params = scen.to_params(m, until=final)

    problem = sensitivity_problem(spec)
    X = _sample(method, problem, n, int(seed))
    values = spec.from_unit(X)
    if progress:
        per = "N * (D + 2)" if method == "sobol" else "N * (D + 1)"
        print(f"{method}: N = {n}, D = {len(spec)} parameters: {per} = {len(X)} runs",
              file=sys.stderr, flush=True)

    from cycle.engine import build_engine

    engine = build_engine(m.path)
    task = RunTask(mdl_path=str(m.path), sha256=engine.sha256, final_time=final, columns=(output,))
    sampled = {name: values[name].to_numpy() for name in spec.names}
    chunks = make_chunks(task, {**m.calibration, **params, **sampled}, n=len(X),
                         size=max(KERNEL_RUNS, min(5_000, -(-len(X) // 20))), label=scen.name)
    ev = evaluator if evaluator is not None else SequentialEvaluator()
    from tqdm import tqdm

    with tqdm(total=len(X), desc="cycle sensitivity", unit="run", file=sys.stderr,
              disable=not progress) as bar:
        results = ev.evaluate(chunks, callback=lambda r: bar.update(r.n))
    traj = np.concatenate([r.values[output] for r in results], axis=0)
    Y = value_at(results[0].times, traj, year)
    if not np.all(np.isfinite(Y)):
        from cycle.errors import CycleError

        raise CycleError(f"{int((~np.isfinite(Y)).sum())} runs gave a non-finite {output} at "
                         f"{year:g}; sensitivity indices need every run")
    spread = float(np.ptp(Y))
    if spread <= 1e-12 * max(1.0, float(np.abs(Y).max())):
        what = "is zero in every run" if not np.any(Y) else f"is {Y[0]:.6g} in every run"
        raise ValueError(f"--output {output} {what} at {year:g}: it does not depend on the "
                         "sampled constants there, so every index would be zero; choose another "
                         "output or year")

    with warnings.catch_warnings():  # SALib's divisions on near-constant outputs
        warnings.simplefilter("ignore", RuntimeWarning)
        indices = _analyse(method, problem, X, Y, int(seed))
    rows = []
    for u in spec.uncertainties:
        lo, hi = (u.support() if u.distribution == "uniform" else u.quantiles(TAIL))
        rows.append({"parameter": u.name, "units": u.units, "distribution": u.describe(),
                     "low": lo, "high": hi})
    table = pd.concat([pd.DataFrame(rows), indices], axis=1)
    key = "ST" if method == "sobol" else "mu_star"
    table = table.sort_values(key, ascending=False, ignore_index=True, na_position="last")
    return SensitivityResult(table=table, method=method, output=output, year=year,
                             units=m.variables[output].units, n=n, runs=len(X), seed=int(seed),
                             scenario=scen.name, problem=problem, spec=spec, model=m,
                             params=params, X=X, Y=Y, evaluator=repr(ev))


def _num(x: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "–"
    return f"{x:.4g}"


def sensitivity_markdown(result: SensitivityResult) -> str:
    """The ranked table as Markdown, with what was run and how to read it."""
    cols = list(METHODS[result.method])
    header = ["rank", "parameter", "distribution", "low", "high", "units"] + cols
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for i, row in result.table.iterrows():
        cells = [str(i + 1), row["parameter"], row["distribution"], _num(row["low"]),
                 _num(row["high"]), row["units"]] + [_num(row[c]) for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    if result.method == "sobol":
        how = ("S1: share of the output's variance due to the parameter alone; ST: share including "
               "its interactions; *_conf: half-width of the 95 % bootstrap interval. Ranked by ST.")
    else:
        how = (f"mu_star: mean absolute elementary effect ({result.units}) of moving the parameter "
               "by 2/3 of its sampled range; sigma: their spread (non-linearity or interaction); "
               "mu_star_conf: half-width of the 95 % bootstrap interval. Ranked by mu_star.")
    parts = [
        f"# Sensitivity of {result.output} in {result.year:g} ({result.method})", "",
        f"Scenario `{result.scenario}`, model {result.model.name}; N = {result.n}, "
        f"{len(result.spec)} parameters, {result.runs} runs, seed {result.seed}. Uncertainty spec: "
        f"{result.spec.source or '(in code)'}. Output in {result.units}, interpolated linearly "
        f"between saved times.", "",
        "Sampling is in probability space: uniform parameters over [lower, upper]; the others "
        "through their inverse CDF between their 1 % and 99 % quantiles (the low/high columns), "
        "so the indices refer to the spec's distributions cut at those quantiles.", "",
        how, "", "\n".join(lines), "",
    ]
    return "\n".join(parts)


def plot_sensitivity(result: SensitivityResult, path: str | Path) -> Path:
    """Ranked horizontal bars (S1 and ST, or mu_star) with confidence-interval error bars."""
    from cycle.io.files import save_figure
    from cycle.plotting.style import new_figure, unit_label

    t = result.table.iloc[::-1]  # largest at the top
    y = np.arange(len(t))
    fig = new_figure(figsize=(8, 0.32 * len(t) + 1.6), layout="constrained")
    ax = fig.subplots()
    if result.method == "sobol":
        ax.barh(y + 0.2, t["ST"], height=0.4, xerr=t["ST_conf"], color="tab:blue",
                capsize=2, label="total order ST")
        ax.barh(y - 0.2, t["S1"], height=0.4, xerr=t["S1_conf"], color="tab:orange",
                capsize=2, label="first order S1")
        ax.set_xlabel("share of output variance (bars: 95 % bootstrap interval)")
        ax.axvline(0, color="black", lw=0.8)
        ax.legend(loc="lower right", fontsize=8)
    else:
        ax.barh(y, t["mu_star"], height=0.6, xerr=t["mu_star_conf"], color="tab:blue", capsize=2,
                label="mu* (95 % bootstrap interval)")
        ax.set_xlabel(f"mu*: mean |elementary effect| ({unit_label(result.units)})")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_yticks(y, t["parameter"], fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"{result.method.capitalize()} sensitivity of {result.output} in {result.year:g} "
                 f"({result.scenario}; {result.runs} runs)", fontsize=10)
    return save_figure(fig, path, dpi=120)


def write_sensitivity(result: SensitivityResult, out: str | Path, *,
                      argv: list[str] | None = None) -> list[Path]:
    """Write ``sensitivity.csv``, ``sensitivity.md``, ``sensitivity.png`` and ``manifest.json``."""
    from cycle.manifest import write_manifest
    from cycle.outputs import write_csv, write_text

    out = Path(out)
    written = [write_csv(out / "sensitivity.csv", result.table, index=False),
               write_text(out / "sensitivity.md", sensitivity_markdown(result)),
               plot_sensitivity(result, out / "sensitivity.png")]
    extra = {
        "sensitivity": {"method": result.method, "output": result.output, "year": result.year,
                        "units": result.units, "N": result.n, "runs": result.runs,
                        "seed": result.seed, "scenario": result.scenario,
                        "problem": result.problem,
                        "sampling": "probability space; non-uniform parameters between their "
                                    "1 % and 99 % quantiles"},
        "uncertainty": {"file": str(result.spec.source or ""),
                        "parameters": result.spec.to_dict()},
    }
    from cycle.io.units import TIME_UNITS, write_units

    unit_rows = [("sensitivity.csv", "low", "see the units column", "lowest value sampled"),
                 ("sensitivity.csv", "high", "see the units column", "highest value sampled")]
    if result.method == "sobol":
        unit_rows += [("sensitivity.csv", c, "Dmnl", "share of output variance")
                      for c in METHODS["sobol"]]
    else:
        unit_rows += [("sensitivity.csv", c, result.units, f"elementary effect on {result.output}")
                      for c in METHODS["morris"]]
    unit_rows.append(("manifest.json", "year", *TIME_UNITS))
    written.append(write_units(out, unit_rows))
    computation = {"engine": "engine", "loop": "by chunk size (cycle.model.choose_loop)",
                   "chunk_size": max(KERNEL_RUNS, min(5_000, -(-result.runs // 20))),
                   "evaluator": result.evaluator}
    written.append(write_manifest(out, model=result.model, params=result.params, extra=extra,
                                  argv=argv, engine=computation))
    return written
