"""The step module of a tiny counter that tests/checker/mutate mutates.

Its 11 mutants, known by hand on limit 3 (states 0..3): the comparison
loosened or negated, the guard forced or dropped, max swapped to min, and
the 1 off by one are killed (AtMostLimit or ReachesLimit); `0 -> 1` and
`0 -> -1` in max(n + 1, 0) change nothing for n >= 0 and survive; `reset`
is never called, so its two mutants are not reached.
"""

from __future__ import annotations


def step(n: int, limit: int) -> int | None:
    """The next value, or None at the limit."""
    if n >= limit:
        return None
    return max(n + 1, 0)


def reset(n: int) -> int:
    return 0
