"""`liveness._holds`, the one-pass Progress check, against the full search
that finds counterexamples (`_first_stuck`, `_fair_cycle`): on graphs known
by hand, then on seeded random graphs, where both must always agree."""

from __future__ import annotations

import random
from array import array
from typing import Any

import pytest

from checker.liveness import _fair_cycle, _first_stuck, _holds, _predecessors


def graph(n: int, quiescent: set[int], edges: list[tuple[int, int]]) -> tuple[Any, ...]:
    out: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        out[u].append(v)
    off = array("i", [0])
    dst = array("i")
    for targets in out:
        dst.extend(targets)
        off.append(len(dst))
    q = bytearray(1 if i in quiescent else 0 for i in range(n))
    return n, q, off, dst


def full_search_holds(n: int, q: bytearray, off: array[int], dst: array[int]) -> bool:
    rev_off, preds = _predecessors(n, off, dst)
    if _first_stuck(n, q, rev_off, preds) is not None:
        return False
    return _fair_cycle(n, q, off, dst, rev_off, preds) is None


@pytest.mark.parametrize(
    ("name", "n", "quiescent", "edges", "holds"),
    [
        ("a chain into quiescence", 3, {2}, [(0, 1), (1, 2)], True),
        (
            "a diamond whose back edge returns to quiescence",
            4,
            {0},
            [(0, 1), (0, 2), (1, 3), (2, 3), (3, 0)],
            True,
        ),
        ("a state with no fair step", 3, {2}, [(0, 1), (0, 2)], False),
        ("a fair cycle beside the way out", 3, {2}, [(0, 1), (1, 0), (1, 2)], False),
        ("a fair self-loop", 2, {1}, [(0, 0), (0, 1)], False),
        ("a cycle through a quiescent state", 2, {0}, [(0, 1), (1, 0)], True),
        ("a state behind a cycle", 4, {3}, [(0, 1), (1, 0), (0, 2), (2, 3)], False),
    ],
)
def test_holds_on_graphs_known_by_hand(
    name: str, n: int, quiescent: set[int], edges: list[tuple[int, int]], holds: bool
) -> None:
    g = graph(n, quiescent, edges)
    assert _holds(*g) is holds
    assert full_search_holds(*g) is holds


def test_holds_agrees_with_the_full_search_on_random_graphs() -> None:
    rng = random.Random(14)
    verdicts = set()
    for _ in range(400):
        n = rng.randint(1, 12)
        quiescent = {i for i in range(n) if rng.random() < 0.3}
        edges = [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 2 * n))]
        # Mostly forward edges, as in a breadth-first graph, so that some hold.
        edges = [(u, v) if u < v or rng.random() < 0.15 else (v, u) for u, v in edges]
        g = graph(n, quiescent, edges)
        verdict = full_search_holds(*g)
        assert _holds(*g) is verdict, (n, quiescent, edges)
        verdicts.add(verdict)
    assert verdicts == {True, False}
