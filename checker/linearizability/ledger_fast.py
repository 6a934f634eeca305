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
from dataclasses import dataclass, field

from checker.linearizability.model import INFINITY, PENDING
from checker.linearizability.models import LedgerPartition, PayRecord

MAX_ROUNDS = 64
MAX_VERSIONS = 1 << 20  # per token, and tokens: they share one packed int in the sweep


@dataclass(frozen=True, slots=True)
class FastVerdict:
    """ok True (order: the pays and pinned reads in linearization order),
    False (why: the first constraint that fails), None (deferred: why)."""

    ok: bool | None
    why: str = ""
    order: tuple[int, ...] = ()


@dataclass(slots=True)
class _Token:
    token: int
    v0: int
    owners: list[str]  # owners[i]: owner of version v0 + i
    writers: list[PayRecord | None]  # writers[i]: the pay that wrote v0 + i (None for v0)
    max_call: list[int]  # per version: the latest invocation of a read pinned to it
    min_ret: list[int]  # per version: the earliest return of a read pinned to it
    min_ret_op: list[int]  # ... and that read's operation id
    reads: list[list[tuple[int, int]]]  # per version: (call, op) of pinned reads
    extra: dict[int, int] = field(default_factory=dict)  # version index -> lower bound
    pushed_by: set[int] = field(default_factory=set)  # gettokens that set an `extra` bound
    points: list[int] = field(default_factory=list)  # points[i]: write point of v0 + i
    run_start: list[int] = field(default_factory=list)  # first index of i's run of one owner


def fast_ledger(part: LedgerPartition, orders: bool = True) -> dict[int, FastVerdict]:
    """A verdict per token (deferred tokens need the general search); `orders`:
    also give each ok token's linearization (a sort per token; pictures need it)."""
    scale = 2 * (len(part.pays) + len(part.reads)) + 4  # points per rank; > versions per token
    verdicts: dict[int, FastVerdict] = {}
    tokens = _chains(part, verdicts, orders)
    for t in list(tokens):
        why = _schedule(tokens[t], scale)
        if why:
            verdicts[t] = FastVerdict(False, why)
            del tokens[t]
    sweep = tokens  # later rounds sweep only the tokens whose writes moved
    for _ in range(MAX_ROUNDS):
        dirty = _negative_reads(part, sweep, scale, verdicts)
        for t in list(tokens):
            if t in verdicts:
                del tokens[t]
        dirty &= tokens.keys()
        if not dirty:
            break
        for t in dirty:
            why = _schedule(tokens[t], scale)
            if why:
                verdicts[t] = FastVerdict(False, why)
                del tokens[t]
        sweep = {t: tokens[t] for t in dirty if t in tokens}
    else:
        for t in tokens:
            verdicts[t] = FastVerdict(None, f"more than {MAX_ROUNDS} rounds of absent-token reads")
        return verdicts
    for t, chain in tokens.items():
        verdicts[t] = FastVerdict(True, "", _order(chain, scale) if orders else ())
    return verdicts


def _chains(
    part: LedgerPartition, verdicts: dict[int, FastVerdict], keep_reads: bool
) -> dict[int, _Token]:
    """Per token: the owner of each version and the pinned reads; exact failures go to
    `verdicts` as illegal, tokens that need the general search as deferred."""
    writes: dict[int, dict[int, PayRecord]] = defaultdict(dict)
    refused: list[PayRecord] = []
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
        elif out[2] == p.client:
            verdicts[p.token] = FastVerdict(
                False, f"operation {p.op}: NOT_OWNER names the caller {p.client} as owner"
            )
        else:
            refused.append(p)
    chains = {}
    for t, (v0, o0) in part.initial.items():
        if t in verdicts:
            continue
        written = writes.get(t, {})
        if any(v <= v0 for v in written):
            verdicts[t] = FastVerdict(False, f"a pay answers a version not above the initial {v0}")
            continue
        owners: list[str] = [o0]
        writers: list[PayRecord | None] = [None]
        why = ""
        gap = False
        for v in range(v0 + 1, max(written, default=v0) + 1):
            w = written.get(v)
            if w is None:
                gap = True
                why = f"version {v} was written by no pay that answered"
                break
            if w.client != owners[-1]:
                why = f"operation {w.op}: {w.client} paid version {v - 1} owned by {owners[-1]}"
                break
            owners.append(w.to)
            writers.append(w)
        if not why and len(owners) >= MAX_VERSIONS:
            why, gap = f"more than {MAX_VERSIONS:,} versions: the sweep packs them in 20 bits", True
            pending.add(t)  # defer to the general search
        if why:
            _give_up(t, why, gap, pending, verdicts)
            continue
        n = len(owners)
        chain = _Token(
            t, v0, owners, writers, [-1] * n, [INFINITY] * n, [-1] * n, [[] for _ in owners]
        )
        for i, o in enumerate(owners):
            chain.run_start.append(chain.run_start[-1] if i and owners[i - 1] == o else i)
        chains[t] = chain
    for p in refused:
        _pin(
            chains,
            p.token,
            p.output[1],
            p.output[2],
            p.call,
            p.ret,
            p.op,
            "NOT_OWNER",
            pending,
            verdicts,
            keep_reads,
        )
    for r in part.reads:  # the hot loop: _pin inlined for the common, legal case
        if r.tokens is None:
            continue
        owner, call, ret, op = r.owner, r.call, r.ret, r.op
        for t, v in r.tokens.items():
            found = chains.get(t)
            if found is None:
                continue
            chain = found
            i = v - chain.v0
            if 0 <= i < len(chain.owners) and chain.owners[i] == owner:
                if call > chain.max_call[i]:
                    chain.max_call[i] = call
                if ret < chain.min_ret[i]:
                    chain.min_ret[i] = ret
                    chain.min_ret_op[i] = op
                if keep_reads:
                    chain.reads[i].append((call, op))
            else:
                _pin(chains, t, v, owner, call, ret, op, "gettokens", pending, verdicts, False)
    return chains


def _give_up(
    t: int, why: str, gap: bool, pending: set[int], verdicts: dict[int, FastVerdict]
) -> None:
    """A version with no answered writer (`gap`) may be an unfinished pay's: defer."""
    if gap and t in pending:
        verdicts[t] = FastVerdict(None, why + " (an unfinished pay may have)")
    else:
        verdicts[t] = FastVerdict(False, why)


def _pin(
    chains: dict[int, _Token],
    t: int,
    v: int,
    owner: str,
    call: int,
    ret: int,
    op: int,
    what: str,
    pending: set[int],
    verdicts: dict[int, FastVerdict],
    keep: bool,
) -> None:
    """A read pinned to version v of token t, with the owner it saw."""
    chain = chains.get(t)
    if chain is None:
        return
    i = v - chain.v0
    why = ""
    if i < 0:
        why = f"operation {op}: {what} names version {v}, below the initial {chain.v0}"
    elif i >= len(chain.owners):
        why = f"version {v} was written by no pay that answered"
    elif chain.owners[i] != owner:
        why = (
            f"operation {op}: {what} says version {v} is owned by {owner}, "
            f"but pays make it {chain.owners[i]}'s"
        )
    if why:
        del chains[t]
        _give_up(t, why, i >= len(chain.owners), pending, verdicts)
        return
    if call > chain.max_call[i]:
        chain.max_call[i] = call
    if ret < chain.min_ret[i]:
        chain.min_ret[i] = ret
        chain.min_ret_op[i] = op
    if keep:
        chain.reads[i].append((call, op))


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
    last = -1
    max_call, extra, writers = chain.max_call, chain.extra, chain.writers
    for i in range(1, len(writers)):
        w = writers[i]
        assert w is not None
        low = last + 1  # plain comparisons: max() of four was a third of this loop
        bound = w.call * scale + 1
        if bound > low:
            low = bound
        bound = max_call[i - 1] * scale + 1
        if bound > low:
            low = bound
        if extra:
            bound = extra.get(i, 0)
            if bound > low:
                low = bound
        if low >= w.ret * scale:
            return (
                f"operation {w.op} (pay writing version {chain.v0 + i}) must come after "
                f"reads of version {chain.v0 + i - 1} or writes before it, but it returned "
                "earlier"
            )
        points.append(low)
        last = low
    for i, ret in enumerate(chain.min_ret):
        if points[i] >= ret * scale:
            return (
                f"operation {chain.min_ret_op[i]} read version {chain.v0 + i}, but it returned "
                "before that version could have been written"
            )
    chain.points = points
    return ""


def _negative_reads(
    part: LedgerPartition, tokens: dict[int, _Token], scale: int, verdicts: dict[int, FastVerdict]
) -> set[int]:
    """Sweep the write points of `tokens` and the gettokens calls in time order;
    return the tokens that got a new constraint (illegal ones go to `verdicts`).

    Events are packed into ints (point, kind, payload), which sort several
    times faster than tuples (measured on the 100,000-operation benchmark)."""
    events: list[int] = []
    for t, chain in tokens.items():
        base = t << 20
        points = chain.points
        for i in range(1, len(points)):
            events.append((points[i] << 41) | base | i)
    reads = part.reads
    for k, r in enumerate(reads):
        if r.tokens is not None:
            events.append((r.call * scale << 41) | (1 << 40) | k)
    events.sort()
    owned: dict[str, set[int]] = defaultdict(set)
    current = dict.fromkeys(tokens, 0)
    for t, chain in tokens.items():
        owned[chain.owners[0]].add(t)
    dirty: set[int] = set()
    low_bits = (1 << 40) - 1
    for event in events:
        payload = event & low_bits
        if not event & (1 << 40):
            t, i = payload >> 20, payload & 0xFFFFF
            owners = tokens[t].owners
            owned[owners[i - 1]].discard(t)
            owned[owners[i]].add(t)
            current[t] = i
            continue
        r = reads[payload]
        assert r.tokens is not None
        for t in owned[r.owner].difference(r.tokens):
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
                owned[r.owner].discard(t)  # no further reads of it in this sweep
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
        for call, op in chain.reads[i]:
            placed.append((max(call * scale, chain.points[i]) + 0.5, op))
    placed.sort()
    return tuple(op for _, op in placed)
