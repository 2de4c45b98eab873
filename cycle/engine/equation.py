"""Turn PySD's abstract model elements into statements and order them.

Every model element becomes one of

* a *constant* (no references, no time dependence): its default value is
  computed here and it is read from the parameter dictionary at run time;
* a *control* statement (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER);
* a *state* (INTEG, or a hidden stage of SMOOTH/DELAY/TREND/INITIAL ...)
  with an initial-value statement and an update statement;
* an *auxiliary* statement ``ident = <numpy expression>``.

:func:`plan` then splits the auxiliaries into those computed once at
INITIAL TIME (they depend on constants only), those needed by the state
updates at every time step, and those only needed at saved times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from pysd.translators.structures import abstract_expressions as ae
from pysd.translators.structures import abstract_model as am

from cycle.engine.expr import HELPERS_SOURCE, TIME, TIME_STEP, ExprTranslator, UnsupportedConstruct

__all__ = ["CONTROL_NAMES", "ModelIR", "Plan", "State", "Statement", "build_ir", "plan", "toposort"]

#: PySD names of the control variables, in the order they are reported.
CONTROL_NAMES = ("initial_time", "final_time", "time_step", "saveper")

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Statement:
    """One assignment ``target = code`` of the generated module.

    Attributes
    ----------
    target : str
        Python identifier assigned.
    code : str
        NumPy expression.
    deps : frozenset of str
        Identifiers the expression reads.
    name : str or None
        Vensim name of the model variable computed (None for hidden helpers).
    comment : tuple of str
        Original Vensim equation, units and a note; emitted as comments.
    """

    target: str
    code: str
    deps: frozenset[str]
    name: str | None = None
    comment: tuple[str, ...] = ()


@dataclass
class State:
    """A value carried from one time step to the next.

    Attributes
    ----------
    ident : str
        Identifier of the state.
    name : str
        Vensim name of the variable that owns it.
    construct : str
        Vensim construct (``INTEG``, ``SMOOTH3`` ...).
    init : Statement
        Computes the value at INITIAL TIME (target ``ident``).
    update : Statement or None
        Euler derivative (per model time unit) or, for discrete states, the next value;
        None for states fixed at initialisation (INITIAL).
    mode : str
        ``"euler"`` (``x += dt*dx``), ``"non_negative"`` or ``"discrete"``.
    """

    ident: str
    name: str
    construct: str
    init: Statement
    update: Statement | None
    mode: str = "euler"


@dataclass
class ModelIR:
    """Everything the code generator needs, independent of PySD objects."""

    constants: dict[str, float] = field(default_factory=dict)
    idents: dict[str, str] = field(default_factory=dict)
    control: dict[str, Statement] = field(default_factory=dict)
    aux: dict[str, Statement] = field(default_factory=dict)
    states: list[State] = field(default_factory=list)
    stocks: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    limits: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    comments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lookups: dict[str, tuple[tuple[float, ...], tuple[float, ...], str]] = field(
        default_factory=dict)
    structural: dict[str, float] = field(default_factory=dict)
    must_be_static: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Plan:
    """Evaluation order of a :class:`ModelIR`.

    Attributes
    ----------
    control : list of Statement
        Control statements in dependency order.
    init : list of Statement
        Statements evaluated once at INITIAL TIME (auxiliaries and state
        initial values), in dependency order.
    per_step : list of Statement
        Auxiliaries evaluated at every time step (needed by state updates).
    save_only : list of Statement
        Auxiliaries evaluated only at saved times.
    save_deps : list of list of int
        For each ``save_only`` statement, indices of the ``save_only``
        statements it reads.
    dynamic : list of (str, str)
        (Vensim name, identifier) of the time-varying model variables.
    static : list of (str, str)
        (Vensim name, identifier) of auxiliaries constant over time.
    """

    control: list[Statement]
    init: list[Statement]
    per_step: list[Statement]
    save_only: list[Statement]
    save_deps: list[list[int]]
    dynamic: list[tuple[str, str]]
    static: list[tuple[str, str]]


def clean_name(name: str) -> str:
    """Key PySD uses for references: lower case, spaces as underscores."""
    return name.lower().replace(" ", "_")


def _format_limits(limits: tuple | None) -> str:
    if not limits or all(value is None for value in limits):
        return ""
    return " [" + ",".join("?" if value is None else f"{value:g}" for value in limits) + "]"


class _Namer:
    """Unique, readable Python identifiers."""

    def __init__(self) -> None:
        self.used: set[str] = {TIME, TIME_STEP}

    def __call__(self, name: str, prefix: str) -> str:
        base = re.sub(r"[^0-9a-zA-Z_]", "", re.sub(r"[\s_]+", "_", name.lower())).strip("_")
        base = f"{prefix}_{base}" if base else prefix
        ident, i = base, 1
        while ident in self.used:
            ident, i = f"{base}_{i}", i + 1
        self.used.add(ident)
        return ident


class _Builder:
    """Walk the abstract model and fill a :class:`ModelIR`."""

    def __init__(self, section: am.AbstractSection, equations: Mapping[str, str]) -> None:
        self.section = section
        self.equations = equations
        self.ir = ModelIR()
        self.namer = _Namer()
        self.refmap: dict[str, str] = {"time": TIME}
        self.lookup_refs: dict[str, str] = {}
        self.helpers: dict[str, object] = {"np": np}
        exec(HELPERS_SOURCE, self.helpers)  # noqa: S102 - our own helper source

    # -- driver -----------------------------------------------------------
    def build(self) -> ModelIR:
        if self.section.subscripts:
            raise UnsupportedConstruct("subscripts", self.section.subscripts[0].name)
        elements = list(self.section.elements)
        for element in elements:
            self._check(element)
            ref = clean_name(element.name)
            component = element.components[0]
            if isinstance(component, am.AbstractLookup):
                self.lookup_refs[ref] = self._lookup_table(component.ast, element.name)
            else:
                ident = self.namer(element.name, "v")
                self.refmap[ref] = ident
                self.ir.idents[element.name] = ident
        for element in elements:
            if not isinstance(element.components[0], am.AbstractLookup):
                self._element(element)
        self._control_defaults()
        return self.ir

    def _check(self, element: am.AbstractElement) -> None:
        if len(element.components) != 1 or element.components[0].subscripts[0]:
            raise UnsupportedConstruct("subscripts", element.name)
        component = element.components[0]
        if isinstance(component, am.AbstractData):
            raise UnsupportedConstruct("data variable", element.name)

    def _lookup_table(self, table: object, name: str) -> str:
        if not isinstance(table, ae.LookupsStructure):
            kind = "GET XLS/DIRECT LOOKUPS" if isinstance(table, ae.GetLookupsStructure) else (
                type(table).__name__)
            raise UnsupportedConstruct(kind, name)
        if table.type not in ("interpolate", "hold_backward", "extrapolate"):
            raise UnsupportedConstruct(f"lookup interpolation '{table.type}'", name)
        xs = tuple(float(x) for x in table.x)
        if len(set(xs)) != len(xs) or list(xs) != sorted(xs):
            raise UnsupportedConstruct("lookup with repeated or unsorted x values", name)
        ident = self.namer(name, "_LK")
        self.ir.lookups[ident] = (xs, tuple(float(y) for y in table.y), table.type)
        return ident

    # -- elements ---------------------------------------------------------
    def _comment(self, element: am.AbstractElement) -> tuple[str, ...]:
        equation = self.equations.get(element.name, "")
        units = (element.units or "") + _format_limits(element.limits)
        lines = [f"{element.name} = {equation}".replace("\n", " ")]
        if units.strip():
            lines.append(f"~ {units.strip()}")
        return tuple(lines)

    def _translator(self, element: am.AbstractElement) -> ExprTranslator:
        return ExprTranslator(
            variable=element.name,
            resolve=self.refmap.__getitem__,
            lookups=self.lookup_refs,
            stateful=lambda node: self._stateful(node, element),
            inline_lookup=lambda table: self._lookup_table(table, element.name),
        )

    def _element(self, element: am.AbstractElement) -> None:
        ir = self.ir
        name, ident = element.name, self.ir.idents[element.name]
        ir.units[name] = element.units or ""
        ir.limits[name] = tuple(element.limits) if element.limits else (None, None)
        comment = self._comment(element)
        ir.comments[name] = comment
        ast = element.components[0].ast
        if isinstance(element, am.AbstractControlElement):
            key = clean_name(name)
            translate = self._translator(element)
            code = translate(ast)
            ir.control[key] = Statement(ident, code, frozenset(translate.refs), name, comment)
            return
        if isinstance(ast, ae.IntegStructure):
            self._integ(ast, element, ident, comment)
            ir.stocks.append(name)
            ir.variables.append(name)
            return
        translate = self._translator(element)
        code = translate(ast)
        if not translate.refs:
            with np.errstate(all="ignore"):
                value = float(eval(code, self.helpers))  # noqa: S307 - generated from the AST
            ir.constants[name] = value
            return
        ir.aux[ident] = Statement(ident, code, frozenset(translate.refs), name, comment)
        ir.variables.append(name)

    def _integ(self, node: ae.IntegStructure, element: am.AbstractElement, ident: str,
               comment: tuple[str, ...]) -> None:
        init = self._translator(element)
        init_code = init(node.initial)
        flow = self._translator(element)
        flow_code = flow(node.flow)
        self.ir.states.append(State(
            ident=ident, name=element.name, construct="INTEG",
            init=Statement(ident, init_code, frozenset(init.refs), element.name,
                           comment + ("(initial value)",)),
            update=Statement(f"_d_{ident}", flow_code, frozenset(flow.refs), None,
                             comment + ("(rate of change per unit of time)",)),
            mode="non_negative" if node.non_negative else "euler"))

    # -- hidden stateful objects ------------------------------------------
    def _argument(self, node: object, element: am.AbstractElement, label: str
                  ) -> tuple[str, frozenset[str]]:
        """Translate a stateful argument; non-trivial ones become hidden statements."""
        translate = self._translator(element)
        code = translate(node)
        if _IDENT.match(code) or isinstance(node, (int, float)):
            return code, frozenset(translate.refs)
        ident = self.namer(f"{element.name} {label}", "h")
        self.ir.aux[ident] = Statement(ident, code, frozenset(translate.refs), None,
                                       self.ir.comments.get(element.name, ()) + (f"({label})",))
        return ident, frozenset({ident})

    def _order(self, node: object, element: am.AbstractElement, construct: str) -> int:
        if isinstance(node, (int, float)):
            value = float(node)
        elif isinstance(node, ae.ReferenceStructure) and node.subscripts is None:
            source = next((e for e in self.section.elements
                           if clean_name(e.name) == node.reference), None)
            literal = source.components[0].ast if source is not None else None
            if isinstance(literal, bool) or not isinstance(literal, (int, float)):
                raise UnsupportedConstruct(f"{construct} with a non-constant order", element.name)
            value = float(literal)
            self.ir.structural[source.name] = value
        else:
            raise UnsupportedConstruct(f"{construct} with a computed order", element.name)
        if value != int(value) or value < 1:
            raise UnsupportedConstruct(f"{construct} with order {value:g}", element.name)
        return int(value)

    def _state(self, element: am.AbstractElement, construct: str, label: str, init_code: str,
               init_deps: Iterable[str], update_code: str | None,
               update_deps: Iterable[str] = (), mode: str = "euler") -> str:
        ident = self.namer(f"{element.name} {label}", "s")
        comment = self.ir.comments.get(element.name, ())
        update = None
        if update_code is not None:
            update = Statement(f"_d_{ident}", update_code, frozenset(update_deps), None,
                               comment + (f"({construct} {label}: update)",))
        self.ir.states.append(State(
            ident=ident, name=element.name, construct=construct,
            init=Statement(ident, init_code, frozenset(init_deps), None,
                           comment + (f"({construct} {label}: initial value)",)),
            update=update, mode=mode))
        return ident

    def _output(self, element: am.AbstractElement, construct: str, code: str,
                deps: Iterable[str]) -> str:
        ident = self.namer(f"{element.name} {construct} output", "h")
        self.ir.aux[ident] = Statement(ident, code, frozenset(deps), None,
                                       self.ir.comments.get(element.name, ())
                                       + (f"({construct} output)",))
        return ident

    def _stateful(self, node: ae.AbstractSyntax, element: am.AbstractElement) -> str:
        arg = self._argument
        if isinstance(node, ae.IntegStructure):
            initial, init_deps = arg(node.initial, element, "integ initial")
            flow, flow_deps = arg(node.flow, element, "integ flow")
            mode = "non_negative" if node.non_negative else "euler"
            return self._state(element, "INTEG", "integ", initial, init_deps, flow, flow_deps,
                               mode)
        if isinstance(node, ae.InitialStructure):
            initial, init_deps = arg(node.initial, element, "initial")
            return self._state(element, "INITIAL", "initial", initial, init_deps, None)
        if isinstance(node, (ae.SmoothStructure, ae.SmoothNStructure)):
            return self._smooth(node, element)
        if isinstance(node, (ae.DelayStructure, ae.DelayNStructure)):
            return self._delay(node, element)
        if isinstance(node, ae.TrendStructure):
            inp, inp_deps = arg(node.input, element, "trend input")
            avg, avg_deps = arg(node.average_time, element, "trend average time")
            trend0, trend0_deps = arg(node.initial_trend, element, "trend initial")
            state = self._state(
                element, "TREND", "trend", f"{inp} / (1 + {trend0}*{avg})",
                inp_deps | avg_deps | trend0_deps, f"({inp} - {{s}}) / {avg}", inp_deps | avg_deps)
            self._fix_self_reference(state)
            return self._output(element, "TREND", f"_zidz({inp} - {state}, {avg}*np.abs({state}))",
                                inp_deps | avg_deps | {state})
        if isinstance(node, ae.ForecastStructure):
            inp, inp_deps = arg(node.input, element, "forecast input")
            avg, avg_deps = arg(node.average_time, element, "forecast average time")
            hor, hor_deps = arg(node.horizon, element, "forecast horizon")
            trend0, trend0_deps = arg(node.initial_trend, element, "forecast initial trend")
            state = self._state(
                element, "FORECAST", "forecast", f"{inp} / (1 + {trend0})",
                inp_deps | trend0_deps, f"({inp} - {{s}}) / {avg}", inp_deps | avg_deps)
            self._fix_self_reference(state)
            return self._output(
                element, "FORECAST", f"{inp}*(1 + _zidz({inp} - {state}, {avg}*{state})*{hor})",
                inp_deps | avg_deps | hor_deps | {state})
        if isinstance(node, ae.SampleIfTrueStructure):
            cond, cond_deps = arg(node.condition, element, "sample condition")
            inp, inp_deps = arg(node.input, element, "sample input")
            initial, init_deps = arg(node.initial, element, "sample initial")
            state = self._state(
                element, "SAMPLE IF TRUE", "sample", initial, init_deps,
                f"{{s}}*0 + _if_then_else({cond}, {inp}, {{s}})", cond_deps | inp_deps,
                mode="discrete")
            self._fix_self_reference(state)
            return self._output(element, "SAMPLE IF TRUE",
                                f"_if_then_else({cond}, {inp}, {state})",
                                cond_deps | inp_deps | {state})
        if isinstance(node, ae.DelayFixedStructure):
            raise UnsupportedConstruct("DELAY FIXED", element.name)
        raise UnsupportedConstruct(type(node).__name__, element.name)

    def _fix_self_reference(self, ident: str) -> None:
        """Replace the ``{s}`` placeholder of a state's update by its identifier."""
        state = self.ir.states[-1]
        assert state.ident == ident and state.update is not None
        update = state.update
        state.update = Statement(update.target, update.code.replace("{s}", ident),
                                 update.deps | {ident}, update.name, update.comment)

    def _smooth(self, node: ae.SmoothStructure | ae.SmoothNStructure,
                element: am.AbstractElement) -> str:
        construct = "SMOOTH N" if isinstance(node, ae.SmoothNStructure) else "SMOOTH"
        order = self._order(node.order, element, construct)
        if construct == "SMOOTH" and order != 1:
            construct = f"SMOOTH{order}"
        inp, inp_deps = self._argument(node.input, element, "smooth input")
        stime, stime_deps = self._argument(node.smooth_time, element, "smooth time")
        initial, init_deps = self._argument(node.initial, element, "smooth initial")
        stages: list[str] = []
        for stage in range(order):
            target, target_deps = (inp, inp_deps) if stage == 0 else (
                stages[-1], frozenset({stages[-1]}))
            state = self._state(element, construct, f"stage {stage + 1}", initial, init_deps,
                                f"({target} - {{s}})*{order}/{stime}",
                                target_deps | stime_deps)
            self._fix_self_reference(state)
            stages.append(state)
        return stages[-1]

    def _delay(self, node: ae.DelayStructure | ae.DelayNStructure,
               element: am.AbstractElement) -> str:
        construct = "DELAY N" if isinstance(node, ae.DelayNStructure) else "DELAY"
        order = self._order(node.order, element, construct)
        if construct == "DELAY":
            construct = f"DELAY{order}"
        inp, inp_deps = self._argument(node.input, element, "delay input")
        dtime, dtime_deps = self._argument(node.delay_time, element, "delay time")
        initial, init_deps = self._argument(node.initial, element, "delay initial")
        if construct == "DELAY N":
            self.ir.must_be_static.append((dtime, "DELAY N with a time-varying delay time",
                                           element.name))
        init_code = (f"_delay_init({initial}, {dtime}, {TIME_STEP}, {order}, "
                     f"{element.name!r})")
        stages: list[str] = []
        for stage in range(order):
            inflow, inflow_deps = (inp, inp_deps) if stage == 0 else (
                f"{stages[-1]}/{dtime}", frozenset({stages[-1]}) | dtime_deps)
            state = self._state(element, construct, f"stage {stage + 1}", init_code,
                                init_deps | dtime_deps | {TIME_STEP},
                                f"({inflow} - {{s}}/{dtime})*{order}",
                                inflow_deps | dtime_deps)
            self._fix_self_reference(state)
            stages.append(state)
        return self._output(element, construct, f"{stages[-1]}/{dtime}",
                            frozenset({stages[-1]}) | dtime_deps)

    # -- control ----------------------------------------------------------
    def _control_defaults(self) -> None:
        control = self.ir.control
        for key in ("initial_time", "final_time", "time_step"):
            if key not in control:
                raise UnsupportedConstruct(f"missing control variable {key.upper()}",
                                           key.upper().replace("_", " "))
        if "saveper" not in control:
            ident = self.namer("saveper", "v")
            control["saveper"] = Statement(ident, control["time_step"].target,
                                           frozenset({control["time_step"].target}), "SAVEPER")
        allowed = {stmt.target for stmt in control.values()}
        allowed |= {self.ir.idents[name] for name in self.ir.constants}
        for stmt in control.values():
            if not stmt.deps <= allowed:
                raise UnsupportedConstruct(
                    "control variable that depends on model variables", stmt.name or "")


def build_ir(model: am.AbstractModel, equations: Mapping[str, str]) -> ModelIR:
    """Build the intermediate representation of a PySD abstract model.

    Parameters
    ----------
    model : pysd.translators.structures.abstract_model.AbstractModel
        From ``VensimFile(path).parse(); .get_abstract_model()``.
    equations : mapping
        Vensim name -> original right-hand side (used in comments only).

    Returns
    -------
    ModelIR

    Raises
    ------
    UnsupportedConstruct
        For macros, subscripts, data, external inputs, DELAY FIXED and
        functions the engine does not implement.
    """
    if len(model.sections) > 1:
        raise UnsupportedConstruct("macro", model.sections[1].name)
    return _Builder(model.sections[0], equations).build()


def toposort(nodes: Iterable[str], deps: Mapping[str, Iterable[str]],
             names: Mapping[str, str | None] | None = None) -> list[str]:
    """Order ``nodes`` so that each comes after the nodes it depends on.

    Dependencies outside ``nodes`` are ignored.  The order is deterministic
    (depth first, in the given node order).

    Parameters
    ----------
    nodes : iterable of str
        Nodes to order.
    deps : mapping
        Node -> nodes it reads.
    names : mapping, optional
        Node -> Vensim name, for the error message.

    Raises
    ------
    UnsupportedConstruct
        If the nodes contain a cycle (an algebraic loop).
    """
    nodes = list(nodes)
    members = set(nodes)
    done: set[str] = set()
    order: list[str] = []
    for root in nodes:
        if root in done:
            continue
        stack: list[tuple[str, list[str]]] = [(root, sorted(set(deps[root]) & members))]
        path = {root}
        while stack:
            node, pending = stack[-1]
            while pending and pending[-1] in done:
                pending.pop()
            if not pending:
                stack.pop()
                path.discard(node)
                done.add(node)
                order.append(node)
                continue
            child = pending.pop()
            if child in path:
                cycle = [n for n, _ in stack][[n for n, _ in stack].index(child):] + [child]
                label = " -> ".join((names or {}).get(n) or n for n in cycle)
                raise UnsupportedConstruct(f"algebraic loop ({label})",
                                           (names or {}).get(child) or child)
            path.add(child)
            stack.append((child, sorted(set(deps[child]) & members)))
    return order


def _closure(roots: Iterable[str], deps: Mapping[str, Iterable[str]],
             members: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = [r for r in roots if r in members]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(d for d in deps[node] if d in members and d not in seen)
    return seen


def plan(ir: ModelIR) -> Plan:
    """Split and order the statements of ``ir`` for the generated simulator.

    Raises
    ------
    UnsupportedConstruct
        On algebraic loops, or when a construct that needs a time-invariant
        argument (DELAY N's delay time) gets a time-varying one.
    """
    aux = ir.aux
    names = {ident: stmt.name for ident, stmt in aux.items()}
    names.update({state.ident: state.name for state in ir.states})
    control_deps = {stmt.target: stmt.deps for stmt in ir.control.values()}
    control_order = toposort(control_deps, control_deps)
    by_target = {stmt.target: stmt for stmt in ir.control.values()}

    # step graph: states are sources; which auxiliaries vary with time?
    aux_deps = {ident: stmt.deps for ident, stmt in aux.items()}
    step_order = toposort(aux, aux_deps, names)
    varying = {TIME} | {s.ident for s in ir.states if s.update is not None}
    dynamic: set[str] = set()
    for ident in step_order:
        if aux_deps[ident] & (varying | dynamic):
            dynamic.add(ident)
    for ident, construct, variable in ir.must_be_static:
        if ident in dynamic or ident in varying:
            raise UnsupportedConstruct(construct, variable)

    # initialisation graph: state initial values are nodes too
    init_stmts = {ident: stmt for ident, stmt in aux.items()}
    init_stmts.update({state.ident: state.init for state in ir.states})
    init_deps = {ident: stmt.deps for ident, stmt in init_stmts.items()}
    roots = [ident for ident in aux if ident not in dynamic] + [s.ident for s in ir.states]
    needed = _closure(roots, init_deps, set(init_stmts))
    init_order = toposort([i for i in init_stmts if i in needed], init_deps, names)

    updates = [s.update for s in ir.states if s.update is not None]
    per_step_set = _closure({d for u in updates for d in u.deps}, aux_deps, dynamic)
    outputs = [(name, ir.idents[name]) for name in ir.variables]
    dynamic_outputs = [(n, i) for n, i in outputs if i in dynamic or i in varying]
    static_outputs = [(n, i) for n, i in outputs if not (i in dynamic or i in varying)]
    save_set = _closure([i for _, i in dynamic_outputs], aux_deps, dynamic) - per_step_set
    save_only = [aux[i] for i in step_order if i in save_set]
    index = {stmt.target: k for k, stmt in enumerate(save_only)}
    return Plan(
        control=[by_target[t] for t in control_order],
        init=[init_stmts[i] for i in init_order],
        per_step=[aux[i] for i in step_order if i in per_step_set],
        save_only=save_only,
        save_deps=[sorted(index[d] for d in stmt.deps if d in index) for stmt in save_only],
        dynamic=dynamic_outputs,
        static=static_outputs,
    )
