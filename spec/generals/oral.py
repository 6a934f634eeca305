"""The oral messages algorithm OM(m) as pure functions: which messages it
sends, and what a lieutenant decides from the ones it received.

A message is named by its path: the generals it went through, commander
first, receiver last. In OM(m) the commander (general 0) sends its order to
every lieutenant (paths of length 2); a general that received a value along
path p relays it to every general not on p (paths up to length m + 2).

    >>> message_paths(3, 1)
    ((0, 1), (0, 2), (0, 1, 2), (0, 2, 1))
    >>> om_decision(1, {(0, 1): ATTACK, (0, 2, 1): RETREAT}, 3, 1)  # a tie
    0
"""

from __future__ import annotations

from collections.abc import Mapping

RETREAT, ATTACK = 0, 1
ORDER_NAMES = ("retreat", "attack")

Path = tuple[int, ...]


def message_paths(n: int, depth: int) -> tuple[Path, ...]:
    """Every message OM(depth) sends among n generals, shortest paths first."""
    found: list[Path] = []
    level: list[Path] = [(0,)]
    for _ in range(depth + 1):
        level = [(*p, g) for p in level for g in range(1, n) if g not in p]
        found.extend(level)
    return tuple(found)


def majority(values: list[int]) -> int:
    """The majority value; a tie (or nothing) gives retreat."""
    return ATTACK if 2 * values.count(ATTACK) > len(values) else RETREAT


def om_value(lieutenant: int, path: Path, received: Mapping[Path, int], n: int, depth: int) -> int:
    """What `lieutenant` takes as the order of path[-1] in OM(depth - len(path) + 1),
    the sub-run whose commander is path[-1] and whose lieutenants are the
    generals not on path. A value never received counts as retreat."""
    direct = received.get((*path, lieutenant), RETREAT)
    if len(path) > depth:  # OM(0): the value received
        return direct
    others = [g for g in range(1, n) if g not in path and g != lieutenant]
    return majority(
        [direct] + [om_value(lieutenant, (*path, g), received, n, depth) for g in others]
    )


def om_decision(lieutenant: int, received: Mapping[Path, int], n: int, depth: int) -> int:
    """A lieutenant's decision in OM(depth) from the messages it received."""
    return om_value(lieutenant, (0,), received, n, depth)
