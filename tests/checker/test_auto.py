"""`--workers auto`: one process for a run that ends within the probe, every
core for one that does not, with the one-process engine's answer either way."""

from __future__ import annotations

import json
from typing import TypedDict

from click.testing import CliRunner

from checker.auto import explore_auto
from checker.cli import main
from checker.explore import explore
from checker.result import Verdict
from tests.checker.answers import answer
from tests.checker.test_symmetry import TwoCounters
from tests.checker.tiny_models import Counter, Grid


def test_a_run_that_ends_within_the_probe_stays_in_one_process() -> None:
    chosen: list[int] = []
    result = explore_auto(Grid(6), cores=2, on_choice=chosen.append)
    assert chosen == [1]
    assert answer(result) == answer(explore(Grid(6)))


def test_a_run_still_going_after_the_probe_starts_again_on_every_core() -> None:
    chosen: list[int] = []
    model = Grid(5, forbidden_sum=6)
    result = explore_auto(model, cores=2, probe_seconds=0.0, on_choice=chosen.append)
    assert chosen == [2]
    assert answer(result) == answer(explore(model))
    assert result.counterexample is not None and result.counterexample.length == 6


def test_symmetry_survives_the_switch() -> None:
    chosen: list[int] = []
    result = explore_auto(
        TwoCounters(), cores=2, probe_seconds=0.0, symmetry=True, on_choice=chosen.append
    )
    assert chosen == [2] and (result.stats.states, result.stats.transitions) == (6, 8)
    assert result.reductions == ("symmetry",)


class _Options(TypedDict, total=False):
    """The explore_auto options a case of the test below sets."""

    cores: int
    exact: bool


def test_one_core_or_exact_never_forks() -> None:
    cases: tuple[_Options, ...] = ({"cores": 1}, {"cores": 2, "exact": True})
    for options in cases:
        chosen: list[int] = []
        explore_auto(Grid(3), probe_seconds=0.0, on_choice=chosen.append, **options)
        assert chosen == [1]


def test_the_users_stop_during_the_probe_is_an_interruption_not_a_switch() -> None:
    chosen: list[int] = []
    result = explore_auto(
        Counter(10**12), cores=2, liveness=False, should_stop=lambda: True, on_choice=chosen.append
    )
    assert chosen == [1]
    assert result.verdict is Verdict.INCOMPLETE and result.bound == "interrupted"


def test_max_seconds_counts_the_probe_and_is_reported_as_given() -> None:
    result = explore_auto(
        Counter(10**12), cores=2, probe_seconds=0.05, liveness=False, max_seconds=0.6
    )
    assert result.verdict is Verdict.INCOMPLETE and result.bound == "max_seconds=0.6"
    assert 0.55 <= result.stats.seconds < 3.0


def test_check_model_workers_auto_answers_as_workers_1() -> None:
    runner = CliRunner()
    args = ["model", "--config", "S3a", "--mutant", "sync-replace", "--quiet", "--json"]
    auto = runner.invoke(main, args)
    one = runner.invoke(main, [*args, "--workers", "1"])
    assert auto.exit_code == one.exit_code == 1
    first, second = json.loads(auto.output), json.loads(one.output)
    first.pop("stats"), second.pop("stats")
    assert first == second


def test_workers_that_are_neither_auto_nor_a_count_are_usage_errors() -> None:
    for bad in ("0", "65", "two"):
        result = CliRunner().invoke(main, ["model", "--quiet", "--workers", bad])
        assert result.exit_code == 2 and "'auto'" in result.output
        assert "Traceback" not in result.output
