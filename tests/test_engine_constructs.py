"""Every construct of PySD's Vensim translator the engine runs, checked against PySD in both
loops on small models written here (SDEverywhere style), plus the forms results come in.

Each model is translated by PySD once; each comparison runs a batch of three parameter sets
in the engine and the same three sets one by one in freshly loaded PySD models.
"""

from __future__ import annotations

import logging
import shutil
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pysd
import pytest

from cycle.engine import UnsupportedConstruct, build_engine, runner
from cycle.errors import CycleError

RTOL = 1e-9
CONTROL = {"INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER", "TIME", "Time"}

CONTROL_SECTION = """
Gain = 0.5 ~ Dmnl [0,1] ~ a gain |
Smooth Time = 1.5 ~ Month [0.5,5] ~ a time |
INITIAL TIME = 0 ~ Month ~ |
FINAL TIME = 10 ~ Month ~ |
TIME STEP = 0.125 ~ Month [0,?] ~ |
SAVEPER = TIME STEP*2 ~ Month [0,?] ~ |
"""

MODELS = {
    "time functions": """
        Input = STEP(10, 2) + RAMP(1, 3, 8) + PULSE(5, 1) + 10*SIN(Time)
            + PULSE TRAIN(1, 0.5, 2, 9) + Gain*Time ~ Widget ~ |
        Stock = INTEG(Input - Stock/Smooth Time, 2) ~ Widget ~ |
    """,
    "smooths": """
        Input = STEP(10, 2) + Gain*Time ~ Widget ~ |
        Order = 4 ~ Dmnl ~ |
        S1 = SMOOTH(Input, 2) + SMOOTHI(Input, Smooth Time, 5) ~ Widget ~ |
        S3 = SMOOTH3(Input, 3) + SMOOTH3I(Input, Smooth Time, 2) ~ Widget ~ |
        SN = SMOOTH N(Input, 2, 1, Order) ~ Widget ~ |
    """,
    "delays": """
        Input = STEP(10, 2) + RAMP(Gain, 1, 6) ~ Widget ~ |
        D1 = DELAY1(Input, 2) + DELAY1I(Input, Smooth Time, 1) ~ Widget ~ |
        D3 = DELAY3(Input, 3) + DELAY3I(Input*2, Smooth Time*2, 0) ~ Widget ~ |
        DN = DELAY N(Input, 2, 0, 5) ~ Widget ~ |
    """,
    # orders lowered while order*TIME STEP > delay time; DELAY N with a varying delay time
    # and an order from an auxiliary (and from TIME: fixed at INITIAL TIME), as PySD does
    "lowered and varying delays": """
        Input = STEP(10, 2) + RAMP(Gain, 1, 6) + 3*SIN(Time) ~ Widget ~ |
        Short = 0.25 ~ Month ~ |
        Order = 3 ~ Dmnl ~ |
        Order Aux = Order + 1 ~ Dmnl ~ |
        Timed Order = 2 + STEP(1, 4) ~ Dmnl ~ |
        D3 = DELAY3(Input, Short) + DELAY1(Input, Short/1.5) ~ Widget ~ |
        DN = DELAY N(Input, 2 + Time/5, 1, Order Aux) ~ Widget ~ |
        DNS = DELAY N(Input, Short, 1, 5) + DELAY N(Input, 1, 0, Timed Order) ~ Widget ~ |
        SN = SMOOTH N(Input, Smooth Time, 2, Order Aux) ~ Widget ~ |
    """,
    "delay fixed and active initial": """
        Input = STEP(10, 2) + 3*SIN(Time) ~ Widget ~ |
        DF = DELAY FIXED(Input, Smooth Time, 2) + DELAY FIXED(Input*2, 1.3, Gain) ~ Widget ~ |
        X = ACTIVE INITIAL(Stock*Gain, 1) ~ Widget ~ |
        Stock = INTEG(Input - X, X*3) ~ Widget ~ |
    """,
    "trend forecast initial sample": """
        Input = 5 + STEP(10, 2) + Gain*Time ~ Widget ~ |
        T1 = TREND(Input, Smooth Time, 0.1) ~ 1/Month ~ |
        F1 = FORECAST(Input, 2, 3) ~ Widget ~ |
        Stock = INTEG(Input - Stock, 2) ~ Widget ~ |
        I1 = INITIAL(Gain*3 + Stock) ~ Widget ~ |
        SIT = SAMPLE IF TRUE(Time > 3 :AND: Time < 6, Input, -1) ~ Widget ~ |
    """,
    "lookups": """
        Tbl([(0,0)-(10,10)],(0,0),(5,3),(10,4)) ~ Widget ~ |
        L1 = Tbl(Time*Gain*2.5) + WITH LOOKUP(Time, ([(0,0)-(10,10)],(1,1),(4,2),(8,5)))
            ~ Widget ~ |
        L2 = Tbl(2.5) + Tbl(-1) + Tbl(12) ~ Widget ~ |
    """,
    "functions": """
        Input = 5*SIN(Time) ~ Widget ~ |
        Fn = XIDZ(Input, Time - 5, 7) + ZIDZ(Input, Time - 2) + MODULO(Time, 3)
            + INTEGER(Time*1.7*Gain) + ABS(Input - 1) + LN(Time + 1) + SQRT(Time)
            + MIN(Input, Gain) + MAX(Input, 2) - 2^2 + (-Gain)^2 + EXP(-Time)
            + IF THEN ELSE(Time > 4 :OR: :NOT: Time < 2*Gain, 1, 0)
            + IF THEN ELSE(Input = Gain, 1, 0) + IF THEN ELSE(Input <> 0, 1, 0) ~ Widget ~ |
        Trig = QUANTUM(Time*Gain*3, 0.7) + COS(Time) + TAN(Time/10) + ARCSIN(Gain/2)
            + ARCCOS(Gain/3) + ARCTAN(Time) + SINH(Gain) + COSH(Gain) + TANH(Time - 5)
            + POWER(Gain, 1.5) + LOG(Time + 2, 10) + MODULO(-Time, 3) + INTEGER(-Time*1.3)
            ~ Widget ~ |
        Stock = INTEG(Fn + Trig, 0) ~ Widget ~ |
    """,
    # 1-, 2-, 3-D, subranges, mappings, individually defined elements, EXCEPT, SUM/PROD/
    # VMIN/VMAX, transposition, up-dimensioning, subscripted lookups, delays, smooths,
    # trends and flows, ranges and elements used as values
    "subscripts": """
        Region: North, South, East ~ ~ |
        Sub North: North, East ~ ~ |
        Age: Young, Old ~ ~ |
        Sector: S1, S2 ~ ~ |
        Region2: R1, R2, R3 -> Region ~ ~ |
        Pop0[Region, Age] = 10, 20; 30, 40; 50, 60; ~ People ~ |
        Birth Rate[Region] = 0.1, 0.2, 0.15 ~ 1/Month ~ |
        Share[Region, Age, Sector] = 0.5 ~ Dmnl ~ |
        Pop[Region, Age] = INTEG(Births[Region, Age] - Deaths[Region, Age], Pop0[Region, Age])
            ~ People ~ |
        Births[Region, Young] = Birth Rate[Region] * Total Pop[Region] * Gain ~ People/Month ~ |
        Births[Region, Old] = 0 ~ People/Month ~ |
        Deaths[Region, Age] = Pop[Region, Age] / Life[Age] ~ People/Month ~ |
        Life[Age] = 50, 10 ~ Month ~ |
        Total Pop[Region] = SUM(Pop[Region, Age!]) ~ People ~ |
        All Pop = SUM(Pop[Region!, Age!]) ~ People ~ |
        Max Pop = VMAX(Total Pop[Region!]) ~ People ~ |
        Min Pop = VMIN(Total Pop[Region!]) ~ People ~ |
        Prod Life = PROD(Life[Age!]) * Gain ~ Month ~ |
        Transposed[Age, Region] = Pop[Region, Age] ~ People ~ |
        Cube[Region, Age, Sector] = Pop[Region, Age] * Share[Region, Age, Sector]
            * Sector Weight[Sector] ~ People ~ |
        Sector Weight[Sector] = 1, 2 ~ Dmnl ~ |
        Up[Region, Sector] = Birth Rate[Region] * Sector Weight[Sector] * Time ~ Dmnl ~ |
        North Only[Sub North] = Total Pop[Sub North] * 2 ~ People ~ |
        Values2[Region2] = 1, 2, 3 ~ Dmnl ~ |
        From Mapped[Region] = Values2[Region2] * Time ~ Dmnl ~ |
        Index Val[Region] = Region * Time + IF THEN ELSE(Region = South, 1, 0) ~ Dmnl ~ |
        Tbl[North]((0,1),(10,2)) ~ Dmnl ~ |
        Tbl[South]((0,2),(10,3)) ~ Dmnl ~ |
        Tbl[East]((0,0),(5,1),(10,5)) ~ Dmnl ~ |
        Looked[Region] = Tbl[Region](Time) ~ Dmnl ~ |
        Sm[Region] = SMOOTH(Total Pop[Region], Smooth Time) ~ People ~ |
        Dl[Region] = DELAY3(Total Pop[Region], 2) ~ People ~ |
        Tr[Region] = TREND(Total Pop[Region], 2, 0) ~ 1/Month ~ |
        Ex[Region, Age] :EXCEPT: [North, Young] = Pop[Region, Age] * 2 ~ People ~ |
        Ex[North, Young] = 5 ~ People ~ |
        Single = Pop[South, Old] + Total Pop[East] ~ People ~ |
    """,
    # a macro with a stock, called twice (an instance per call, as PySD)
    "macros": """
        Input = STEP(10, 2) + Gain*Time ~ Widget ~ |
        Out1 = EXPRESSION MACRO(Input, Gain) ~ Widget ~ |
        Out2 = EXPRESSION MACRO(Input*2, Smooth Time) + Out1 ~ Widget ~ |
    """,
    # GET DIRECT constants (CSV and xlsx, scalar and subscripted), data (interpolated,
    # held backward, looked forward) and lookups; the files are written by _files()
    "external data": """
        Region: North, South, East ~ ~ |
        Ext Const = GET DIRECT CONSTANTS('inputs.xlsx', 'Sheet1', 'B5') ~ Dmnl ~ |
        Ext Sub[Region] = GET DIRECT CONSTANTS('inputs.xlsx', 'Sheet1', 'B6') ~ Dmnl ~ |
        Ext Data := GET DIRECT DATA('inputs.xlsx', 'Sheet1', '1', 'B2') ~ Dmnl ~ |
        Ext Hold :HOLD BACKWARD::= GET DIRECT DATA('inputs.xlsx', 'Sheet1', '1', 'B3')
            ~ Dmnl ~ |
        Ext Fwd :LOOK FORWARD::= GET DIRECT DATA('inputs.xlsx', 'Sheet1', '1', 'B3') ~ Dmnl ~ |
        Ext Lk(GET DIRECT LOOKUPS('inputs.xlsx', 'Sheet1', '1', 'B3')) ~ Dmnl ~ |
        Csv Const = GET DIRECT CONSTANTS('data.csv', ',', 'B2') ~ Dmnl ~ |
        Use = Ext Data * Ext Const + Ext Lk(Time*Gain*2) + Ext Sub[South] + Ext Hold + Ext Fwd
            + Csv Const ~ Dmnl ~ |
        Stock = INTEG(Use, 0) ~ Dmnl ~ |
    """,
}


def _files(folder: Path) -> None:
    """The data files of the "external data" model."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    for row in (["x", 0, 2, 5, 10], ["y", 1, 3, 2, 6], ["z", 0, 1, 4, 9], [], ["c", 7.5],
                ["s", 1, 2, 3]):
        sheet.append(row)
    book.save(folder / "inputs.xlsx")
    (folder / "data.csv").write_text("name,value\nk,4.25\n")


MACROS = """:MACRO: EXPRESSION MACRO(input, parameter)
EXPRESSION MACRO = INTEG(input*parameter - EXPRESSION MACRO/2, parameter)
\t~\tinput
\t~\ta macro with a stock
\t|
:END OF MACRO:
"""


def write_mdl(body: str, path: Path) -> Path:
    """A .mdl file from ``name = equation ~ units ~ doc |`` lines and the control section
    (with the macro definition when the body calls it)."""
    lines = []
    for equation in (textwrap.dedent(body) + CONTROL_SECTION).strip().split("|"):
        equation = " ".join(equation.split())
        if not equation:
            continue
        lhs, units, doc = (equation.split("~") + ["", ""])[:3]
        lines.append(f"{lhs.strip()}\n\t~\t{units.strip()}\n\t~\t{doc.strip()}\n\t|\n")
    macros = MACROS if "EXPRESSION MACRO" in body else ""
    path.write_text("{UTF-8}\n" + macros + "\n".join(lines))
    return path


def pysd_model(mdl: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pysd.read_vensim(str(mdl))
    return mdl.with_suffix(".py")


def pysd_run(py_file: Path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pysd.load(str(py_file)).run(**kwargs)


@pytest.fixture(scope="module", params=list(MODELS))
def case(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param.replace(" ", "_"))
    if request.param == "external data":
        _files(folder)
    mdl = write_mdl(MODELS[request.param], folder / "model.mdl")
    engine = build_engine(mdl)  # the session's cache: Numba compiles each model once
    work = folder / "pysd"
    shutil.copytree(folder, work, ignore=shutil.ignore_patterns("pysd"))
    return request.param, engine, pysd_model(work / "model.mdl")


def compare(result, frame, run: int, label: str) -> None:
    np.testing.assert_array_equal(result.times, frame.index.to_numpy(dtype=float))
    expected_columns = set(frame.columns) - CONTROL
    assert expected_columns <= set(result.values), expected_columns - set(result.values)
    for column in expected_columns:
        expected = frame[column].to_numpy(dtype=float)
        actual = result.values[column][run]
        scale = float(np.nanmax(np.abs(expected))) if np.any(np.isfinite(expected)) else 1.0
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * (scale or 1.0),
                                   err_msg=f"{label}: {column}")


@pytest.mark.parametrize("backend", ["numpy", "numba", "c"])
def test_construct_matches_pysd(case, backend):
    label, engine, py_file = case
    sets = {"Gain": np.array([0.2, 0.5, 0.9]), "Smooth Time": np.array([0.8, 1.5, 3.0])}
    result = engine.run(sets, final_time=12, backend=backend)
    assert set(result.values) >= set(engine.variables)
    for run in range(3):
        frame = pysd_run(py_file, params={k: float(v[run]) for k, v in sets.items()},
                         final_time=12)
        compare(result, frame, run, f"{label} {run} ({backend})")


def test_c_and_numba_loops_agree_to_the_bit(case):
    """``backend="auto"`` takes the C loop with a C compiler and the Numba loop without:
    every construct must give the same numbers in both."""
    label, engine, _ = case
    if not engine.has_native:
        pytest.skip("no C compiler")
    sets = {"Gain": np.array([0.2, 0.5, 0.9]), "Smooth Time": np.array([0.8, 1.5, 3.0])}
    c = engine.run(sets, final_time=12, backend="c")
    numba = engine.run(sets, final_time=12, backend="numba")
    assert list(c.values) == list(numba.values)
    for name in numba.values:
        np.testing.assert_array_equal(c.values[name], numba.values[name],
                                      err_msg=f"{label}: {name}")


# -- names and labelled arrays of subscripted variables ------------------------------------

@pytest.fixture(scope="module")
def subscripted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("subscripted")
    return build_engine(write_mdl(MODELS["subscripts"], folder / "model.mdl"))


def test_element_and_variable_names_as_pysd(subscripted):
    engine = subscripted
    one = engine.run(return_columns=["Pop[South,Old]"], backend="numpy")
    assert list(one.values) == ["Pop[South,Old]"]
    every = engine.run(return_columns=["Pop", "Total Pop"], backend="numpy")
    assert list(every.values) == [f"Pop[{r},{a}]" for r in ("North", "South", "East")
                                  for a in ("Young", "Old")] + [
        "Total Pop[North]", "Total Pop[South]", "Total Pop[East]"]
    np.testing.assert_array_equal(one.values["Pop[South,Old]"], every.values["Pop[South,Old]"])
    # a space after the comma, as Vensim writes references, names the same element
    spaced = engine.run(return_columns=["Pop[South, Old]"], backend="numpy")
    assert list(spaced.values) == ["Pop[South,Old]"]
    assert engine.elements["Transposed"][:2] == ["Transposed[Young,North]",
                                                 "Transposed[Young,South]"]
    assert engine.dims["Cube"][0] == ["Region", "Age", "Sector"]


def test_labelled_array_with_subscript_dimensions(subscripted):
    result = subscripted.run({"Gain": np.array([0.3, 0.6])}, return_columns=["Pop", "All Pop"],
                             backend="numpy")
    pop = result.array("Pop")
    assert pop.dims == ("run", "time", "Region", "Age")
    assert list(pop["Region"].values) == ["North", "South", "East"]
    np.testing.assert_array_equal(pop.sel(Region="East", Age="Young").values,
                                  result.values["Pop[East,Young]"])
    dataset = result.to_xarray()
    assert dataset["Pop"].dims == ("run", "time", "Region", "Age")
    assert dataset["All Pop"].dims == ("run", "time")
    np.testing.assert_allclose(dataset["Pop"].sum(["Region", "Age"]), dataset["All Pop"],
                               rtol=1e-12)


def test_subscripted_parameters_by_element_or_whole(subscripted):
    engine = subscripted
    whole = engine.run({"Birth Rate": 0.3}, return_columns=["Births"], backend="numpy")
    single = engine.run({"Birth Rate[South]": 0.3}, return_columns=["Births"], backend="numpy")
    base = engine.run(return_columns=["Births"], backend="numpy")
    assert not np.allclose(whole.values["Births[North,Young]"],
                           base.values["Births[North,Young]"])
    np.testing.assert_array_equal(single.values["Births[North,Young]"],
                                  base.values["Births[North,Young]"])
    assert not np.allclose(single.values["Births[South,Young]"],
                           base.values["Births[South,Young]"])


def test_out_array_is_written_in_place(subscripted):
    rows, shape, times = subscripted.output_layout(["Pop", "Gain"], n=3)
    assert rows == subscripted.columns(["Pop"]) and shape == (6, 3, len(times))
    big = np.full((6, 5, len(times)), -1.0)
    for backend in ("numpy", "numba", "c"):
        view = big[:, 1:4, :]
        chunk = np.empty(shape)
        result = subscripted.run({"Gain": [0.1, 0.2, 0.3]}, return_columns=["Pop", "Gain"],
                                 out=chunk, backend=backend)
        assert np.shares_memory(result.values["Pop[North,Young]"], chunk)
        view[...] = chunk
        assert np.all(big[:, 0] == -1.0) and np.all(big[:, 4] == -1.0)
    with pytest.raises(ValueError, match="shape"):
        subscripted.run(return_columns=["Pop"], out=np.empty((1, 1, 1)))
    # a view that is not contiguous (members 1-3 of a larger array) is written in place too
    for backend in ("numpy", "numba", "c"):
        big[...] = -1.0
        view = big[:, 1:4, :]
        result = subscripted.run({"Gain": [0.1, 0.2, 0.3]}, return_columns=["Pop", "Gain"],
                                 out=view, backend=backend)
        assert np.shares_memory(result.values["Pop[North,Young]"], big)
        np.testing.assert_array_equal(view, chunk)
        assert np.all(big[:, 0] == -1.0) and np.all(big[:, 4] == -1.0)


# -- what cannot run, and which loop runs --------------------------------------------------

@pytest.mark.parametrize(("body", "construct", "variable"), [
    ("X = GET DIRECT CONSTANTS('missing.csv', ',', 'B2') ~ Widget ~ |", "GET", "X"),
    ("X = RANDOM UNIFORM(0, 1, 0) ~ Widget ~ |", "RANDOM UNIFORM", "X"),
    ("R: A1, A2 ~ ~ |\nV[R] = 1, 2 ~ Widget ~ |\nX[R] = VECTOR SORT ORDER(V[R], 1) ~ Widget ~ |",
     "VECTOR SORT ORDER", "X"),
    ("X = A + 1 ~ Widget ~ |\nA = X * 2 ~ Widget ~ |", "algebraic loop", "X"),
])
def test_unsupported_constructs_are_named(body, construct, variable, tmp_path):
    mdl = write_mdl(body, tmp_path / "bad.mdl")
    with pytest.raises(UnsupportedConstruct) as info:
        build_engine(mdl, cache_dir=tmp_path / "cache")
    assert construct in str(info.value) and f"'{variable}'" in str(info.value)
    assert isinstance(info.value, CycleError)


def test_order_beyond_the_planned_stages_is_an_error(tmp_path):
    engine = build_engine(write_mdl(MODELS["smooths"], tmp_path / "s.mdl"),
                          cache_dir=tmp_path / "cache")
    for backend in ("numpy", "numba", "c"):
        engine.run({"Order": np.array([3.0, 4.0])}, backend=backend)  # up to 4 stages: fine
        with pytest.raises(ValueError, match="order"):
            engine.run({"Order": np.array([3.0, 5.0])}, backend=backend)


def test_numba_backend_never_falls_back_and_auto_says_so_once(subscripted, monkeypatch,
                                                               caplog):
    monkeypatch.setattr(runner, "compiler", lambda: None)
    monkeypatch.setattr(runner, "numba_available", lambda: False)
    monkeypatch.setattr(subscripted, "_kernel", None)
    with pytest.raises(UnsupportedConstruct, match="compiled loop.*Numba is not installed"):
        subscripted.run(backend="numba")
    monkeypatch.setattr(subscripted, "_logged_fallback", False)
    with caplog.at_level(logging.INFO, logger="cycle.engine"):
        subscripted.run(backend="auto")
        subscripted.run(backend="auto")
    messages = [r.getMessage() for r in caplog.records if r.name == "cycle.engine"]
    assert len(messages) == 1 and "NumPy loop" in messages[0]
    assert "no C compiler" in messages[0] and "Numba is not installed" in messages[0]


def test_c_backend_never_falls_back_and_auto_takes_numba_without_a_compiler(
        subscripted, monkeypatch, caplog):
    from cycle.engine import KERNEL_MIN_RUNS

    assert subscripted.loop_for(1) == "c"  # a compiler here: the C loop from one member on
    monkeypatch.setattr(runner, "compiler", lambda: None)
    with pytest.raises(UnsupportedConstruct, match="C loop.*no C compiler"):
        subscripted.run(backend="c")
    assert subscripted.loop_for(1) == "numpy"
    assert subscripted.loop_for(KERNEL_MIN_RUNS) == "numba"
    monkeypatch.setattr(subscripted, "_logged_fallback", False)
    gains = {"Gain": np.linspace(0.1, 0.9, KERNEL_MIN_RUNS)}
    with caplog.at_level(logging.INFO, logger="cycle.engine"):
        subscripted.run(gains, backend="auto")
        subscripted.run(gains, backend="auto")
    messages = [r.getMessage() for r in caplog.records if r.name == "cycle.engine"]
    assert len(messages) == 1 and "no C compiler" in messages[0]
    assert "running the Numba loop" in messages[0]


def test_large_models_compile_in_chunks_with_the_same_results(tmp_path, monkeypatch):
    """Above emit_numba.CHUNKED_FROM statements the kernel keeps values in an array and runs
    them in compiled chunks (one LLVM function per chunk); forced here on a small model."""
    from cycle.engine import emit_numba

    monkeypatch.setattr(emit_numba, "CHUNKED_FROM", 0)
    monkeypatch.setattr(emit_numba, "CHUNK", 7)
    body = MODELS["delay fixed and active initial"] + """
        Region: North, South ~ ~ |
        Rate[Region] = 0.1, 0.2 ~ 1/Month ~ |
        Pop[Region] = INTEG(Rate[Region]*Pop[Region]*Gain - Pop[Region]/Smooth Time, 10)
            ~ People ~ |
        Total = SUM(Pop[Region!]) + Tbl(Time) ~ People ~ |
        Tbl((0,0),(10,5)) ~ People ~ |
        Sm[Region] = SMOOTH3(Pop[Region], 2) ~ People ~ |
    """
    # a model of its own (its cached kernel is always the chunked one): compiled once
    engine = build_engine(write_mdl(body, tmp_path / "chunked.mdl"))
    assert "def _init1(V, _time)" in engine._kernel_source  # several chunks
    sets = {"Gain": np.array([0.2, 0.9]), "Smooth Time": np.array([0.8, 3.0])}
    compiled = engine.run(sets, backend="numba")
    reference = engine.run(sets, backend="numpy")
    for name, values in reference.values.items():
        np.testing.assert_allclose(compiled.values[name], values, rtol=1e-12, atol=1e-12,
                                   err_msg=name)


def test_numba_refusal_names_construct_and_variable(tmp_path, monkeypatch, caplog):
    """A model the compiled loop cannot take (here: more statements than Numba compiles in
    reasonable time, the limit lowered to fit a small model) raises for backend="numba",
    naming the construct and the variable; "auto" runs the NumPy loop and says so once."""
    from cycle.engine import emit_numba

    monkeypatch.setattr(emit_numba, "COMPILE_LIMIT", 10)
    monkeypatch.setattr(runner, "compiler", lambda: None)  # no C loop either
    mdl = write_mdl(MODELS["subscripts"], tmp_path / "model.mdl")
    engine = build_engine(mdl, cache_dir=tmp_path / "cache")
    with pytest.raises(UnsupportedConstruct, match=r"compiled loop for a model of \d+ "
                                                   r"statements") as info:
        engine.run(backend="numba")
    largest = max(len(labels) for labels in engine.elements.values())
    assert len(engine.elements[info.value.variable]) == largest
    assert f"variable '{info.value.variable}'" in str(info.value)
    with caplog.at_level(logging.INFO, logger="cycle.engine"):
        result = engine.run(backend="auto", return_columns=["All Pop"])
        engine.run(backend="auto", return_columns=["All Pop"])
    messages = [r.getMessage() for r in caplog.records if r.name == "cycle.engine"]
    assert len(messages) == 1 and "compiled loop for a model" in messages[0]
    assert result.values["All Pop"].shape == (1, len(result.times))


@pytest.mark.parametrize("backend", ["numpy", "numba", "c"])
def test_one_engine_serves_several_threads(subscripted, backend):
    from concurrent.futures import ThreadPoolExecutor

    gains = [0.1, 0.4, 0.7, 0.95]

    def run(gain):
        return subscripted.run({"Gain": gain}, return_columns=["All Pop"],
                               backend=backend).values["All Pop"].copy()

    alone = [run(g) for g in gains]
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(run, gains * 3))
    for k, values in enumerate(together):
        np.testing.assert_array_equal(values, alone[k % len(gains)])


def test_integer_of_large_and_negative_values_as_pysd(tmp_path):
    """INTEGER is PySD's ``int(x)`` in every loop: exact beyond 2**63, towards zero.  (PySD
    itself cannot run this model: its generated code names ``xr`` without importing it.)"""
    body = """
        Big = 1e19 ~ Widget ~ |
        Whole = INTEGER(Big * (1 + Gain)) + INTEGER(-Gain) + INTEGER(-2.5 * Gain) ~ Widget ~ |
        Stock = INTEG(Whole / 1e19, 0) ~ Widget ~ |
    """
    engine = build_engine(write_mdl(body, tmp_path / "integer.mdl"), cache_dir=tmp_path / "c")
    expected = float(int(1e19 * 1.5) + int(-0.5) + int(-1.25))
    for backend in ("numpy", "numba", "c"):
        result = engine.run({"Gain": np.array([0.5, 0.5])}, final_time=3, backend=backend)
        np.testing.assert_array_equal(result.values["Whole"], expected)


def engine_ir(mdl: Path):
    from cycle.engine.generate import planned

    return planned(mdl)[0]


def test_subscripted_delay_order_lowered_by_the_shortest_element_as_pysd(tmp_path):
    """PySD keeps one Delay for the elements an equation defines and lowers its order while
    order x TIME STEP exceeds the smallest of their delay times: every element's order, not
    only the short one's."""
    body = """
        Region: North, South, East ~ ~ |
        Input = STEP(10, 1) + 3*SIN(Time) ~ Widget ~ |
        Delay Time[Region] = 0.3, 2, 4 ~ Month ~ |
        Weight[Region] = 1, 2, 3 ~ Dmnl ~ |
        Regional[Region] = Input * Gain * Weight[Region] ~ Widget ~ |
        Out[Region] = DELAY3(Regional[Region], Delay Time[Region]) ~ Widget ~ |
        Out1[Region] = DELAY1(Regional[Region], Delay Time[Region] / 2) ~ Widget ~ |
        Out2[Region] = DELAY3(Regional[Region], 1 + SMOOTH(Delay Time[Region], 1)) ~ Widget ~ |
    """
    mdl = write_mdl(body, tmp_path / "lowered.mdl")
    engine = build_engine(mdl, cache_dir=tmp_path / "cache")
    work = tmp_path / "pysd"
    work.mkdir()
    frame = pysd_run(pysd_model(write_mdl(body, work / "lowered.mdl")), final_time=12)
    for backend in ("numpy", "numba", "c"):
        compare(engine.run(final_time=12, backend=backend), frame, 0, f"lowered ({backend})")
    # a stateful delay time is not visited again for the other elements (its states would be
    # built twice): one SMOOTH stage per element, as without the others
    assert sum(st.construct == "SMOOTH" for st in engine_ir(mdl).states) == 3


def test_a_subscripted_delay_of_many_elements_lowers_its_order_as_pysd(tmp_path):
    """250 elements: the shortest delay time is one statement (a balanced ``min`` tree: a
    chain would nest deeper than Python's parser allows) read by every element.  The NumPy
    loop only: the compiled loops of 3,500 statements take seconds to build."""
    elements = ", ".join(f"E{i}" for i in range(250))
    body = f"""
        Many: {elements} ~ ~ |
        Many Time[Many] = 0.2 + Many / 100 ~ Month ~ |
        Many Input[Many] = 10 + Many * STEP(1, 2) * Gain ~ Widget ~ |
        Many Out[Many] = DELAY3(Many Input[Many], Many Time[Many]) ~ Widget ~ |
        Many Total = SUM(Many Out[Many!]) ~ Widget ~ |
    """
    engine = build_engine(write_mdl(body, tmp_path / "many.mdl"), cache_dir=tmp_path / "cache")
    assert engine._native_source.count("_shortest_delay_time = _min(") == 1
    work = tmp_path / "pysd"
    work.mkdir()
    frame = pysd_run(pysd_model(write_mdl(body, work / "many.mdl")), final_time=10,
                     return_columns=["Many Total"])
    total = engine.run(final_time=10, return_columns=["Many Total"], backend="numpy")
    np.testing.assert_allclose(total.values["Many Total"][0], frame["Many Total"], rtol=1e-12)
