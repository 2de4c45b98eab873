"""Target-neutral expression trees: the language the planned statements are written in.

The builder (:mod:`cycle.engine.build`) turns PySD's abstract syntax into these few node
types; every emitter (:mod:`cycle.engine.emit_numpy`, :mod:`cycle.engine.emit_numba`, a
JavaScript one ...) renders them in its own dialect by subclassing :class:`Renderer`.

Nodes
-----
``Num(value)``            a number (float; NaN and inf allowed)
``Ref(ident)``            the value of a planned identifier (a model variable element, a
                          hidden helper, a state, or :data:`TIME` / :data:`TIME_STEP`)
``Op(op, args)``          an operator: binary ``+ - * / ^ = <> < <= > >= and or``, unary
                          ``neg`` and ``not``; comparisons and logic give 1.0/0.0 (or bools)
``Call(fn, args)``        a function of :data:`FUNCTIONS` (scalar semantics stated there)
``Lookup(table, arg)``    a graphical function: ``table`` names an entry of
                          ``ModelIR.lookups`` = ``(xs, ys, kind)``

This module imports nothing from the rest of the engine (it is the bottom of the pipeline).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cycle.errors import CycleError

__all__ = [
    "FUNCTIONS",
    "HELPER_CALLS",
    "TIME",
    "TIME_STEP",
    "Call",
    "Expr",
    "Lookup",
    "Num",
    "Op",
    "Ref",
    "Renderer",
    "UnsupportedConstruct",
    "evaluate",
    "refs",
    "walk",
]

HELPER_CALLS: dict[str, str] = {
    "zidz": "_zidz({0}, {1})", "xidz": "_xidz({0}, {1}, {2})", "integer": "_integer({0})",
    "quantum": "_quantum({0}, {1})", "modulo": "_modulo({0}, {1})",
    "step": "_step({0}, {1}, {2}, {3})", "ramp": "_ramp({0}, {1}, {2}, {3})",
    "pulse": "_pulse({0}, {1}, {2})", "pulse_train": "_pulse_train({0}, {1}, {2}, {3}, {4})",
    "delay_order": "_delay_order({0}, {1}, {2}, {3})", "check_order": "_check_order({0}, {1})",
}
"""Calls of the functions every target defines as helpers of its own (named ``_<fn>``, with
PySD's semantics); each emitter adds its math functions and conditionals."""

#: Identifier of the current model time (model time unit) in every target.
TIME = "_time"
#: Identifier of the integration time step (model time unit) in every target.
TIME_STEP = "_dt"


class UnsupportedConstruct(CycleError):
    """A Vensim construct the batch engine (or one of its loops) cannot run.

    Parameters
    ----------
    construct : str
        The Vensim construct, e.g. ``"DELAY FIXED"`` or ``"VECTOR SELECT"``.
    variable : str
        The Vensim name of the variable that uses it.
    detail : str, optional
        What to do instead (default: run the model with PySD).
    """

    def __init__(self, construct: str, variable: str = "", detail: str | None = None) -> None:
        self.construct = construct
        self.variable = variable
        where = f" in variable '{variable}'" if variable else ""
        hint = detail or "the batch engine cannot translate it; run this model with PySD"
        super().__init__(f"unsupported construct {construct}{where} ({hint})")

    def __reduce__(self):  # picklable across processes (Dask workers)
        return (type(self), (self.construct, self.variable))


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Ref:
    ident: str


@dataclass(frozen=True, slots=True)
class Op:
    op: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Call:
    fn: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Lookup:
    table: str
    arg: object


Expr = Num | Ref | Op | Call | Lookup

#: Neutral functions: name -> (number of arguments or None for any, scalar semantics).
#: Every emitter must implement all of them (they are PySD's ``py_backend.functions``).
FUNCTIONS: dict[str, tuple[int | None, str]] = {
    "abs": (1, "|x|"),
    "min": (2, "smaller of two"),
    "max": (2, "larger of two"),
    "exp": (1, "e**x"),
    "ln": (1, "natural log"),
    "log": (2, "log(x)/log(base)"),
    "sqrt": (1, "square root"),
    "power": (2, "x**y (NumPy's power)"),
    "sin": (1, "sine (radians)"), "cos": (1, "cosine"), "tan": (1, "tangent"),
    "arcsin": (1, "inverse sine"), "arccos": (1, "inverse cosine"),
    "arctan": (1, "inverse tangent"), "sinh": (1, "hyperbolic sine"),
    "cosh": (1, "hyperbolic cosine"), "tanh": (1, "hyperbolic tangent"),
    "if_then_else": (3, "c ? a : b (both evaluated)"),
    "zidz": (2, "a/b, 0 if |b| < 1e-6"),
    "xidz": (3, "a/b, x if |b| < 1e-6"),
    "integer": (1, "truncation towards zero"),
    "quantum": (2, "a if b < 1e-6 else b*trunc(a/b)"),
    "modulo": (2, "x - quantum(x, m)"),
    "step": (4, "step(time, dt, value, tstep) = value if time + dt/2 > tstep else 0"),
    "ramp": (4, "ramp(time, slope, start, finish) = (time + 1e-6 > start)*slope*"
                "(min(finish, time) - start)"),
    "pulse": (3, "pulse(time, start, width) = 1 if start - 1e-6 <= time < start + width"),
    "pulse_train": (5, "pulse_train(time, start, repeat, width, end): PySD's pulse()"),
    "delay_order": (4, "delay_order(order, dt, delay_time, fixed): PySD's Delay order: "
                       "int(order) lowered while order*dt > delay_time (fixed=1: "
                       "round(max(delay_time/dt, 1) + 1e-6), DELAY FIXED)"),
    "select": (None, "select(k, a1, ..., aK) = a_k (k an integer-valued float, 1-based)"),
    "check_order": (2, "check_order(order, max_order): order, or an error unless order is an "
                       "integer in 1..max_order (stages were planned for max_order)"),
}


def walk(node: object) -> Iterator[object]:
    """Every node of a tree, depth first (the node itself first)."""
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, (Op, Call)):
            stack.extend(reversed(item.args))
        elif isinstance(item, Lookup):
            stack.append(item.arg)


def refs(node: object) -> frozenset[str]:
    """Identifiers a tree reads (lookup tables included)."""
    found: set[str] = set()
    for item in walk(node):
        if isinstance(item, Ref):
            found.add(item.ident)
        elif isinstance(item, Lookup):
            found.add(item.table)
    return frozenset(found)


class Renderer:
    """Render a tree as source text of one target (subclass per target).

    Subclasses set :attr:`binary` (operator -> format with ``{0}`` and ``{1}``), :attr:`unary`
    and implement :meth:`number`, :meth:`call` and :meth:`lookup`; :meth:`ref` returns the
    identifier unchanged unless overridden.  Operands are parenthesised whenever they are
    operations themselves, so the rendered text means exactly the tree whatever the
    target's precedence rules.
    """

    binary: dict[str, str] = {
        "+": "{0} + {1}", "-": "{0} - {1}", "*": "{0}*{1}", "/": "{0}/{1}", "^": "{0}**{1}",
        "=": "{0} == {1}", "<>": "{0} != {1}", "<": "{0} < {1}", "<=": "{0} <= {1}",
        ">": "{0} > {1}", ">=": "{0} >= {1}", "and": "{0} and {1}", "or": "{0} or {1}",
    }
    unary: dict[str, str] = {"neg": "-{0}", "not": "not {0}"}
    select_branch: str = "({then} if {k} == {i} else {otherwise})"
    """One branch of :meth:`select_chain` (fields ``k``, ``i``, ``then``, ``otherwise``)."""
    state_updates: dict[str, tuple[str, ...]] = {}
    """How a state takes its update, by :attr:`cycle.engine.ir.State.mode` (``"euler"``,
    ``"non_negative"``, ``"discrete"``, ``"ring"``): lines with ``{x}`` (the state), ``{d}``
    (its update) and ``{dt}`` (TIME STEP); a ring's pipe is ``_pipe_{x}``, its position
    ``_ptr_{x}`` and its length ``_ord_{x}``."""

    def __call__(self, node: object) -> str:
        return self.render(node)

    def render(self, node: object) -> str:
        if isinstance(node, Num):
            return self.number(node.value)
        if isinstance(node, Ref):
            return self.ref(node.ident)
        if isinstance(node, Op):
            args = [self._operand(a) for a in node.args]
            if len(args) == 1:
                return self.unary[node.op].format(*args)
            return self.binary[node.op].format(*args)
        if isinstance(node, Call):
            return self.call(node.fn, [self.render(a) for a in node.args])
        if isinstance(node, Lookup):
            return self.lookup(node.table, self.render(node.arg))
        raise TypeError(f"not an expression node: {node!r}")

    def state_update(self, mode: str, state: str, update: str, indent: str = "",
                     step: str = TIME_STEP) -> list[str]:
        """The lines that give `state` its `update` (see :attr:`state_updates`); `step` is
        how the target reads TIME STEP."""
        return [indent + line.format(x=state, d=update, dt=step)
                for line in self.state_updates[mode]]

    def select_chain(self, args: list[str]) -> str:
        """``select(k, s1, s2, ..., sn)`` as nested conditionals: ``s_i`` where ``k == i``,
        else ``sn`` (targets without a vectorised select)."""
        k, stages = args[0], args[1:]
        text = stages[-1]
        for i in range(len(stages) - 2, -1, -1):
            text = self.select_branch.format(k=k, i=repr(float(i + 1)), then=stages[i], otherwise=text)
        return text

    def _operand(self, node: object) -> str:
        text = self.render(node)
        if isinstance(node, Op) or (isinstance(node, Num) and (node.value < 0 or text[0] == "-")):
            return f"({text})"
        return text

    def number(self, value: float) -> str:
        raise NotImplementedError

    def ref(self, ident: str) -> str:
        return ident

    def call(self, fn: str, args: list[str]) -> str:
        raise NotImplementedError

    def lookup(self, table: str, arg: str) -> str:
        raise NotImplementedError


_SMALL = 1e-6  # what Vensim (and PySD) treat as zero


def _scalar_functions() -> dict:
    import math

    def quantum(a, b):
        return a if b < _SMALL else b * math.trunc(a / b)

    def delay_order(order, dt, delay_time, fixed):
        if fixed:
            return float(round(max(delay_time / dt, 1) + _SMALL))
        k = int(order)
        while k * dt > delay_time:
            k -= 1
        return float(k)

    def check_order(order, top):
        if order != int(order) or not 1 <= order <= top:
            raise ValueError(f"delay/smooth order {order:g} is not an integer in 1..{top:g}")
        return order

    def pulse_train(t, start, repeat, width, end):
        if repeat == 0:
            return 1.0 if start - _SMALL <= t < start + width else 0.0
        if start <= t < end:
            return 1.0 if (t - start + _SMALL) % repeat < width else 0.0
        return 0.0

    return {
        "abs": abs, "min": min, "max": max, "exp": math.exp, "ln": math.log,
        "log": lambda x, b: math.log(x) / math.log(b), "sqrt": math.sqrt,
        "power": lambda x, y: x ** y, "sin": math.sin, "cos": math.cos, "tan": math.tan,
        "arcsin": math.asin, "arccos": math.acos, "arctan": math.atan, "sinh": math.sinh,
        "cosh": math.cosh, "tanh": math.tanh,
        "if_then_else": lambda c, a, b: a if c else b,
        "zidz": lambda a, b: 0.0 if abs(b) < _SMALL else a / b,
        "xidz": lambda a, b, x: x if abs(b) < _SMALL else a / b,
        "integer": lambda x: float(math.trunc(x)), "quantum": quantum,
        "modulo": lambda x, m: x - quantum(x, m),
        "step": lambda t, dt, v, ts: v * (t + dt / 2 > ts),
        "ramp": lambda t, s, a, b: (t + _SMALL > a) * s * (min(b, t) - a),
        "pulse": lambda t, a, w: 1.0 if a - _SMALL <= t < a + w else 0.0,
        "pulse_train": pulse_train, "delay_order": delay_order, "check_order": check_order,
        "select": lambda k, *a: a[int(k) - 1],
    }


_BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "^": lambda a, b: a ** b, "=": lambda a, b: float(a == b),
    "<>": lambda a, b: float(a != b), "<": lambda a, b: float(a < b),
    "<=": lambda a, b: float(a <= b), ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b), "and": lambda a, b: float(bool(a) and bool(b)),
    "or": lambda a, b: float(bool(a) or bool(b)),
}


def evaluate(node: object, env: dict[str, float], lookups: dict | None = None) -> float:
    """Value of a tree in plain Python floats (the reference semantics of every target).

    ``env`` maps identifiers to values; ``lookups`` maps table identifiers to
    ``(xs, ys, kind)``.  Used at build time to fold constants and fix structural orders.
    """
    functions = _scalar_functions()

    def ev(item):
        if isinstance(item, Num):
            return item.value
        if isinstance(item, Ref):
            return env[item.ident]
        if isinstance(item, Op):
            args = [ev(a) for a in item.args]
            if len(args) == 1:
                return -args[0] if item.op == "neg" else float(not args[0])
            return _BINARY[item.op](*args)
        if isinstance(item, Call):
            return float(functions[item.fn](*[ev(a) for a in item.args]))
        if isinstance(item, Lookup):
            import numpy as np

            xs, ys, kind = (lookups or {})[item.table]
            x = ev(item.arg)
            if kind == "hold_backward":
                return float(ys[max(0, int(np.searchsorted(xs, x, side="right")) - 1)])
            return float(np.interp(x, xs, ys))
        raise TypeError(f"not an expression node: {item!r}")

    with __import__("numpy").errstate(all="ignore"):
        return ev(node)
