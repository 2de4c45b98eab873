"""Trajectory plots (moved to :mod:`cycle.plotting.trajectories`; kept so old imports work)."""

from cycle.plotting.style import plt, unit_label
from cycle.plotting.trajectories import (
    KEY_PANELS,
    describe_overrides,
    plot_key_stocks,
    plot_variable,
)

__all__ = ["KEY_PANELS", "plot_key_stocks", "plot_variable", "unit_label", "plt",
           "describe_overrides"]
