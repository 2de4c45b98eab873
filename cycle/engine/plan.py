"""Order the statements of a :class:`~cycle.engine.ir.ModelIR` for a simulation loop.

The plan is target-neutral: it says *which* statements run *when* (once at INITIAL TIME, at
every time step, only at saved times) and in what order; emitters only render it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cycle.engine.ir import ModelIR, State, Statement
from cycle.engine.tree import TIME, UnsupportedConstruct

__all__ = ["Plan", "plan", "toposort"]


@dataclass
class Plan:
    """Evaluation order of a :class:`ModelIR`.

    Attributes
    ----------
    control : list of Statement
        Time settings in dependency order (they read constants only).
    init : list of Statement
        Evaluated once at INITIAL TIME, in dependency order: time-invariant auxiliaries and
        every state's initial value (render ``stmt.init_expr``: ACTIVE INITIAL differs).
    per_step : list of Statement
        Auxiliaries evaluated at every time step (the state updates need them).
    save_only : list of Statement
        Auxiliaries evaluated only at saved times (only to be reported).
    save_deps : list of list of int
        For each ``save_only`` statement, the indices of the ``save_only`` statements it reads
        (a runner evaluates only those the requested outputs need).
    updates : list of State
        States that change during the run, in the order their updates are computed (every
        update reads the values before any state changes).
    dynamic : list of (str, str)
        (element name, identifier) of the time-varying model variables: what a loop records
        at each saved time, in this order (row ``i`` of the record is ``dynamic[i]``).
    static : list of (str, str)
        (element name, identifier) of variables constant over time (computed in ``init``).
    """

    control: list[Statement]
    init: list[Statement]
    per_step: list[Statement]
    save_only: list[Statement]
    save_deps: list[list[int]]
    updates: list[State]
    dynamic: list[tuple[str, str]]
    static: list[tuple[str, str]]


def toposort(nodes: Iterable[str], deps: Mapping[str, Iterable[str]],
             names: Mapping[str, str | None] | None = None) -> list[str]:
    """Order ``nodes`` so that each comes after the nodes it depends on.

    Dependencies outside ``nodes`` are ignored.  The order is deterministic (depth first, in
    the given node order).

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
    """Split and order the statements of ``ir``.

    Raises
    ------
    UnsupportedConstruct
        On algebraic loops (naming the variables in the loop).
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
        if aux_deps[ident] & (varying | dynamic) or aux[ident].init is not None:
            dynamic.add(ident)

    # initialisation graph: state initial values are nodes too
    init_stmts = dict(aux)
    init_stmts.update({state.ident: state.init for state in ir.states})
    init_deps = {ident: stmt.init_deps for ident, stmt in init_stmts.items()}
    roots = [ident for ident in aux if ident not in dynamic] + [s.ident for s in ir.states]
    needed = _closure(roots, init_deps, set(init_stmts))
    init_order = toposort([i for i in init_stmts if i in needed], init_deps, names)

    updates = [s for s in ir.states if s.update is not None]
    per_step_set = _closure({d for s in updates for d in s.update.deps}, aux_deps, dynamic)
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
        updates=updates,
        dynamic=dynamic_outputs,
        static=static_outputs,
    )
