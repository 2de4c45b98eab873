"""The batch engine against PySD: every variable, every saved time.

PySD translates a copy of each ``.mdl`` in a temporary directory (it writes a
``.py`` next to the model) and every comparison run uses a freshly loaded
PySD model, because ``Model.run(params=...)`` changes persist on the object.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pysd
import pytest

from cycle.engine import BatchResult, UnknownVariableError, build_engine
from cycle.errors import CycleError

MODELS = sorted((Path(__file__).resolve().parents[1] / "models").glob("*.mdl"))
CONTROL = {"INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER", "TIME", "Time"}
RTOL = 1e-9

#: worst relative difference seen per comparison (printed with ``pytest -s``)
WORST: dict[str, float] = {}


def compare(engine_result: BatchResult, frame: pd.DataFrame, run: int, label: str) -> None:
    """Assert that run ``run`` of the engine reproduces a PySD DataFrame."""
    np.testing.assert_array_equal(engine_result.times, frame.index.to_numpy(dtype=float))
    worst = 0.0
    for column in frame.columns:
        if column in CONTROL:
            continue
        expected = frame[column].to_numpy(dtype=float)
        actual = engine_result.values[column][run]
        scale = float(np.nanmax(np.abs(expected))) if np.any(np.isfinite(expected)) else 1.0
        scale = scale or 1.0
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * scale,
                                   err_msg=f"{label}: {column}")
        finite = np.isfinite(expected) & (np.abs(expected) > RTOL * scale)
        if finite.any():
            error = np.abs(actual[finite] - expected[finite]) / np.abs(expected[finite])
            worst = max(worst, float(error.max()))
    WORST[label] = max(WORST.get(label, 0.0), worst)
    print(f"{label}: worst relative error {worst:.3g}")


def translate(mdl: Path, directory: Path) -> Path:
    """Translate a copy of ``mdl`` with PySD; return the generated ``.py``."""
    copy = directory / mdl.name
    shutil.copy(mdl, copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pysd.read_vensim(str(copy))
    return copy.with_suffix(".py")


def pysd_run(py_file: Path, **kwargs) -> pd.DataFrame:
    """Run a freshly loaded PySD model (so earlier params cannot leak in)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pysd.load(str(py_file)).run(**kwargs)


def perturbed(engine, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Every constant uniformly within +-20 % of its default, inside its [min,max]."""
    params = {}
    for name, default in engine.constants.items():
        low, high = sorted((0.8 * default, 1.2 * default))
        lower, upper = engine.limits.get(name, (None, None))
        values = rng.uniform(low, high, n)
        params[name] = np.clip(values, lower if lower is not None else -np.inf,
                               upper if upper is not None else np.inf)
    return params


@pytest.fixture(scope="module", params=MODELS, ids=[p.stem for p in MODELS])
def model_pair(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp(request.param.stem)
    py_file = translate(request.param, directory)
    engine = build_engine(request.param)  # the session's cache: Numba compiles once
    return request.param, py_file, engine


# every agreement test runs every loop: NumPy over arrays, and the compiled per-member loop
# in C and in Numba
BACKENDS = ["numpy", "numba", "c"]


def _loop(engine, backend: str) -> str:
    if backend == "numba" and not engine.has_kernel:
        pytest.skip("no compiled loop for this model (Numba missing or construct unsupported)")
    if backend == "c" and not engine.has_native:
        pytest.skip("no C loop (no C compiler)")
    return backend


@pytest.mark.parametrize("backend", BACKENDS)
def test_baseline_matches_pysd(model_pair, backend):
    mdl, py_file, engine = model_pair
    frame = pysd_run(py_file)
    result = engine.run(backend=_loop(engine, backend))
    compared = set(frame.columns) - CONTROL
    assert compared == set(engine.variables) | set(engine.constants)
    compare(result, frame, 0, f"{mdl.stem} baseline ({backend})")


@pytest.mark.parametrize("backend", BACKENDS)
def test_random_parameter_sets_match_pysd(model_pair, backend):
    mdl, py_file, engine = model_pair
    params = perturbed(engine, np.random.default_rng(20261123), 5)
    result = engine.run(params, backend=_loop(engine, backend))
    assert result.n == 5
    for run in range(5):
        frame = pysd_run(py_file, params={k: float(v[run]) for k, v in params.items()})
        compare(result, frame, run, f"{mdl.stem} random set {run} ({backend})")


@pytest.mark.parametrize("backend", BACKENDS)
def test_final_time_2060_matches_pysd(model_pair, backend):
    mdl, py_file, engine = model_pair
    frame = pysd_run(py_file, final_time=2060)
    result = engine.run(final_time=2060, backend=_loop(engine, backend))
    assert result.times[-1] == frame.index[-1]
    compare(result, frame, 0, f"{mdl.stem} final_time=2060 ({backend})")


@pytest.mark.parametrize("backend", BACKENDS)
def test_time_step_and_saveper_overrides_match_pysd(model_pair, backend):
    mdl, py_file, engine = model_pair
    frame = pysd_run(py_file, time_step=0.125, saveper=0.5)
    result = engine.run(time_step=0.125, saveper=0.5, backend=_loop(engine, backend))
    compare(result, frame, 0, f"{mdl.stem} dt=1/8 ({backend})")


def test_unknown_backend_is_a_clear_error(model_pair):
    with pytest.raises(ValueError, match="backend 'gpu' is not one of auto, c, numba, numpy"):
        model_pair[2].run(backend="gpu")


def test_result_containers(model_pair):
    _, _, engine = model_pair
    stock = engine.stocks[0]
    constant = next(iter(engine.constants))
    result = engine.run({constant: np.array([1.0, 2.0])}, return_columns=[stock, constant])
    assert list(result.values) == [stock, constant]
    assert result.values[stock].shape == (2, len(result.times))
    np.testing.assert_array_equal(result.values[constant][:, 0], [1.0, 2.0])
    frame = result.to_dataframe(run=1)
    assert frame.index.name == "time" and list(frame.columns) == [stock, constant]
    assert frame[constant].eq(2.0).all()
    dataset = result.to_xarray()
    assert dict(dataset[stock].sizes) == {"run": 2, "time": len(result.times)}


def test_unknown_names_suggest_the_closest(model_pair):
    _, _, engine = model_pair
    name = next(iter(engine.constants))
    with pytest.raises(KeyError, match="did you mean") as info:
        engine.run({name[:-1] + name[-1].swapcase() + "x": 1.0})
    assert isinstance(info.value, (UnknownVariableError, CycleError))
    with pytest.raises(UnknownVariableError, match="final_time="):
        engine.run({"FINAL TIME": 2030})
    with pytest.raises(UnknownVariableError, match="not a constant"):
        engine.run({engine.stocks[0]: 1.0})
    with pytest.raises(UnknownVariableError):
        engine.run(return_columns=["No Such Variable"])
    with pytest.raises(ValueError):
        engine.run({name: np.ones(3)}, n=4)


def test_cache_is_keyed_by_source_and_pysd_version(model_pair, tmp_path):
    mdl, _, engine = model_pair
    first = build_engine(mdl, cache_dir=tmp_path)
    assert first.source_path is not None and first.source_path.parent == tmp_path
    assert first.sha256 in first.source_path.name or first.sha256[:16] in first.source_path.name
    assert f"# source sha256: {first.sha256}" in first.source
    assert f"# pysd version: {pysd.__version__}" in first.source
    again = build_engine(mdl, cache_dir=tmp_path)
    assert again.source == first.source == engine.source
    # every model variable's equation is quoted in a comment
    stock = engine.stocks[0]
    assert f"# {stock} = INTEG" in engine.source
