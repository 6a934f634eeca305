"""Progress checked on the shards (checker.progress_shards) gives the
one-process answer: the same verdict, stuck state, lasso and counts."""

from __future__ import annotations

import random
from typing import Any

import pytest

from checker.explore import explore
from checker.parallel import Pool, explore_parallel
from checker.progress_shards import ProgressHome, fair_batches
from checker.shard import Shard
from tests.checker.answers import answer
from tests.checker.tiny_models import Edge, GraphModel, Spinner, stuck_model


class InProcess(Pool):
    """The shards called in turn in this process (no fork: fast enough for
    hundreds of small graphs). It counts the Progress rounds."""

    def __init__(self, shards: list[Shard], poll: Any) -> None:
        self.shards = shards
        self.steps: list[str] = []

    def call(self, method: str, args: Any) -> list[Any]:
        if method == "progress":
            self.steps.append(args[0][0])
        return [getattr(s, method)(*a) for s, a in zip(self.shards, args, strict=True)]

    def close(self) -> None:
        pass


def random_graph(rng: random.Random) -> GraphModel:
    """A small graph with fair and unfair edges, parallel edges, self-loops
    and a few quiescent nodes. One in three is any graph (mostly stuck);
    the others give every node a fair step forward, towards the last node,
    which is quiescent (no stuck state), and fair steps back only in half
    of them (a fair cycle, or Progress holds)."""
    nodes = rng.randint(2, 40)
    kind = rng.choice(["any", "forward", "back"])
    edges: dict[int, list[Edge]] = {}
    for v in range(nodes):
        out = [
            Edge(rng.randrange(nodes), fair=rng.random() < 0.8) for _ in range(rng.randint(0, 4))
        ]
        if kind != "any":
            out = [e if e.dst > v or kind == "back" else Edge(e.dst, fair=False) for e in out]
            if v < nodes - 1:
                out.insert(rng.randint(0, len(out)), Edge(rng.randrange(v + 1, nodes)))
        edges[v] = out
    quiescent = {v for v in range(nodes) if rng.random() < 0.2}
    if kind != "any":
        quiescent.add(nodes - 1)
    return GraphModel(edges=edges, quiescent=frozenset(quiescent))


def _outcome(model: GraphModel) -> str:
    cex = explore(model).counterexample
    if cex is None:
        return "holds"
    return "stuck" if cex.loop_start is None else "cycle"


@pytest.mark.parametrize("workers", [2, 3])
def test_random_graphs_give_the_one_process_progress_answer(workers: int) -> None:
    rng = random.Random(14)
    seen = {"holds": 0, "stuck": 0, "cycle": 0}
    for _ in range(150):
        model = random_graph(rng)
        one = explore(model)
        many = explore_parallel(model, workers=workers, pool_factory=InProcess)
        assert answer(many) == answer(one), model
        seen[_outcome(model)] += 1
    # The graphs are not all alike: each outcome at least 20 times in 150.
    assert min(seen.values()) >= 20, seen


def test_the_stuck_state_found_on_two_workers_is_the_shallowest_known_by_hand() -> None:
    result = explore_parallel(stuck_model(), workers=2)
    cex = result.counterexample
    assert cex is not None and cex.loop_start is None
    assert [step.state for step in cex.steps] == [0, 3]
    assert "its fair steps lead only to states that cannot reach quiescence" in cex.detail


def test_the_fair_cycle_found_on_two_workers_is_the_known_lasso() -> None:
    pools: list[InProcess] = []

    def pool(shards: list[Shard], poll: Any) -> InProcess:
        pools.append(InProcess(shards, poll))
        return pools[-1]

    cex = explore_parallel(Spinner(), workers=2, pool_factory=pool).counterexample
    assert cex is not None and cex.loop_start == 1
    assert cex == explore(Spinner()).counterexample
    # Reachability found no stuck state, so the peeling ran too.
    assert {"reach", "stuck", "peel", "cycle_start"} <= set(pools[0].steps)


def test_when_peeling_leaves_nothing_and_no_state_is_a_dead_end_reachability_is_skipped() -> None:
    # 0 -> 1 -> 2 (quiescent), 0 -> 2: Progress holds; then 3 without a fair
    # step (a dead end, stuck) makes the reachability rounds run.
    pools: list[InProcess] = []

    def pool(shards: list[Shard], poll: Any) -> InProcess:
        pools.append(InProcess(shards, poll))
        return pools[-1]

    holds = GraphModel(edges={0: [Edge(1), Edge(2)], 1: [Edge(2)]}, quiescent=frozenset({2}))
    assert explore_parallel(holds, workers=2, pool_factory=pool).verdict.value == "verified"
    assert "peel" in pools[-1].steps and "reach" not in pools[-1].steps
    dead = GraphModel(
        edges={0: [Edge(1), Edge(3, fair=False)], 1: [Edge(2)]}, quiescent=frozenset({2})
    )
    cex = explore_parallel(dead, workers=2, pool_factory=pool).counterexample
    assert "reach" in pools[-1].steps
    assert cex is not None and [step.state for step in cex.steps] == [0, 3]


def test_a_home_keeps_the_edges_into_its_own_states_and_routes_the_others() -> None:
    # Two shards, states 0..3: edges 1->2 and 1->3 from state 1, 2->3 from 2;
    # 3 is quiescent; 0 has no fair edge. Homes: even ids on 0, odd on 1.
    from array import array

    batches = fair_batches(
        array("q", [0, 1, 2, 3]),
        array("i", [0, 2, 1, 0]),
        bytes([0, 0, 0, 1]),
        array("q", [-1 - 2, 0 << 32 | 0, 1 << 32 | 0]),  # 2 known; 3 answered by owner 1
        [array("q", [3]), array("q", [3])],
        2,
    )
    even, odd = batches
    assert (list(even[0]), list(odd[0])) == ([0, 2], [1, 3])  # states by home
    assert (list(even[3]), list(even[4])) == ([1], [2])  # edge 1->2 goes home to 0
    assert (list(odd[3]), list(odd[4])) == ([1, 2], [3, 3])
    homes = [ProgressHome(0, 2), ProgressHome(1, 2)]
    for h, home in enumerate(homes):
        home.take([batches[h]])
    assert list(homes[1].fair_count) == [2, 0] and bytes(homes[1].quiescent) == bytes([0, 1])
    # Home 1 starts from 3: its predecessors 1 (here) and 2 (home 0's).
    out = [home.reach([]) for home in homes]
    assert [list(a) for a in out[0]] == [[], []] and [list(a) for a in out[1]] == [[2], []]
    assert homes[0].reach([out[1][0]]) == [array("i"), array("i", [1])]  # 2's predecessor 1
    homes[1].reach([array("i", [1])])
    # State 0 alone cannot reach quiescence: no fair step.
    assert [home.stuck() for home in homes] == [(0, 0), None]
