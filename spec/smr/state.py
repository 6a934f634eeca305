"""The SMR model's immutable state: replicas, clients, per-link FIFO queues
and the ghost record of what clients sent.

A timestamp is a Lamport clock with the client's index as tiebreak: the pair
(clock, client), compared as a tuple. Ghost `seen` vectors (per client, how
many of its requests lie in a process's causal past) ride on every message
so that CausalOrder can say what happened before what; the protocol never
reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

Stamp = tuple[int, int]  # (clock, client)
Vector = tuple[int, ...]  # ghost: per client, requests in the causal past


class Kind(IntEnum):
    REQUEST = 0
    NULL = 1
    CRASH = 2  # the failure detector's notice that the client has crashed: last on its link


class Message(NamedTuple):
    """A message on a client->replica link."""

    kind: Kind
    clock: int
    seq: int  # the request's number at its client (1, 2, ...); 0 for NULL and CRASH
    seen: Vector


class Reply(NamedTuple):
    """A replica's answer to request `seq`, stamped with the replica's clock."""

    seq: int
    clock: int
    seen: Vector


class Pending(NamedTuple):
    clock: int
    client: int
    seq: int  # 0: a null message (kept only when skip_nulls is off)


class Request(NamedTuple):
    """Ghost: a request as its client sent it, and its causal past then."""

    clock: int
    deps: Vector


@dataclass(frozen=True, slots=True)
class Replica:
    live: bool
    heard: tuple[int, ...]  # per client, the clock of the last message received (0: none)
    gone: tuple[bool, ...]  # per client, its crash notice has arrived
    pending: tuple[Pending, ...]  # received, not applied, in the order of application
    log: tuple[Stamp, ...]  # applied, in order
    seen: Vector  # ghost


@dataclass(frozen=True, slots=True)
class Client:
    live: bool
    clock: int
    sent: int  # requests sent
    answered: int  # requests answered (the first reply counts)
    last: int  # clock of the last message it sent (0: none)
    seen: Vector  # ghost


@dataclass(frozen=True, slots=True)
class State:
    replicas: tuple[Replica, ...]
    clients: tuple[Client, ...]
    links: tuple[tuple[tuple[Message, ...], ...], ...]  # links[c][r]: client c -> replica r
    replies: tuple[tuple[tuple[Reply, ...], ...], ...]  # replies[r][c]: replica r -> client c
    requests: tuple[tuple[Request, ...], ...]  # ghost: per client, the requests it sent


def join(a: Vector, b: Vector) -> Vector:
    return tuple(map(max, a, b))


def sent_stamps(s: State) -> set[Stamp]:
    return {(r.clock, c) for c, reqs in enumerate(s.requests) for r in reqs}
