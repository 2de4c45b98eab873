"""Structure checks (Sterman, Business Dynamics, ch. 21): units, documentation, provenance, names."""

from __future__ import annotations

import re

import pytest

# Variables computed for reporting only (no equation uses them): each is a stock or an
# output a modeller reads; anything else unused is a modelling error.
REPORTED = {
    "Cumulative Public Outlay", "Private Finance Outstanding", "Public Finance Outstanding",
    "Central Bank Funds Outstanding", "Cumulative Public Funds Received", "Tech SME Count",
    "High Tech Enterprise Count", "Central Bank Bond Loss", "Local Government Bond Loss",
    "Credit Enhancer Bond Loss", "Bond Investor Loss", "Bank Loan Loss", "Guarantee Claims Paid",
    "Loan Loss", "Bond Loss", "Public Capital Share", "Patient Capital Share of National Pool",
    "Tech Industry Share of GDP", "Tech Loan Share of Banking Assets", "Reloan Quota Used",
}

SOURCE_KINDS = ("FACTS", "literature", "assumption", "calibrated", "policy input", "normalisation",
                "initial values", "500 bn", "60 bn")


def test_every_variable_has_units_and_one_line_doc(any_model):
    for v in any_model.variables.values():
        assert v.units.strip(), f"{v.name} has no units"
        assert v.doc.strip(), f"{v.name} has no documentation"
        assert "\n" not in v.doc, f"{v.name}: documentation is more than one line"


def test_every_constant_has_a_provenance(any_model):
    for v in any_model.variables.values():
        if v.kind == "constant":
            assert v.source, f"{v.name} has no [source: ...] tag"
            assert any(v.source.startswith(k) for k in SOURCE_KINDS), f"{v.name}: {v.source!r}"


def test_every_constant_declares_a_range(any_model):
    for v in any_model.variables.values():
        if v.kind == "constant":
            lo, hi = v.limits
            assert lo == lo and hi == hi, f"{v.name} declares no [min,max] range"
            assert lo <= any_model.defaults[v.name] <= hi, f"{v.name} default outside its range"


def _used_names(pysd_model) -> set[str]:
    used: set[str] = set()
    for deps in pysd_model.dependencies.values():
        for key, sub in deps.items():
            if isinstance(sub, dict):  # stateful objects: {'initial': {...}, 'step': {...}}
                used.update(sub)
            else:
                used.add(key)
    return used


def test_no_unused_names(any_model):
    used = _used_names(any_model._pysd())
    unused = sorted(v.name for v in any_model.variables.values()
                    if v.identifier not in used and v.kind != "stock" and v.name not in REPORTED)
    assert not unused, f"defined but never used: {unused}"


def test_no_undefined_names(any_model):
    defined = {v.identifier for v in any_model.variables.values()}
    defined |= {"time", "initial_time", "final_time", "time_step", "saveper"}
    used = {n for n in _used_names(any_model._pysd()) if not n.startswith("_")}
    assert used <= defined, f"used but not defined: {sorted(used - defined)}"


def test_units_are_plain_tokens(any_model):
    """Units are single tokens Vensim accepts: no spaces inside a unit name."""
    for v in any_model.variables.values():
        for token in re.split(r"[*/()^]", v.units):
            assert " " not in token.strip(), f"{v.name}: unit {v.units!r} has a space"


@pytest.mark.parametrize("loop", ["reinforcing", "balancing"])
def test_readme_names_the_loops(loop):
    from pathlib import Path

    readme = Path(__file__).resolve().parent.parent / "README.md"
    if not readme.exists():
        pytest.skip("README not in this tree")
    assert loop in readme.read_text(encoding="utf-8").lower()
