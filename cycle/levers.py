"""The catalogue of policy levers: what a scenario may choose, mapped onto model constants.

A lever is described the way EMA Workbench describes one: the experiment's word (``name``,
``"quota"``) is kept apart from the model's word (``variable_name``,
``"Reloan Quota Policy"``). Nothing numeric is restated here: a setting's default (the
no-policy value), unit and allowed range are read from the model (:attr:`Model.defaults`
and :attr:`Model.variables`), so ``models/northeast.mdl`` stays the only place they live.

Each lever also has a time profile, three model constants named after its ``group``:
``<group> Start Year``, ``<group> Ramp Years`` and ``<group> End Year`` (scenario keys
``start``, ``ramp`` and ``end``).

Examples
--------
>>> LEVERS["reloan"].setting("quota").variable_name
'Reloan Quota Policy'
>>> LEVERS["reloan"].time_constants()["start"]
'Reloan Start Year'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from cycle.errors import CycleError, OutOfRangeError, UnknownNameError
from cycle.names import closest

__all__ = ["Setting", "Lever", "SumAtMost", "LEVERS", "TIME_KEYS", "ConflictError",
           "get_lever", "lever_constants", "lever_table", "check_constraints"]

TIME_KEYS = {"start": "Start Year", "ramp": "Ramp Years", "end": "End Year"}
"""Scenario key of each time-profile setting and the suffix of its model constant."""


class ConflictError(CycleError, ValueError):
    """Settings that are each valid but cannot hold together (e.g. loss shares summing above 1)."""


@dataclass(frozen=True)
class Setting:
    """One choosable quantity of a lever.

    Attributes
    ----------
    name : the scenario's word, e.g. ``"quota"``.
    variable_name : the model constant it sets (Vensim name), e.g. ``"Reloan Quota Policy"``.
    """

    name: str
    variable_name: str

    def default(self, model) -> float:
        """The model's no-policy value of this setting (model units)."""
        return model.defaults[self.variable_name]

    def units(self, model) -> str:
        return model.variables[self.variable_name].units

    def limits(self, model) -> tuple[float, float]:
        """(low, high) range the model declares; ``nan`` where open."""
        return model.variables[self.variable_name].limits


@dataclass(frozen=True)
class SumAtMost:
    """Constraint: the listed settings may sum to at most `limit` (e.g. loss shares <= 1)."""

    settings: tuple[str, ...]
    limit: float
    reason: str

    def check(self, lever: Lever, values: dict[str, float]) -> None:
        """Raise :class:`ConflictError` if the settings' values (by Vensim name) break it."""
        names = [lever.setting(s).variable_name for s in self.settings]
        total = sum(values[n] for n in names)
        if total > self.limit + 1e-12:
            parts = " + ".join(f"{s} {values[n]:g}" for s, n in zip(self.settings, names, strict=True))
            raise ConflictError(
                f"conflicting settings of lever {lever.name!r}: {parts} = {total:g} > {self.limit:g} "
                f"({self.reason})")


@dataclass(frozen=True)
class Lever:
    """A policy instrument.

    Attributes
    ----------
    name : the scenario's word, e.g. ``"reloan"``.
    description : what the instrument is, citing its source.
    group : prefix of the model's time-profile constants (``"Reloan"`` → ``Reloan Start Year``).
    settings : the choosable quantities, each mapped to one model constant.
    constraints : joint conditions on the settings (checked with defaults filled in).
    """

    name: str
    description: str
    group: str
    settings: tuple[Setting, ...]
    constraints: tuple[SumAtMost, ...] = field(default=())

    def setting(self, name: str) -> Setting:
        """The setting called `name` (error with the closest names if unknown)."""
        for s in self.settings:
            if s.name == name:
                return s
        keys = self.keys()
        near = closest(name, keys)
        hint = f"; did you mean {', '.join(repr(h) for h in near)}?" if near else ""
        raise UnknownNameError(f"lever {self.name!r} has no setting {name!r}{hint} "
                               f"(valid: {', '.join(keys)})")

    def keys(self) -> list[str]:
        """Every key a scenario may give for this lever: settings then time profile."""
        return [s.name for s in self.settings] + list(TIME_KEYS)

    def time_constants(self) -> dict[str, str]:
        """Time-profile key → model constant, e.g. ``{"start": "Reloan Start Year", ...}``."""
        return {k: f"{self.group} {suffix}" for k, suffix in TIME_KEYS.items()}

    def constants(self) -> list[str]:
        """Every model constant this lever sets (settings and time profile)."""
        return [s.variable_name for s in self.settings] + list(self.time_constants().values())

    def fits(self, model) -> bool:
        """Whether `model` has every constant this lever sets (the Northeast model does; a
        model of one's own, usually not)."""
        return all(c in model.variables for c in self.constants())

    def variable_for(self, key: str) -> str:
        """Model constant behind scenario key `key` (a setting or ``start``/``ramp``/``end``)."""
        if key in TIME_KEYS:
            return self.time_constants()[key]
        return self.setting(key).variable_name


def _lever(name, group, description, settings, constraints=()):
    return Lever(name=name, description=description, group=group,
                 settings=tuple(Setting(k, v) for k, v in settings), constraints=tuple(constraints))


_LEVERS = [
    _lever("reloan", "Reloan",
           "Sci-tech innovation re-loans: the central bank refinances part of each new tech loan at a "
           "low rate (FACTS, seeds 003/004/001; PBoC 2024 quota 500 bn yuan nationally).",
           [("quota", "Reloan Quota Policy"), ("rate", "Reloan Rate"),
            ("refinanced_share", "Reloan Refinanced Share")]),
    _lever("bond_risk_sharing", "Bond Risk Sharing",
           "Risk-sharing tool for sci-tech innovation bonds: bond purchases funded by re-loans within "
           "a re-loan quota added for the tool, default losses shared by the central bank, local "
           "governments and credit enhancers (FACTS, seeds 003/004; announced 7 May 2025).",
           [("purchases", "Bond Purchase Policy"), ("quota", "Bond Tool Quota Policy"),
            ("central_bank_share", "Central Bank Bond Loss Share"),
            ("local_government_share", "Local Government Bond Loss Share"),
            ("credit_enhancer_share", "Credit Enhancer Bond Loss Share")],
           [SumAtMost(("central_bank_share", "local_government_share", "credit_enhancer_share"), 1.0,
                      "the loss shares of the central bank, local governments and credit enhancers "
                      "must sum to at most 1")]),
    _lever("guarantee_capital", "Guarantee",
           "Capital for provincial policy guarantee institutions and a required capital adequacy "
           "(FACTS, seed 000: Northeast 12.3 %, Yangtze River Delta 18.7 %).",
           [("injection", "Guarantee Capital Injection Policy"),
            ("adequacy", "Guarantee Capital Adequacy Policy")]),
    _lever("guidance_fund", "Guidance Fund",
           "Government guidance funds and patient capital; a lower state-owned share of new venture-"
           "capital commitments (FACTS, seeds 000/004: Northeast 68 % state-owned VC, Yangtze River "
           "Delta about 45 %).",
           [("injection", "Guidance Fund Injection Policy"), ("crowd_in", "Guidance Crowd In Ratio"),
            ("state_vc_share", "State Commitment Share Policy")]),
    _lever("data_platform", "Data Platform",
           "Data platforms that connect enterprise databases to reduce information asymmetry "
           "(FACTS, seed 000: Northeast below 30 %, Suzhou 85 %).",
           [("connectivity", "Data Connectivity Policy")]),
    _lever("npl_tolerance", "NPL Tolerance",
           "Higher tolerance of non-performing tech loans (FACTS, seeds 001/004).",
           [("tolerance", "NPL Tolerance Policy")]),
    _lever("loan_term", "Loan Term",
           "Longer tech-loan terms, up to 5 years; IP-pledge loans managed like fixed-asset loans "
           "(FACTS, seeds 001/004).",
           [("term", "Loan Term Policy")]),
]

LEVERS: dict[str, Lever] = {lv.name: lv for lv in _LEVERS}
"""Every lever, by name."""


def get_lever(name: str) -> Lever:
    """The lever called `name` (error with the closest names if unknown)."""
    if name in LEVERS:
        return LEVERS[name]
    near = closest(name, LEVERS)
    hint = f"; did you mean {', '.join(repr(h) for h in near)}?" if near else ""
    raise UnknownNameError(f"unknown lever {name!r}{hint} (valid: {', '.join(LEVERS)})")


def lever_constants() -> dict[str, str]:
    """Model constant → name of the lever that owns it, over the whole catalogue."""
    return {c: lv.name for lv in LEVERS.values() for c in lv.constants()}


def check_constraints(model, params: dict[str, float]) -> None:
    """Check every lever's joint constraints on `params` (Vensim names; defaults fill gaps).

    Raises
    ------
    ConflictError
        Naming the lever, the settings, their values and the limit.
    """
    values = dict(model.defaults)
    values.update(params)
    for lever in LEVERS.values():
        if not lever.fits(model):  # none of its constants to check (see Lever.fits)
            continue
        for c in lever.constraints:
            c.check(lever, values)


def _range(limits: tuple[float, float]) -> str:
    lo, hi = ("?" if math.isnan(x) else f"{x:g}" for x in limits)
    return f"[{lo}, {hi}]"


def lever_table(model) -> pd.DataFrame:
    """The catalogue as a table, one row per setting, defaults and ranges read from `model`.

    Returns
    -------
    pandas.DataFrame
        Columns lever, setting, model constant, unit, default, range, time profile, doc.
    """
    rows = []
    for lever in LEVERS.values():
        tc = lever.time_constants()
        d = {k: model.defaults[v] for k, v in tc.items()}
        profile = (f"start {d['start']:g}, ramp {d['ramp']:g} y, end {d['end']:g} "
                   f"('{tc['start']}' ...)")
        for s in lever.settings:
            var = model.variables[s.variable_name]
            rows.append({"lever": lever.name, "setting": s.name, "model constant": s.variable_name,
                         "unit": var.units, "default": model.defaults[s.variable_name],
                         "range": _range(var.limits), "time profile": profile,
                         "doc": f"{lever.description} | {var.doc}"})
    return pd.DataFrame(rows)


def check_range(model, variable: str, value: float, where: str) -> None:
    """Raise :class:`OutOfRangeError` naming `where` if `value` is outside `variable`'s range."""
    var = model.variables[variable]
    try:
        var.check(value)
    except OutOfRangeError as exc:
        raise OutOfRangeError(f"{where}: {exc}") from None


# -- seed 003's accelerator system (appended; issue 16) ----------------------------------------

_ACCELERATOR = _lever(
    "accelerator", "Accelerator",
    "Seed 003's industry-finance accelerator and incubator system: policy capital levered into "
    "policy-finance credit (1:15) for start-ups and growth firms, raising founding and maturation "
    "with diminishing returns; guard rails: capital adequacy >= 12 %, risk-reserve coverage >= 10 %, "
    "a circuit breaker at 5 % of regional GDP, quarterly stress tests (FACTS, seed 003).",
    [("capital", "Accelerator Capital Injection Policy"),
     ("leverage", "Accelerator Leverage Policy"),
     ("capital_adequacy_rail", "Capital Adequacy Rail Switch"),
     ("reserve_rail", "Reserve Coverage Rail Switch"),
     ("credit_cap_rail", "Credit Cap Rail Switch"),
     ("stress_test_rail", "Stress Test Rail Switch"),
     ("min_capital_adequacy", "Minimum Capital Adequacy"),
     ("min_reserve_coverage", "Minimum Reserve Coverage"),
     ("credit_cap_share", "Credit Cap Share of GDP"),
     ("stress_test_default_rate", "Stress Test Default Rate")])
LEVERS[_ACCELERATOR.name] = _ACCELERATOR
