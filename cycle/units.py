"""Dimensional analysis of a Vensim model: every equation's units against its declared units.

Units strings are products and quotients of unit names (``BnYuan/(Year*ThousandFirms)``,
``1/Year``, ``Dmnl``) with optional integer powers. Each equation is read through PySD's parser
and its units computed bottom-up:

- a variable has its declared units; ``Time``, ``INITIAL TIME`` and ``TIME STEP`` are in ``Year``;
- a number is dimensionless in a product, quotient or exponent, and takes the units of the other
  side in a sum, a difference, a comparison, ``MIN`` or ``MAX`` (``1 - x``, ``MAX(0, x)``);
- ``+``, ``-``, comparisons, ``MIN``, ``MAX`` and both branches of ``IF THEN ELSE`` need equal units;
- ``a^b`` needs a dimensionless ``b``, and a dimensionless ``a`` unless ``b`` is a number;
- ``EXP``, ``LN``, ``TANH``, ``SQRT`` of dimensionless arguments are dimensionless (``SQRT`` halves
  the powers of a dimensioned argument); ``ZIDZ(a, b)`` and ``XIDZ(a, b, x)`` are ``a/b``;
- ``STEP(h, t)`` has the units of ``h`` (``t`` in years), ``RAMP(s, t0, t1)`` those of ``s*Year``,
  ``SMOOTH``/``SMOOTH3(x, T)`` and ``INITIAL(x)`` those of ``x``;
- ``INTEG(flow, init)`` needs ``flow*Year`` and ``init`` in the stock's units.

Examples
--------
>>> parse_units("BnYuan/(Year*ThousandFirms)") == parse_units("BnYuan/Year/ThousandFirms")
True
>>> check_units("models/northeast.mdl")     # doctest: +SKIP
[]
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

__all__ = ["UnitsError", "parse_units", "format_units", "check_units"]

Units = dict[str, Fraction]
DIMENSIONLESS = ("dmnl", "1", "")
TIME_UNIT = "Year"
_TIME_NAMES = {"time", "initial_time", "time_step", "final_time", "saveper"}


class UnitsError(ValueError):
    """An expression whose units do not add up."""


class _Literal:
    """A number: dimensionless in products, adopts the other side's units in sums."""

    def __init__(self, value: float) -> None:
        self.value = value


def parse_units(text: str) -> Units:
    """Parse a Vensim units string into {unit name: power}; ``Dmnl`` is ``{}``."""
    tokens = re.findall(r"[A-Za-z_][A-Za-z_0-9$]*|\d+(?:\.\d+)?|[*/()^-]", text.strip())
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        if pos >= len(tokens):
            raise UnitsError(f"cannot read units {text!r}")
        pos += 1
        return tokens[pos - 1]

    def factor() -> Units:
        tok = take()
        if tok == "(":
            u = product()
            if take() != ")":
                raise UnitsError(f"unbalanced parentheses in units {text!r}")
        elif tok.lower() in DIMENSIONLESS or re.fullmatch(r"\d+(\.\d+)?", tok):
            u = {}
        else:
            u = {tok: Fraction(1)}
        if peek() == "^":
            take()
            sign = -1 if peek() == "-" and take() else 1
            power = Fraction(take()) * sign
            u = {k: v * power for k, v in u.items()}
        return u

    def product() -> Units:
        u = factor()
        while peek() in ("*", "/"):
            op = take()
            u = _combine(u, factor(), 1 if op == "*" else -1)
        return u

    if not tokens or text.strip().lower() in DIMENSIONLESS:
        return {}
    result = product()
    if pos != len(tokens):
        raise UnitsError(f"cannot read units {text!r}")
    return result


def _combine(a: Units, b: Units, sign: int) -> Units:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, Fraction(0)) + sign * v
        if out[k] == 0:
            del out[k]
    return out


def format_units(u: Units) -> str:
    """Readable form of parsed units, e.g. ``BnYuan*Year^-1``; ``Dmnl`` for none."""
    if not u:
        return "Dmnl"
    return "*".join(k if v == 1 else f"{k}^{v}" for k, v in sorted(u.items()))


def _same(a, b, what: str):
    if isinstance(a, _Literal):
        return b
    if isinstance(b, _Literal):
        return a
    if a != b:
        raise UnitsError(f"{what}: {format_units(a)} vs {format_units(b)}")
    return a


def _dimensionless(u, what: str) -> Units:
    if isinstance(u, _Literal):
        return {}
    if u:
        raise UnitsError(f"{what} needs a dimensionless argument, got {format_units(u)}")
    return {}


def _plain(u) -> Units:
    return {} if isinstance(u, _Literal) else u


class _Checker:
    def __init__(self, units_of: dict[str, Units]) -> None:
        self.units_of = units_of

    def __call__(self, node):  # noqa: C901 - one dispatch over the parser's node types
        import pysd.translators.structures.abstract_expressions as ae

        if isinstance(node, bool):
            return {}
        if isinstance(node, (int, float)):
            return _Literal(float(node))
        if isinstance(node, ae.ReferenceStructure):
            if node.reference in _TIME_NAMES:
                return {TIME_UNIT: Fraction(1)}
            return self.units_of[node.reference]
        if isinstance(node, (ae.ArithmeticStructure, ae.LogicStructure)):
            return self._operation(node)
        if isinstance(node, ae.CallStructure):
            return self._call(node)
        if isinstance(node, (ae.SmoothStructure, ae.SmoothNStructure)):
            self._time(node.smooth_time, "SMOOTH time")
            return self(node.input)
        if isinstance(node, ae.InitialStructure):
            return self(node.initial)
        raise UnitsError(f"no units rule for {type(node).__name__}")

    def _time(self, node, what: str) -> None:
        _same(self(node), {TIME_UNIT: Fraction(1)}, what)

    def _operation(self, node):
        ops = list(node.operators)
        args = [self(a) for a in node.arguments]
        if len(args) == 1:  # unary minus / not
            return args[0]
        left = args[0]
        for op, right in zip(ops, args[1:], strict=True):
            if op in ("+", "-"):
                left = _same(left, right, f"'{op}' of different units")
            elif op in ("*", "/"):
                if isinstance(left, _Literal) and isinstance(right, _Literal):
                    left = _Literal(0.0)
                else:
                    left = _combine(_plain(left), _plain(right), 1 if op == "*" else -1)
            elif op == "^":
                if isinstance(right, _Literal):
                    left = left if isinstance(left, _Literal) else {
                        k: v * Fraction(right.value).limit_denominator(1000) for k, v in left.items()}
                else:
                    _dimensionless(right, "an exponent")
                    left = _dimensionless(left, "a power with a variable exponent")
            elif op in ("=", "<>", "<", ">", "<=", ">="):
                _same(left, right, f"comparison '{op}' of different units")
                left = {}
            elif op in (":and:", ":or:", "and", "or"):
                left = {}
            else:
                raise UnitsError(f"no units rule for operator {op!r}")
        return left

    def _call(self, node):
        f = node.function.reference if hasattr(node.function, "reference") else str(node.function)
        a = node.arguments
        if f in ("zidz",):
            return _combine(_plain(self(a[0])), _plain(self(a[1])), -1)
        if f == "xidz":
            u = _combine(_plain(self(a[0])), _plain(self(a[1])), -1)
            return _same(u, self(a[2]), "XIDZ fallback")
        if f in ("min", "max"):
            return _same(self(a[0]), self(a[1]), f.upper())
        if f in ("exp", "ln", "tanh", "sin", "cos", "tan"):
            return _dimensionless(self(a[0]), f.upper())
        if f == "sqrt":
            u = self(a[0])
            return u if isinstance(u, _Literal) else {k: v / 2 for k, v in u.items()}
        if f == "abs":
            return self(a[0])
        if f == "if_then_else":
            self(a[0])
            return _same(self(a[1]), self(a[2]), "IF THEN ELSE branches")
        if f == "step":
            self._time(a[1], "STEP time")
            return _plain(self(a[0]))
        if f == "ramp":
            for t in a[1:]:
                self._time(t, "RAMP time")
            return _combine(_plain(self(a[0])), {TIME_UNIT: Fraction(1)}, 1)
        raise UnitsError(f"no units rule for function {f.upper()}")


def check_units(path: str | Path) -> list[str]:
    """Every dimensional inconsistency in the model at `path`, one line each (empty if none)."""
    import pysd.translators.structures.abstract_expressions as ae
    from pysd.translators.vensim.vensim_file import VensimFile

    vf = VensimFile(str(path))
    vf.parse()
    elements = [el for section in vf.get_abstract_model().sections for el in section.elements]
    units_of: dict[str, Units] = {}
    problems: list[str] = []
    for el in elements:
        ident = el.name.lower().replace(" ", "_")
        try:
            units_of[ident] = parse_units(el.units or "")
        except UnitsError as exc:
            problems.append(f"{el.name}: {exc}")
            units_of[ident] = {}
    check = _Checker(units_of)
    for el in elements:
        declared = units_of[el.name.lower().replace(" ", "_")]
        if el.name.upper() in ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER"):
            continue
        for component in el.components:
            ast = component.ast
            try:
                if isinstance(ast, ae.IntegStructure):
                    flow = _combine(_plain(check(ast.flow)), {TIME_UNIT: Fraction(1)}, 1)
                    _same(flow, declared, "flow*Year vs stock")
                    _same(check(ast.initial), declared, "initial value vs stock")
                else:
                    _same(check(ast), declared, "equation vs declared units")
            except UnitsError as exc:
                problems.append(f"{el.name} [{el.units}]: {exc}")
    return problems
