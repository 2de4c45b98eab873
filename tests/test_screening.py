"""The screen of every constant: the coverage rule on the shipped table, and that it reproduces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cycle.calibration.fit import load_parameters

from cycle.model import load_model
from cycle.screening import (
    THRESHOLD,
    load_screen,
    morris_screen,
    normalisation_constants,
    oat_screen,
    screen_constants,
)
from cycle.uncertainty import load_uncertainties


@pytest.fixture(scope="module")
def model():
    return load_model("northeast")


@pytest.fixture(scope="module")
def shipped():
    return load_screen("northeast")


def test_shipped_screen_covers_every_screened_constant(model, shipped):
    keep, excluded = screen_constants(model)
    assert set(shipped["constant"]) == set(keep), "model changed since the screen: rerun cycle screen"
    assert all(why for why in excluded.values())
    # only levers, shocks, switches and time settings are left out
    assert all(w.startswith(("policy lever", "policy input", "loop knock-out", "time setting"))
               for w in excluded.values())


def test_every_constant_above_five_percent_is_calibrated_or_sampled(model, shipped):
    calibrated = {p.name for p in load_parameters(model=model)}
    sampled = set(load_uncertainties("northeast", model).names)
    normalisations = normalisation_constants(model)
    influential = shipped.loc[shipped["oat_effect"] > THRESHOLD, "constant"]
    assert len(influential) >= 10
    uncovered = sorted(set(influential) - calibrated - sampled - normalisations)
    assert not uncovered, f"move a key 2050 output by > 5 % but neither calibrated nor sampled: {uncovered}"


def test_the_rule_can_fail(shipped):
    from cycle.screening import coverage

    t = coverage(shipped.drop(columns=["influential", "status"]), calibrated=set(), sampled=set())
    assert (t["influential"] & (t["status"] == "fixed")).sum() >= 10


def test_regenerating_the_screen_reproduces_the_shipped_table(model, shipped):
    names = list(shipped["constant"])
    oat = oat_screen(model, names)
    got = oat.set_index("constant").loc[names]
    want = shipped.set_index("constant").loc[names]
    np.testing.assert_allclose(got["oat_effect"].to_numpy(dtype=float),
                               want["oat_effect"].to_numpy(dtype=float), rtol=1e-6, atol=1e-9)
    assert list(got["oat_output"]) == list(want["oat_output"])
    # the Morris design depends on the order of the constants: the order run_screen uses
    order = screen_constants(model)[0]
    mor = morris_screen(model, order, trajectories=10, seed=0).set_index("constant").loc[names]
    np.testing.assert_allclose(mor["morris_effect"].to_numpy(dtype=float),
                               want["morris_effect"].to_numpy(dtype=float), rtol=1e-6, atol=1e-9,
                               equal_nan=True)


def test_oat_screen_on_a_toy_subset_moves_the_right_way(model):
    t = oat_screen(model, ["Output Capital Ratio", "Initial Knowledge Stock"]).set_index("constant")
    # more output per unit of capital: more industrial capacity value in 2050
    assert t.loc["Output Capital Ratio", "Industrial Capacity high"] > 0
    assert t.loc["Output Capital Ratio", "Industrial Capacity low"] < 0
    assert isinstance(t, pd.DataFrame)
