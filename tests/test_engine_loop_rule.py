"""``backend="auto"`` chooses the loop by batch size only (issue 15), compiles synchronously
on first use, and a cached engine loads without importing PySD (issue 13, fast ``cycle run``)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import numpy as np

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


def _messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "cycle.engine"]


def test_auto_follows_batch_size_not_cache_and_compiles_in_the_run(tmp_path, caplog):
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
    numpy = engine.run(big, backend="numpy")
    for name, values in numpy.values.items():
        np.testing.assert_allclose(auto.values[name], values, rtol=1e-12, err_msg=name)

    # warm cache, new engine: the same choice for the same sizes, no compilation
    caplog.clear()
    again = build_engine(mdl, cache_dir=cache)
    with caplog.at_level(logging.INFO, logger="cycle.engine"):
        again.run(small, backend="auto")
        assert again._kernel is None
        second = again.run(big, backend="auto")
    assert not any("compiling" in m for m in _messages(caplog))
    for name, values in auto.values.items():
        np.testing.assert_array_equal(second.values[name], values, err_msg=name)


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
