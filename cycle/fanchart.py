"""Fan charts (moved to :mod:`cycle.plotting.fan`; kept so old imports work)."""

from cycle.plotting.fan import plot_fan, plot_fan_charts, plot_fan_grid

__all__ = ["plot_fan", "plot_fan_grid", "plot_fan_charts"]
