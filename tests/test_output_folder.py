"""An output folder is always one run's complete set: killed runs, failed writes, two writers.

Each check reads the folder as a user would: :func:`cycle.io.manifest.verify_folder` (every
file listed in the manifest, with its SHA-256, and nothing else) and the data against the
manifest's overrides (the re-loan balance is zero without a re-loan quota and positive with one).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from cycle.cli.main import main
from cycle.io.folder import OutputError, check_out, output_folder
from cycle.io.manifest import verify_folder

ENTRY = "from cycle.cli.main import entry; entry()"
QUOTA = "Reloan Quota Policy"


def _cmd(out, quota: float) -> list[str]:
    return [sys.executable, "-c", ENTRY, "run", "--until", "2035", "--set", f"{QUOTA}={quota:g}",
            "--out", str(out)]


def _one_complete_run(out) -> float:
    """Check `out` is one run's complete set; return the quota that run used."""
    assert verify_folder(out) == [], verify_folder(out)
    manifest = json.loads((out / "manifest.json").read_text())
    quota = manifest["overrides"][QUOTA]
    df = pd.read_csv(out / "trajectories.csv", index_col="time")
    assert (df["Reloan Balance"].iloc[-1] > 0) == (quota > 0), "data from another run"
    assert {"trajectories.csv", "units.csv", "key_stocks.png", "manifest.json"} <= set(
        os.listdir(out))
    return quota


def _leftovers(parent) -> list[str]:
    return [n for n in os.listdir(parent) if ".partial-" in n]


def test_folder_is_replaced_as_a_whole_with_the_users_umask(tmp_path):
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert main(["run", "--until", "2030", "--set", f"{QUOTA}=0", "--out", str(out)]) == 0
    finally:
        os.umask(old)
    assert _one_complete_run(out) == 0
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {oct(0o644)}
    (out / "my_notes.txt").write_text("x\n")  # replacing the folder would delete it: refused
    assert main(["run", "--until", "2030", "--out", str(out)]) == 2
    (out / "my_notes.txt").unlink()
    (out / "tech_loan_balance.png").unlink()  # a file the manifest lists may be missing
    old = os.umask(0o077)
    try:
        assert main(["run", "--until", "2030", "--set", f"{QUOTA}=50", "--out", str(out)]) == 0
    finally:
        os.umask(old)
    assert _one_complete_run(out) == 50
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {oct(0o600)}
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("files_before_kill", [0, 1, 3, 5, 6])
def test_sigkill_leaves_the_old_or_the_new_complete_set(tmp_path, files_before_kill):
    """Kill a run when its staging folder holds 0, 1, 3, 5 or all 6 files (during the model
    run, between CSVs and plots, before the manifest, around the swap)."""
    out = tmp_path / "out"
    subprocess.run(_cmd(out, 0), check=True, capture_output=True)
    assert _one_complete_run(out) == 0
    proc = subprocess.Popen(_cmd(out, 40), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        staging = [tmp_path / n for n in _leftovers(tmp_path)]
        if staging and files_before_kill and sum(
                len(os.listdir(s)) for s in staging if s.is_dir()) >= files_before_kill:
            break
        if staging and not files_before_kill:
            break
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _one_complete_run(out) in (0, 40)
    assert [n for n in os.listdir(tmp_path) if not n.startswith(".")] == ["out"]
    # the next writer cleans whatever the killed one left
    assert main(["run", "--until", "2035", "--set", f"{QUOTA}=70", "--out", str(out)]) == 0
    assert _one_complete_run(out) == 70
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_sigkill_at_random_times(tmp_path):
    out = tmp_path / "out"
    subprocess.run(_cmd(out, 0), check=True, capture_output=True)
    for delay in (0.4, 0.9, 1.4, 1.9):
        proc = subprocess.Popen(_cmd(out, 40), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _one_complete_run(out) in (0, 40)


def test_a_failed_write_leaves_the_old_set(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["run", "--until", "2030", "--set", f"{QUOTA}=0", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    import cycle.plotting.trajectories as plots

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plots, "plot_variable", broken)
    assert main(["run", "--until", "2030", "--set", f"{QUOTA}=60", "--out", str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _leftovers(tmp_path) == []


def test_a_plot_path_that_is_a_folder_does_not_mix_sets(tmp_path):
    """The issue's case: ``out/tech_loan_balance.png`` made a folder. The new set is built
    aside, so the run succeeds and the folder is the new complete set."""
    out = tmp_path / "out"
    assert main(["run", "--until", "2030", "--set", f"{QUOTA}=0", "--out", str(out)]) == 0
    (out / "tech_loan_balance.png").unlink()
    (out / "tech_loan_balance.png").mkdir()
    assert main(["run", "--until", "2030", "--set", f"{QUOTA}=60", "--out", str(out)]) == 0
    assert _one_complete_run(out) == 60
    assert (out / "tech_loan_balance.png").is_file()


def test_a_failure_inside_the_staging_folder_is_reported_and_cleaned(tmp_path):
    target = tmp_path / "res"
    with pytest.raises(IsADirectoryError):
        with output_folder(target) as folder:
            (folder.path / "a.csv").mkdir()  # a writer that finds a folder where its file goes
            (folder.path / "a.csv").write_text("x")
    assert not target.exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize("attempt", range(3))
def test_two_writers_at_once(tmp_path, attempt):
    """Two runs into one folder at once: one writes, the other waits for nothing and fails
    with one line (or both succeed one after the other); the folder is one complete set."""
    out = tmp_path / "out"
    procs = [subprocess.Popen(_cmd(out, q), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for q in (0, 90)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    codes = [c for c, _ in results]
    assert 0 in codes and set(codes) <= {0, 1}, results
    for code, err in results:
        if code == 1:
            errors = [ln for ln in err.splitlines() if ln.startswith("Error:")]
            assert errors == [errors[0]] and "another cycle command is writing" in errors[0]
    assert _one_complete_run(out) in (0, 90)
    assert _leftovers(tmp_path) == []


def test_lock_makes_a_second_writer_fail_at_once(tmp_path):
    target = tmp_path / "res"
    with output_folder(target) as folder:
        (folder.path / "x.txt").write_text("first")
        start = time.monotonic()
        with pytest.raises(Exception, match="another cycle command is writing"):
            with output_folder(target):
                pass
        assert time.monotonic() - start < 5
    assert (target / "x.txt").read_text() == "first"


def test_check_out_refuses_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "manifest.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="current folder"):
        check_out(".")


def test_the_checker_sees_a_mixed_folder(tmp_path):
    """The check the kill and concurrency tests rely on fails on the issue's mixed set (a new
    trajectories.csv beside an old manifest), on a missing file and on a stray one."""
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", "--until", "2030", "--set", f"{QUOTA}=0", "--out", str(a)]) == 0
    assert main(["run", "--until", "2030", "--set", f"{QUOTA}=80", "--out", str(b)]) == 0
    (a / "trajectories.csv").write_bytes((b / "trajectories.csv").read_bytes())
    assert verify_folder(a) == ["trajectories.csv: content differs from the manifest"]
    (a / "units.csv").unlink()
    (a / ".key_stocks.png.1234.png").write_bytes(b"")  # hidden leftovers are not results
    (a / "extra.png").write_bytes(b"x")
    assert sorted(verify_folder(a)) == ["extra.png: not listed in the manifest",
                                        "trajectories.csv: content differs from the manifest",
                                        "units.csv: missing"]
