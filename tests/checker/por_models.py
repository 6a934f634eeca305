"""Tiny models with ample sets, whose full and reduced graphs are known by
hand (each docstring gives the counts the tests pin)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checker.model import Invariant, Sometimes, StepProperty

Counters = tuple[int, ...]


class IndependentCounters:
    """n counters, each 0..k, `Inc i` adds one to counter i. Every two
    actions are independent (different counters), so an ample set of one
    action is sound (C1): ample = the lowest counter not at k.

    Full graph: (k+1)**n states, n*k*(k+1)**(n-1) transitions, depth n*k.
    Reduced graph: one line, n*k + 1 states, n*k transitions.

    `watch_last`: the invariant LastBelowK reads counter n-1 only, so
    `Inc n-1` is visible and the others are not. Its shortest counterexample
    has k steps; the reduced graph's has n*k (the other counters first).

    `both_one`: the invariant NotBothOne (not c0 == c1 == 1, n = 2) reads
    both counters, so every action is visible; `hide_visibility` makes the
    model lie about it, to show what C2 prevents."""

    name = "independent counters"

    def __init__(
        self,
        n: int = 3,
        k: int = 2,
        *,
        watch_last: bool = False,
        both_one: bool = False,
        hide_visibility: bool = False,
    ) -> None:
        self.n, self.k = n, k
        self.watch_last, self.both_one = watch_last, both_one
        self.hide_visibility = hide_visibility
        found = []
        if watch_last:
            found.append(
                Invariant("LastBelowK", lambda s: f"c{n - 1} = {k}" if s[-1] == k else None)
            )
        if both_one:
            found.append(
                Invariant("NotBothOne", lambda s: "c0 = c1 = 1" if s[:2] == (1, 1) else None)
            )
        self.invariants = tuple(found)
        self.step_properties: tuple[StepProperty, ...] = ()
        self.sometimes: tuple[Sometimes, ...] = ()

    def initial_states(self) -> tuple[Counters, ...]:
        return ((0,) * self.n,)

    def actions(self, s: Counters) -> tuple[int, ...]:
        return tuple(i for i, v in enumerate(s) if v < self.k)

    def next_state(self, s: Counters, i: int) -> Counters:
        return (*s[:i], s[i] + 1, *s[i + 1 :])

    def ample(self, s: Counters, enabled: Sequence[int]) -> Sequence[int] | None:
        return (0,)  # the lowest enabled counter: independent of every other Inc

    def is_visible(self, s: Counters, i: int) -> bool:
        if self.hide_visibility:
            return False
        return (self.watch_last and i == self.n - 1) or (self.both_one and i < 2)

    def describe_action(self, i: int) -> str:
        return f"Inc {i}"

    def describe_state(self, s: Counters) -> Mapping[str, Any]:
        return {"counters": list(s)}


class SpinAndFlip:
    """(spin, flag), both 0 or 1, from (0, 0). `Spin` toggles spin for ever
    (a cycle), `Flip` sets the flag once; the invariant NeverFlipped reads
    the flag, so Flip is visible and Spin is not. The two are independent,
    so ample = {Spin} satisfies C0 to C2 everywhere.

    Full graph: 4 states; NeverFlipped breaks after 1 step (Flip).
    Reduced, with the cycle proviso: at (1, 0) Spin leads back to (0, 0),
    already visited, so (1, 0) is expanded fully and Flip is taken: the
    violation after 2 steps (Spin, Flip). Without the proviso, the reduced
    graph is the cycle (0, 0) <-> (1, 0) and the run wrongly says VERIFIED
    after 2 states: Flip is postponed for ever (the "ignoring problem")."""

    name = "spin and flip"
    step_properties: tuple[StepProperty, ...] = ()
    sometimes: tuple[Sometimes, ...] = ()

    def __init__(self) -> None:
        self.invariants: tuple[Invariant, ...] = (
            Invariant("NeverFlipped", lambda s: "the flag is set" if s[1] else None),
        )

    def initial_states(self) -> tuple[tuple[int, int], ...]:
        return ((0, 0),)

    def actions(self, s: tuple[int, int]) -> tuple[str, ...]:
        return ("Spin", "Flip") if not s[1] else ("Spin",)

    def next_state(self, s: tuple[int, int], a: str) -> tuple[int, int]:
        return (1 - s[0], s[1]) if a == "Spin" else (s[0], 1)

    def ample(self, s: tuple[int, int], enabled: Sequence[str]) -> Sequence[int] | None:
        return (enabled.index("Spin"),)

    def is_visible(self, s: tuple[int, int], a: str) -> bool:
        return a == "Flip"

    def is_fair(self, s: tuple[int, int], a: str) -> bool:
        return True

    def is_quiescent(self, s: tuple[int, int]) -> bool:
        return False  # Progress fails: nothing is ever quiescent

    def describe_action(self, a: str) -> str:
        return a

    def describe_state(self, s: tuple[int, int]) -> Mapping[str, Any]:
        return {"spin": s[0], "flag": s[1]}


class BadAmple(IndependentCounters):
    """Offers an index that names no enabled action."""

    def ample(self, s: Counters, enabled: Sequence[int]) -> Sequence[int] | None:
        return (len(enabled),) if len(enabled) > 1 else None
