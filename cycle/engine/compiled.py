"""Load, compile (into Numba's on-disk cache) and run the kernel module of
:mod:`cycle.engine.emit_numba`; :func:`run_kernel` also runs the C loop
(:class:`cycle.engine.native.NativeKernel`, the same calling convention), splitting the
members over threads for either.

Compilation takes a few seconds once per model and engine version, in the process whose run
needs it (never in a race with that run); afterwards the kernel loads from Numba's cache
beside the kernel file in milliseconds.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import threading
from pathlib import Path

import numpy as np

__all__ = ["THREAD_MIN_RUNS", "available_cores", "default_threads", "is_compiled", "load_kernel",
           "numba_available", "run_kernel", "threads_for", "warm", "write_kernel_file"]


@functools.cache
def numba_available() -> bool:
    """Whether Numba can be imported."""
    return importlib.util.find_spec("numba") is not None


def write_kernel_file(source: str, path: Path) -> None:
    """Write the kernel module to `path` (temp file, then rename) unless it is there already."""
    path = Path(path)
    if not path.is_file() or path.read_text(encoding="utf-8") != source:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(source, encoding="utf-8")
        tmp.replace(path)


def load_kernel(source: str, path: Path):
    """Write the kernel module to `path` (Numba caches its compilation beside it) and import
    it; returns the module."""
    path = Path(path)
    write_kernel_file(source, path)
    name = f"_cycle_kernel_{path.stem.replace('-', '_').replace('.', '_')}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def is_compiled(path: Path) -> bool:
    """Whether Numba's on-disk cache holds a compiled kernel for the module at `path`."""
    cache = Path(path).parent / "__pycache__"
    stem = Path(path).stem
    return any(cache.glob(f"{stem}.kernel-*.nbi")) and any(cache.glob(f"{stem}.kernel-*.nbc"))


def _call(module, IN, times, saves, need, sel_j, sel_i, out, ST, first=0, stop=None) -> None:
    module.kernel(IN, times, saves, need, sel_j, sel_i, out, ST, first,
                  IN.shape[1] if stop is None else stop)


def warm(path: str | Path) -> None:
    """Compile the kernel module at `path` into Numba's cache (a call on zero members with
    the argument types real runs use)."""
    module = load_kernel(Path(path).read_text(encoding="utf-8"), Path(path))
    _call(module, np.ones((len(module.INPUTS), 0)), np.array([0.0, 1.0]),
          np.zeros(2, dtype=np.bool_), np.zeros(max(1, len(module.STATICS)), dtype=np.bool_),
          np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.empty((1, 0, 1)),
          np.empty((len(module.STATICS), 0)))


CHUNKS_PER_THREAD = 8
"""Chunks of members per thread (handed out as threads get free)."""
THREAD_MIN_RUNS = 4
"""Members per thread below which the compiled loop runs on fewer threads.  Measured on the
Northeast model (2 cores shared with another busy process; a member ~0.23 ms; the caller
runs one range and starts one thread): 2 threads were 0.8-1.2x as fast as one at 2 members
(slower when the other core was busy) and 1.4-1.8x as fast from 8 members on."""


@functools.cache
def available_cores() -> int:
    """Cores this process may run on (its CPU affinity when first asked;
    ``os.cpu_count()`` elsewhere)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """Threads the compiled loop uses for a large batch: ``$CYCLE_THREADS`` if set, else
    ``$NUMBA_NUM_THREADS`` if set, else every available core.

    Raises
    ------
    ValueError
        If the variable used is not a positive integer.
    """
    for variable in ("CYCLE_THREADS", "NUMBA_NUM_THREADS"):
        text = os.environ.get(variable, "").strip()
        if text:
            break
    else:
        return available_cores()
    try:
        threads = int(text)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ValueError(f"{variable} must be a positive integer, not {text!r}")
    return threads


def threads_for(n: int, threads: int | None = None) -> int:
    """Threads a batch of `n` members runs on: at most `threads` (default
    :func:`default_threads`), and at least :data:`THREAD_MIN_RUNS` members each."""
    if threads is None:
        threads = default_threads()
    elif threads < 1:
        raise ValueError(f"threads must be a positive integer, not {threads!r}")
    return max(1, min(int(threads), n // THREAD_MIN_RUNS))


def run_kernel(module, IN: np.ndarray, times: np.ndarray, saves: np.ndarray,
               need: np.ndarray, sel_j: np.ndarray, sel_i: np.ndarray, out: np.ndarray,
               ST: np.ndarray, threads: int | None = None) -> None:
    """Run the compiled loop on every member (columns of ``IN``), in chunks of contiguous
    members taken by :func:`threads_for` threads as they get free (the kernel releases the
    GIL; members are independent, so the split changes no result bit).

    Writes ``out[row, member, saved]`` (C-contiguous) and ``ST[static, member]`` in place.
    """
    n = IN.shape[1]
    threads = threads_for(n, threads)
    if threads == 1:
        _call(module, IN, times, saves, need, sel_j, sel_i, out, ST)
        return
    # members are handed out in chunks (about CHUNKS_PER_THREAD a thread), each taken by
    # whichever thread is free: on a shared machine a thread whose core is busy with another
    # process takes fewer, instead of holding up the batch with a fixed half
    chunk = max(THREAD_MIN_RUNS, -(-n // (threads * CHUNKS_PER_THREAD)))
    starts = iter(range(0, n, chunk))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:  # each chunk writes its own members of the same arrays
        try:
            while not errors:
                with lock:
                    start = next(starts, None)
                if start is None:
                    return
                _call(module, IN, times, saves, need, sel_j, sel_i, out, ST, start,
                      min(start + chunk, n))
        except BaseException as error:  # re-raised in the caller
            errors.append(error)

    # the caller works too: one thread fewer to start
    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads - 1)]
    for worker in workers:
        worker.start()
    work()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
