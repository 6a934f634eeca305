"""SM(m), the signed messages algorithm, as a checkable model.

    >>> from checker.explore import explore
    >>> p = GeneralsParams(generals=3, algorithm="sm")
    >>> explore(SignedModel(p)).verdict.value
    'verified'

Synchronous rounds: in round r every signed order carries r signatures,
the commander's first. The commander signs its order to every lieutenant;
a loyal lieutenant that accepts a new value v from a message with k < m
lieutenant signatures adds its own and sends it to every lieutenant that has
not signed it. After round m + 1 each loyal lieutenant obeys its set of
accepted values: the one value, or retreat. Signatures cannot be forged: a
traitor commander may sign either order to anyone, a traitor lieutenant may
relay (with its signature) any order it received the round before, to
anyone, or not at all. Traitors collude only through such messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from checker.model import Invariant, Sometimes, StepProperty
from spec.generals import reduction
from spec.generals.oral import ATTACK, RETREAT
from spec.generals.params import GeneralsParams, general_name
from spec.generals.properties import decision_reached, ic1_agreement, ic2_validity
from spec.generals.state import (
    NONE,
    Decide,
    EndRound,
    Signed,
    SignedSend,
    SignedState,
    decisions_text,
    order_name,
)

SignedAction = SignedSend | EndRound | Decide


class SignedModel:
    name = "signed messages SM(m)"

    def __init__(self, params: GeneralsParams) -> None:
        self.params = params.validated()
        self.n = self.params.generals
        self.depth = self.params.depth()
        self.invariants = (Invariant("IC1", ic1_agreement), Invariant("IC2", ic2_validity))
        self.step_properties: tuple[StepProperty, ...] = ()
        self.sometimes = (Sometimes("DecisionReached", decision_reached),)

    def initial_states(self) -> Sequence[SignedState]:
        n, empty = self.n, frozenset[Any]()
        found = []
        for chosen in self.params.traitor_sets():
            traitors = sum(1 << g for g in chosen)
            orders = (RETREAT,) if traitors & 1 else (RETREAT, ATTACK)
            for order in orders:
                owed = empty if traitors & 1 else frozenset((order, (0,), g) for g in range(1, n))
                found.append(
                    SignedState(
                        traitors, order, 1, (0,) * n, owed, empty, empty, empty, (NONE,) * n
                    )
                )
        return tuple(found)

    def _traitor_sends(self, s: SignedState) -> list[Signed]:
        if s.round == 1:
            if not s.traitors & 1:
                return []
            return [(v, (0,), g) for g in range(1, self.n) for v in (RETREAT, ATTACK)]
        found: list[Signed] = []
        for holder, v, chain in sorted(s.held):
            signed = (*chain, holder)
            found.extend((v, signed, g) for g in range(1, self.n) if g not in signed)
        return found

    def _changes(self, s: SignedState, message: Signed) -> bool:
        v, chain, to = message
        if s.traitors >> to & 1:
            return (to, v, chain) not in s.got
        return not s.accepted[to] >> v & 1

    def actions(self, s: SignedState) -> Sequence[SignedAction]:
        last = self.depth + 1
        if s.round > last:
            return [
                Decide(g)
                for g in range(1, self.n)
                if s.decisions[g] == NONE and not s.traitors >> g & 1
            ]
        found: list[SignedAction] = [SignedSend(*m) for m in sorted(s.owed)]
        found.extend(SignedSend(*m) for m in self._traitor_sends(s) if self._changes(s, m))
        if not s.owed:
            found.append(EndRound())
        return found

    def next_state(self, s: SignedState, action: SignedAction) -> SignedState:
        if isinstance(action, EndRound):
            return replace(
                s,
                round=s.round + 1,
                owed=s.later,
                later=frozenset(),
                held=s.got,
                got=frozenset(),
            )
        if isinstance(action, Decide):
            g = action.general
            values = s.accepted[g]
            decision = ATTACK if values == 1 << ATTACK else RETREAT
            return replace(s, decisions=(*s.decisions[:g], decision, *s.decisions[g + 1 :]))
        v, chain, to = action
        s = replace(s, owed=s.owed - {(v, chain, to)})
        if s.traitors >> to & 1:
            return replace(s, got=s.got | {(to, v, chain)})
        if s.accepted[to] >> v & 1:
            return s
        accepted = (*s.accepted[:to], s.accepted[to] | 1 << v, *s.accepted[to + 1 :])
        later = s.later
        if len(chain) - 1 < self.depth:  # k < m lieutenant signatures: relay it
            signed = (*chain, to)
            later = later | {(v, signed, g) for g in range(1, self.n) if g not in signed}
        return replace(s, accepted=accepted, later=later)

    def traitor_messages(self, s: SignedState) -> list[Signed]:
        """Every message a traitor may send this round (fixed by `held`)."""
        return self._traitor_sends(s)

    def ample(self, s: SignedState, enabled: Sequence[SignedAction]) -> list[int] | None:
        """Partial-order reduction (`--por`): see spec/generals/reduction.py."""
        return reduction.signed_ample(self, s, enabled)

    def is_visible(self, s: SignedState, action: SignedAction) -> bool:
        return reduction.is_visible(s, action)

    def describe_action(self, action: SignedAction) -> str:
        if isinstance(action, EndRound):
            return "EndRound"
        if isinstance(action, Decide):
            return f"LieutenantDecide {general_name(action.general)}"
        v, chain, to = action
        signed = ":".join(general_name(g) for g in chain)
        verb = "CommanderSend" if len(chain) == 1 else "LieutenantRelay"
        return f"{verb} {general_name(chain[-1])}->{general_name(to)} {order_name(v)}:{signed}"

    def action_record(self, action: SignedAction) -> dict[str, Any]:
        if isinstance(action, EndRound):
            return {"type": "EndRound"}
        if isinstance(action, Decide):
            return {"type": "LieutenantDecide", "general": general_name(action.general)}
        v, chain, to = action
        return {
            "type": "SignedSend",
            "value": order_name(v),
            "signatures": [general_name(g) for g in chain],
            "to": general_name(to),
        }

    def describe_state(self, s: SignedState) -> Mapping[str, Any]:
        def values(mask: int) -> str:
            return ",".join(order_name(v) for v in (RETREAT, ATTACK) if mask >> v & 1) or "-"

        return {
            "traitors": ",".join(general_name(g) for g in range(self.n) if s.traitors >> g & 1)
            or "none",
            "order": order_name(s.order) if not s.traitors & 1 else "(traitor)",
            "round": s.round,
            "accepted": " ".join(
                f"{general_name(g)}={values(s.accepted[g])}" for g in range(1, self.n)
            ),
            "decisions": decisions_text(s.decisions),
        }
