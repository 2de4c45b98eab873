"""Parameter handling of ``BatchEngine.run``: the one-block fast path (every value a scalar,
or every value an array of the batch) gives exactly what the key-by-key path gives, in both
loops, and bad input gets the same errors whichever path it would take."""

from __future__ import annotations

import numpy as np
import pytest
from test_engine_constructs import MODELS, write_mdl

from cycle.engine import UnknownVariableError, build_engine
from cycle.engine.runner import _BLOCK, _CHANGED


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("params")
    return build_engine(write_mdl(MODELS["subscripts"], folder / "model.mdl"))


def _values(consts, idents):
    return {i: np.asarray(consts[i]) for i in idents}


def test_block_and_key_by_key_give_the_same_constants(engine):
    idents = list(engine._defaults)
    for params, n in (({"Gain": 0.3, "Birth Rate": 0.2, "Birth Rate[South]": 0.4}, None),
                      ({"Gain": np.array([0.3, 0.6]), "Life[Old]": np.array([9.0, 11.0])}, None),
                      ({"Gain": 0.3}, 4), ({}, None)):
        fast, n_fast = engine._parameters(params, n)
        slow, n_slow = engine._parameters_by_key(params, n)
        assert n_fast == n_slow
        assert set(fast[_CHANGED]) == set(slow[_CHANGED])
        if params:
            assert _BLOCK in fast  # the fast path was taken
        got, want = _values(fast, idents), _values(slow, idents)
        for ident in idents:
            np.testing.assert_array_equal(got[ident], want[ident], err_msg=ident)
    # a later name wins over an earlier one that covers the same element, as a dict update
    fast, _ = engine._parameters({"Birth Rate[South]": 0.4, "Birth Rate": 0.2}, None)
    assert {float(fast[i]) for i in engine._param_idents["Birth Rate"]} == {0.2}


@pytest.mark.parametrize("backend", ["numpy", "numba", "c"])
def test_uniform_and_mixed_values_give_identical_runs(engine, backend):
    gains = np.array([0.2, 0.5, 0.9])
    uniform = {"Gain": gains, "Birth Rate[South]": np.full(3, 0.3), "Life": np.full(3, 20.0)}
    mixed = {"Gain": gains, "Birth Rate[South]": 0.3, "Life": [20.0, 20.0, 20.0]}
    a = engine.run(uniform, backend=backend)
    b = engine.run(mixed, backend=backend)
    assert list(a.values) == list(b.values)
    for name in a.values:
        np.testing.assert_array_equal(a.values[name], b.values[name], err_msg=name)
    scalars = engine.run({"Gain": 0.5, "Birth Rate[South]": 0.3}, backend=backend)
    arrays = engine.run({"Gain": np.array([0.5]), "Birth Rate[South]": np.array([0.3])},
                        backend=backend)
    for name in scalars.values:
        np.testing.assert_array_equal(scalars.values[name], arrays.values[name], err_msg=name)
    # the caller's arrays are neither changed nor kept
    assert gains.tolist() == [0.2, 0.5, 0.9]


@pytest.mark.parametrize("backend", ["numpy", "numba", "c"])
def test_bad_parameters_get_the_same_errors(engine, backend):
    def run(params, **kw):
        return engine.run(params, backend=backend, **kw)

    with pytest.raises(ValueError, match=r"parameter arrays must all have shape \(4,\)"):
        run({"Gain": np.ones(3)}, n=4)
    with pytest.raises(ValueError, match=r"parameter arrays must all have shape \(4,\)"):
        run({"Gain": np.ones(3), "Life[Old]": 2.0}, n=4)
    with pytest.raises(ValueError, match="parameter arrays have different lengths"):
        run({"Gain": np.ones(3), "Life[Old]": np.ones(2)})
    with pytest.raises(ValueError, match="parameter 'Gain' must be a scalar or a 1-D array"):
        run({"Gain": np.ones((2, 3)), "Life[Old]": np.ones((2, 3))})
    with pytest.raises(ValueError, match=r"must all have shape \(0,\)"):
        run({"Gain": 0.5}, n=0)
    with pytest.raises(ValueError, match="could not convert"):
        run({"Gain": "fast"})
    # names are checked key by key in order: the first bad one is reported
    with pytest.raises(UnknownVariableError, match="unknown constant 'Gian'"):
        run({"Gain": 0.5, "Gian": 0.5, "Births": 1.0})
    with pytest.raises(UnknownVariableError, match="not a constant"):
        run({"Births": 1.0, "Gian": 0.5})
    # a bad value before a bad name: the value's error, as before the fast path
    with pytest.raises(ValueError, match="could not convert"):
        run({"Gain": "fast", "Gian": 0.5})


def test_time_settings_from_a_constant_follow_the_parameters(tmp_path):
    mdl = tmp_path / "horizon.mdl"
    mdl.write_text("{UTF-8}\n" + "\n".join(
        f"{lhs}\n\t~\t{units}\n\t~\t{doc}\n\t|\n" for lhs, units, doc in [
            ("Horizon = 6", "Month", "run length"),
            ("Stock = INTEG(Gain*Stock, 1)", "Widget", "a stock"),
            ("Gain = 0.1", "1/Month", "a gain"),
            ("INITIAL TIME = 0", "Month", ""),
            ("FINAL TIME = INITIAL TIME + Horizon", "Month", ""),
            ("TIME STEP = 0.5", "Month [0,?]", ""),
            ("SAVEPER = 1", "Month [0,?]", "")]))
    engine = build_engine(mdl)
    for backend in ("numpy", "numba", "c"):
        for horizon in (4.0, 6.0, 9.0, 4.0):
            result = engine.run({"Horizon": horizon}, return_columns=["Stock"], backend=backend)
            assert result.times[-1] == horizon
        assert engine.run(final_time=3, backend=backend).times[-1] == 3
        assert engine.run(backend=backend).times[-1] == 6
    assert engine._control_fixed is False  # computed per run, never cached


@pytest.mark.parametrize("backend", ["numpy", "numba", "c"])
def test_prepared_run_is_run_with_those_names(engine, backend):
    names = ["Gain", "Birth Rate", "Birth Rate[South]", "Life[Old]"]
    values = np.array([[0.3, 0.6, 0.9], [0.2, 0.1, 0.25], [0.4, 0.3, 0.2], [9.0, 11.0, 12.0]])
    options = dict(final_time=8, return_columns=["Pop", "Gain", "Births"], backend=backend)
    prepared = engine.prepare(names, **options)
    for given in (values, values[:, 1]):
        got = prepared(given)
        want = engine.run(dict(zip(names, given, strict=True)), **options)
        assert list(got.values) == list(want.values)
        np.testing.assert_array_equal(got.times, want.times)
        for name in want.values:
            np.testing.assert_array_equal(got.values[name], want.values[name], err_msg=name)
    with pytest.raises(ValueError, match=r"values must have shape \(4,\) or \(4, n\)"):
        prepared(values[:3])
    with pytest.raises(ValueError, match="values must have shape"):
        prepared(values[:, :0])
    with pytest.raises(UnknownVariableError, match="unknown constant 'Gian'"):
        engine.prepare(["Gain", "Gian"])
    with pytest.raises(ValueError, match="a name is given twice"):
        engine.prepare(["Gain", "Gain"])
    with pytest.raises(TypeError, match="no n= option"):
        engine.prepare(["Gain"], n=3)
    with pytest.raises(ValueError, match="backend 'gpu'"):
        engine.prepare(["Gain"], backend="gpu")
