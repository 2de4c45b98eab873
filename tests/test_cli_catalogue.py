"""Catalogue of bad and conflicting input: every case is refused before any work with one line
and exit 2, or (where the input is legitimate but suspicious) runs with a warning naming the
conflict. One row per case: (id, command line, expected exit, expected words).

``{tmp}`` in a command line is the test's temporary folder, filled by :func:`_files`; every
command writes to ``{tmp}/o`` unless the row gives its own ``--out``.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from cycle.cli.main import main

SPEC_WITH_LEVER = """
["Reloan Quota Policy"]
distribution = "uniform"
lower = 0.0
upper = 50.0
provenance = "test: a constant the reloan lever sets"

["Screening Sensitivity"]
distribution = "uniform"
lower = 0.4
upper = 0.8
provenance = "test"
"""

HEADER = "series,region,variable,period,measure,value,unit,sigma,weight,source,definition\n"

LONG = "x" * 300

AFTER_RUNS = {"sensitivity-zero-throughout"}
"""Cases only the runs can reveal (an output that does not vary): refused right after them, with
the run count and progress bar the only other stderr lines, and nothing written."""

CATALOGUE = [
    # -- --out -------------------------------------------------------------------------------
    ("out-is-file-run", "run --out {tmp}/afile", 2, ["is a file, not a folder"]),
    ("out-is-file-compare", "compare reloan --out {tmp}/afile", 2, ["is a file, not a folder"]),
    ("out-is-file-ensemble", "ensemble baseline --samples 8 --out {tmp}/afile", 2,
     ["is a file, not a folder"]),
    ("out-is-file-sensitivity", "sensitivity --output Tech_Loan_Balance --year 2030 "
     "--samples 8 --out {tmp}/afile", 2, ["is a file, not a folder"]),
    ("out-is-file-calibrate", "calibrate --out {tmp}/afile", 2, ["is a file, not a folder"]),
    ("out-under-a-file", "run --out {tmp}/afile/sub", 2, ["is a file, so no folder can be made"]),
    ("out-immutable-parent", "run --out {tmp}/immutable/o", 2, ["cannot create files"]),
    ("out-immutable-folder", "run --out {tmp}/immutable_out", 2, ["cannot replace its files"]),
    ("out-300-characters", f"run --out {{tmp}}/{LONG}", 2, ["bytes long", "at most"]),
    ("out-empty", ["run", "--out", ""], 2, ["--out is empty"]),
    ("out-holds-user-files", "run --out {tmp}/mine", 2, ["no cycle command wrote"]),
    ("out-holds-another-output", "run --out {tmp}/nested", 2,
     ["holds compare/", "not write", "replaced as a whole"]),
    # -- sizes and models --------------------------------------------------------------------
    ("samples-1e12", "ensemble baseline --samples 1000000000000", 2, ["GiB of memory"]),
    ("model-is-toml", "run --model {tmp}/some.toml", 2, ["not a .mdl file"]),
    ("model-missing-mdl", "run --model {tmp}/missing.mdl", 2, ["does not exist"]),
    ("model-unknown-name", "run --model nowhere", 2, ["unknown model"]),
    # -- observations and scenario files -------------------------------------------------------
    ("observation-before-start", "calibrate --data {tmp}/early.csv", 2,
     ["early.csv, line 2", "outside the model's run"]),
    ("observation-nan", "calibrate --data {tmp}/nan.csv", 2,
     ["nan.csv, line 2", "not a finite number"]),
    ("scenario-not-utf8", "compare {tmp}/latin1.toml", 2, ["latin1.toml", "not UTF-8"]),
    ("scenario-empty", "compare {tmp}/empty.toml", 2, ["empty.toml", "is empty"]),
    # -- --set and --until ---------------------------------------------------------------------
    ("set-twice", ["run", "--set", "Reloan Quota Policy=0.5", "--set", "Reloan Quota Policy=0.9"],
     2, ["given twice", "0.5", "0.9"]),
    ("set-unknown-name", ["run", "--set", "Reloan Quota Polcy=3"], 2,
     ["did you mean 'Reloan Quota Policy'"]),
    ("set-no-value", ["run", "--set", "Reloan Quota Policy"], 2, ["expects NAME=VALUE"]),
    ("set-not-a-number", ["run", "--set", "Reloan Quota Policy=abc"], 2, ["is not a number"]),
    ("set-out-of-range", ["run", "--set", "Reloan Quota Policy=3000"], 2, ["outside its range"]),
    ("set-a-stock", ["run", "--set", "Tech Loan Balance=3"], 2, ["not a constant"]),
    ("lever-start-after-until", ["run", "--set", "Reloan Start Year=2045", "--until", "2040"], 0,
     ["Warning:", "Reloan Start Year = 2045", "after the final year 2040", "never acts"]),
    ("scenario-default-start-after-until", "compare {tmp}/nostart.toml --until 2024", 0,
     ["Warning:", "starts in 2025", "after the final year 2024", "never acts"]),
    ("until-one-row", "run --until 2021.1", 2, ["no saved period", "at least"]),
    ("until-too-late", "run --until 2070", 2, ["outside"]),
    ("until-not-a-year", "run --until soon", 2, ["expects a year"]),
    # -- ensembles and Dask --------------------------------------------------------------------
    ("scheduler-empty", ["ensemble", "baseline", "--samples", "8", "--scheduler", ""], 2,
     ["--scheduler is empty"]),
    ("scheduler-and-workers", "ensemble baseline --samples 8 --scheduler tcp://h:8786 "
     "--workers 2", 2, ["conflict"]),
    ("sobol-not-power-of-2", "ensemble baseline --samples 100 --sampler sobol", 2,
     ["power of 2", "64 or 128"]),
    ("workers-1000", "ensemble baseline --samples 8 --workers 1000", 2, ["cores"]),
    ("spec-samples-a-lever-constant", "ensemble reloan --samples 8 --seed 1 --until 2030 "
     "--uncertain {tmp}/lever_spec.toml", 0,
     ["Warning:", "'reloan' sets Reloan Quota Policy", "not sampled"]),
    ("variables-a-constant", ["ensemble", "baseline", "--samples", "8", "--variables",
                              "Reloan Quota Policy"], 2, ["is a constant"]),
    ("variables-unknown", ["ensemble", "baseline", "--samples", "8", "--variables",
                           "Tech Loan Balanse"], 2, ["did you mean"]),
    # -- sensitivity ---------------------------------------------------------------------------
    ("sensitivity-of-a-constant", ["sensitivity", "--output", "Reloan Quota Policy", "--year",
                                   "2030", "--samples", "8"], 2, ["is a constant"]),
    ("sensitivity-zero-throughout", ["sensitivity", "--output", "Risk Shared Bonds", "--year",
                                     "2040", "--samples", "8"], 2,
     ["zero in every run", "every index would be zero"]),
    ("sensitivity-at-initial-time", ["sensitivity", "--output", "Tech Loan Balance", "--year",
                                     "2021", "--samples", "8"], 2, ["INITIAL TIME"]),
    ("sensitivity-sobol-not-power-of-2", ["sensitivity", "--output", "Tech Loan Balance",
                                          "--year", "2030", "--samples", "100"], 2,
     ["power of 2"]),
    # -- commands and engines ------------------------------------------------------------------
    ("unknown-command", ["rn"], 2, ["invalid choice"]),
    ("unknown-engine", "run --engine fast", 2, ["invalid choice"]),
    ("lang-unknown", "run --lang fr", 2, ["invalid choice"]),
]


def _chattr(path, flag: str) -> bool:
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


@pytest.fixture
def files(tmp_path):
    """Every file a catalogue row refers to."""
    (tmp_path / "afile").write_text("not a folder\n")
    (tmp_path / "some.toml").write_text('name = "x"\n')
    (tmp_path / "early.csv").write_text(
        HEADER + "s,Northeast,Tech Loan Balance,2019,balance,420,BnYuan,10,1,x,y\n")
    (tmp_path / "nan.csv").write_text(
        HEADER + "s,Northeast,Tech Loan Balance,2021,balance,nan,BnYuan,10,1,x,y\n")
    (tmp_path / "latin1.toml").write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    (tmp_path / "empty.toml").write_text("  \n")
    (tmp_path / "nostart.toml").write_text('name = "late"\n[levers.reloan]\nquota = 33\n')
    (tmp_path / "lever_spec.toml").write_text(SPEC_WITH_LEVER)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my own notes\n")
    (tmp_path / "nested" / "compare").mkdir(parents=True)
    (tmp_path / "nested" / "manifest.json").write_text('{"files": {"trajectories.csv": "0"}}')
    (tmp_path / "nested" / "trajectories.csv").write_text("time\n")
    (tmp_path / "nested" / "compare" / "manifest.json").write_text("{}")
    immutable = [tmp_path / "immutable", tmp_path / "immutable_out"]
    immutable[0].mkdir()
    immutable[1].mkdir()
    (immutable[1] / "manifest.json").write_text("{}\n")
    ok = all(_chattr(p, "+i") for p in immutable)
    yield tmp_path, ok
    for p in immutable:
        _chattr(p, "-i")


@pytest.mark.parametrize("case, argv, code, words", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_catalogue(case, argv, code, words, files, capsys):
    tmp, immutable_ok = files
    if "immutable" in case and not immutable_ok:
        pytest.skip("chattr +i is not available here")
    argv = argv.split() if isinstance(argv, str) else list(argv)
    argv = [a.replace("{tmp}", str(tmp)) for a in argv]
    if argv[0] in ("run", "compare", "ensemble", "sensitivity", "calibrate") and "--out" not in argv:
        argv += ["--out", str(tmp / "o")]
    before = sorted(os.listdir(tmp))
    got = main(argv)
    err = capsys.readouterr().err
    assert got == code, err
    lines = [ln for ln in err.splitlines() if ln.startswith(("Error:", "Warning:"))]
    if code == 2 and case in AFTER_RUNS:
        assert len([ln for ln in lines if ln.startswith("Error:")]) == 1, err
        assert err.rstrip("\n").splitlines()[-1].startswith("Error: "), err
    elif code == 2:
        assert err.count("\n") == 1 and err.startswith("Error: "), err  # one line, nothing else
    if code == 2:
        assert "Traceback" not in err
        after = sorted(os.listdir(tmp))
        if case in AFTER_RUNS:  # the folder's lock file (hidden) exists, nothing else
            after = [n for n in after if not n.endswith(".cycle-lock")]
        assert after == before, "nothing is written when the input is refused"
    text = "\n".join(lines)
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"


def test_catalogue_size():
    """The catalogue's count, visible in the test log (the issue's cases plus the earlier ones)."""
    refused = sum(1 for c in CATALOGUE if c[2] == 2)
    warned = sum(1 for c in CATALOGUE if c[2] == 0)
    assert (refused, warned) == (42, 3)
