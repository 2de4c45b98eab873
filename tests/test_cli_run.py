"""`cycle run` and `cycle vars`, invoked in-process through `main(argv)`."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cycle.cli.main import main


def test_run_writes_trajectories_plots_and_manifest(tmp_path, model):
    out = tmp_path / "out"
    assert main(["run", "--until", "2040", "--set", "Reloan Quota Policy=30", "--out", str(out)]) == 0
    df = pd.read_csv(out / "trajectories.csv", index_col="time")
    assert df.index[-1] == 2040.0 and "Tech Loan Balance" in df
    for png in ("key_stocks.png", "tech_loan_balance.png", "tech_loan_balance_2021_2026.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == {"Reloan Quota Policy": 30.0}
    assert manifest["model"]["sha256"] == model.sha256
    assert manifest["constants"]["Reloan Quota Policy"] == 30.0
    assert manifest["versions"]["pysd"].startswith("3.14")
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left behind"
    units = pd.read_csv(out / "units.csv")
    assert set(df.columns) <= set(units["column"])
    assert units.set_index("column").loc["Tech Loan Balance", "units"] == "BnYuan"
    assert manifest["computation"]["engine"] == "engine"
    # one member: the C loop where there is a C compiler, else chosen by size (NumPy); the C
    # loop's numbers depend on the compiler and the C library's functions: both recorded
    assert manifest["computation"]["loop"] == ("c" if model.engine.has_native else "numpy")
    if model.engine.has_native:
        assert manifest["versions"]["c_compiler"] not in ("", "unknown", None)
        assert manifest["versions"]["libc"]


def test_engine_and_pysd_agree_on_every_shipped_scenario(model):
    """The engine is the runner; PySD stays the reference (cycle compare --engine pysd)."""
    from cycle.compare import compare
    from cycle.scenarios import available_scenarios

    names = available_scenarios()
    fast = compare(names, model=model, progress=False)
    ref = compare(names, model=model, progress=False, engine="pysd")
    a = fast.trajectories.set_index(["scenario", "variable", "time"])["value"]
    b = ref.trajectories.set_index(["scenario", "variable", "time"])["value"]
    assert a.index.equals(b.index) and len(set(a.index.get_level_values(0))) == len(names)
    scale = b.abs().groupby(level=[0, 1]).transform("max").clip(lower=1e-12)
    assert ((a - b).abs() / scale).max() < 1e-12


def test_vars_and_levers_fit_100_columns(capsys):
    for argv in (["vars"], ["levers"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert max(len(line) for line in out.splitlines()) <= 100
    assert main(["levers", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["lever"] == "reloan"
    assert main(["vars", "--format", "markdown", "--kind", "stock"]) == 0
    assert capsys.readouterr().out.startswith("| name | kind |")


def test_chinese_labels_render(tmp_path):
    """--lang zh draws Chinese labels with the registered CJK font (no missing-glyph boxes)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        assert main(["run", "--lang", "zh", "--until", "2030", "--set", "Reloan Quota Policy=20",
                     "--out", str(tmp_path / "zh")]) == 0
    from cycle.plotting.style import setup

    setup("en")


def test_vars_lists_variables_with_units(capsys):
    assert main(["vars", "--csv"]) == 0
    table = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    row = table.set_index("name").loc["Tech Loan Balance"]
    assert row["units"] == "BnYuan" and row["kind"] == "stock"
    assert table["doc"].notna().all()


def test_the_console_entry_exits_with_mains_code_and_flushes(tmp_path):
    """`entry` ends the process without the interpreter's teardown: the exit code, the
    printed paths and the error line must come out all the same, and a closed pipe is quiet."""
    import subprocess
    import sys

    entry = [sys.executable, "-c", "from cycle.cli.main import entry; entry()"]
    ok = subprocess.run([*entry, "run", "--until", "2025", "--out", str(tmp_path / "r")],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.strip().endswith("manifest.json")
    assert len(ok.stdout.splitlines()) == 6
    bad = subprocess.run([*entry, "run", "--until", "1990", "--out", str(tmp_path / "b")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("Error: final year 1990")
    head = subprocess.run(f"{' '.join(entry[:2])} '{entry[2]}' vars | head -1", shell=True,
                          capture_output=True, text=True)
    assert head.stdout.startswith("name") and "Traceback" not in head.stderr
    assert "BrokenPipe" not in head.stderr


def test_run_and_help_import_only_what_they_need(tmp_path):
    """`cycle run` needs neither the fitting, sampling and compiling libraries nor PySD (its
    translation is cached); `cycle --help` not even pandas (each costs tenths of a second)."""
    import subprocess
    import sys

    heavy = ["scipy", "numba", "pysd", "xarray", "dask", "SALib", "emcee", "zarr",
             "matplotlib.pyplot"]
    code = ("import sys\n"
            "from cycle.cli.main import main\n"
            f"main(['run', '--until', '2030', '--out', {str(tmp_path / 'r')!r}])\n"
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    code = ("import sys\n"
            "from cycle.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ['pandas', 'numpy', 'matplotlib'] if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_run_draws_in_side_processes_that_never_import_pandas(tmp_path):
    """`cycle run` forks its plotting processes before it imports pandas and sends them
    NumPy arrays: they never import pandas, and the command itself never imports matplotlib
    (together half a second of a command that takes two thirds of one)."""
    import subprocess
    import sys

    code = ("import os, sys\n"
            "import cycle.io.sidework as sidework\n"
            "import cycle.runs as runs\n"
            "sidework._cores = lambda: 2  # fork even on one core\n"
            "def spy(fn):\n"
            "    def job(*args, **kwargs):\n"
            "        spy = os.path.join(sys.argv[1], 'spy', f'{os.getpid()}.{fn.__name__}')\n"
            "        with open(spy, 'a') as f:\n"
            "            f.write(repr(sorted(m for m in ('pandas', 'matplotlib.figure')\n"
            "                                if m in sys.modules)))\n"
            "        return fn(*args, **kwargs)\n"
            "    job.__module__, job.__qualname__ = fn.__module__, fn.__qualname__\n"
            "    return job\n"
            "runs.draw_key_stocks = spy(runs.draw_key_stocks)\n"
            "runs.draw_loan_balance = spy(runs.draw_loan_balance)\n"
            "from cycle.cli.main import main\n"
            "assert main(['run', '--until', '2030', '--out', os.path.join(sys.argv[1], 'r')]) == 0\n"
            "print(os.getpid(), 'matplotlib' in sys.modules, 'pandas' in sys.modules)\n")
    (tmp_path / "spy").mkdir()
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                         text=True, check=True)
    here, matplotlib_here, pandas_here = out.stdout.splitlines()[-1].split()
    assert (matplotlib_here, pandas_here) == ("False", "True")
    seen = {p.name: p.read_text() for p in (tmp_path / "spy").iterdir()}
    pids = {name.split(".")[0] for name in seen}
    jobs = sorted(name.split(".")[1] for name in seen)
    assert jobs == ["draw_key_stocks", "draw_loan_balance"]  # the grid, then the two loan plots
    assert here not in pids and len(pids) == 2  # two side processes, one for each kind
    assert set(seen.values()) == {"['matplotlib.figure']['matplotlib.figure']",
                                  "['matplotlib.figure']"}


@pytest.mark.parametrize("stock, grid", [("Made = INTEG(Inflow, 10)", True),
                                         ("Made = 10 + Inflow", False)])
def test_run_of_a_model_of_ones_own_plots_its_stocks(tmp_path, own_model, stock, grid):
    """A model without the Northeast variables gets a grid of its own stocks (and no loan
    plots); a model without stocks, no grid: no error after the run either way."""
    from cycle.io.manifest import verify_folder

    mdl = own_model(stock)
    out = tmp_path / "out"
    assert main(["run", "--model", str(mdl), "--set", "Rate=0.1", "--out", str(out)]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(["trajectories.csv", "units.csv", "manifest.json"]
                           + (["key_stocks.png"] if grid else []))
    assert verify_folder(out) == []
