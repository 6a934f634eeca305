"""Hypothesis properties of the engine.

The answers of a check must not depend on the order in which a model lists
its actions, and on random small graphs they must equal what a naive
independent computation gives: reachable sets by closure, shortest paths by
Bellman-Ford relaxation, Progress by transitive closure of the fair edges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.explore import explore
from checker.model import PROGRESS, Model
from checker.replay import replay
from checker.result import CheckResult, Verdict
from tests.checker.tiny_models import Edge, GraphModel, Grid, Permuted, Spinner, TwoClocks
from tests.replaying import action_indexes

MAX_NODES = 8


@st.composite
def graphs(draw: st.DrawFn) -> GraphModel:
    """A random graph on up to MAX_NODES nodes, with fair and unfair edges,
    some bad nodes, some quiescent ones, one or two initial nodes."""
    n = draw(st.integers(1, MAX_NODES))
    node = st.integers(0, n - 1)
    edges = {u: draw(st.lists(st.builds(Edge, node, st.booleans()), max_size=3)) for u in range(n)}
    return GraphModel(
        edges=edges,
        initial=draw(st.lists(node, min_size=1, max_size=2)),
        quiescent=draw(st.frozensets(node)),
        bad=draw(st.frozensets(node, max_size=2)),
    )


def _summary(result: CheckResult) -> tuple[object, ...]:
    """What must not depend on the action order. A safety violation stops the
    run part way, so the counts so far are order-dependent: keep only the
    property and the (shortest) length. A Progress lasso is short, not
    shortest, so keep only that there is one."""
    cex = result.counterexample
    if cex is not None and cex.property_name != PROGRESS:
        return (result.verdict, cex.property_name, cex.length)
    stats = result.stats
    head = (result.verdict, stats.states, stats.transitions, stats.depth)
    if cex is None:
        return head
    return (*head, cex.loop_start is None, cex.length if cex.loop_start is None else None)


@settings(max_examples=60, deadline=None)
@given(
    model=st.sampled_from([Grid(3), Grid(4, forbidden_sum=5), TwoClocks(3, 5), Spinner()]),
    seed=st.integers(0, 2**32),
)
def test_the_answers_do_not_depend_on_the_order_of_the_actions(
    model: Model[Any, Any], seed: int
) -> None:
    assert _summary(explore(Permuted(model, seed))) == _summary(explore(model))


@settings(max_examples=150, deadline=None)
@given(model=graphs(), seed=st.integers(0, 2**32))
def test_random_graphs_give_the_same_answers_in_any_action_order(
    model: GraphModel, seed: int
) -> None:
    plain, permuted = explore(model), explore(Permuted(model, seed))
    assert _summary(permuted) == _summary(plain)


def _reachable(edges: Mapping[int, Sequence[Edge]], initial: Sequence[int]) -> set[int]:
    reached = set(initial)
    changed = True
    while changed:
        changed = False
        for u in list(reached):
            for e in edges.get(u, ()):
                if e.dst not in reached:
                    reached.add(e.dst)
                    changed = True
    return reached


def _distances(model: GraphModel) -> dict[int, int]:
    """Bellman-Ford: the length of a shortest path from an initial node."""
    dist = {u: 0 for u in model.initial}
    for _ in range(MAX_NODES):
        for u, out in model.edges.items():
            for e in out:
                if u in dist and dist[u] + 1 < dist.get(e.dst, MAX_NODES + 1):
                    dist[e.dst] = dist[u] + 1
    return dist


def _fair_closure(model: GraphModel, nodes: set[int]) -> dict[int, set[int]]:
    """reach[u]: nodes reachable from u in one or more fair steps, inside `nodes`."""
    reach = {u: {e.dst for e in model.edges.get(u, ()) if e.fair and e.dst in nodes} for u in nodes}
    for k in nodes:  # Floyd-Warshall
        for u in nodes:
            if k in reach[u]:
                reach[u] |= reach[k]
    return reach


@settings(max_examples=300, deadline=None)
@given(model=graphs())
def test_random_graphs_agree_with_a_naive_computation(model: GraphModel) -> None:
    result = explore(model)
    reachable = _reachable(model.edges, model.initial)
    dist = _distances(model)
    bad = [u for u in reachable if u in model.bad]
    cex = result.counterexample

    if bad:
        assert result.verdict is Verdict.VIOLATED
        assert cex is not None and cex.property_name == "NotBad"
        assert cex.length == min(dist[u] for u in bad)
        assert cex.steps[-1].state in model.bad
        return

    assert result.stats.states == len(reachable)
    assert result.stats.transitions == sum(len(model.edges.get(u, ())) for u in reachable)
    assert result.stats.depth == max(dist[u] for u in reachable)

    q = model.quiescent
    everywhere = _fair_closure(model, reachable)
    stuck = [u for u in reachable if u not in q and not (everywhere[u] & q)]
    busy = {u for u in reachable if u not in q}
    looping = [u for u, r in _fair_closure(model, busy).items() if u in r]

    if not stuck and not looping:
        assert result.verdict is Verdict.VERIFIED
        return
    assert result.verdict is Verdict.VIOLATED
    assert cex is not None and cex.property_name == PROGRESS
    initial_index = list(model.initial).index(cex.steps[0].state)
    assert replay(model, action_indexes(cex.steps), initial_index) == cex.steps
    if stuck:  # stuck states are reported first, the shallowest one
        assert cex.loop_start is None
        assert cex.steps[-1].state in stuck
        assert cex.length == dist[cex.steps[-1].state] == min(dist[u] for u in stuck)
    else:
        start = cex.loop_start
        assert start is not None and start < cex.length
        assert cex.steps[start].state == cex.steps[-1].state
        assert start == dist[cex.steps[start].state]  # the prefix is a shortest path
        for step in cex.steps[start + 1 :]:
            assert step.action.fair and step.state in busy
        assert cex.steps[start].state in looping
