"""Progress checked on the shards, where the fair edges are.

`checker.liveness` checks Progress in one process on the whole fair graph.
The partitioned engine (`checker.parallel`) runs the same two searches
spread over its shards, so that the coordinator, which every round waits
for, only gathers verdicts:

- Every state id has a *home*, shard `id % N`, which holds its fair
  out-degree, its quiescence flag and the fair edges *into* it (the
  reverse graph). The shard that expanded a state sends these there, one
  level late, with the rounds the search already makes (`fair_batches`).
- Kahn's peeling of the non-quiescent states (`peel`): a peeled state
  lowers its predecessors' counts of live fair successors. A home walks
  its own states' predecessors as far as they stay its own and hands the
  others to their homes; the coordinator routes these until no shard sends
  any. When the peeling leaves nothing and every non-quiescent state has a
  fair step, Progress holds: each peeled state reaches quiescence through
  a successor peeled before it. Otherwise:
- Stuck states: backward reachability from the quiescent states over the
  reverse edges, in the same rounds (`reach`). The stuck state is the
  smallest id left unreached, as in one process, and comes first.
- Else a fair cycle: it starts at the smallest id the peeling left, and the
  walk round it follows each state's fair edges in order, as in one
  process (found again from the state: its fair successors' ids come from
  their owners' visited sets).

Reachability and peeling reach the same fixed points in any order, so the
verdict, the stuck state and the cycle are `checker.liveness`'s.
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from collections.abc import Callable, Sequence
from itertools import accumulate, chain, compress, repeat
from operator import and_, floordiv, gt, mul, not_
from typing import Any, cast

from checker.liveness import lasso, stuck_counterexample
from checker.model import Model
from checker.result import Counterexample

# Per home, from one shard: the states it expanded that live there (ids,
# fair out-degrees, quiescence flags), and the fair edges into that home's
# states (sources, destinations; global ids).
Batch = tuple["array[int]", "array[int]", bytes, "array[int]", "array[int]"]


def fair_batches(
    sids: array[int],
    counts: array[int],
    flags: bytes | bytearray,
    refs: array[int],
    answers: Sequence[array[int]],
    shards: int,
) -> list[Batch]:
    """One level's expanded states (`sids`, their fair out-degrees
    `counts` and quiescence `flags`) and their fair edges, split by home.
    An edge's destination is `refs[i]`: `-1 - id` when known at once, else
    `owner << 32 | index` into `answers[owner]` (the ids the owners gave).
    One loop per edge, which costs less than splitting afterwards. Ids are
    gathered as objects in lists and made arrays once at the end: compiled,
    an array's append is a method call that parses its argument, and an
    int local would be boxed again for each list it goes into."""
    if not len(sids) == len(counts) == len(flags):
        raise ValueError("sids, counts and flags differ in length")
    ids: list[list[object]] = [[] for _ in range(shards)]
    degrees: list[list[object]] = [[] for _ in range(shards)]
    quiescent = [bytearray() for _ in range(shards)]
    srcs: list[list[object]] = [[] for _ in range(shards)]
    dsts: list[list[object]] = [[] for _ in range(shards)]
    sid_objects = cast("Sequence[object]", sids)
    count_objects = cast("Sequence[object]", counts)
    owners = cast("Sequence[Sequence[object]]", answers)
    e = 0  # the next edge in `refs`: by index, not an islice per state
    for i in range(len(sids)):
        u = sid_objects[i]
        c = count_objects[i]
        h = cast(int, u) % shards
        ids[h].append(u)
        degrees[h].append(c)
        quiescent[h].append(flags[i])
        end = e + cast(int, c)
        while e < end:
            ref = refs[e]
            e += 1
            v: object = owners[ref >> 32][ref & 0xFFFFFFFF] if ref >= 0 else -1 - ref
            h = cast(int, v) % shards
            srcs[h].append(u)
            dsts[h].append(v)
    return [
        (
            array("i", cast("list[int]", ids[h])),
            array("i", cast("list[int]", degrees[h])),
            bytes(quiescent[h]),
            array("i", cast("list[int]", srcs[h])),
            array("i", cast("list[int]", dsts[h])),
        )
        for h in range(shards)
    ]


class ProgressHome:
    """Shard `index` of `shards` as the home of the ids `index (mod shards)`.
    Its states are numbered locally by `id // shards`, which keeps their
    order."""

    def __init__(self, index: int, shards: int) -> None:
        self.index = index
        self.shards = shards
        self.fair_count = array("i")  # by local number
        self.quiescent = bytearray()
        self.edge_src = array("i")  # edges into this home's states, as they came
        self.edge_dst = array("i")
        self.rev_off = array("i")  # after `build`: predecessors, by local number
        self.preds = array("i")
        self.built = False
        self.reached: bytearray | None = None
        # Live fair successors, while peeling: a list, whose items (small
        # ints, shared) are set without the parsing an array's setitem does.
        self.outdeg: list[int] | None = None

    def take(self, batches: Sequence[Batch | None]) -> None:
        """The batches every shard sent this home."""
        n = self.shards
        for batch in batches:
            if batch is None:
                continue
            ids, counts, flags, src, dst = batch
            if ids:
                grow = max(ids) // n + 1 - len(self.fair_count)
                if grow > 0:
                    self.fair_count.extend(repeat(0, grow))
                    self.quiescent.extend(bytes(grow))
                local = array("i", map(floordiv, ids, repeat(n)))
                deque(map(self.fair_count.__setitem__, local, counts), 0)
                deque(map(self.quiescent.__setitem__, local, flags), 0)
            self.edge_src.extend(src)
            self.edge_dst.extend(dst)

    def build(self) -> None:
        """The reverse graph of this home's states (CSR), as
        `checker.liveness._predecessors` builds it."""
        n, m = self.shards, len(self.fair_count)
        local = array("i", map(floordiv, self.edge_dst, repeat(n)))
        self.edge_dst = array("i")
        counts = Counter(local)
        rev_off = array("i", accumulate(map(counts.get, range(m), repeat(0)), initial=0))
        preds = array("i", bytes(4 * len(local)))
        fill = array("i", rev_off)
        for u, v in zip(self.edge_src, local, strict=True):
            slot = fill[v]
            preds[slot] = u
            fill[v] = slot + 1
        self.edge_src = array("i")
        self.rev_off, self.preds = rev_off, preds

    def _built(self) -> None:
        if self.built:
            return
        self.build()
        self.built = True

    def dead_end(self) -> bool:
        """Whether a non-quiescent state here has no fair step at all."""
        return any(map(and_, map(not_, self.fair_count), map(not_, self.quiescent)))

    def reach(self, marks: Sequence[array[int]]) -> list[array[int]]:
        """One round of backward reachability from the quiescent states: the
        states `marks` name (this home's) reach quiescence, hence so do
        their predecessors. Walks on while they are this home's; returns,
        per shard, the predecessors found that live there (with repeats)."""
        n, me = self.shards, self.index
        if self.reached is None:
            self._built()
            self.reached = bytearray(self.quiescent)
            queue = list(compress(range(len(self.quiescent)), self.quiescent))
        else:
            queue = []
        reached, off, preds = self.reached, self.rev_off, self.preds
        for u in chain.from_iterable(marks):
            x = u // n
            if not reached[x]:
                reached[x] = 1
                queue.append(x)
        out = [array("i") for _ in range(n)]
        send = [o.append for o in out]
        for v in queue:  # grows while we walk it
            for k in range(off[v], off[v + 1]):  # not a slice: no copy
                u = preds[k]
                h = u % n
                if h != me:
                    send[h](u)
                elif not reached[x := u // n]:
                    reached[x] = 1
                    queue.append(x)
        return out

    def stuck(self) -> tuple[int, int] | None:
        """The smallest id here that cannot reach quiescence, with its fair
        out-degree, or None."""
        assert self.reached is not None
        local = self.reached.find(0)
        if local < 0:
            return None
        return local * self.shards + self.index, self.fair_count[local]

    def peel(self, decrements: Sequence[array[int]]) -> list[array[int]]:
        """One round of Kahn's peeling of the non-quiescent states: quiescent
        states and states without live fair successors are peeled, and each
        lowers its predecessors' counts (`decrements`: one per edge from a
        state of this home into a peeled one). A quiescent state starts at
        0 and only goes below, so it is peeled once. Returns, per shard,
        the decrements for the states living there."""
        n, me = self.shards, self.index
        if self.outdeg is None:
            self._built()
            self.outdeg = list(map(mul, self.fair_count, map(not_, self.quiescent)))
            queue = list(compress(range(len(self.outdeg)), map(not_, self.outdeg)))
        else:
            queue = []
        outdeg, off, preds = self.outdeg, self.rev_off, self.preds
        for u in chain.from_iterable(decrements):
            x = u // n
            left = outdeg[x] - 1
            outdeg[x] = left
            if not left:
                queue.append(x)
        out = [array("i") for _ in range(n)]
        send = [o.append for o in out]
        for v in queue:
            for k in range(off[v], off[v + 1]):  # not a slice: no copy
                u = preds[k]
                h = u % n
                if h != me:
                    send[h](u)
                else:
                    x = u // n
                    left = outdeg[x] - 1
                    outdeg[x] = left
                    if not left:
                        queue.append(x)
        return out

    def cycle_start(self) -> int | None:
        """The smallest id here left after peeling (it has a live fair
        successor: it is on or leads into a fair cycle), or None."""
        assert self.outdeg is not None
        local = next(compress(range(len(self.outdeg)), map(gt, self.outdeg, repeat(0))), None)
        return None if local is None else local * self.shards + self.index

    def alive(self, ids: Sequence[int]) -> bytes:
        """Per id (this home's), whether it was left after peeling."""
        outdeg = self.outdeg
        assert outdeg is not None
        return bytes(outdeg[i // self.shards] > 0 for i in ids)


class Caller:
    """How the coordinator reaches the homes: `call(step, args per shard)`
    runs `ProgressHome.step` (or a `Shard` method, see `find_on_shards`) on
    every shard and returns their answers."""

    def __init__(self, call: Callable[[str, Sequence[tuple[Any, ...]]], list[Any]], n: int):
        self.call = call
        self.n = n

    def rounds(self, step: str) -> None:
        """Call `step` until no shard sends another shard anything."""
        n = self.n
        inbox: list[list[array[int]]] = [[] for _ in range(n)]
        while True:
            out = self.call(step, [(inbox[d],) for d in range(n)])
            if not any(chain.from_iterable(out)):
                return
            inbox = [[out[s][d] for s in range(n)] for d in range(n)]


def find_on_shards(
    model: Model[Any, Any],
    caller: Caller,
    successors: Callable[[int], Sequence[int]],
    parent: Sequence[int],
    via: Sequence[int],
    canonical: Callable[[Any], Any] | None,
) -> Counterexample | None:
    """`checker.liveness.find_progress_violation` with the fair graph on the
    shards (every batch taken): the same stuck state or lasso. `successors`
    gives a state's fair successors' ids in order (only asked on the walk
    round a cycle)."""
    n = caller.n
    # Peeling first: when it leaves nothing and every non-quiescent state has
    # a fair step, every state reaches quiescence (each peeled one through a
    # successor peeled before it), and the reachability rounds are not needed.
    caller.rounds("peel")
    starts = [s for s in caller.call("cycle_start", [()] * n) if s is not None]
    if starts or any(caller.call("dead_end", [()] * n)):
        caller.rounds("reach")  # a stuck state comes first, as in one process
        stuck = [s for s in caller.call("stuck", [()] * n) if s is not None]
        if stuck:
            sid, fair = min(stuck)
            return stuck_counterexample(model, parent, via, sid, fair > 0)
    if not starts:
        return None
    walk: list[int] = []
    position: dict[int, int] = {}
    node = min(starts)
    while node not in position:
        position[node] = len(walk)
        walk.append(node)
        after = list(successors(node))
        asked = [[v for v in after if v % n == h] for h in range(n)]
        flags = caller.call("alive", [(a,) for a in asked])
        alive = {v for h in range(n) for v, f in zip(asked[h], flags[h], strict=True) if f}
        node = next(v for v in after if v in alive)
    cycle = walk[position[node] :]
    entry = cycle.index(min(cycle))
    return lasso(model, parent, via, cycle[entry:] + cycle[:entry], canonical)
