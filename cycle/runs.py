"""A single run written to an output folder: trajectories, units, plots and a manifest."""

from __future__ import annotations

import warnings
from pathlib import Path

__all__ = ["run_baseline", "observed_for_plots", "start_warnings"]


def observed_for_plots(model, reading: str = "year_end"):
    """The shipped observations, dated under `reading`, without the rows whose role is
    ``excluded`` (another definition or only a bound: not observations of the variable)."""
    from cycle.calibration.observed import load_observations

    obs = load_observations(reading=reading)
    return obs[obs["variable"].isin(model.variables) & (obs["role"] != "excluded")]


def start_warnings(model, params: dict[str, float], final: float) -> list[str]:
    """Warnings for lever start years set after the run's final year (the lever never acts)."""
    from cycle.levers import LEVERS

    out = []
    for lever in LEVERS.values():
        start = lever.time_constants().get("start")
        if start in params and params[start] > final:
            out.append(f"{start} = {params[start]:g} is after the final year {final:g}: lever "
                       f"{lever.name!r} never acts in this run")
    return out


def warm_plots() -> None:
    """Import what the plots need (in the side process, while the model runs)."""
    from cycle.plotting.canvas import warm

    warm()


def run_baseline(*, model="northeast", params: dict[str, float] | None = None,
                 until: float | None = None, out: Path = Path("out"),
                 argv: list[str] | None = None, engine: str = "engine",
                 label: str | None = None, side=None) -> list[Path]:
    """Run the model and write ``trajectories.csv``, ``units.csv``, PNG plots and
    ``manifest.json`` into the folder `out` (written as is: callers wrap it in
    :func:`cycle.io.folder.output_folder`).

    With overrides, the baseline runs too and is drawn beside the run on every plot, whose
    subtitle names the overrides. Returns the paths written.

    `side`: a :class:`~cycle.io.sidework.SideProcess` started earlier with
    ``warm=warm_plots`` (``cycle run`` forks it before loading the model), which draws the
    key-stock grid; by default one is started here.
    """
    from contextlib import nullcontext

    from cycle.io.files import write_csv
    from cycle.io.manifest import write_manifest
    from cycle.io.sidework import side_process
    from cycle.io.units import model_rows, write_units
    from cycle.model import choose_loop, load_model
    from cycle.plotting.trajectories import describe_overrides, plot_key_stocks, plot_variable

    m = model if hasattr(model, "variables") else load_model(model)
    checked = m.check_params(params)
    final = m.check_until(until)
    for text in start_warnings(m, checked, final):
        warnings.warn(text, stacklevel=2)
    # the key-stock grid (half the command's time) is drawn in a side process, which imports
    # matplotlib's figure module while the model runs here (one process without a 2nd core)
    with side_process(warm=warm_plots) if side is None else nullcontext(side) as side:
        df = m.run(checked, until=final, engine=engine)
        base = m.run({}, until=final, engine=engine) if checked else None
        try:
            observed = observed_for_plots(m)
        except Exception:  # observations decorate the plots; their absence must not stop a run
            observed = None
        units = {n: v.units for n, v in m.variables.items()}
        sub = describe_overrides(label, checked) if checked or label else ""
        out = Path(out)
        side.submit(plot_key_stocks, df, units, out / "key_stocks.png", observed=observed,
                    baseline=base, subtitle=sub)
        written = [write_csv(out / "trajectories.csv", df),
                   write_units(out, model_rows("trajectories.csv", df.columns, m))]
        tlb = "Tech Loan Balance"
        loans = []
        if tlb in df:
            loans.append(plot_variable(df, tlb, units[tlb], out / "tech_loan_balance.png",
                                       observed=observed, baseline=base, subtitle=sub,
                                       title="Northeast tech-enterprise loan balance"))
            loans.append(plot_variable(df, tlb, units[tlb], out / "tech_loan_balance_2021_2026.png",
                                       observed=observed, until=min(2026.0, final), baseline=base,
                                       subtitle=sub, title="Tech-enterprise loans against "
                                       "observations, 2021-2026"))
        written += side.results() + loans
    loop = choose_loop(m.engine, 1) if engine == "engine" else None
    computation = {"engine": engine, "loop": loop, "members": 1, "chunk_size": None,
                   "evaluator": "in process", "baseline_also_run": base is not None}
    written.append(write_manifest(out, model=m, params=checked, argv=argv, engine=computation,
                                  extra={"until": final, "date_reading": "year_end",
                                         "scenario": label}))
    return written
