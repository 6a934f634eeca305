"""Replaying a z3 witness (the traitors' messages) on the explicit OM(m) model.

The run sends every message in path order (a message's prefix comes before
it, so each send is enabled), a traitor sending what the witness says
(retreat where the witness says nothing: z3 never read that message), then
lets every loyal lieutenant decide. The model's own properties judge the
final state.

    >>> from spec.generals.proofs import prove
    >>> replay_witness(prove(3, 1).witness).violated
    'IC2'
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.generals.model import OralModel
from spec.generals.oral import RETREAT
from spec.generals.params import GeneralsParams, general_name
from spec.generals.proofs import Witness
from spec.generals.state import NONE, Decide, OralState, Send


@dataclass(frozen=True, slots=True)
class Replayed:
    steps: int
    decisions: dict[int, int]  # every loyal lieutenant's decision in the model
    violated: str | None  # the witness's property if broken, else the first invariant broken
    detail: str | None


def witness_params(w: Witness) -> GeneralsParams:
    names = ",".join(general_name(g) for g in w.traitors) or "none"
    return GeneralsParams(generals=w.generals, rounds=w.rounds, traitors=names)


def replay_witness(w: Witness) -> Replayed:
    """Run the witness on the explicit model; raises ValueError if a step the
    witness needs is not enabled there."""
    model = OralModel(witness_params(w))
    order = RETREAT if w.order is None else w.order
    starts = [s for s in model.initial_states() if s.order == order]
    state: OralState = starts[0]
    steps = 0
    for i, path in enumerate(model.paths):
        allowed = model.send_values(state, i)  # the guard of Send in model.actions
        loyal_value = allowed[0] if allowed else None
        value = w.sent.get(path, RETREAT) if path[-2] in w.traitors else loyal_value
        if value is None or value not in allowed:
            raise ValueError(f"message {path} with value {value} is not enabled: {allowed}")
        state = model.next_state(state, Send(i, value))
        steps += 1
    for g in range(1, w.generals):
        if g not in w.traitors:
            if not model.can_decide(state, g):
                raise ValueError(f"{general_name(g)} cannot decide after every message")
            state = model.next_state(state, Decide(g))
            steps += 1
    violated = detail = None
    # the witness's own property first: a loyal commander's lieutenants that
    # disagree break IC1 as well as IC2, and z3 may pick either kind of run
    claimed = [p for p in model.invariants if p.name == w.property]
    for prop in claimed + [p for p in model.invariants if p.name != w.property]:
        detail = prop.check(state)
        if detail is not None:
            violated = prop.name
            break
    decisions = {g: d for g, d in enumerate(state.decisions) if g > 0 and d != NONE}
    return Replayed(steps, decisions, violated, detail)
