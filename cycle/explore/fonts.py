"""The CJK font the pages embed: a shipped subset of Noto Sans CJK SC, subset again per page.

The package ships ``assets/NotoSansSC-subset.otf`` (SIL Open Font Licence,
``assets/NOTO-OFL.txt``): Noto Sans CJK SC Regular cut to ASCII, CJK punctuation, the 3,755
characters of GB 2312 level 1 and every character of ``labels_zh.toml``. It was made with
:func:`make_shipped_font` from Debian's ``fonts-noto-cjk``::

    python -m cycle.explore.fonts /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

Each page embeds only the glyphs its own text uses (:func:`font_face_css`, fontTools), as a
base64 WOFF, so a page costs tens of kilobytes of font, not megabytes.
"""

from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

__all__ = ["FONT_FAMILY", "shipped_font", "font_face_css", "make_shipped_font", "missing_glyphs"]

FONT_FAMILY = "CycleCJK"
"""CSS family name of the embedded font."""

_ASSETS = Path(__file__).parent / "assets"


def shipped_font() -> Path:
    """Path of the shipped font subset (package data)."""
    return _ASSETS / "NotoSansSC-subset.otf"


def _gb2312_level1() -> str:
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def _subset(font, text: str):
    from fontTools import subset

    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(text=text)
    sub.subset(font)
    return font


def make_shipped_font(source: str | Path, out: Path | None = None) -> Path:
    """Cut Noto Sans CJK SC Regular (from a ``.ttc`` or ``.otf``) to the shipped subset."""
    from fontTools.ttLib import TTCollection, TTFont

    from cycle.explore.i18n import all_zh_text

    source = Path(source)
    if source.suffix.lower() == ".ttc":
        fonts = TTCollection(str(source), recalcTimestamp=False).fonts
        font = next(f for f in fonts if "CJK SC" in f["name"].getDebugName(1))
    else:
        font = TTFont(str(source), recalcTimestamp=False)
    ascii_ = "".join(chr(c) for c in range(0x20, 0x7F))
    punct = "，。、；：？！“”‘’（）《》【】—…·％－～／　０１２３４５６７８９–±σ×÷°Δ≤≥"
    text = ascii_ + punct + _gb2312_level1() + all_zh_text()
    _subset(font, text)
    out = out or shipped_font()
    font.save(str(out))
    return out


def missing_glyphs(text: str) -> str:
    """Characters of `text` (outside ASCII) the shipped font lacks."""
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(shipped_font()), lazy=True).getBestCmap()
    return "".join(sorted({c for c in text if ord(c) > 0x7E and ord(c) not in cmap and not c.isspace()}))


def font_face_css(text: str) -> str:
    """A CSS ``@font-face`` rule embedding the glyphs of `text` (WOFF, base64)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(shipped_font()))
    _subset(font, "".join(sorted(set(text))) + " ")
    font.flavor = "woff"
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f"@font-face{{font-family:'{FONT_FAMILY}';font-style:normal;font-weight:400;"
            f"src:url(data:font/woff;base64,{data}) format('woff');}}")


if __name__ == "__main__":  # pragma: no cover - maintenance step, see the module docstring
    print(make_shipped_font(sys.argv[1]))
