"""`check model` and `check mutants` through click's CliRunner, and the
counterexample files that --trace-out writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from checker.cli import main
from checker.replay import replay
from checker.trace_file import TraceFileError, read_counterexample
from spec.tokens.actions import message_record
from spec.tokens.config import Config
from spec.tokens.model import TokenModel
from spec.tokens.mutants import CATALOG


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# check model


def test_model_on_s1_defaults_exits_0_with_the_calibrated_counts() -> None:
    result = run("model", "--quiet", "--no-symmetry")
    assert result.exit_code == 0, result.output
    assert "VERIFIED" in result.stdout
    assert "20,283 states" in result.stdout
    assert "92,403 transitions" in result.stdout


def test_model_with_no_owner_check_prints_numbered_steps_ending_in_no_double_spend() -> None:
    result = run("model", "--quiet", "--mutant", "no-owner-check")
    assert result.exit_code == 1, result.output
    lines = result.stdout.rstrip("\n").splitlines()
    numbers = [int(m.group(1)) for line in lines if (m := re.match(r"^\s*(\d+)\. ", line))]
    assert numbers == list(range(11))
    assert lines[-1].startswith("violated NoDoubleSpend: ")
    assert "VIOLATED: NoDoubleSpend, a shortest counterexample of 10 steps" in result.stdout


def test_model_json_summarises_a_violation() -> None:
    result = run("model", "--quiet", "--json", "--mutant", "no-owner-check")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["verdict"] == "violated"
    assert summary["property"] == "NoDoubleSpend"
    assert summary["length"] == 10
    assert len(summary["actions"]) == 10
    assert summary["stats"]["states"] > 0
    assert summary["config"]["mutant"] == "no-owner-check"


def test_model_json_summarises_a_pass_with_its_counts() -> None:
    result = run("model", "--quiet", "--json", "--no-symmetry")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["verdict"] == "verified"
    assert summary["property"] is None
    assert summary["length"] is None
    assert summary["stats"]["states"] == 20_283
    assert summary["stats"]["transitions"] == 92_403


def test_model_trace_out_writes_a_file_that_replays_to_the_violation(tmp_path: Path) -> None:
    path = tmp_path / "cex.jsonl"
    result = run("model", "--quiet", "--mutant", "no-owner-check", "--trace-out", str(path))
    assert result.exit_code == 1
    assert f"counterexample written to {path}" in result.stdout
    trace = read_counterexample(path)
    assert trace.header["property"] == "NoDoubleSpend"
    assert trace.header["length"] == len(trace.action_indexes) == 10
    model = TokenModel(Config(**trace.header["config"]))
    steps = replay(model, trace.action_indexes)
    no_double_spend = next(p.check for p in model.invariants if p.name == "NoDoubleSpend")
    assert no_double_spend(steps[-1].state) is not None
    assert all(no_double_spend(step.state) is None for step in steps[:-1])
    for step, row in zip(steps, trace.steps, strict=True):
        assert row["state"] == dict(model.describe_state(step.state))
        message = getattr(step.action, "message", None)
        if message is None:
            assert row["message"] is None
        else:
            assert row["message"] == message_record(message, model.params.names)
            assert row["message"]["kind"] in row["action"]
    assert any(row["message"] is not None for row in trace.steps)


def test_model_bounded_by_max_states_exits_3_and_says_incomplete() -> None:
    result = run("model", "--quiet", "--max-states", "10")
    assert result.exit_code == 3
    assert "INCOMPLETE" in result.stdout
    assert "VERIFIED" not in result.stdout


@pytest.mark.parametrize(
    ("args", "option", "value"),
    [
        (["--faulty", "4"], "--faulty", "4"),
        (["--servers", "2"], "--servers", "2"),
        (["--min-servers", "5", "--max-servers", "4"], "--min-servers", "5"),
        (["--servers", "-1"], "--servers", "-1"),
        (["--mutant", "foo"], "--mutant", "foo"),
        (["--workload", "c9: pay(0,c1)"], "--workload", "c9"),
        (["--workload", "c1: pay(0"], "--workload", "pay(0"),
        (["--transforms", "zz"], "--transforms", "zz"),
    ],
)
def test_model_bad_parameter_exits_2_with_one_message_naming_the_option(
    args: list[str], option: str, value: str
) -> None:
    result = run("model", "--quiet", *args)
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.output
    assert f"'{option}'" in errors[0]
    assert value in errors[0]
    assert "Traceback" not in result.output


def test_model_list_mutants_shows_every_catalog_name() -> None:
    result = run("model", "--list-mutants")
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()}
    assert listed == {m.name for m in CATALOG}


# check mutants


def test_mutants_only_runs_the_named_mutants_and_both_are_caught() -> None:
    result = run("mutants", "--quiet", "--only", "small-quorum", "--only", "overwrite")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:] if line.strip()}
    assert set(rows) == {"small-quorum", "overwrite"}
    assert rows["small-quorum"].rstrip().endswith("caught")
    assert rows["overwrite"].rstrip().endswith("caught")
    assert " StoreMonotone " in rows["overwrite"]


def test_mutants_json_is_parseable() -> None:
    result = run("mutants", "--json", "--only", "wait-all")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) == 1
    assert rows[0]["mutant"] == "wait-all"
    assert rows[0]["violated"] == "Progress"
    assert rows[0]["length"] == 1
    assert rows[0]["status"] == "caught"


def test_mutants_with_an_unknown_name_exits_2_naming_only() -> None:
    result = run("mutants", "--only", "foo")
    assert result.exit_code == 2
    assert "'--only'" in result.output


# Counterexample files


@pytest.fixture(scope="module")
def trace_lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The lines of a real counterexample file (small-quorum on S1)."""
    path = tmp_path_factory.mktemp("trace") / "cex.jsonl"
    result = run("model", "--quiet", "--mutant", "small-quorum", "--trace-out", str(path))
    assert result.exit_code == 1
    return path.read_text().splitlines()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def edited(line: str, **changes: object) -> str:
    row = json.loads(line)
    row.update(changes)
    return json.dumps(row)


def test_read_counterexample_accepts_the_file_unchanged(
    trace_lines: list[str], tmp_path: Path
) -> None:
    trace = read_counterexample(write_lines(tmp_path / "ok.jsonl", trace_lines))
    assert len(trace.steps) == len(trace_lines) - 1
    assert trace.header["length"] == len(trace.action_indexes)


def test_read_counterexample_rejects_a_line_that_is_not_json(
    trace_lines: list[str], tmp_path: Path
) -> None:
    lines = [*trace_lines[:3], "{not json", *trace_lines[4:]]
    with pytest.raises(TraceFileError, match=r":4: not JSON"):
        read_counterexample(write_lines(tmp_path / "bad.jsonl", lines))


def test_read_counterexample_rejects_a_line_that_is_not_an_object(
    trace_lines: list[str], tmp_path: Path
) -> None:
    lines = [*trace_lines[:2], "[1, 2]", *trace_lines[3:]]
    with pytest.raises(TraceFileError, match=r":3: expected a JSON object, got list"):
        read_counterexample(write_lines(tmp_path / "bad.jsonl", lines))


def test_read_counterexample_rejects_another_format(trace_lines: list[str], tmp_path: Path) -> None:
    lines = [edited(trace_lines[0], format="something-else"), *trace_lines[1:]]
    with pytest.raises(TraceFileError, match=r":1: not a counterexample file"):
        read_counterexample(write_lines(tmp_path / "bad.jsonl", lines))


def test_read_counterexample_rejects_another_version(
    trace_lines: list[str], tmp_path: Path
) -> None:
    lines = [edited(trace_lines[0], version=99), *trace_lines[1:]]
    with pytest.raises(TraceFileError, match=r":1: version 99"):
        read_counterexample(write_lines(tmp_path / "bad.jsonl", lines))


def test_read_counterexample_rejects_a_skipped_step_number(
    trace_lines: list[str], tmp_path: Path
) -> None:
    lines = [*trace_lines[:2], *trace_lines[3:]]  # step 1 is missing
    with pytest.raises(TraceFileError, match=r":3: expected step 1, got 2"):
        read_counterexample(write_lines(tmp_path / "bad.jsonl", lines))


def test_read_counterexample_rejects_a_negative_action_index(
    trace_lines: list[str], tmp_path: Path
) -> None:
    lines = [*trace_lines[:4], edited(trace_lines[4], action_index=-1), *trace_lines[5:]]
    with pytest.raises(TraceFileError, match=r":5: action_index must be an int >= 0, got -1"):
        read_counterexample(write_lines(tmp_path / "bad.jsonl", lines))


def test_read_counterexample_rejects_an_empty_file(tmp_path: Path) -> None:
    with pytest.raises(TraceFileError, match=r":1: not a counterexample file"):
        read_counterexample(write_lines(tmp_path / "empty.jsonl", []))


def test_read_counterexample_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(TraceFileError, match="cannot read"):
        read_counterexample(tmp_path / "missing.jsonl")


def test_exact_mode_gives_the_same_counts_and_no_collision_risk() -> None:
    fingerprinted = json.loads(run("model", "--quiet", "--json", "--no-symmetry").stdout)
    exact = json.loads(run("model", "--quiet", "--json", "--exact", "--no-symmetry").stdout)
    assert exact["stats"]["states"] == fingerprinted["stats"]["states"] == 20_283
    assert exact["stats"]["transitions"] == fingerprinted["stats"]["transitions"]
    assert exact["stats"]["collision_probability"] == 0.0
    assert 0.0 < fingerprinted["stats"]["collision_probability"] < 1e-9


def test_mutants_cut_short_by_max_seconds_are_incomplete_and_exit_3() -> None:
    result = run("mutants", "--quiet", "--only", "wait-all", "--max-seconds", "0.01")
    assert result.exit_code == 3, result.output
    assert "incomplete" in result.stdout
    assert "caught" not in result.stdout
