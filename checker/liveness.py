"""Progress: from every reachable state, fair steps alone reach quiescence,
and no cycle of fair steps avoids it.

A step is fair when the model's `is_fair(state, action)` says so (it involves
only correct nodes: fairness guarantees it is eventually taken); a state is
quiescent when `is_quiescent(state)` says nothing is pending. After a
complete exploration, the explorer hands over the fair edges of the state
graph (`FairGraph`) and this module looks for the two ways Progress fails:

1. A *stuck* state: no path of fair steps leads from it to a quiescent
   state. Found by backward reachability from the quiescent states over fair
   edges; the counterexample is the shortest path to the shallowest stuck
   state, with `loop_start` None.
2. A *fair cycle*: fair steps that go round among non-quiescent states
   forever. The fair subgraph of non-quiescent states must be acyclic; nodes
   without a fair successor inside it are peeled off (Kahn's algorithm, in a
   loop, never recursive); whatever remains contains a cycle. The
   counterexample is the shortest path to the cycle's shallowest state, then
   the cycle, whose last step returns to `steps[loop_start]`.

    >>> from checker.explore import explore
    >>> from tests.checker.tiny_models import Spinner
    >>> explore(Spinner()).counterexample.loop_start
    1

Unfair steps (those of faulty nodes) are ignored: a cycle that needs one is
not a violation, since fairness does not promise it will ever be taken.
Everything runs on flat int arrays; memory is a few bytes per fair edge.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, compress, repeat
from operator import sub
from typing import Any

from checker.errors import NondeterministicModel
from checker.model import PROGRESS, Model
from checker.replay import rebuild
from checker.result import Counterexample


@dataclass(frozen=True, slots=True)
class FairGraph:
    """The explored state graph, reduced to what liveness needs. State ids are
    BFS order. `parent`/`via` rebuild paths (see `checker.replay.rebuild`);
    `quiescent[i]` is 1 for a quiescent state; the fair edges leaving state i
    go to `fair_dst[fair_off[i]:fair_off[i + 1]]` (len(fair_off) == n + 1)."""

    parent: Sequence[int]  # an array, or a checker.spill.SpillArray
    via: Sequence[int]
    quiescent: bytearray
    fair_off: array[int]
    fair_dst: array[int]


def find_progress_violation(
    model: Model[Any, Any],
    graph: FairGraph,
    canonical: Callable[[Any], Any] | None = None,
) -> Counterexample | None:
    """The Progress counterexample of a completely explored graph, or None
    when Progress holds: a stuck state first (the shallowest), else a lasso
    to a cycle of fair non-quiescent steps (short, not necessarily shortest).
    `canonical`: the graph's nodes are classes of states (symmetry); the
    lasso is then found again among concrete states (see `lasso`)."""
    quiescent, off, dst = graph.quiescent, graph.fair_off, graph.fair_dst
    n = len(quiescent)
    if n == 0 or _holds(n, quiescent, off, dst):
        return None
    rev_off, preds = _predecessors(n, off, dst)

    stuck = _first_stuck(n, quiescent, rev_off, preds)
    if stuck is not None:
        has_fair = off[stuck + 1] > off[stuck]
        return stuck_counterexample(model, graph.parent, graph.via, stuck, has_fair)

    cycle = _fair_cycle(n, quiescent, off, dst, rev_off, preds)
    if cycle is None:
        return None
    return lasso(model, graph.parent, graph.via, cycle, canonical)


def _holds(n: int, quiescent: bytearray, off: array[int], dst: array[int]) -> bool:
    """Whether Progress holds, in one pass over the edges and without the
    predecessor lists a counterexample needs: it holds exactly when every
    non-quiescent state has a fair step and the fair steps among
    non-quiescent states form no cycle (then every walk of fair steps ends
    in a quiescent state, and a stuck state or a cycle breaks either).
    Kahn's algorithm on in-degrees: the quiescent states go first, then
    every state whose fair predecessors have all gone; all go unless some
    are on a cycle or wait behind one."""
    counts = Counter(dst)  # in-degrees over every fair edge, counted in C
    indegree = [counts.get(v, 0) for v in range(n)]
    queue = [u for u in range(n) if quiescent[u] or not indegree[u]]
    for u in queue:  # the list grows while we walk it
        start, end = off[u], off[u + 1]
        if start == end and not quiescent[u]:
            return False  # no fair step: stuck
        for v in dst[start:end]:
            if not quiescent[v]:
                left = indegree[v] - 1
                indegree[v] = left
                if not left:
                    queue.append(v)
    return len(queue) == n


def stuck_counterexample(
    model: Model[Any, Any], parent: Sequence[int], via: Sequence[int], stuck: int, has_fair: bool
) -> Counterexample:
    """The shortest path to the stuck state `stuck`, and why it is stuck."""
    steps = rebuild(model, parent, via, stuck)
    why = (
        "its fair steps lead only to states that cannot reach quiescence either"
        if has_fair
        else "it has no fair step (every enabled step needs a faulty node, or none is enabled)"
    )
    detail = f"no path of fair steps from the last state reaches a quiescent state: {why}"
    return Counterexample(PROGRESS, detail, steps, loop_start=None)


def _same(state: Any) -> Any:
    return state


def _sources(n: int, off: array[int]) -> Any:
    """The source id of each fair edge, in edge order, without storing them."""
    return chain.from_iterable(map(repeat, range(n), map(sub, off[1:], off[:-1])))


def _predecessors(n: int, off: array[int], dst: array[int]) -> tuple[array[int], array[int]]:
    """The reverse adjacency (CSR): predecessors of v are preds[rev_off[v]:rev_off[v+1]]."""
    counts = Counter(dst)  # counted in C
    rev_off = array("i", accumulate((counts.get(v, 0) for v in range(n)), initial=0))
    preds = array("i", bytes(4 * len(dst)))
    fill = array("i", rev_off)
    for u, v in zip(_sources(n, off), dst, strict=True):
        slot = fill[v]
        preds[slot] = u
        fill[v] = slot + 1
    return rev_off, preds


def _first_stuck(
    n: int, quiescent: bytearray, rev_off: array[int], preds: array[int]
) -> int | None:
    """The smallest id that cannot reach a quiescent state over fair edges."""
    reached = bytearray(quiescent)
    queue = list(compress(range(n), quiescent))
    for v in queue:  # the list grows while we walk it: a breadth-first queue
        for u in preds[rev_off[v] : rev_off[v + 1]]:
            if not reached[u]:
                reached[u] = 1
                queue.append(u)
    stuck = reached.find(0)
    return stuck if stuck >= 0 else None


def _fair_cycle(
    n: int,
    quiescent: bytearray,
    off: array[int],
    dst: array[int],
    rev_off: array[int],
    preds: array[int],
) -> list[int] | None:
    """A cycle of fair edges among non-quiescent states, as the list of its
    ids starting at the smallest one, or None if there is none."""
    # Fair successors of each state that are non-quiescent: all of them (a C
    # loop), less the edges into quiescent states (usually few).
    outdeg = array("i", map(sub, off[1:], off[:-1]))
    for v in compress(range(n), quiescent):
        for u in preds[rev_off[v] : rev_off[v + 1]]:
            outdeg[u] -= 1
    # Peel states with no such successor; their predecessors may follow.
    queue = [u for u in range(n) if not quiescent[u] and not outdeg[u]]
    for v in queue:
        for u in preds[rev_off[v] : rev_off[v + 1]]:
            if not quiescent[u]:
                outdeg[u] -= 1
                if not outdeg[u]:
                    queue.append(u)
    # Left: non-quiescent states with outdeg > 0, each with a successor left.
    start = next((u for u in range(n) if outdeg[u] > 0 and not quiescent[u]), None)
    if start is None:
        return None
    walk: list[int] = []
    position: dict[int, int] = {}
    node = start
    while node not in position:
        position[node] = len(walk)
        walk.append(node)
        node = next(v for v in dst[off[node] : off[node + 1]] if outdeg[v] > 0 and not quiescent[v])
    cycle = walk[position[node] :]
    entry = cycle.index(min(cycle))  # the shallowest state: the shortest prefix
    return cycle[entry:] + cycle[:entry]


def lasso(
    model: Model[Any, Any],
    parent: Sequence[int],
    via: Sequence[int],
    cycle: list[int],
    canonical: Callable[[Any], Any] | None = None,
) -> Counterexample:
    """Path to cycle[0], then round the cycle back to it. Fair edges carry no
    action index, so each one is found again among the enabled actions: the
    first fair one whose successor is in the target's class. With symmetry a
    round may end in a renaming of the state it started from; the rounds go
    on until a concrete state at the cycle's start repeats (at most the
    group's order), and the loop closes there."""
    canonical = canonical or _same
    prefix = rebuild(model, parent, via, cycle[0])
    state = prefix[-1].state
    targets = [canonical(rebuild(model, parent, via, t)[-1].state) for t in cycle[1:] + cycle[:1]]
    indexes: list[int] = []
    starts = {state: 0}  # concrete state at the cycle's start -> steps taken to it
    while True:
        for target in targets:
            for ai, action in enumerate(model.actions(state)):
                if not model.is_fair(state, action):
                    continue
                nxt = model.next_state(state, action)
                if canonical(nxt) == target:
                    indexes.append(ai)
                    state = nxt
                    break
            else:
                raise NondeterministicModel(
                    "a recorded fair step could not be found again among the enabled actions; "
                    "the model's actions, successors or is_fair are not deterministic"
                )
        if state in starts:
            break
        starts[state] = len(indexes)
    loop_start = len(prefix) - 1 + starts[state]
    steps = rebuild(model, parent, via, cycle[0], indexes)
    detail = (
        f"a cycle of {len(indexes) - starts[state]} fair step(s) from state {loop_start} of the"
        " path returns to it without ever reaching a quiescent state"
    )
    return Counterexample(PROGRESS, detail, steps, loop_start=loop_start)
