"""A single run written to an output folder: trajectories, units, plots and a manifest."""

from __future__ import annotations

import warnings
from pathlib import Path

__all__ = ["run_baseline", "observed_for_plots", "start_warnings", "warm_plots",
           "draw_key_stocks", "draw_loan_balance"]


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


def warm_plots(lang: str | None = None, *, grid: bool = False, subtitle: bool = False) -> None:
    """Import what the plots need and, with `lang` (``"en"``/``"zh"``), set the labels'
    language; with `grid`, also build the key-stock grid's frame (with room for a subtitle:
    a run with overrides). Done by the side process that draws, while the model runs here."""
    from cycle.plotting.canvas import warm

    if lang is not None:
        from cycle.plotting.style import setup

        setup(lang)
    warm()
    if grid:
        from cycle.plotting.trajectories import prepare_key_stocks

        prepare_key_stocks(subtitle=subtitle)


def draw_key_stocks(data, units: dict[str, str], path: Path, observed, baseline,
                    label: str | None, overrides: dict[str, float], **grid) -> Path:
    """The key-stock grid of a run (a side process's job: `data` and `baseline` as
    :class:`~cycle.plotting.series.Trajectories`, `observed` as
    :class:`~cycle.plotting.series.Points` by variable; the subtitle names `label` and
    `overrides`; `grid`: ``panels`` and ``title`` for
    :func:`~cycle.plotting.trajectories.plot_key_stocks`)."""
    from cycle.plotting.trajectories import describe_overrides, plot_key_stocks

    return plot_key_stocks(data, units, path, observed=observed, baseline=baseline,
                           subtitle=describe_overrides(label, overrides), **grid)


def draw_loan_balance(data, units: str, path: Path, observed, baseline, label: str | None,
                      overrides: dict[str, float], *, title: str,
                      until: float | None = None) -> Path:
    """The tech-enterprise loan balance of a run against its observations, up to `until` (a
    year; the whole run for None): a side process's job, as :func:`draw_key_stocks`."""
    from cycle.plotting.panels import LOAN_BALANCE
    from cycle.plotting.trajectories import describe_overrides, plot_variable

    return plot_variable(data, LOAN_BALANCE, units, path, observed=observed, until=until,
                         baseline=baseline, subtitle=describe_overrides(label, overrides),
                         title=title)


def run_baseline(*, model="northeast", params: dict[str, float] | None = None,
                 until: float | None = None, out: Path = Path("out"),
                 argv: list[str] | None = None, engine: str = "engine",
                 label: str | None = None, side=None) -> list[Path]:
    """Run the model and write ``trajectories.csv``, ``units.csv``, PNG plots and
    ``manifest.json`` into the folder `out` (written as is: callers wrap it in
    :func:`cycle.io.folder.output_folder`).

    With overrides, the baseline runs too and is drawn beside the run on every plot, whose
    subtitle names the overrides. Returns the paths written.

    Where a side process may fork (:func:`cycle.io.sidework.can_fork`), it draws the plots
    with two workers: the key-stock grid (half the command's time) in one, the two loan
    plots in the other, while this process writes the CSV files. They receive the plotted
    columns as NumPy arrays, so neither imports pandas, and this process need not import
    matplotlib; otherwise everything is drawn here, in order. `side`: such a
    :class:`~cycle.io.sidework.SideProcess` started earlier with ``warm=warm_plots``
    (``cycle run`` forks it before it imports pandas and loads the model); by default one is
    started here.
    """
    from contextlib import nullcontext

    from cycle.io.files import write_csv
    from cycle.io.manifest import write_manifest
    from cycle.io.sidework import side_process
    from cycle.io.units import model_rows, write_units
    from cycle.model import choose_loop, load_model
    from cycle.plotting.panels import KEY_PANELS, LOAN_BALANCE, key_panels, plotted_names
    from cycle.plotting.series import Trajectories, as_points

    m = model if hasattr(model, "variables") else load_model(model)
    checked = m.check_params(params)
    final = m.check_until(until)
    for text in start_warnings(m, checked, final):
        warnings.warn(text, stacklevel=2)
    with side_process(warm=warm_plots, workers=2) if side is None else nullcontext(side) as side:
        df = m.run(checked, until=final, engine=engine)
        base = m.run({}, until=final, engine=engine) if checked else None
        try:
            observed = as_points(observed_for_plots(m))
        except Exception:  # observations decorate the plots; their absence must not stop a run
            observed = None
        units = {n: v.units for n, v in m.variables.items()}
        out = Path(out)
        panels = key_panels({n: v.kind for n, v in m.variables.items()})
        names = plotted_names(panels)
        data = Trajectories.of(df, names)
        base_data = None if base is None else Trajectories.of(base, names)
        shared = (observed, base_data, label, checked)
        if panels:  # a model without stocks has no grid
            grid = {} if panels is KEY_PANELS else {"panels": panels,  # its stocks
                                                    "title": f"{m.name}: stocks"}
            side.submit(draw_key_stocks, data, {n: units[n] for n in data.columns},
                        out / "key_stocks.png", *shared, **grid)
        if LOAN_BALANCE in df:
            loans = min(1, side.workers - 1)  # the second worker, if there is one
            side.submit_to(loans, draw_loan_balance, data, units[LOAN_BALANCE],
                           out / "tech_loan_balance.png", *shared,
                           title="Northeast tech-enterprise loan balance")
            side.submit_to(loans, draw_loan_balance, data, units[LOAN_BALANCE],
                           out / "tech_loan_balance_2021_2026.png", *shared,
                           title="Tech-enterprise loans against observations, 2021-2026",
                           until=min(2026.0, final))
        written = [write_csv(out / "trajectories.csv", df),
                   write_units(out, model_rows("trajectories.csv", df.columns, m))]
        written += side.results()
    loop = choose_loop(m.engine, 1) if engine == "engine" else None
    computation = {"engine": engine, "loop": loop, "members": 1, "chunk_size": None,
                   "evaluator": "in process", "baseline_also_run": base is not None}
    written.append(write_manifest(out, model=m, params=checked, argv=argv, engine=computation,
                                  extra={"until": final, "date_reading": "year_end",
                                         "scenario": label}))
    return written
