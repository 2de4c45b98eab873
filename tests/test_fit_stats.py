"""Fit statistics (calibration/stats.py) on hand-computed examples."""

import math

import numpy as np
import pytest
from cycle.calibration import stats
from cycle.calibration.fit import implied_growth


def test_mape_hand_example():
    # |110-100|/100 = 0.10, |45-50|/50 = 0.10, |30-30|/30 = 0 -> mean 0.0667 -> 6.667 %
    assert stats.mape([110, 45, 30], [100, 50, 30]) == pytest.approx(100 * 0.2 / 3)
    assert math.isnan(stats.mape([1], [0]))


def test_r_squared_hand_example_and_short_series():
    # obs mean 2; SS_tot = 1 + 0 + 1 = 2; SS_res = 0 + 0 + 1 = 1 -> R² = 0.5
    assert stats.r_squared([1, 2, 4], [1, 2, 3]) == pytest.approx(0.5)
    assert math.isnan(stats.r_squared([1, 2], [1, 3]))  # fewer than 3 points
    assert math.isnan(stats.r_squared([1, 2, 3], [2, 2, 2]))  # constant observations


def test_theil_pure_bias_pure_variation_pure_covariation():
    assert stats.theil([2, 3, 4], [1, 2, 3]) == pytest.approx((1.0, 0.0, 0.0))
    # sim = 2*obs about the same mean: obs 1,2,3 (sd sqrt(2/3)), sim 0,2,4 (sd 2 sqrt(2/3)):
    # MSE = (1 + 0 + 1)/3 = 2/3 = (S_s - S_o)^2 -> all unequal variation
    assert stats.theil([0, 2, 4], [1, 2, 3]) == pytest.approx((0.0, 1.0, 0.0))
    # reversed series: same mean, same sd, r = -1 -> MSE = 2 * 2 * S^2, all covariation
    assert stats.theil([3, 2, 1], [1, 2, 3]) == pytest.approx((0.0, 0.0, 1.0))


def test_theil_hand_example_sums_to_one_and_matches_mse():
    sim, obs = np.array([1.0, 3.0, 2.0, 5.0]), np.array([1.5, 2.0, 2.5, 3.0])
    um, us, uc = stats.theil(sim, obs)
    total = stats.mse(sim, obs)  # (0.25 + 1 + 0.25 + 4) / 4 = 1.375
    assert total == pytest.approx(1.375)
    assert um == pytest.approx((2.75 - 2.25) ** 2 / 1.375)  # means 2.75 and 2.25
    assert um + us + uc == pytest.approx(1.0)
    assert all(math.isnan(v) for v in stats.theil([1, 2], [1, 3]))


def test_series_stats_and_shape_check():
    s = stats.series_stats([110, 90], [100, 100])
    assert s["n"] == 2 and s["mape"] == pytest.approx(10.0) and math.isnan(s["U_M"])
    with pytest.raises(ValueError, match="sim has 2 points, obs has 3"):
        stats.mape([1, 2], [1, 2, 3])


def test_implied_growth_of_the_two_readings():
    assert implied_growth(420, 680, 2.5) == pytest.approx(0.21256, abs=1e-4)
    assert implied_growth(420, 680, 3.0) == pytest.approx(0.17423, abs=1e-4)
