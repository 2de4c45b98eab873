"""Observed data, fitting and fit reports (installed as ``cycle.calibration``)."""
