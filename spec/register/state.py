"""The register's immutable state: servers, clients, network, and the ghost.

A write is named by its `Value`: the writer and its write counter, so two
writes never share a value. Its `Stamp` is what servers order by: (counter,
writer) in the protocol, so stamps are unique too; the `no-writer-id` mutant
drops the writer from the stamp, and two writes can then share one.

    >>> Copy((1, 2), (1, 2)) < Copy((2, 0), (2, 1))
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

Stamp = tuple[int, int]  # (counter, writer id or 0); compared lexicographically
Value = tuple[int, int]  # (counter, writer id): which write this is; (0, 0) the initial value


class Copy(NamedTuple):
    """A stamped value, as a server stores it and messages carry it."""

    stamp: Stamp
    value: Value


INITIAL = Copy((0, 0), (0, 0))


class Kind(IntEnum):
    WRITE = 0  # client -> server: store this copy if its stamp is higher
    ACK = 1  # server -> client: the write is applied (or superseded)
    QUERY = 2  # client -> server: send me your copy
    REPLY = 3  # server -> client: my copy


class Phase(IntEnum):
    IDLE = 0
    WRITE_QUERY = 1  # (N,N) write: find the highest counter on a quorum
    WRITING = 2
    QUERYING = 3  # read: find the highest copy on a quorum
    IMPOSING = 4  # read: write the copy it will return back to a quorum


class Answer(NamedTuple):
    """What an operation returned: a read its copy, a write the copy it wrote."""

    read: bool
    copy: Copy


class Message(NamedTuple):
    kind: Kind
    client: int
    server: int
    op: int  # the client's operation number: replies to an older one are dead
    phase: Phase
    copy: Copy  # WRITE and REPLY: the copy; QUERY and ACK: INITIAL (unused)


@dataclass(frozen=True, slots=True)
class Client:
    phase: Phase = Phase.IDLE
    op: int = 0  # operations started
    copy: Copy = INITIAL  # writing: the copy written; querying: the highest read so far
    answered: int = 0  # bitmask of servers that answered this phase
    snapshot: Copy = INITIAL  # the ghost `linearized` when the operation started
    writes_done: int = 0
    reads_done: int = 0
    answer: Answer | None = None  # what the last operation returned


@dataclass(frozen=True, slots=True)
class State:
    stores: tuple[Copy, ...]  # per server, the copy with the highest stamp it has seen
    clients: tuple[Client, ...]
    network: frozenset[Message]
    # Ghost: the copy of the completed operation with the highest stamp (ties keep the
    # first); every later operation must return, or write, at least this.
    linearized: Copy
