"""Regressions from issue 15 for the `check` commands (defects 5 and on)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from checker.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_an_unwritable_trace_out_is_a_usage_error_before_the_run(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent" / "f.jsonl"
    result = run("model", "--quiet", "--mutant", "no-owner-check", "--trace-out", str(missing))
    assert result.exit_code == 2, result.output
    assert "--trace-out" in result.output
    assert "does not exist" in result.output
    assert "states" not in result.output  # refused before exploring
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_directory_as_trace_out_is_a_usage_error(tmp_path: Path) -> None:
    result = run("model", "--quiet", "--max-states", "10", "--trace-out", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "--trace-out" in result.output
