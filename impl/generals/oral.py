"""OM(m) from the paper: which messages reach a general, and its decision.

A message's path lists the generals it went through, the commander first
and the receiver last. OM(m): the commander sends its value to every
lieutenant; in OM(k) with k > 0 each lieutenant acts as the commander of
OM(k-1) towards the others; a lieutenant's value for a sub-run is the
majority of what it received directly and what it computed for each other
lieutenant (a tie, or nothing received, is retreat).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RETREAT, ATTACK = "retreat", "attack"
ORDERS = (ATTACK, RETREAT)

Path = tuple[int, ...]


def flipped(order: str) -> str:
    return RETREAT if order == ATTACK else ATTACK


def majority(values: Sequence[str]) -> str:
    return ATTACK if 2 * sum(v == ATTACK for v in values) > len(values) else RETREAT


def expected_messages(n: int, rounds: int) -> int:
    """How many messages reach one lieutenant in OM(rounds) among n generals:
    one path per sequence of k distinct relaying lieutenants, k = 0..rounds."""
    total, ways = 0, 1
    for k in range(rounds + 1):
        if k > n - 2:
            break
        total += ways
        ways *= n - 2 - k
    return total


def decide(
    me: int, commander: int, generals: Sequence[int], received: Mapping[Path, str], rounds: int
) -> str:
    """The value `me` decides in OM(rounds) commanded by `commander`."""

    def value(path: Path) -> str:
        direct = received.get((*path, me), RETREAT)
        if len(path) > rounds:
            return direct
        others = [g for g in generals if g not in path and g != me]
        return majority([direct] + [value((*path, g)) for g in others])

    return value((commander,))
