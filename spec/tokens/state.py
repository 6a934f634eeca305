"""The model's state: immutable, hashable tuples of small ints.

A state is the configuration, every node's local state (indexed by node id:
servers s1..sn first, then clients c1..cK), the manager, the network (a
sorted tuple of distinct in-flight messages, i.e. a set in a deterministic
order), the ghost `linearized[t]`, the operations each node has started, and
the changes started. Names never appear inside a state: ints hash the same in
every process, so enumeration order and counterexamples are reproducible.

A message is a flat tuple
    (kind, src, dst, client, opnum, phase, epoch, payload)
whose middle four fields are its phase tag. Manager messages use
client = MANAGER, opnum = the change's number, phase = SYNC.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any, Final, NamedTuple

# Message kinds, in PROTOCOL.md's vocabulary. Final: compiled code inlines them.
READ: Final = 0
READ_REPLY: Final = 1
WRITE: Final = 2
WRITE_ACK: Final = 3
SYNC_READ: Final = 4
SYNC_STATE: Final = 5
SYNC_WRITE: Final = 6
SYNC_ACK: Final = 7
KIND_NAMES: Final = (
    "READ",
    "READ_REPLY",
    "WRITE",
    "WRITE_ACK",
    "SYNC_READ",
    "SYNC_STATE",
    "SYNC_WRITE",
    "SYNC_ACK",
)
TO_SERVER: Final = frozenset((READ, WRITE, SYNC_READ, SYNC_WRITE))

# Client phases; a message's phase tag uses the same numbers.
IDLE: Final = 0
PHASE_READ: Final = 1
PHASE_WRITE: Final = 2
PHASE_WRITE_BACK: Final = 3
SYNC: Final = 4
PHASE_NAMES: Final = ("idle", "read", "write", "write-back", "sync")

# Operation kinds (same numbers as spec.scenario).
PAY: Final = 0
GETTOKENS: Final = 1

# Answer kinds: OK(v), NOT_OWNER(v, o), TOKENS(the tokens the owner holds).
OK: Final = 0
NOT_OWNER: Final = 1
TOKENS: Final = 2
ANSWER_NAMES: Final = ("OK", "NOT_OWNER", "TOKENS")

# Manager phases.
MANAGER_SYNC_READ: Final = 1
MANAGER_SYNC_WRITE: Final = 2

Message = tuple[Any, ...]  # (kind, src, dst, client, opnum, phase, epoch, payload)
Value = tuple[int, int, int]  # (token, version, owner)
# Per token: (version, owner), or None where a token is missing.
Store = tuple[tuple[int, int] | None, ...]


class Server(NamedTuple):
    epoch: int
    store: Store | None  # None: a joiner still waiting for its SYNC_WRITE


class Answer(NamedTuple):
    """What an operation returns, fixed when its READ phase completes.

    `values` are (token, version, owner): OK names the version it wrote
    (owned by the payee), NOT_OWNER the version read and its owner, TOKENS
    every token it lists. Ints only, so a state holding one hashes alike
    in every process."""

    kind: int
    values: tuple[Value, ...]


class Client(NamedTuple):
    phase: int
    op: tuple[int, int, int] | None  # (PAY, token, payee) or (GETTOKENS, 0, owner)
    epoch: int  # the epoch of the configuration this phase uses
    needed: int  # answers this phase waits for: q(n) of that configuration
    answered: int  # bitmask of the servers that answered this phase
    values: tuple[Value, ...]  # best read so far, or what this phase writes
    snapshot: tuple[int, ...] | None  # linearized[t] at invocation, until the read completes
    # fast-read variant only (else always 0): bit t set when the replies so far
    # disagree on token t's version, so its write-back cannot be skipped
    mixed: int = 0
    # The answer, from the step that completes the READ phase until the
    # operation returns it. In the write and write-back phases it is a
    # function of `op` and `values`, so keeping it adds no state.
    answer: Answer | None = None


IDLE_CLIENT: Final = Client(IDLE, None, 0, 0, 0, (), None)


class Manager(NamedTuple):
    phase: int
    target: int  # the node whose role changes
    servers: tuple[int, ...]  # the new configuration's servers
    answered: int  # bitmask
    merged: Store | None  # highest version per token over the SYNC_STATEs so far


class State(NamedTuple):
    epoch: int
    servers: tuple[int, ...]  # the installed configuration, sorted node ids
    nodes: tuple[Server | Client, ...]
    manager: Manager | None
    network: tuple[Message, ...]
    linearized: tuple[int, ...]
    started: tuple[int, ...]  # operations started, per node
    reconfigs: int  # changes started


_tuple_new: Final = tuple.__new__


def evolve(s: State, nodes: tuple[Server | Client, ...], network: tuple[Message, ...]) -> State:
    """`s` with new nodes and network: most steps change just these, and
    building the tuple directly costs a third of `_replace`."""
    return _tuple_new(State, (s[0], s[1], nodes, s[3], network, s[5], s[6], s[7]))


def completed(s: State, nodes: tuple[Server | Client, ...], linearized: tuple[int, ...]) -> State:
    """`s` with new nodes and linearized: an operation's last step."""
    return _tuple_new(State, (s[0], s[1], nodes, s[3], s[4], linearized, s[6], s[7]))


def installed(
    s: State,
    epoch: int,
    servers: tuple[int, ...],
    nodes: tuple[Server | Client, ...],
    network: tuple[Message, ...],
    reconfigs: int,
) -> State:
    """`s` after a role change is installed (no change under way): built
    directly, as `evolve` is, since `_replace` costs about three times as much."""
    return _tuple_new(State, (epoch, servers, nodes, None, network, s[5], s[6], reconfigs))


def popcount(mask: int) -> int:
    return mask.bit_count()


def merge_store(base: Store | None, other: Store | None) -> Store | None:
    """Highest version per token; None entries (missing tokens) lose."""
    if base is None:
        return other
    if other is None:
        return base
    return tuple(
        b if o is None or (b is not None and b[0] >= o[0]) else o
        for b, o in zip(base, other, strict=True)
    )


def disagreeing(best: tuple[Value, ...], reply: tuple[Value, ...]) -> int:
    """Bitmask of the tokens on which `reply` and the replies so far (`best`)
    differ in version; none for the first reply."""
    mask = 0
    for b, r in zip(best, reply, strict=False):
        if b[1] != r[1]:
            mask |= 1 << b[0]
    return mask


def merge_values(best: tuple[Value, ...], reply: tuple[Value, ...]) -> tuple[Value, ...]:
    """A client's best values after one more reply: the higher version wins,
    the first one seen wins a tie."""
    if not best:
        return reply
    return tuple(b if b[1] >= r[1] else r for b, r in zip(best, reply, strict=True))


def with_messages(network: tuple[Message, ...], new: list[Message]) -> tuple[Message, ...]:
    """The network with `new` added, kept sorted and free of duplicates."""
    if len(new) == 1:
        m = new[0]
        i = bisect_left(network, m)
        if i < len(network) and network[i] == m:
            return network
        return (*network[:i], m, *network[i:])
    if not new:
        return network
    return tuple(sorted(set(network).union(new)))


def without_message(network: tuple[Message, ...], m: Message) -> tuple[Message, ...]:
    i = network.index(m)
    return network[:i] + network[i + 1 :]


def without_tag(
    network: tuple[Message, ...], kinds: frozenset[int], tag: tuple[int, int, int, int]
) -> tuple[Message, ...]:
    """The network less the messages of these kinds carrying this phase tag:
    the dead messages of a completed or restarted phase."""
    return tuple(m for m in network if not (m[0] in kinds and m[3:7] == tag))
