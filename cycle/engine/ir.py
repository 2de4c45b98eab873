"""The model as target-neutral statements (what :mod:`cycle.engine.build` produces).

Every model variable is expanded into its elements (a subscripted variable ``y[dimA, dimB]``
into one scalar statement per element ``y[A1,B1]`` ...), so every statement computes one
number per run, in every target.  Expressions are trees of :mod:`cycle.engine.tree`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cycle.engine.tree import refs

__all__ = ["ModelIR", "State", "Statement"]


@dataclass
class Statement:
    """One assignment ``target = expr``.

    Attributes
    ----------
    target : str
        Identifier assigned.
    expr : tree
        Value at every time step.
    name : str or None
        Vensim name of the model variable element computed (``"Stock[A1,B2]"``; None for
        hidden helpers).
    comment : tuple of str
        Original Vensim equation, units and a note (emitted as comments).
    init : tree or None
        Value during initialisation when it differs (ACTIVE INITIAL).
    """

    target: str
    expr: object
    name: str | None = None
    comment: tuple[str, ...] = ()
    init: object | None = None

    @property
    def deps(self) -> frozenset[str]:
        """Identifiers ``expr`` reads."""
        return refs(self.expr)

    @property
    def init_deps(self) -> frozenset[str]:
        """Identifiers read during initialisation."""
        return refs(self.expr if self.init is None else self.init)

    @property
    def init_expr(self) -> object:
        return self.expr if self.init is None else self.init


@dataclass
class State:
    """A value carried from one time step to the next.

    Attributes
    ----------
    ident : str
        Identifier of the state.
    name : str
        Vensim name of the variable (element) that owns it.
    construct : str
        Vensim construct (``INTEG``, ``SMOOTH3``, ``DELAY FIXED`` ...).
    init : Statement
        Value at INITIAL TIME (target ``ident``).
    update : Statement or None
        ``mode="euler"``/``"non_negative"``: the rate of change per model time unit
        (``x = x + dt*rate``, clipped at 0 for non-negative stocks); ``"discrete"``: the next
        value; ``"ring"`` (DELAY FIXED): the value entering the pipe this step; None: fixed
        at its initial value (INITIAL, delay orders).
    mode : str
        ``"euler"``, ``"non_negative"``, ``"discrete"`` or ``"ring"``.
    order : str or None
        For ``"ring"``: identifier of the pipe length (number of time steps, a state fixed
        at initialisation).  Each step: ``pipe[p] = update; p = (p + 1) % order;
        ident = pipe[p]``; the pipe starts filled with the initial value.
    """

    ident: str
    name: str
    construct: str
    init: Statement
    update: Statement | None
    mode: str = "euler"
    order: str | None = None


@dataclass
class ModelIR:
    """Everything an emitter needs, independent of PySD objects.

    Names are element names as PySD labels its output columns (``"k"`` or ``"k[A1,B2]"``).

    Attributes
    ----------
    constants : dict
        Element name -> default value of every constant.
    idents : dict
        Element name -> identifier (constants and variables).
    control : dict
        ``initial_time``/``final_time``/``time_step``/``saveper`` -> Statement.
    aux : dict
        Identifier -> Statement of every auxiliary (visible or hidden).
    states : list of State
    stocks, variables : list of str
        Element names of the stocks (INTEG), and of every non-constant variable.
    units, limits, docs : dict
        By Vensim variable name (not element).
    comments : dict
        Element name -> comment lines.
    lookups : dict
        Table identifier -> ``(xs, ys, kind)``; kind is ``interpolate``, ``extrapolate``,
        ``hold_backward``, ``look_forward`` or ``raw`` (data: NaN off the points).
    dims : dict
        Subscripted variable name -> ``(dimensions, {dimension: elements})``.
    elements : dict
        Variable name -> its element names in PySD's column order (``[name]`` if scalar).
    """

    constants: dict[str, float] = field(default_factory=dict)
    idents: dict[str, str] = field(default_factory=dict)
    control: dict[str, Statement] = field(default_factory=dict)
    aux: dict[str, Statement] = field(default_factory=dict)
    states: list[State] = field(default_factory=list)
    stocks: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    limits: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    docs: dict[str, str] = field(default_factory=dict)
    comments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lookups: dict[str, tuple[tuple[float, ...], tuple[float, ...], str]] = field(
        default_factory=dict)
    dims: dict[str, tuple[list[str], dict[str, list[str]]]] = field(default_factory=dict)
    elements: dict[str, list[str]] = field(default_factory=dict)
