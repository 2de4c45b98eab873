"""What the explorer page is told about the model, all read from the model and the catalogue.

Nothing numeric about the model is written here: lever settings, units, ranges, defaults
and documentation come from :mod:`cycle.levers` and :class:`cycle.model.Model`; the panels
and metric definitions from :mod:`cycle.metrics` (the spec ``cycle compare`` evaluates); the
observations from the calibration data; the uncertainty sample from the shipped
uncertainty spec of the model (:mod:`cycle.uncertainty`).
"""

from __future__ import annotations

import math
from typing import Any

from cycle import metrics as M
from cycle.levers import LEVERS, TIME_KEYS

__all__ = ["PANELS", "panels", "lever_payload", "scenario_payload", "observed_payload",
           "uncertainty_payload", "metric_spec", "metric_zh", "metric_formulas", "num"]

BAND_MEMBERS = 200
"""Members of the uncertainty ensemble the page runs for its band."""
BAND_SEED = 0
"""Seed of the uncertainty sample (Latin hypercube), recorded in the page."""

PANELS: list[tuple[str, list[str]]] = (
    [(v, [v]) for v in M.KEY_OUTCOMES]
    + [("Firms by stage", []),  # filled from the model: its stocks counting firms
       ("NPL Ratio", ["NPL Ratio"]),
       ("Public outlay by payer", [*M.OUTLAY_BY_PAYER, "Cumulative Public Outlay"]),
       ("Losses by bearer", list(M.LOSSES_BY_BEARER)),
       ("Private Finance Outstanding", ["Private Finance Outstanding"])])
"""Panels of the explorer: (title, variables). Titles of one-variable panels are the variable."""


def num(x: float) -> float | None:
    """A float for JSON (``None`` for nan/inf)."""
    x = float(x)
    return x if math.isfinite(x) else None


def panels(model) -> list[dict[str, Any]]:
    """The panels whose variables exist in `model` (firms by stage: its stocks named ``... Firms``);
    for a model with none of them, a panel for each of its first stocks."""
    from cycle.plotting.panels import first_stocks

    out = []
    for title, names in PANELS:
        if title == "Firms by stage":
            names = [n for n, v in model.variables.items()
                     if v.kind == "stock" and n.endswith(" Firms")]
        names = [n for n in names if n in model.variables]
        if names:
            units = sorted({model.variables[n].units for n in names})
            out.append({"title": title, "variables": names, "units": " / ".join(units)})
    if not out:
        out = [{"title": n, "variables": [n], "units": model.variables[n].units}
               for n in first_stocks({n: v.kind for n, v in model.variables.items()})]
    return out


def _field(model, variable: str, key: str) -> dict[str, Any]:
    var = model.variables[variable]
    lo, hi = var.limits
    return {"key": key, "variable": variable, "units": var.units, "default": model.defaults[variable],
            "lo": num(lo), "hi": num(hi), "doc": var.doc}


CONSTANTS_GROUP = "constants"
"""The name of the page's group of a model's own constants (:func:`lever_payload`)."""


def lever_payload(model) -> list[dict[str, Any]]:
    """Every lever of the catalogue the model has (all its constants): its settings and time
    profile with units, ranges, docs. A model that has none of them (a model of one's own)
    gets one group instead, :data:`CONSTANTS_GROUP`: a field for each of its constants with
    a finite value, keyed by its name, set as a scenario's ``[params]`` (``"params": true``)."""
    out = _catalogue_levers(model)
    if out:
        return out
    fields = [_field(model, n, n) for n, v in model.variables.items()
              if v.kind == "constant" and math.isfinite(model.defaults.get(n, math.nan))]
    if not fields:
        return []
    return [{"name": CONSTANTS_GROUP, "group": "model", "params": True, "time": [],
             "constraints": [], "settings": fields,
             "description": f"The constants of {model.name}: no policy lever of the catalogue "
                            "sets them, so each is set directly (saved as [params])."}]


def _catalogue_levers(model) -> list[dict[str, Any]]:
    out = []
    for lever in LEVERS.values():
        if not lever.fits(model):
            continue  # a lever of the Northeast model; another model has no constant for it
        tc = lever.time_constants()
        out.append({
            "name": lever.name, "group": lever.group, "description": lever.description,
            "settings": [_field(model, s.variable_name, s.name) for s in lever.settings],
            "time": [_field(model, tc[k], k) for k in TIME_KEYS],
            "constraints": [{"settings": list(c.settings), "limit": c.limit, "reason": c.reason}
                            for c in lever.constraints]})
    return out


def scenario_payload(scenarios, model) -> list[dict[str, Any]]:
    """Each scenario (checked against `model`) as ``{name, description, description_zh,
    levers, params, shipped, source}``."""
    from cycle.errors import CycleError
    from cycle.scenarios import available_scenarios, load_scenario

    shipped = available_scenarios()
    seen: dict[str, dict] = {}
    for item in [*shipped, *scenarios]:
        try:
            s = load_scenario(item, model)
        except CycleError:
            if item in scenarios:  # asked for: its error stops the page
                raise
            continue  # a shipped scenario for a model other than this one

        seen[s.name] = {"name": s.name, "description": " ".join(s.description.split()),
                        "description_zh": " ".join(s.description_zh.split()),
                        "levers": s.levers, "params": s.params,
                        "shipped": item in shipped, "source": str(s.source.name) if s.source else ""}
    return list(seen.values())


def observed_payload(model) -> list[dict[str, Any]]:
    """Observed points (model time, value, sigma) of the variables the model has."""
    try:
        from cycle.runs import observed_for_plots

        obs = observed_for_plots(model)
    except Exception:  # observations are decoration; a model without them still explores
        return []
    return [{"variable": r.variable, "time": float(r.time), "value": float(r.value),
             "sigma": float(r.sigma), "period": str(r.period)} for r in obs.itertuples()]


def uncertainty_payload(model, n: int = BAND_MEMBERS, seed: int = BAND_SEED) -> dict[str, Any] | None:
    """A Latin-hypercube sample of the model's shipped uncertainty spec (``None`` if it has none)."""
    import warnings

    from cycle.errors import CycleError
    from cycle.uncertainty import available_specs, load_uncertainties

    if model.name not in available_specs():
        return None
    try:
        spec = load_uncertainties(model.name, model)
    except CycleError as exc:  # a spec out of step with the model: the page goes without a band
        warnings.warn(f"no uncertainty band in the page: {exc}", stacklevel=2)
        return None
    sample = spec.sample(n, sampler="lhs", seed=seed)
    return {"spec": model.name, "description": spec.description, "sampler": "lhs", "seed": seed,
            "names": list(sample.columns), "values": sample.to_numpy().tolist()}


def metric_spec(model, final: float) -> dict[str, Any]:
    """The metrics the page evaluates: :func:`cycle.metrics.spec_json`, the definitions
    ``cycle compare`` evaluates, with the units and years of their rows for `model` run to `final`."""
    return M.spec_json(model, final)


def metric_formulas() -> dict[str, str]:
    """Each metric's formula (:meth:`cycle.metrics.Metric.formula`), shown when hovering its row."""
    return {m.name: m.formula() for m in M.METRICS}


def metric_zh() -> dict[str, str]:
    """Chinese labels of the metrics that have their own (levels use their variable's label)."""
    return {m.name: m.zh for m in [*M.METRICS, M.LOAN_DOUBLING] if m.zh}


def scenario_name(item, model) -> str:
    """The name a scenario argument (shipped name or path) loads as."""
    from cycle.scenarios import load_scenario

    return load_scenario(item, model).name
