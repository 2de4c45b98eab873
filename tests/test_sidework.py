"""The side process that draws plots while the command writes its other files
(:mod:`cycle.io.sidework`): results in order, failures raised here, nothing left running, and
the same files as without it."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest
from PIL import Image

from cycle.cli.main import main
from cycle.errors import CycleError
from cycle.io import sidework
from cycle.io.manifest import verify_folder
from cycle.io.sidework import SideProcess, side_process

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def double(x):
    return 2 * x


def pid_and(x):
    return os.getpid(), x


def slow_pid_and(x):
    time.sleep(0.02)
    return os.getpid(), x


def fail(message):
    raise OSError(28, message)


def die():
    os._exit(3)


@pytest.fixture
def forking(monkeypatch):
    """A side process even on one core (the test checks the mechanism, not the speed)."""
    monkeypatch.setattr(sidework, "_cores", lambda: 2)
    monkeypatch.delenv("CYCLE_SIDE_PROCESS", raising=False)
    sidework.allow(True)
    yield
    sidework.allow(False)


@pytest.mark.parametrize("fork", [True, False])
def test_results_come_back_in_order(fork):
    data = np.arange(5)
    side = SideProcess(jobs=[lambda: data.sum(), lambda: "second"], fork=fork)
    side.submit(double, 21)
    side.submit(pid_and, "x")
    side.submit(lambda: "a local function runs here")  # cannot be pickled
    out = side.results()
    assert out[:3] == [10, "second", 42]
    assert out[3][1] == "x" and (out[3][0] != os.getpid()) == fork
    assert out[4] == "a local function runs here"
    assert side.pid is None


@pytest.mark.parametrize("fork", [True, False])
def test_shared_jobs_run_once_each_in_either_process(fork):
    from functools import partial

    side = SideProcess(jobs=[partial(pid_and, "first")],
                       shared=[partial(slow_pid_and, i) for i in range(20)], fork=fork)
    side.take_shared()
    out = side.results()
    assert [x for _pid, x in out] == ["first", *range(20)]
    pids = {pid for pid, _x in out[1:]}
    assert os.getpid() in pids or not fork  # this process took some (the side is busy)
    assert len(pids) <= 2 and (out[0][0] != os.getpid()) == fork


def test_a_failure_in_the_side_process_is_raised_here_with_its_traceback():
    side = SideProcess(fork=True)
    side.submit(double, 1)
    side.submit(fail, "No space left on device")
    side.submit(double, 2)  # skipped after the failure
    with pytest.raises(OSError, match="No space left on device") as info:
        side.results()
    assert info.value.errno == 28
    assert any("side process" in note and "fail" in note for note in info.value.__notes__)
    assert side.pid is None


def test_a_side_process_that_dies_is_an_error_not_a_short_list():
    side = SideProcess(fork=True)
    side.submit(double, 1)
    side.submit(die)
    with pytest.raises(CycleError, match=r"ended early \(exit code 3\); 1 of 2 files not written"):
        side.results()


def test_a_failing_block_kills_and_reaps_the_side_process(forking):
    with pytest.raises(KeyError):
        with side_process(jobs=[lambda: time.sleep(60)]) as side:
            pid = side.pid
            raise KeyError("the command failed")
    assert pid is not None
    with pytest.raises(ChildProcessError):  # reaped
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(ProcessLookupError):  # gone
        os.kill(pid, signal.SIGCONT)


def test_without_permission_nothing_forks(monkeypatch):
    sidework.allow(False)
    assert not sidework.can_fork()
    side = SideProcess(jobs=[os.getpid])
    assert side.pid is None and side.results() == [os.getpid()]


def test_cycle_run_writes_the_same_files_with_and_without_a_side_process(tmp_path, monkeypatch,
                                                                         forking):
    args = ["run", "--until", "2030", "--set", "Reloan Quota Policy=60"]
    assert main([*args, "--out", str(tmp_path / "side")]) == 0
    monkeypatch.setenv("CYCLE_SIDE_PROCESS", "0")
    assert main([*args, "--out", str(tmp_path / "here")]) == 0
    for name in ("key_stocks.png", "tech_loan_balance.png", "tech_loan_balance_2021_2026.png"):
        a = np.asarray(Image.open(tmp_path / "side" / name))
        b = np.asarray(Image.open(tmp_path / "here" / name))
        assert a.shape == b.shape and (a == b).all(), name
    assert ((tmp_path / "side" / "trajectories.csv").read_bytes()
            == (tmp_path / "here" / "trajectories.csv").read_bytes())
    assert verify_folder(tmp_path / "side") == []


def broken_key_stocks(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_a_plot_failing_in_the_side_process_leaves_the_old_set(tmp_path, monkeypatch, capsys,
                                                               forking):
    import cycle.plotting.trajectories as plots

    out = tmp_path / "out"
    assert main(["run", "--until", "2030", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(plots, "plot_key_stocks", broken_key_stocks)
    assert main(["run", "--until", "2030", "--set", "Reloan Quota Policy=60",
                 "--out", str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [n for n in os.listdir(tmp_path) if ".partial-" in n] == []


def test_killing_the_command_kills_its_side_process():
    """A SIGKILLed command leaves no side process writing into its staging folder."""
    import subprocess
    import sys

    code = ("import time\n"
            "from cycle.io.sidework import SideProcess\n"
            "side = SideProcess(jobs=[lambda: time.sleep(60)], fork=True)\n"
            "print(side.pid, flush=True)\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(proc.stdout.readline())
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{child}/stat") as f:  # killed but not yet reaped by init
            if f.read().split(") ")[1].startswith("Z"):
                return
        time.sleep(0.01)
    pytest.fail("the side process outlived the command")


def test_a_large_job_does_not_wait_for_the_side_process_to_read_it():
    """Submitting data larger than a pipe's buffer returns at once, while the side process
    is still busy (warming up); the data arrive intact and in order."""
    big = np.arange(1_000_000, dtype=float)  # 8 MB
    side = SideProcess(warm=lambda: time.sleep(1.0), fork=True)
    start = time.monotonic()
    side.submit(np.sum, big)
    side.submit(double, 4)
    side.submit(np.max, big)
    assert time.monotonic() - start < 0.5
    assert side.results() == [big.sum(), 8, big.max()]


def test_killing_while_a_large_job_is_on_its_way(forking):
    big = np.zeros(2_000_000)
    with pytest.raises(KeyError):
        with side_process(warm=lambda: time.sleep(60)) as side:
            side.submit(np.sum, big)
            raise KeyError("the command failed")


def test_two_side_processes_at_once_do_not_hold_each_others_pipes():
    """A side process forked while another is alive must not keep the first one's job pipe
    open, or the first never sees the end of its jobs (a deadlock)."""
    first = SideProcess(jobs=[partial_sleep], fork=True)
    second = SideProcess(jobs=[lambda: "second"], fork=True)
    assert first.results() == ["slept"]
    assert second.results() == ["second"]


def partial_sleep():
    time.sleep(0.2)
    return "slept"


def test_an_ensemble_failing_after_samples_csv_started_leaves_nothing(tmp_path, monkeypatch,
                                                                      capsys, forking):
    """samples.csv is written by a side process while the runs go on; a failure after that
    leaves no side process, no staging folder and the old set as it was."""
    import cycle.ensembles.runner as runner

    out = tmp_path / "ens"
    args = ["ensemble", "baseline", "--samples", "100", "--seed", "1", "--until", "2030",
            "--out", str(out)]
    assert main(args) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, "percentile_table", broken)
    assert main(args[:-1] + [str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [n for n in os.listdir(tmp_path) if ".partial-" in n] == []
    with pytest.raises(ChildProcessError):  # every side process reaped
        os.waitpid(-1, os.WNOHANG)


_WARMED: dict[str, int] = {}


def mark_warm():
    _WARMED["pid"] = os.getpid()


def pid_and_warmed(x):
    return os.getpid(), _WARMED.get("pid"), x


def test_a_helper_starts_with_what_warming_prepared_and_runs_its_own_jobs():
    side = SideProcess(warm=mark_warm, workers=2, fork=True)
    side.submit_to(1, pid_and_warmed, "helper 1")
    side.submit(pid_and_warmed, "head")
    side.submit_to(1, pid_and_warmed, "helper 2")
    (helper, warmed_1, a), (head, warmed_0, b), (helper_2, _, c) = side.results()
    assert (a, b, c) == ("helper 1", "head", "helper 2")  # in the order given
    assert helper == helper_2 and len({helper, head, os.getpid()}) == 3
    assert warmed_1 == warmed_0 == head  # warmed once, in the head, before the helper forked
    assert "pid" not in _WARMED  # not here


@pytest.mark.parametrize("fork", [True, False])
def test_shared_jobs_are_claimed_by_helpers_too(fork):
    from functools import partial

    side = SideProcess(shared=[partial(slow_pid_and, i) for i in range(30)], workers=2,
                       fork=fork)
    out = side.results()
    assert [x for _pid, x in out] == list(range(30))
    assert len({pid for pid, _x in out}) == (2 if fork else 1)


def test_a_helpers_failure_is_raised_here_and_its_death_is_an_error():
    side = SideProcess(workers=2, fork=True)
    side.submit(double, 1)
    side.submit_to(1, fail, "No space left on device")
    with pytest.raises(OSError, match="No space left on device") as info:
        side.results()
    assert any("fail" in note for note in info.value.__notes__)
    side = SideProcess(workers=2, fork=True)
    side.submit(double, 1)
    side.submit_to(1, die)
    with pytest.raises(CycleError, match=r"ended early \(exit code 3\); 1 of 2 files not written"):
        side.results()


def test_killing_the_side_process_kills_its_helpers(tmp_path, forking):
    """A failing command leaves no helper that could still write into its staging folder:
    when the block ends, the helper is exiting with no file open, or gone."""
    pid_file = tmp_path / "helper"
    with pytest.raises(KeyError):
        with side_process(workers=2) as side:
            side.submit_to(1, write_pid_and_sleep, str(pid_file))
            deadline = time.monotonic() + 10
            while not pid_file.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            raise KeyError("the command failed")
    helper = int(pid_file.read_text())
    try:
        open_files = os.listdir(f"/proc/{helper}/fd")  # empty once its exit closed them
    except FileNotFoundError:  # exited and reaped
        open_files = []
    except PermissionError:  # a zombie's, to a user other than root
        with open(f"/proc/{helper}/stat") as f:
            open_files = [] if f.read().split(") ")[1][0] in "ZX" else ["?"]
    assert open_files == []


def write_pid_and_sleep(path):
    with open(path + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(path + ".tmp", path)
    time.sleep(60)


def test_workers_are_checked():
    with pytest.raises(ValueError, match="at least 1"):
        SideProcess(workers=0, fork=False)
    side = SideProcess(workers=2, fork=False)
    side.submit_to(1, double, 2)  # without forking, at once, here
    with pytest.raises(ValueError, match=r"worker must be in 0\.\.1, got 2"):
        side.submit_to(2, double, 2)
    assert side.results() == [4]
