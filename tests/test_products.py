"""No parameter enters only as a product with another (they could not be told apart: only their
product would be identified). For every constant, the constants it shares a product term with are
collected over all its appearances; two constants that always and only appear together fail."""

from __future__ import annotations

from itertools import combinations

from cycle.model import model_path


def _appearances():
    import pysd.translators.structures.abstract_expressions as ae
    from pysd.translators.vensim.vensim_file import VensimFile

    vf = VensimFile(str(model_path("northeast")))
    vf.parse()
    elements = [el for s in vf.get_abstract_model().sections for el in s.elements]
    constants = {el.name.lower().replace(" ", "_") for el in elements
                 if isinstance(el.components[0].ast, (int, float))}
    found: dict[str, list[frozenset[str]]] = {c: [] for c in constants}

    def factors(node):
        """Leaves of a product/quotient chain."""
        if isinstance(node, ae.ArithmeticStructure) and set(node.operators) <= {"*", "/"}:
            return [leaf for a in node.arguments for leaf in factors(a)]
        return [node]

    def walk(node):
        if isinstance(node, ae.ArithmeticStructure) and set(node.operators) <= {"*", "/"}:
            leaves = factors(node)
            names = [leaf.reference for leaf in leaves
                     if isinstance(leaf, ae.ReferenceStructure) and leaf.reference in constants]
            for n in names:
                found[n].append(frozenset(names) - {n})
            for leaf in leaves:
                if not isinstance(leaf, ae.ReferenceStructure):
                    walk(leaf)
            return
        if isinstance(node, ae.ReferenceStructure):
            if node.reference in constants:
                found[node.reference].append(frozenset())
            return
        for attr in ("arguments", "flow", "initial", "input", "smooth_time"):
            sub = getattr(node, attr, None)
            if sub is None:
                continue
            for s in (sub if isinstance(sub, (list, tuple)) else [sub]):
                walk(s)

    for el in elements:
        for comp in el.components:
            walk(comp.ast)
    return found


def test_no_two_parameters_enter_only_as_their_product():
    found = _appearances()
    used = {c: apps for c, apps in found.items() if apps}
    pairs = []
    for a, b in combinations(sorted(used), 2):
        if all(b in s for s in used[a]) and all(a in s for s in used[b]):
            pairs.append((a, b))
    assert not pairs, f"constants that only ever appear multiplied together: {pairs}"
