"""Observed series with provenance (CSV files; see README.md beside this file)."""
