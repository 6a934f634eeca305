"""Tiny models whose state spaces, counterexamples and liveness answers are
known by hand. Each docstring gives the answers the tests pin.

They implement `checker.model.Model` and nothing else, which also proves the
interface is enough for a protocol that is not the token one.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.model import Invariant, Model, Sometimes, StepProperty


class Counter:
    """s = 0, 1, ..., limit by `inc`; quiescent at the limit.

    limit + 1 states, limit transitions, depth limit; Progress holds.
    """

    name = "counter"

    def __init__(
        self,
        limit: int = 5,
        invariants: Sequence[Invariant] = (),
        sometimes: Sequence[Sometimes] = (),
    ) -> None:
        self.limit = limit
        self.invariants = tuple(invariants)
        self.step_properties: tuple[StepProperty, ...] = ()
        self.sometimes = tuple(sometimes)

    def initial_states(self) -> tuple[int, ...]:
        return (0,)

    def actions(self, s: int) -> tuple[str, ...]:
        return ("inc",) if s < self.limit else ()

    def next_state(self, s: int, a: str) -> int:
        return s + 1

    def is_fair(self, s: int, a: str) -> bool:
        return True

    def is_quiescent(self, s: int) -> bool:
        return s == self.limit

    def describe_action(self, a: str) -> str:
        return a

    def describe_state(self, s: int) -> Mapping[str, Any]:
        return {"s": s}


class Grid:
    """(x, y) in 0..size squared, from (0, 0) by IncX and IncY; quiescent at
    (size, size).

    (size+1)**2 states, 2*size*(size+1) transitions, depth 2*size. With
    `forbidden_sum=k` the invariant SumIsNot(k) fails first after exactly k
    steps (every path to x+y = k has k steps).
    """

    name = "grid"

    def __init__(self, size: int = 3, forbidden_sum: int | None = None) -> None:
        self.size = size
        self.invariants: tuple[Invariant, ...] = ()
        if forbidden_sum is not None:
            k = forbidden_sum
            self.invariants = (
                Invariant(f"SumIsNot{k}", lambda s: None if s[0] + s[1] != k else f"x+y = {k}"),
            )
        self.step_properties: tuple[StepProperty, ...] = ()
        self.sometimes: tuple[Sometimes, ...] = ()

    def initial_states(self) -> tuple[tuple[int, int], ...]:
        return ((0, 0),)

    def actions(self, s: tuple[int, int]) -> list[str]:
        x, y = s
        return [a for a, ok in (("IncX", x < self.size), ("IncY", y < self.size)) if ok]

    def next_state(self, s: tuple[int, int], a: str) -> tuple[int, int]:
        x, y = s
        return (x + 1, y) if a == "IncX" else (x, y + 1)

    def is_fair(self, s: tuple[int, int], a: str) -> bool:
        return True

    def is_quiescent(self, s: tuple[int, int]) -> bool:
        return s == (self.size, self.size)

    def describe_action(self, a: str) -> str:
        return a

    def describe_state(self, s: tuple[int, int]) -> Mapping[str, Any]:
        return {"x": s[0], "y": s[1]}


class TwoClocks:
    """Two independent clocks, a mod m and b mod k, each ticking on its own.

    m*k states, 2*m*k transitions (every state has both ticks), depth
    (m-1)+(k-1). Every state is quiescent, so Progress holds trivially.
    """

    name = "two-clocks"
    invariants: tuple[Invariant, ...] = ()
    step_properties: tuple[StepProperty, ...] = ()
    sometimes: tuple[Sometimes, ...] = ()

    def __init__(self, m: int = 3, k: int = 4) -> None:
        self.m, self.k = m, k

    def initial_states(self) -> tuple[tuple[int, int], ...]:
        return ((0, 0),)

    def actions(self, s: tuple[int, int]) -> tuple[str, ...]:
        return ("TickA", "TickB")

    def next_state(self, s: tuple[int, int], a: str) -> tuple[int, int]:
        a_, b_ = s
        return ((a_ + 1) % self.m, b_) if a == "TickA" else (a_, (b_ + 1) % self.k)

    def is_fair(self, s: tuple[int, int], a: str) -> bool:
        return True

    def is_quiescent(self, s: tuple[int, int]) -> bool:
        return True

    def describe_action(self, a: str) -> str:
        return a

    def describe_state(self, s: tuple[int, int]) -> Mapping[str, Any]:
        return {"a": s[0], "b": s[1]}


class ResetCounter:
    """0 -> 1 -> 2 by `inc`, and `reset` from 2 back to 0 (a visited state).

    The step property NeverDecreases fails on the reset: path 0, 1, 2, 0 of
    3 steps whose last step is `reset` from 2 to 0.
    """

    name = "reset-counter"
    invariants: tuple[Invariant, ...] = ()
    step_properties: tuple[StepProperty, ...] = (
        StepProperty(
            "NeverDecreases", lambda s, a, t: None if t >= s else f"{a} took s from {s} to {t}"
        ),
    )
    sometimes: tuple[Sometimes, ...] = ()

    def initial_states(self) -> tuple[int, ...]:
        return (0,)

    def actions(self, s: int) -> tuple[str, ...]:
        return ("inc",) if s < 2 else ("reset",)

    def next_state(self, s: int, a: str) -> int:
        return s + 1 if a == "inc" else 0

    def is_fair(self, s: int, a: str) -> bool:
        return True

    def is_quiescent(self, s: int) -> bool:
        return True

    def describe_action(self, a: str) -> str:
        return a

    def describe_state(self, s: int) -> Mapping[str, Any]:
        return {"s": s}


@dataclass(frozen=True, slots=True)
class Edge:
    """An action of GraphModel: go to `dst`; `fair` says fairness promises it."""

    dst: int
    fair: bool = True


@dataclass
class GraphModel:
    """Any finite graph on int nodes: `edges[node]` lists the enabled Edges in
    order. `bad` nodes break the invariant NotBad; `quiescent` nodes are the
    liveness goal."""

    edges: Mapping[int, Sequence[Edge]]
    initial: Sequence[int] = (0,)
    quiescent: frozenset[int] = frozenset()
    bad: frozenset[int] = frozenset()
    name: str = "graph"
    step_properties: tuple[StepProperty, ...] = ()
    sometimes: tuple[Sometimes, ...] = ()
    invariants: tuple[Invariant, ...] = field(init=False)

    def __post_init__(self) -> None:
        bad = self.bad
        self.invariants = (
            Invariant("NotBad", lambda s: None if s not in bad else f"node {s} is bad"),
        )

    def initial_states(self) -> Sequence[int]:
        return tuple(self.initial)

    def actions(self, s: int) -> Sequence[Edge]:
        return tuple(self.edges.get(s, ()))

    def next_state(self, s: int, a: Edge) -> int:
        return a.dst

    def is_fair(self, s: int, a: Edge) -> bool:
        return a.fair

    def is_quiescent(self, s: int) -> bool:
        return s in self.quiescent

    def describe_action(self, a: Edge) -> str:
        return f"go {a.dst}" + ("" if a.fair else " (unfair)")

    def describe_state(self, s: int) -> Mapping[str, Any]:
        return {"node": s}


def stuck_model() -> GraphModel:
    """0 -> 1 -> 2 (quiescent), and 0 -> 3 -> 4 -> 2 where 4 -> 2 is unfair.

    States 3 and 4 are stuck: from them only an unfair step leads to
    quiescence. The shallowest is 3, reached in one step (action index 1).
    """
    return GraphModel(
        edges={0: [Edge(1), Edge(3)], 1: [Edge(2)], 3: [Edge(4)], 4: [Edge(2, fair=False)]},
        quiescent=frozenset({2}),
    )


class Spinner(GraphModel):
    """0 -> 1, and 1 -> 2 -> 1 round and round, while 1 -> 3 (quiescent) is
    also possible. No state is stuck, but the fair cycle 1 -> 2 -> 1 avoids
    quiescence: the lasso is 0, 1, 2, 1 with loop_start 1. With
    `fair_cycle=False` the step 2 -> 1 is unfair and Progress holds.
    """

    def __init__(self, fair_cycle: bool = True) -> None:
        super().__init__(
            edges={0: [Edge(1)], 1: [Edge(2), Edge(3)], 2: [Edge(1, fair=fair_cycle), Edge(3)]},
            quiescent=frozenset({3}),
            name="spinner",
        )


class Permuted:
    """`model` with each state's actions listed in a seeded, state-dependent
    shuffled order: the answers of a check must not depend on it."""

    def __init__(self, model: Model[Any, Any], seed: int) -> None:
        self.model = model
        self.seed = seed
        self.name = f"{model.name}-permuted"
        self.invariants = model.invariants
        self.step_properties = model.step_properties
        self.sometimes = model.sometimes

    def initial_states(self) -> list[Any]:
        states = list(self.model.initial_states())
        random.Random(self.seed).shuffle(states)
        return states

    def actions(self, s: Any) -> list[Any]:
        acts = list(self.model.actions(s))
        random.Random(hash((self.seed, s))).shuffle(acts)
        return acts

    def next_state(self, s: Any, a: Any) -> Any:
        return self.model.next_state(s, a)

    def is_fair(self, s: Any, a: Any) -> bool:
        return self.model.is_fair(s, a)

    def is_quiescent(self, s: Any) -> bool:
        return self.model.is_quiescent(s)

    def describe_action(self, a: Any) -> str:
        return self.model.describe_action(a)

    def describe_state(self, s: Any) -> Mapping[str, Any]:
        return self.model.describe_state(s)


class Dying(Counter):
    """A Counter whose worker process ends (`os._exit(code)`, or kills
    itself with signal -code) when it expands state `at`: a worker lost
    mid-run. Never in the process that built it (the coordinator)."""

    def __init__(self, limit: int, at: int, code: int) -> None:
        super().__init__(limit)
        self.at, self.code, self.builder = at, code, os.getpid()

    def actions(self, s: int) -> tuple[str, ...]:
        if s == self.at and os.getpid() != self.builder:
            if self.code < 0:
                os.kill(os.getpid(), -self.code)
            os._exit(self.code)
        return super().actions(s)
