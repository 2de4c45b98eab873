"""Shared fixtures: the shipped model, loaded once per session (each run reloads PySD itself)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Keep translations of this test session out of the user's cache, but share them across tests.
os.environ.setdefault("CYCLE_CACHE_DIR", str(Path(tempfile.gettempdir()) / "cycle-test-cache"))

from cycle import load_model  # noqa: E402
from cycle.model import available_models  # noqa: E402


@pytest.fixture(scope="session")
def model():
    """The Northeast model."""
    return load_model("northeast")


@pytest.fixture(scope="session")
def baseline(model):
    """The baseline run, every variable, 2021-2050."""
    return model.run()


@pytest.fixture(scope="session", params=available_models())
def any_model(request):
    """Each model shipped in models/."""
    return load_model(request.param)


@pytest.fixture(scope="session", autouse=True)
def compiled_engine():
    """Build the shipped models' compiled loops (C and Numba) once, up front, so that their
    one-time build is not charged to whichever test happens to run first."""
    from cycle.engine import build_engine
    from cycle.model import model_path

    for name in available_models():
        engine = build_engine(model_path(name))
        engine.compile("c")
        engine.compile("numba")


_OWN_MODEL = """{{UTF-8}}
{stock}
	~	Widgets [0,?]
	~	Widgets made so far.
	|
Inflow = Rate * 100
	~	Widgets/Year
	~	Widgets made a year.
	|
Rate = 0.05
	~	1/Year [0,0.5]
	~	Growth rate.
	|
INITIAL TIME = 2021
	~	Year
	~	Start.
	|
FINAL TIME = 2030
	~	Year
	~	End.
	|
TIME STEP = 0.25
	~	Year [0,?]
	~	Step.
	|
SAVEPER = TIME STEP
	~	Year [0,?]
	~	Saved.
	|
"""


@pytest.fixture
def own_model(tmp_path):
    """A modeller's own small model (none of the Northeast variables): ``own_model(stock)``
    writes it with `stock` as the equation of ``Made`` and returns its path."""
    def write(stock: str = "Made = INTEG(Inflow, 10)") -> Path:
        path = tmp_path / "own.mdl"
        path.write_text(_OWN_MODEL.format(stock=stock), encoding="utf-8")
        return path

    return write
