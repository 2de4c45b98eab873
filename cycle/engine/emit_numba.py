"""Numba emitter: the planned statements as scalar code in a compiled loop over members.

The kernel runs the whole simulation of one member at a time (initialisation, Euler loop,
saving), so a member's state stays in registers; the runner splits the batch into one slice
per core (the kernel releases the GIL).  Saved values are written straight into the caller's
``out[row, member, saved time]``.

The module defines ``INPUTS`` (identifiers read from the input matrix: constants and time
settings, in row order), ``STATICS`` (identifiers of the time-invariant variables, in row
order of ``ST``) and::

    kernel(IN, times, saves, need, sel_j, sel_i, out, ST, first, stop)

runs members ``first <= m < stop``; ``IN`` (len(INPUTS), n); ``times`` every Euler time;
``saves``/``need`` booleans as in the NumPy module; ``out[sel_j[q], m, s] =
record[sel_i[q]]``; ``ST[r, m]`` static values.
"""

from __future__ import annotations

from cycle.engine.emit_numpy import _CALLS as _NUMPY_CALLS
from cycle.engine.emit_numpy import NumpyRenderer
from cycle.engine.ir import ModelIR
from cycle.engine.plan import Plan
from cycle.engine.tree import TIME, TIME_STEP, Op, Renderer, UnsupportedConstruct, refs

__all__ = ["NumbaRenderer", "emit_numba"]

_HEADER = '''\
import numpy as np
from numba import njit

from cycle.engine.numba_helpers import (  # noqa: F401
    _J,
    _zidz,
    _xidz,
    _pow,
    _if_then_else,
    _and,
    _or,
    _not,
    _integer,
    _quantum,
    _modulo,
    _step,
    _ramp,
    _pulse,
    _pulse_train,
    _interp,
    _extrapolate,
    _hold_backward,
    _look_forward,
    _raw,
    _delay_order,
    _check_order,
    inf,
    nan,
)
'''

_CALLS = {**_NUMPY_CALLS, "abs": "abs({0})", "power": "_pow({0}, {1})"}
"""The NumPy emitter's call templates, with scalar ``abs`` and NumPy's fast powers (``_pow``)."""
_BOOLEAN = {"=", "<>", "<", "<=", ">", ">=", "and", "or", "not"}
_KINDS = {"interpolate": "_interp", "extrapolate": "_extrapolate",
          "hold_backward": "_hold_backward", "look_forward": "_look_forward", "raw": "_raw"}


class NumbaRenderer(Renderer):
    """Trees as scalar Python that Numba compiles."""

    binary = {**Renderer.binary, "^": "_pow({0}, {1})", "and": "_and({0}, {1})",
              "or": "_or({0}, {1})"}
    unary = {"neg": "-{0}", "not": "_not({0})"}
    state_updates = {
        "euler": ("{x} = {x} + {d}*{dt}",), "non_negative": ("{x} = max({x} + {d}*{dt}, 0.0)",),
        "discrete": ("{x} = {d}",),
        "ring": ("_pipe_{x}[_ptr_{x}] = {d}", "_ptr_{x} = (_ptr_{x} + 1) % _ord_{x}",
                 "{x} = _pipe_{x}[_ptr_{x}]"),
    }

    def __init__(self, lookups: dict) -> None:
        self.lookups = lookups

    number = NumpyRenderer.number  # Python literals, the same in both emitters

    def call(self, fn: str, args: list[str]) -> str:
        if fn == "select":
            return self.select_chain(args)
        return _CALLS[fn].format(*args)

    def value(self, node: object) -> str:
        """A statement's right-hand side: always a float (comparisons give 1.0 or 0.0)."""
        text = self.render(node)
        if isinstance(node, Op) and node.op in _BOOLEAN:
            return f"(1.0 if {text} else 0.0)"
        return text

    def lookup(self, table: str, arg: str) -> str:
        kind = self.lookups[table][2]
        return f"{_KINDS[kind]}({arg}, {table}_x, {table}_y)"


CHUNKED_FROM = 800
"""Statements above which the kernel keeps values in an array and runs them in compiled
chunks of :data:`CHUNK` (LLVM's time on one function grows faster than its length: a
5000-statement scalar kernel took 12 minutes to compile)."""
CHUNK = 150
COMPILE_LIMIT = 5000
"""Statements above which there is no compiled loop: Numba takes about 0.05-0.1 s a
statement (a 6300-statement model took 7 minutes, chunked), and the NumPy loop over runs is
as fast for models that large."""


def _size(steps: Plan) -> int:
    return len(steps.init) + len(steps.per_step) + len(steps.save_only) + 2 * len(steps.updates)


def _inputs(ir: ModelIR, steps: Plan) -> list[str]:
    """Identifiers the loop reads but never assigns (constants, time settings), then dt."""
    assigned = ({s.target for s in steps.init} | {s.target for s in steps.per_step}
                | {s.target for s in steps.save_only} | {st.ident for st in ir.states})
    read: set[str] = set()
    for stmt in steps.init:
        read |= refs(stmt.init_expr)
    for stmt in steps.per_step + steps.save_only:
        read |= stmt.deps
    for st in steps.updates:
        read |= st.update.deps
    read |= {ident for _, ident in steps.dynamic + steps.static}
    return sorted(read - assigned - set(ir.lookups) - {TIME, TIME_STEP}) + [TIME_STEP]


class _SlotRenderer(NumbaRenderer):
    """Identifiers as slots of the member's value array ``V``."""

    def __init__(self, lookups: dict, slots: dict[str, int]) -> None:
        super().__init__(lookups)
        self.slots = slots

    def ref(self, ident: str) -> str:
        return ident if ident == TIME else f"V[{self.slots[ident]}]"


def _chunked(ir: ModelIR, steps: Plan, scalar: NumbaRenderer, inputs: list[str]) -> list[str]:
    """Kernel of a large model: values in ``V``, statements in compiled chunks."""
    slots: dict[str, int] = {}
    for ident in (inputs + [s.target for s in steps.init + steps.per_step + steps.save_only]
                  + [st.ident for st in ir.states] + [st.update.target for st in steps.updates]):
        slots.setdefault(ident, len(slots))
    render = _SlotRenderer(ir.lookups, slots)
    recorded = [ident for _, ident in steps.dynamic]
    statics = [ident for _, ident in steps.static]
    body = [f"INPUTS = {inputs!r}", f"STATICS = {statics!r}",
            f"_IN = np.array({[slots[i] for i in inputs]!r}, dtype=np.int64)",
            f"_REC = np.array({[slots[i] for i in recorded] or [0]!r}, dtype=np.int64)",
            f"_STATIC = np.array({[slots[i] for i in statics] or [0]!r}, dtype=np.int64)", ""]
    calls: dict[str, list[str]] = {}

    def chunks(kind: str, lines: list[str], args: str) -> None:
        calls[kind] = []
        for start in range(0, len(lines), CHUNK):
            name = f"_{kind}{start // CHUNK}"
            calls[kind].append(f"{name}({args})")
            body.extend(["", "@njit(**_J)", f"def {name}({args}):",
                         *lines[start:start + CHUNK], "    return 0"])

    chunks("init", [f"    V[{slots[s.target]}] = {render.value(s.init_expr)}"
                    for s in steps.init], "V, _time")
    chunks("step", [f"    V[{slots[s.target]}] = {render.value(s.expr)}"
                    for s in steps.per_step], "V, _time")
    chunks("save", [f"    if need[{k}]:\n        V[{slots[s.target]}] = {render.value(s.expr)}"
                    for k, s in enumerate(steps.save_only)], "V, _time, need")
    chunks("update", [f"    V[{slots[st.update.target]}] = {render.value(st.update.expr)}"
                      for st in steps.updates], "V, _time")
    apply = [line for st in steps.updates if st.mode != "ring"  # rings: in the kernel below
             for line in render.state_update(st.mode, f"V[{slots[st.ident]}]",
                                             f"V[{slots[st.update.target]}]", "    ",
                                             step=f"V[{slots[TIME_STEP]}]")]
    chunks("apply", apply, "V")
    rings = [st for st in steps.updates if st.mode == "ring"]
    i1, i2, i3 = "        ", "            ", "                "
    kernel = ["", "", "@njit(**_J)",
              "def kernel(IN, times, saves, need, sel_j, sel_i, out, ST, first, stop):",
              "    _last = times.shape[0] - 1",
              "    _buf = np.empty((sel_j.shape[0], out.shape[2]))",
              f"    V = np.empty({len(slots)})",
              "    for _m in range(first, stop):",
              f"{i1}V[:] = np.nan",
              f"{i1}for _r in range(_IN.shape[0]):",
              f"{i1}    V[_IN[_r]] = IN[_r, _m]",
              f"{i1}_time = times[0]"]
    kernel += [f"{i1}{c}" for c in calls["init"]]
    kernel += [f"{i1}for _r in range({len(statics)}):", f"{i1}    ST[_r, _m] = V[_STATIC[_r]]"]
    for k, st in enumerate(rings):
        kernel += [f"{i1}_ord{k} = int(V[{slots[st.order]}])",
                   f"{i1}_pipe{k} = np.empty(_ord{k})", f"{i1}_pipe{k}[:] = V[{slots[st.ident]}]",
                   f"{i1}_ptr{k} = 0"]
    kernel += [f"{i1}_s = 0", f"{i1}for _k in range(_last + 1):", f"{i2}_time = times[_k]"]
    kernel += [f"{i2}{c}" for c in calls["step"]]
    kernel += [f"{i2}if saves[_k]:"] + [f"{i3}{c}" for c in calls["save"]]
    kernel += [f"{i3}for _q in range(sel_j.shape[0]):",
               f"{i3}    _buf[_q, _s] = V[_REC[sel_i[_q]]]", f"{i3}_s += 1",
               f"{i2}if _k == _last:", f"{i2}    break"]
    kernel += [f"{i2}{c}" for c in calls["update"]]
    for k, st in enumerate(rings):
        x, d = slots[st.ident], slots[st.update.target]
        kernel += [f"{i2}_pipe{k}[_ptr{k}] = V[{d}]", f"{i2}_ptr{k} = (_ptr{k} + 1) % _ord{k}",
                   f"{i2}V[{x}] = _pipe{k}[_ptr{k}]"]
    kernel += [f"{i2}{c}" for c in calls["apply"]]
    kernel += [f"{i1}for _q in range(sel_j.shape[0]):",
               f"{i1}    out[sel_j[_q], _m, :] = _buf[_q, :]"]
    return body + kernel


def emit_numba(ir: ModelIR, steps: Plan, *, header: list[str] | None = None) -> str:
    """Source of the compiled-kernel module of a planned model."""
    render = NumbaRenderer(ir.lookups)
    lines = list(header or []) + [_HEADER]
    for ident, (xs, ys, _kind) in ir.lookups.items():
        lines += [f"{ident}_x = np.array({list(xs)!r})", f"{ident}_y = np.array({list(ys)!r})"]

    inputs = _inputs(ir, steps)
    size = _size(steps)
    if size > COMPILE_LIMIT:
        largest = max(ir.elements, key=lambda name: len(ir.elements[name]), default="")
        raise UnsupportedConstruct(
            f"compiled loop for a model of {size} statements (above {COMPILE_LIMIT}, Numba "
            "would compile for tens of minutes)", largest,
            "run it with backend='numpy', as fast for models this large")
    if size > CHUNKED_FROM:
        return "\n".join(lines) + "\n\n" + "\n".join(_chunked(ir, steps, render, inputs)) + "\n"
    updates = steps.updates
    recorded = [ident for _, ident in steps.dynamic]
    statics = [ident for _, ident in steps.static]
    save_only_targets = {s.target for s in steps.save_only}

    i1, i2, i3 = "        ", "            ", "                "
    body = [f"INPUTS = {inputs!r}", f"STATICS = {statics!r}", "", "",
            "@njit(**_J)",
            "def kernel(IN, times, saves, need, sel_j, sel_i, out, ST, first, stop):",
            "    _last = times.shape[0] - 1",
            f"    _rec = np.empty({max(len(recorded), 1)})",
            "    # one member's saved values, copied to out[row, member, :] when it is done (one",
            "    # contiguous row each: writing out[row, member, s] as we go would touch a page",
            "    # per row at every saved time)",
            "    _buf = np.empty((sel_j.shape[0], out.shape[2]))",
            "    for _m in range(first, stop):"]
    body += [f"{i1}{ident} = IN[{r}, _m]" for r, ident in enumerate(inputs)]
    body += [f"{i1}{TIME} = times[0]"]
    for stmt in steps.init:
        body.append(f"{i1}{stmt.target} = {render.value(stmt.init_expr)}")
    body += [f"{i1}ST[{r}, _m] = {ident}" for r, ident in enumerate(statics)]
    for st in updates:
        if st.mode == "ring":
            x = st.ident
            body += [f"{i1}_ord_{x} = int({st.order})", f"{i1}_pipe_{x} = np.empty(_ord_{x})",
                     f"{i1}_pipe_{x}[:] = {x}", f"{i1}_ptr_{x} = 0"]
    body += [f"{i1}{ident} = np.nan" for ident in recorded if ident in save_only_targets]
    body += [f"{i1}_s = 0", f"{i1}for _k in range(_last + 1):", f"{i2}{TIME} = times[_k]"]
    body += [f"{i2}{s.target} = {render.value(s.expr)}" for s in steps.per_step]
    body += [f"{i2}if saves[_k]:"]
    for k, s in enumerate(steps.save_only):
        body += [f"{i3}if need[{k}]:", f"{i3}    {s.target} = {render.value(s.expr)}"]
    body += [f"{i3}_rec[{i}] = {ident}" for i, ident in enumerate(recorded)]
    body += [f"{i3}for _q in range(sel_j.shape[0]):",
             f"{i3}    _buf[_q, _s] = _rec[sel_i[_q]]",
             f"{i3}_s += 1",
             f"{i2}if _k == _last:", f"{i2}    break"]
    body += [f"{i2}{st.update.target} = {render.value(st.update.expr)}" for st in updates]
    for st in updates:
        body += render.state_update(st.mode, st.ident, st.update.target, i2)
    body += [f"{i1}for _q in range(sel_j.shape[0]):",
             f"{i1}    out[sel_j[_q], _m, :] = _buf[_q, :]"]
    return "\n".join(lines) + "\n\n" + "\n".join(body) + "\n"
