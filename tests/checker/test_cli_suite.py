"""`check` with no subcommand: the parts it runs and how their exit codes combine."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker.cli import main, runs, suite_runs
from checker.cli import suite as suite_module
from checker.cli.registry import lookup
from checker.cli.runs import (
    check_config,
    needs_progress,
    run_mutants,
    run_standards,
    start_suite_runs,
    suite_order,
    suite_workers,
    violated_property,
)
from checker.cli.suite import PARTS, SuitePart, worst_exit_code
from checker.model import PROGRESS
from checker.protocol import MutantSpec


def test_the_standard_suite_has_the_model_mutant_and_quorum_parts() -> None:
    names = [part.name for part in PARTS]
    assert names[:2] == ["standard configurations", "mutants"]
    assert "quorum proofs" in names


@pytest.mark.parametrize(
    ("codes", "worst"),
    [([], 0), ([0, 0], 0), ([0, 3], 3), ([3, 1, 0], 1), ([1, 3], 1)],
)
def test_a_violation_outranks_an_incomplete_run_which_outranks_a_pass(
    codes: list[int], worst: int
) -> None:
    assert worst_exit_code(codes) == worst


def _fake_parts(codes: list[int], seen_jobs: list[int]) -> list[SuitePart]:
    def part(code: int) -> SuitePart:
        def run(jobs: int) -> int:
            seen_jobs.append(jobs)
            print(f"part returning {code}")
            return code

        return SuitePart(f"part {code}", run)

    return [part(code) for code in codes]


@pytest.mark.parametrize(
    ("codes", "exit_code", "verdict"),
    [([0, 0], 0, "all parts hold"), ([0, 3], 3, "INCOMPLETE"), ([3, 1], 1, "VIOLATED")],
)
def test_check_runs_every_part_and_exits_with_the_worst_code(
    monkeypatch: pytest.MonkeyPatch, codes: list[int], exit_code: int, verdict: str
) -> None:
    seen_jobs: list[int] = []
    monkeypatch.setattr(suite_module, "PARTS", _fake_parts(codes, seen_jobs))
    monkeypatch.setattr("checker.cli.PARTS", suite_module.PARTS)
    monkeypatch.setattr("checker.cli.suite_runs", lambda: ([], []))  # no real model runs
    result = CliRunner().invoke(main, ["--jobs", "2"])
    assert result.exit_code == exit_code, result.output
    for code in codes:
        assert f"== part {code}" in result.output
    assert f"standard suite: {verdict}" in result.output
    assert seen_jobs == [2] * len(codes)


def test_a_part_without_a_jobs_argument_is_still_called() -> None:
    calls: list[str] = []
    before = len(PARTS)
    try:

        def no_arg_part() -> int:
            calls.append("ran")
            return 0

        suite_module.suite_part("no-arg part")(no_arg_part)
        assert PARTS[-1].run(4) == 0
        assert calls == ["ran"]
    finally:
        del PARTS[before:]


def test_check_rejects_zero_jobs_as_bad_usage() -> None:
    result = CliRunner().invoke(main, ["--jobs", "0"])
    assert result.exit_code == 2
    assert "--jobs" in result.output


def test_the_suite_starts_its_costliest_runs_first() -> None:
    standards, mutants = suite_runs()
    order = suite_order(standards, mutants)
    assert order[0][0::2] == ("standard", "R2")  # the longest run (pinned transitions)
    assert {name for _, _, name in order[1:3]} == {"no-epoch-check", "no-state-transfer"}
    assert len(order) == len(standards) + len(mutants)
    assert len({(kind, p.name, name) for kind, p, name in order}) == len(order)


def test_started_suite_runs_are_the_ones_each_part_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    generals = lookup("generals")
    standards = [(generals, s) for s in generals.standards]
    mutants = [(generals, m) for m in generals.mutants]
    pools: list[int] = []
    make_pool = runs._pool

    def counted_pool(jobs: int, stop: Any) -> ProcessPoolExecutor:
        pools.append(jobs)
        return make_pool(jobs, stop)

    monkeypatch.setattr(runs, "_pool", counted_pool)
    alone = [r.result for r in run_standards([(generals, s.name) for s in generals.standards], 1)]
    with start_suite_runs(standards, mutants, 2):
        got = [r.result for r in run_standards([(generals, s.name) for s in generals.standards], 2)]
        caught = [r.status for r in run_mutants([(generals, m.name) for m in generals.mutants], 2)]
    assert pools == [2]  # one pool for both parts: the parts took the started runs
    assert [(r.verdict, r.stats.states, r.stats.transitions) for r in got] == [
        (r.verdict, r.stats.states, r.stats.transitions) for r in alone
    ]
    assert caught == ["caught"] * len(generals.mutants)


def test_the_costliest_run_gets_every_job_as_its_shard_workers() -> None:
    standards, mutants = suite_runs()
    order = suite_order(standards, mutants)
    assert suite_workers(order, 2) == [2] + [1] * (len(order) - 1)  # R2
    assert suite_workers(order, 1) == [1] * len(order)
    generals = lookup("generals")
    small = suite_order([(generals, s) for s in generals.standards], [])
    assert suite_workers(small, 2) == [1] * len(small)  # too small to pay for workers


def test_a_run_on_shard_workers_inside_the_suite_gives_one_process_results(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tokens = lookup("tokens")
    s1 = tokens.standard("S1")
    monkeypatch.setattr(runs, "SHARE_CORES_ABOVE", 0)  # S1, the costliest here, gets 2 workers
    from checker.parallel import explore_parallel as real

    def recorded(model: Any, workers: int, **options: Any) -> Any:
        # in the pool's process: leave a mark the test can see
        (tmp_path / f"workers-{workers}").touch()
        return real(model, workers=workers, **options)

    monkeypatch.setattr(runs, "explore_parallel", recorded)
    alone = next(iter(run_standards([(tokens, "S1")], 1))).result
    with start_suite_runs([(tokens, s1)], [(tokens, tokens.mutant("no-owner-check"))], 2):
        shared = next(iter(run_standards([(tokens, "S1")], 2))).result
        caught = [r.status for r in run_mutants([(tokens, "no-owner-check")], 2)]
    assert (shared.verdict, shared.stats.states, shared.stats.transitions) == (
        alone.verdict,
        alone.stats.states,
        alone.stats.transitions,
    )
    assert caught == ["caught"]
    assert [p.name for p in tmp_path.iterdir()] == ["workers-2"]  # S1 alone, on 2 workers


def test_only_mutants_that_progress_may_catch_check_progress_in_the_catalog_run() -> None:
    tokens = lookup("tokens")
    assert needs_progress(tokens.mutant("wait-all"))  # caught by Progress
    assert not needs_progress(tokens.mutant("no-owner-check"))  # NoDoubleSpend
    protocols = (tokens, lookup("smr"), lookup("register"), lookup("generals"))
    caught = {m.name for p in protocols for m in p.mutants if needs_progress(m)}
    assert caught == {"wait-all", "no-null-messages", "no-crash-detection"}


def test_a_safety_caught_mutant_gives_the_same_result_without_the_progress_bookkeeping() -> None:
    tokens = lookup("tokens")
    run = next(iter(run_mutants([(tokens, "first-reply")], 1)))
    assert run.status == "caught"
    assert PROGRESS not in run.result.checked  # the catalog run skipped it
    mutant = tokens.mutant_params(tokens.mutant("first-reply"))
    full = check_config(tokens, mutant, symmetry=True)[1]
    assert PROGRESS in full.checked
    assert run.result.counterexample is not None and full.counterexample is not None
    assert run.result.counterexample.steps == full.counterexample.steps
    assert (run.result.stats.states, run.result.stats.transitions) == (
        full.stats.states,
        full.stats.transitions,
    )


def test_a_mutant_safety_no_longer_catches_is_run_again_with_progress(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A stand-in regression: meant for ReadNotStale, but on RGF's parameters
    # (two of three servers fail-silent) only Progress breaks.
    real = lookup("register")
    regressed = MutantSpec("regressed", "a stand-in", ("ReadNotStale",), "RGF", {})
    register = dataclasses.replace(real, mutants=(*real.mutants, regressed))
    monkeypatch.setattr(runs, "_lookup", lambda name: register)  # one process: jobs 1
    run = next(iter(run_mutants([(register, "regressed")], 1)))
    assert PROGRESS in run.result.checked  # the second run checked it
    assert run.status == "WRONG PROPERTY"  # not SURVIVED: Progress catches it
    assert violated_property(run.result) == PROGRESS
