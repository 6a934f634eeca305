"""Processes ended from outside: SIGTERM ends `check` through its cleanup
(exit 143, workers stopped, spill files gone); a coordinator killed outright
takes its workers with it (Linux); a worker killed mid-run ends the run with
a message and exit 3, never click's "Aborted!" and exit 1 (a violation to
scripts). Each test starts `check` in a subprocess and signals it or one of
its workers once the run is under way."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from checker.errors import WorkerLost, how_it_ended
from checker.parallel import explore_parallel
from checker.spill import remove_stale_spill_files
from tests.checker.test_spill import is_the_spill_pair, wait_for_the_spill_files
from tests.checker.tiny_models import Dying
from tests.processes import descendants, kill_all, wait_for_descendants, wait_until_gone

CHECK = shutil.which("check") or "check"
LINUX = sys.platform.startswith("linux")
R2_ON_TWO = ["model", "--config", "R2", "--workers", "2", "--quiet", "--max-seconds", "120"]


def start(args: list[str], tmp_path: Path | None) -> subprocess.Popen[str]:
    """`check args`, its temp dir `tmp_path` (None: the system's)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if tmp_path is not None:
        env["TMPDIR"] = str(tmp_path)
    return subprocess.Popen(
        [CHECK, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def finish(process: subprocess.Popen[str], seconds: float = 60) -> str:
    try:
        out, _ = process.communicate(timeout=seconds)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return out


pytestmark = pytest.mark.skipif(not LINUX, reason="reads the process tree from /proc")


@pytest.mark.parametrize(("code", "how"), [(7, "exit code 7"), (-9, "killed by SIGKILL")])
def test_a_worker_lost_mid_run_raises_worker_lost_naming_it(code: int, how: str) -> None:
    # Counter(10) on 2 shards: state 4 is expanded by one worker, which dies there.
    with pytest.raises(WorkerLost, match=f"ended mid-run, {how}: no verdict") as lost:
        explore_parallel(Dying(limit=10, at=4, code=code), workers=2)
    assert lost.value.worker in (0, 1) and lost.value.pid is not None


@contextmanager
def r2_on_two_workers(
    tmp_path: Path, *more: str
) -> Iterator[tuple[subprocess.Popen[str], list[int]]]:
    """`check model --config R2 --workers 2` under way, and its two workers;
    whatever a failed test leaves running is killed after it."""
    process = start([*R2_ON_TWO, *more], tmp_path)
    workers: list[int] = []
    try:
        if more:  # --spill always: under way once it has spilled
            names = wait_for_the_spill_files(tmp_path, process, seconds=60)
            assert is_the_spill_pair(names), f"the run never spilled: {names}"
        workers = wait_for_descendants(process.pid, 2, seconds=30)
        assert len(workers) == 2, workers
        time.sleep(0.5)  # the workers are expanding a level
        yield process, workers
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        kill_all(workers)


def test_sigterm_stops_the_workers_and_removes_the_spill_files(tmp_path: Path) -> None:
    with r2_on_two_workers(tmp_path, "--spill", "always") as (process, workers):
        process.send_signal(signal.SIGTERM)
        out = finish(process)
        assert process.returncode == 128 + signal.SIGTERM, out
        assert "SIGTERM: stopping the workers and removing temporary files" in out
        assert "Traceback" not in out, out
        assert wait_until_gone(workers, seconds=10) == []
        assert os.listdir(tmp_path) == []


def test_a_coordinator_killed_outright_takes_its_workers_with_it(tmp_path: Path) -> None:
    with r2_on_two_workers(tmp_path, "--spill", "always") as (process, workers):
        process.kill()
        finish(process)
        # Without the kernel's parent-death signal they would run on, orphaned.
        assert wait_until_gone(workers, seconds=10) == []
    # No `finally` ran: its spill files stay, until a later spill removes them.
    left = sorted(os.listdir(tmp_path))
    assert is_the_spill_pair(left) and all(f"-{process.pid}-" in name for name in left)
    assert sorted(remove_stale_spill_files(str(tmp_path))) == left
    assert os.listdir(tmp_path) == []


def test_a_worker_killed_mid_run_ends_it_with_exit_3_and_says_which(tmp_path: Path) -> None:
    with r2_on_two_workers(tmp_path) as (process, workers):
        os.kill(workers[1], signal.SIGKILL)
        out = finish(process)
        assert process.returncode == 3, out
        assert f"(pid {workers[1]}) ended mid-run, killed by SIGKILL: no verdict" in out
        assert "Aborted!" not in out and "Traceback" not in out, out
        assert wait_until_gone(workers, seconds=10) == []


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the suite runs in one process on one core")
def test_sigterm_ends_the_suite_and_every_process_it_started(tmp_path: Path) -> None:
    process = start([], tmp_path)
    started: list[int] = []
    try:
        # The pool's processes and, under the costliest run, its shard workers.
        started = wait_for_descendants(process.pid, 3, seconds=60)
        assert len(started) >= 3, started
        process.send_signal(signal.SIGTERM)
        out = finish(process)
        assert process.returncode == 128 + signal.SIGTERM, out
        assert "Traceback" not in out, out
        assert wait_until_gone(started, seconds=10) == []
    finally:
        kill_all(started)


@pytest.mark.slow
def test_sigterm_ends_a_ray_run_and_its_local_cluster() -> None:
    """ray.init puts its own handler on SIGTERM (a stack dump and exit 1) and
    its wait turns our SystemExit into SystemExit(1): still exit 143. In the
    system's temp dir: Ray's socket paths would be too long under pytest's."""
    pytest.importorskip("ray", reason="ray is not installed: pip install -e '.[ray]'")
    process = start(["model", "--config", "R2", "--engine", "ray", *R2_ON_TWO[3:]], None)
    started: list[int] = []
    try:
        # The local Ray's processes and the two actors; then a level under way.
        started = wait_for_descendants(process.pid, 5, seconds=60)
        time.sleep(5)
        started = descendants(process.pid)
        assert process.poll() is None and len(started) >= 5, started
        process.send_signal(signal.SIGTERM)
        out = finish(process)
        assert process.returncode == 128 + signal.SIGTERM, out
        assert "SIGTERM: stopping the workers and removing temporary files" in out
        assert "Traceback" not in out and "SIGTERM received" not in out, out
        assert wait_until_gone(started, seconds=30) == []
    finally:
        kill_all(started)


@pytest.mark.parametrize(
    ("exitcode", "how"),
    [
        (-9, "killed by SIGKILL"),
        (-200, "killed by signal 200"),
        (1, "exit code 1"),
        (None, "its pipe closed"),
    ],
)
def test_a_lost_worker_says_how_it_ended_and_travels_pickled(
    exitcode: int | None, how: str
) -> None:
    error = pickle.loads(pickle.dumps(WorkerLost(1, 4321, how_it_ended(exitcode))))
    assert (error.worker, error.pid, error.how) == (1, 4321, how)
    assert str(error).startswith(f"worker 1 (pid 4321) ended mid-run, {how}: no verdict.")
