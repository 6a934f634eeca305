"""`check model --por/--no-por`: off by default; on, it is reported, the
verdict says Progress was not checked and a counterexample may be longer,
and it is refused where it cannot run."""

from __future__ import annotations

import json

from click.testing import CliRunner, Result

from checker.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["model", *args], catch_exceptions=False)


def test_por_is_off_by_default_and_reported_when_on() -> None:
    off = run("--protocol", "generals", "--quiet")
    assert off.exit_code == 0 and "3,761 states" in off.stdout and "partial-order" not in off.stdout
    on = run("--protocol", "generals", "--por", "--quiet")
    assert on.exit_code == 0, on.output
    assert "345 states, 410 transitions" in on.stdout
    assert "reduced  partial-order: an ample set expanded at 169 states" in on.stdout


def test_under_por_the_verdict_says_progress_was_not_checked() -> None:
    result = run("--protocol", "smr", "--config", "SM1", "--por", "--quiet")
    assert result.exit_code == 0, result.output
    assert "Progress not checked under --por" in result.stdout
    assert "liveness off (--por)" in result.stdout
    assert "2,629 states" in result.stdout


def test_a_counterexample_under_por_says_it_may_be_longer_and_json_has_the_figures() -> None:
    args = ("--protocol", "generals", "--config", "G4m2", "--quiet")
    plain = json.loads(run(*args, "--json").stdout)
    reduced_run = run(*args, "--por")
    assert reduced_run.exit_code == 1
    assert "a counterexample of 16 steps (shortest under --por, maybe longer" in reduced_run.stdout
    reduced = json.loads(run(*args, "--por", "--json").stdout)
    assert plain["property"] == reduced["property"] == "IC2"
    assert (plain["length"], reduced["length"]) == (10, 16)
    assert reduced["reductions"] == ["partial-order"] and plain["por"] is None
    assert reduced["por"] == {"reduced": 517, "refused_visible": 0, "refused_proviso": 0}


def test_por_on_a_protocol_without_ample_sets_warns_and_explores_in_full() -> None:
    result = run("--protocol", "register", "--config", "RG2", "--por", "--quiet", "--no-liveness")
    assert result.exit_code == 0, result.output
    assert "offers no ample sets" in result.stderr and "18,214 states" in result.stdout


def test_por_with_workers_is_a_usage_error() -> None:
    result = run("--protocol", "smr", "--por", "--workers", "2")
    assert result.exit_code == 2
    assert "--por runs on one process" in result.output
