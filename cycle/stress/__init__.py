"""Stress tests of policy scenarios against named shocks and seed 003's guard rails (``cycle stress``).

:mod:`~cycle.stress.shocks` is the shock catalogue, each shock a setting of the model's shock
constants; :mod:`~cycle.stress.rails` names the four guard rails and the model readings they
are judged on; :func:`run_stress` runs every scenario with and without guard rails, shocked
and unshocked (and, with ``samples``, over an ensemble) in one batch-engine call per chunk;
:mod:`~cycle.stress.report` turns the runs into breach, impact and loss tables and a markdown
summary; :func:`write_stress` writes them, the dashboards and a manifest into one folder.
"""

from importlib import import_module

__all__ = ["RAILS", "GuardRail", "SHOCKS", "Shock", "StressInputError", "get_shock",
           "StressResult", "run_stress", "write_stress"]

_HOME = {"RAILS": "rails", "GuardRail": "rails", "StressResult": "runner", "run_stress": "runner",
         "SHOCKS": "shocks", "Shock": "shocks", "StressInputError": "shocks",
         "get_shock": "shocks", "write_stress": "write"}


def __getattr__(name: str):
    """The package's names, each imported from its module on first use: ``cycle stress
    --help`` reads the shock catalogue without importing the runner (pandas, the engine)."""
    if name in _HOME:
        return getattr(import_module(f"cycle.stress.{_HOME[name]}"), name)
    raise AttributeError(f"module 'cycle.stress' has no attribute {name!r}")
