"""Policy scenarios as TOML files: a name plus lever settings and raw overrides of the base model.

A scenario file looks like::

    name = "reloan"
    description = "..."
    description_zh = "..."  # optional: the description in Chinese (pages and plots in zh)
    [levers.reloan]
    quota = 33          # bn yuan
    start = 2025
    ramp = 1
    # end = 2035        optional
    [params]            # optional raw overrides by model name
    "Default Leverage Elasticity" = 2.0

Every field is checked before any run (:func:`load_scenario` checks structure and values
against the catalogue and the model; :meth:`Scenario.to_params` checks the time profile
against the run's years). Each problem raises one :class:`ScenarioError` (or
:class:`~cycle.errors.UnknownNameError` / :class:`~cycle.errors.OutOfRangeError`) whose
message names the file and the key.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cycle.errors import CycleError, OutOfRangeError, UnknownNameError
from cycle.levers import ConflictError, check_constraints, get_lever, lever_constants
from cycle.names import closest
from cycle.resources import find_file, shipped_dir

__all__ = ["Scenario", "ScenarioError", "load_scenario", "available_scenarios", "scenarios_dir",
           "baseline_scenario"]

SCENARIO_PACKAGE = "cycle.scenario_files"
"""Package the top-level ``scenarios/`` folder is installed as. (Not ``cycle.scenarios``:
that is this module, and a package of the same name would shadow it.)"""

_FIELDS = ("name", "description", "description_zh", "levers", "params")


class ScenarioError(CycleError, ValueError):
    """A scenario file that cannot be used as written."""


def scenarios_dir() -> Path:
    """Folder of the shipped scenarios (installed package data, or the source tree)."""
    return shipped_dir(SCENARIO_PACKAGE, "scenarios", "*.toml")


def baseline_scenario() -> Scenario:
    """The reference run: the shipped ``baseline.toml`` (no lever, no parameter; its
    descriptions say so), or a bare scenario named ``baseline`` if none is shipped."""
    if "baseline" in available_scenarios():
        return load_scenario("baseline")
    return Scenario(name="baseline")


def available_scenarios() -> list[str]:
    """Names of the shipped scenarios (``.toml`` stems), baseline first."""
    names = sorted(p.stem for p in scenarios_dir().glob("*.toml"))
    return sorted(names, key=lambda n: n != "baseline")


@dataclass(frozen=True)
class Scenario:
    """A parsed, checked scenario.

    Attributes
    ----------
    name : scenario name (the file's ``name`` field, else its stem).
    description : free text, the reasoning behind the magnitudes.
    description_zh : the description in Chinese (``""`` if the file gives none), shown by the
        pages' Chinese labels.
    levers : ``{lever: {key: value}}`` as written (keys: settings and ``start``/``ramp``/``end``).
    params : raw overrides ``{Vensim name: value}`` (model units).
    source : the file it came from (``None`` if built in code).
    """

    name: str
    description: str = ""
    description_zh: str = ""
    levers: dict[str, dict[str, float]] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)
    source: Path | None = None

    @property
    def where(self) -> str:
        return str(self.source) if self.source is not None else f"scenario {self.name!r}"

    def start_year(self, model) -> float | None:
        """Earliest start year among the scenario's levers (``None`` without levers)."""
        starts = []
        for lname, values in self.levers.items():
            lever = get_lever(lname)
            starts.append(values.get("start", model.defaults[lever.time_constants()["start"]]))
        return min(starts) if starts else None

    def to_params(self, model, *, until: float | None = None) -> dict[str, float]:
        """Overrides of model constants, ``{Vensim name: value}``, after checking everything.

        Parameters
        ----------
        model : the :class:`~cycle.model.Model` the scenario will run on.
        until : final year of the run (default the model's FINAL TIME); start years must lie
            in ``[INITIAL TIME, until]``.

        Raises
        ------
        UnknownNameError, OutOfRangeError, ScenarioError
            Naming the file and key.
        """
        final = model.check_until(until)
        out: dict[str, float] = {}
        for lname, values in self.levers.items():
            key0 = f"levers.{lname}"
            try:
                lever = get_lever(lname)
            except UnknownNameError as exc:
                raise UnknownNameError(f"{self.where}: [{key0}]: {exc}") from None
            for key, value in values.items():
                try:
                    variable = lever.variable_for(key)
                except UnknownNameError as exc:
                    raise UnknownNameError(f"{self.where}: {key0}.{key}: {exc}") from None
                _check_value(model, variable, value, f"{self.where}: {key0}.{key}")
                out[variable] = float(value)
            tc = lever.time_constants()
            start = values.get("start", model.defaults[tc["start"]])
            end = values.get("end", model.defaults[tc["end"]])
            ramp = values.get("ramp", model.defaults[tc["ramp"]])
            t0 = model.initial_time
            if "start" in values and not (t0 <= start <= final):
                raise ScenarioError(f"{self.where}: {key0}.start = {start:g} is outside the run "
                                    f"[{t0:g}, {final:g}] (INITIAL TIME to the final year)")
            if "start" not in values and start > final:
                import warnings

                warnings.warn(f"{self.where}: lever {lname!r} starts in {start:g} (the model's "
                              f"default start), after the final year {final:g}: it never acts "
                              "in this run", stacklevel=2)
            if ramp < 0:
                raise ScenarioError(f"{self.where}: {key0}.ramp = {ramp:g} must be >= 0 years")
            if end <= start:
                raise ScenarioError(f"{self.where}: {key0}.end = {end:g} must be after start "
                                    f"= {start:g}")
        owners = lever_constants()
        for key, value in self.params.items():
            try:
                name = model.resolve(key)
            except UnknownNameError as exc:
                raise UnknownNameError(f"{self.where}: params.{key}: {exc}") from None
            if model.variables[name].kind != "constant":
                raise ScenarioError(f"{self.where}: params.{key}: {name} is a "
                                    f"{model.variables[name].kind}; only constants can be set")
            if name in out or owners.get(name) in self.levers:
                lever = get_lever(owners[name])
                raise ConflictError(
                    f"{self.where}: conflicting settings: params.{key} sets {name!r}, which lever "
                    f"{lever.name!r} (used in this scenario) owns; set it under [levers.{lever.name}]")
            _check_value(model, name, value, f"{self.where}: params.{key}")
            out[name] = float(value)
        try:
            check_constraints(model, out)
        except ConflictError as exc:
            raise ConflictError(f"{self.where}: {exc}") from None
        return out


def _check_value(model, variable: str, value, where: str) -> None:
    var = model.variables.get(variable)
    if var is None:  # a lever of the Northeast model, set on another model
        raise UnknownNameError(f"{where}: the model {model.name} has no constant {variable!r} "
                               "for this lever to set")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where} = {value!r} is not a number ({variable}, {var.units})")
    if not math.isfinite(value):
        raise ScenarioError(f"{where} = {value!r} is not a finite number")
    violated = var.range_violation(value)
    if violated:
        raise OutOfRangeError(f"{where} = {value:g} is outside the range {violated} of {variable!r}")


def _find(name_or_path: str | os.PathLike) -> Path:
    return find_file(name_or_path, folder=scenarios_dir(), suffix=".toml", what="scenario",
                     error=ScenarioError)


def _table(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where} must be a table, got {value!r}")
    return value


def load_scenario(name_or_path: str | os.PathLike | Scenario, model=None) -> Scenario:
    """Read a scenario by shipped name (``"reloan"``) or ``.toml`` path, and check it.

    Parameters
    ----------
    name_or_path : shipped name, path, or an existing :class:`Scenario` (returned as is).
    model : if given, values are checked against it now (names, ranges, conflicts,
        start years within the model's default run).

    Raises
    ------
    ScenarioError
        Malformed TOML (with the line), unknown top-level field, non-table sections,
        non-numeric values, bad time profile, conflicting settings.
    UnknownNameError
        Unknown scenario, lever, setting or parameter (with the closest names).
    OutOfRangeError
        A value outside the model's declared range (value, range and unit quoted).
    """
    if isinstance(name_or_path, Scenario):
        scenario = name_or_path
    else:
        path = _find(name_or_path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[:exc.start].count(b"\n") + 1
            raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start + 1}, line {line}); "
                                "save the scenario as UTF-8") from None
        except OSError as exc:
            raise ScenarioError(f"{path}: cannot be read ({exc.strerror})") from None
        if not text.strip():
            raise ScenarioError(f"{path}: the scenario file is empty; give at least a name and "
                                "one [levers.NAME] or [params] table")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{path}: malformed TOML: {exc}") from None
        for key in data:
            if key not in _FIELDS:
                near = closest(key, _FIELDS)
                hint = f"; did you mean {', '.join(repr(h) for h in near)}?" if near else ""
                raise UnknownNameError(f"{path}: unknown top-level field {key!r}{hint} "
                                       f"(valid: {', '.join(_FIELDS)})")
        name = data.get("name", path.stem)
        description = data.get("description", "")
        description_zh = data.get("description_zh", "")
        if not all(isinstance(x, str) for x in (name, description, description_zh)):
            raise ScenarioError(f"{path}: 'name', 'description' and 'description_zh' must be "
                                "strings")
        levers: dict[str, dict[str, float]] = {}
        for lname, values in _table(data.get("levers", {}), f"{path}: [levers]").items():
            try:
                lever = get_lever(lname)
            except UnknownNameError as exc:
                raise UnknownNameError(f"{path}: [levers.{lname}]: {exc}") from None
            values = _table(values, f"{path}: [levers.{lname}]")
            for key, value in values.items():
                if key not in lever.keys():
                    try:
                        lever.setting(key)
                    except UnknownNameError as exc:
                        raise UnknownNameError(f"{path}: levers.{lname}.{key}: {exc}") from None
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ScenarioError(f"{path}: levers.{lname}.{key} = {value!r} is not a number")
            levers[lname] = dict(values)
        params = dict(_table(data.get("params", {}), f"{path}: [params]"))
        for key, value in params.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ScenarioError(f"{path}: params.{key} = {value!r} is not a number")
        scenario = Scenario(name=name, description=description.strip(),
                            description_zh=description_zh.strip(), levers=levers,
                            params=params, source=path)
    if model is not None:
        scenario.to_params(model)
    return scenario

