"""The shock catalogue: each named shock is a setting of the model's stress-shock constants.

A shock has a size (``--rate``) and a start year (``--year``); :meth:`Shock.params` turns them
into model constants (Vensim names, model units). Nothing numeric about the shock's effect
lives here: the ``.mdl`` section ``.Stress Shocks`` holds the equations and ranges.

Examples
--------
>>> SHOCKS["default_wave"].params(0.1, 2030, model.defaults)
{'Default Wave Rate': 0.1, 'Default Wave Year': 2030.0}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cycle.errors import CycleError, UnknownNameError
from cycle.names import closest

__all__ = ["Shock", "SHOCKS", "StressInputError", "get_shock", "check_rate", "check_year"]


class StressInputError(CycleError, ValueError):
    """Input ``cycle stress`` cannot use (exit code 2 on the command line)."""


@dataclass(frozen=True)
class Shock:
    """A named shock.

    Attributes
    ----------
    name : the command-line word, e.g. ``"default_wave"``.
    description : what happens, in one sentence.
    rate_meaning : what ``--rate`` means for this shock (with units).
    default_rate : ``--rate`` when none is given.
    to_params : ``(rate, year, defaults) -> {Vensim name: value}``; `defaults` are the model
        constants in force (a shock may be relative to one of them).
    """

    name: str
    description: str
    rate_meaning: str
    default_rate: float
    to_params: Callable[[float, float, dict], dict[str, float]]

    def params(self, rate: float | None, year: float, defaults: dict | None = None
               ) -> dict[str, float]:
        """Model constants that apply the shock (rate: this shock's size; year: its start;
        defaults: the model's constants in force, e.g. ``Model.defaults``)."""
        r = self.default_rate if rate is None else float(rate)
        return self.to_params(r, float(year), dict(defaults or {}))


SHOCKS: dict[str, Shock] = {s.name: s for s in [
    Shock("default_wave",
          "a default wave: an extra share of policy-finance (accelerator) credit and of tech loans "
          "defaults within a year",
          "share of credit that defaults in the wave (0-1; seed 003's case 0.10)", 0.10,
          lambda r, y, d: {"Default Wave Rate": r, "Default Wave Year": y}),
    Shock("funding",
          "a funding shock: the re-loan quota (and the accelerators' re-loan funding) is withdrawn",
          "share of the re-loan quota withdrawn (0-1; default 1 = all)", 1.0,
          lambda r, y, d: {"Funding Shock Year": y, "Funding Shock Share": r}),
    Shock("demand",
          "a demand shock: regional GDP shrinks for two years, then returns towards its trend",
          "yearly fall of nominal regional GDP during the shock (default 0.03; its growth is "
          "-rate, i.e. trend growth + rate is lost each year)", 0.03,
          lambda r, y, d: {"Demand Shock Year": y,
                           "Demand Shock Growth Loss": d.get("Regional GDP Growth", 0.0) + r}),
]}
"""Every shock, by name."""


def get_shock(name: str) -> Shock:
    """The shock called `name` (one-line error with the closest names if unknown)."""
    if name in SHOCKS:
        return SHOCKS[name]
    near = closest(name, SHOCKS)
    hint = f"; did you mean {', '.join(repr(h) for h in near)}?" if near else ""
    raise UnknownNameError(f"unknown shock {name!r}{hint} (valid: {', '.join(SHOCKS)})")


def check_rate(rate: float | None) -> None:
    """Raise :class:`StressInputError` unless `rate` is None or a finite number in [0, 1]."""
    if rate is None:
        return
    if not (0.0 <= rate <= 1.0):  # also false for nan
        raise StressInputError(f"--rate {rate:g} is outside [0, 1] (a share)")


def check_year(year: float, initial: float, final: float) -> None:
    """Raise :class:`StressInputError` unless the shock starts inside the run [initial, final)."""
    if not (initial <= year < final):
        raise StressInputError(f"--year {year:g} is outside the run [{initial:g}, {final:g}) "
                               "(the shock must start before the final year)")
