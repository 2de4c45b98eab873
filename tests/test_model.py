"""The Python API: loading, translation cache, parameter checks, results as DataFrames."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from cycle import CycleError, load_model
from cycle.errors import OutOfRangeError, UnknownNameError
from cycle.model import model_path


def test_run_returns_dataframe_indexed_by_time(model):
    df = model.run(columns=["Tech Loan Balance", "patient_capital"])
    assert list(df.columns) == ["Tech Loan Balance", "Patient Capital"]
    assert df.index.name == "time"
    assert df.index[0] == 2021.0 and df.index[-1] == 2050.0


def test_until_extends_to_2060(model):
    assert model.run(columns=["Tech Loan Balance"], until=2060).index[-1] == 2060.0


def test_runs_do_not_leak_parameters(model):
    base = model.run(columns=["Tech Loan Balance"])
    model.run({"Reloan Quota Policy": 100, "Reloan Start Year": 2022}, columns=["Tech Loan Balance"],
              until=2030)
    again = model.run(columns=["Tech Loan Balance"])
    pd.testing.assert_frame_equal(base, again)


def test_unknown_name_suggests_the_closest(model):
    with pytest.raises(UnknownNameError, match="did you mean 'Reloan Quota Policy'"):
        model.run({"Reloan Quota Polcy": 3})


def test_out_of_range_value_names_the_range(model):
    with pytest.raises(OutOfRangeError, match=r"outside its range \[0, 500\] BnYuan"):
        model.run({"Reloan Quota Policy": 3000})


def test_only_constants_can_be_set(model):
    with pytest.raises(CycleError, match="is a stock, not a constant"):
        model.run({"Tech Loan Balance": 3})


def test_until_is_checked(model):
    with pytest.raises(OutOfRangeError, match="outside"):
        model.run(until=2070)


def test_translation_is_cached_and_redone_when_the_model_changes(tmp_path):
    mdl = tmp_path / "copy.mdl"
    shutil.copy(model_path("northeast"), mdl)
    first = load_model(mdl, cache=tmp_path / "cache")
    again = load_model(mdl, cache=tmp_path / "cache")
    assert first.py_path == again.py_path
    text = mdl.read_text(encoding="utf-8").replace("Reloan Rate=\n\t0.0175", "Reloan Rate=\n\t0.015")
    mdl.write_text(text, encoding="utf-8")
    edited = load_model(mdl, cache=tmp_path / "cache")
    assert edited.py_path != first.py_path
    assert edited.defaults["Reloan Rate"] == 0.015


def test_bad_model_paths_are_clear_errors(tmp_path):
    with pytest.raises(CycleError, match="does not exist"):
        load_model(tmp_path / "missing.mdl")
    bad = tmp_path / "model.txt"
    bad.write_text("x")
    with pytest.raises(CycleError, match="is not a .mdl file"):
        load_model(str(bad))
    with pytest.raises(UnknownNameError, match="unknown model"):
        load_model("northeest_x")


def test_table_lists_every_variable_with_units(model):
    table = model.table()
    assert set(table["name"]) == set(model.variables)
    assert table["units"].str.len().gt(0).all()
