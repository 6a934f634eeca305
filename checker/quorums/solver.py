"""The z3 proofs: the only module of tokencheck that imports z3.

Each obligation asks z3 for a counterexample; unsat means proven, and a model
becomes a `Counterexample` of named server sets. A set of servers is a vector
of Bools (membership) with pseudo-boolean cardinality constraints (`PbEq`);
a quorum is a set of exactly its size (a larger set meets whatever a smaller
one does, so exact sizes are the worst case).

    >>> from checker.quorums.rules import HALF, MAJORITY
    >>> intersection(4, HALF).status
    <Status.REFUTED: 'refuted'>
    >>> chain(5, MAJORITY, 3, transfer=True).status
    <Status.PROVEN: 'proven'>

Reconfiguration with state transfer (for the token protocol, PROTOCOL.md
section 3: SYNC_READ and SYNC_WRITE). A write is acknowledged by a write
quorum W of epoch 0. Change i moves epoch i to i+1: z3 picks a join (any
server not in the configuration, a former one included) or a leave (any
member), the transfer-read quorum of epoch i and the transfer-write quorum
of epoch i+1. The holders of the write evolve as

    holders(0)   = W
    holders(i+1) = servers(i+1) & (holders(i) | TW(i+1) if TR(i) meets holders(i))

(a leaver loses its store; without state transfer the second term is empty).
The obligation: every read quorum of the last epoch meets holders.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import z3

from checker.quorums.errors import ProofInterrupted
from checker.quorums.results import Counterexample, Outcome, ServerSet, Status, SymbolicFact
from checker.quorums.rules import QuorumRule, QuorumSize
from checker.quorums.runs import KINDS, Run, history_classes, runs

__all__ = [
    "availability",
    "chain",
    "change",
    "intersection",
    "largest_tolerated_f",
    "symbolic_facts",
]

Bits = list[z3.BoolRef]


def _servers(count: int) -> list[str]:
    return [f"s{i}" for i in range(1, count + 1)]


def _bits(tag: str, count: int) -> Bits:
    return [z3.Bool(f"{tag}_s{i}") for i in range(1, count + 1)]


def _card(bits: Sequence[z3.BoolRef], k: int) -> z3.BoolRef:
    """Exactly k of `bits` are true."""
    if not bits:
        return z3.BoolVal(k == 0)
    return z3.PbEq([(b, 1) for b in bits], k)


def _at_least(bits: Sequence[z3.BoolRef], k: int) -> z3.BoolRef:
    """At least k of `bits` are true."""
    if k <= 0:
        return z3.BoolVal(True)
    if k > len(bits):
        return z3.BoolVal(False)
    return z3.PbGe([(b, 1) for b in bits], k)


def _disjoint(a: Sequence[z3.BoolRef], b: Sequence[z3.BoolRef]) -> z3.BoolRef:
    return z3.And([z3.Not(z3.And(x, y)) for x, y in zip(a, b, strict=True)])


# Cardinalities to bits, then the SAT core: about twice as fast here as the
# default solver's choice, which tries arithmetic first.
_FINITE = z3.Then("simplify", "pb2bv", "bit-blast", "sat")

# z3 catches SIGINT during a check and may swallow it; leave Ctrl-C to the
# CLI, which stops between rows (checker/cli/interrupt.py).
z3.set_param("ctrl_c", False)


def _solve(constraints: list[z3.BoolRef], finite: bool = True) -> tuple[Status, z3.ModelRef | None]:
    solver = _FINITE.solver() if finite else z3.Solver()
    solver.add(*constraints)
    answer = solver.check()
    if answer == z3.unsat:
        return Status.PROVEN, None
    if answer == z3.sat:
        return Status.REFUTED, solver.model()
    if solver.reason_unknown() in _INTERRUPTED:
        # z3 catches SIGINT during check() and gives up: that is the user's
        # Ctrl-C, not an unknown answer
        raise ProofInterrupted("z3 was interrupted (Ctrl-C)")
    return Status.UNKNOWN, None


_INTERRUPTED = ("canceled", "interrupted from keyboard", "interrupted")


def _members(model: z3.ModelRef, bits: Sequence[z3.BoolRef]) -> tuple[str, ...]:
    names = _servers(len(bits))
    return tuple(
        name
        for name, b in zip(names, bits, strict=True)
        if z3.is_true(model.eval(b, model_completion=True))
    )


def intersection(n: int, rule: QuorumRule) -> Outcome:
    """Any read quorum meets any write quorum among n servers (for symmetric
    rules: no two quorums of size q(n) are disjoint)."""
    w, r = _bits("w", n), _bits("r", n)
    status, model = _solve([_card(w, rule.write(n)), _card(r, rule.read(n)), _disjoint(w, r)])
    if model is None:
        return Outcome("intersection", status)
    return Outcome(
        "intersection",
        status,
        Counterexample(
            "the write quorum and the read quorum are disjoint",
            (
                ServerSet("servers", 0, tuple(_servers(n)), n),
                ServerSet("write quorum", 0, _members(model, w), rule.write(n)),
                ServerSet("read quorum", 0, _members(model, r), rule.read(n)),
            ),
        ),
    )


def availability(n: int, rule: QuorumRule, faulty: int) -> Outcome:
    """With `faulty` faulty servers among n, the correct ones still hold a read
    quorum and a write quorum."""
    bad = _bits("faulty", n)
    # Fewer than q correct servers means more than n - q faulty ones.
    no_quorum = z3.Or(_at_least(bad, n - rule.read(n) + 1), _at_least(bad, n - rule.write(n) + 1))
    status, model = _solve([_card(bad, faulty), no_quorum])
    if model is None:
        return Outcome("availability", status)
    return Outcome(
        "availability",
        status,
        Counterexample(
            "the correct servers hold no read quorum or no write quorum",
            (
                ServerSet("servers", 0, tuple(_servers(n)), n),
                ServerSet("faulty", 0, _members(model, bad), faulty),
            ),
        ),
    )


def largest_tolerated_f(n: int, rule: QuorumRule) -> int | None:
    """The most faulty servers among n that still leave a correct read and
    write quorum, or None when even f = 0 does not.

    A z3-driven binary search, not z3 optimisation: availability is monotone
    in f (more faulty servers never leave more correct ones), so each probe
    is one `availability` proof and the search takes about log2(n) of them.
    The property is "for all faulty sets", which `z3.Optimize` (an exists
    question) does not express directly.
    """
    if availability(n, rule, 0).status is not Status.PROVEN:
        return None
    low, high = 0, n  # availability proven at low; high is the upper bound
    while low < high:
        mid = (low + high + 1) // 2
        if availability(n, rule, mid).status is Status.PROVEN:
            low = mid
        else:
            high = mid - 1
    return low


def change(n: int, rule: QuorumRule, kind: str, transfer: bool = True) -> Outcome:
    """One change from n servers, `kind` 'join' (to n+1) or 'leave' (to n-1):
    every read quorum of the new epoch meets a server holding the write."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    status = Status.NOT_APPLICABLE  # a leave from one server: nothing to prove
    for run in runs(n, (kind,)):
        status, counterexample = _refute_run(rule, run, transfer)
        if status is not Status.PROVEN:
            return Outcome(kind, status, counterexample)
    return Outcome(kind, status)


def chain(n: int, rule: QuorumRule, k: int, transfer: bool = True) -> Outcome:
    """Up to k successive changes, every sequence of joins and leaves that
    keeps a server in each configuration: the last epoch's read quorums meet
    the write. A refutation is a shortest one (1, 2, ... k changes in turn)."""
    for length in range(1, k + 1):
        for kinds in itertools.product(KINDS, repeat=length):
            for run in runs(n, kinds):
                status, counterexample = _refute_run(rule, run, transfer)
                if status is not Status.PROVEN:
                    return Outcome("chain", status, counterexample)
    return Outcome("chain", Status.PROVEN)


def _refute_run(rule: QuorumRule, run: Run, transfer: bool) -> tuple[Status, Counterexample | None]:
    """Search, along one run of configurations, for quorums (the write's, each
    change's transfer-read and transfer-write, the last read) such that the read
    quorum misses every server holding the write."""
    k = len(run) - 1
    servers = sorted(set().union(*run))
    facts: list[z3.BoolRef] = []

    def quorum(tag: str, epoch: int, size: QuorumSize) -> dict[int, z3.BoolRef]:
        """A quorum of `size(n_epoch)` servers of the epoch's configuration."""
        bits = {s: z3.Bool(f"{tag}_s{s}") if s in run[epoch] else _FALSE for s in servers}
        facts.append(_card([bits[s] for s in run[epoch]], size(len(run[epoch]))))
        return bits

    write = quorum("write", 0, rule.write)
    holders = [write]
    sync_reads, sync_writes = [], []
    for i in range(k):
        sync_read = quorum(f"sync_read{i}", i, rule.read)
        sync_write = quorum(f"sync_write{i + 1}", i + 1, rule.write)
        sync_reads.append(sync_read)
        sync_writes.append(sync_write)
        merged = z3.Or([z3.And(sync_read[s], holders[i][s]) for s in run[i]])
        transferred = z3.And(z3.BoolVal(transfer), merged)
        # A leaver's store is emptied; a joiner holds only what transfer-write brings.
        holders.append(
            {
                s: z3.Or(holders[i][s], z3.And(transferred, sync_write[s]))
                if s in run[i + 1]
                else _FALSE
                for s in servers
            }
        )
    read = quorum("read", k, rule.read)
    facts.append(_disjoint([read[s] for s in servers], [holders[k][s] for s in servers]))

    # Servers of one history class are interchangeable: order their quorum
    # memberships lexicographically, or z3 proves unsat once per permutation.
    quorums = [write, *sync_reads, *sync_writes, read]
    for group in history_classes(run):
        for a, b in itertools.pairwise(group):
            facts.append(_lex_ge([q[a] for q in quorums], [q[b] for q in quorums]))

    status, model = _solve(facts)
    if model is None:
        return status, None

    def named(role: str, epoch: int, bits: dict[int, z3.BoolRef], size: int) -> ServerSet:
        return ServerSet(role, epoch, _chosen(model, bits), size)

    def sized(role: str, epoch: int, bits: dict[int, z3.BoolRef], size: QuorumSize) -> ServerSet:
        return named(role, epoch, bits, size(len(run[epoch])))

    sets = [_config(run, 0), sized("write quorum", 0, write, rule.write)]
    for i in range(k):
        if transfer:
            sets.append(sized("transfer-read quorum", i, sync_reads[i], rule.read))
        sets.append(_config(run, i + 1))
        if transfer:
            sets.append(sized("transfer-write quorum", i + 1, sync_writes[i], rule.write))
    held = named("holders", k, holders[k], 0)
    sets.append(ServerSet("holders", k, held.members, len(held.members)))
    sets.append(sized("read quorum", k, read, rule.read))
    how = "with state transfer" if transfer else "without state transfer"
    claim = f"after {k} change(s) {how}, the read quorum misses every server holding the write"
    return status, Counterexample(claim, tuple(sets))


_FALSE = z3.BoolVal(False)


def _config(run: Run, epoch: int) -> ServerSet:
    members = tuple(f"s{s}" for s in sorted(run[epoch]))
    return ServerSet("servers", epoch, members, len(members))


def _chosen(model: z3.ModelRef, bits: dict[int, z3.BoolRef]) -> tuple[str, ...]:
    return tuple(
        f"s{s}" for s, b in sorted(bits.items()) if z3.is_true(model.eval(b, model_completion=True))
    )


def _lex_ge(a: Sequence[z3.BoolRef], b: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """The Bool vector a is lexicographically at least b (True > False)."""
    result: z3.BoolRef = z3.BoolVal(True)
    for x, y in reversed(list(zip(a, b, strict=True))):
        if x is _FALSE and y is _FALSE:
            continue  # both outside this epoch's configuration
        result = z3.If(x == y, result, x)
    return result


def symbolic_facts(rule: QuorumRule) -> tuple[SymbolicFact, ...]:
    """The counting facts behind the finite proofs, for every n at once.

    n is a z3 Int, `n // 2` is z3's integer division; each fact is refuted
    by an n when it fails. With q = the rule's sizes and f = maxf(n):
    QuorumsIntersect (also what makes a transfer-read quorum meet the write
    quorum, and a transfer-write quorum meet the next epoch's read quorums, at
    every step of a chain), QuorumFits, CorrectQuorumExists, FaultsAreMinority,
    JoinQuorumsMeet (old write quorum vs new read quorum among n+1 servers)
    and LeaveQuorumsMeet (the write quorum less the leaver vs a read quorum
    of the n-1 remaining).
    """
    n = z3.Int("n")

    def size(s: QuorumSize, m: z3.ArithRef) -> z3.ArithRef:
        return s.per_half * (m / 2) + s.offset

    def f(m: z3.ArithRef) -> z3.ArithRef:
        return (m - 1) / 2

    def qr(m: z3.ArithRef) -> z3.ArithRef:
        return size(rule.read, m)

    def qw(m: z3.ArithRef) -> z3.ArithRef:
        return size(rule.write, m)

    claims: list[tuple[str, str, int, Callable[[], z3.BoolRef]]] = [
        ("QuorumsIntersect", "qr(n) + qw(n) > n", 1, lambda: qr(n) + qw(n) > n),
        ("QuorumFits", "max(qr(n), qw(n)) <= n", 1, lambda: z3.And(qr(n) <= n, qw(n) <= n)),
        (
            "CorrectQuorumExists",
            "n - maxf(n) >= max(qr(n), qw(n))",
            1,
            lambda: z3.And(n - f(n) >= qr(n), n - f(n) >= qw(n)),
        ),
        ("FaultsAreMinority", "2 * maxf(n) < n", 1, lambda: 2 * f(n) < n),
        ("JoinQuorumsMeet", "qw(n) + qr(n+1) > n+1", 1, lambda: qw(n) + qr(n + 1) > n + 1),
        (
            "LeaveQuorumsMeet",
            "(qw(n) - 1) + qr(n-1) > n-1",
            2,
            lambda: (qw(n) - 1) + qr(n - 1) > n - 1,
        ),
    ]
    facts = []
    for name, text, from_n, claim in claims:
        status, model = _solve([n >= from_n, z3.Not(claim())], finite=False)
        witness = model.eval(n).as_long() if model is not None else None
        facts.append(SymbolicFact(name, text, from_n, status, witness))
    return tuple(facts)
