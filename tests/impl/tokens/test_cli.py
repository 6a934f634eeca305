"""`check shell` and `check run` through click's CliRunner: exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from checker.cli import main


def test_check_shell_reads_commands_from_stdin_and_exits_zero() -> None:
    result = CliRunner().invoke(
        main, ["shell", "--servers", "3", "--seed", "4"], input="pay c1 0 c2\nstatus\nclose\n"
    )
    assert result.exit_code == 0, result.output
    assert "c1: pay(0, c2) -> OK(2)" in result.output
    assert "same final ownership" in result.output


def test_check_shell_step_mode_writes_a_trace_with_its_header(tmp_path: Path) -> None:
    trace = tmp_path / "shell.trace.jsonl"
    result = CliRunner().invoke(
        main,
        ["shell", "--step", "--seed", "2", "--trace-out", str(trace)],
        input="pay c1 0 c2\nclose\n",
    )
    assert result.exit_code == 0, result.output
    header, *events = [json.loads(line) for line in trace.read_text().splitlines()]
    assert header["format"] == "tokencheck-trace" and header["version"] == 1
    assert header["seed"] == 2 and header["mode"] == "step"
    assert header["params"]["servers"] == 5
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert {"invoked", "sent", "delivered", "answered"} <= {e["event"] for e in events}


def test_check_run_completes_a_faulty_workload_with_role_changes() -> None:
    result = CliRunner().invoke(
        main,
        ["run", "--requests", "60", "--role-changes", "2", "--drop", "0.5", "--delay", "0.001",
         "--max-interval", "0.001", "--seed", "5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "conservation: holds" in result.output
    assert "verdict: OK" in result.output
    assert "2 of 2 role changes" in result.output


def test_bad_arguments_exit_two_and_name_the_option() -> None:
    runner = CliRunner()
    cases = [
        (["run", "--servers", "9"], "--servers"),
        (["run", "--drop", "1.5"], "--drop"),
        (["run", "--servers", "3", "--faulty", "s1,s2"], "maxf=1"),
        (["run", "--faulty", "s9"], "s9 are not servers"),
        (["shell", "--timeout", "0"], "--timeout"),
        (["run", "--trace-out", "/nonexistent-dir/x.jsonl"], "--trace-out"),
    ]
    for args, mention in cases:
        result = runner.invoke(main, args, input="close\n")
        assert result.exit_code == 2, (args, result.output)
        assert mention in result.output, (args, result.output)


def test_check_shell_step_mode_twice_with_one_seed_writes_identical_traces(tmp_path: Path) -> None:
    script = "pay c1 0 c2\ntransform c5\npay c2 0 c3\ntransform s2\ngettokens c1 c3\nclose\n"
    traces = []
    for name in ("a", "b"):
        trace = tmp_path / f"{name}.trace.jsonl"
        args = ["shell", "--step", "--seed", "9", "--drop", "0.7", "--trace-out", str(trace)]
        result = CliRunner().invoke(main, args, input=script)
        assert result.exit_code == 0, result.output
        traces.append(trace.read_bytes())
    assert traces[0] == traces[1]
