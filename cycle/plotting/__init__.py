"""Plots: shared style, fonts and zh/en labels (:mod:`cycle.plotting.style`), trajectories
(:mod:`cycle.plots`), fan charts (:mod:`cycle.fanchart`)."""
