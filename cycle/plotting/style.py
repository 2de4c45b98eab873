"""What every plot shares: matplotlib set up headless, a CJK font registered, zh/en labels,
distinct scenario colours and number formats a reader can take in at a glance.

The CJK font is Noto Sans CJK SC from the ``mplfonts`` package (PyPI). It is registered as a
fallback after DejaVu Sans, so Latin text keeps its look and Chinese names (a scenario called
``政策_包``, or every label under ``--lang zh``) render instead of drawing boxes.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import matplotlib

from cycle.plotting.canvas import new_figure

matplotlib.use("Agg")  # headless, also for anyone who imports pyplot later

__all__ = ["new_figure", "setup", "tr", "var_label", "unit_label", "fmt_value",
           "scenario_colours", "LANGS", "CJK_FONT"]


def __getattr__(name: str):
    """``plt`` (pyplot), imported on first use only: the plots here draw on
    :func:`~cycle.plotting.canvas.new_figure` and never need it."""
    if name == "plt":
        import matplotlib.pyplot as plt

        return plt
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

LANGS = ("en", "zh")
"""Languages of plot labels."""

CJK_FONT = "Noto Sans CJK SC"

_UNIT_TEXT = {"BnYuan": "bn yuan", "BnYuan/Year": "bn yuan/yr", "ThousandFirms": "thousand firms",
              "Index": "index, 2021 = 100", "Dmnl": "fraction", "1/Year": "1/yr"}

# Colour-blind-safe and distinct even where translucent bands overlap (Okabe-Ito, without
# yellow, which fades on white); the baseline is always black.
_PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#8C564B",
            "#7F7F7F"]

_LANG = {"lang": "en"}


@cache
def _font_file() -> Path | None:
    """The Noto CJK font file shipped in the ``mplfonts`` package, found without importing
    it (its import takes ~20 ms of every command that draws)."""
    from importlib.util import find_spec

    spec = find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "fonts" / "NotoSansCJKsc-Regular.otf"
    return path if path.is_file() else None


@cache
def _register() -> bool:
    from matplotlib import font_manager

    path = _font_file()
    if path is None:
        return False
    font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", CJK_FONT]  # CJK glyphs fall back to Noto
    matplotlib.rcParams["axes.unicode_minus"] = False
    return True


def setup(lang: str = "en") -> None:
    """Choose the label language (``"en"`` or ``"zh"``) and register the CJK font."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid: {', '.join(LANGS)}")
    _LANG["lang"] = lang
    _register()


def needs_cjk(text: str) -> bool:
    """Whether `text` has characters outside Latin/Greek (and so needs the CJK font)."""
    return any(ord(c) > 0x2FFF for c in text)


@cache
def _zh() -> dict:
    import tomllib

    return tomllib.loads((Path(__file__).parent / "zh.toml").read_text(encoding="utf-8"))


def tr(text: str) -> str:
    """`text` in the current label language (unchanged in English or when untranslated)."""
    if _LANG["lang"] == "en":
        return text
    return _zh()["texts"].get(text, text)


def var_label(name: str) -> str:
    """A variable's name in the current label language."""
    if _LANG["lang"] == "en":
        return name
    return _zh()["variables"].get(name, name)


def unit_label(units: str) -> str:
    """Readable axis label for model units (``BnYuan`` -> ``bn yuan``), in the label language."""
    return tr(_UNIT_TEXT.get(units, units.replace("BnYuan", "bn yuan")))


def fmt_value(x: float) -> str:
    """A number with three significant digits, no more: 68.926 -> '68.9', 1234.5 -> '1,235',
    0.04567 -> '0.0457'."""
    if x is None or not math.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 100:
        return f"{x:,.0f}"
    digits = max(0, 2 - int(math.floor(math.log10(a))))
    return f"{x:.{digits}f}"


def scenario_colours(names: list[str]) -> dict[str, str]:
    """One distinct colour per scenario; the baseline black."""
    out, i = {}, 0
    for n in names:
        if n == "baseline":
            out[n] = "black"
        else:
            out[n] = _PALETTE[i % len(_PALETTE)]
            i += 1
    return out
