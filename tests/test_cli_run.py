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


@pytest.mark.parametrize("argv, message", [
    (["run", "--set", "Reloan Quota Polcy=3"], "did you mean 'Reloan Quota Policy'"),
    (["run", "--set", "Reloan Quota Policy"], "expects NAME=VALUE"),
    (["run", "--set", "Reloan Quota Policy=abc"], "is not a number"),
    (["run", "--set", "Reloan Quota Policy=3000"], "outside its range"),
    (["run", "--set", "Tech Loan Balance=3"], "not a constant"),
    (["run", "--until", "2070"], "outside"),
    (["run", "--until", "soon"], "expects a year"),
    (["run", "--model", "nowhere"], "unknown model"),
    (["rn"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, argv, message):
    code = main([*argv, "--out", str(tmp_path / "o")] if argv[0] == "run" else argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("Error: "), err
    assert message in err
    assert not (tmp_path / "o").exists(), "nothing is written when the input is bad"


def test_vars_lists_variables_with_units(capsys):
    assert main(["vars", "--csv"]) == 0
    table = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    row = table.set_index("name").loc["Tech Loan Balance"]
    assert row["units"] == "BnYuan" and row["kind"] == "stock"
    assert table["doc"].notna().all()
