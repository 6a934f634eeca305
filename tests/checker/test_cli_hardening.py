"""Regressions from issue 15 for the `check` commands (defects 5 and on)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from checker.cli import main
from checker.trace_file import read_counterexample


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


FLOAT_OPTIONS = [
    ("model", "--max-seconds"),
    ("mutants", "--max-seconds"),
    ("shell", "--timeout"),
    ("shell", "--delay"),
    ("shell", "--drop"),
    ("run", "--timeout"),
    ("run", "--delay"),
    ("run", "--max-interval"),
]


@pytest.mark.parametrize(("command", "option"), FLOAT_OPTIONS)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_float_options_refuse_nan_and_infinity(command: str, option: str, value: str) -> None:
    result = CliRunner().invoke(main, [command, option, value], input="")
    assert result.exit_code == 2, result.output
    assert f"'{option}'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("option", ["--delay", "--timeout", "--max-interval"])
def test_run_refuses_huge_durations_up_front(option: str) -> None:
    result = CliRunner().invoke(main, ["run", option, "1e308", "--requests", "1"])
    assert result.exit_code == 2, result.output
    assert f"'{option}'" in result.output


def test_trace_out_without_a_counterexample_replaces_an_old_one(tmp_path: Path) -> None:
    path = tmp_path / "cex.jsonl"
    path.write_text('{"format": "tokencheck-counterexample", "property": "NoDoubleSpend"}\n')
    args = ["model", "--clients", "1", "--quiet"]  # 45 states
    result = run(*args, "--trace-out", str(path))
    assert result.exit_code == 0, result.output
    assert f"no counterexample; {path} holds a header saying so" in result.output
    trace = read_counterexample(path)
    assert trace.header["property"] is None
    assert trace.header["verdict"] == "verified"
    assert trace.steps == ()
    result = run(*args, "--max-states", "5", "--trace-out", str(path))
    assert result.exit_code == 3
    assert read_counterexample(path).header["verdict"] == "incomplete"


def test_max_memory_stops_check_model_incomplete() -> None:
    result = run("model", "--quiet", "--max-memory", "1")
    assert result.exit_code == 3, result.output
    assert "INCOMPLETE: stopped at max_memory=1MB" in result.output


# defect 10: runs that test nothing must not pass silently


@pytest.mark.parametrize(
    ("args", "option", "why"),
    [
        (["--transforms", "s1", "--reconfigs", "1"], "--transforms", "s1 can never leave"),
        (
            ["--transforms", "c1", "--reconfigs", "1", "--max-servers", "3"],
            "--transforms",
            "c1 can never join",
        ),
        (["--workload", "s2: gettokens(c1)"], "--workload", "s2 is a server that never leaves"),
        (
            ["--workload", "c1: pay(0,s1)", "--reconfigs", "0"],
            "--workload",
            "s1 is a server that never leaves",
        ),
    ],
)
def test_a_scenario_that_can_never_happen_is_a_usage_error_saying_why(
    args: list[str], option: str, why: str
) -> None:
    result = run("model", "--quiet", *args)
    assert result.exit_code == 2, result.output
    assert f"'{option}'" in result.output
    assert why in result.output


def test_the_summary_and_json_list_the_kinds_of_action_never_taken() -> None:
    # one client cannot pay anybody: ClientStartPay is never enabled
    result = run("model", "--quiet", "--clients", "1")
    assert result.exit_code == 0, result.output
    assert "coverage 5 of 6 kinds of action taken; never: ClientStartPay" in result.output
    summary = json.loads(run("model", "--quiet", "--clients", "1", "--json").output)
    assert summary["coverage"]["never"] == ["ClientStartPay"]
    assert summary["coverage"]["taken"]["ClientStartGettokens"] == 1
    assert sum(summary["coverage"]["taken"].values()) == summary["stats"]["transitions"]


def test_no_liveness_says_progress_was_not_checked() -> None:
    result = run("model", "--quiet", "--mutant", "wait-all", "--no-liveness")
    assert result.exit_code == 0, result.output
    assert "every checked property holds; Progress was not checked" in result.output
    assert "every property holds" not in result.output


def test_transforms_alone_set_reconfigs_to_the_number_of_changes() -> None:
    args = ["--transforms", "c2", "--reconfig", "atomic", "--max-servers", "4"]
    args += ["--workload", "c1: gettokens(c1)"]  # 2,220 states
    result = run("model", "--quiet", "--json", *args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["config"]["reconfigs"] == 1
    assert summary["coverage"]["taken"]["ManagerTransformAtomic"] > 0


# rough edges: usage errors name the option given, --help shows real bounds


@pytest.mark.parametrize(
    ("args", "hint", "shown"),
    [
        (["--min-servers", "4"], "'--min-servers'", "--servers 3, --min-servers 4"),
        (["--max-servers", "2"], "'--max-servers'", "--min-servers 3, --max-servers 2"),
        (["--servers", "2"], "'--servers'", "--servers 2, --min-servers 3"),
        (
            ["--min-servers", "5", "--max-servers", "4"],
            "'--min-servers' / '--max-servers'",
            "--min-servers 5, --max-servers 4 conflict",
        ),
    ],
)
def test_a_conflict_names_the_options_given_and_every_value(
    args: list[str], hint: str, shown: str
) -> None:
    result = run("model", "--quiet", *args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.output
    assert f"Invalid value for {hint}:" in errors[0]
    assert shown in errors[0]


def test_help_shows_the_real_lower_bounds() -> None:
    text = " ".join(run("model", "--help").output.split())
    for option in ("--servers", "--clients", "--tokens", "--min-servers", "--max-servers"):
        after = text.split(f"{option} INTEGER RANGE", 1)[1]
        assert after.split("]", 1)[0].endswith("[x>=1"), (option, after[:120])
    assert "Initial servers n, within --min-servers" in text


def test_quorum_proofs_report_each_size_as_it_starts() -> None:
    from checker.quorums import QuorumConfig, check_quorums

    started: list[tuple[int, int]] = []
    report = check_quorums(
        QuorumConfig(min_n=3, max_n=5, chain=1), on_row=lambda n, d: started.append((n, d))
    )
    assert started == [(3, 0), (4, 1), (5, 2)]
    assert report.exit_code == 0


def test_the_quorum_progress_line_is_drawn_while_a_proof_runs() -> None:
    import io
    import time

    from checker.cli.quorums import progress_ticker
    from checker.progress import ProgressLine

    stream = io.StringIO()
    line = ProgressLine(stream, enabled=True, min_seconds=0.0)
    with progress_ticker(line, 5) as on_row:
        on_row(7, 2)
        time.sleep(1.2)  # a long z3 call
    assert "proving n = 7: 2/5 sizes done" in stream.getvalue()


def test_shell_json_prints_the_summary_on_stdout_and_the_session_on_stderr() -> None:
    lines = "pay c1 0 c2\nbogus\ngettokens c2 c2\nclose\n"
    result = CliRunner().invoke(main, ["shell", "--servers", "3", "--json"], input=lines)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["completed"][0] == {
        "node": "c1",
        "call": "pay(0, c2)",
        "answer": {"answer": "OK", "version": 2},
    }
    assert summary["rejected"] == 1
    assert summary["same_final_ownership"] is True
    assert summary["exit_code"] == 0
    assert "c1: pay(0, c2) -> OK(2)" in result.stderr


def test_run_json_prints_the_figures_and_the_verdict() -> None:
    args = ["run", "--requests", "20", "--servers", "3", "--json", "--seed", "4"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["requests"] == 20
    assert summary["pays"] + summary["gettokens"] == 20
    assert summary["rerun"]["completed"] == 20
    assert summary["conservation"] == "holds"
    assert summary["verdict"] == "ok"
    assert summary["params"]["servers"] == 3
