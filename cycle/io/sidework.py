"""A forked side process that writes some of an output folder's files while this process
writes the others (plots take most of a command's time and use one core each).

Three ways to give it work, all through :func:`side_process`:

* **forked before the data exist** (``cycle run``): the side process prepares (``warm``,
  e.g. imports matplotlib's figure module) while this process computes, then receives jobs
  as a picklable function and arguments (:meth:`SideProcess.submit`);
* **forked after**: ``jobs`` are closures over this process's data, which the side process
  inherits without copying;
* **shared** (``cycle ensemble``'s fan charts): closures either process may take; the side
  process starts on them at once, this one joins (:meth:`SideProcess.take_shared`) when its
  own files are written, and each job runs once, in whichever process claimed it first.

With ``workers=2`` the side process forks a helper once it has warmed up, so the helper
starts with everything ``warm`` imported or built; a job goes to the worker named in
:meth:`SideProcess.submit_to` (``cycle run`` draws its key-stock grid in one and its two loan
plots in the other, while this process writes the CSV files).

:meth:`SideProcess.results` returns the jobs' results (small values: the paths written) in
order, or raises the first job's exception here, with the side process's traceback as a
note. The side process never returns into the caller's code: whatever happens it ends with
``os._exit``, so the caller's ``finally`` blocks and context managers (the output folder's
swap, its lock) run once, here. If this process fails or is interrupted first, the side
process is killed and reaped before the exception goes on, so nothing writes into a staging
folder after it is removed; if this process is killed outright (SIGKILL), the kernel kills
the side process too.

Forking is used only where it is safe and can help: on Linux, with at least two usable
cores, and only in processes that asked for it (:func:`allow`, called by the ``cycle``
command; a library user's process -- a notebook with its threads -- never forks). Otherwise
the jobs run here, in order, when given: the same files, one after the other.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["SideProcess", "side_process", "allow", "can_fork"]

_ALLOWED = {"on": False}


def allow(on: bool = True) -> None:
    """Let this process fork side processes (the ``cycle`` command's entry point does)."""
    _ALLOWED["on"] = on


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether :func:`side_process` forks here: allowed, Linux, at least two usable cores,
    and not switched off by ``CYCLE_SIDE_PROCESS=0``."""
    return (_ALLOWED["on"] and sys.platform.startswith("linux") and hasattr(os, "fork")
            and _cores() >= 2 and os.environ.get("CYCLE_SIDE_PROCESS", "1") != "0")


def _send(fd: int, obj) -> None:
    _write(fd, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _write(fd: int, data: bytes) -> None:
    view = memoryview(struct.pack("<Q", len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _recv(fd: int):
    """The next message on `fd`, or a ``_EOF`` when the other end closed."""
    head = _read_exactly(fd, 8)
    if head is None:
        return _EOF
    body = _read_exactly(fd, struct.unpack("<Q", head)[0])
    if body is None:
        return _EOF
    return pickle.loads(body)


def _read_exactly(fd: int, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class _Eof:
    pass


_EOF = _Eof()
_PARENT_ENDS: set[int] = set()  # this process's ends of the pipes of its live side processes


def _close(fd: int) -> None:
    """Close one of this process's ends of a side process's pipes, once: a second call must
    not close whatever file has reused the number since."""
    if fd in _PARENT_ENDS:
        _PARENT_ENDS.discard(fd)
        try:
            os.close(fd)
        except OSError:
            pass
_MAX_SHARED = 1000  # their claim tokens (4 bytes each) must fit a pipe's smallest buffer
_REMOTE = _Eof()  # a job's slot whose value comes from the side process


def _portable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling, else a RuntimeError with its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


class SideProcess:
    """A forked process running jobs for this one (see the module docstring); without
    forking, a stand-in that runs each job here as soon as it is given.

    Parameters
    ----------
    warm : run first in the side process (imports it will need), while this one computes.
    jobs : closures the side process runs, in order.
    shared : closures run by whichever process claims each first: the side process (and its
        helpers) after `jobs`, this one when it calls :meth:`take_shared` (so all finish
        together).
    fork : force (True) or forbid (False) forking; default :func:`can_fork`.
    workers : processes on this side: the side process, plus ``workers - 1`` helpers it forks
        once `warm` is done (they start with what `warm` prepared). `jobs` go to the first;
        :meth:`submit_to` names the worker of each submitted job.
    """

    def __init__(self, *, warm: Callable[[], Any] | None = None,
                 jobs: Sequence[Callable[[], Any]] = (), shared: Sequence[Callable[[], Any]] = (),
                 fork: bool | None = None, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.pid: int | None = None
        self.workers = workers
        self._writers: dict[int, _Writer] = {}  # per worker, once a job is sent to it
        self._frozen = False
        self._collected = False
        self._shared = list(shared)
        self._first_shared = len(jobs)
        if not (can_fork() if fork is None else fork):
            if warm is not None:
                warm()
            self._slots: list = [job() for job in (*jobs, *shared)]
            self._shared = []
            return
        if len(shared) > _MAX_SHARED:
            raise ValueError(f"at most {_MAX_SHARED} shared jobs, got {len(shared)}")
        self._slots = [_REMOTE] * (len(jobs) + len(shared))
        job_pipes = [os.pipe() for _ in range(workers)]     # (read: a worker, write: here)
        result_pipes = [os.pipe() for _ in range(workers)]  # (read: here, write: a worker)
        self._claims_r, claims_w = os.pipe()  # one token per shared job: read one to claim it
        os.write(claims_w, b"".join(struct.pack("<I", i) for i in range(len(shared))))
        os.close(claims_w)  # drained, the pipe reads as end-of-file: nothing left to claim
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        parent = os.getpid()
        others = set(_PARENT_ENDS)  # other side processes' pipes: not this child's to hold
        # Objects that exist now are left out of garbage collection until the side process
        # ends: a collection reads and writes every object's header, which would copy the
        # pages both processes share (forked memory is copied on write); 40 % of the side
        # process's import time.
        gc.freeze()
        self._frozen = True
        pid = os.fork()
        if pid == 0:  # the side process: never returns
            code = 1
            try:
                _die_with(parent)
                for fd in others:  # held open here, they would keep another side process
                    _close(fd)     # waiting for the end of its jobs forever
                for (_, jobs_w), (results_r, _) in zip(job_pipes, result_pipes, strict=True):
                    os.close(jobs_w)
                    os.close(results_r)
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends it at once
                ends = [(jobs_r, results_w) for (jobs_r, _), (_, results_w)
                        in zip(job_pipes, result_pipes, strict=True)]
                code = _serve_workers(ends, self._claims_r, warm, list(jobs), self._shared)
            finally:
                os._exit(code)
        self.pid = pid
        for (jobs_r, _), (_, results_w) in zip(job_pipes, result_pipes, strict=True):
            os.close(jobs_r)
            os.close(results_w)
        self._jobs_w = [jobs_w for _, jobs_w in job_pipes]
        self._results_r = [results_r for results_r, _ in result_pipes]
        _PARENT_ENDS.update((*self._jobs_w, *self._results_r, self._claims_r))

    def take_shared(self) -> None:
        """Run here every shared job the side process has not claimed yet (a failure is
        raised at once)."""
        if self.pid is None:
            return
        while (i := _claim(self._claims_r)) is not None:
            self._slots[self._first_shared + i] = self._shared[i]()

    def submit(self, fn: Callable[..., Any], *args, **kwargs) -> None:
        """Run ``fn(*args, **kwargs)`` in the side process (`fn` and the arguments are
        pickled: a module-level function and data); here, at once, without one."""
        self.submit_to(0, fn, *args, **kwargs)

    def submit_to(self, worker: int, fn: Callable[..., Any], *args, **kwargs) -> None:
        """:meth:`submit` to worker `worker` (0 to ``workers - 1``); each worker runs its
        jobs in the order given."""
        if self._collected:
            raise RuntimeError("results() was already called")
        if not 0 <= worker < self.workers:
            raise ValueError(f"worker must be in 0..{self.workers - 1}, got {worker}")
        if self.pid is not None:
            try:
                data = pickle.dumps((len(self._slots), fn, args, kwargs),
                                    protocol=pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, AttributeError, TypeError):
                data = None  # a local function (a test's stand-in): run it here
            if data is not None:
                self._slots.append(_REMOTE)
                if worker not in self._writers:
                    self._writers[worker] = _Writer(self._jobs_w[worker])
                self._writers[worker].put(data)
                return
        self._slots.append(fn(*args, **kwargs))

    def _stop_writers(self) -> None:
        for writer in self._writers.values():
            writer.stop()
        self._writers = {}

    def results(self) -> list:
        """Every job's result, in order (`jobs`, `shared`, then submitted); raises the first
        failed job's exception."""
        if self._collected:
            raise RuntimeError("results() was already called")
        self._collected = True
        if self.pid is None:
            return list(self._slots)
        self._stop_writers()
        for fd in self._jobs_w:
            _close(fd)
        replies = []
        try:
            for fd in self._results_r:  # each worker closes its pipe before waiting for helpers
                while (reply := _recv(fd)) is not _EOF:
                    replies.append(reply)
        finally:
            for fd in (*self._results_r, self._claims_r):
                _close(fd)
            _, status = os.waitpid(self.pid, 0)
            self.pid = None
            self._unfreeze()
        failures = sorted((slot, value, where) for slot, ok, value, where in replies if not ok)
        if failures:
            _slot, value, where = failures[0]
            value.add_note(f"(in the side process that writes plots)\n{where}")
            raise value
        for slot, _ok, value, _where in replies:
            self._slots[slot] = value
        missing = sum(value is _REMOTE for value in self._slots)
        if missing or status != 0:
            from cycle.errors import CycleError

            raise CycleError(f"the side process writing plots ended early "
                             f"({_describe(status)}); {missing} of {len(self._slots)} files "
                             "not written")
        return list(self._slots)

    def _unfreeze(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def kill(self) -> None:
        """Stop the side process and its helpers (if still running) and reap it."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        self.pid = None
        self._unfreeze()
        self._stop_writers()  # a write in progress fails (broken pipe) now the reader is gone
        for fd in self._results_r[1:]:  # helpers die with the side process (PR_SET_PDEATHSIG);
            _wait_closed(fd)            # their pipe reads end-of-file once they are gone
        for fd in (*self._jobs_w, *self._results_r, self._claims_r):  # no thread uses them now
            _close(fd)


class _Writer:
    """A thread sending one worker its pickled jobs, in order, without making the caller
    wait for the worker to read them (it may still be warming up, and a job is often larger
    than the pipe's buffer)."""

    def __init__(self, fd: int) -> None:
        import queue
        import threading

        self.fd = fd
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="cycle-side-jobs", daemon=True)
        self.thread.start()

    def put(self, data: bytes) -> None:
        self.queue.put(data)

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            try:
                _write(self.fd, data)
            except OSError:  # the side process was killed: results() or kill() reports it
                return

    def stop(self) -> None:
        self.queue.put(None)
        self.thread.join()


def _wait_closed(fd: int, timeout: float = 10.0) -> None:
    """Read `fd` (a pipe) until end-of-file, i.e. until every process holding its other end
    has exited, discarding what comes; give up after `timeout` seconds."""
    import select
    import time

    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready and not os.read(fd, 1 << 16):
            return


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when `parent` dies (Linux ``PR_SET_PDEATHSIG``): a
    killed command must not leave a side process writing into its staging folder, or
    holding its lock, after the next command cleaned up."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before the request was in place
        os._exit(1)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def _claim(fd: int) -> int | None:
    """Claim the next shared job (its index), or None when all are claimed."""
    token = os.read(fd, 4)  # pipe reads are atomic: each token goes to one reader
    return struct.unpack("<I", token)[0] if len(token) == 4 else None


def _serve_workers(ends: list[tuple[int, int]], claims_r: int, warm, jobs: list,
                   shared: list) -> int:
    """The side process: warm up, fork a helper for each of ``ends[1:]`` (its jobs and
    results pipes), serve ``ends[0]``, then wait for the helpers; the exit code is the first
    failure's (a helper killed by signal s gives 128 + s)."""
    if warm is not None:
        try:
            warm()
        except Exception:  # noqa: BLE001 - warming is optional; a job will fail if it matters
            pass
    helpers = []
    if len(ends) > 1:
        gc.freeze()  # as in the parent: the helpers share what warming built, copy-on-write
    head = os.getpid()
    for k in range(1, len(ends)):
        pid = os.fork()
        if pid == 0:  # a helper: never returns
            code = 1
            try:
                _die_with(head)
                for j, (jobs_r, results_w) in enumerate(ends):
                    if j != k:
                        os.close(jobs_r)
                        os.close(results_w)
                code = _serve(*ends[k], claims_r, [], shared)
            finally:
                os._exit(code)
        helpers.append(pid)
        os.close(ends[k][0])
        os.close(ends[k][1])
    code = _serve(*ends[0], claims_r, jobs, shared)  # closes its results pipe when done
    for pid in helpers:
        _, status = os.waitpid(pid, 0)
        if code == 0 and status != 0:
            code = 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else \
                os.waitstatus_to_exitcode(status)
    return code


def _serve(jobs_r: int, results_w: int, claims_r: int, jobs: list, shared: list) -> int:
    """One worker's loop: run `jobs`, claim and run shared jobs, then run each job received
    until the parent closes the pipe; send back (slot, ok, value, traceback text) for each."""
    failed = False

    def run(slot: int, fn, args=(), kwargs=None) -> None:
        nonlocal failed
        if failed:  # after a failure, skip the rest: the parent raises the first error
            return
        try:
            reply = (slot, True, fn(*args, **(kwargs or {})), "")
        except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
            failed = True
            reply = (slot, False, _portable(exc), traceback.format_exc())
        _send(results_w, reply)

    for k, job in enumerate(jobs):
        run(k, job)
    while not failed and (i := _claim(claims_r)) is not None:
        run(len(jobs) + i, shared[i])
    while True:
        message = _recv(jobs_r)
        if message is _EOF:
            break
        run(*message)
    os.close(results_w)
    return 0


@contextmanager
def side_process(*, warm: Callable[[], Any] | None = None,
                 jobs: Sequence[Callable[[], Any]] = (),
                 shared: Sequence[Callable[[], Any]] = (),
                 workers: int = 1) -> Iterator[SideProcess]:
    """A :class:`SideProcess` for the block: killed and reaped (with its helpers) if the
    block raises or is interrupted before :meth:`~SideProcess.results` was called."""
    side = SideProcess(warm=warm, jobs=jobs, shared=shared, workers=workers)
    try:
        yield side
    finally:
        side.kill()
