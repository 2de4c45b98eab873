"""Ensembles at any size: sampling and percentiles (:mod:`cycle.ensembles.runner`), evaluators
that run chunks here or on Dask (:mod:`cycle.ensembles.evaluators`), raw runs spilled where they
run and reduced from disk (:mod:`cycle.ensembles.store`)."""
