"""Symmetry of the token model: renaming interchangeable nodes.

Two nodes are interchangeable when nothing in the initial state or in the
rules tells them apart:

- servers of the same faultiness (the faulty ones are the first f);
- clients that start owning the same tokens, which for distinct tokens
  means clients that start owning none (with tokens=1, clients=3: c2, c3);
- a node named by the scenario (`workload` as actor or target,
  `transforms`) is fixed: the scenario tells it apart.

A permutation of node ids within these classes maps initial state to
initial state and successors to successors (every guard and update reads
ids only through equality, the faulty set and the scenario, all preserved),
and every property is a claim about all nodes or all copies, so it holds of
a state exactly when it holds of its renaming. Renaming a state renames
every id inside it consistently: node positions, the configuration's
servers, owners in stores, buffers and messages, payees and owners of
pending operations, bitmasks of the servers that answered, message ends.

`canonical(state)` is the renaming of `state` with the smallest *form*,
a Zobrist hash of the renamed state (the exclusive or of one term per
part: each node with its position, each message, ...), so all states of
one orbit get the same representative; `canonical_hash(state)` is that
smallest form with the term of the parts no renaming changes, computed
without building any renamed state (`_Digests`), and incrementally: the
engine names the state it expands (`expanding`), and a successor's parts
that are its parent's, as objects, cost no hashing. It tells classes apart
as `hash` tells states apart, a little less sharply: the smallest of k
63-bit values is less spread than one 64-bit hash, so two classes collide
2k**2 / (2k - 1) times as often (`collision_factor`: 2.7 for a group of
two, 6.5 for six), and the engine's estimate is scaled by it. It is not
`hash(canonical(state))`, which the engine never needs. The group is the
product of the classes' symmetric groups: at most 3! * 2! = 12 elements
for the configurations the checker can finish (larger groups sort by
signatures, `_Sorter`); a model whose group is trivial gets no
`canonical` at all, so symmetry costs it nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import permutations, product
from typing import Any

from spec.tokens.params import Params
from spec.tokens.state import (
    READ_REPLY,
    SYNC_STATE,
    SYNC_WRITE,
    WRITE,
    Answer,
    Client,
    Manager,
    Server,
    State,
    new_client,
    new_server,
)

Renaming = tuple[int, ...]  # new id per old id; the manager's id maps to itself


def interchangeable_classes(params: Params) -> list[list[int]]:
    """The classes of node ids that may be permuted (each of size >= 2)."""
    fixed: set[int] = set()
    if params.workload is not None:
        for node, script in enumerate(params.workload):
            if script:
                fixed.add(node)
                fixed.update(target for _, _, target in script)
    if params.transforms is not None:
        fixed.update(params.transforms)
    owners = {params.initial_owner(t) for t in range(params.tokens)}
    free = [i for i in range(params.nodes) if i not in fixed]
    groups: dict[tuple[bool, bool, bool], list[int]] = {}
    for i in free:
        is_server = i < params.servers
        key = (is_server, params.is_faulty(i), not is_server and i in owners)
        groups.setdefault(key, []).append(i)
    classes = [ids for (is_server, _, owns), ids in groups.items() if is_server or not owns]
    return [c for c in sorted(classes) if len(c) >= 2]


def renamings(params: Params) -> list[Renaming]:
    """Every non-identity permutation of the group, as id maps."""
    classes = interchangeable_classes(params)
    identity = tuple(range(params.nodes + 1))
    result = []
    for choice in product(*(permutations(c) for c in classes)):
        mapping = list(identity)
        for cls, image in zip(classes, choice, strict=True):
            for old, new in zip(cls, image, strict=True):
                mapping[old] = new
        if tuple(mapping) != identity:
            result.append(tuple(mapping))
    return result


def canonical_form(
    params: Params, key: Callable[[Any], int] = hash
) -> tuple[Callable[[State], State], Callable[[State], int]] | None:
    """The canonical-representative function of this configuration and a
    fingerprint of the class (equal for two states exactly when their
    canonical forms are equal, but for 64-bit collisions), or None when no
    two nodes are interchangeable. `key` hashes the parts the forms are made
    of, so with a key that is the same in every process (not `hash`:
    hash(None) is an address on Python 3.11) every process picks the same
    representative and the same fingerprint."""
    found = symmetry_of(params, key)
    return None if found is None else (found.canonical, found.canonical_hash)


def symmetry_of(params: Params, key: Callable[[Any], int] = hash) -> _Digests | _Sorter | None:
    """The object behind `canonical_form`: a `_Digests` also takes the
    engine's hint `expanding`."""
    classes = interchangeable_classes(params)
    if not classes:
        return None
    group = renamings(params)
    if len(group) + 1 > _SORT_ABOVE:
        return _Sorter(params, classes, key)
    return _Digests([tuple(range(params.nodes + 1)), *group], key)


def collision_factor(group_size: int) -> float:
    """How many times likelier two classes' canonical hashes collide than
    two 64-bit `hash` values, for a group of `group_size` renamings
    (identity included): the smallest of k uniform 63-bit forms has density
    k(1 - x)**(k - 1), so two such minima meet with probability
    k**2 / (2k - 1) / 2**63, that is 2k**2 / (2k - 1) times 1 / 2**64. A
    state that some renamings fix has fewer distinct forms, and a smaller
    factor: this bounds it. `_Sorter` takes the smallest hash among the
    renamings left after sorting, at most the whole group."""
    return 2 * group_size * group_size / (2 * group_size - 1)


# Sorting by signatures pays only for large groups: measured per state of S4
# (order 6) 102 us sorted vs 94 us trying every renaming, S1 (order 2) 43 vs
# 18 us, 4 correct servers (order 24) 209 vs 460 us.
_SORT_ABOVE = 6


class _Digests:
    """Canonical hashes over the whole group, for small groups, with no
    renamed state built. Each renaming g gets a Zobrist hash of the renamed
    state g(s): the exclusive or of one term per part (each node with its
    position and `started` count, each message, the configuration's servers
    with the manager), each term the key of the renamed part. The smallest
    of these is the same for every state of an orbit (the orbit's states
    have the same set of renamings), and with the parts no renaming changes
    it is the class's fingerprint. `canonical` builds the renaming that
    reaches it.

    A part's terms, one per renaming, are computed once per part value.
    The engine names each state it expands (`expanding`) before it
    fingerprints that state's successors, which share all but one or two of
    its nodes and a message or two with it, as objects: those parts are
    found by identity, with no hashing, so a successor's fingerprint hashes
    only the parts its step made, where the whole state's `hash` would hash
    every part again."""

    def __init__(self, group: list[Renaming], key: Callable[[Any], int]) -> None:
        self.group = group  # the identity first
        self.key = key
        self.builtin = key is hash
        nodes = len(group[0]) - 1
        # Per position, where each renaming moves the node there.
        self.images: list[tuple[int, ...]] = [tuple([pi[i] for pi in group]) for i in range(nodes)]
        # Per part value, its terms, one per renaming in `group`'s order; a
        # node's per position and count (a slot); a table per kind of part.
        self.node_terms: dict[Any, dict[int, tuple[int, ...]]] = {}
        self.message_terms: dict[Any, tuple[int, ...]] = {}
        self.other_terms: dict[Any, tuple[int, ...]] = {}
        # The parts of the state expanded last: its node and count per
        # position, its network, and their terms.
        self.parent_nodes: list[Any] = [None] * nodes
        self.parent_counts: list[int] = [-1] * nodes
        self.parent_terms: list[tuple[int, ...]] = [()] * nodes
        self.parent_network: tuple[Any, ...] = ()
        self.parent_message_terms: list[tuple[int, ...]] = []
        # The servers and manager met last (successors share their parent's).
        self.last_servers: tuple[int, ...] | None = None
        self.last_manager: Manager | None = None
        self.last_other: tuple[int, ...] = ()
        self.last_linearized: tuple[int, ...] | None = None
        self.last_epoch = self.last_reconfigs = self.last_fixed = 0
        self.caches: list[tuple[dict[Any, Any], dict[Any, Any]]] = [({}, {}) for _ in group]

    def _term(self, part: Any) -> int:
        # 63 bits, signed: exclusive ors of these stay small ints, which
        # compiled code computes without allocating.
        return self.key(part) >> 1

    def _node_terms(self, node: Server | Client, i: int, count: int) -> tuple[int, ...]:
        """The terms of `node` at position i with `count` operations started."""
        slots = self.node_terms.get(node)
        if slots is None:
            slots = self.node_terms[node] = {}
        slot = i * _SLOTS_PER_POSITION + count
        found = slots.get(slot)
        if found is None:
            images = self.images[i]
            found = slots[slot] = tuple(
                [
                    self._term((images[g], count, _rename_node(node, pi)))
                    for g, pi in enumerate(self.group)
                ]
            )
        return found

    def _message_terms(self, m: tuple[Any, ...]) -> tuple[int, ...]:
        found = self.message_terms.get(m)
        if found is None:
            found = self.message_terms[m] = tuple(
                [self._term(_rename_message(m, pi)) for pi in self.group]
            )
        return found

    def _network_terms(self, network: tuple[Any, ...]) -> list[tuple[int, ...]]:
        """The terms of every message. A successor's network is its parent's
        (sorted the same way) less a message or a few, plus a few: walked
        side by side, the parent's messages are found by identity."""
        parent, parent_terms = self.parent_network, self.parent_message_terms
        found: list[tuple[int, ...]] = []
        j = 0
        for m in network:
            # The next parent message, or one of the two after it (those
            # before were removed); else a message the step made.
            k = j
            while k < len(parent) and k < j + 3 and parent[k] is not m:
                k += 1
            if k < len(parent) and k < j + 3:
                found.append(parent_terms[k])
                j = k + 1
            else:
                found.append(self._message_terms(m))
        return found

    def _other_terms(self, s: State) -> tuple[int, ...]:
        """The terms of the configuration's servers and the manager together."""
        servers, mgr = s[1], s[3]
        if servers is self.last_servers and mgr is self.last_manager:
            return self.last_other
        both = (servers, mgr)
        found = self.other_terms.get(both)
        if found is None:
            found = self.other_terms[both] = tuple(
                [
                    self._term(
                        (
                            _rename_set(servers, pi),
                            None if mgr is None else _rename_manager(mgr, pi),
                        )
                    )
                    for pi in self.group
                ]
            )
        self.last_servers, self.last_manager, self.last_other = servers, mgr, found
        return found

    def expanding(self, s: State) -> None:
        """Remember the parts of `s`: its successors are fingerprinted next.
        A hint only: every answer is the same without it, or with another state."""
        nodes, started = s.nodes, s.started
        for i in range(len(nodes)):
            node = nodes[i]
            count: int = started[i]
            if node is not self.parent_nodes[i] or count != self.parent_counts[i]:
                self.parent_terms[i] = self._node_terms(node, i, count)
                self.parent_nodes[i] = node
                self.parent_counts[i] = count
        # Walked against the state expanded before: often a sibling, which
        # shares most of its messages, as objects.
        network = s[4]
        self.parent_message_terms = self._network_terms(network)
        self.parent_network = network

    def _part_terms(self, s: State) -> list[tuple[int, ...]]:
        """The terms of every part of `s` but the fixed ones."""
        found = [self._other_terms(s)]
        nodes, started = s[2], s[6]
        parent_nodes, parent_counts = self.parent_nodes, self.parent_counts
        for i in range(len(nodes)):
            node = nodes[i]
            count: int = started[i]
            if node is parent_nodes[i] and count == parent_counts[i]:
                found.append(self.parent_terms[i])
            else:
                found.append(self._node_terms(node, i, count))
        found.extend(self._network_terms(s[4]))
        return found

    def forms(self, s: State) -> list[int]:
        """The Zobrist hash of every renaming of `s`, in `group`'s order."""
        parts = self._part_terms(s)
        forms = []
        for g in range(len(self.group)):
            form = 0  # one renaming at a time: an int local, never boxed
            for terms in parts:
                form ^= terms[g]
            forms.append(form)
        return forms

    def _smallest2(self, s: State) -> int:
        """The smallest form of a group of two (the identity and one swap):
        `forms` in two int locals, since a list boxes each form, and the
        state's fields by index (compiled, a NamedTuple's attribute is a
        lookup by name)."""
        other = self._other_terms(s)
        a: int = other[0]
        b: int = other[1]
        nodes = s[2]
        started = s[6]
        parent_nodes, parent_counts = self.parent_nodes, self.parent_counts
        for i in range(len(nodes)):
            node = nodes[i]
            count: int = started[i]
            if node is parent_nodes[i] and count == parent_counts[i]:
                terms = self.parent_terms[i]
            else:
                terms = self._node_terms(node, i, count)
            a ^= terms[0]
            b ^= terms[1]
        # `_network_terms` inlined: no list a successor.
        parent, parent_terms = self.parent_network, self.parent_message_terms
        j = 0
        for m in s[4]:
            k = j
            while k < len(parent) and k < j + 3 and parent[k] is not m:
                k += 1
            if k < len(parent) and k < j + 3:
                terms = parent_terms[k]
                j = k + 1
            else:
                terms = self._message_terms(m)
            a ^= terms[0]
            b ^= terms[1]
        return a if a < b else b

    def canonical_hash(self, s: State) -> int:
        best = self._smallest2(s) if len(self.group) == 2 else min(self.forms(s))
        return best ^ self._fixed_term(s)

    def _fixed_term(self, s: State) -> int:
        """The term of the parts no renaming changes (a successor shares its
        parent's, mostly)."""
        epoch, linearized, reconfigs = s[0], s[5], s[7]
        if (
            linearized is not self.last_linearized
            or epoch != self.last_epoch
            or reconfigs != self.last_reconfigs
        ):
            self.last_fixed = self._term((epoch, linearized, reconfigs))
            self.last_linearized = linearized
            self.last_epoch, self.last_reconfigs = epoch, reconfigs
        return self.last_fixed

    def canonical(self, s: State) -> State:
        forms = self.forms(s)
        g = forms.index(min(forms))
        if g == 0:
            return s
        node_cache, message_cache = self.caches[g]
        return rename(s, self.group[g], node_cache, message_cache)


# A node's terms are kept per position and started count: slot
# position * this + count (counts are operations started, a handful).
_SLOTS_PER_POSITION = 1 << 20


class _Sorter:
    """Sort-based canonical forms. Each member x of a class gets a signature:
    its own node, its messages, who counts its answer, all read with x
    written as X and every member of any class as S. A renaming in the group
    maps a state's signatures to the same values, so sorting each class by
    signature (members with the k-th smallest signature get the class's k-th
    id) picks renamings that do not depend on which state of the orbit we
    started from. Only members with equal signatures are left to try in
    every order; the renaming with the smallest hash wins among those."""

    def __init__(
        self, params: Params, classes: list[list[int]], key: Callable[[Any], int] = hash
    ) -> None:
        self.key = key
        self.classes = classes
        self.nodes = params.nodes
        members = [x for c in classes for x in c]
        same, own = params.nodes + 1, params.nodes + 2
        base = list(range(params.nodes + 1))
        for x in members:
            base[x] = same
        # Per member: its abstraction map and caches of abstracted nodes and messages.
        self.views: dict[int, tuple[Renaming, dict[Any, Any], dict[Any, Any]]] = {}
        for x in members:
            view = list(base)
            view[x] = own
            self.views[x] = (tuple(view), {}, {})
        self.caches: dict[Renaming, tuple[dict[Any, Any], dict[Any, Any]]] = {}

    def _signatures(self, s: State) -> dict[int, int]:
        """Every member's signature, in one pass over the nodes and messages."""
        views, key = self.views, self.key
        parts: dict[int, list[int]] = {x: [] for x in views}
        nodes = s.nodes
        for x, (view, node_cache, _) in views.items():
            node = nodes[x]
            seen = node_cache.get(node)
            if seen is None:
                seen = node_cache[node] = key(_rename_node(node, view))
            parts[x].append(~seen)
        for node in nodes:
            if type(node) is Client and node.answered:
                for x, (view, node_cache, _) in views.items():
                    if node.answered >> x & 1:
                        seen = node_cache.get(node)
                        if seen is None:
                            seen = node_cache[node] = key(_rename_node(node, view))
                        parts[x].append(seen)
        for m in s.network:
            for x in (m[1], m[2]):
                entry = views.get(x)
                if entry is not None:
                    message_cache = entry[2]
                    seen = message_cache.get(m)
                    if seen is None:
                        seen = message_cache[m] = key(_rename_message(m, entry[0]))
                    parts[x].append(seen)
        mgr = s.manager
        result = {}
        for x, found in parts.items():
            found.sort()
            manager = (
                None
                if mgr is None
                else (mgr.target == x, mgr.answered >> x & 1, x in mgr.servers, mgr.phase)
            )
            result[x] = key((tuple(found), s.started[x], x in s.servers, manager))
        return result

    def _candidates(self, s: State) -> list[Renaming]:
        choices: list[list[list[tuple[int, int]]]] = []
        signature = self._signatures(s)
        for cls in self.classes:
            signed = sorted((signature[x], x) for x in cls)
            keys = [key for key, _ in signed]
            ranked = [x for _, x in signed]
            # Runs of equal signatures may go in any order.
            runs: list[list[tuple[int, int]]] = []
            start = 0
            for k in range(1, len(ranked) + 1):
                if k == len(ranked) or keys[k] != keys[start]:
                    slots = cls[start:k]
                    runs.append(
                        [(old, new) for old, new in zip(ranked[start:k], slots, strict=True)]
                    )
                    start = k
            choices.append(runs)
        result: list[Renaming] = []
        per_run = [
            [
                list(zip((o for o, _ in run), perm, strict=True))
                for perm in permutations([n for _, n in run])
            ]
            for runs in choices
            for run in runs
        ]
        for combo in product(*per_run):
            mapping = list(range(self.nodes + 1))
            for pairs in combo:
                for old, new in pairs:
                    mapping[old] = new
            result.append(tuple(mapping))
        return result

    def _renamed(self, s: State, pi: Renaming) -> State:
        if all(pi[i] == i for i in range(self.nodes)):
            return s
        caches = self.caches.get(pi)
        if caches is None:
            caches = self.caches[pi] = ({}, {})
        return rename(s, pi, caches[0], caches[1])

    def canonical(self, s: State) -> State:
        best: State | None = None
        best_hash = 0
        for pi in self._candidates(s):
            other = self._renamed(s, pi)
            h = self.key(other)
            if best is None or h < best_hash:
                best, best_hash = other, h
        assert best is not None
        return best

    def canonical_hash(self, s: State) -> int:
        return min(self.key(self._renamed(s, pi)) for pi in self._candidates(s))


def rename(
    s: State,
    pi: Renaming,
    node_cache: dict[Any, Any] | None = None,
    message_cache: dict[Any, Any] | None = None,
) -> State:
    """`s` with every node id x replaced by pi[x]. The caches, if given,
    must belong to this pi."""
    if node_cache is None:
        node_cache = {}
    if message_cache is None:
        message_cache = {}
    nodes: list[Any] = [None] * len(s.nodes)
    for i, node in enumerate(s.nodes):
        renamed = node_cache.get(node)
        if renamed is None:
            renamed = node_cache[node] = _rename_node(node, pi)
        nodes[pi[i]] = renamed
    started = [0] * len(s.started)
    for i, count in enumerate(s.started):
        started[pi[i]] = count
    mgr = s.manager
    if mgr is not None:
        mgr = _rename_manager(mgr, pi)
    messages = []
    for m in s.network:
        renamed = message_cache.get(m)
        if renamed is None:
            renamed = message_cache[m] = _rename_message(m, pi)
        messages.append(renamed)
    messages.sort()
    return State(
        s.epoch,
        _rename_set(s.servers, pi),
        tuple(nodes),
        mgr,
        tuple(messages),
        s.linearized,
        tuple(started),
        s.reconfigs,
    )


def _rename_part(part: Any, pi: Renaming) -> Any:
    """A message, the manager or a node, renamed."""
    if type(part) is tuple:
        return _rename_message(part, pi)
    if type(part) is Manager:
        return _rename_manager(part, pi)
    return _rename_node(part, pi)


def _rename_manager(mgr: Manager, pi: Renaming) -> Manager:
    return Manager(
        mgr.phase,
        pi[mgr.target],
        _rename_set(mgr.servers, pi),
        _rename_mask(mgr.answered, pi),
        _rename_store(mgr.merged, pi),
    )


def _rename_set(ids: tuple[int, ...], pi: Renaming) -> tuple[int, ...]:
    return tuple(sorted(pi[x] for x in ids))


def _rename_mask(mask: int, pi: Renaming) -> int:
    out = 0
    i = 0
    while mask:
        if mask & 1:
            out |= 1 << pi[i]
        mask >>= 1
        i += 1
    return out


def _rename_store(store: Any, pi: Renaming) -> Any:
    if store is None:
        return None
    return tuple(None if e is None else (e[0], pi[e[1]]) for e in store)


def _rename_values(values: tuple[tuple[int, int, int], ...], pi: Renaming) -> Any:
    return tuple((t, v, pi[o]) for t, v, o in values)


def _rename_node(node: Server | Client, pi: Renaming) -> Server | Client:
    if isinstance(node, Server):
        return new_server(node.epoch, _rename_store(node.store, pi))
    op = node.op
    if op is not None:
        op = (op[0], op[1], pi[op[2]])
    snapshot = node.snapshot
    answer = node.answer  # the answer names owners too (issue 16)
    if answer is not None:
        answer = Answer(answer.kind, _rename_values(answer.values, pi))
    return new_client(
        node.phase,
        op,
        node.epoch,
        node.needed,
        _rename_mask(node.answered, pi),
        _rename_values(node.values, pi),
        snapshot,
        node.mixed,
        answer,
    )


def _rename_message(m: tuple[Any, ...], pi: Renaming) -> tuple[Any, ...]:
    kind, src, dst, client, opnum, phase, epoch, payload = m
    if kind in (READ_REPLY, WRITE):
        payload = _rename_values(payload, pi)
    elif kind == SYNC_STATE:
        payload = _rename_store(payload, pi)
    elif kind == SYNC_WRITE:
        payload = (_rename_set(payload[0], pi), _rename_store(payload[1], pi))
    return (kind, pi[src], pi[dst], pi[client], opnum, phase, epoch, payload)
