"""Shipped policy scenarios, TOML files read by :mod:`cycle.scenarios`.

Installed as the package ``cycle.scenario_files`` (``cycle.scenarios`` is the module).
"""
