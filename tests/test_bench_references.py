"""The C reference of bench/bench_engine.py: SDEverywhere's model text without TANH means the
same (else the bench's ratios would compare different models).  The engine's own C loop is
tested against Numba and PySD with the engine (tests/test_engine*.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from sde_reference import without_tanh  # noqa: E402


def test_tanh_is_written_with_exp():
    text, count = without_tanh("y = 1 + TANH(a*(b - c)) + tanh(MIN(d, (e)))")
    assert count == 2 and "TANH" not in text.upper()
    assert "((EXP(2*(a*(b - c)))-1)/(EXP(2*(a*(b - c)))+1))" in text
    assert "((EXP(2*(MIN(d, (e))))-1)/(EXP(2*(MIN(d, (e))))+1))" in text
    for x in (-3.0, -0.2, 0.0, 0.7, 4.0):
        assert (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1) == pytest.approx(np.tanh(x), rel=1e-14)
    assert without_tanh("no hyperbolic here") == ("no hyperbolic here", 0)
