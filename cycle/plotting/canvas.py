"""Figures without pyplot: a :class:`matplotlib.figure.Figure` on an Agg canvas.

pyplot keeps a registry of open figures and picks a GUI backend; a command that only writes
PNG/SVG/PDF files needs neither, so every plot here is a plain ``Figure`` drawn by Agg and
dropped when its function returns (nothing to close).

Importing :mod:`matplotlib.figure` costs ~0.19 s, of which two parts do nothing for a command
that draws 2-D line plots: registering the 3-D projection (``mpl_toolkits.mplot3d``, ~0.05 s)
and building the property tables in the docstrings of every artist class's ``set`` method
(``matplotlib.artist.kwdoc``, ~0.07 s). A ``cycle`` command (:func:`lean_imports`, called by
the command-line entry point) imports the figure module without them; a library user's
process (a notebook) is left as matplotlib makes it, with ``projection="3d"`` and full
docstrings.
"""

from __future__ import annotations

import sys
import warnings
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["new_figure", "lean_imports", "warm"]

_LEAN = {"on": False}


def lean_imports(on: bool = True) -> None:
    """Import matplotlib's figure module lean (no 3-D projection, short ``set`` docstrings)
    if this process has not imported it yet. For processes that only write 2-D plots to files
    (the ``cycle`` command)."""
    _LEAN["on"] = on


@cache
def _figure_class() -> tuple[type, type]:
    import matplotlib

    matplotlib.use("Agg")  # cheap before pyplot is imported; keeps any later pyplot headless
    if _LEAN["on"] and "matplotlib.figure" not in sys.modules:
        _import_lean()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return Figure, FigureCanvasAgg


def _import_lean() -> None:
    import matplotlib.artist as artist

    blocked = "mpl_toolkits.mplot3d" not in sys.modules
    kwdoc = artist.kwdoc
    if blocked:  # matplotlib.projections registers "3d" only if this import succeeds
        sys.modules["mpl_toolkits.mplot3d"] = None  # type: ignore[assignment]
    artist.kwdoc = lambda _artist: ""  # the `set` docstrings' property tables
    try:
        with warnings.catch_warnings():  # "Unable to import Axes3D"
            warnings.simplefilter("ignore")
            import matplotlib.figure  # noqa: F401
    finally:
        artist.kwdoc = kwdoc
        if blocked and sys.modules.get("mpl_toolkits.mplot3d", 0) is None:
            del sys.modules["mpl_toolkits.mplot3d"]


def warm() -> None:
    """Import what drawing a figure needs (a side process does it while data are computed)."""
    _figure_class()


def new_figure(**kwargs) -> Figure:
    """A ``Figure(**kwargs)`` (``figsize`` in inches, ``layout``, ...) on an Agg canvas."""
    figure, canvas = _figure_class()
    fig = figure(**kwargs)
    canvas(fig)
    return fig
