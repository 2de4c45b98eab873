"""Print a table the way the user asked: a text table that fits the terminal (left-aligned,
long text wrapped under its column), CSV, JSON or Markdown."""

from __future__ import annotations

import json
import math
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas costs a quarter second; `cycle --help` never needs it
    import pandas as pd

__all__ = ["FORMATS", "render", "add_format"]

FORMATS = ("table", "csv", "json", "markdown")


def add_format(p) -> None:
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="table",
                   help="output format (default: table, fitted to 100 columns)")
    p.add_argument("--csv", dest="fmt", action="store_const", const="csv",
                   help="same as --format csv")


def _cell(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, float):
        return f"{x:g}"
    return " ".join(str(x).split())


def render(df: pd.DataFrame, fmt: str = "table", *, width: int = 100, wrap: str = "doc",
           max_widths: dict[str, int] | None = None) -> str:
    """`df` as text in `fmt`; in ``table``, column `wrap` takes the rest of `width` (wrapped),
    or goes on indented lines below its row when too little is left."""
    if fmt == "csv":
        return df.to_csv(index=False)
    if fmt == "json":
        rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                for r in df.to_dict(orient="records")]
        return json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n"
    cells = {c: [_cell(v) for v in df[c]] for c in df.columns}
    if fmt == "markdown":
        lines = ["| " + " | ".join(df.columns) + " |", "|" + "|".join("---" for _ in df.columns) + "|"]
        for i in range(len(df)):
            lines.append("| " + " | ".join(cells[c][i].replace("|", "\\|") for c in df.columns)
                         + " |")
        return "\n".join(lines) + "\n"
    max_widths = max_widths or {}
    fixed = [c for c in df.columns if c != wrap]
    widths = {}
    for c in fixed:
        w = max([len(c)] + [len(v) for v in cells[c]])
        widths[c] = min(w, max_widths.get(c, 40))
    while sum(widths.values()) + 2 * (len(fixed) - 1) > width:  # shrink the widest column
        widest = max(widths, key=widths.get)
        if widths[widest] <= 6:
            break
        widths[widest] -= 1
    used = sum(widths.values()) + 2 * len(fixed)
    room = width - used
    below = wrap in df.columns and room < 30

    def fit(text: str, w: int) -> str:
        return text if len(text) <= w else text[:w - 1] + "…"

    head = "  ".join(c.ljust(widths[c]) for c in fixed)
    if wrap in df.columns and not below:
        head += "  " + wrap
    lines = [head.rstrip(), "-" * min(width, max(len(head), used + (0 if below else room)))]
    for i in range(len(df)):
        row = "  ".join(fit(cells[c][i], widths[c]).ljust(widths[c]) for c in fixed)
        if wrap not in df.columns:
            lines.append(row.rstrip())
            continue
        if below:
            lines.append(row.rstrip())
            lines += textwrap.wrap(cells[wrap][i], width=width, initial_indent="    ",
                                   subsequent_indent="    ") or []
        else:
            parts = textwrap.wrap(cells[wrap][i], width=room) or [""]
            lines.append((row + "  " + parts[0]).rstrip())
            lines += [" " * (used) + p for p in parts[1:]]
    return "\n".join(lines) + "\n"
