"""Plots: shared style, fonts and zh/en labels (:mod:`cycle.plotting.style`), trajectories
(:mod:`cycle.plotting.trajectories`), fan charts (:mod:`cycle.plotting.fan`)."""
