"""The register's immutable state: servers, clients, network, and the ghost.

A timestamp is also the value written with it (the writer writes 1, 2, ...),
so a copy is one int. Messages are tuples (kind, client, server, op, phase, ts).
"""

from __future__ import annotations

from dataclasses import dataclass

WRITE, ACK, QUERY, REPLY = 0, 1, 2, 3
KIND_NAMES = ("WRITE", "ACK", "QUERY", "REPLY")
IDLE, WRITING, QUERYING, IMPOSING = 0, 1, 2, 3
PHASE_NAMES = ("idle", "write", "query", "impose")

Message = tuple[int, int, int, int, int, int]


@dataclass(frozen=True, slots=True)
class Client:
    phase: int = IDLE
    op: int = 0  # operations started
    ts: int = 0  # write: the timestamp written; read: the highest read so far
    answered: int = 0  # bitmask of servers that answered this phase
    snapshot: int = 0  # the ghost `linearized` when the read started
    writes_done: int = 0
    reads_done: int = 0
    answer: int | None = None  # the timestamp the last read returned


@dataclass(frozen=True, slots=True)
class State:
    stores: tuple[int, ...]  # per server, the highest timestamp it holds
    clients: tuple[Client, ...]
    network: frozenset[Message]
    linearized: int  # ghost: the highest timestamp a completed operation wrote or returned
