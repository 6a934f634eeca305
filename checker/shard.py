"""One shard of a partitioned breadth-first search: the transport-free half.

The visited set is split by fingerprint among N shards; shard k owns the
states whose fingerprint routes to k (`route`). Each shard holds its part of
the frontier and expands it; every successor goes, as a fingerprint and a
*key*, to its owner. A key names a transition: `sid << 20 | action index`,
where sid is the parent's global id. Keys order transitions exactly as the
one-process engine meets them, so the owner of a state reached several times
in a level keeps the smallest key, and the coordinator (`checker.parallel`)
numbers the level's new states by key: the same ids, parents and action
indexes as `checker.explore`, hence the same counts and counterexamples.

A level is five calls on every shard, in order (the coordinator moves the
data between them):

1. `expand()`: successors, step properties; candidates per owner.
2. `resolve(candidates from every source)`: which are new, and which source
   sends each new state (the one with the smallest key).
3. `send_states(requests from every owner)`: those states, pickled.
4. `accept(states from every source)`: invariants, quiescence, sometimes
   properties of the new states; their keys, sorted.
5. `assign(ids)`: the coordinator's global ids for them; the shard records
   them and answers each source with the ids of the candidates it sent.
6. `fair_edges(answers from every owner)` (liveness only): the fair edges of
   the shard's frontier, with their destination ids.
"""

from __future__ import annotations

import io
import pickle
from array import array
from collections import Counter
from collections.abc import Callable
from typing import Any

from checker.coverage import kind_function
from checker.model import Model
from checker.visited import FingerprintTable

ACTION_BITS = 20  # action indexes below 2**20 per state
ACTION_MASK = (1 << ACTION_BITS) - 1

Candidates = tuple["array[int]", "array[int]"]  # fingerprints, keys
# (key, property name, detail) of a violation, or None
Violation = tuple[int, str, str] | None


def route(fp: int, shards: int) -> int:
    """The shard owning fingerprint `fp`: bits 0 and 31 mixed, where the
    table's probe mixes bits 0 and 32 (the two must not coincide, or a
    shard would use half its slots). `expand` inlines it."""
    return (fp ^ (fp >> 31)) % shards


# Pickling a NamedTuple goes through Python-level __reduce_ex__/__getnewargs__
# (55 us for a token state) and unpickling through its Python __new__. Handing
# pickle the class and the plain tuple, rebuilt by the C tuple.__new__, costs
# 6 us (measured on 5,000 S3a states).
_tuple_new = tuple.__new__


def _reduce_named_tuple(obj: tuple[Any, ...]) -> tuple[Any, ...]:
    return (_tuple_new, (type(obj), tuple(obj)))


class _Reducers(dict[type, Any]):
    def __missing__(self, cls: type) -> Any:
        if issubclass(cls, tuple) and hasattr(cls, "_fields"):
            self[cls] = _reduce_named_tuple
            return _reduce_named_tuple
        raise KeyError(cls)


_REDUCERS = _Reducers()


def dumps_states(states: list[Any]) -> bytes:
    """Pickle a batch of states, NamedTuples by their fields."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump(states)
    return buffer.getvalue()


class Shard:
    """Shard `index` of `shards`; see the module docstring."""

    def __init__(
        self,
        model: Model[Any, Any],
        index: int,
        shards: int,
        liveness: bool,
        fingerprint: Callable[[Any], int] = hash,
    ) -> None:
        self.model = model
        self.index = index
        self.shards = shards
        self.liveness = liveness
        self.fingerprint = fingerprint
        self.table = FingerprintTable()
        self.frontier: list[tuple[int, Any]] = []  # (global id, state), by id
        self.unmet = [(p.name, p.check) for p in model.sometimes]
        self.stop: Callable[[], bool] = _never
        self.kinds_done: Counter[Any] = Counter()  # action coverage of finished levels
        self.kinds_level: Counter[Any] = Counter()
        self._reset_level()

    def _reset_level(self) -> None:
        self.out_fp = [array("q") for _ in range(self.shards)]
        self.out_key = [array("q") for _ in range(self.shards)]
        self.out_state: list[list[Any]] = [[] for _ in range(self.shards)]
        # per fair transition: owner << 32 | index there, or -1 - id when known
        self.fair_ref = array("q")
        self.fair_count = array("i")  # per expanded frontier state
        self.incoming: list[Candidates] = []
        self.winners: dict[int, int] = {}  # new fp -> key << 40 | source << 32 | position
        self.answers: list[array[int]] = []  # per source: id per candidate (-1: new)
        self.new: list[tuple[int, int, Any]] = []  # (key, fp, state), by key

    def seed(self, fp: int, sid: int, state: Any) -> None:
        """Take an initial state (the coordinator checked it)."""
        self.table[fp] = sid
        self.frontier.append((sid, state))
        if self.unmet:
            self.unmet = [(n, c) for n, c in self.unmet if not c(state)]

    def expand(self) -> tuple[list[Candidates], Violation, array[int], array[int], bool]:
        """Expand the frontier: candidates per owner, the first step-property
        violation (expansion stops there), the frontier's ids and enabled
        counts (for the transitions before a violation), and whether the
        stop flag cut the level short.

        A fingerprint is sent once a level: successors repeat (a level has
        about five transitions a state), and the first candidate has the
        smallest key this shard can offer. Its state is the first concrete
        state reached, which under symmetry is the one the one-process
        engine keeps."""
        model = self.model
        actions, next_state, fingerprint = model.actions, model.next_state, self.fingerprint
        step_checks = tuple((p.name, p.check) for p in model.step_properties)
        is_fair = model.is_fair if self.liveness else None
        shards, out_fp, out_key, out_state = self.shards, self.out_fp, self.out_key, self.out_state
        fair_ref, fair_count = self.fair_ref, self.fair_count
        me, table_get = self.index, self.table.get
        sent: dict[int, int] = {}  # fp -> owner << 32 | position, this level
        sent_get = sent.get
        count_kinds, kind_of = self.kinds_level.update, kind_function(model)
        sids, counts = array("q"), array("i")
        violation: Violation = None
        stopped = False
        for position, (sid, state) in enumerate(self.frontier):
            if not position % 256 and self.stop():
                stopped = True
                break
            enabled = actions(state)
            if len(enabled) > ACTION_MASK:
                raise ValueError(f"{len(enabled)} actions enabled in one state: at most 2**20")
            sids.append(sid)
            counts.append(len(enabled))
            count_kinds(map(kind_of, enabled))
            base = sid << ACTION_BITS
            fair_here = 0
            for ai, action in enumerate(enabled):
                nxt = next_state(state, action)
                for name, check in step_checks:
                    detail = check(state, action, nxt)
                    if detail is not None:
                        violation = (base | ai, name, detail)
                        break
                if violation is not None:
                    break
                fp = fingerprint(nxt)
                ref = sent_get(fp)
                if ref is None:
                    owner = (fp ^ (fp >> 31)) % shards
                    if owner == me:
                        known = table_get(fp)
                        if known is not None:  # visited in an earlier level: no message
                            if is_fair is not None and is_fair(state, action):
                                fair_ref.append(-1 - known)
                                fair_here += 1
                            continue
                    fps = out_fp[owner]
                    ref = sent[fp] = owner << 32 | len(fps)
                    fps.append(fp)
                    out_key[owner].append(base | ai)
                    out_state[owner].append(nxt)
                if is_fair is not None and is_fair(state, action):
                    fair_ref.append(ref)
                    fair_here += 1
            fair_count.append(fair_here)
            if violation is not None:
                break
        out = list(zip(out_fp, out_key, strict=True))
        return out, violation, sids, counts, stopped

    def resolve(self, incoming: list[Candidates]) -> list[array[int]]:
        """From every source's candidates for this shard: the positions, in
        each source's candidates, of the new states it must send (those it
        reached first, by key)."""
        self.incoming = incoming
        get = self.table.get
        winners = self.winners
        best = winners.get
        for source, (fps, keys) in enumerate(incoming):
            ids = array("q", [-1]) * len(fps)
            for i, fp in enumerate(fps):
                known = get(fp)
                if known is not None:
                    ids[i] = known
                    continue
                tagged = keys[i] << 40 | source << 32 | i  # source < 2**8, i < 2**32
                found = best(fp)
                if found is None or tagged < found:
                    winners[fp] = tagged
            self.answers.append(ids)
        requests = [array("q") for _ in incoming]
        for tagged in winners.values():
            requests[(tagged >> 32) & 0xFF].append(tagged & 0xFFFFFFFF)
        return requests

    def send_states(self, requests: list[array[int]]) -> list[bytes]:
        """The states each owner asked for (by position), in its order,
        pickled (those this shard owns stay here: `accept` takes them)."""
        batches = []
        for owner, positions in enumerate(requests):
            if owner == self.index:
                batches.append(b"")
                continue
            states = self.out_state[owner]
            batches.append(dumps_states([states[i] for i in positions]))
            # The rest were visited already or reached first elsewhere: free
            # them now, not at the end of the level.
            self.out_state[owner] = []
        return batches

    def accept(self, batches: list[bytes]) -> tuple[array[int], bytearray, Violation, list[str]]:
        """The new states arrive: check them. Returns their keys in order,
        their quiescence flags, the first invariant violation by key, and the
        sometimes properties met so far."""
        arrived: list[Any] = [
            self.out_state[self.index] if source == self.index else pickle.loads(blob)
            for source, blob in enumerate(batches)
        ]
        taken = [0] * len(batches)
        new: list[tuple[int, int, Any]] = []
        for fp, tagged in self.winners.items():
            source = (tagged >> 32) & 0xFF
            if source == self.index:
                state = arrived[source][tagged & 0xFFFFFFFF]
            else:
                state = arrived[source][taken[source]]
                taken[source] += 1
            new.append((tagged >> 40, fp, state))
        self.out_state = []
        new.sort(key=_first_item)
        self.new = new
        keys = array("q", [key for key, _, _ in new])
        quiescent = bytearray()
        violation: Violation = None
        inv_checks = tuple((p.name, p.check) for p in self.model.invariants)
        is_quiescent = self.model.is_quiescent if self.liveness else None
        for key, _, state in new:
            if is_quiescent is not None:
                quiescent.append(1 if is_quiescent(state) else 0)
            if violation is None:
                for name, check in inv_checks:
                    detail = check(state)
                    if detail is not None:
                        violation = (key, name, detail)
                        break
            if self.unmet:
                self.unmet = [(n, c) for n, c in self.unmet if not c(state)]
        return keys, quiescent, violation, [n for n, _ in self.unmet]

    def assign(self, ids: array[int]) -> list[array[int]]:
        """Record the global ids of the new states (aligned with `accept`'s
        keys); answer each source with an id per candidate it sent."""
        table = self.table
        frontier: list[tuple[int, Any]] = []
        for sid, (_, fp, state) in zip(ids, self.new, strict=True):
            table[fp] = sid
            frontier.append((sid, state))
        if self.liveness:
            # Every candidate still unanswered reached a state new in this level.
            new_id = {fp: sid for sid, (_, fp, _) in zip(ids, self.new, strict=True)}
            for (fps, _), answer in zip(self.incoming, self.answers, strict=True):
                for i, known in enumerate(answer):
                    if known < 0:
                        answer[i] = new_id[fps[i]]
        answers = self.answers if self.liveness else []
        self.next_frontier = frontier
        return answers

    def fair_edges(self, answers: list[array[int]]) -> tuple[array[int], array[int]]:
        """The fair edges of this shard's frontier: how many per expanded
        state, and their destinations in (parent id, action) order."""
        dst = array("i")
        for ref in self.fair_ref:
            dst.append(answers[ref >> 32][ref & 0xFFFFFFFF] if ref >= 0 else -1 - ref)
        return self.fair_count, dst

    def coverage(self, last_sid: int | None) -> Counter[Any]:
        """Transitions per action kind: finished levels, then this level's
        states up to id `last_sid` (None: all this level expanded)."""
        if last_sid is None:
            return self.kinds_done + self.kinds_level
        kinds = Counter(self.kinds_done)
        kind_of = kind_function(self.model)
        for sid, state in self.frontier:
            if sid > last_sid:
                break
            kinds.update(map(kind_of, self.model.actions(state)))
        return kinds

    def advance(self) -> int:
        """Make the new states the frontier; returns how many."""
        self.kinds_done += self.kinds_level
        self.kinds_level = Counter()
        self.frontier = self.next_frontier
        self.next_frontier = []
        self._reset_level()
        return len(self.frontier)


def _first_item(entry: tuple[int, int, Any]) -> int:
    return entry[0]


def _never() -> bool:
    return False


def split_key(key: int) -> tuple[int, int]:
    """(parent id, action index) of a transition key."""
    return key >> ACTION_BITS, key & ACTION_MASK
