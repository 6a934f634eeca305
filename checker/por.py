"""Partial-order reduction: ample sets for the breadth-first engine.

A model may offer, per state, a candidate *ample set*: a few of the enabled
actions such that exploring only them loses no violation of an invariant,
a step property or a sometimes property. Opt-in, like Progress and
symmetry: a model offers two methods (`has_por`),

    def ample(self, state, enabled):     # indices into `enabled`, or None
    def is_visible(self, state, action): # may it change what a property reads?

and `explore(model, por=True)` then expands, at each state, either the
ample set or every enabled action. The four classical conditions (Clarke,
Grumberg and Peled, *Model Checking*, ch. 10):

- C0 (engine): the ample set is non-empty; an empty or full candidate is
  not a reduction, so the state is expanded fully.
- C1 (the model's obligation, argued next to each rule): on every path of
  the full graph from the state, no action outside the ample set that
  depends on an ample action is taken before some ample action is.
  Independent means: neither disables the other and they commute. A
  model may also count b as independent of an ample a when b *absorbs* a:
  b disables a for good but b(a(s)) = b(s) (say, a message that b's
  cleanup deletes whether or not a delivered it first); a path through b
  from s is then a path from a(s) of the same length, equal to it from b on.
- C2 (engine): no ample action is visible. `is_visible(s, a)` must be True
  when `a` may change the part of the state that some invariant, step
  property or sometimes property reads, in `s` or in any state where it is
  enabled after steps independent of it (the argument below moves `a`
  along a path; the rules here answer by the kind of action, which is
  safe). The engine asks for every candidate and expands fully if one is.
  An action that may itself break a step property is visible too; other
  step properties read (s, b, s') through that same part and b, so an
  invisible action commuted past a transition leaves its verdict unchanged.
- C3 (engine, the BFS cycle proviso): if any ample successor was already
  visited at a level no deeper than the state's own (so not merely found
  earlier in the level being built, by a sibling: a diamond), the state is
  expanded fully. Every cycle of the reduced graph then contains a fully
  expanded state: along an explored edge u -> v, level(v) <= level(u) + 1,
  and round a cycle the levels come back to where they started, so some
  edge has level(v) <= level(u); v was then visited before u was expanded,
  at a level no deeper than u's, and u was expanded fully. (The plain
  proviso, "any ample successor already visited", is also sound but
  refuses every diamond: on SMR's SM1, with its first rule alone, it kept
  4,843 of 5,215 states, this one 2,643, with the same verdicts.) With symmetry the test is on
  classes, and the same holds of the cycles of classes.

Why that is enough for safety: take an expanded state t from which the
full graph reaches a violation by a path p. If t is fully expanded, the
first step of p is explored and the rest of p is one step shorter. Else,
by C1, either p contains an ample action a (the first one), which commutes
to the front (a path of length |p| - 1 from a(t)), or p has none, and any
ample a commutes with (or is absorbed by) all of p (a path of length |p|
from a(t)); since a is invisible (C2), the states along the moved path agree with the old ones on
everything a property reads, so the violation is still at its end. The
length never grows, and it shrinks at each fully expanded state; by C3 a
walk that never shrinks it would go round a cycle of ample-only steps,
which has no such state. So a violation is reached. With symmetry, every
step lands on a state of the same class as the one the argument names, and
properties are the same on a class.

What it does not preserve: Progress (a fair cycle may need an action the
reduction postpones for ever; the engine does not check Progress under POR
and says so), and shortest counterexamples (the reduced graph's shortest
path may be longer than the full graph's; a run with POR says so).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from checker.errors import CheckerError

# The name of this reduction in CheckResult.reductions.
PARTIAL_ORDER = "partial-order"

# The BFS cycle proviso (C3). Only tests switch it off, to show the wrong
# answer it prevents (tests/checker/test_por.py).
CYCLE_PROVISO = True


class BadAmpleSet(CheckerError):
    """A model's `ample` returned something that is not a set of indices
    into the enabled actions: a model bug, reported rather than explored."""


def has_por(model: object) -> bool:
    """Partial-order reduction is opt-in: a model offers `ample(state,
    enabled)` and `is_visible(state, action)`."""
    return callable(getattr(model, "ample", None)) and callable(getattr(model, "is_visible", None))


@dataclass(slots=True)
class PorStats:
    """How the reduction went: states expanded with an ample set, and states
    where a candidate was refused because an action was visible (C2) or a
    successor was already visited (C3)."""

    reduced: int = 0
    refused_visible: int = 0
    refused_proviso: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "reduced": self.reduced,
            "refused_visible": self.refused_visible,
            "refused_proviso": self.refused_proviso,
        }


class AmpleSets:
    """The engine's side: checks C0, C2 and C3 on the model's candidate and
    says which (index, action) pairs to expand."""

    def __init__(self, model: Any, visited_id: Callable[[Any], int | None]) -> None:
        self.ample: Callable[[Any, Sequence[Any]], Sequence[int] | None] = model.ample
        self.is_visible: Callable[[Any, Any], bool] = model.is_visible
        self.next_state: Callable[[Any, Any], Any] = model.next_state
        # A state's id (ids are given in BFS order), or None if not visited.
        self.visited_id = visited_id
        # The first id of the level being built: the engine sets it per level.
        # Ids below it are of states at the expanded state's level or before.
        self.next_level = 0
        self.stats = PorStats()

    def choose(self, state: Any, enabled: Sequence[Any]) -> list[tuple[int, Any]] | None:
        """The pairs (index in `enabled`, action) to expand, or None for all."""
        candidate = self.ample(state, enabled)
        if candidate is None or not candidate or len(candidate) >= len(enabled):
            return None  # C0: nothing offered, or nothing left out
        picks = _checked_picks(candidate, enabled)
        for _, action in picks:
            if self.is_visible(state, action):  # C2
                self.stats.refused_visible += 1
                return None
        if CYCLE_PROVISO:
            for _, action in picks:  # C3
                found = self.visited_id(self.next_state(state, action))
                if found is not None and found < self.next_level:
                    self.stats.refused_proviso += 1
                    return None
        self.stats.reduced += 1
        return picks


def _checked_picks(candidate: Sequence[int], enabled: Sequence[Any]) -> list[tuple[int, Any]]:
    picks = []
    for i in candidate:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(enabled):
            raise BadAmpleSet(
                f"ample() returned {list(candidate)!r}: {i!r} is not an index into the"
                f" {len(enabled)} enabled actions; return indices 0..{len(enabled) - 1}"
            )
        picks.append((i, enabled[i]))
    if len({i for i, _ in picks}) < len(picks):
        raise BadAmpleSet(f"ample() returned {list(candidate)!r}: an index appears twice")
    return picks
