"""zh/en labels of the pages: English is the model's and catalogue's own words; Chinese comes
from ``labels_zh.toml`` (a word without an entry stays English)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

__all__ = ["LANGS", "zh_labels", "all_zh_text", "untranslated"]

LANGS = ("en", "zh")
"""Languages of the pages."""


@cache
def zh_labels() -> dict[str, dict[str, str]]:
    """The Chinese labels by section (``ui``, ``levers``, ``lever_descriptions``, ``settings``,
    ``variables``, ``units``)."""
    path = Path(__file__).with_name("labels_zh.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def all_zh_text() -> str:
    """Every character of the Chinese labels (what the shipped font must cover)."""
    return "".join(v for section in zh_labels().values() for v in section.values())


def untranslated(variables: list[str], levers: list[str]) -> list[str]:
    """Variables and levers the pages show that have no Chinese label."""
    zh = zh_labels()
    return ([v for v in variables if v not in zh["variables"]]
            + [lv for lv in levers if lv not in zh["levers"]])
