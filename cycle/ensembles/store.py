"""Raw ensemble trajectories on disk, so an ensemble's memory is set by its chunk size, not N.

Each chunk's trajectories are written where the chunk runs (this process or a Dask worker on
the same machine) into one flat binary file per (scenario, variable), laid out time-major
``(T, N)`` float64: a chunk of runs ``[start, start + n)`` writes, for each saved time, one
contiguous slice with ``os.pwrite``. Nothing is memory-mapped, so the page cache never counts
toward a process's resident memory. The workers return only the chunk's bookkeeping.

Percentiles are then exact, not estimated: :meth:`SpillStore.percentiles` reads blocks of
saved times, ``(rows, N)`` with ``rows * N * 8`` bytes at most :data:`READ_BUDGET`, and takes
:func:`numpy.percentile` of each row (linear interpolation, NumPy's default), which gives the
very numbers the in-memory path gives. Peak memory of the reduction: about ``2 * READ_BUDGET``,
or ``2 * N * 8`` bytes when a single saved time exceeds the budget (N = 10^8: 1.6 GB).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["SpillStore", "READ_BUDGET"]

READ_BUDGET = 32 * 2**20
"""Bytes read per reduction block."""


@dataclass(frozen=True)
class SpillStore:
    """Where an ensemble's raw runs live: `root`/<scenario index>/<variable index>.f8.

    Attributes
    ----------
    root : folder of the files (on the machine that runs the chunks).
    scenarios, variables : names, in the order of the indices.
    n : runs per scenario; times : number of saved times.
    """

    root: str
    scenarios: tuple[str, ...]
    variables: tuple[str, ...]
    n: int
    times: int

    @classmethod
    def create(cls, scenarios: Sequence[str], variables: Sequence[str], n: int, times: int,
               where: str | os.PathLike | None = None) -> SpillStore:
        """Make the folder and one sparse file per (scenario, variable)."""
        if where is not None:
            _clean_dead(Path(where))
        root = tempfile.mkdtemp(prefix=f"cycle-ensemble-{os.getpid()}-", dir=where)
        store = cls(root, tuple(scenarios), tuple(variables), int(n), int(times))
        for s in range(len(scenarios)):
            os.makedirs(os.path.join(root, str(s)), exist_ok=True)
            for v in range(len(variables)):
                with open(store._path(s, v), "wb") as f:
                    f.truncate(store.n * store.times * 8)
        return store

    def _path(self, s: int, v: int) -> str:
        return os.path.join(self.root, str(s), f"{v}.f8")

    def nbytes(self) -> int:
        """Bytes on disk when full."""
        return len(self.scenarios) * len(self.variables) * self.n * self.times * 8

    def write(self, scenario: str, start: int, values: dict[str, np.ndarray]) -> None:
        """Write runs ``[start, start + k)`` of `scenario`: Vensim name -> array ``(k, T)``."""
        s = self.scenarios.index(scenario)
        for v, name in enumerate(self.variables):
            arr = np.asarray(values[name], dtype=np.float64)
            cols = np.ascontiguousarray(arr.T)  # (T, k): one contiguous slice per saved time
            fd = os.open(self._path(s, v), os.O_WRONLY)
            try:
                for t in range(self.times):
                    os.pwrite(fd, cols[t].tobytes(), (t * self.n + start) * 8)
            finally:
                os.close(fd)
            del cols

    def read_rows(self, scenario: str, variable: str, t0: int, t1: int) -> np.ndarray:
        """Saved times ``[t0, t1)`` of every run: array ``(t1 - t0, N)``."""
        s, v = self.scenarios.index(scenario), self.variables.index(variable)
        with open(self._path(s, v), "rb") as f:
            f.seek(t0 * self.n * 8)
            data = np.fromfile(f, dtype=np.float64, count=(t1 - t0) * self.n)
        return data.reshape(t1 - t0, self.n)

    def percentiles(self, scenario: str, variable: str, q: Sequence[float]
                    ) -> tuple[np.ndarray, int]:
        """Percentiles `q` across runs at every saved time: array ``(len(q), T)``, and the
        number of runs with a NaN (ignored)."""
        rows = max(1, READ_BUDGET // (8 * self.n))
        out = np.empty((len(q), self.times))
        bad = np.zeros(self.n, dtype=bool)
        for t0 in range(0, self.times, rows):
            t1 = min(self.times, t0 + rows)
            block = self.read_rows(scenario, variable, t0, t1)
            nan = np.isnan(block)
            if nan.any():
                bad |= nan.any(axis=0)
                out[:, t0:t1] = np.nanpercentile(block, q, axis=1)
            else:
                out[:, t0:t1] = np.percentile(block, q, axis=1, overwrite_input=True)
            del block, nan
        return out, int(bad.sum())

    def dataset(self, times: np.ndarray, samples, units: dict[str, str]):
        """Every trajectory as a lazy ``xarray.Dataset`` (dask arrays over the files), dims
        ``(scenario, run, time)``; the sampled constants in ``parameter_value (run, parameter)``
        (Vensim names with spaces cannot be coordinate names on disk)."""
        import dask.array as da
        import xarray as xr

        data = {}
        for v, name in enumerate(self.variables):
            per = [da.from_array(np.memmap(self._path(s, v), dtype=np.float64, mode="r",
                                           shape=(self.times, self.n)),
                                 chunks=(self.times, min(self.n, 50_000))).T
                   for s in range(len(self.scenarios))]
            data[name] = (("scenario", "run", "time"), da.stack(per), {"units": units[name]})
        data["parameter_value"] = (("run", "parameter"), samples.to_numpy(),
                                   {"description": "sampled value of each uncertain constant, "
                                                   "in its model units"})
        coords = {"scenario": np.array(self.scenarios, dtype=object), "run": np.arange(self.n),
                  "time": times, "parameter": np.array(list(samples.columns), dtype=object)}
        return xr.Dataset(data, coords=coords)

    def remove(self) -> None:
        """Delete the files."""
        shutil.rmtree(self.root, ignore_errors=True)


def _clean_dead(where: Path) -> None:
    """Remove the stores of ensembles whose process is gone (killed runs leave gigabytes)."""
    for d in where.glob("cycle-ensemble-*"):
        try:
            pid = int(d.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except PermissionError:  # another user's live process
            pass


def spill_root() -> Path:
    """Default parent folder of spill stores: ``$CYCLE_CACHE_DIR/spill``."""
    from cycle.resources import cache_root

    path = cache_root() / "spill"
    path.mkdir(parents=True, exist_ok=True)
    return path
