"""OM(m), the oral messages algorithm, as a checkable model.

    >>> from checker.explore import explore
    >>> explore(build_model(GeneralsParams())).verdict.value
    'verified'

Asynchronous and message by message: a general may relay a value as soon as
it has received it, so messages from different rounds interleave. A loyal
general relays exactly what it received; a traitor sends either order along
each path it relays (both explored). A loyal lieutenant decides once every
message addressed to it has arrived. Every set of at most t traitors is an
initial choice, and so is a loyal commander's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

from checker.model import Invariant, Model, Sometimes, StepProperty
from spec.generals import reduction
from spec.generals.oral import ATTACK, RETREAT, message_paths, om_decision
from spec.generals.params import GeneralsParams, general_name
from spec.generals.properties import decision_reached, ic1_agreement, ic2_validity
from spec.generals.state import NONE, Decide, OralState, Send, decisions_text, order_name

OralAction = Send | Decide


def build_model(params: GeneralsParams) -> Model[Any, Any]:
    """The model the parameters name: OM(m) or, with algorithm=sm, SM(m).

    Neither defines is_fair/is_quiescent: every run ends (each message is sent
    once, and SM has m + 1 rounds), so there is no Progress to check;
    DecisionReached is the sometimes property that rules out a vacuous model."""
    params = params.validated()
    if params.algorithm == "sm":
        from spec.generals.signed import SignedModel

        return cast("Model[Any, Any]", SignedModel(params))
    return cast("Model[Any, Any]", OralModel(params))


class OralModel:
    name = "oral messages OM(m)"

    def __init__(self, params: GeneralsParams) -> None:
        self.params = params.validated()
        self.n = self.params.generals
        self.depth = self.params.depth()
        self.keep_first = self.params.decide_rule == "first"
        self.paths = message_paths(self.n, self.depth)
        index = {p: i for i, p in enumerate(self.paths)}
        # Per message: the message its sender must have received first (-1: none).
        self.prefix = tuple(index.get(p[:-1], -1) for p in self.paths)
        self.incoming = tuple(
            tuple(i for i, p in enumerate(self.paths) if p[-1] == g) for g in range(self.n)
        )
        self.invariants = (Invariant("IC1", ic1_agreement), Invariant("IC2", ic2_validity))
        self.step_properties: tuple[StepProperty, ...] = ()
        self.sometimes = (Sometimes("DecisionReached", decision_reached),)

    def initial_states(self) -> Sequence[OralState]:
        n = self.n
        found = []
        for chosen in self.params.traitor_sets():
            traitors = sum(1 << g for g in chosen)
            orders = (RETREAT,) if traitors & 1 else (RETREAT, ATTACK)
            for order in orders:
                found.append(
                    OralState(traitors, order, (NONE,) * len(self.paths), (NONE,) * n, (NONE,) * n)
                )
        return tuple(found)

    def actions(self, s: OralState) -> Sequence[OralAction]:
        found: list[OralAction] = [
            Send(i, v) for i in range(len(self.paths)) for v in self.send_values(s, i)
        ]
        found.extend(Decide(g) for g in range(1, self.n) if self.can_decide(s, g))
        return found

    def send_values(self, s: OralState, i: int) -> tuple[int, ...]:
        """The values message i may carry now: none once sent or before its
        sender has received what it relays; a loyal sender's value; either,
        for a traitor."""
        if s.values[i] != NONE:
            return ()
        before = self.prefix[i]
        if before >= 0 and s.values[before] == NONE:
            return ()
        if s.traitors >> self.paths[i][-2] & 1:
            return (RETREAT, ATTACK)
        return (s.order if before < 0 else s.values[before],)

    def can_decide(self, s: OralState, g: int) -> bool:
        """A loyal lieutenant decides once, when every message to it has arrived."""
        if g == 0 or s.traitors >> g & 1 or s.decisions[g] != NONE:
            return False
        return all(s.values[i] != NONE for i in self.incoming[g])

    def next_state(self, s: OralState, action: OralAction) -> OralState:
        if isinstance(action, Send):
            i, value = action
            values = (*s.values[:i], value, *s.values[i + 1 :])
            to = self.paths[i][-1]
            if self.keep_first and s.first[to] == NONE:
                first = (*s.first[:to], value, *s.first[to + 1 :])
                return replace(s, values=values, first=first)
            return replace(s, values=values)
        g = action.general
        if self.keep_first:
            decision = s.first[g]
        else:
            received = {self.paths[i]: s.values[i] for i in self.incoming[g]}
            decision = om_decision(g, received, self.n, self.depth)
        return replace(s, decisions=(*s.decisions[:g], decision, *s.decisions[g + 1 :]))

    def ample(self, s: OralState, enabled: Sequence[OralAction]) -> list[int] | None:
        """Partial-order reduction (`--por`): see spec/generals/reduction.py."""
        return reduction.oral_ample(self, s, enabled)

    def is_visible(self, s: OralState, action: OralAction) -> bool:
        return reduction.is_visible(s, action)

    def describe_action(self, action: OralAction) -> str:
        if isinstance(action, Decide):
            return f"LieutenantDecide {general_name(action.general)}"
        path = self.paths[action.message]
        sender, to = general_name(path[-2]), general_name(path[-1])
        verb = "CommanderSend" if len(path) == 2 else "LieutenantRelay"
        via = ":".join(general_name(g) for g in path[:-1])
        return f"{verb} {sender}->{to} [{via}] {order_name(action.value)}"

    def action_record(self, action: OralAction) -> dict[str, Any]:
        if isinstance(action, Decide):
            return {"type": "LieutenantDecide", "general": general_name(action.general)}
        path = self.paths[action.message]
        return {
            "type": "Send",
            "path": [general_name(g) for g in path],
            "value": order_name(action.value),
        }

    def describe_state(self, s: OralState) -> Mapping[str, Any]:
        return {
            "traitors": traitor_names(s.traitors, self.n),
            "order": order_name(s.order) if not s.traitors & 1 else "(traitor)",
            "received": " ".join(
                f"{general_name(g)}<-"
                + ",".join(
                    f"{':'.join(general_name(x) for x in self.paths[i][:-1])}={order_name(v)}"
                    for i in self.incoming[g]
                    if (v := s.values[i]) != NONE
                )
                for g in range(1, self.n)
            ),
            "decisions": decisions_text(s.decisions),
        }


def traitor_names(traitors: int, n: int) -> str:
    return ",".join(general_name(g) for g in range(n) if traitors >> g & 1) or "none"
