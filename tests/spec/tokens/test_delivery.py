"""Receive and Discard, compiled records (spec/tokens/delivery.py), mean what
the frozen dataclasses they replace meant: equality, hash, repr, `match`,
pickling; compiled, the field cannot be assigned."""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass

import pytest

from checker.native import compiled_active
from spec.tokens.actions import Discard, Receive, action_record, describe
from spec.tokens.state import READ, READ_REPLY, Message

NAMES = ("s1", "s2", "s3", "c1", "c2")
READ_M: Message = (READ, 3, 0, 3, 1, 1, 0, (0,))
REPLY_M: Message = (READ_REPLY, 0, 3, 3, 1, 1, 0, ((0, 1, 3),))


@dataclass(frozen=True, slots=True)
class Reference:
    """What Receive and Discard were before they were compiled."""

    message: Message


def test_records_equal_by_class_and_message_and_hash_as_the_dataclass_did() -> None:
    for make in (Receive, Discard):
        a, b = make(READ_M), make((*READ_M[:-1], (0,)))  # equal, not the same tuple
        assert a == b and (a != b) is False
        assert hash(a) == hash(b) == hash(Reference(READ_M))
        assert a != make(REPLY_M)
        assert len({a, b, make(REPLY_M)}) == 2
    assert Receive(READ_M) != Discard(READ_M) and (Receive(READ_M) == Discard(READ_M)) is False
    assert Receive(READ_M) != Reference(READ_M)
    assert Receive(READ_M) != READ_M


def test_records_print_as_the_dataclass_did() -> None:
    for make in (Receive, Discard):
        reference = repr(Reference(READ_M)).replace("Reference", make.__name__)
        assert repr(make(READ_M)) == reference


def test_records_pickle_and_copy_to_equal_records_of_their_class() -> None:
    for action in (Receive(READ_M), Discard(REPLY_M)):
        for again in (pickle.loads(pickle.dumps(action)), copy.deepcopy(action)):
            assert type(again) is type(action) and again == action


def test_records_match_by_position_and_describe_their_message() -> None:
    match Discard(READ_M):
        case Receive(_):
            pytest.fail("a Discard matched Receive")
        case Discard(message):
            assert message is READ_M
    assert (
        describe(Receive(READ_M), NAMES) == "ServerReceiveRead: READ c1->s1 [c1#1 read e0] tokens 0"
    )
    assert describe(Discard(REPLY_M), NAMES).startswith("NodeDiscardMessage: READ_REPLY s1->c1")
    assert action_record(Receive(REPLY_M), NAMES)["type"] == "ClientReceiveReadReply"


@pytest.mark.skipif(not compiled_active(), reason="the source relies on mypy (Final) alone")
def test_a_compiled_record_refuses_a_new_message() -> None:
    action = Receive(READ_M)
    with pytest.raises(AttributeError):
        action.message = REPLY_M  # type: ignore[misc]
    assert action.message is READ_M
    assert not hasattr(action, "__dict__")
