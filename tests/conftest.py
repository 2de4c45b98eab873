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
    """Compile the engine's per-member loop once, up front, so that every ``backend="auto"``
    run in the session takes the same loop (a first run would otherwise take the NumPy loop
    while compiling in the background, and results differ between loops at ~1e-15)."""
    from cycle.engine import build_engine
    from cycle.model import model_path

    for name in available_models():
        build_engine(model_path(name)).compile()
