"""The generals' immutable states and actions.

Values are ints (RETREAT 0, ATTACK 1, NONE 2 for "not yet"), so that states
hash the same in every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from spec.generals.oral import ORDER_NAMES

NONE = 2


def order_name(value: int) -> str:
    return ORDER_NAMES[value] if value != NONE else "-"


def decisions_text(decisions: tuple[int, ...]) -> str:
    """The lieutenants' decisions, g2 onwards: 'g2=attack g3=-'."""
    return " ".join(f"g{g + 1}={order_name(d)}" for g, d in enumerate(decisions) if g > 0)


@dataclass(frozen=True, slots=True)
class OralState:
    traitors: int  # bitmask of the traitors
    order: int  # the loyal commander's order (retreat when the commander is a traitor)
    values: tuple[int, ...]  # per message path: the value sent along it, NONE until sent
    first: tuple[int, ...]  # per general: the first value it received (kept by the `first` rule)
    decisions: tuple[int, ...]  # per general: its decision, NONE until it decides


class Send(NamedTuple):
    """The sender of message `message` sends `value` along it (and it arrives)."""

    message: int
    value: int


class Decide(NamedTuple):
    """A loyal lieutenant that has every message addressed to it decides."""

    general: int


Chain = tuple[int, ...]  # the signers of a signed order, commander first
Signed = tuple[int, Chain, int]  # (value, chain, receiver): the sender is chain[-1]
Held = tuple[int, int, Chain]  # (holder, value, chain): a signed order a traitor received


@dataclass(frozen=True, slots=True)
class SignedState:
    traitors: int
    order: int
    round: int  # 1..m+1 while messages move; m+2 once the lieutenants may decide
    accepted: tuple[int, ...]  # per general: bitmask of the values it accepted (V_i)
    owed: frozenset[Signed]  # what loyal generals must still send this round
    later: frozenset[Signed]  # what they will send next round
    held: frozenset[Held]  # what traitors received last round, and may relay this round
    got: frozenset[Held]  # what traitors received this round
    decisions: tuple[int, ...]


class SignedSend(NamedTuple):
    """chain[-1] sends the order `value`, signed by every general on `chain`, to `to`."""

    value: int
    chain: Chain
    to: int


class EndRound(NamedTuple):
    """Every loyal general has sent what it owed this round: the next one starts."""
