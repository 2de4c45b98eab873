"""Writing results: single files (:mod:`cycle.io.files`), whole output folders as one
transaction (:mod:`cycle.io.folder`), the run manifest (:mod:`cycle.io.manifest`) and the units
sidecar of every CSV (:mod:`cycle.io.units`), and a side process that writes some of a
folder's files while the command writes the others (:mod:`cycle.io.sidework`)."""
