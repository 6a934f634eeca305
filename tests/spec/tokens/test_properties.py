"""Each property of PROTOCOL.md section 5 on hand-built states of S1.

S1's node ids: s1, s2, s3 are 0, 1, 2; c1, c2 are 3, 4. Token 0 starts at
version 1, owned by c1, in every store. A message is
(kind, src, dst, client, opnum, phase, epoch, payload).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from spec.tokens.actions import ClientStartPay, Receive
from spec.tokens.model import TokenModel
from spec.tokens.standard import S1 as STANDARD_S1
from spec.tokens.state import (
    GETTOKENS,
    MANAGER_SYNC_WRITE,
    NOT_OWNER,
    OK,
    PAY,
    PHASE_READ,
    PHASE_WRITE,
    PHASE_WRITE_BACK,
    READ_REPLY,
    SYNC,
    SYNC_STATE,
    SYNC_WRITE,
    TOKENS,
    WRITE,
    WRITE_ACK,
    Answer,
    Client,
    Manager,
    Message,
    Server,
    State,
    Store,
    Value,
)

S1, S2, S3, C1, C2 = range(5)
MANAGER = 5  # the manager's id: the nodes' count
MODEL = TokenModel(STANDARD_S1)
INITIAL: State = MODEL.initial_states()[0]


def invariant(name: str) -> Callable[[State], str | None]:
    return next(p.check for p in MODEL.invariants if p.name == name)


def step_property(name: str) -> Callable[[State, Any, State], str | None]:
    return next(p.check for p in MODEL.step_properties if p.name == name)


def with_node(state: State, node: int, value: Server | Client) -> State:
    nodes = list(state.nodes)
    nodes[node] = value
    return state._replace(nodes=tuple(nodes))


def write(version: int, owner: int, dst: int = S2) -> Message:
    return (WRITE, C1, dst, C1, 1, PHASE_WRITE, 0, ((0, version, owner),))


def read_reply(server: int, version: int, owner: int = C1) -> Message:
    return (READ_REPLY, server, C1, C1, 1, PHASE_READ, 0, ((0, version, owner),))


def in_flight(state: State, *messages: Message) -> State:
    """`state` with c1's first operation started and these messages in flight."""
    return state._replace(network=tuple(sorted(messages)), started=(0, 0, 0, 1, 0))


def reading_client(answered: int, values: tuple[Value, ...], snapshot: int) -> Client:
    """c1 in the READ phase of pay(0, c2), waiting for q(3) = 2 replies."""
    return Client(PHASE_READ, (PAY, 0, C2), 0, 2, answered, values, (snapshot,))


# NoDoubleSpend


def test_no_double_spend_holds_on_the_initial_state() -> None:
    assert invariant("NoDoubleSpend")(INITIAL) is None


def test_no_double_spend_holds_when_a_store_and_a_message_agree_on_the_owner() -> None:
    state = with_node(INITIAL, S1, Server(0, ((2, C2),)))
    state = state._replace(network=(write(2, C2),))
    assert invariant("NoDoubleSpend")(state) is None


def test_no_double_spend_detects_two_owners_of_one_version_in_a_store_and_a_message() -> None:
    state = with_node(INITIAL, S1, Server(0, ((2, C1),)))
    state = state._replace(network=(write(2, C2),))
    detail = invariant("NoDoubleSpend")(state)
    assert detail is not None
    assert "token 0 version 2" in detail
    assert "c1" in detail and "c2" in detail
    assert "s1's store" in detail


def test_no_double_spend_detects_two_owners_of_one_version_in_two_stores() -> None:
    state = with_node(INITIAL, S1, Server(0, ((2, C1),)))
    state = with_node(state, S3, Server(0, ((2, C2),)))
    detail = invariant("NoDoubleSpend")(state)
    assert detail is not None
    assert "s1's store" in detail and "s3's store" in detail


def test_no_double_spend_detects_a_client_buffer_that_disagrees_with_a_reply() -> None:
    buffer = reading_client(1 << S1, ((0, 2, C1),), 1)
    state = with_node(INITIAL, C1, buffer)
    state = state._replace(network=(read_reply(S2, 2, owner=C2),))
    detail = invariant("NoDoubleSpend")(state)
    assert detail is not None
    assert "c1's buffer" in detail


def test_no_double_spend_allows_different_owners_of_different_versions() -> None:
    state = with_node(INITIAL, S1, Server(0, ((2, C2),)))
    state = state._replace(network=(write(3, C1),))
    assert invariant("NoDoubleSpend")(state) is None


def test_no_double_spend_detects_the_managers_merge_against_a_sync_write_payload() -> None:
    # The manager's merge says c1 owns version 2; a SYNC_WRITE carries c2.
    manager = Manager(MANAGER_SYNC_WRITE, C2, (S1, S2, S3, C2), 0, ((2, C1),))
    sync = (SYNC_WRITE, MANAGER, S2, MANAGER, 1, SYNC, 1, ((S1, S2, S3, C2), ((2, C2),)))
    state = INITIAL._replace(manager=manager, network=(sync,))
    detail = invariant("NoDoubleSpend")(state)
    assert detail is not None
    assert "the manager's merge" in detail and "SYNC_WRITE" in detail


def test_no_double_spend_reads_a_store_shared_by_two_holders_once_and_still_sees_the_rest() -> None:
    # s1 and a SYNC_STATE hold one store object (c1 owns version 2); a
    # WRITE for s2 names c2: the shared object is read once, the WRITE not skipped.
    store: Store = ((2, C1),)
    sync_state = (SYNC_STATE, S1, MANAGER, MANAGER, 1, SYNC, 0, store)
    state = with_node(INITIAL, S1, Server(0, store))
    assert invariant("NoDoubleSpend")(state._replace(network=(sync_state,))) is None
    state = state._replace(network=tuple(sorted((sync_state, write(2, C2)))))
    detail = invariant("NoDoubleSpend")(state)
    assert detail is not None
    assert "token 0 version 2" in detail


def test_no_double_spend_settles_a_false_alarm_of_its_fast_pass_exactly() -> None:
    # Token 2**20 at version 1 and token 0 at version 2 share the fast
    # pass's int key: with different owners that looks like a conflict,
    # and the exact pass must say there is none.
    state = with_node(INITIAL, S1, Server(0, ((2, C2),)))
    far = (WRITE, C1, S2, C1, 1, PHASE_WRITE, 0, ((2**20, 1, C1),))
    state = state._replace(network=(far,))
    assert invariant("NoDoubleSpend")(state) is None


# Conservation


def test_conservation_holds_on_the_initial_state() -> None:
    assert invariant("Conservation")(INITIAL) is None


def test_conservation_detects_a_store_missing_a_token() -> None:
    state = with_node(INITIAL, S2, Server(0, (None,)))
    detail = invariant("Conservation")(state)
    assert detail == "s2's store has no copy of token 0"


def test_conservation_detects_a_store_with_too_few_tokens() -> None:
    state = with_node(INITIAL, S3, Server(0, ()))
    detail = invariant("Conservation")(state)
    assert detail is not None
    assert "s3 holds 0 tokens, not 1" in detail


def test_conservation_ignores_a_joiner_that_has_no_store_yet() -> None:
    state = with_node(INITIAL, C2, Server(0, None))
    assert invariant("Conservation")(state) is None


# StoreMonotone


def test_store_monotone_detects_a_version_that_decreases() -> None:
    before = with_node(INITIAL, S1, Server(0, ((3, C2),)))
    after = with_node(INITIAL, S1, Server(0, ((2, C1),)))
    detail = step_property("StoreMonotone")(before, Receive(write(2, C1, S1)), after)
    assert detail == "s1's token 0 goes back from version 3 to 2"


def test_store_monotone_holds_when_a_version_grows() -> None:
    before = with_node(INITIAL, S1, Server(0, ((1, C1),)))
    after = with_node(INITIAL, S1, Server(0, ((2, C2),)))
    assert step_property("StoreMonotone")(before, Receive(write(2, C2, S1)), after) is None


def test_store_monotone_detects_a_token_that_disappears_from_a_store() -> None:
    before = with_node(INITIAL, S2, Server(0, ((2, C2),)))
    after = with_node(INITIAL, S2, Server(0, (None,)))
    detail = step_property("StoreMonotone")(before, Receive(write(1, C1)), after)
    assert detail == "s2's token 0 goes back from version 2 to 0"


# ReadNotStale: what the client carries on after its READ phase completes


def completed(phase: int, values: tuple[Value, ...], answer: Answer | None) -> Client:
    """c1 after its READ phase: writing or writing back `values`."""
    return Client(phase, (PAY, 0, C2), 0, 2, 0, values, None, answer=answer)


BEFORE = with_node(INITIAL, C1, reading_client(1 << S1, ((0, 1, C1),), snapshot=2))


def test_read_not_stale_detects_a_stale_version_carried_into_the_write_back() -> None:
    # s2's reply completes the quorum; the client writes back version 1,
    # while version 2 was linearized when pay started.
    stale = ((0, 1, C2),)
    after = with_node(INITIAL, C1, completed(PHASE_WRITE_BACK, stale, Answer(NOT_OWNER, stale)))
    detail = step_property("ReadNotStale")(BEFORE, Receive(read_reply(S2, 1, C2)), after)
    assert detail is not None
    assert "c1's READ phase ends and it carries token 0 at version 1" in detail
    assert "version 2 was linearized" in detail


def test_read_not_stale_detects_a_pay_that_writes_no_version_above_the_snapshot() -> None:
    written = ((0, 2, C2),)
    after = with_node(INITIAL, C1, completed(PHASE_WRITE, written, Answer(OK, written)))
    detail = step_property("ReadNotStale")(BEFORE, Receive(read_reply(S2, 1)), after)
    assert detail is not None
    assert "writes token 0 at version 2" in detail and "needs above 2" in detail


def test_read_not_stale_holds_when_the_client_carries_the_linearized_version_on() -> None:
    written = ((0, 3, C2),)
    after = with_node(INITIAL, C1, completed(PHASE_WRITE, written, Answer(OK, written)))
    assert step_property("ReadNotStale")(BEFORE, Receive(read_reply(S2, 2)), after) is None


def test_read_not_stale_ignores_a_reply_that_does_not_complete_the_read_phase() -> None:
    before = with_node(INITIAL, C1, reading_client(0, (), snapshot=2))
    after = with_node(INITIAL, C1, reading_client(1 << S2, ((0, 1, C1),), snapshot=2))
    assert step_property("ReadNotStale")(before, Receive(read_reply(S2, 1)), after) is None


@pytest.mark.parametrize(
    "action",
    [
        ClientStartPay(C1, 0, C2),
        Receive(write(1, C1)),
        Receive((WRITE_ACK, S2, C1, C1, 1, PHASE_WRITE, 0, ())),
    ],
    ids=["a start", "a write", "an ack"],
)
def test_read_not_stale_ignores_steps_that_deliver_no_read_reply(action: object) -> None:
    stale = ((0, 1, C2),)
    after = with_node(INITIAL, C1, completed(PHASE_WRITE_BACK, stale, Answer(NOT_OWNER, stale)))
    assert step_property("ReadNotStale")(BEFORE, action, after) is None


def test_read_not_stale_reads_the_clients_choice_not_a_recomputation_of_the_replies() -> None:
    # The same step on the correct model and on the first-reply mutant: s1
    # answered version 1, s2 brings version 2 (owned by c1, linearized).
    before = with_node(INITIAL, C1, reading_client(1 << S1, ((0, 1, C1),), snapshot=2))
    before = in_flight(before._replace(linearized=(2,)), read_reply(S2, 2))
    reply = Receive(read_reply(S2, 2))
    first = TokenModel(replace(STANDARD_S1, mutant="first-reply"))
    check = step_property("ReadNotStale")
    assert check(before, reply, MODEL.next_state(before, reply)) is None
    detail = check(before, reply, first.next_state(before, reply))
    assert detail is not None and "writes token 0 at version 2" in detail


# AnswerIsFresh: the answer fixed when the READ phase completes


def test_answer_is_fresh_catches_a_stale_answer_carried_beside_fresh_values() -> None:
    # c1 writes back the fresh version 2 (owned by c2) but answers
    # NOT_OWNER(1, c1): ReadNotStale sees nothing wrong, the answer is stale.
    fresh = ((0, 2, C2),)
    answer = Answer(NOT_OWNER, ((0, 1, C1),))
    after = with_node(INITIAL, C1, completed(PHASE_WRITE_BACK, fresh, answer))
    action = Receive(read_reply(S2, 2, C2))
    assert step_property("ReadNotStale")(BEFORE, action, after) is None
    detail = step_property("AnswerIsFresh")(BEFORE, action, after)
    assert detail == (
        "c1 answers NOT_OWNER with token 0 at version 1, but version 2 was linearized"
        " when the operation started"
    )


def test_answer_is_fresh_holds_on_the_models_own_completing_step() -> None:
    before = with_node(INITIAL, C1, reading_client(1 << S1, ((0, 1, C1),), snapshot=1))
    before = in_flight(before, read_reply(S2, 1))
    reply = Receive(read_reply(S2, 1))
    after = MODEL.next_state(before, reply)
    client = after.nodes[C1]
    assert isinstance(client, Client) and client.answer == Answer(OK, ((0, 2, C2),))
    assert step_property("AnswerIsFresh")(before, reply, after) is None


def test_answer_is_fresh_catches_an_ok_that_is_not_a_new_version() -> None:
    before = with_node(INITIAL, C1, reading_client(1 << S1, ((0, 1, C1),), snapshot=1))
    after = with_node(INITIAL, C1, completed(PHASE_WRITE, ((0, 2, C2),), Answer(OK, ((0, 1, C2),))))
    detail = step_property("AnswerIsFresh")(before, Receive(read_reply(S2, 1)), after)
    assert detail is not None and "answers OK with token 0 at version 1" in detail


def test_answer_is_fresh_catches_a_not_owner_naming_an_owner_the_version_does_not_have() -> None:
    before = with_node(BEFORE, S1, Server(0, ((2, C2),)))
    fresh = ((0, 2, C1),)
    after = with_node(before, C1, completed(PHASE_WRITE_BACK, fresh, Answer(NOT_OWNER, fresh)))
    detail = step_property("AnswerIsFresh")(before, Receive(read_reply(S2, 2, C1)), after)
    assert detail == (
        "c1 answers NOT_OWNER with token 0 version 2 owned by c1, but that version is owned by c2"
    )


def test_answer_is_fresh_catches_a_gettokens_that_omits_a_token_its_data_give_the_owner() -> None:
    reading = Client(PHASE_READ, (GETTOKENS, 0, C2), 0, 2, 1 << S1, ((0, 2, C2),), (2,))
    before = with_node(INITIAL, C1, reading)
    data = ((0, 2, C2),)
    after = with_node(
        INITIAL,
        C1,
        Client(
            PHASE_WRITE_BACK, (GETTOKENS, 0, C2), 0, 2, 0, data, None, answer=Answer(TOKENS, ())
        ),
    )
    detail = step_property("AnswerIsFresh")(before, Receive(read_reply(S2, 2, C2)), after)
    assert detail == "c1's gettokens(c2) omits token 0, but the version it read is v2 owned by c2"


# PayMovesToken: a sometimes property, so that a model whose clients only
# pay themselves (a mutant `check mutate` found surviving) cannot pass.


def sometimes(name: str) -> Callable[[State], bool]:
    return next(p.check for p in MODEL.sometimes if p.name == name)


def test_pay_moves_token_is_met_by_a_version_above_1_with_a_new_owner() -> None:
    moved = with_node(INITIAL, S2, Server(0, ((2, C2),)))
    assert sometimes("PayMovesToken")(moved)


@pytest.mark.parametrize(
    "store", [((1, C1),), ((2, C1),), ((3, C1),)], ids=["initial", "self-pay", "self-pays"]
)
def test_pay_moves_token_is_not_met_while_the_first_owner_keeps_the_token(store: Store) -> None:
    assert not sometimes("PayMovesToken")(with_node(INITIAL, S2, Server(0, store)))
