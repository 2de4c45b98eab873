"""Parse a Vensim ``.mdl`` file with PySD's translator (the first stage of the pipeline)."""

from __future__ import annotations

from pathlib import Path

from pysd.translators.structures.abstract_model import AbstractModel

__all__ = ["parse_mdl"]


def parse_mdl(path: Path) -> tuple[AbstractModel, dict[str, str]]:
    """PySD's abstract model of a Vensim file and each variable's equation text.

    Returns
    -------
    (AbstractModel, equations)
        ``equations`` maps a Vensim name to its original right-hand side (for comments).
    """
    from pysd.translators.vensim.vensim_file import VensimFile

    vensim = VensimFile(Path(path))
    vensim.parse()
    equations: dict[str, str] = {}
    for section in vensim.sections[:1]:
        for component in section.components:
            equations.setdefault(component.name, component.expression)
    return vensim.get_abstract_model(), equations
