"""The browser explorer and the HTML comparison report: single self-contained HTML files.

* :func:`cycle.explore.page.build_explorer` writes ``cycle explore``'s page: the model, generated
  into JavaScript from the ``.mdl`` (:mod:`cycle.engine.emit_js`), runs in the page; one control
  per lever of the catalogue (:mod:`cycle.levers`); trajectories against the baseline, the
  metrics table of ``cycle compare``, an uncertainty band, zh/en labels, TOML/PNG/SVG/CSV export.
* :func:`cycle.explore.page.build_report` writes ``cycle report``'s static page of a comparison.

Everything the pages need (chart library, CJK font subset, data) is embedded; they load
nothing from the network. Assets live in ``cycle/explore/assets`` (package data).
"""

from __future__ import annotations

__all__ = ["build_explorer", "build_report"]


def build_explorer(*args, **kwargs):
    """See :func:`cycle.explore.page.build_explorer`."""
    from cycle.explore.page import build_explorer as impl

    return impl(*args, **kwargs)


def build_report(*args, **kwargs):
    """See :func:`cycle.explore.page.build_report`."""
    from cycle.explore.page import build_report as impl

    return impl(*args, **kwargs)
