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

The owner only decides; the state stays with the shard that generated the
winning successor (its *source*), which checks it and expands it in the next
level: no state travels, only fingerprints, keys and ids, as arrays. States
travel only to even out the shards' frontiers (a frontier's descendants are
found by that shard first, so the shard holding the initial state would keep
everything): the coordinator moves each level's surplus over
`BALANCE_TOLERANCE`, spread over the source's key range.

A level is three calls on every shard, in order (the coordinator moves the
data between them and numbers the new states after the third):

1. `next_level(owner ids, source ids, moved states)`: `settle` the previous
   level (record the ids of the states this shard owns, take the states it
   won or was sent as its frontier, answer each source with the id of every
   candidate it sent), then `expand` the frontier: candidates per owner
   (and, for Progress, each state's quiescence and fair transitions). The
   candidates a shard owns itself stay in it (`own_fp`, `own_key`).
2. `resolve(candidates from every source, answers from every owner)`: which
   candidates are new, and which source won each (the smallest key); and,
   from the answers, the previous level's fair edges with destination ids,
   split by the homes of their states (`checker.progress_shards`).
3. `accept(won keys from every owner, how many to move to each shard,
   fair edges for this home)`: the first invariant violation among the
   states this shard won (`expand` checks each candidate as it makes it,
   while the state is still in the CPU's caches), their keys, and the
   states that move, pickled.

The last level ends with `settle` and `fair_edges` (liveness only); then
`progress` runs the Progress check's rounds on the homes.
"""

from __future__ import annotations

import io
import math
import pickle
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import repeat
from operator import rshift
from typing import Any, cast

from checker.coverage import kind_function
from checker.model import Model, step_checker
from checker.progress_shards import Batch, ProgressHome, fair_batches
from checker.visited import FingerprintTable

ACTION_BITS = 20  # action indexes below 2**20 per state
ACTION_MASK = (1 << ACTION_BITS) - 1
# A shard whose share of a level's new states is this much above the mean
# gives the surplus away (`balance`); below it, nothing moves.
BALANCE_TOLERANCE = 0.02

Candidates = tuple["array[int]", "array[int]"]  # fingerprints, keys
# (key, property name, detail) of a violation, or None
Violation = tuple[int, str, str] | None


MAX_SHARDS = 1 << 8  # a candidate's source shard travels in 8 bits (`resolve`)


def route(fp: int, shards: int) -> int:
    """The shard owning fingerprint `fp`: bits 0 and 31 mixed, where the
    table's probe mixes bits 0 and 32 (the two must not coincide, or a
    shard would use half its slots). `expand` inlines it."""
    return (fp ^ (fp >> 31)) % shards


# Pickling a NamedTuple goes through Python-level __reduce_ex__/__getnewargs__
# (55 us for a token state) and unpickling through its __new__. Handing
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
        expanding: Callable[[Any], None] | None = None,
    ) -> None:
        if not 1 <= shards <= MAX_SHARDS:
            # `resolve` tags a candidate with its source shard in 8 bits
            raise ValueError(f"{shards} shards: a search takes 1 to {MAX_SHARDS}")
        self.model = model
        self.index = index
        self.shards = shards
        self.liveness = liveness
        self.fingerprint = fingerprint
        # The model's hint for an incremental `fingerprint` (checker.model
        # `has_symmetry`), called with each state before its successors.
        self.expanding = expanding
        self.table = FingerprintTable()
        self.frontier: list[tuple[int, Any]] = []  # (global id, state), by id
        self.unmet = [(p.name, p.check) for p in model.sometimes]
        self.stop: Callable[[], bool] = _never
        self.kinds_done: Counter[Any] = Counter()  # action coverage of finished levels
        # This level's, a plain dict: compiled code then calls dict's own get
        # and set, not a Counter's (a subclass: 1.5 CPU s on R2).
        self.kinds_level: dict[Any, int] = {}
        # The level before's fair transitions, resolved in the next `resolve`.
        self.last_fair_ref = array("q")
        self.last_fair_count = array("i")
        self.last_sids = array("q")
        self.last_quiescent = bytearray()
        # Progress: this shard as the home of some ids (checker.progress_shards).
        self.home = ProgressHome(index, shards)
        self._reset_level()

    def __reduce__(self) -> tuple[Callable[..., Shard], tuple[Any, ...]]:
        # Sent to Ray's actors once seeded, before the first level, so the
        # constructor's arguments and the seeds are the whole state. Explicit,
        # because a compiled class has no __dict__ (checker.native); the
        # sometimes-properties' checks are the model's closures, which do not
        # pickle when compiled, so they travel by name.
        if self.sids or self.last_sids or self.kinds_done or self.kinds_level:
            raise pickle.PicklingError("a shard pickles only seeded, before its first level")
        seeds = (self.table, self.frontier, [name for name, _ in self.unmet])
        model, liveness, hint = self.model, self.liveness, self.expanding
        args = (model, self.index, self.shards, liveness, self.fingerprint, hint)
        return _seeded_shard, (args, seeds)

    def _reset_level(self) -> None:
        self.out_fp = [array("q") for _ in range(self.shards)]
        self.out_key = [array("q") for _ in range(self.shards)]
        self.out_state: list[list[Any]] = [[] for _ in range(self.shards)]
        # The candidates this shard sends itself stay here, as lists: they
        # never travel, and a list's items are read without boxing an int.
        self.own_fp: list[object] = []  # ints, kept boxed (see `expand`)
        self.own_key: list[int] = []
        # invariant violations of candidates, by owner << 32 | position
        self.flagged: dict[int, tuple[str, str]] = {}
        # per fair transition: owner << 32 | index there, or -1 - id when known
        self.fair_ref = array("q")
        self.fair_count = array("i")  # per expanded frontier state
        self.sids = array("q")  # the frontier states expanded, and whether quiescent
        self.quiescent = bytearray()
        # owner: per source an id per candidate (-2 - its position among
        # the new: new in this level); the new fingerprints, in that order
        self.answers: list[list[int]] = []
        self.new_fps: list[int] = []
        # source: the states this shard won, by key; the positions among them
        # that move to another shard
        self.won: list[tuple[int, Any]] = []
        self.gone: set[int] = set()

    def seed(self, fp: int, sid: int, state: Any) -> None:
        """Take an initial state (the coordinator checked it)."""
        self.table[fp] = sid
        self.frontier.append((sid, state))
        if self.unmet:
            self.unmet = [(n, c) for n, c in self.unmet if not c(state)]

    def next_level(
        self, owner_ids: array[int], source_ids: array[int], moved: list[tuple[array[int], bytes]]
    ) -> tuple[list[array[int]], tuple[Any, ...]]:
        """`settle` the level before, then `expand` the new frontier (one
        round trip for both)."""
        answers = self.settle(owner_ids, source_ids, moved)
        return answers, self.expand()

    def settle(
        self, owner_ids: array[int], source_ids: array[int], moved: list[tuple[array[int], bytes]]
    ) -> list[array[int]]:
        """The coordinator's ids for the level's new states: `owner_ids`
        for those this shard owns (in the order `resolve` gave their keys), `source_ids`
        for those it won (in `accept`'s key order), and the states other
        shards moved here with their ids. Records them, makes the states
        this shard holds its frontier, and answers each source with an id
        per candidate it sent (liveness only: the fair edges need them)."""
        table = self.table
        for fp, sid in zip(self.new_fps, owner_ids, strict=True):
            table[fp] = sid
        answers: list[array[int]] = []
        if self.liveness:
            # `resolve` answered each candidate with its id when known, else
            # with -2 - the position of its fingerprint among the new ones,
            # whose ids are `owner_ids`: one pass, no dict of the new ids.
            for answer in self.answers:
                for i in range(len(answer)):
                    a = answer[i]
                    if a < 0:
                        answer[i] = owner_ids[-2 - a]
                answers.append(array("q", answer))  # one C loop; they travel
        gone = self.gone
        frontier = [
            (sid, state)
            for i, (sid, (_, state)) in enumerate(zip(source_ids, self.won, strict=True))
            if i not in gone
        ]
        arrived = False
        for ids, blob in moved:
            if ids:
                frontier.extend(zip(ids, pickle.loads(blob), strict=True))
                arrived = True
        if arrived:
            frontier.sort()  # ids are unique: the states are never compared
        self.frontier = frontier
        self.kinds_done.update(self.kinds_level)
        self.kinds_level = {}
        self.last_fair_ref, self.last_fair_count = self.fair_ref, self.fair_count
        self.last_sids, self.last_quiescent = self.sids, self.quiescent
        self._reset_level()
        return answers

    def expand(self) -> tuple[list[Candidates], Violation, array[int], array[int], bool]:
        """Expand the frontier: candidates per owner, the first step-property
        violation (expansion stops there), the frontier's ids and enabled
        counts (for the transitions before a violation), and whether the
        stop flag cut the level short.

        A fingerprint is sent once a level: successors repeat (a level has
        about five transitions a state), and the first candidate has the
        smallest key this shard can offer. Its state is the first concrete
        state reached, which under symmetry is the one the one-process
        engine keeps. Each candidate's invariants and sometimes properties
        are checked here: a candidate that loses has the winner's class (the
        properties are the same on it) or was visited before (and checked)."""
        model = self.model
        actions, next_state = model.actions, model.next_state
        # Fingerprints as objects: compiled, an int result is unboxed, then
        # boxed again (an allocation) for every dict and list it goes into.
        fingerprint = cast("Callable[[Any], object]", self.fingerprint)
        step_check = step_checker(model)
        is_fair = model.is_fair if self.liveness else None
        is_quiescent = model.is_quiescent if self.liveness else None
        expanding = self.expanding
        # The arrays' appends, bound once: compiled code would look each
        # method up at every call (arrays are plain objects to mypyc).
        add_quiescent = self.quiescent.append
        shards, out_fp, out_state = self.shards, self.out_fp, self.out_state
        add_fp = [cast("Callable[[object], None]", a.append) for a in out_fp]
        add_key = [a.append for a in self.out_key]
        add_own_fp, add_own_key = self.own_fp.append, self.own_key.append
        add_fair, add_fair_count = self.fair_ref.append, self.fair_count.append
        # Called as methods of typed locals, not bound methods: compiled,
        # that is a direct C call.
        me, table = self.index, self.table
        sent: dict[object, int] = {}  # fp -> owner << 32 | position, this level
        kinds, kind_of = self.kinds_level, kind_function(model)
        inv_checks = tuple((p.name, p.check) for p in model.invariants)
        flagged = self.flagged
        unmet = self.unmet
        sids, counts = self.sids, array("i")
        add_sid, add_count = sids.append, counts.append
        violation: Violation = None
        stopped = False
        frontier = self.frontier
        # By index, not enumerate: compiled, enumerate builds a tuple a step.
        for position in range(len(frontier)):
            if not position % 256 and self.stop():
                stopped = True
                break
            sid, state = frontier[position]
            enabled = actions(state)
            if len(enabled) > ACTION_MASK:
                raise ValueError(f"{len(enabled)} actions enabled in one state: at most 2**20")
            add_sid(sid)
            add_count(len(enabled))
            if is_quiescent is not None:
                add_quiescent(1 if is_quiescent(state) else 0)
            for action in enabled:  # not Counter.update: its Mapping check costs more
                kind = kind_of(action)
                kinds[kind] = kinds.get(kind, 0) + 1
            if expanding is not None:
                expanding(state)
            base = sid << ACTION_BITS
            fair_here = 0
            for ai in range(len(enabled)):
                action = enabled[ai]
                nxt = next_state(state, action)
                if step_check is not None:
                    found = step_check(state, action, nxt)
                    if found is not None:
                        violation = (base | ai, *found)
                        break
                fp = fingerprint(nxt)
                ref = sent.get(fp)
                if ref is None:
                    ifp = cast(int, fp)
                    owner = (ifp ^ (ifp >> 31)) % shards
                    if owner == me:
                        known = table.get(ifp)
                        if known is not None:  # visited in an earlier level: no message
                            if is_fair is not None and is_fair(state, action):
                                add_fair(-1 - known)
                                fair_here += 1
                            continue
                        add_own_fp(fp)
                        add_own_key(base | ai)
                    else:
                        add_fp[owner](fp)
                        add_key[owner](base | ai)
                    states = out_state[owner]
                    ref = sent[fp] = owner << 32 | len(states)
                    states.append(nxt)
                    # Checked now, while the state is in the cache, though
                    # the candidate may lose: `accept` reports the winners'.
                    for name, check in inv_checks:
                        detail = check(nxt)
                        if detail is not None:
                            flagged[ref] = (name, detail)
                            break
                    if unmet:
                        unmet = [(n, c) for n, c in unmet if not c(nxt)]
                if is_fair is not None and is_fair(state, action):
                    add_fair(ref)
                    fair_here += 1
            add_fair_count(fair_here)
            if violation is not None:
                break
        self.unmet = unmet
        out = list(zip(out_fp, self.out_key, strict=True))
        return out, violation, sids, counts, stopped

    def resolve(
        self, incoming: list[Candidates], answers: list[array[int]]
    ) -> tuple[list[array[int]], array[int], list[Batch] | None]:
        """As owner, from every source's candidates for this shard: for each
        source, the keys of the candidates it won (new states it reached
        first), in key order, and the keys of all new states here (in no
        particular order: the coordinator numbers them by key). As
        source, from every owner's `answers` (ids of the candidates this
        shard sent the level before): that level's fair edges for their
        homes (`fair_edges`), or None without them."""
        fair = self.fair_edges(answers) if answers else None
        table = self.table
        # new fp -> its position among the new (the order first met), and
        # per position key << 8 | source (source < 2**8): below 2**63, a
        # machine integer, for ids below 2**35. Not sorted: the coordinator
        # numbers the keys whatever their order, and each source's winners
        # come in its key order unless a later source took an fp from an
        # earlier one (`late`, rare). A candidate new in this level is
        # answered -2 - its position (`settle` puts the id there).
        winners: dict[object, int] = {}
        tags: list[int] = []
        late = False
        live, me = self.liveness, self.index
        for source in range(len(incoming)):
            mine = source == me  # `expand` kept these, and only the unvisited
            # Fingerprints as objects: compiled, an int would be unboxed and
            # boxed again (an allocation) for each dict operation.
            fps: Sequence[object] = self.own_fp if mine else incoming[source][0]
            keys: Sequence[int] = self.own_key if mine else incoming[source][1]
            ids: list[int] = []  # an id per candidate, for the fair edges (liveness)
            for i in range(len(fps)):
                fp = fps[i]
                if not mine:
                    known = table.get(cast(int, fp))
                    if known is not None:
                        if live:
                            ids.append(known)
                        continue
                tagged = keys[i] << 8 | source
                found = winners.get(fp)
                if found is None:
                    found = winners[fp] = len(tags)
                    tags.append(tagged)
                elif tagged < tags[found]:
                    tags[found] = tagged
                    late = True
                if live:
                    ids.append(-2 - found)
            self.answers.append(ids)
        self.new_fps = cast("list[int]", list(winners))
        won = [array("q") for _ in incoming]
        add = [w.append for w in won]
        for tagged in tags:
            add[tagged & 0xFF](tagged >> 8)
        if late:
            won = [array("q", sorted(w)) for w in won]
        keys = array("q", map(rshift, tags, repeat(8)))
        return won, keys, fair

    def accept(
        self, won_keys: list[array[int]], moves: list[int], fair: list[Batch | None]
    ) -> tuple[array[int], Violation, list[str], list[bytes]]:
        """The states this shard won (`won_keys`: per owner, the keys of the
        candidates sent there that won, in order). Returns their keys in
        order, the first invariant violation by key, the sometimes properties not met so far,
        and for each shard the states `moves` sends there (pickled;
        `plan_moves` says which). `fair`: the batches of fair edges the
        shards sent this home (`resolve`)."""
        self.home.take(fair)
        won: list[tuple[int, Any]] = []
        flagged = self.flagged
        violation: Violation = None
        for owner, wanted in enumerate(won_keys):
            # Both in key order: one walk finds each won candidate.
            keys: Sequence[int] = self.own_key if owner == self.index else self.out_key[owner]
            states = self.out_state[owner]
            p = 0
            for key in wanted:
                while keys[p] != key:
                    p += 1
                won.append((key, states[p]))
                if flagged:  # the first invariant violation by key (`expand` checked)
                    found = flagged.get(owner << 32 | p)
                    if found is not None and (violation is None or key < violation[0]):
                        violation = (key, *found)
        self.out_state = []  # the losers and the visited go now, not at the level's end
        won.sort()  # keys are unique: the states are never compared
        self.won = won
        batches = []
        for leaving in plan_moves(len(won), moves):
            self.gone.update(leaving)
            batches.append(dumps_states([won[p][1] for p in leaving]) if leaving else b"")
        keys_won = array("q", [key for key, _ in won])
        return keys_won, violation, [n for n, _ in self.unmet], batches

    def own_candidates(self) -> int:
        """How many candidates this level's `expand` kept for this shard
        (they do not travel; the rounds benchmark counts them)."""
        return len(self.own_fp)

    def fair_edges(self, answers: list[array[int]]) -> list[Batch]:
        """The level before's expanded states and fair edges, with
        destination ids from the owners' `answers` (an id per candidate
        sent), split by the homes of their states for the Progress check."""
        return fair_batches(
            self.last_sids,
            self.last_fair_count,
            self.last_quiescent,
            self.last_fair_ref,
            answers,
            self.shards,
        )

    def progress(self, step: str, *args: Any) -> Any:
        """A step of the Progress check on the shards (`ProgressHome.step`)."""
        return getattr(self.home, step)(*args)

    def ids_of(self, fps: list[int]) -> list[int | None]:
        """The ids of visited states by fingerprint (this shard's), or None."""
        get = self.table.get
        return [get(fp) for fp in fps]

    def coverage(self, last_sid: int | None) -> Counter[Any]:
        """Transitions per action kind: finished levels, then this level's
        states up to id `last_sid` (None: all this level expanded)."""
        if last_sid is None:
            return self.kinds_done + Counter(self.kinds_level)
        kinds = Counter(self.kinds_done)
        kind_of = kind_function(self.model)
        for sid, state in self.frontier:
            if sid > last_sid:
                break
            kinds.update(map(kind_of, self.model.actions(state)))
        return kinds


def plan_moves(won: int, moves: list[int]) -> list[list[int]]:
    """Which of a source's `won` states (positions in key order) go to each
    shard, `moves[d]` of them to shard d: spread evenly over the key range,
    the shards taking turns, so that the states moved are as early and as
    late in the next level's ids as those kept. The coordinator calls it
    too, to know the ids of the states that moved."""
    total = sum(moves)
    plan: list[list[int]] = [[] for _ in moves]
    if not total:
        return plan
    turns = sorted(((i + 0.5) / c, d) for d, c in enumerate(moves) for i in range(c))
    for i, (_, d) in enumerate(turns):
        plan[d].append((2 * i + 1) * won // (2 * total))
    return plan


def balance(won: list[int], tolerance: float) -> list[list[int]]:
    """moves[s][d]: how many states shard s sends shard d so that no shard
    holds more than `tolerance` above the mean (those above it go down to the
    mean, filling the shards below it, fullest gaps first)."""
    n = len(won)
    moves = [[0] * n for _ in won]
    mean = sum(won) / n
    cap = mean * (1 + tolerance)
    target = math.ceil(mean)
    gaps = {d: target - w for d, w in enumerate(won) if w < target}
    for s, w in enumerate(won):
        surplus = w - target if w > cap else 0
        for d in sorted(gaps, key=lambda d: (-gaps[d], d)):
            if surplus <= 0:
                break
            given = min(surplus, gaps[d])
            if given > 0:
                moves[s][d] = given
                gaps[d] -= given
                surplus -= given
    return moves


def _seeded_shard(
    args: tuple[Any, ...],
    seeds: tuple[FingerprintTable, list[tuple[int, Any]], list[str]],
) -> Shard:
    """A pickled shard again (`Shard.__reduce__`)."""
    shard = Shard(*args)  # (model, index, shards, liveness, fingerprint, expanding)
    shard.table, shard.frontier, unmet = seeds
    checks = {p.name: p.check for p in shard.model.sometimes}
    shard.unmet = [(name, checks[name]) for name in unmet]
    return shard


def _never() -> bool:
    return False


def split_key(key: int) -> tuple[int, int]:
    """(parent id, action index) of a transition key."""
    return key >> ACTION_BITS, key & ACTION_MASK
