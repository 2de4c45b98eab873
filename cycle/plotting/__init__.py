"""Plots: shared style, fonts and zh/en labels (:mod:`cycle.plotting.style`), trajectories
(:mod:`cycle.plotting.trajectories`, showing what :mod:`cycle.plotting.panels` lists, from
DataFrames or the NumPy forms of :mod:`cycle.plotting.series`), fan charts
(:mod:`cycle.plotting.fan`)."""
