"""Regressions from issue 15 for the shell (defects 4 and on)."""

from __future__ import annotations

import io
import math
import time
from collections.abc import Iterator

import pytest

from impl.tokens import workload as workload_module
from impl.tokens.config import Params
from impl.tokens.errors import BadCommand
from impl.tokens.shell import Shell
from impl.tokens.workload import Workload


def test_a_timed_out_pay_that_completes_later_is_reported_and_counted() -> None:
    out = io.StringIO()
    shell = Shell(Params(servers=3, max_delay=0.4, timeout=0.1, faulty=()), out)

    def lines() -> Iterator[str]:
        yield "pay c1 0 c2\n"
        deadline = time.monotonic() + 20
        while not (shell.incomplete and shell.incomplete[0].done):
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.05)
        yield "status\n"
        yield "close\n"

    code = shell.run(lines())
    text = out.getvalue()
    assert "timeout: c1: pay(0, c2)" in text
    assert "late answer: c1: pay(0, c2) -> OK(2)" in text
    assert "re-ran 1 commands without faults or delays: same final ownership" in text
    assert "did not complete" not in text.split("late answer")[1]
    assert shell.incomplete == []
    assert code == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"max_delay": math.nan},
        {"max_delay": math.inf},
        {"timeout": math.nan},
        {"timeout": math.inf},
        {"drop": math.nan},
    ],
)
def test_params_refuse_nan_and_infinity(fields: dict[str, float]) -> None:
    with pytest.raises(BadCommand):
        Params(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [math.nan, math.inf, 1e308])
def test_a_workload_refuses_a_non_finite_or_huge_interval(value: float) -> None:
    with pytest.raises(BadCommand, match="max-interval"):
        Workload(requests=1, max_interval=value)


def test_an_exception_in_the_workload_thread_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = []

    def broken(self: workload_module._Driver) -> None:
        calls.append(1)
        if len(calls) > 2:
            raise OverflowError("timestamp too large")
        original(self)

    original = workload_module._Driver.submit_one
    monkeypatch.setattr(workload_module._Driver, "submit_one", broken)
    report = workload_module.run_workload(
        Params(servers=3, faulty=()), Workload(requests=5, max_interval=0)
    )
    assert report.exit_code == 1
    assert any("OverflowError: timestamp too large" in f for f in report.failures)
    assert "stopped after 2 of 5 requests" in "\n".join(report.lines)
    assert "Traceback" not in capsys.readouterr().err


def test_an_unanswered_request_names_the_timeout_in_a_unit_that_fits() -> None:
    report = workload_module.run_workload(
        Params(servers=3, max_delay=0.5, timeout=0.2, faulty=()),
        Workload(requests=2, max_interval=0),
    )
    assert report.unanswered, report.lines
    assert all("did not complete within 200 ms" in u for u in report.unanswered)
    assert report.exit_code == 1


def test_a_shell_timeout_names_the_timeout_in_a_unit_that_fits() -> None:
    out = io.StringIO()
    Shell(Params(servers=3, max_delay=0.5, timeout=0.05, faulty=()), out).run(["pay c1 0 c2"])
    assert "did not complete within 50 ms" in out.getvalue()


# rough edges of the shell


def test_close_counts_the_rejected_commands() -> None:
    out = io.StringIO()
    Shell(Params(servers=3), out, mode="step").run(["bogus", "pay c1 x c2", "pay c1 0 c2"])
    assert "2 commands rejected" in out.getvalue()


def test_faults_after_a_faulty_server_left_shows_the_current_servers_only() -> None:
    out = io.StringIO()
    shell = Shell(Params(servers=5, faulty=("s1",)), out, mode="step")
    shell.run(["transform s1", "faults"])
    line = next(x for x in out.getvalue().splitlines() if x.startswith("faulty:"))
    assert line == "faulty: none (at most maxf(4) = 1); clients now, faulty when they left: s1"


def test_lines_after_close_are_reported_as_ignored() -> None:
    import shutil
    import subprocess

    check = shutil.which("check") or "check"
    done = subprocess.run(
        [check, "shell", "--servers", "3"],
        input="pay c1 0 c2\nclose\nstatus\npay c1 1 c2\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "2 lines after close were ignored" in done.stdout
    assert "c1: pay(1, c2)" not in done.stdout


def test_ctrl_d_at_the_terminal_ends_the_prompt_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from checker.cli.shell import terminal_lines

    typed = iter(["status"])

    def fake_input(prompt: str) -> str:
        print(prompt, end="")
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    assert list(terminal_lines()) == ["status\n"]
    assert capsys.readouterr().out == "> > \n"
