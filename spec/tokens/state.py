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
_bisect_left: Final = bisect_left  # Final: no dict lookup a call (see SERVER_CLASS)


# The steps build these tuples millions of times, and a NamedTuple's own
# `__new__` is Python code (a frame a call). These do the same with one
# `tuple.__new__` and are compiled with this module: Client(...) costs
# about a third. Same fields, defaults and values
# (tests/spec/tokens/test_state_tuples.py); compiled, `inspect.signature`
# no longer shows the fields (nothing here reads it: `_fields` and
# `_field_defaults` are intact).
def _server_new(cls: type, epoch: int, store: Store | None) -> Any:
    return new_server(epoch, store)  # the one layout of a Server (cls is Server)


def _client_new(cls: type, *fields: Any, **named: Any) -> Any:
    # `new_client` holds the fields and their defaults; a wrong call fails there.
    return new_client(*fields, **named)


def _manager_new(
    cls: type,
    phase: int,
    target: int,
    servers: tuple[int, ...],
    answered: int,
    merged: Store | None,
) -> Any:
    return _tuple_new(cls, (phase, target, servers, answered, merged))


def _state_new(
    cls: type,
    epoch: int,
    servers: tuple[int, ...],
    nodes: tuple[Server | Client, ...],
    manager: Manager | None,
    network: tuple[Message, ...],
    linearized: tuple[int, ...],
    started: tuple[int, ...],
    reconfigs: int,
) -> Any:
    return _tuple_new(
        cls, (epoch, servers, nodes, manager, network, linearized, started, reconfigs)
    )


for _cls, _new in (
    (Server, _server_new),
    (Client, _client_new),
    (Manager, _manager_new),
    (State, _state_new),
):
    _cls.__new__ = staticmethod(_new)  # type: ignore[method-assign]


# The classes as compiled-in constants: compiled code looks a plain global
# name (`State`, `Client`) up in its module's dict at every use, a Final one
# not. The hot paths test `type(x) is SERVER_CLASS` and build with these.
SERVER_CLASS: Final = Server
CLIENT_CLASS: Final = Client
STATE_CLASS: Final = State


def new_server(epoch: int, store: Store | None) -> Server:
    """`Server(epoch, store)`, called directly: the class call goes through
    `__new__`'s Python calling convention first."""
    server: Server = _tuple_new(SERVER_CLASS, (epoch, store))
    return server


def new_client(
    phase: int,
    op: tuple[int, int, int] | None,
    epoch: int,
    needed: int,
    answered: int,
    values: tuple[Value, ...],
    snapshot: tuple[int, ...] | None,
    mixed: int = 0,
    answer: Answer | None = None,
) -> Client:
    """`Client(...)`, called directly (see `new_server`)."""
    client: Client = _tuple_new(
        CLIENT_CLASS, (phase, op, epoch, needed, answered, values, snapshot, mixed, answer)
    )
    return client


def evolve(s: State, nodes: tuple[Server | Client, ...], network: tuple[Message, ...]) -> State:
    """`s` with new nodes and network: most steps change just these, and
    building the tuple directly costs a third of `_replace`."""
    return _tuple_new(STATE_CLASS, (s[0], s[1], nodes, s[3], network, s[5], s[6], s[7]))


def completed(s: State, nodes: tuple[Server | Client, ...], linearized: tuple[int, ...]) -> State:
    """`s` with new nodes and linearized: an operation's last step."""
    return _tuple_new(STATE_CLASS, (s[0], s[1], nodes, s[3], s[4], linearized, s[6], s[7]))


def started_operation(
    s: State,
    nodes: tuple[Server | Client, ...],
    network: tuple[Message, ...],
    started: tuple[int, ...],
) -> State:
    """`s` with new nodes, network and operations started: an operation's
    first step (built directly, as `evolve` is)."""
    return _tuple_new(STATE_CLASS, (s[0], s[1], nodes, s[3], network, s[5], started, s[7]))


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
    return _tuple_new(STATE_CLASS, (epoch, servers, nodes, None, network, s[5], s[6], reconfigs))


def popcount(mask: int) -> int:
    return mask.bit_count()


def merge_store(base: Store | None, other: Store | None) -> Store | None:
    """Highest version per token; None entries (missing tokens) lose. When
    `other` adds nothing, `base` itself (the same object: a later identity
    test, as in StoreMonotone, is then enough)."""
    if base is None or base is other:
        return other
    if other is None:
        return base
    if len(base) != len(other):
        raise ValueError("stores of different lengths")  # what zip(strict=True) said
    merged: list[tuple[int, int] | None] | None = None
    for t in range(len(other)):
        b, o = base[t], other[t]
        if o is not None and (b is None or b[0] < o[0]):
            if merged is None:
                merged = list(base)
            merged[t] = o
    return base if merged is None else tuple(merged)


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
    """The network with `new` added, kept sorted and free of duplicates.
    Each message goes in by bisection: a few comparisons, where a set would
    hash every message of the network."""
    if len(new) == 1:
        m = new[0]
        i = _bisect_left(network, m)
        if i < len(network) and network[i] == m:
            return network
        out = list(network)  # compiled, cheaper than (*network[:i], m, *network[i:])
        out.insert(i, m)
        return tuple(out)
    if not new:
        return network
    out = list(network)
    for m in new:
        i = _bisect_left(out, m)
        if i == len(out) or out[i] != m:
            out.insert(i, m)
    return tuple(out)


def without_message(network: tuple[Message, ...], m: Message) -> tuple[Message, ...]:
    # A delivered message is, nearly always, the very object of the state's
    # network (`enabled_actions` took it from there): find it by identity
    # before comparing tuples.
    for i in range(len(network)):
        if network[i] is m:
            return network[:i] + network[i + 1 :]
    i = network.index(m)
    return network[:i] + network[i + 1 :]


def without_tag(
    network: tuple[Message, ...], kinds: frozenset[int], tag: tuple[int, int, int, int]
) -> tuple[Message, ...]:
    """The network less the messages of these kinds carrying this phase tag:
    the dead messages of a completed or restarted phase."""
    client, opnum, phase, epoch = tag
    return tuple(
        m
        for m in network
        if not (
            m[0] in kinds and m[3] == client and m[4] == opnum and m[5] == phase and m[6] == epoch
        )
    )
