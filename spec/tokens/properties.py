"""The named properties of PROTOCOL.md section 5, as claims on states and steps.

Invariants (every reachable state): NoDoubleSpend, Conservation.
Step properties (every transition): ReadNotStale, StoreMonotone, AnswerIsFresh.
ReadNotStale and AnswerIsFresh read what the client took on the step that
completes its READ phase (its state after the step); they never recompute
the protocol's own choice from the replies.
Sometimes (a vacuous model cannot pass): OperationCompletes, PayCompletes,
PayMovesToken, GettokensAnswers, and ScriptCompletes when a workload is set.
Progress (liveness) comes from the model's fairness and quiescence.
Each check returns None when the claim holds, else the values that break it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final, cast

from checker.model import Invariant, Sometimes, StepProperty
from spec.tokens.actions import Receive, format_message
from spec.tokens.params import Params
from spec.tokens.state import (
    ANSWER_NAMES,
    CLIENT_CLASS,
    GETTOKENS,
    IDLE,
    NOT_OWNER,
    OK,
    PAY,
    PHASE_READ,
    PHASE_WRITE,
    READ_REPLY,
    SERVER_CLASS,
    SYNC_STATE,
    SYNC_WRITE,
    TOKENS,
    WRITE,
    Client,
    Server,
    State,
    Store,
    Value,
)


def _copies(s: State, names: tuple[str, ...]) -> Iterator[tuple[int, int, int, str]]:
    """Every copy of a token version: (token, version, owner, where)."""
    for i, node in enumerate(s.nodes):
        if isinstance(node, Server):
            if node.store is not None:
                for t, entry in enumerate(node.store):
                    if entry is not None:
                        yield t, entry[0], entry[1], f"{names[i]}'s store"
        elif node.phase != IDLE:
            for t, v, o in node.values:
                yield t, v, o, f"{names[i]}'s buffer"
    if s.manager is not None and s.manager.merged is not None:
        for t, entry in enumerate(s.manager.merged):
            if entry is not None:
                yield t, entry[0], entry[1], "the manager's merge"
    for m in s.network:
        kind = m[0]
        if kind in (READ_REPLY, WRITE):
            for t, v, o in m[7]:
                yield t, v, o, format_message(m, names)
        elif kind in (SYNC_STATE, SYNC_WRITE):
            store = m[7] if kind == SYNC_STATE else m[7][1]
            if store is not None:
                for t, entry in enumerate(store):
                    if entry is not None:
                        yield t, entry[0], entry[1], format_message(m, names)


# A copy's (token, version) as one int, version * _TOKEN_SPAN + token: an
# int key hashes for free, a tuple key is built and hashed. One (token,
# version) always gives one key, so the fast pass never misses two owners
# of it; two pairs share a key only for a token outside [0, span), which
# looks like a conflict and goes to the slow pass, which is exact.
_TOKEN_SPAN: Final = 1 << 20


def _owners_agree(s: State) -> bool:
    """True when every copy of each (token, version) names one owner (the
    fast pass of NoDoubleSpend: no locations, nothing built but one dict).
    A holder object met already in this state (a store a SYNC_WRITE carries
    on, a payload every server's reply shares) is looked at once."""
    owners: dict[int, int] = {}
    last: object = None
    for node in s[2]:
        if type(node) is SERVER_CLASS:
            store = node[1]
            if store is not None and store is not last:
                last = store
                if not _store_agrees(owners, store):
                    return False
        else:
            client = cast(Client, node)  # the nodes are servers and clients
            if client.phase != IDLE and not _values_agree(owners, client.values):
                return False
    manager = s[3]
    if (
        manager is not None
        and manager.merged is not None
        and not _store_agrees(owners, manager.merged)
    ):
        return False
    for m in s[4]:
        kind = m[0]
        payload = m[7]
        if payload is last:
            continue
        if kind == READ_REPLY or kind == WRITE:  # noqa: SIM109 (compiled: two int compares)
            last = payload
            if not _values_agree(owners, payload):
                return False
        elif kind == SYNC_STATE:
            last = payload
            if payload is not None and not _store_agrees(owners, payload):
                return False
        elif kind == SYNC_WRITE:
            store = payload[1]
            if store is not None and not _store_agrees(owners, store):
                return False
    return True


def _store_agrees(owners: dict[int, int], store: Store) -> bool:
    """Record a store's copies in `owners`; False at a second owner."""
    for t in range(len(store)):
        entry = store[t]
        if entry is not None:
            owner = entry[1]
            if owners.setdefault(entry[0] * _TOKEN_SPAN + t, owner) != owner:
                return False
    return True


def _values_agree(owners: dict[int, int], values: tuple[Value, ...]) -> bool:
    """Record (token, version, owner) copies in `owners`; False at a second owner."""
    for value in values:
        owner = value[2]
        if owners.setdefault(value[1] * _TOKEN_SPAN + value[0], owner) != owner:
            return False
    return True


def make_properties(
    params: Params,
) -> tuple[tuple[Invariant, ...], tuple[StepProperty, ...], tuple[Sometimes, ...]]:
    names = params.names

    def no_double_spend(s: State) -> str | None:
        # Fast pass without locations; the slow pass names the locations
        # on a conflict (or says none, when the fast pass was unsure).
        if _owners_agree(s):
            return None
        seen: dict[tuple[int, int], tuple[int, str]] = {}
        for t, v, o, where in _copies(s, names):
            first = seen.setdefault((t, v), (o, where))
            if first[0] != o:
                return (
                    f"token {t} version {v} is owned by {names[first[0]]} in {first[1]}"
                    f" and by {names[o]} in {where}"
                )
        return None

    tokens = params.tokens

    def conservation(s: State) -> str | None:
        for node in s[2]:
            if type(node) is SERVER_CLASS:
                store = node[1]
                if store is not None and not _complete(store, tokens):
                    return _explain_conservation(s)
        return None

    def _explain_conservation(s: State) -> str:
        for i, node in enumerate(s.nodes):
            if type(node) is not Server or node.store is None:
                continue
            if len(node.store) != params.tokens:
                return f"{names[i]} holds {len(node.store)} tokens, not {params.tokens}"
            for t, entry in enumerate(node.store):
                if entry is None:
                    return f"{names[i]}'s store has no copy of token {t}"
        raise AssertionError("conservation holds")

    def read_not_stale(s: State, action: object, after: State) -> str | None:
        done = _read_completed(s, action, after)
        return None if done is None else _read_problem(params, *done)

    def answer_is_fresh(s: State, action: object, after: State) -> str | None:
        done = _read_completed(s, action, after)
        return None if done is None else _answer_problem(params, *done, after)

    def store_monotone(s: State, action: object, after: State) -> str | None:
        return _stores_go_back(names, s.nodes, after.nodes)

    def operation_completes(s: State) -> bool:
        return any(
            type(n) is Client and n.phase == IDLE and s.started[i] > 0
            for i, n in enumerate(s.nodes)
        )

    def pay_completes(s: State) -> bool:
        return any(v > 1 for v in s.linearized)

    def pay_moves_token(s: State) -> bool:
        # A version above 1 in a store whose owner is not the token's first
        # one: a pay gave it to someone else (a model exploring only
        # self-pays, say, never gets here).
        return any(
            entry is not None and entry[0] > 1 and entry[1] != params.initial_owner(t)
            for node in s.nodes
            if type(node) is Server and node.store is not None
            for t, entry in enumerate(node.store)
        )

    def gettokens_answers(s: State) -> bool:
        return any(
            type(n) is Client and n.answer is not None and n.answer.kind == TOKENS for n in s.nodes
        )

    scripts = params.workload
    # The scripts' lengths per node: checked on every new state until met,
    # so one tuple comparison instead of a loop.
    lengths = tuple(len(script) for script in scripts or ())
    assert scripts is None or len(lengths) == params.nodes

    def script_completes(s: State) -> bool:
        # Every scripted operation started, and nothing pending: a scenario
        # whose script cannot run to its end is caught, not passed.
        return s.started == lengths and all(
            type(n) is not Client or n.phase == IDLE for n in s.nodes
        )

    sometimes = [Sometimes("OperationCompletes", operation_completes)]
    if _pays_possible(params):
        sometimes.append(Sometimes("PayCompletes", pay_completes))
        sometimes.append(Sometimes("PayMovesToken", pay_moves_token))
    if _possible(params, GETTOKENS):
        sometimes.append(Sometimes("GettokensAnswers", gettokens_answers))
    if scripts is not None:
        sometimes.append(Sometimes("ScriptCompletes", script_completes))
    return (
        (
            Invariant("NoDoubleSpend", no_double_spend),
            Invariant("Conservation", conservation),
        ),
        (
            StepProperty("ReadNotStale", read_not_stale),
            StepProperty("StoreMonotone", store_monotone),
            StepProperty("AnswerIsFresh", answer_is_fresh),
        ),
        tuple(sometimes),
    )


def _complete(store: Store, tokens: int) -> bool:
    """A copy of every token, and no more."""
    if len(store) != tokens:
        return False
    return None not in store


def _read_completed(s: State, action: object, after: State) -> tuple[int, Client, Client] | None:
    """(client, before, after) when this step completes a READ phase."""
    if type(action) is not Receive:
        return None
    m = action.message
    if m[0] != READ_REPLY:
        return None
    i = m[2]
    was, now = s.nodes[i], after.nodes[i]
    if type(was) is not CLIENT_CLASS or type(now) is not CLIENT_CLASS:
        return None
    if was.phase != PHASE_READ:
        return None
    if now.phase == PHASE_READ:
        return None  # not yet a quorum
    return i, was, now


def _read_problem(params: Params, i: int, was: Client, now: Client) -> str | None:
    """ReadNotStale on a step that completes client i's READ phase."""
    names = params.names
    snapshot = was.snapshot or ()
    assert was.op is not None, "a client in its READ phase has an operation"
    asked = (was.op[1],) if was.op[0] == PAY else tuple(range(params.tokens))
    floors = dict(zip(asked, snapshot, strict=False))
    # fast-read writes back only the tokens whose replies disagreed.
    if len(now.values) != len(snapshot) and not (params.fast_read and now.values):
        return (
            f"{names[i]}'s READ phase ends carrying {len(now.values)} values"
            f" for the {len(snapshot)} tokens it asked"
        )
    # A pay by the owner carries the version it writes: above the snapshot.
    writes = now.phase == PHASE_WRITE
    for t, v, o in now.values:
        floor = floors.get(t, v + 1)
        if v < floor + writes:
            carried = "writes" if writes else "carries"
            need = f"above {floor}" if writes else f"at least {floor}"
            return (
                f"{names[i]}'s READ phase ends and it {carried} token {t} at version {v}"
                f" (owner {names[o]}), but version {floor} was linearized when the"
                f" operation started: it needs {need}"
            )
    return None


def _stores_go_back(
    names: tuple[str, ...], before: tuple[object, ...], after: tuple[object, ...]
) -> str | None:
    """StoreMonotone over the nodes: only those that are new objects can
    have a store that went back. Not strict: a mutant may add a node."""
    if before is after:
        return None
    for i in range(min(len(before), len(after))):
        detail = _store_goes_back(names, i, before[i], after[i])
        if detail is not None:
            return detail
    return None


def _store_goes_back(names: tuple[str, ...], i: int, old: object, new: object) -> str | None:
    """StoreMonotone at node i: a token of its store at a lower version than
    before (a node that is no server on either side, or has no store, has
    nothing to compare)."""
    if old is new or type(old) is not SERVER_CLASS or type(new) is not SERVER_CLASS:
        return None
    was_store, now_store = old.store, new.store
    if was_store is None or now_store is None or was_store is now_store:
        return None
    for t in range(min(len(was_store), len(now_store))):
        was, now = was_store[t], now_store[t]
        before = 0 if was is None else was[0]
        later = 0 if now is None else now[0]
        if later < before:
            return f"{names[i]}'s token {t} goes back from version {before} to {later}"
    if len(was_store) != len(now_store):
        raise ValueError("a store changed its number of tokens")  # as zip(strict=True) did
    return None


def step_check(
    params: Params, steps: tuple[StepProperty, ...]
) -> Callable[[State, object, State], tuple[str, str] | None]:
    """The step properties at once (`checker.model.has_step_check`), with
    what each one-by-one check would report first, in their order.

    It checks only where a step can break a property: ReadNotStale and
    AnswerIsFresh speak only of a step that completes a READ phase
    (`_read_completed`); StoreMonotone only of a step that changes `nodes`,
    and then only of the nodes that are new objects (an identity test each).
    It assumes nothing about which node a step changes, so a step mutated by
    `check mutate` that writes the wrong node is still checked.
    `tests/spec/tokens/test_step_check.py` compares it with the properties
    one by one, on the protocol and every mutant."""
    assert [p.name for p in steps] == ["ReadNotStale", "StoreMonotone", "AnswerIsFresh"]
    names = params.names

    def check_step(s: State, action: object, after: State) -> tuple[str, str] | None:
        nodes, later = s.nodes, after.nodes
        if nodes is later:
            return None  # no node changed: no store, and no READ phase completed
        done = None
        if type(action) is Receive:
            done = _read_completed(s, action, after)
            if done is not None:
                detail = _read_problem(params, done[0], done[1], done[2])
                if detail is not None:
                    return "ReadNotStale", detail
        store = _stores_go_back(names, nodes, later)
        if store is not None:
            return "StoreMonotone", store
        if done is not None:
            detail = _answer_problem(params, done[0], done[1], done[2], after)
            if detail is not None:
                return "AnswerIsFresh", detail
        return None

    return check_step


def _answer_problem(params: Params, i: int, was: Client, now: Client, after: State) -> str | None:
    """What is wrong with the answer `now` holds, fixed as its READ phase
    completed (`was` holds the snapshot taken at invocation), or None."""
    names = params.names
    who = names[i]
    answer, op = now.answer, was.op
    if answer is None or op is None:
        return f"{who}'s READ phase ends without an answer"
    snapshot = was.snapshot or ()
    asked = (op[1],) if op[0] == PAY else tuple(range(params.tokens))
    floor = dict(zip(asked, snapshot, strict=False))
    said = ANSWER_NAMES[answer.kind]
    if (op[0] == PAY and answer.kind not in (OK, NOT_OWNER)) or (
        op[0] != PAY and answer.kind != TOKENS
    ):
        return f"{who}'s {'pay' if op[0] == PAY else 'gettokens'} answers {said}"
    for t, v, o in answer.values:
        # OK(v) is a new version: above every version linearized at invocation.
        above = answer.kind == OK
        if t not in floor or v < floor[t] + above:
            return (
                f"{who} answers {said} with token {t} at version {v}, but version"
                f" {floor.get(t)} was linearized when the operation started"
            )
        # NOT_OWNER and TOKENS name owners; OK(v) names none (a version
        # written twice with two owners is NoDoubleSpend's to catch).
        owner = None if above else _owner_elsewhere(after, t, v)
        if owner is not None and owner != o:
            return (
                f"{who} answers {said} with token {t} version {v} owned by {names[o]},"
                f" but that version is owned by {names[owner]}"
            )
    if answer.kind == NOT_OWNER and any(o == i for _, _, o in answer.values):
        return f"{who} answers NOT_OWNER naming itself as the owner"
    if answer.kind == TOKENS:
        # The tokens it lists are exactly those its version data give the owner.
        data = {t: (v, o) for t, v, o in now.values}
        listed = {t: (v, o) for t, v, o in answer.values}
        for t in asked:
            if t not in data and params.fast_read:
                # fast-read writes back only the tokens whose replies
                # disagreed: the others' version data is what it lists
                if t not in listed:
                    continue
                data[t] = listed[t]
            if t not in data:
                return f"{who}'s gettokens has no version data for token {t}"
            v, o = data[t]
            if v < floor[t]:
                return (
                    f"{who}'s gettokens omits or lists token {t} from version {v}, but"
                    f" version {floor[t]} was linearized when the operation started"
                )
            held = o == op[2]
            if held != (t in listed) or (held and listed[t] != (v, o)):
                return (
                    f"{who}'s gettokens({names[op[2]]}) {'lists' if t in listed else 'omits'}"
                    f" token {t}, but the version it read is v{v} owned by {names[o]}"
                )
    return None


def _owner_elsewhere(s: State, token: int, version: int) -> int | None:
    """The owner that some copy of (token, version) in a store, the
    manager's merge or a message names, or None if no copy is left."""
    for node in s.nodes:
        if type(node) is Server and node.store is not None:
            entry = node.store[token]
            if entry is not None and entry[0] == version:
                return int(entry[1])
    if s.manager is not None and s.manager.merged is not None:
        entry = s.manager.merged[token]
        if entry is not None and entry[0] == version:
            return int(entry[1])
    for m in s.network:
        kind = m[0]
        if kind in (READ_REPLY, WRITE):
            for t, v, o in m[7]:
                if t == token and v == version:
                    return int(o)
        elif kind in (SYNC_STATE, SYNC_WRITE):
            store = m[7] if kind == SYNC_STATE else m[7][1]
            entry = store[token] if store is not None else None
            if entry is not None and entry[0] == version:
                return int(entry[1])
    return None


def _pays_possible(params: Params) -> bool:
    if params.workload is not None:
        return _possible(params, PAY)
    return params.ops > 0 and params.nodes - params.servers >= 2


def _possible(params: Params, kind: int) -> bool:
    """May an operation of this kind start at all?"""
    if params.workload is not None:
        return any(op[0] == kind for script in params.workload for op in script)
    return params.ops > 0 and params.nodes > params.servers
