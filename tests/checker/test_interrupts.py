"""Ctrl-C stops every command cleanly: the figures so far, exit 3, no
"Aborted!" and no traceback (issue 15, defect 9). Each test starts `check`
in a subprocess, sends it SIGINT once it is under way, and reads what it printed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pytest

CHECK = shutil.which("check") or "check"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(args: list[str], after: float = 3.0, stdin: int | None = None) -> tuple[int, str]:
    """Run `check args`, send SIGINT after `after` seconds; its exit code and output."""
    process = subprocess.Popen(
        [CHECK, *args],
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # A job started in the background of a non-interactive shell (a CI
        # script's `cmd &`) inherits SIGINT ignored; give the child Ctrl-C back.
        preexec_fn=_default_sigint,
    )
    try:
        time.sleep(after)
        assert process.poll() is None, "the command ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in out, out
    assert "Aborted!" not in out, out
    return process.returncode, out


def test_ctrl_c_in_check_run_audits_what_completed_and_exits_3() -> None:
    code, out = interrupt(["run", "--requests", "100000", "--max-interval", "0.01"])
    assert code == 3, out
    assert "interrupted by Ctrl-C after" in out
    assert "conservation: holds" in out
    assert "verdict: INCOMPLETE" in out


def test_ctrl_c_in_check_shell_closes_with_the_commands_so_far_and_exits_3() -> None:
    code, out = interrupt(["shell", "--servers", "3"], stdin=subprocess.PIPE)
    assert code == 3, out
    assert "interrupted by Ctrl-C: closing" in out
    assert "re-ran 0 commands" in out


@pytest.mark.slow
def test_ctrl_c_in_check_mutants_prints_the_rows_incomplete_and_exits_3() -> None:
    args = ["mutants", "--only", "no-epoch-check", "--only", "no-state-transfer", "--jobs", "2"]
    code, out = interrupt(args)
    assert code == 3, out
    assert out.count("incomplete") == 2, out
    assert "interrupted by Ctrl-C: 2 of 2 runs stopped early" in out


@pytest.mark.slow
def test_ctrl_c_in_check_quorums_prints_the_rows_so_far_and_exits_3() -> None:
    code, out = interrupt(["quorums", "--min", "3", "--max", "14", "--chain", "5"])
    assert code == 3, out
    assert "quorum proofs: INCOMPLETE" in out
    assert "interrupted by Ctrl-C with" in out


@pytest.mark.slow
def test_ctrl_c_in_the_suite_stops_the_runs_and_skips_the_other_parts() -> None:
    code, out = interrupt([], after=4.0)
    assert code == 3, out
    assert "incomplete" in out
    assert "skipped (interrupted by Ctrl-C)" in out
    assert "standard suite: INCOMPLETE" in out
