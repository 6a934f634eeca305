"""What a check returns: a verdict, the statistics, and a replayable path.

Three verdicts, as in Porcupine: VERIFIED, VIOLATED (with the counterexample)
and INCOMPLETE (with the bound that stopped the run). Incomplete is never a
pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from checker.coverage import Coverage

if TYPE_CHECKING:
    from checker.por import PorStats


class Verdict(Enum):
    VERIFIED = "verified"
    VIOLATED = "violated"
    INCOMPLETE = "incomplete"

    @property
    def exit_code(self) -> int:
        """The CLI's exit code: 0 holds, 1 violated, 3 incomplete."""
        return {"verified": 0, "violated": 1, "incomplete": 3}[self.value]


@dataclass(slots=True)
class Stats:
    """Figures of one exploration; updated live while it runs."""

    states: int = 0
    transitions: int = 0
    depth: int = 0
    seconds: float = 0.0
    peak_memory_bytes: int = 0
    frontier: int = 0
    # Chance that two distinct states shared a 64-bit fingerprint, so that one
    # was wrongly taken as visited: about states**2 / 2**65 (0 when exact).
    collision_probability: float = 0.0

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "states": self.states,
            "transitions": self.transitions,
            "depth": self.depth,
            "seconds": round(self.seconds, 3),
            "states_per_second": round(self.states_per_second, 1),
            "peak_memory_bytes": self.peak_memory_bytes,
        }


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a counterexample: the action taken (None for the initial
    state), its index among the enabled actions (for replay), the state after."""

    action: Any
    action_index: int | None
    state: Any


@dataclass(frozen=True, slots=True)
class Counterexample:
    """A shortest path to a violation.

    `steps[0]` is the initial state. For a step property, the last step is the
    offending transition. For Progress, `loop_start` is the index in `steps`
    where a cycle of fair steps begins (the last step returns to it), or None
    when the last state is stuck: no fair path from it reaches quiescence.
    """

    property_name: str
    detail: str
    steps: tuple[Step, ...]
    loop_start: int | None = None

    @property
    def length(self) -> int:
        """The number of actions (transitions) in the path."""
        return len(self.steps) - 1


@dataclass(slots=True)
class CheckResult:
    verdict: Verdict
    stats: Stats
    counterexample: Counterexample | None = None
    # Why a run is incomplete: "max_states=1000", "max_seconds=5".
    bound: str | None = None
    # Properties the run checked, so a report can list what holds.
    checked: tuple[str, ...] = field(default_factory=tuple)
    # Sometimes-properties never met (a violation when the run is complete).
    unmet_sometimes: tuple[str, ...] = field(default_factory=tuple)
    # Transitions per kind of action, and the kinds never taken (checker.coverage).
    coverage: Coverage | None = None
    # The reductions applied ("symmetry"): the counts are then of classes.
    reductions: tuple[str, ...] = field(default_factory=tuple)
    # With partial-order reduction: how many states were expanded with an ample set.
    por: PorStats | None = None
