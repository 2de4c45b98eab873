"""Evaluators: run chunks of parameter sets on the batch engine, here or on a Dask cluster.

An evaluator is a context manager with one method, ``evaluate(chunks, callback=None)``,
which runs every :class:`Chunk` and returns their :class:`ChunkResult` in chunk order
(EMA Workbench's evaluator contract). :class:`SequentialEvaluator` is the reference;
:class:`DaskEvaluator` keeps its contract and gives identical numbers, because a chunk
carries its own parameter sets (sampling happens once, before chunking) and each run is
computed independently of the others in its batch.

Workers build the engine with :func:`cycle.engine.build_engine`, which loads the generated
module from the cache (``$CYCLE_CACHE_DIR/engine``), once per process.

Examples
--------
>>> chunks = make_chunks(task, params, n=10_000, size=2_500, label="baseline")
>>> with DaskEvaluator(n_workers=2) as ev:
...     results = ev.evaluate(chunks)
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["RunTask", "Chunk", "ChunkResult", "make_chunks", "run_chunk", "SequentialEvaluator",
           "DaskEvaluator", "evaluator_for"]

log = logging.getLogger(__name__)

_ENGINES: dict[tuple[str, str], object] = {}


@dataclass(frozen=True)
class RunTask:
    """What every chunk of one ensemble shares.

    Attributes
    ----------
    mdl_path : the model file (the engine is generated from it, or loaded from the cache).
    sha256 : the file's SHA-256; a worker that finds another version refuses to run.
    final_time : last simulated year (calendar years).
    columns : Vensim names of the variables to return.
    backend : the engine loop: ``"by-size"`` (:func:`cycle.model.choose_loop` on the chunk's
        size, so a result never depends on what happens to be compiled), or a loop name.
    sink : a :class:`~cycle.ensembles.store.SpillStore`: chunks write their trajectories
        there where they run and return none (bounded memory; Dask ships no trajectories).
    """

    mdl_path: str
    sha256: str
    final_time: float
    columns: tuple[str, ...]
    backend: str = "by-size"
    sink: object = None


@dataclass
class Chunk:
    """A slice of parameter sets, run in one engine call.

    Attributes
    ----------
    task : the shared :class:`RunTask`.
    label : which group the chunk belongs to (a scenario name).
    start : index of the chunk's first run within its group.
    params : Vensim name -> scalar (every run) or array of shape ``(n,)`` (model units).
    n : number of runs in the chunk.
    """

    task: RunTask
    label: str
    start: int
    n: int
    params: dict[str, float | np.ndarray] = field(default_factory=dict)


@dataclass
class ChunkResult:
    """Output of one chunk.

    Attributes
    ----------
    label, start, n : as in the :class:`Chunk`.
    times : saved times, shape ``(T,)`` (calendar years).
    values : Vensim name -> array ``(n, T)`` in the variable's units (empty when the task
        has a sink: the values are in the store).
    loop : the engine loop that ran.
    """

    label: str
    start: int
    n: int
    times: np.ndarray
    values: dict[str, np.ndarray]
    loop: str = ""


def make_chunks(task: RunTask, params: Mapping[str, float | np.ndarray], *, n: int,
                size: int | None = None, label: str = "") -> list[Chunk]:
    """Split `n` runs into chunks of at most `size` runs (contiguous slices of the arrays)."""
    size = n if size is None else max(1, int(size))
    chunks = []
    for start in range(0, n, size):
        stop = min(n, start + size)
        sliced = {k: (v[start:stop] if np.ndim(v) == 1 else v) for k, v in params.items()}
        chunks.append(Chunk(task=task, label=label, start=start, n=stop - start, params=sliced))
    return chunks


def _engine(mdl_path: str, sha256: str):
    key = (mdl_path, sha256)
    if key not in _ENGINES:
        from cycle.engine import build_engine

        engine = build_engine(Path(mdl_path))
        if engine.sha256 != sha256:
            from cycle.errors import CycleError

            raise CycleError(f"{mdl_path} changed since the ensemble started (SHA-256 differs)")
        _ENGINES[key] = engine
    return _ENGINES[key]


def _worker_threads() -> int | None:
    """Threads of the Dask worker running this chunk, so that workers do not each start a
    thread per core (None outside a worker: the engine's default)."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        state = getattr(distributed.get_worker(), "state", None)
    except ValueError:  # not in a worker
        return None
    threads = getattr(state, "nthreads", None)
    return threads if isinstance(threads, int) and threads >= 1 else None


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Run one chunk on this process's engine (built once per process and model)."""
    from cycle.model import choose_loop

    t = chunk.task
    engine = _engine(t.mdl_path, t.sha256)
    loop = choose_loop(engine, chunk.n) if t.backend == "by-size" else t.backend
    res = engine.run(chunk.params, n=chunk.n, final_time=t.final_time,
                     return_columns=list(t.columns), backend=loop, threads=_worker_threads())
    if t.sink is not None:
        t.sink.write(chunk.label, chunk.start, res.values)
        return ChunkResult(label=chunk.label, start=chunk.start, n=chunk.n, times=res.times,
                           values={}, loop=loop)
    values = {k: np.ascontiguousarray(v) for k, v in res.values.items()}
    return ChunkResult(label=chunk.label, start=chunk.start, n=chunk.n, times=res.times,
                       values=values, loop=loop)


class SequentialEvaluator:
    """Run chunks one after the other in this process (the reference evaluator)."""

    def __repr__(self) -> str:
        return "SequentialEvaluator(in this process)"

    def __enter__(self) -> SequentialEvaluator:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def evaluate(self, chunks: Sequence[Chunk],
                 callback: Callable[[ChunkResult], None] | None = None) -> list[ChunkResult]:
        """Run every chunk; return results in chunk order, calling `callback` after each."""
        out = []
        for chunk in chunks:
            result = run_chunk(chunk)
            if callback is not None:
                callback(result)
            out.append(result)
        return out


class DaskEvaluator:
    """Run chunks on a Dask cluster: a new ``LocalCluster`` or an existing scheduler.

    Parameters
    ----------
    scheduler : address of a running scheduler (``tcp://host:8786``) to connect a
        ``Client`` to; None starts a ``LocalCluster`` for the evaluator's lifetime.
    n_workers : workers of the local cluster (default ``os.cpu_count()``).
    processes : local workers are processes (default True; False uses threads).
    threads_per_worker : threads per local worker (default 1: the engine is NumPy on
        ``(n,)`` arrays, so one thread per process uses the cores best).
    """

    def __init__(self, scheduler: str | None = None, *, n_workers: int | None = None,
                 processes: bool = True, threads_per_worker: int = 1) -> None:
        if n_workers is not None and n_workers < 1:
            raise ValueError(f"n_workers must be >= 1, got {n_workers}")
        self.scheduler = scheduler
        self.n_workers = n_workers or os.cpu_count() or 1
        self.processes = processes
        self.threads_per_worker = threads_per_worker
        self.client = None
        self._cluster = None

    def __repr__(self) -> str:
        where = self.scheduler or (f"LocalCluster({self.n_workers} workers, "
                                   f"processes={self.processes})")
        return f"DaskEvaluator({where})"

    def __enter__(self) -> DaskEvaluator:
        from dask.distributed import Client, LocalCluster

        from cycle.errors import CycleError

        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout="10s")
            except OSError as exc:
                raise CycleError(f"cannot connect to the Dask scheduler at {self.scheduler}: "
                                 f"{exc}") from None
        else:
            self._cluster = LocalCluster(n_workers=self.n_workers,
                                         threads_per_worker=self.threads_per_worker,
                                         processes=self.processes, dashboard_address=None,
                                         silence_logs=logging.ERROR)
            self.client = Client(self._cluster)
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
        self.client = self._cluster = None

    def evaluate(self, chunks: Sequence[Chunk],
                 callback: Callable[[ChunkResult], None] | None = None) -> list[ChunkResult]:
        """Run every chunk on the cluster; return results in chunk order.

        `callback` is called in this process as each chunk finishes (in completion order).
        """
        from dask.distributed import as_completed

        if self.client is None:
            raise RuntimeError("use DaskEvaluator as a context manager: with DaskEvaluator() as ev")
        chunks = list(chunks)
        out: list[ChunkResult | None] = [None] * len(chunks)
        # a bounded number of chunks in flight (two per worker thread): submitting them all
        # at once would hold every chunk's parameters in this process, in the scheduler and
        # on the workers at the same time (2.4 GiB at 10^6 runs)
        in_flight = max(2, 2 * sum(self.client.nthreads().values()))
        pending = iter(enumerate(chunks))
        index: dict[str, int] = {}
        running = as_completed()

        def submit_next() -> None:
            for i, chunk in pending:
                future = self.client.submit(run_chunk, chunk, pure=False)
                index[future.key] = i
                running.add(future)
                return

        for _ in range(in_flight):
            submit_next()
        for future in running:
            result = future.result()
            out[index.pop(future.key)] = result
            if callback is not None:
                callback(result)
            future.release()
            submit_next()
        return out  # type: ignore[return-value]


def evaluator_for(runs: int, *, scheduler: str | None = None, workers: int | None = None,
                  threshold: int = 200_000):
    """The evaluator a command should use for `runs` model runs.

    ``scheduler`` -> a :class:`DaskEvaluator` on that scheduler; ``workers`` -> a local
    cluster of that many processes (1 means sequential); otherwise sequential below
    `threshold` runs (starting worker processes costs more than it saves on small jobs) and
    a local cluster of ``os.cpu_count()`` processes above it.
    """
    if scheduler:
        return DaskEvaluator(scheduler)
    if workers is not None:
        return SequentialEvaluator() if workers == 1 else DaskEvaluator(n_workers=workers)
    if runs >= threshold and (os.cpu_count() or 1) > 1:
        return DaskEvaluator()
    return SequentialEvaluator()
