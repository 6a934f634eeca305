"""The ledger's fast path: versions make a token's history nearly a chain.

Every successful pay answers the version it wrote, so on one token the
writes are totally ordered by version, and every NOT_OWNER answer and every
token listed by gettokens is a read pinned to one version. What is left is
to place each write at a point in its interval, in version order, with each
pinned read between its version's write and the next one. Placing every
write as early as the constraints allow is optimal (later constraints only
ever ask for "later"), so one pass per token decides them, after a sort.

A token that gettokens(o) does *not* list says "o did not own it at some
moment of the call": if the earliest schedule has o owning it throughout,
the read can only have happened in an earlier version not owned by o, so
the next write must come after the call's start; that necessary constraint
is added and the token rescheduled, until every such read fits (ok) or a
constraint cannot be met (illegal). Only these reads cost a sweep, and only
for tokens the owner holds when the call starts.

A token needs the general search when a version was written by a pay that
never answered (which one?): the fast path defers it.

    >>> from checker.linearizability.reader import parse_history
    >>> from checker.linearizability.models import TokensModel
    >>> h = parse_history([
    ...     '{"process": "c1", "type": "invoke", "op": "pay",'
    ...     ' "args": {"token": 0, "to": "c2"}, "time": 0}',
    ...     '{"process": "c1", "type": "ok",'
    ...     ' "output": {"answer": "OK", "version": 2}, "time": 1}'])
    >>> fast_ledger(TokensModel().partition(h))[0].ok
    True
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from checker.linearizability.model import INFINITY, PENDING
from checker.linearizability.models import LedgerPartition, PayRecord

MAX_ROUNDS = 64


@dataclass(frozen=True, slots=True)
class FastVerdict:
    """ok True (order: the pays and pinned reads in linearization order),
    False (why: the first constraint that fails), None (deferred: why)."""

    ok: bool | None
    why: str = ""
    order: tuple[int, ...] = ()


@dataclass
class _Token:
    token: int
    v0: int
    owners: list[str]  # owners[i]: owner of version v0 + i
    writers: list[PayRecord | None]  # writers[i]: the pay that wrote v0 + i (None for v0)
    reads: list[list[tuple[int, int, int]]]  # per version: (call, ret, op) of pinned reads
    extra: dict[int, int] = field(default_factory=dict)  # version index -> lower bound
    pushed_by: set[int] = field(default_factory=set)  # gettokens that set an `extra` bound
    points: list[int] = field(default_factory=list)  # points[i]: write point of v0 + i
    run_start: list[int] = field(default_factory=list)  # first index of i's run of one owner


def fast_ledger(part: LedgerPartition) -> dict[int, FastVerdict]:
    """A verdict per token (deferred tokens need the general search)."""
    scale = 2 * (len(part.pays) + len(part.reads)) + 4  # points per rank; > versions per token
    verdicts: dict[int, FastVerdict] = {}
    tokens = _chains(part, verdicts)
    for t in list(tokens):
        why = _schedule(tokens[t], scale)
        if why:
            verdicts[t] = FastVerdict(False, why)
            del tokens[t]
    for _ in range(MAX_ROUNDS):
        dirty = _negative_reads(part, tokens, scale, verdicts)
        if not dirty:
            break
        for t in dirty:
            why = _schedule(tokens[t], scale)
            if why:
                verdicts[t] = FastVerdict(False, why)
                del tokens[t]
    else:
        for t in tokens:
            verdicts[t] = FastVerdict(None, f"more than {MAX_ROUNDS} rounds of absent-token reads")
        return verdicts
    for t, chain in tokens.items():
        verdicts[t] = FastVerdict(True, "", _order(chain, scale))
    return verdicts


def _chains(part: LedgerPartition, verdicts: dict[int, FastVerdict]) -> dict[int, _Token]:
    """Per token: the owner of each version and the pinned reads; exact failures go to
    `verdicts` as illegal, tokens that need the general search as deferred."""
    writes: dict[int, dict[int, PayRecord]] = defaultdict(dict)
    pinned: dict[int, list[tuple[int, str, int, int, int, str]]] = defaultdict(list)
    pending: set[int] = set()
    for p in part.pays:
        out = p.output
        if out == PENDING:
            pending.add(p.token)
        elif out[0] == "ok":
            other = writes[p.token].get(out[1])
            if other is not None:
                verdicts[p.token] = FastVerdict(
                    False, f"two pays answered OK({out[1]}): operations {other.op} and {p.op}"
                )
            writes[p.token][out[1]] = p
        else:
            if out[2] == p.client:
                verdicts[p.token] = FastVerdict(
                    False, f"operation {p.op}: NOT_OWNER names the caller {p.client} as owner"
                )
            pinned[p.token].append((out[1], out[2], p.call, p.ret, p.op, "NOT_OWNER"))
    for r in part.reads:
        if r.tokens is not None:
            for t, v in r.tokens.items():
                pinned[t].append((v, r.owner, r.call, r.ret, r.op, "gettokens"))
    chains = {}
    for t, (v0, o0) in part.initial.items():
        if t in verdicts:
            continue
        top = max([v0, *writes[t], *(x[0] for x in pinned[t])])
        owners, writers = [o0], [None]
        why = ""
        for v in range(v0 + 1, top + 1):
            w = writes[t].get(v)
            if w is None:
                why = f"version {v} was written by no pay that answered"
                break
            if w.client != owners[-1]:
                why = f"operation {w.op}: {w.client} paid version {v - 1} owned by {owners[-1]}"
                break
            owners.append(w.to)
            writers.append(w)
        if not why and (any(v <= v0 for v in writes[t]) or any(x[0] < v0 for x in pinned[t])):
            why = f"an answer names a version below the initial {v0}"
        if not why:
            for v, owner, _, _, op, what in pinned[t]:
                if owners[v - v0] != owner:
                    why = (
                        f"operation {op}: {what} says version {v} is owned by {owner}, "
                        f"but pays make it {owners[v - v0]}'s"
                    )
                    break
        if why.startswith("version") and t in pending:
            verdicts[t] = FastVerdict(None, why + " (an unfinished pay may have)")
        elif why:
            verdicts[t] = FastVerdict(False, why)
        else:
            reads: list[list[tuple[int, int, int]]] = [[] for _ in owners]
            for v, _, call, ret, op, _ in pinned[t]:
                reads[v - v0].append((call, ret, op))
            chains[t] = _Token(t, v0, owners, writers, reads)
            starts = chains[t].run_start
            for i, o in enumerate(owners):
                starts.append(starts[-1] if i and owners[i - 1] == o else i)
    return chains


def _schedule(chain: _Token, scale: int) -> str:
    """Earliest write points; the first failing constraint, or ''."""
    why = _first_conflict(chain, scale)
    if why and chain.pushed_by:
        ops = ", ".join(map(str, sorted(chain.pushed_by)[:5]))
        why += (
            f", once gettokens operations that omit token {chain.token} ({ops}) "
            "push the next version after their start"
        )
    return why


def _first_conflict(chain: _Token, scale: int) -> str:
    points = [-1]
    for i in range(1, len(chain.owners)):
        w = chain.writers[i]
        assert w is not None
        low = max(points[-1] + 1, w.call * scale + 1, chain.extra.get(i, 0))
        for call, _, _ in chain.reads[i - 1]:
            low = max(low, call * scale + 1)
        if low >= w.ret * scale:
            return (
                f"operation {w.op} (pay writing version {chain.v0 + i}) must come after "
                f"reads of version {chain.v0 + i - 1} or writes before it, but it returned "
                "earlier"
            )
        points.append(low)
    for i, reads in enumerate(chain.reads):
        for _, ret, op in reads:
            if points[i] >= ret * scale:
                return (
                    f"operation {op} read version {chain.v0 + i}, but it returned before "
                    f"that version could have been written"
                )
    chain.points = points
    return ""


def _negative_reads(
    part: LedgerPartition, tokens: dict[int, _Token], scale: int, verdicts: dict[int, FastVerdict]
) -> set[int]:
    """Sweep the write points and gettokens calls in time order; return the tokens
    that got a new constraint."""
    events: list[tuple[int, int, Hashable]] = []
    for t, chain in tokens.items():
        for i in range(1, len(chain.points)):
            events.append((chain.points[i], 0, (t, i)))
    for k, r in enumerate(part.reads):
        if r.tokens is not None:
            events.append((r.call * scale, 1, k))
    events.sort()
    owned: dict[str, set[int]] = defaultdict(set)
    current = {t: 0 for t in tokens}
    for t in tokens:
        owned[tokens[t].owners[0]].add(t)
    dirty: set[int] = set()
    for _, kind, what in events:
        if kind == 0:
            assert isinstance(what, tuple)
            t, i = what
            if t not in tokens:
                continue  # found illegal earlier in this sweep
            owned[tokens[t].owners[i - 1]].discard(t)
            owned[tokens[t].owners[i]].add(t)
            current[t] = i
            continue
        assert isinstance(what, int)
        r = part.reads[what]
        assert r.tokens is not None
        for t in sorted(owned[r.owner].difference(r.tokens)):
            chain = tokens[t]
            a = current[t]
            b = (
                bisect.bisect_left(chain.points, r.ret * scale) - 1
                if r.ret < INFINITY
                else len(chain.points) - 1
            )
            if chain.owners[b] != r.owner or chain.run_start[b] > a:
                continue  # some version in the call's window is someone else's
            before = chain.run_start[b] - 1
            if before < 0:
                verdicts[t] = FastVerdict(
                    False,
                    f"operation {r.op}: gettokens({r.owner}) omits token {t}, which "
                    f"{r.owner} owns from before the call to its end",
                )
                dirty.discard(t)
                del tokens[t]
                for s in owned.values():
                    s.discard(t)
                continue
            bound = r.call * scale + 1
            if chain.extra.get(before + 1, 0) < bound:
                chain.extra[before + 1] = bound
                chain.pushed_by.add(r.op)
                dirty.add(t)
    return dirty


def _order(chain: _Token, scale: int) -> tuple[int, ...]:
    placed: list[tuple[float, int]] = []
    for i, w in enumerate(chain.writers):
        if w is not None:
            placed.append((chain.points[i], w.op))
        for call, _, op in chain.reads[i]:
            placed.append((max(call * scale, chain.points[i]) + 0.5, op))
    placed.sort()
    return tuple(op for _, op in placed)
