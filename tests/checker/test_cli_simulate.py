"""`check simulate`: exit codes, byte-for-byte reproducibility, the
shortened counterexample and its trace file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from checker.cli import main
from checker.replay import replay
from checker.trace_file import read_counterexample
from spec.tokens.config import Config
from spec.tokens.model import TokenModel


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["simulate", *args], catch_exceptions=False)


def test_walks_of_s1_find_nothing_exit_0_and_say_nothing_is_proven() -> None:
    result = run("--runs", "30", "--depth", "40", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "no violation in 30 walks (seed 1); nothing is proven" in result.stdout
    assert "distinct states" in result.stdout and "never    " in result.stdout


def test_the_same_seed_prints_the_same_bytes() -> None:
    args = ("--mutant", "no-owner-check", "--runs", "200", "--depth", "60", "--seed", "4")
    first, second = run(*args), run(*args)
    assert first.exit_code == second.exit_code == 1
    assert first.stdout == second.stdout
    other = run("--runs", "20", "--depth", "30", "--seed", "5").stdout
    assert other != run("--runs", "20", "--depth", "30", "--seed", "6").stdout


def test_a_violation_exits_1_shortened_and_its_trace_replays(tmp_path: Path) -> None:
    out = tmp_path / "cex.jsonl"
    result = run(
        "--mutant", "no-owner-check", "--runs", "500", "--seed", "2", "--trace-out", str(out)
    )
    assert result.exit_code == 1, result.output
    assert "VIOLATED: NoDoubleSpend, a walk of" in result.stdout
    assert "violated NoDoubleSpend" in result.stdout
    trace = read_counterexample(out)
    assert trace.header["property"] == "NoDoubleSpend"
    config = Config(**trace.header["config"])
    steps = replay(TokenModel(config), trace.action_indexes)
    assert TokenModel(config).invariants[0].check(steps[-1].state) is not None
    assert len(steps) - 1 == trace.header["length"] >= 10  # 10 is the shortest


def test_a_two_change_mutant_is_found_without_a_scenario() -> None:
    result = run(
        "--config", "S3a", "--reconfigs", "2", "--mutant", "no-state-transfer",
        "--runs", "2000", "--depth", "60", "--seed", "1",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "VIOLATED: ReadNotStale" in result.stdout


def test_bad_usage_exits_2_naming_the_option() -> None:
    result = run("--runs", "0")
    assert result.exit_code == 2
    assert "--runs" in result.output
    assert run("--servers", "9").exit_code == 2


def test_a_time_bound_before_all_walks_exits_3() -> None:
    result = run("--runs", "100000000", "--max-seconds", "0.5", "--seed", "1")
    assert result.exit_code == 3
    assert "INCOMPLETE: stopped at max_seconds=0.5" in result.stdout


def test_each_policy_prints_the_same_bytes_for_the_same_seed_and_a_bad_one_exits_2() -> None:
    for policy in ("delay", "restart", "hold", "pct", "swarm-pct"):
        args = ("--policy", policy, "--runs", "60", "--depth", "40", "--seed", "3")
        first, second = run(*args), run(*args)
        assert first.exit_code == second.exit_code == 0, first.output
        assert first.stdout == second.stdout
    bad = run("--policy", "bfs")
    assert bad.exit_code == 2 and "--policy" in bad.output


def test_bug_depth_goes_with_pct_and_the_same_seed_prints_the_same_bytes() -> None:
    args = ("--policy", "pct", "--bug-depth", "3", "--runs", "60", "--depth", "40", "--seed", "3")
    first, second = run(*args), run(*args)
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.stdout == second.stdout
    alone = run("--bug-depth", "3")
    assert alone.exit_code == 2
    assert "--bug-depth 3 needs --policy pct or swarm-pct (the policy is swarm)" in alone.output
    assert run("--policy", "pct", "--bug-depth", "0").exit_code == 2
