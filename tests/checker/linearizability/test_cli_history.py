"""`check history` through click's CliRunner: exit codes 0, 1, 2, 3."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from checker.cli import main
from tests.checker.linearizability.test_check import OK, get, history, pay, r, w


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["history", *args], catch_exceptions=False)


def write(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_the_recorded_trace_is_linearizable_exit_0() -> None:
    result = run("tests/data/impl_step_trace.jsonl")
    assert result.exit_code == 0, result.output
    assert "verdict  OK: linearizable (60 objects: 60 by versions, 0 by search)" in result.stdout


def test_a_stale_read_exits_1_naming_token_prefix_and_the_stuck_operation(tmp_path: Path) -> None:
    lines = history(
        pay("c1", "c2", OK(2), 0, 1),
        get("c3", "c1", [[0, 1]], 2, 3),
        init={"tokens": 1, "clients": 3},
    )
    result = run(write(tmp_path, lines))
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "verdict  ILLEGAL: token 0 is not linearizable" in out
    assert "longest linearizable prefix on token 0: 1 operations" in out
    assert "#0 c1: pay(0, c2) -> OK(2)  (line 2)" in out
    assert "#1 c3: gettokens(c1) -> [(0, 1)]  (line 4)" in out.split("none of these")[1]


def test_json_gives_the_failure_as_data(tmp_path: Path) -> None:
    lines = history(w("p1", 1, 0, 1), r("p2", 0, 2, 3), init={"value": 0})
    result = run(write(tmp_path, lines), "--model", "register", "--json")
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert record["verdict"] == "illegal"
    assert record["failure"]["prefix"] == [0]
    assert record["failure"]["stuck"] == [1]
    assert record["failure"]["object"] == "the register"


def test_a_timeout_gives_unknown_exit_3(tmp_path: Path) -> None:
    ops = [w(f"p{i}", i, 0, 100) for i in range(1, 13)]
    path = write(tmp_path, history(*ops, r("q", 99, 101, 102)))
    result = run(path, "--model", "register", "--timeout", "0")
    assert result.exit_code == 3, result.output
    assert "verdict  UNKNOWN" in result.stdout


def test_an_unreadable_file_exits_2_with_one_line_naming_line_and_field(tmp_path: Path) -> None:
    lines = history(pay("c1", "c2", OK(2), 0, 1))
    path = write(tmp_path, [*lines[:-1], lines[-1].replace('"version": 2', '"version": "two"')])
    result = run(path)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {path}:3: output.version: expected an integer >= 1, got 'two'"
    ]
    missing = run(str(tmp_path / "missing.jsonl"))
    assert missing.exit_code == 2
    assert "cannot read: No such file or directory" in missing.stderr


def test_the_general_search_gives_the_same_verdict(tmp_path: Path) -> None:
    result = run("tests/data/impl_step_trace.jsonl", "--general")
    assert result.exit_code == 0
    assert "0 by versions, 60 by search" in result.stdout


def test_the_readme_example_is_illegal_on_token_0_with_a_prefix_of_three() -> None:
    result = run("tests/data/history_illegal.jsonl", "--json")
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert (record["failure"]["object"], record["failure"]["prefix"]) == ("token 0", [0, 1, 2])
    assert (record["failure"]["stuck"], record["failure"]["stuck_lines"]) == ([3], [7])
    assert (record["by_versions"], record["by_search"]) == (1, 1)
