"""A single run written to an output folder: trajectories, plots and a manifest."""

from __future__ import annotations

from pathlib import Path

from cycle.manifest import write_manifest
from cycle.model import load_model
from cycle.outputs import write_csv
from cycle.plots import plot_key_stocks, plot_variable

__all__ = ["run_baseline", "observed_for_plots"]


def observed_for_plots(model, reading: str = "year_end"):
    """The shipped observations, dated under `reading`, without the rows whose role is
    ``excluded`` (another definition or only a bound: not observations of the variable)."""
    from cycle.calibration.observed import load_observations

    obs = load_observations(reading=reading)
    return obs[obs["variable"].isin(model.variables) & (obs["role"] != "excluded")]


def run_baseline(*, model: str = "northeast", params: dict[str, float] | None = None,
                 until: float | None = None, out: Path = Path("out"),
                 argv: list[str] | None = None) -> list[Path]:
    """Run the model and write ``trajectories.csv``, ``manifest.json`` and PNG plots to `out`.

    Parameters are checked before anything is written. Returns the paths written.
    """
    m = load_model(model)
    checked = m.check_params(params)
    final = m.check_until(until)
    df = m.run(checked, until=final)
    observed = observed_for_plots(m)
    units = {n: v.units for n, v in m.variables.items()}
    out = Path(out)
    written = [write_csv(out / "trajectories.csv", df)]
    written.append(plot_key_stocks(df, units, out / "key_stocks.png", observed=observed))
    written.append(plot_variable(df, "Tech Loan Balance", units["Tech Loan Balance"],
                                 out / "tech_loan_balance.png", observed=observed,
                                 title="Northeast tech-enterprise loan balance"))
    written.append(plot_variable(df, "Tech Loan Balance", units["Tech Loan Balance"],
                                 out / "tech_loan_balance_2021_2026.png", observed=observed,
                                 until=2026.0,
                                 title="Tech-enterprise loans against observations, 2021-2026"))
    written.append(write_manifest(out, model=m, params=checked, argv=argv,
                                  extra={"until": final, "date_reading": "year_end"}))
    return written
