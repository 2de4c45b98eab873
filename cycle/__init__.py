"""cycle: a system-dynamics toolkit for the technology-industry-finance cycle.

The equations live in Vensim files under ``models/`` (installed as ``cycle.models``);
this package translates them with PySD, runs them, and wraps the results as pandas
DataFrames indexed by time (calendar years; 2022.0 is the end of 2021).
"""

from pathlib import Path as _Path

# In a source checkout (not installed), the folders that the installed package maps to
# subpackages (models/ -> cycle.models, calibration/ -> cycle.calibration) sit beside
# cycle/; let the package find them there too, so `python -c "import cycle"` from the
# repository root behaves like the installed package.
_root = _Path(__file__).resolve().parent.parent
if (_root / "pyproject.toml").is_file() and (_root / "calibration" / "__init__.py").is_file():
    __path__.append(str(_root))  # noqa: F821 - the package's own search path

from cycle.errors import CycleError  # noqa: E402

__all__ = ["CycleError", "Model", "load_model", "model_path", "__version__"]
__version__ = "0.1.0"

_LAZY = {"Model", "load_model", "model_path"}


def __getattr__(name: str):
    """``cycle.Model``, ``cycle.load_model`` and ``cycle.model_path`` on first use: importing
    :mod:`cycle.model` brings in pandas (a quarter of a second), which ``cycle --help`` and
    every ``cycle`` subpackage import need not pay."""
    if name in _LAZY:
        from cycle import model

        return getattr(model, name)
    raise AttributeError(f"module 'cycle' has no attribute {name!r}")
