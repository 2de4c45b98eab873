"""``backend="auto"`` chooses the loop by batch size and what is installed only, never by what
is cached (issue 15): the C loop with a C compiler, else Numba from KERNEL_MIN_RUNS runs;
it builds synchronously on first use, and a cached engine loads without importing PySD or
Numba (issue 13, fast ``cycle run``)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import numpy as np
import pytest

from cycle.engine import KERNEL_MIN_RUNS, build_engine
from cycle.engine.compiled import is_compiled

MDL = """{UTF-8}
Inflow = Gain * Stock
\t~\tWidget/Month
\t~\tgrowth
\t|
Stock = INTEG(Inflow - Stock/Smooth Time, 10)
\t~\tWidget
\t~\ta stock
\t|
Gain = 0.5
\t~\tDmnl [0,1]
\t~\ta gain
\t|
Smooth Time = 1.5
\t~\tMonth [0.5,5]
\t~\ta time
\t|
INITIAL TIME = 0 ~ Month ~ |
FINAL TIME = 10 ~ Month ~ |
TIME STEP = 0.125 ~ Month [0,?] ~ |
SAVEPER = TIME STEP*2 ~ Month [0,?] ~ |
"""


def write_mdl(path):
    path.write_text(MDL)
    return path


def _agrees_with_numpy(engine, params, result) -> None:
    """`result` (a compiled loop's run of `params`) matches the NumPy loop's to 1e-12."""
    numpy = engine.run(params, backend="numpy")
    for name, values in numpy.values.items():
        np.testing.assert_allclose(result.values[name], values, rtol=1e-12, err_msg=name)


def _same_bits(result, expected) -> None:
    for name, values in expected.values.items():
        np.testing.assert_array_equal(result.values[name], values, err_msg=name)


def _messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "cycle.engine"]


def test_auto_takes_the_c_loop_and_builds_it_once_in_the_run(tmp_path, caplog):
    mdl = write_mdl(tmp_path / "grow.mdl")
    cache = tmp_path / "cache"
    engine = build_engine(mdl, cache_dir=cache)
    if not engine.has_native:
        pytest.skip("no C compiler")
    assert engine.loop_for(1) == engine.loop_for(KERNEL_MIN_RUNS) == "c"
    library = engine._native_path()
    assert not library.is_file()  # cold cache
    small = {"Gain": np.linspace(0.1, 0.9, 3)}
    with caplog.at_level(logging.INFO, logger="cycle.engine"):
        first = engine.run(small, backend="auto")
        engine.run(small, backend="auto")
    assert library.is_file() and engine._kernel is None  # built here; Numba never touched
    assert sum("building the C loop" in m for m in _messages(caplog)) == 1
    assert not list(cache.glob("*.c")) and not list(cache.glob(".build-*"))  # nothing half-made
    _agrees_with_numpy(engine, small, first)
    # warm cache, new engine: no build, the same bits
    caplog.clear()
    again = build_engine(mdl, cache_dir=cache)
    with caplog.at_level(logging.INFO, logger="cycle.engine"):
        second = again.run(small, backend="auto")
    assert not any("building" in m for m in _messages(caplog))
    _same_bits(second, first)


def test_two_processes_build_one_library(tmp_path):
    """Processes that need the same C loop at once build it once (a file lock) and never load
    a half-written library."""
    mdl = write_mdl(tmp_path / "grow.mdl")
    cache = tmp_path / "cache"
    engine = build_engine(mdl, cache_dir=cache)  # generated here: the race is the C build
    if not engine.has_native:
        pytest.skip("no C compiler")
    code = ("import sys; from cycle.engine import build_engine; "
            f"e = build_engine({str(mdl)!r}, cache_dir={str(cache)!r}); "
            "print(float(e.run(backend='c').values['Stock'][0, -1]))")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate()[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs) and len(set(outs)) == 1
    assert [p.name for p in cache.glob("*.so")] == [engine._native_path().name]


def test_auto_without_a_compiler_follows_batch_size_not_cache(tmp_path, caplog, monkeypatch):
    from cycle.engine import runner

    monkeypatch.setattr(runner, "compiler", lambda: None)
    mdl = write_mdl(tmp_path / "grow.mdl")
    cache = tmp_path / "cache"
    engine = build_engine(mdl, cache_dir=cache)
    assert engine.loop_for(1) == engine.loop_for(KERNEL_MIN_RUNS - 1) == "numpy"
    assert engine.loop_for(KERNEL_MIN_RUNS) == "numba"
    kernel = engine._kernel_path()
    assert not (kernel.is_file() and is_compiled(kernel))  # cold cache

    # a small batch never touches the compiled loop, cached or not
    small = {"Gain": np.linspace(0.1, 0.9, 3)}
    engine.run(small, backend="auto")
    assert engine._kernel is None
    # a large batch on a cold cache compiles in this call, says so once, and uses it
    big = {"Gain": np.linspace(0.1, 0.9, KERNEL_MIN_RUNS)}
    with caplog.at_level(logging.INFO, logger="cycle.engine"):
        auto = engine.run(big, backend="auto")
        engine.run(big, backend="auto")
    assert engine._kernel is not None and is_compiled(kernel)
    assert sum("compiling" in m for m in _messages(caplog)) == 1
    _agrees_with_numpy(engine, big, auto)

    # warm cache, new engine: the same choice for the same sizes, no compilation
    caplog.clear()
    again = build_engine(mdl, cache_dir=cache)
    with caplog.at_level(logging.INFO, logger="cycle.engine"):
        again.run(small, backend="auto")
        assert again._kernel is None
        second = again.run(big, backend="auto")
    assert not any("compiling" in m for m in _messages(caplog))
    _same_bits(second, auto)


def test_cached_engine_loads_without_pysd(tmp_path):
    mdl = write_mdl(tmp_path / "grow.mdl")
    cache = tmp_path / "cache"
    build_engine(mdl, cache_dir=cache)  # generate (imports PySD here, in the test process)
    code = ("import sys; from cycle.engine import build_engine; "
            f"e = build_engine({str(mdl)!r}, cache_dir={str(cache)!r}); e.run(backend='auto'); "
            "print(sorted(m for m in ('pysd', 'numba', 'xarray') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert out.stdout.strip() == "[]"


def test_a_failing_c_build_is_an_error_for_c_and_a_logged_fallback_for_auto(tmp_path, caplog,
                                                                          monkeypatch):
    from cycle.engine import native, runner
    from cycle.engine.native import NativeBuildError

    mdl = write_mdl(tmp_path / "grow.mdl")
    engine = build_engine(mdl, cache_dir=tmp_path / "cache")
    if not engine.has_native:
        pytest.skip("no C compiler")
    monkeypatch.setattr(native, "compiler", lambda: "false")  # a compiler that always fails
    monkeypatch.setattr(runner, "compiler", lambda: "false")
    engine._native_file = None
    with pytest.raises(NativeBuildError, match="false failed on the generated C loop"):
        engine.run(backend="c")
    with caplog.at_level(logging.INFO, logger="cycle.engine"):
        result = engine.run(backend="auto")
        engine.run(backend="auto")
    messages = _messages(caplog)
    assert sum("building it failed" in m for m in messages) == 1, messages
    assert engine.loop_for(1) == "numpy" and result.values["Stock"].shape[0] == 1
    assert not list((tmp_path / "cache").glob("*.so"))


def test_auto_leaves_a_large_model_to_numpy_and_says_so(tmp_path, caplog, monkeypatch):
    from cycle.engine import runner

    monkeypatch.setattr(runner, "NATIVE_AUTO_LIMIT", 1)  # every model is "large"
    engine = build_engine(write_mdl(tmp_path / "grow.mdl"), cache_dir=tmp_path / "cache")
    if not engine.has_native:
        pytest.skip("no C compiler")
    assert engine.loop_for(1) == "numpy"
    with caplog.at_level(logging.INFO, logger="cycle.engine"):
        engine.run(backend="auto")
    assert any("a large model" in m and "compile('c')" in m for m in _messages(caplog))
    assert not list((tmp_path / "cache").glob("*.so"))
    engine.run(backend="c")  # asked for: built all the same
    assert len(list((tmp_path / "cache").glob("*.so"))) == 1
