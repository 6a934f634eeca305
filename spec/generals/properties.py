"""The interactive consistency conditions, as named claims on decisions.

They read the decisions the lieutenants recorded; they never recompute the
algorithm. A state is anything with `traitors` (a bitmask), `order` and
`decisions` (per general, NONE until it decides).
"""

from __future__ import annotations

from typing import Any

from spec.generals.params import general_name
from spec.generals.state import NONE, order_name


def _loyal_decided(s: Any) -> list[tuple[int, int]]:
    return [
        (g, d) for g, d in enumerate(s.decisions) if g > 0 and d != NONE and not s.traitors >> g & 1
    ]


def ic1_agreement(s: Any) -> str | None:
    """IC1: all loyal lieutenants decide the same order."""
    decided = _loyal_decided(s)
    if not decided:
        return None
    first, seen = decided[0]
    for g, d in decided[1:]:
        if d != seen:
            return (
                f"{general_name(first)} decided {order_name(seen)} but"
                f" {general_name(g)} decided {order_name(d)}"
            )
    return None


def ic2_validity(s: Any) -> str | None:
    """IC2: if the commander is loyal, every loyal lieutenant obeys its order."""
    if s.traitors & 1:
        return None
    for g, d in _loyal_decided(s):
        if d != s.order:
            return (
                f"the loyal commander g1 ordered {order_name(s.order)} but"
                f" {general_name(g)} decided {order_name(d)}"
            )
    return None


def decision_reached(s: Any) -> bool:
    """Sometimes: every loyal lieutenant (at least one) has decided."""
    loyal = [g for g in range(1, len(s.decisions)) if not s.traitors >> g & 1]
    return bool(loyal) and all(s.decisions[g] != NONE for g in loyal)
