"""The C references of bench/bench_engine.py: SDEverywhere's model text without TANH means
the same, and the plan's C gives the compiled loop's numbers (else the bench's ratios would
compare different models)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from sde_reference import without_tanh  # noqa: E402

from cycle.engine import build_engine  # noqa: E402


def test_tanh_is_written_with_exp():
    text, count = without_tanh("y = 1 + TANH(a*(b - c)) + tanh(MIN(d, (e)))")
    assert count == 2 and "TANH" not in text.upper()
    assert "((EXP(2*(a*(b - c)))-1)/(EXP(2*(a*(b - c)))+1))" in text
    assert "((EXP(2*(MIN(d, (e))))-1)/(EXP(2*(MIN(d, (e))))+1))" in text
    for x in (-3.0, -0.2, 0.0, 0.7, 4.0):
        assert (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1) == pytest.approx(np.tanh(x), rel=1e-14)
    assert without_tanh("no hyperbolic here") == ("no hyperbolic here", 0)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_plan_c_gives_the_compiled_loops_numbers():
    from c_reference import CReference

    engine = build_engine(ROOT / "models" / "northeast.mdl")
    if not engine.has_kernel:
        pytest.skip("no compiled loop")
    reference = CReference(ROOT / "models" / "northeast.mdl", engine)
    rng = np.random.default_rng(8)
    params = {name: np.clip(rng.uniform(0.9, 1.1, 6) * default,
                            *(b if b is not None else s for b, s in zip(
                                engine.limits.get(name, (None, None)), (-np.inf, np.inf),
                                strict=True)))
              for name, default in engine.constants.items()}
    assert reference.check(params, 6, engine.stocks) <= 1e-12
