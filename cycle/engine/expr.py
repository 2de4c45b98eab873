"""Translate PySD abstract-syntax nodes into NumPy expression strings.

The translation mirrors ``pysd.builders.python.python_expressions_builder``:
operators are joined with the same precedence bookkeeping (so the generated
Python parses into the same operation tree as PySD's own translation) and
functions follow the semantics of ``pysd.py_backend.functions``, rewritten to
work element-wise on arrays of shape ``(n,)``.  Helper functions referred to
by the generated code (``_zidz``, ``_if_then_else`` ...) are defined in
:data:`HELPERS_SOURCE`, which :mod:`cycle.engine.module` pastes into every
generated module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pysd.translators.structures import abstract_expressions as ae

from cycle.errors import CycleError

__all__ = [
    "HELPERS_SOURCE",
    "TIME",
    "TIME_STEP",
    "Code",
    "ExprTranslator",
    "UnsupportedConstruct",
]

#: Identifier of the current model time (model time unit) in generated code.
TIME = "_time"
#: Identifier of the integration time step (model time unit) in generated code.
TIME_STEP = "_dt"


class UnsupportedConstruct(CycleError):
    """A Vensim construct the batch engine cannot translate.

    Parameters
    ----------
    construct : str
        The Vensim construct, e.g. ``"DELAY FIXED"`` or ``"subscripts"``.
    variable : str
        The Vensim name of the variable that uses it.
    """

    def __init__(self, construct: str, variable: str) -> None:
        self.construct = construct
        self.variable = variable
        super().__init__(
            f"unsupported construct {construct} in variable '{variable}' "
            "(the batch engine cannot translate it; run this model with PySD)"
        )


@dataclass
class Code:
    """A translated expression.

    Attributes
    ----------
    text : str
        Python source of the expression.
    order : int
        PySD's operator order of the outermost operation (0: atom or call,
        1: ``**`` or unary minus, 2: ``*`` ``/``, 3: ``+`` ``-``,
        4: comparison); decides where parentheses are needed.
    """

    text: str
    order: int = 0

    def lower(self, new_order: int) -> Code:
        """Parenthesise like PySD's ``BuildAST.lower_order``."""
        if self.order >= new_order and self.order != 0 and new_order != 0:
            return Code(f"({self.text})", 0)
        return self


# operator -> (template, order), as in PySD's OperationBuilder
_OPERATORS: dict[str, tuple[str, int]] = {
    "^": ("%(left)s**%(right)s", 1),
    "*": ("%(left)s*%(right)s", 2),
    "/": ("%(left)s/%(right)s", 2),
    "+": ("%(left)s + %(right)s", 3),
    "-": ("%(left)s - %(right)s", 3),
    "=": ("%(left)s == %(right)s", 4),
    "<>": ("%(left)s != %(right)s", 4),
    ">=": ("%(left)s >= %(right)s", 4),
    ">": ("%(left)s > %(right)s", 4),
    "<=": ("%(left)s <= %(right)s", 4),
    "<": ("%(left)s < %(right)s", 4),
    ":NOT:": ("np.logical_not(%s)", 0),
    ":AND:": ("np.logical_and(%(left)s, %(right)s)", 0),
    ":OR:": ("np.logical_or(%(left)s, %(right)s)", 0),
    "negative": ("-%s", 3),
}

@contextlib.contextmanager
def power_as_call():
    """Within this block ``a^b`` is emitted as ``_pow(a, b)`` (parenthesised as ``**``), for
    the compiled loop, whose ``_pow`` takes NumPy's fast paths for exponents 0, 0.5, 1, 2, -1."""
    saved = _OPERATORS["^"]
    _OPERATORS["^"] = ("_pow(%(left)s, %(right)s)", 1)
    try:
        yield
    finally:
        _OPERATORS["^"] = saved


# Vensim function (PySD's functionspace key) -> NumPy template
_FUNCTIONS: dict[str, str] = {
    "pi": "np.pi",
    "abs": "np.abs(%(0)s)",
    "power": "np.power(%(0)s,%(1)s)",
    "min": "np.minimum(%(0)s, %(1)s)",
    "max": "np.maximum(%(0)s, %(1)s)",
    "exp": "np.exp(%(0)s)",
    "sin": "np.sin(%(0)s)",
    "cos": "np.cos(%(0)s)",
    "tan": "np.tan(%(0)s)",
    "arcsin": "np.arcsin(%(0)s)",
    "arccos": "np.arccos(%(0)s)",
    "arctan": "np.arctan(%(0)s)",
    "sinh": "np.sinh(%(0)s)",
    "cosh": "np.cosh(%(0)s)",
    "tanh": "np.tanh(%(0)s)",
    "sqrt": "np.sqrt(%(0)s)",
    "ln": "np.log(%(0)s)",
    "log": "(np.log(%(0)s)/np.log(%(1)s))",
    "if_then_else": "_if_then_else(%(0)s, %(1)s, %(2)s)",
    "integer": "_integer(%(0)s)",
    "quantum": "_quantum(%(0)s, %(1)s)",
    "modulo": "_modulo(%(0)s, %(1)s)",
    "xidz": "_xidz(%(0)s, %(1)s, %(2)s)",
    "zidz": "_zidz(%(0)s, %(1)s)",
    "step": f"_step({TIME}, {TIME_STEP}, %(0)s, %(1)s)",
    "ramp": f"_ramp({TIME}, %(0)s, %(1)s, %(2)s)",
    "pulse": f"_pulse({TIME}, %(0)s, %(1)s)",
    "pulse_train": f"_pulse_train({TIME}, %(0)s, %(1)s, %(2)s, %(3)s)",
}
_TIME_FUNCTIONS = frozenset({"step", "ramp", "pulse", "pulse_train"})

# Vensim spelling of the stateful structures, for error messages
_STRUCTURE_NAMES: dict[type, str] = {
    ae.GetConstantsStructure: "GET XLS/DIRECT CONSTANTS",
    ae.GetDataStructure: "GET XLS/DIRECT DATA",
    ae.GetLookupsStructure: "GET XLS/DIRECT LOOKUPS",
    ae.DataStructure: "data variable",
    ae.AllocateAvailableStructure: "ALLOCATE AVAILABLE",
    ae.AllocateByPriorityStructure: "ALLOCATE BY PRIORITY",
    ae.SubscriptsReferenceStructure: "subscripts",
    ae.LookupsStructure: "lookup table outside a lookup definition",
}

#: Runtime helpers used by the generated code (NumPy versions of
#: ``pysd.py_backend.functions``).  Pasted verbatim into every module.
HELPERS_SOURCE = '''
_SMALL = 1e-6  # what Vensim (and PySD) treat as zero


def _if_then_else(condition, if_true, if_false):
    """IF THEN ELSE; both branches are already evaluated."""
    if np.ndim(condition) == 0:
        return if_true if condition else if_false
    if condition.all():  # as PySD does for arrays; np.where is slow
        return if_true
    if not condition.any():
        return if_false
    return np.where(condition, if_true, if_false)


def _zidz(numerator, denominator):
    """ZIDZ: numerator/denominator, 0 where |denominator| < 1e-6."""
    if np.ndim(denominator) == 0:
        return 0.0 if abs(denominator) < _SMALL else numerator / denominator
    out = numerator / denominator  # a new array: the denominator is one
    small = np.abs(denominator) < _SMALL
    if small.any():
        out[np.broadcast_to(small, out.shape)] = 0.0
    return out


def _xidz(numerator, denominator, x):
    """XIDZ: numerator/denominator, x where |denominator| < 1e-6."""
    if np.ndim(denominator) == 0:
        return x if abs(denominator) < _SMALL else numerator / denominator
    out = numerator / denominator  # a new array: the denominator is one
    small = np.abs(denominator) < _SMALL
    if small.any():
        out = np.where(small, x, out)
    return out


def _integer(x):
    """INTEGER: truncation towards zero."""
    return np.trunc(x)


def _quantum(a, b):
    """QUANTUM: b*INTEGER(a/b), a where b < 1e-6."""
    return np.where(b < _SMALL, a, b * np.trunc(a / b))


def _modulo(x, m):
    """MODULO as in PySD: x - QUANTUM(x, m)."""
    return x - _quantum(x, m)


def _step(time, dt, value, tstep):
    """STEP(value, tstep)."""
    return value * (time + dt / 2 > tstep)


def _ramp(time, slope, start, finish):
    """RAMP(slope, start, finish)."""
    return (time + _SMALL > start) * slope * (np.minimum(finish, time) - start)


def _pulse(time, start, width):
    """PULSE(start, width)."""
    return np.where((start - _SMALL <= time) & (time < start + width), 1.0, 0.0)


def _pulse_train(time, start, repeat_time, width, end):
    """PULSE TRAIN(start, width, repeat time, end) (arguments in PySD order)."""
    single = (start - _SMALL <= time) & (time < start + width)
    repeated = (start <= time) & (time < end) & (
        np.mod(time - start + _SMALL, repeat_time) < width)
    return np.where(np.equal(repeat_time, 0), single, repeated) * 1.0


def _lookup(x, xs, ys, kind):
    """Graphical function: linear (flat beyond the ends), hold_backward or extrapolate."""
    if kind == "hold_backward":
        index = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, len(xs) - 1)
        return ys[index]
    out = np.interp(x, xs, ys)
    if kind == "extrapolate" and len(xs) > 1:
        low = ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0])
        high = ys[-1] + (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]) * (x - xs[-1])
        out = np.where(x < xs[0], low, np.where(x > xs[-1], high, out))
    return out


def _delay_init(initial, delay_time, dt, order, variable):
    """Initial content of each stage of a DELAY1/DELAY3/DELAY N (initial*delay time)."""
    if order * dt > np.min(delay_time):
        raise ValueError(
            f"'{variable}': delay time shorter than order*TIME STEP; PySD would lower the "
            "delay order, which the batch engine does not do")
    return initial * delay_time


def _scalar(value, what):
    """A value that must be the same for every run (time settings, delay orders)."""
    array = np.asarray(value, dtype=float)
    if array.ndim and array.size and not np.all(array == array.flat[0]):
        raise ValueError(f"{what} must be the same for every run in a batch")
    return float(array.flat[0]) if array.ndim else float(array)
'''


@dataclass
class ExprTranslator:
    """Translate one variable's AST nodes into NumPy expression strings.

    Parameters
    ----------
    variable : str
        Vensim name of the variable being translated (for error messages).
    resolve : callable
        Maps a PySD reference (lower case, spaces as underscores) to the
        Python identifier holding its value; raises ``KeyError`` if unknown.
    lookups : mapping
        PySD reference of each lookup (graphical function) -> identifier of
        the ``(xs, ys, kind)`` tuple in the generated module.
    stateful : callable
        Called with a stateful node (INTEG, SMOOTH, DELAY, INITIAL ...) found
        inside an expression; returns the identifier holding its value.
    inline_lookup : callable
        Called with a ``LookupsStructure`` of a ``WITH LOOKUP``; returns the
        identifier of its ``(xs, ys, kind)`` tuple.

    Attributes
    ----------
    refs : set of str
        Identifiers the translated expressions read (including ``_time``).
    """

    variable: str
    resolve: Callable[[str], str]
    lookups: Mapping[str, str]
    stateful: Callable[[ae.AbstractSyntax], str]
    inline_lookup: Callable[[ae.LookupsStructure], str]
    refs: set[str] = field(default_factory=set)

    def __call__(self, node: object) -> str:
        """Return the Python source of ``node``."""
        return self.visit(node).text

    def visit(self, node: object) -> Code:
        """Translate ``node`` into a :class:`Code`."""
        if isinstance(node, bool):
            return Code(repr(float(node)))
        if isinstance(node, (int, float)):
            value = float(node)
            return Code("np.nan" if value != value else repr(value))
        if isinstance(node, ae.ReferenceStructure):
            return self._reference(node)
        if isinstance(node, (ae.ArithmeticStructure, ae.LogicStructure)):
            return self._operation(node)
        if isinstance(node, ae.CallStructure):
            return self._call(node)
        if isinstance(node, ae.GameStructure):
            return self.visit(node.expression)
        if isinstance(node, ae.InlineLookupsStructure):
            table = self.inline_lookup(node.lookups)
            self.refs.add(table)
            return Code(f"_lookup({self.visit(node.argument).text}, *{table})")
        if isinstance(node, (ae.IntegStructure, ae.InitialStructure, ae.SmoothStructure,
                             ae.SmoothNStructure, ae.DelayStructure, ae.DelayNStructure,
                             ae.DelayFixedStructure, ae.TrendStructure, ae.ForecastStructure,
                             ae.SampleIfTrueStructure)):
            ident = self.stateful(node)
            self.refs.add(ident)
            return Code(ident)
        name = _STRUCTURE_NAMES.get(type(node), type(node).__name__)
        raise UnsupportedConstruct(name, self.variable)

    def _reference(self, node: ae.ReferenceStructure) -> Code:
        if node.subscripts is not None:
            raise UnsupportedConstruct("subscripts", self.variable)
        if node.reference in self.lookups:
            raise UnsupportedConstruct(
                f"lookup '{node.reference}' used without an argument", self.variable)
        try:
            ident = self.resolve(node.reference)
        except KeyError:
            raise UnsupportedConstruct(
                f"reference to undefined variable '{node.reference}'", self.variable
            ) from None
        self.refs.add(ident)
        return Code(ident)

    def _operation(self, node: ae.ArithmeticStructure | ae.LogicStructure) -> Code:
        operators = list(node.operators)
        arguments = [self.visit(argument) for argument in node.arguments]
        order = _OPERATORS[operators[-1]][1]
        if operators[-1] == "^":
            arguments[-1] = arguments[-1].lower(2)
        else:
            arguments[-1] = arguments[-1].lower(order)
        if len(arguments) == 1:
            template = _OPERATORS[operators[0]][0]
            return Code(template % arguments[0].text, 1 if operators[0] == "negative" else order)
        right = arguments.pop().text
        while arguments or operators:
            template = _OPERATORS[operators.pop()][0]
            left = arguments.pop().lower(order).text
            right = template % {"left": left, "right": right}
        return Code(right, order)

    def _call(self, node: ae.CallStructure) -> Code:
        function = node.function.reference
        arguments = [self.visit(argument).text for argument in node.arguments]
        if function in self.lookups:
            if len(arguments) != 1:
                raise UnsupportedConstruct(
                    f"lookup '{function}' called with {len(arguments)} arguments", self.variable)
            self.refs.add(self.lookups[function])
            return Code(f"_lookup({arguments[0]}, *{self.lookups[function]})")
        if function not in _FUNCTIONS:
            raise UnsupportedConstruct(function.upper().replace("_", " "), self.variable)
        if function in _TIME_FUNCTIONS:
            self.refs.add(TIME)
        if function == "step":
            self.refs.add(TIME_STEP)
        values = {str(i): argument for i, argument in enumerate(arguments)}
        return Code(_FUNCTIONS[function] % values if values else _FUNCTIONS[function])
