"""Ample sets for the token model (`check model --por`): three narrow rules.

What the properties read (the view): the nodes (stores, client phases,
buffers and answers), `linearized`, `started`, the configuration, the
manager, and of the network only the *set* of distinct token copies
(token, version, owner) it holds: NoDoubleSpend compares owners over that
set (`_owners_agree` gathers it into sets), and AnswerIsFresh's
`_owner_elsewhere` looks in the stores before the network, so a message
whose copies are all in some store changes neither. No rule delivers a
READ_REPLY or a WRITE_ACK: a reply or ack delivery may complete a phase
(visible), and one that does not can become the completing one after the
others arrive, or drop a copy the merge loses.

    >>> from checker.explore import explore
    >>> from spec.tokens.config import Config
    >>> from spec.tokens.model import TokenModel
    >>> explore(TokenModel(Config(servers=3, clients=2, tokens=1, ops=1)), por=True).stats.states
    15969

C1 here uses one relation besides commuting, *absorption*: b disables a
but b(a(s)) = b(s). A READ (or SYNC_READ) and its reply are removed when
their phase completes or restarts, so delivering the READ first and then
completing the phase reaches the very state the completion alone reaches.
The engine's argument (checker/por.py) goes through: a path p from s
without an ample action a is still a path from a(s), of the same length,
whose states agree with p's on the view up to the absorbing step and
equal them after it.

The rules (the first that applies; each is a single action):

1. Discard of a READ or a SYNC_READ. It removes a message that carries no
   copy (invisible). Once enabled it stays enabled until its phase's end
   removes it (absorption): a server's epoch only grows, and a node that
   left and joins again comes back at a newer epoch than the message's.
   Nothing else reads the message. Under no-epoch-check a READ to a node
   that left becomes deliverable again when the node rejoins, so there
   the rule waits until no change can start.

2. ServerReceiveRead(c -> j), when j is *frozen* for c (below) and j holds
   every asked token. The reply copies j's store, so the set of copies is
   unchanged, and stays so while j's store does (invisible). It reads j's
   store and epoch and c's phase tag, and writes only the network. What
   depends on it: anything that changes j (a WRITE or SYNC_WRITE to j, a
   role change, which may also make the READ discardable), and the end of
   c's READ phase, which absorbs it. Frozen excludes the former on every
   path before it. Another client's steps, other servers' deliveries and
   c's non-completing replies commute with it.

3. ServerReceiveWrite(c -> j) of values j already stores, exactly (same
   version and owner for every token), with the version check on, when j
   is frozen and no client at all may create a WRITE. The store is
   unchanged (the versions are not higher), the message's copies are in
   j's store (invisible while j's store does not change); it adds an ack
   if c's phase is live. The end of c's write phase commutes with it (ack
   then cleanup, or no ack: the same state). Under `overwrite` the store
   would change, so the rule is off.

Frozen(j, c): no role change is under way or may start (the manager is
idle and the `reconfigs` budget is spent: no epoch changes, no install,
no SYNC_WRITE is created); no WRITE or SYNC_WRITE other than the action's
own message is addressed to j; and no client other than c may create a
WRITE before the action: none is in its READ phase (whose completion sends
WRITEs to every server), none may restart a write phase (an install came
after it began), and none has an operation left to start (it would read,
then write). c itself is exempt for rule 2: c's WRITEs come after its READ
phase completes, which absorbs the READ.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from spec.tokens.actions import Discard, Receive
from spec.tokens.params import Params
from spec.tokens.state import (
    IDLE,
    PHASE_READ,
    READ,
    SYNC_READ,
    SYNC_WRITE,
    WRITE,
    Client,
    Server,
    State,
)

_CHANGES_STORES: Final = frozenset((WRITE, SYNC_WRITE))


def token_ample(params: Params, s: State, enabled: Sequence[Any]) -> list[int] | None:
    """The first action a rule above allows, as a one-index ample set."""
    settled = s.manager is None and s.reconfigs >= params.reconfigs
    for i, action in enumerate(enabled):
        if type(action) is Discard and _free_discard(params, action.message, settled):
            return [i]
    if not settled:
        return None
    writers = _writers(params, s)
    if len(writers) > 1:
        return None
    targeted: dict[int, int] = {}
    for m in s.network:
        if m[0] in _CHANGES_STORES:
            targeted[m[2]] = targeted.get(m[2], 0) + 1
    for i, action in enumerate(enabled):
        if type(action) is not Receive:
            continue
        m = action.message
        kind, client, server = m[0], m[1], m[2]
        if kind == READ:
            allowed = writers <= {client} and not targeted.get(server) and _reads_copies(s, m)
        elif kind == WRITE:
            allowed = not writers and targeted[server] == 1 and _duplicate_write(params, s, m)
        else:
            continue
        if allowed:
            return [i]
    return None


def token_is_visible(params: Params, s: State, action: Any) -> bool:
    """Only the rules' actions are invisible (where their conditions on the
    message and the store hold); every other action is declared visible."""
    if type(action) is Discard:
        return action.message[0] not in (READ, SYNC_READ)
    if type(action) is Receive:
        m = action.message
        if m[0] == READ:
            return not _reads_copies(s, m)
        if m[0] == WRITE:
            return not _duplicate_write(params, s, m)
    return True


def _free_discard(params: Params, m: tuple[Any, ...], settled: bool) -> bool:
    if m[0] == SYNC_READ:
        return True
    return m[0] == READ and (params.epoch_check or settled)


def _writers(params: Params, s: State) -> set[int]:
    """The clients that may still create a WRITE (with no change left)."""
    found = set()
    for c, node in enumerate(s.nodes):
        if type(node) is not Client:
            continue
        budget = params.ops if params.workload is None else len(params.workload[c])
        if (
            node.phase == PHASE_READ
            or (node.phase != IDLE and node.epoch < s.epoch)
            or s.started[c] < budget
        ):
            found.add(c)
    return found


def _reads_copies(s: State, m: tuple[Any, ...]) -> bool:
    """Would j's reply copy only values j stores (every asked token present)?"""
    node = s.nodes[m[2]]
    return (
        type(node) is Server
        and node.store is not None
        and all(node.store[t] is not None for t in m[7])
    )


def _duplicate_write(params: Params, s: State, m: tuple[Any, ...]) -> bool:
    """Does j store exactly what this WRITE carries (so it changes nothing)?"""
    node = s.nodes[m[2]]
    if not params.version_check or type(node) is not Server or node.store is None:
        return False
    return all(node.store[t] == (v, o) for t, v, o in m[7])
