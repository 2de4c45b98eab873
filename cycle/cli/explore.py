"""``cycle explore``: write one self-contained HTML page in which the model runs behind a slider per lever."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cycle.cli import options

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("explore", help="write the lever explorer: one HTML file, the model running in it",
                       description=__doc__)
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="shipped scenario name or .toml path to offer besides the shipped ones "
                        "(the first is loaded when the page opens)")
    p.add_argument("--lang", choices=["en", "zh"], default="en",
                   help="language the page opens in (default: en)")
    p.add_argument("--out", default="explorer.html", metavar="FILE.html",
                   help="HTML file to write (default: explorer.html)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    options.add_model(p)
    p.set_defaults(func=run)


def _check_out(out: str) -> Path:
    path = Path(out)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"--out must name an .html file, got {out!r}")
    if path.is_dir():
        raise ValueError(f"--out {out!r} is a folder; give a file name ending in .html")
    return path


def open_in_browser(path: Path) -> None:
    import webbrowser

    if not webbrowser.open(path.resolve().as_uri()):
        sys.stderr.write(f"note: no browser could be started; open {path} yourself\n")


def run(args: argparse.Namespace) -> int:
    from cycle.explore.page import build_explorer

    out = _check_out(args.out)
    path = build_explorer(args.scenarios, out=out, lang=args.lang, model=args.model)
    print(path)
    if args.open:
        open_in_browser(path)
    return 0
