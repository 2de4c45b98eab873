"""The run plots (:mod:`cycle.plotting.trajectories`): drawn the same from a DataFrame and from
the NumPy forms a side process receives, and the same on a frame built ahead of the data."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cycle.plotting import trajectories
from cycle.plotting.series import Trajectories, as_points
from cycle.plotting.trajectories import plot_key_stocks, plot_variable, prepare_key_stocks
from cycle.runs import observed_for_plots


@pytest.fixture(scope="module")
def runs(model):
    """A policy run, its baseline, the units and the observations (2021-2030)."""
    run = model.run({"Reloan Quota Policy": 60}, until=2030)
    base = model.run({}, until=2030)
    units = {n: v.units for n, v in model.variables.items()}
    return run, base, units, observed_for_plots(model)


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path))


def same_image(a, b) -> bool:
    a, b = pixels(a), pixels(b)
    return a.shape == b.shape and bool((a == b).all())


def test_arrays_draw_the_plots_a_dataframe_draws(runs, tmp_path):
    run, base, units, observed = runs
    data, base_data, points = Trajectories.of(run), Trajectories.of(base), as_points(observed)
    assert set(points) == set(observed["variable"])
    plot_key_stocks(run, units, tmp_path / "frame.png", observed=observed, baseline=base,
                    subtitle="overrides")
    plot_key_stocks(data, units, tmp_path / "arrays.png", observed=points, baseline=base_data,
                    subtitle="overrides")
    assert same_image(tmp_path / "frame.png", tmp_path / "arrays.png")
    name = "Tech Loan Balance"
    plot_variable(run, name, units[name], tmp_path / "v-frame.png", observed=observed,
                  baseline=base, until=2026, subtitle="overrides")
    plot_variable(data, name, units[name], tmp_path / "v-arrays.png", observed=points,
                  baseline=base_data, until=2026, subtitle="overrides")
    assert same_image(tmp_path / "v-frame.png", tmp_path / "v-arrays.png")


def test_a_frame_built_ahead_draws_the_grid_drawn_without_one(runs, tmp_path):
    run, base, units, observed = runs
    plot_key_stocks(run, units, tmp_path / "fresh-sub.png", observed=observed, baseline=base,
                    subtitle="overrides")
    plot_key_stocks(base, units, tmp_path / "fresh.png", observed=observed)
    assert not same_image(tmp_path / "fresh-sub.png", tmp_path / "fresh.png")

    prepare_key_stocks(subtitle=True)
    plot_key_stocks(run, units, tmp_path / "ahead-sub.png", observed=observed, baseline=base,
                    subtitle="overrides")
    assert same_image(tmp_path / "fresh-sub.png", tmp_path / "ahead-sub.png")
    assert trajectories._READY == {}  # used once
    plot_key_stocks(base, units, tmp_path / "after.png", observed=observed)  # a new frame
    assert same_image(tmp_path / "fresh.png", tmp_path / "after.png")

    prepare_key_stocks(subtitle=True)  # room for a subtitle the next grid does not have
    plot_key_stocks(base, units, tmp_path / "other.png", observed=observed)
    assert same_image(tmp_path / "fresh.png", tmp_path / "other.png")
    assert trajectories._READY == {}  # not kept for later either


def test_key_panels_are_the_northeast_ones_or_the_models_own_stocks(model):
    from cycle.plotting.panels import KEY_PANELS, MAX_STOCK_PANELS, key_panels

    assert key_panels({n: v.kind for n, v in model.variables.items()}) is KEY_PANELS
    kinds = {f"S{i:02d}": "stock" for i in range(20)} | {"A": "auxiliary", "C": "constant"}
    panels = key_panels(kinds)
    assert panels == [(f"S{i:02d}", [f"S{i:02d}"]) for i in range(MAX_STOCK_PANELS)]
    assert key_panels({"A": "auxiliary"}) == []
    with pytest.raises(ValueError, match="no panel of the key-stock grid"):
        plot_key_stocks(Trajectories(np.arange(3.0), {"A": np.zeros(3)}), {}, "x.png")
