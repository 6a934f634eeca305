"""Ample sets for the generals (`check model --protocol generals --por`).

IC1, IC2 and DecisionReached read only `traitors`, `order` and `decisions`,
so the sends are invisible and only LieutenantDecide is visible (C2). Each
rule below picks sends whose only dependent actions cannot be taken before
them (C1), argued next to it; the engine (`checker.por`) checks C0, C2 and
the cycle proviso.

    >>> from checker.explore import explore
    >>> from spec.generals.model import build_model
    >>> from spec.generals.params import GeneralsParams
    >>> explore(build_model(GeneralsParams()), por=True).stats.states
    345
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spec.generals.state import NONE, Decide, EndRound, OralState, Send, SignedSend, SignedState


def oral_ample(model: Any, s: OralState, enabled: Sequence[Any]) -> list[int] | None:
    """OM(m): every Send of one message i (one value, or a traitor's two).

    C1: what depends on Send(i, v)? (a) Send(i, v'), in the set. (b) The
    relays of i (prefix i) and LieutenantDecide of i's receiver: both read
    values[i], so neither is enabled before Send(i) is taken. (c) With the
    first-value rule, a Send j to the same receiver while first[to] is
    unset (which one sets it depends on the order): so a message whose
    receiver has no first value yet is not chosen under that rule. Any
    other Send writes another values[j] and reads values[prefix j] != i;
    any other Decide reads messages other than i. A loyal sender's value is
    fixed (it copies a value already received, or the order)."""
    chosen = -1
    picks = []
    for index, action in enumerate(enabled):
        if not isinstance(action, Send):
            continue
        if chosen < 0:
            to = model.paths[action.message][-1]
            if model.keep_first and s.first[to] == NONE:
                continue
            chosen = action.message
        if action.message == chosen:
            picks.append(index)
    return picks or None


def signed_ample(model: Any, s: SignedState, enabled: Sequence[Any]) -> list[int] | None:
    """SM(m): one owed send (v, chain, to) of a loyal general that no other
    message of this round can race: to a traitor, or to a loyal general
    that already accepted v, or that no other message of the round (owed,
    or one a traitor may send) brings v to.

    C1: the send removes itself from `owed` and either adds (to, v, chain)
    to `got` (a traitor receiver; chain ends in a loyal general, so no
    traitor send's `got` test reads that entry), or changes nothing else
    (v already accepted), or sets bit v of accepted[to] and adds its relays
    to `later` (a set union: commutes with every other send's). EndRound
    reads owed and got, and is disabled while the send is owed. The only
    other dependent actions are sends of v to the same loyal receiver,
    which the last case excludes: the owed set only shrinks within a round
    and a traitor's possible sends are fixed by `held` for the round."""
    for index, action in enumerate(enabled):
        if not isinstance(action, SignedSend) or tuple(action) not in s.owed:
            continue
        v, _, to = action
        if s.traitors >> to & 1 or s.accepted[to] >> v & 1:
            return [index]
        rivals = [m for m in s.owed if m[0] == v and m[2] == to and m != tuple(action)]
        rivals += [m for m in model.traitor_messages(s) if m[0] == v and m[2] == to]
        if not rivals:
            return [index]
    return None


def is_visible(s: Any, action: Any) -> bool:
    """Only a decision changes what IC1, IC2 and DecisionReached read."""
    del s
    if isinstance(action, Decide):
        return True
    assert isinstance(action, Send | SignedSend | EndRound), action
    return False
