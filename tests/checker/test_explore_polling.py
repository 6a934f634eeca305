"""The engine polls its bounds by work done (successors generated), not by
states expanded: a model whose states have thousands of successors still
stops soon after Ctrl-C or its deadline (issue 15, defect 8)."""

from __future__ import annotations

import pytest

from checker import explore as explore_module
from checker.explore import explore
from checker.model import Invariant, Sometimes, StepProperty
from checker.result import Verdict
from tests.safety_models import without_progress


class Fan:
    """A tree: every state n < `limit` has `width` successors, all new.

    Level 1 has `width` states, level 2 `width`**2: far too many to finish."""

    name = "fan"

    def __init__(self, width: int, limit: int = 10**9) -> None:
        self.width = width
        self.limit = limit
        self.invariants: tuple[Invariant, ...] = ()
        self.step_properties: tuple[StepProperty, ...] = ()
        self.sometimes: tuple[Sometimes, ...] = ()

    def initial_states(self) -> tuple[int, ...]:
        return (0,)

    def actions(self, n: int) -> range:
        return range(self.width) if n < self.limit else range(0)

    def next_state(self, n: int, a: int) -> int:
        return n * self.width + a + 1

    def describe_action(self, a: int) -> str:
        return f"Branch {a}"

    def describe_state(self, n: int) -> dict[str, int]:
        return {"n": n}


def test_a_stop_request_is_seen_within_a_few_states_of_many_successors() -> None:
    polls = []

    def stop() -> bool:
        polls.append(1)
        return len(polls) > 1  # the first poll (before any work) says go on

    result = explore(without_progress(Fan(2000)), should_stop=stop, liveness=False)
    assert result.verdict is Verdict.INCOMPLETE
    assert result.bound == "interrupted"
    # polled again after the first ~1,000 successors: 1 state expanded, not 256
    assert result.stats.transitions <= 4000
    assert len(polls) == 2


def test_the_progress_report_follows_the_same_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explore_module, "_PROGRESS_PERIOD", 0.0)  # report at every poll
    seen: list[int] = []
    explore(
        without_progress(Fan(3000, limit=1)),
        on_progress=lambda st: seen.append(st.transitions),
        liveness=False,
    )
    # before the root (0 successors so far), then after it (3,000); its 3,000
    # leaves generate nothing, so no further poll
    assert seen == [0, 3000]


def test_max_memory_stops_the_run_incomplete_naming_the_bound() -> None:
    # 1 MB: already exceeded
    result = explore(without_progress(Fan(10)), max_memory=2**20, liveness=False)
    assert result.verdict is Verdict.INCOMPLETE
    assert result.bound == "max_memory=1MB"
    assert result.stats.transitions == 0


def test_a_single_state_with_a_huge_fan_out_is_polled_within_its_expansion() -> None:
    polls = []

    def stop() -> bool:
        polls.append(1)
        return len(polls) > 1

    result = explore(without_progress(Fan(20_000, limit=1)), should_stop=stop, liveness=False)
    assert result.bound == "interrupted"
    assert result.stats.transitions == 1024  # not the root's 20,000
