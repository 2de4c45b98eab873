"""Ensembles at any size: raw runs spilled where they run and reduced from disk
(:mod:`cycle.ensembles.store`)."""
