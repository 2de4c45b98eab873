"""Observed series with provenance: load, validate, and place on the model's time axis."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pandas as pd

from cycle.errors import CycleError, InputError
from cycle.names import closest

__all__ = ["READINGS", "ROLES", "evidence", "load_observations", "default_data_path", "period_to_time"]

READINGS = ("year_end", "mid_year")
"""How a year-labelled balance is read: at the end of the year, or at its middle."""

REQUIRED = ("series", "region", "variable", "period", "measure", "value", "unit", "sigma",
            "weight", "source", "definition")
ROLES = ("evidence", "initial condition", "excluded")
"""Optional ``role`` column: ``evidence`` rows are fitted; ``initial condition`` rows set a
stock's starting value in the ``.mdl`` (or a prior) and so are listed, checked and reported,
but never fitted (fitting them would count the same figure twice); ``excluded`` rows are
usable figures the fit leaves out for a stated reason (another definition, a bound only)."""

_PERIOD = re.compile(r"^(\d{4})(?:(H)([12])|(Q)([1-4]))?$")


def default_data_path() -> Path:
    """The shipped observations file."""
    return Path(str(resources.files("cycle.calibration.data") / "observations.csv"))


def period_to_time(period: str, measure: str, reading: str = "year_end") -> float:
    """Model time (calendar year) of an observation.

    Examples
    --------
    >>> period_to_time("2021", "balance", "year_end"), period_to_time("2021", "balance", "mid_year")
    (2022.0, 2021.5)
    >>> period_to_time("2024H1", "balance"), period_to_time("2023", "flow")
    (2024.5, 2023.5)
    """
    if reading not in READINGS:
        raise InputError(f"unknown date reading {reading!r}; use one of {', '.join(READINGS)}")
    m = _PERIOD.match(str(period).strip())
    if not m:
        raise InputError(f"period {period!r} is not YYYY, YYYYH1/H2 or YYYYQ1-Q4")
    year = float(m.group(1))
    if m.group(2):  # half year
        start, length = year + 0.5 * (int(m.group(3)) - 1), 0.5
    elif m.group(4):  # quarter
        start, length = year + 0.25 * (int(m.group(5)) - 1), 0.25
    else:
        start, length = year, 1.0
    if measure == "flow":
        return start + length / 2
    if length == 1.0 and reading == "mid_year":
        return start + 0.5
    return start + length


def evidence(obs: pd.DataFrame) -> pd.DataFrame:
    """The rows a fit uses: role ``evidence`` and weight > 0."""
    return obs[(obs["role"] == "evidence") & (obs["weight"] > 0)]


def load_observations(path: str | Path | None = None, *, reading: str = "year_end",
                      model=None) -> pd.DataFrame:
    """Load and validate an observations CSV.

    Parameters
    ----------
    path : CSV file (default: the shipped ``observations.csv``).
    reading : ``"year_end"`` or ``"mid_year"``: how year-labelled balances are dated.
    model : a :class:`cycle.Model`; when given, every variable must exist in it and every
        unit must equal the model's unit for that variable.

    Returns
    -------
    pandas.DataFrame
        The file's columns plus ``time`` (model time, years), in file order.

    Raises
    ------
    CycleError
        One plain message naming the file, the line and what is wrong: a missing column,
        an unknown variable (with the closest names), a unit that differs from the model's,
        an unparsable or duplicate period, a non-numeric value, sigma <= 0 or weight < 0.
    """
    path = Path(path) if path is not None else default_data_path()
    if not path.is_file():
        raise InputError(f"observations file {str(path)!r} does not exist")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, comment=None)
    except Exception as exc:  # malformed CSV
        raise InputError(f"{path.name}: cannot be read as CSV ({exc})".splitlines()[0]) from None
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"{path.name}: missing column(s) {', '.join(missing)}")
    if df.empty:
        raise InputError(f"{path.name}: no observations")
    times, values, sigmas, weights = [], [], [], []
    for i, row in df.iterrows():
        where = f"{path.name}, line {i + 2}"
        if row["measure"] not in ("balance", "flow"):
            raise InputError(f"{where}: measure {row['measure']!r} must be 'balance' or 'flow'")
        try:
            times.append(period_to_time(row["period"], row["measure"], reading))
        except CycleError as exc:
            raise InputError(f"{where}: {exc}") from None
        for col, store in (("value", values), ("sigma", sigmas), ("weight", weights)):
            try:
                store.append(float(row[col]))
            except ValueError:
                raise InputError(f"{where}: {col} {row[col]!r} is not a number") from None
        if sigmas[-1] <= 0:
            raise InputError(f"{where}: sigma must be positive, got {sigmas[-1]:g}")
        if weights[-1] < 0:
            raise InputError(f"{where}: weight must be non-negative, got {weights[-1]:g}")
        if model is not None:
            var = row["variable"]
            if var not in model.variables:
                near = closest(var, model.variables)
                hint = f"; did you mean {', '.join(repr(h) for h in near)}?" if near else ""
                raise InputError(f"{where}: unknown variable {var!r}{hint}")
            unit = model.variables[var].units
            if row["unit"].replace(" ", "") != unit.replace(" ", ""):
                raise InputError(f"{where}: unit {row['unit']!r} does not match the model's "
                                 f"unit {unit!r} for {var}")
    if "role" not in df.columns:
        df["role"] = "evidence"
    for i, role in enumerate(df["role"]):
        if role not in ROLES:
            raise InputError(f"{path.name}, line {i + 2}: role {role!r} must be one of "
                             f"{', '.join(repr(r) for r in ROLES)}")
    df = df.assign(time=times, value=values, sigma=sigmas, weight=weights)
    dup = df.duplicated(["series", "variable", "time"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        raise InputError(f"{path.name}: duplicate observation of {first['variable']} "
                         f"({first['series']}) at {first['period']}")
    return df
