"""PySD's abstract model -> :class:`~cycle.engine.ir.ModelIR` (target-neutral statements).

Semantics follow PySD's Python builder (``pysd.builders.python``) and its run-time objects
(``pysd.py_backend.functions``/``statefuls``/``lookups``/``data``/``external``):

* every element of a subscripted variable becomes one scalar statement; a reference's
  subscripts are resolved against the element being defined (same range, subrange or
  superrange of it, a mapped range, or a fixed element), ``!`` ranges are iterated by
  SUM/PROD/VMIN/VMAX, and a subscript range used as a value is its 1-based position;
* stateful constructs become states (``ir.State``): INTEG, INITIAL, SMOOTH/SMOOTH3/SMOOTH N,
  DELAY1/DELAY3/DELAY N (order lowered at initialisation while order*TIME STEP > delay time,
  as PySD does), DELAY FIXED (a pipe of round(delay time/TIME STEP) steps), TREND, FORECAST,
  SAMPLE IF TRUE; ACTIVE INITIAL gives a statement with an initialisation value;
* GET XLS/DIRECT CONSTANTS, DATA and LOOKUPS are read here, once, with PySD's own readers.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from pysd.translators.structures import abstract_expressions as ae
from pysd.translators.structures import abstract_model as am

from cycle.engine.ir import ModelIR, State, Statement
from cycle.engine.tree import (
    TIME,
    TIME_STEP,
    Call,
    Lookup,
    Num,
    Op,
    Ref,
    UnsupportedConstruct,
    evaluate,
    refs,
)

__all__ = ["build_ir", "clean_name"]

_OPS = {"^": "^", "*": "*", "/": "/", "+": "+", "-": "-", "=": "=", "<>": "<>", ">=": ">=",
        ">": ">", "<=": "<=", "<": "<", ":AND:": "and", ":OR:": "or"}
_PREC = {"^": 1, "*": 2, "/": 2, "+": 3, "-": 3, "=": 4, "<>": 4, ">=": 4, ">": 4, "<=": 4,
         "<": 4, ":AND:": 5, ":OR:": 6}

_SIMPLE = {"abs", "min", "max", "exp", "ln", "log", "sqrt", "power", "sin", "cos", "tan",
           "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "if_then_else", "zidz", "xidz",
           "integer", "quantum", "modulo"}
_TIMED = {"step", "ramp", "pulse", "pulse_train"}
_AGGREGATE = {"sum": "+", "prod": "*", "vmin": "min", "vmax": "max"}

_STRUCTURE_NAMES: dict[type, str] = {
    ae.AllocateAvailableStructure: "ALLOCATE AVAILABLE",
    ae.AllocateByPriorityStructure: "ALLOCATE BY PRIORITY",
    ae.LookupsStructure: "lookup table outside a lookup definition",
}


def clean_name(name: str) -> str:
    """Key PySD uses for references: lower case, spaces as underscores."""
    return name.lower().replace(" ", "_")


def _format_limits(limits: tuple | None) -> str:
    if not limits or all(value is None for value in limits):
        return ""
    return " [" + ",".join("?" if value is None else f"{value:g}" for value in limits) + "]"


def _balanced(items: list, combine) -> object:
    """Combine many terms pairwise (depth log2(n), so huge sums render without deep
    recursion)."""
    while len(items) > 1:
        items = [combine(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
                 for i in range(0, len(items), 2)]
    return items[0]


class _Namer:
    """Unique, readable identifiers (valid in Python and JavaScript)."""

    def __init__(self) -> None:
        self.used: set[str] = {TIME, TIME_STEP}

    def __call__(self, name: str, prefix: str) -> str:
        base = re.sub(r"[^0-9a-zA-Z_]", "", re.sub(r"[\s_,\[\]]+", "_", name.lower())).strip("_")
        base = f"{prefix}_{base}" if base else prefix
        ident, i = base, 1
        while ident in self.used:
            ident, i = f"{base}_{i}", i + 1
        self.used.add(ident)
        return ident


class _Subscripts:
    """Subscript ranges of a model: elements, subranges, mappings."""

    def __init__(self, ranges: list[am.AbstractSubscriptRange], root: Path) -> None:
        self.ranges: dict[str, list[str]] = {}
        self.mapping: dict[str, list[str]] = {}
        pending = []
        for sub in ranges:
            self.mapping[sub.name] = list(sub.mapping or [])
            if isinstance(sub.subscripts, list):
                self.ranges[sub.name] = list(sub.subscripts)
            elif isinstance(sub.subscripts, str):  # copy: A <-> B
                self.mapping[sub.name].append(sub.subscripts)
                pending.append(sub)
            else:
                from pysd.py_backend.external import ExtSubscript

                spec = sub.subscripts
                self.ranges[sub.name] = list(ExtSubscript(
                    file_name=spec["file"], tab=spec["tab"], firstcell=spec["firstcell"],
                    lastcell=spec["lastcell"], prefix=spec["prefix"], root=root).subscript)
        for sub in pending:
            self.ranges[sub.name] = list(self.ranges[sub.subscripts])
        changed = True
        while changed:  # ranges defined with subrange names
            changed = False
            for name, elements in self.ranges.items():
                if any(e in self.ranges for e in elements):
                    flat: list[str] = []
                    for e in elements:
                        flat += self.ranges[e] if e in self.ranges else [e]
                    self.ranges[name] = flat
                    changed = True
        self.all_elements = {e for elements in self.ranges.values() for e in elements}

    def range_of(self, element: str, avoid: set[str]) -> str:
        for name, elements in self.ranges.items():
            if element in elements and name not in avoid:
                return name
        return next(name for name, elements in self.ranges.items() if element in elements)

    def position(self, element: str) -> int:
        """1-based position of an element in its main (largest) range."""
        main = max((elements for elements in self.ranges.values() if element in elements),
                   key=len)
        return main.index(element) + 1

    def expand(self, sub: str) -> list[str]:
        """Elements a subscript of a left-hand side stands for."""
        if sub in self.ranges:
            return self.ranges[sub]
        if sub in self.all_elements:
            return [sub]
        raise KeyError(sub)

    def final_dim(self, used: list[str], named: list[str]) -> str:
        """The range a variable's position is labelled with (PySD's merged subscripts)."""
        want = set(used)
        candidates = [n for n, elements in self.ranges.items() if want <= set(elements)]
        for name in named:
            if name in candidates and set(self.ranges[name]) == want:
                return name
        full = [n for n in candidates if set(self.ranges[n]) == want]
        if full:
            return full[0]
        return min(candidates, key=lambda n: len(self.ranges[n]))


class _Context:
    """Translation of one element of one variable."""

    def __init__(self, element: am.AbstractElement, label: str, binding: dict[str, str],
                 comment: tuple[str, ...], component: am.AbstractComponent | None = None,
                 combos: Sequence[tuple[str, ...]] = ()) -> None:
        self.element = element
        self.label = label
        self.binding = binding
        self.comment = comment
        self.component = component
        self.combos = combos
        """Subscript combinations of every element the same equation (`component`) defines,
        this one included."""


class _Builder:
    def __init__(self, section: am.AbstractSection, equations: Mapping[str, str],
                 root: Path) -> None:
        self.section = section
        self.equations = equations
        self.root = root
        self.ir = ModelIR()
        self.namer = _Namer()
        self.subs = _Subscripts(section.subscripts, root)
        self.var_dims: dict[str, list[str]] = {}       # clean name -> final dims
        self.var_names: dict[str, str] = {}            # clean name -> Vensim name
        self.lookup_tables: dict[str, str] = {}         # element label -> table ident
        self.is_lookup: set[str] = set()               # clean names of lookups
        self.element_refs: dict[str, str] = {}         # element label -> ident
        self._init_aux: set[str] = set()               # hidden ACTIVE INITIAL statements
        self._shortest: dict[int, object] = {}         # delay-time node -> min over elements
        self.undefined: list[str] = []                 # elements no equation defines
        self.macros: dict[str, am.AbstractSection] = {}
        self.args: dict[str, object] = {}               # macro parameters -> argument trees

    # -- driver -----------------------------------------------------------
    def build(self) -> ModelIR:
        elements = list(self.section.elements)
        plans = []
        for element in elements:
            plans.append(self._declare(element))
        # literal constants first: delay and smooth orders may read them before their line
        literal = [isinstance(c.ast, (int, float, np.number, np.ndarray))
                   and not isinstance(c, am.AbstractLookup)
                   for c in (e.components[0] for e in elements)]
        for first in (True, False):
            for element, components, lit in zip(elements, plans, literal, strict=True):
                if lit != first:
                    continue
                for component, combos in components:
                    for combo in combos:
                        if not isinstance(component, am.AbstractLookup):
                            self._element(element, component, combo, combos)
        for label in self.undefined:
            if label in self.ir.idents:
                self.ir.constants[label] = float("nan")
        self._control_defaults()
        return self.ir

    def _label(self, name: str, combo: tuple[str, ...]) -> str:
        return f"{name}[{','.join(combo)}]" if combo else name

    def _combos(self, element: am.AbstractElement, component: am.AbstractComponent
                ) -> list[tuple[str, ...]]:
        subs, excepts = component.subscripts
        try:
            lists = [self.subs.expand(s) for s in subs]
        except KeyError as err:
            raise UnsupportedConstruct(f"unknown subscript {err.args[0]}", element.name) from None
        combos = list(itertools.product(*lists))
        for exc in excepts or []:
            sets = [set(self.subs.expand(s)) for s in exc]
            combos = [c for c in combos if not all(e in s for e, s in zip(c, sets, strict=False))]
        return combos

    def _declare(self, element: am.AbstractElement) -> list:
        """Dimensions, element labels and identifiers of one variable."""
        ref = clean_name(element.name)
        self.var_names[ref] = element.name
        components = []
        for component in element.components:
            if isinstance(component, am.AbstractData) and not isinstance(
                    component.ast, ae.GetDataStructure):
                raise UnsupportedConstruct("data variable without GET XLS/DIRECT DATA",
                                           element.name)
            components.append((component, self._combos(element, component)))
        width = {len(c.subscripts[0]) for c, _ in components}
        if len(width) != 1:
            raise UnsupportedConstruct("components with different numbers of subscripts",
                                       element.name)
        ndim = width.pop()
        dims = []
        for pos in range(ndim):
            used = list(dict.fromkeys(combo[pos] for _, combos in components
                                      for combo in combos))
            named = [c.subscripts[0][pos] for c, _ in components
                     if c.subscripts[0][pos] in self.subs.ranges]
            dims.append(self.subs.final_dim(used, named))
        self.var_dims[ref] = dims
        defined = {combo for _, combos in components for combo in combos}
        # PySD reports the elements of a single definition's subscripts, or the whole range
        # when definitions are merged (or read with GET), NaN where none defines an element
        external = any(isinstance(c.ast, (ae.GetConstantsStructure, ae.GetDataStructure))
                       for c, _ in components)
        axes = []
        for pos, dim in enumerate(dims):
            used = {combo[pos] for combo in defined}
            whole = external or len(components) > 1  # PySD merges into the whole range
            axes.append([e for e in self.subs.ranges[dim] if whole or e in used])
        order = list(itertools.product(*axes))
        self.undefined += [self._label(element.name, c) for c in order if c not in defined]
        labels = [self._label(element.name, combo) for combo in order]
        if dims:
            self.ir.dims[element.name] = (list(dims), dict(zip(dims, axes, strict=True)))
        if isinstance(element.components[0], am.AbstractLookup):
            self.is_lookup.add(ref)
            for component, combos in components:
                for combo in combos:
                    label = self._label(element.name, combo)
                    self.lookup_tables[label] = self._table(component.ast, element.name, combo,
                                                            component)
            return components
        if not isinstance(element, am.AbstractControlElement):
            self.ir.elements[element.name] = labels
        self.ir.units[element.name] = element.units or ""
        self.ir.limits[element.name] = tuple(element.limits) if element.limits else (None, None)
        self.ir.docs[element.name] = (element.documentation or "").strip()
        for label in labels:
            ident = self.namer(label, "v")
            self.element_refs[label] = ident
            self.ir.idents[label] = ident
        return components

    # -- lookups and external data -----------------------------------------
    def _table(self, table: object, name: str, combo: tuple[str, ...],
               component: am.AbstractComponent | None = None, inline: bool = False) -> str:
        if isinstance(table, ae.GetLookupsStructure):
            xs, ys = self._external_series(table, name, combo, component, "lookup")
            kind = "interpolate"
        elif isinstance(table, ae.LookupsStructure):
            xs = tuple(float(x) for x in table.x)
            ys = tuple(float(y) for y in table.y)
            kind = "interpolate" if inline else table.type
        else:
            raise UnsupportedConstruct(type(table).__name__, name)
        if kind not in ("interpolate", "hold_backward", "extrapolate", "look_forward"):
            raise UnsupportedConstruct(f"lookup interpolation '{kind}'", name)
        if kind == "look_forward":
            kind = "interpolate"  # PySD's Lookups interpolate unless extrapolate/hold_backward
        if len(set(xs)) != len(xs) or list(xs) != sorted(xs):
            raise UnsupportedConstruct("lookup with repeated or unsorted x values", name)
        key = (xs, ys, kind)
        for ident, value in self.ir.lookups.items():
            if value == key:
                return ident
        ident = self.namer(self._label(name, combo), "_LK")
        self.ir.lookups[ident] = key
        return ident

    def _external(self, node: object, name: str, combo: tuple[str, ...],
                  component: am.AbstractComponent, kind: str):
        """Read GET XLS/DIRECT data with PySD's readers; returns the xarray/float it gives."""
        from pysd.py_backend import external

        subs = component.subscripts[0]
        coords = {}
        for pos, sub in enumerate(subs):
            dim = self.var_dims[clean_name(name)][pos]
            coords[dim] = self.subs.expand(sub)
        final = {d: self.subs.ranges[d] for d in self.var_dims[clean_name(name)]}
        common = {"root": self.root, "coords": coords, "final_coords": final,
                  "py_name": f"_ext_{clean_name(name)}"}
        try:
            if kind == "constant":
                reader = external.ExtConstant(node.file, node.tab, node.cell, **common)
            elif kind == "data":
                reader = external.ExtData(node.file, node.tab, node.time_row_or_col, node.cell,
                                          interp=component.keyword, **common)
            else:
                reader = external.ExtLookup(node.file, node.tab, node.x_row_or_col, node.cell,
                                            **common)
            reader.initialize()
        except Exception as err:  # PySD's reader explains what is missing
            raise UnsupportedConstruct(f"GET XLS/DIRECT ({type(err).__name__}: {err})",
                                       name) from None
        data = reader.data
        if combo and hasattr(data, "loc"):
            data = data.loc[{d: e for d, e in zip(coords, combo, strict=True)}]
        return data

    def _external_series(self, node, name, combo, component, kind):
        data = self._external(node, name, combo, component, kind)
        axis = "time" if kind == "data" else "lookup_dim"
        xs = tuple(float(x) for x in data[axis].values)
        ys = tuple(float(y) for y in np.asarray(data.values, dtype=float).reshape(len(xs)))
        return xs, ys

    # -- elements ---------------------------------------------------------
    def _comment(self, element: am.AbstractElement, label: str) -> tuple[str, ...]:
        equation = self.equations.get(element.name, "")
        units = (element.units or "") + _format_limits(element.limits)
        lines = [f"{label} = {equation}".replace("\n", " ")]
        if units.strip():
            lines.append(f"~ {units.strip()}")
        return tuple(lines)

    def _binding(self, component: am.AbstractComponent, combo: tuple[str, ...]
                 ) -> dict[str, str]:
        binding: dict[str, str] = {}
        subs = component.subscripts[0]
        for sub, element in zip(subs, combo, strict=True):
            if sub in self.subs.ranges:
                binding[sub] = element
        for sub, element in zip(subs, combo, strict=True):
            if sub not in self.subs.ranges:
                binding[self.subs.range_of(element, set(binding) | set(subs))] = element
        return binding

    def _element(self, element: am.AbstractElement, component: am.AbstractComponent,
                 combo: tuple[str, ...], combos: Sequence[tuple[str, ...]] = ()) -> None:
        ir = self.ir
        label = self._label(element.name, combo)
        ident = ir.idents[label]
        comment = self._comment(element, label)
        ir.comments[label] = comment
        ctx = _Context(element, label, self._binding(component, combo), comment, component,
                       combos)
        ast = component.ast
        if isinstance(element, am.AbstractControlElement):
            expr = self.visit(ast, ctx)
            ir.control[clean_name(element.name)] = Statement(ident, expr, element.name, comment)
            return
        if isinstance(ast, ae.GetConstantsStructure):
            value = self._external(ast, element.name, combo, component, "constant")
            ir.constants[label] = float(np.asarray(value, dtype=float).reshape(()))
            return
        if isinstance(ast, ae.GetDataStructure):
            xs, ys = self._external_series(ast, element.name, combo, component, "data")
            kind = {"interpolate": "interpolate", "hold_backward": "hold_backward",
                    "look_forward": "look_forward", "raw": "raw", None: "interpolate"}.get(
                component.keyword)
            if kind is None:
                raise UnsupportedConstruct(f"data keyword {component.keyword}", element.name)
            table = self.namer(label, "_DATA")
            ir.lookups[table] = (xs, ys, kind)
            ir.aux[ident] = Statement(ident, Lookup(table, Ref(TIME)), label, comment)
            ir.variables.append(label)
            return
        if isinstance(ast, ae.IntegStructure):
            init = self.visit(ast.initial, ctx)
            flow = self.visit(ast.flow, ctx)
            ir.states.append(State(
                ident=ident, name=label, construct="INTEG",
                init=Statement(ident, init, label, comment + ("(initial value)",)),
                update=Statement(f"_d_{ident}", flow, None,
                                 comment + ("(rate of change per unit of time)",)),
                mode="non_negative" if ast.non_negative else "euler"))
            ir.stocks.append(label)
            ir.variables.append(label)
            return
        if isinstance(ast, np.ndarray):
            expr = Num(float(self._array_value(ast, component, combo, element.name)))
        else:
            expr = self.visit(ast, ctx)
        if isinstance(expr, Num) and not isinstance(component, am.AbstractUnchangeableConstant):
            ir.constants[label] = expr.value
            return
        if isinstance(expr, Ref) and expr.ident in self._init_aux:  # ACTIVE INITIAL at the top
            hidden = ir.aux.pop(expr.ident)
            ir.aux[ident] = Statement(ident, hidden.expr, label, comment, init=hidden.init)
        elif not refs(expr) - set(ir.lookups):
            ir.constants[label] = evaluate(expr, {}, ir.lookups)
            return
        else:
            ir.aux[ident] = Statement(ident, expr, label, comment)
        ir.variables.append(label)

    def _array_value(self, array: np.ndarray, component, combo, name: str) -> float:
        index, ranged, shape = [], [], []
        for sub, element in zip(component.subscripts[0], combo, strict=True):
            elements = self.subs.expand(sub)
            index.append(elements.index(element))
            if len(elements) > 1:
                ranged.append(elements.index(element))
                shape.append(len(elements))
        if array.ndim != len(index):  # single elements are not axes of the array
            index = ranged
            if array.shape != tuple(shape) and array.size == int(np.prod(shape)):
                array = array.reshape(shape)  # TABBED ARRAY: flat
        try:
            return float(array[tuple(index)])
        except IndexError:
            raise UnsupportedConstruct("array constant of the wrong shape", name) from None

    # -- expressions -------------------------------------------------------
    def visit(self, node: object, ctx: _Context) -> object:
        if isinstance(node, (bool, np.bool_)):
            return Num(float(node))
        if isinstance(node, (int, float, np.number)):
            return Num(float(node))
        if isinstance(node, np.ndarray):
            raise UnsupportedConstruct("array constant inside an expression", ctx.element.name)
        if isinstance(node, ae.ReferenceStructure):
            return self._reference(node, ctx)
        if isinstance(node, (ae.ArithmeticStructure, ae.LogicStructure)):
            return self._operation(node, ctx)
        if isinstance(node, ae.CallStructure):
            return self._call(node, ctx)
        if isinstance(node, ae.GameStructure):
            return self.visit(node.expression, ctx)
        if isinstance(node, ae.InlineLookupsStructure):
            table = self._table(node.lookups, ctx.element.name, (), inline=True)
            return Lookup(table, self.visit(node.argument, ctx))
        if isinstance(node, ae.GetConstantsStructure):
            raise UnsupportedConstruct("GET XLS/DIRECT CONSTANTS inside an expression",
                                       ctx.element.name)
        stateful = self._stateful(node, ctx)
        if stateful is not None:
            return stateful
        name = _STRUCTURE_NAMES.get(type(node), type(node).__name__)
        raise UnsupportedConstruct(name, ctx.element.name)

    def _resolve(self, sub: str, ctx: _Context, name: str) -> str:
        """The element a reference's subscript stands for, for the element being defined."""
        binding = ctx.binding
        if sub.endswith("!"):
            if sub in binding:
                return binding[sub]
            raise UnsupportedConstruct(f"'{sub}' outside SUM/PROD/VMIN/VMAX", name)
        if sub in self.subs.ranges:
            if sub in binding:
                return binding[sub]
            elements = self.subs.ranges[sub]
            for mapped in self.subs.mapping.get(sub, []):  # sub -> mapped: positional
                if mapped in binding and mapped in self.subs.ranges:
                    position = self.subs.ranges[mapped].index(binding[mapped])
                    if position < len(elements):
                        return elements[position]
            for dim, element in binding.items():  # subrange or superrange of a bound range
                if not dim.endswith("!") and element in elements:
                    return element
            raise UnsupportedConstruct(
                f"subscript range '{sub}' that is not on the left-hand side (PySD would "
                "add a dimension)", name)
        if sub in self.subs.all_elements:
            return sub
        raise UnsupportedConstruct(f"unknown subscript '{sub}'", name)

    def _element_label(self, ref: str, subscripts, ctx: _Context) -> str:
        name = self.var_names[ref]
        dims = self.var_dims[ref]
        subs = list(getattr(subscripts, "subscripts", None) or [])
        if not subs:
            subs = list(dims)
        if len(subs) != len(dims):
            raise UnsupportedConstruct(f"reference to '{name}' with {len(subs)} subscripts",
                                       ctx.element.name)
        combo = tuple(self._resolve(s, ctx, ctx.element.name) for s in subs)
        return self._label(name, combo)

    def _reference(self, node: ae.ReferenceStructure, ctx: _Context) -> object:
        ref = node.reference
        if ref == "time":
            return Ref(TIME)
        if ref in self.args and node.subscripts is None:
            return self.args[ref]
        if ref not in self.var_names:
            # a subscript range or element used as a value: its position in the main range
            for range_name in self.subs.ranges:
                if clean_name(range_name) == ref:
                    element = self._resolve(range_name, ctx, ctx.element.name)
                    return Num(float(self.subs.position(element)))
            for element in self.subs.all_elements:
                if clean_name(element) == ref:
                    return Num(float(self.subs.position(element)))
            raise UnsupportedConstruct(f"reference to undefined variable '{ref}'",
                                       ctx.element.name)
        if ref in self.is_lookup:
            raise UnsupportedConstruct(f"lookup '{self.var_names[ref]}' used without an argument",
                                       ctx.element.name)
        label = self._element_label(ref, node.subscripts, ctx)
        if label not in self.element_refs:
            raise UnsupportedConstruct(f"reference to undefined element '{label}'",
                                       ctx.element.name)
        return Ref(self.element_refs[label])

    def _operation(self, node, ctx: _Context) -> object:
        operators = list(node.operators)
        arguments = [self.visit(a, ctx) for a in node.arguments]
        if len(arguments) == 1:
            op = operators[0]
            if op == "negative":
                return Op("neg", (arguments[0],))
            if op == ":NOT:":
                return Op("not", (arguments[0],))
            raise UnsupportedConstruct(f"operator {op}", ctx.element.name)
        # precedence climbing, as Python parses PySD's generated text (** right-associative)
        output: list[object] = [arguments[0]]
        pending: list[str] = []

        def reduce() -> None:
            op = pending.pop()
            right, left = output.pop(), output.pop()
            if op == "^" and isinstance(left, Num) and left.value < 0:
                # PySD prints "-30**x", which Python reads as -(30**x)
                output.append(Op("neg", (Op("^", (Num(-left.value), right)),)))
            else:
                output.append(Op(_OPS[op], (left, right)))

        for op, arg in zip(operators, arguments[1:], strict=True):
            if op not in _OPS:
                raise UnsupportedConstruct(f"operator {op}", ctx.element.name)
            while pending and (_PREC[pending[-1]] < _PREC[op] or (
                    _PREC[pending[-1]] == _PREC[op] and op != "^")):
                reduce()
            pending.append(op)
            output.append(arg)
        while pending:
            reduce()
        return output[0]

    def _aggregate(self, node: ae.CallStructure, ctx: _Context, function: str) -> object:
        if len(node.arguments) != 1:
            raise UnsupportedConstruct(function.upper(), ctx.element.name)
        bangs: list[str] = []

        def find(item):
            if isinstance(item, ae.ReferenceStructure) and item.subscripts is not None:
                bangs.extend(s for s in item.subscripts.subscripts if s.endswith("!"))
            elif hasattr(item, "__dataclass_fields__"):
                for value in vars(item).values():
                    if isinstance(value, (list, tuple)):
                        for v in value:
                            find(v)
                    else:
                        find(value)

        find(node.arguments[0])
        bangs = list(dict.fromkeys(bangs))
        if not bangs:
            raise UnsupportedConstruct(f"{function.upper()} without a '!' range",
                                       ctx.element.name)
        terms = []
        for combo in itertools.product(*(self.subs.ranges[b[:-1]] for b in bangs)):
            saved = ctx.binding
            ctx.binding = {**saved, **dict(zip(bangs, combo, strict=True))}
            try:
                terms.append(self.visit(node.arguments[0], ctx))
            finally:
                ctx.binding = saved
        op = _AGGREGATE[function]
        if op in ("min", "max"):
            return _balanced(terms, lambda a, b: Call(op, (a, b)))
        return _balanced(terms, lambda a, b: Op(op, (a, b)))

    def _call(self, node: ae.CallStructure, ctx: _Context) -> object:
        function = node.function.reference
        if function in self.macros:
            return self._macro(self.macros[function], node, ctx)
        if function in self.is_lookup:
            label = self._element_label(function, node.function.subscripts, ctx)
            if label not in self.lookup_tables or len(node.arguments) != 1:
                raise UnsupportedConstruct(f"lookup call '{label}'", ctx.element.name)
            return Lookup(self.lookup_tables[label], self.visit(node.arguments[0], ctx))
        if function in _AGGREGATE:
            return self._aggregate(node, ctx, function)
        if function == "elmcount":
            arg = node.arguments[0]
            ref = getattr(arg, "reference", arg)
            for range_name, elements in self.subs.ranges.items():
                if clean_name(range_name) == clean_name(str(ref)):
                    return Num(float(len(elements)))
            raise UnsupportedConstruct("ELMCOUNT", ctx.element.name)
        if function == "pi":
            return Num(float(np.pi))
        if function == "active_initial":
            active = self.visit(node.arguments[0], ctx)
            initial = self.visit(node.arguments[1], ctx)
            ident = self.namer(f"{ctx.label} active initial", "h")
            self.ir.aux[ident] = Statement(ident, active, None, ctx.comment + ("(ACTIVE INITIAL)",),
                                           init=initial)
            self._init_aux.add(ident)
            return Ref(ident)
        if function not in _SIMPLE and function not in _TIMED:
            raise UnsupportedConstruct(function.upper().replace("_", " "), ctx.element.name)
        args = tuple(self.visit(a, ctx) for a in node.arguments)
        if function in _SIMPLE:
            return Call(function, args)
        time, dt = Ref(TIME), Ref(TIME_STEP)
        if function == "step" and len(args) == 2:
            return Call("step", (time, dt, *args))
        if function == "ramp" and len(args) == 3:
            return Call("ramp", (time, *args))
        if function == "pulse" and len(args) == 2:
            return Call("pulse", (time, *args))
        if function == "pulse_train" and len(args) == 4:
            return Call("pulse_train", (time, *args))
        raise UnsupportedConstruct(function.upper().replace("_", " "), ctx.element.name)

    def _macro(self, section: am.AbstractSection, node: ae.CallStructure, ctx: _Context
               ) -> object:
        """A macro call: the macro's equations once more for this call (as PySD makes one
        instance per call), its variables hidden, its parameters bound to the arguments."""
        if section.returns or len(node.arguments) != len(section.params):
            raise UnsupportedConstruct(f"macro {section.name} with several outputs or "
                                       "a different number of arguments", ctx.element.name)
        args = {clean_name(param): self._arg(arg, ctx, f"macro {section.name} {param}")
                for param, arg in zip(section.params, node.arguments, strict=True)}
        sub = _MacroBuilder(self, section, args, f"{ctx.label} {section.name}: ")
        sub.build()
        output = sub._label(next(e.name for e in section.elements
                                 if clean_name(e.name) == clean_name(section.name)), ())
        return Ref(sub.element_refs[output])

    # -- stateful constructs ----------------------------------------------
    def _arg(self, node: object, ctx: _Context, label: str) -> object:
        """Translate a stateful argument; non-trivial ones become hidden statements."""
        expr = self.visit(node, ctx)
        if isinstance(expr, (Num, Ref)):
            return expr
        ident = self.namer(f"{ctx.label} {label}", "h")
        self.ir.aux[ident] = Statement(ident, expr, None, ctx.comment + (f"({label})",))
        return Ref(ident)

    def _state(self, ctx: _Context, construct: str, label: str, init: object,
               update: object | None, mode: str = "euler", order: str | None = None) -> Ref:
        ident = self.namer(f"{ctx.label} {label}", "s")
        self.ir.states.append(State(
            ident=ident, name=ctx.label, construct=construct,
            init=Statement(ident, init, None, ctx.comment + (f"({construct} {label}: initial)",)),
            update=None if update is None else Statement(
                f"_d_{ident}", update(Ref(ident)) if callable(update) else update, None,
                ctx.comment + (f"({construct} {label}: update)",)),
            mode=mode, order=order))
        return Ref(ident)

    def _hidden(self, ctx: _Context, label: str, expr: object) -> Ref:
        ident = self.namer(f"{ctx.label} {label}", "h")
        self.ir.aux[ident] = Statement(ident, expr, None, ctx.comment + (f"({label})",))
        return Ref(ident)

    def _planned_order(self, expr: object, ctx: _Context, construct: str) -> float:
        """The order at the default parameters and INITIAL TIME: the number of stages to
        plan (PySD fixes the order at initialisation)."""
        env: dict[str, float] = {}
        for ident, key in ((TIME, "initial_time"), (TIME_STEP, "time_step")):
            try:
                env[ident] = evaluate(self.ir.control[key].expr, {
                    self.ir.idents[k]: v for k, v in self.ir.constants.items()})
            except (KeyError, TypeError):
                pass
        known = {ident: stmt for ident, stmt in self.ir.aux.items()}

        def value(node):
            for ident in refs(node):
                if ident in env or ident in self.ir.lookups:
                    continue
                label = next((k for k, v in self.ir.idents.items() if v == ident), None)
                if label in self.ir.constants:
                    env[ident] = self.ir.constants[label]
                elif ident in known:
                    env[ident] = value(known[ident].init_expr)
                else:
                    raise UnsupportedConstruct(
                        f"{construct} with an order that depends on the model's state",
                        ctx.element.name)
            return evaluate(node, env, self.ir.lookups)

        try:
            return value(expr)
        except RecursionError:
            raise UnsupportedConstruct(f"{construct} order", ctx.element.name) from None

    def _stateful(self, node: object, ctx: _Context) -> object | None:
        arg = self._arg
        if isinstance(node, ae.IntegStructure):
            initial, flow = arg(node.initial, ctx, "integ initial"), arg(node.flow, ctx, "integ flow")
            return self._state(ctx, "INTEG", "integ", initial, flow,
                               "non_negative" if node.non_negative else "euler")
        if isinstance(node, ae.InitialStructure):
            return self._state(ctx, "INITIAL", "initial", arg(node.initial, ctx, "initial"), None)
        if isinstance(node, (ae.SmoothStructure, ae.SmoothNStructure)):
            return self._smooth(node, ctx)
        if isinstance(node, (ae.DelayStructure, ae.DelayNStructure)):
            return self._delay(node, ctx)
        if isinstance(node, ae.DelayFixedStructure):
            inp = arg(node.input, ctx, "delay fixed input")
            dtime = arg(node.delay_time, ctx, "delay fixed time")
            initial = arg(node.initial, ctx, "delay fixed initial")
            order = self._state(ctx, "DELAY FIXED", "pipe length",
                                Call("delay_order", (Num(0.0), Ref(TIME_STEP), dtime, Num(1.0))),
                                None)
            return self._state(ctx, "DELAY FIXED", "delay fixed", initial, inp, "ring",
                               order.ident)
        if isinstance(node, ae.TrendStructure):
            inp = arg(node.input, ctx, "trend input")
            avg = arg(node.average_time, ctx, "trend average time")
            trend0 = arg(node.initial_trend, ctx, "trend initial")
            state = self._state(ctx, "TREND", "trend",
                                Op("/", (inp, Op("+", (Num(1.0), Op("*", (trend0, avg)))))),
                                lambda s: Op("/", (Op("-", (inp, s)), avg)))
            return self._hidden(ctx, "TREND output", Call("zidz", (
                Op("-", (inp, state)), Op("*", (avg, Call("abs", (state,)))))))
        if isinstance(node, ae.ForecastStructure):
            inp = arg(node.input, ctx, "forecast input")
            avg = arg(node.average_time, ctx, "forecast average time")
            hor = arg(node.horizon, ctx, "forecast horizon")
            trend0 = arg(node.initial_trend, ctx, "forecast initial trend")
            state = self._state(ctx, "FORECAST", "forecast",
                                Op("/", (inp, Op("+", (Num(1.0), trend0)))),
                                lambda s: Op("/", (Op("-", (inp, s)), avg)))
            return self._hidden(ctx, "FORECAST output", Op("*", (inp, Op("+", (Num(1.0), Op("*", (
                Call("zidz", (Op("-", (inp, state)), Op("*", (avg, state)))), hor)))))))
        if isinstance(node, ae.SampleIfTrueStructure):
            cond = arg(node.condition, ctx, "sample condition")
            inp = arg(node.input, ctx, "sample input")
            initial = arg(node.initial, ctx, "sample initial")
            state = self._state(ctx, "SAMPLE IF TRUE", "sample", initial,
                                lambda s: Call("if_then_else", (cond, inp, s)), "discrete")
            return self._hidden(ctx, "SAMPLE IF TRUE output",
                                Call("if_then_else", (cond, inp, state)))
        return None

    def _order_state(self, ctx: _Context, construct: str, order_node: object,
                     dtime: object | None) -> tuple[int, object]:
        """(planned number of stages, tree of the order fixed at initialisation)."""
        order = self.visit(order_node, ctx) if not isinstance(order_node, (int, float)) else Num(
            float(order_node))
        is_delay = dtime is not None
        planned = self._planned_order(order, ctx, construct)
        if is_delay:
            planned = float(int(planned))
        if planned != int(planned) or planned < 1:
            raise UnsupportedConstruct(f"{construct} with order {planned:g}", ctx.element.name)
        top = int(planned)
        if isinstance(order, Num) and not is_delay:
            return top, order
        if is_delay:
            fixed = Call("delay_order", (order, Ref(TIME_STEP), dtime, Num(0.0)))
        else:
            fixed = order
        state = self._state(ctx, construct, "order", Call("check_order", (fixed, Num(float(top)))),
                            None)
        return top, state

    def _shortest_delay(self, node: object, ctx: _Context, dtime: object) -> object:
        """The delay time that lowers a delay's order: the smallest over every element the
        equation defines, as PySD's one Delay object for them compares ``np.min`` of its
        delay times with order x TIME STEP; this element's own where that time is itself
        stateful.  One hidden statement per equation, which each of its elements reads."""
        if len(ctx.combos) < 2:
            return dtime
        key = id(node)  # the equation's delay-time subtree, shared by its elements
        if key not in self._shortest:
            smallest = self._smallest_of(node, ctx)
            self._shortest[key] = (None if smallest is None else  # one statement, read by all
                                   self._hidden(ctx, "shortest delay time", smallest))
        return self._shortest[key] or dtime

    def _smallest_of(self, node: object, ctx: _Context) -> object | None:
        """``min`` of `node` over the elements of ``ctx.combos``, as a balanced tree (depth
        log2 of the elements: a chain would nest a thousand elements a thousand deep); None
        if visiting `node` builds states or hidden statements (which are taken back: they
        would be built twice)."""
        times = []
        for combo in ctx.combos:
            binding = self._binding(ctx.component, combo)
            marks = (len(self.ir.states), len(self.ir.aux), len(self.ir.lookups))
            times.append(self.visit(node, _Context(ctx.element, ctx.label, binding, ctx.comment)))
            if (len(self.ir.states), len(self.ir.aux), len(self.ir.lookups)) != marks:
                del self.ir.states[marks[0]:]
                for table, mark in ((self.ir.aux, marks[1]), (self.ir.lookups, marks[2])):
                    for added in list(table)[mark:]:
                        del table[added]
                return None
        while len(times) > 1:
            times = [Call("min", tuple(times[i:i + 2])) if i + 1 < len(times) else times[i]
                     for i in range(0, len(times), 2)]
        return times[0]

    def _smooth(self, node, ctx: _Context) -> object:
        construct = "SMOOTH N" if isinstance(node, ae.SmoothNStructure) else (
            "SMOOTH" if node.order == 1 else f"SMOOTH{node.order:g}")
        inp = self._arg(node.input, ctx, "smooth input")
        stime = self._arg(node.smooth_time, ctx, "smooth time")
        initial = self._arg(node.initial, ctx, "smooth initial")
        top, order = self._order_state(ctx, construct, node.order, None)
        stages: list[Ref] = []
        for stage in range(top):
            target = inp if stage == 0 else stages[-1]
            stages.append(self._state(
                ctx, construct, f"stage {stage + 1}", initial,
                lambda s, target=target: Op("/", (Op("*", (Op("-", (target, s)), order)), stime))))
        if isinstance(order, Num):
            return stages[-1]
        return self._hidden(ctx, f"{construct} output", Call("select", (order, *stages)))

    def _delay(self, node, ctx: _Context) -> object:
        is_n = isinstance(node, ae.DelayNStructure)
        construct = "DELAY N" if is_n else f"DELAY{node.order:g}"
        inp = self._arg(node.input, ctx, "delay input")
        dtime = self._arg(node.delay_time, ctx, "delay time")
        initial = self._arg(node.initial, ctx, "delay initial")
        top, order = self._order_state(ctx, construct, node.order,
                                       self._shortest_delay(node.delay_time, ctx, dtime))
        content = Op("*", (initial, dtime))
        stages: list[Ref] = []
        times: list[Ref] = []
        if is_n:  # PySD's DelayN: each stage keeps the delay time it entered with
            for stage in range(top):
                previous = dtime if stage == 0 else times[-1]
                times.append(self._state(ctx, construct, f"time {stage + 1}", dtime, previous,
                                         "discrete"))
        for stage in range(top):
            def rate(s, stage=stage):
                now = dtime if (stage == 0 or not is_n) else times[stage - 1]
                if stage == 0:
                    inflow = inp
                else:
                    before = dtime if (stage == 1 or not is_n) else times[stage - 2]
                    inflow = Op("/", (stages[stage - 1], before))
                return Op("*", (Op("-", (inflow, Op("/", (s, now)))), order))
            stages.append(self._state(ctx, construct, f"stage {stage + 1}", content, rate))
        last = Call("select", (order, *stages))
        return self._hidden(ctx, f"{construct} output",
                            Op("/", (last, times[0] if is_n else dtime)))

    # -- control ----------------------------------------------------------
    def _control_defaults(self) -> None:
        control = self.ir.control
        for key in ("initial_time", "final_time", "time_step"):
            if key not in control:
                raise UnsupportedConstruct(f"missing control variable {key.upper()}",
                                           key.upper().replace("_", " "))
        if "saveper" not in control:
            ident = self.namer("saveper", "v")
            control["saveper"] = Statement(ident, Ref(control["time_step"].target), "SAVEPER")
        allowed = {stmt.target for stmt in control.values()}
        allowed |= {self.ir.idents[name] for name in self.ir.constants}
        for stmt in control.values():
            if not stmt.deps <= allowed:
                raise UnsupportedConstruct(
                    "control variable that depends on model variables", stmt.name or "")


class _MacroBuilder(_Builder):
    """One instance of a macro: its statements join the model's, hidden (PySD does not
    report a macro's variables); its constants become fixed hidden statements."""

    def __init__(self, parent: _Builder, section: am.AbstractSection, args: dict[str, object],
                 prefix: str) -> None:
        super().__init__(section, parent.equations, parent.root)
        private = ModelIR()
        private.aux, private.states, private.lookups = (parent.ir.aux, parent.ir.states,
                                                        parent.ir.lookups)
        self.ir = private
        self.namer = parent.namer
        self.subs = parent.subs
        self.macros = parent.macros
        self.args = args
        self.prefix = prefix
        self._init_aux = parent._init_aux

    def _label(self, name: str, combo: tuple[str, ...]) -> str:
        return self.prefix + super()._label(name, combo)

    def build(self) -> ModelIR:
        elements = list(self.section.elements)
        plans = [self._declare(element) for element in elements]
        for element, components in zip(elements, plans, strict=True):
            for component, combos in components:
                for combo in combos:
                    if not isinstance(component, am.AbstractLookup):
                        self._element(element, component, combo, combos)
        for label, value in self.ir.constants.items():
            ident = self.ir.idents[label]
            self.ir.aux[ident] = Statement(ident, Num(value), None, (f"{label} (macro)",))
        return self.ir


def build_ir(model: am.AbstractModel, equations: Mapping[str, str], root: Path) -> ModelIR:
    """Build the target-neutral statements of a PySD abstract model.

    Parameters
    ----------
    model : pysd.translators.structures.abstract_model.AbstractModel
        From ``VensimFile(path).parse(); .get_abstract_model()``.
    equations : mapping
        Vensim name -> original right-hand side (used in comments only).
    root : Path
        Folder of the model (external data files are relative to it).

    Raises
    ------
    UnsupportedConstruct
        Naming the construct and the variable that uses it.
    """
    builder = _Builder(model.sections[0], equations, Path(root))
    builder.macros = {clean_name(section.name): section for section in model.sections[1:]}
    return builder.build()
