"""Reconfiguration runs: sequences of configurations, one change apart, up
to renaming servers.

A run from n servers starts at {s1..sn}; each change adds one server (a fresh
one, or a former server rejoining) or removes one, and no configuration is
empty. Servers with the same history (the epochs they belong to) are
interchangeable, so only the lowest-numbered server of each history class is
tried at each change: every run is covered up to renaming, and the z3 module
may order the members of a class (symmetry breaking) without losing a
counterexample.

    >>> [sorted(c) for c in next(runs(3, ("join", "leave")))]
    [[1, 2, 3], [1, 2, 3, 4], [2, 3, 4]]
"""

from __future__ import annotations

from collections.abc import Iterator

Run = tuple[frozenset[int], ...]  # the configuration of each epoch 0..k; server i is "s{i}"
KINDS = ("join", "leave")


def runs(n: int, kinds: tuple[str, ...]) -> Iterator[Run]:
    """Every run from n servers whose changes are `kinds`, up to renaming, in
    a deterministic order (joins of a fresh server first, then by class)."""
    universe = range(1, n + len(kinds) + 1)  # room for one fresh joiner per change

    def extend(run: Run, rest: tuple[str, ...]) -> Iterator[Run]:
        if not rest:
            yield run
            return
        current = run[-1]
        if rest[0] == "join":
            candidates = [s for s in universe if s not in current]
        else:
            candidates = list(current) if len(current) > 1 else []
        for s in _lowest_per_class(run, candidates):
            nxt = current | {s} if rest[0] == "join" else current - {s}
            yield from extend((*run, frozenset(nxt)), rest[1:])

    yield from extend((frozenset(range(1, n + 1)),), kinds)


def history_classes(run: Run) -> list[list[int]]:
    """The servers of a run grouped by history, each group in server order."""
    servers = sorted(set().union(*run))
    groups: dict[tuple[bool, ...], list[int]] = {}
    for s in servers:
        groups.setdefault(tuple(s in c for c in run), []).append(s)
    return list(groups.values())


def _lowest_per_class(run: Run, candidates: list[int]) -> list[int]:
    seen: dict[tuple[bool, ...], int] = {}
    for s in sorted(candidates):
        seen.setdefault(tuple(s in c for c in run), s)
    return sorted(seen.values())
