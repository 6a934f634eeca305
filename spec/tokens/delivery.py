"""Receive and Discard: what happens to an in-flight message, as compiled records.

    >>> m = (0, 3, 0, 3, 1, 1, 0, (0,))  # READ c1->s1 [c1#1 read e0] tokens 0
    >>> Receive(m) == Receive(m) != Discard(m), Receive(m).name
    (True, 'ServerReceiveRead')

They are most of the actions a run builds (one per deliverable message of
every state expanded: 94% on S3a, 89% on R2), so this module is compiled
(checker.native) and they are native classes there: built without an
interpreted `__init__`, their field read by the compiled steps directly.
A compiled frozen dataclass would build through its interpreted `__init__`
and would not unpickle, so each is written out to mean what
`@dataclass(frozen=True, slots=True)` means: equal when of the same class
and message, the same hash, repr, `match` pattern and pickle. The field is
`Final`: compiled, assigning it raises AttributeError; mypy rejects it in
any case. `spec.tokens.actions` names them with the other actions.

No cache of records by message: hashing a message for the lookup costs
more than building the record (about 60 ns for the hash alone).
"""

from __future__ import annotations

from typing import ClassVar, Final

from spec.tokens.state import (
    READ,
    READ_REPLY,
    SYNC_ACK,
    SYNC_READ,
    SYNC_STATE,
    SYNC_WRITE,
    WRITE,
    WRITE_ACK,
    Message,
)


class MessageAction:
    """An action on one in-flight message; only its subclasses are built."""

    __slots__ = ("message",)
    # ClassVar, else compiled it would be a per-instance attribute, which
    # `match` refuses. (mypyc 2.4 fails on a compiled `match` against this
    # class: the patterns are in actions.py, which is not compiled.)
    __match_args__: ClassVar[tuple[str, ...]] = ("message",)

    def __init__(self, message: Message) -> None:
        self.message: Final = message

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, MessageAction)
        return self.message == other.message

    def __hash__(self) -> int:
        return hash((self.message,))  # as the dataclass's: a tuple of the fields

    def __repr__(self) -> str:
        return f"{type(self).__name__}(message={self.message!r})"

    def __reduce__(self) -> tuple[type[MessageAction], tuple[Message]]:
        return (type(self), (self.message,))


class Receive(MessageAction):
    """A message is delivered and handled by its destination."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return RECEIVER_VERBS[self.message[0]]


class Discard(MessageAction):
    """A server drops a message of an older epoch; a node that is no longer a
    server drops a message meant for a server."""

    __slots__ = ()


RECEIVER_VERBS: Final[dict[int, str]] = {
    READ: "ServerReceiveRead",
    READ_REPLY: "ClientReceiveReadReply",
    WRITE: "ServerReceiveWrite",
    WRITE_ACK: "ClientReceiveWriteAck",
    SYNC_READ: "ServerReceiveSyncRead",
    SYNC_STATE: "ManagerReceiveSyncState",
    SYNC_WRITE: "ServerReceiveSyncWrite",
    SYNC_ACK: "ManagerReceiveSyncAck",
}
