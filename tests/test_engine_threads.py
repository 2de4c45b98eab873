"""The compiled loops (C and Numba) split over threads: the same bits as one thread, whatever
the split, and as each other; the thread setting (``threads=``, ``$CYCLE_THREADS``) checked
before any work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cycle.engine import build_engine
from cycle.engine.compiled import THREAD_MIN_RUNS, available_cores, default_threads, threads_for

MODEL = Path(__file__).resolve().parents[1] / "models" / "northeast.mdl"


@pytest.fixture(scope="module")
def engine():
    engine = build_engine(MODEL)
    if not engine.has_kernel:
        pytest.skip("no compiled loop (Numba missing)")
    return engine


def _perturbed(engine, n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(13)
    params = {}
    for name, default in engine.constants.items():
        low, high = sorted((0.8 * default, 1.2 * default))
        lower, upper = engine.limits.get(name, (None, None))
        params[name] = np.clip(rng.uniform(low, high, n), -np.inf if lower is None else lower,
                               np.inf if upper is None else upper)
    return params


@pytest.mark.parametrize("backend", ["numba", "c"])
def test_threads_give_the_bits_of_one_thread(engine, backend):
    if backend == "c" and not engine.has_native:
        pytest.skip("no C compiler")
    n = 4 * THREAD_MIN_RUNS + 3  # an uneven split
    params = _perturbed(engine, n)
    columns = engine.stocks + ["Tech Loan Balance"]
    serial = engine.run(params, n=n, return_columns=None, backend=backend, threads=1)
    for threads in (2, 3):
        assert threads_for(n, threads) == threads
        split = engine.run(params, n=n, return_columns=None, backend=backend, threads=threads)
        assert list(split.values) == list(serial.values)
        for name in serial.values:
            np.testing.assert_array_equal(split.values[name], serial.values[name],
                                          err_msg=f"{name} ({threads} threads)")
    # the stocks alone (other saved rows) agree with the full request, member by member
    stocks = engine.run(params, n=n, return_columns=columns, backend=backend, threads=2)
    for name in columns:
        np.testing.assert_array_equal(stocks.values[name], serial.values[name], err_msg=name)
    # and each member with the same member run alone
    one = engine.run({k: v[n - 1:] for k, v in params.items()}, return_columns=columns,
                     backend=backend)
    for name in columns:
        np.testing.assert_array_equal(one.values[name][0], serial.values[name][n - 1])


def test_c_and_numba_loops_give_the_same_bits(engine):
    """The rule of ``backend="auto"`` takes the C loop where there is a C compiler and the
    Numba loop where there is none: the numbers must not depend on which."""
    if not engine.has_native:
        pytest.skip("no C compiler")
    n = 2 * THREAD_MIN_RUNS + 1
    params = _perturbed(engine, n)
    c = engine.run(params, n=n, return_columns=None, backend="c")
    numba = engine.run(params, n=n, return_columns=None, backend="numba")
    assert list(c.values) == list(numba.values) and len(c.values) > 300
    for name in numba.values:
        np.testing.assert_array_equal(c.values[name], numba.values[name], err_msg=name)


def test_thread_setting(engine, monkeypatch):
    monkeypatch.delenv("CYCLE_THREADS", raising=False)
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    assert default_threads() == available_cores()
    monkeypatch.setenv("NUMBA_NUM_THREADS", "1")
    assert default_threads() == 1
    monkeypatch.setenv("CYCLE_THREADS", "3")
    assert default_threads() == 3
    assert threads_for(10 * THREAD_MIN_RUNS) == 3
    assert threads_for(2 * THREAD_MIN_RUNS - 1) == 1  # small batches stay on one thread
    assert threads_for(10 * THREAD_MIN_RUNS, 2) == 2
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("CYCLE_THREADS", bad)
        with pytest.raises(ValueError, match="CYCLE_THREADS must be a positive integer"):
            engine.run(return_columns=engine.stocks[:1], backend="numba")
    monkeypatch.delenv("CYCLE_THREADS")
    monkeypatch.delenv("NUMBA_NUM_THREADS")
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="threads must be a positive integer"):
            engine.run(return_columns=engine.stocks[:1], backend="numba", threads=bad)
    result = engine.run(return_columns=engine.stocks[:1], backend="numpy", threads=1)
    assert result.n == 1


def test_c_loop_refuses_arrays_of_the_wrong_shape(engine):
    """C reads no shapes: the wrapper checks them, so a wrong call is an error, not a crash."""
    if not engine.has_native:
        pytest.skip("no C compiler")
    kernel = engine._native_module()
    n, saves = 3, np.ones(5, dtype=np.bool_)
    IN = np.ones((len(kernel.INPUTS), n))
    ST = np.empty((len(kernel.STATICS), n))
    out = np.empty((1, n, 5))
    sel = np.zeros(1, dtype=np.int64)
    need = np.zeros(1000, dtype=np.bool_)
    for bad in (dict(IN=IN[:-1]), dict(ST=np.empty((len(kernel.STATICS), 2))),
                dict(out=np.empty((1, n + 1, 5))),
                dict(first=0, stop=n + 1), dict(first=2, stop=1)):
        args = dict(IN=IN, times=np.arange(5.0), saves=saves, need=need, sel_j=sel, sel_i=sel,
                    out=out, ST=ST, first=0, stop=n) | bad
        with pytest.raises(ValueError, match="wrong shape"):
            kernel.kernel(**args)
