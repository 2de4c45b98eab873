"""Stress tests of policy scenarios against named shocks and seed 003's guard rails (``cycle stress``).

:mod:`~cycle.stress.shocks` is the shock catalogue, each shock a setting of the model's shock
constants; :mod:`~cycle.stress.rails` names the four guard rails and the model readings they
are judged on; :func:`run_stress` runs every scenario with and without guard rails, shocked
and unshocked (and, with ``samples``, over an ensemble) in one batch-engine call per chunk;
:mod:`~cycle.stress.report` turns the runs into breach, impact and loss tables and a markdown
summary; :func:`write_stress` writes them, the dashboards and a manifest into one folder.
"""

from cycle.stress.rails import RAILS, GuardRail
from cycle.stress.runner import StressResult, run_stress
from cycle.stress.shocks import SHOCKS, Shock, StressInputError, get_shock
from cycle.stress.write import write_stress

__all__ = ["RAILS", "GuardRail", "SHOCKS", "Shock", "StressInputError", "get_shock",
           "StressResult", "run_stress", "write_stress"]
