"""Shipped uncertainty specs (TOML), installed as ``cycle.uncertain_files``."""
