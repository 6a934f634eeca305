"""`check shell` and `check run` check their own trace at the end; the suite
checks one recorded faulty run with role changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.cli.selfcheck import conformance_part
from checker.cli.suite import PARTS

SCRIPT = (
    "pay c1 0 c2\ntransform c4\nfaults set s1\npay c2 0 c5\ngettokens c5 c5\ntransform s2\nclose\n"
)


def test_the_shell_checks_its_trace_by_default(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    result = CliRunner().invoke(
        main, ["shell", "--servers", "3", "--step", "--trace-out", str(out)], input=SCRIPT
    )
    assert f"conformance: trace {out}: CONFORMS to the specification" in result.output
    assert '"event":"faults","faulty":["s1"]' in out.read_text()


def test_without_a_trace_file_the_check_uses_a_temporary_one_and_removes_it() -> None:
    result = CliRunner().invoke(main, ["shell", "--servers", "3", "--step"], input=SCRIPT)
    assert "conformance: the run's trace: CONFORMS to the specification" in result.output


def test_no_check_skips_it() -> None:
    result = CliRunner().invoke(
        main, ["shell", "--servers", "3", "--step", "--no-check"], input=SCRIPT
    )
    assert "conformance" not in result.output


def test_check_run_prints_the_conformance_verdict_and_its_verdict_names_it() -> None:
    result = CliRunner().invoke(
        main,
        ["run", "--requests", "30", "--servers", "3", "--delay", "0.001", "--role-changes", "1"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("conformance: the run's trace: CONFORMS") for line in lines)
    assert lines[-1].startswith("verdict: OK") and lines[-1].endswith("trace conforms)")


def test_the_standard_suite_checks_a_recorded_faulty_run_with_role_changes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "implementation conformance" in [part.name for part in PARTS]
    assert conformance_part() == 0
    out = capsys.readouterr().out
    assert "--role-changes 3" in out and "faulty s" in out
    assert "conformance: the run's trace: CONFORMS to the specification" in out


def test_a_mutant_implementation_fails_its_own_check_and_keeps_the_trace() -> None:
    result = CliRunner().invoke(
        main,
        ["shell", "--servers", "3", "--step", "--mutant", "small-quorum"],
        input="pay c1 1 c2\nclose\n",
    )
    assert result.exit_code == 1
    assert "c1 says 'quorum reached' after 1 answers" in result.output
    kept = result.output.rstrip().splitlines()[-1]
    assert kept.startswith("conformance: the trace is kept in ")
    Path(kept.split(" in ", 1)[1]).unlink()


def test_an_unknown_mutant_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["run", "--mutant", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.output


@pytest.mark.parametrize("seed", [4, 5])
def test_a_fast_read_run_conforms_to_the_fast_read_specification(seed: int) -> None:
    # The write-back holds only the disputed tokens; the answer comes from the whole read.
    result = CliRunner().invoke(
        main,
        ["run", "--requests", "300", "--fast-read", "--role-changes", "2", "--drop", "0.3",
         "--seed", str(seed)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "conformance: the run's trace: CONFORMS" in result.output
