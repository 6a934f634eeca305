"""End-of-run checks: store summaries, conservation, and the fault-free re-run.

The re-run replays completed operations (and role changes) one at a time, in
their completion order, on a fresh system without faults or delays (step mode,
oldest message first), and compares the answers one by one. An operation
that overlapped in time (each invoked before the other was answered) with a
pay of a token it touches may legitimately take effect before or after that
pay, so a difference on that token is *explained by overlap*; a later difference on a
token that an explained pay difference left in another state *follows an
overlap*. Any
other difference is a failure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from impl.tokens.cluster import Cluster
from impl.tokens.config import Params, quorum
from impl.tokens.operations import Answer, GetTokens, Installed, NotOwner, Ok, Pay, Tokens


@dataclass(frozen=True, slots=True)
class Completed:
    """One completed operation (`call` a Pay or GetTokens) or role change
    (`call` the transformed node's name, `node` "manager")."""

    node: str
    call: Pay | GetTokens | str
    answer: Answer
    invoked_seq: int
    answered_seq: int

    def overlaps(self, other: Completed) -> bool:
        return self.invoked_seq < other.answered_seq and other.invoked_seq < self.answered_seq

    def describe(self) -> str:
        what = f"transform({self.call})" if isinstance(self.call, str) else str(self.call)
        return f"{self.node}: {what}"


# -- stores ------------------------------------------------------------------


def latest_values(cluster: Cluster) -> dict[int, tuple[int, str]]:
    """For each token, the highest version held by a current server, with its owner."""
    latest: dict[int, tuple[int, str]] = {}
    for store in cluster.stores().values():
        for t, (v, o) in (store or {}).items():
            if t not in latest or v > latest[t][0]:
                latest[t] = (v, o)
    return latest


def store_summary(cluster: Cluster) -> list[str]:
    """One line per current server: epoch, faultiness, tokens held per owner,
    and on how many tokens it is behind the latest version."""
    latest = latest_values(cluster)
    status = {s.name: s for s in cluster.status()}
    lines = []
    for server, store in cluster.stores().items():
        mark = " faulty" if status[server].faulty else ""
        if store is None:
            lines.append(f"{server} (epoch {status[server].epoch}{mark}): no store yet (joining)")
            continue
        behind = sum(1 for t, (v, _) in store.items() if v < latest[t][0])
        owners = Counter(o for _, o in store.values())
        per_owner = " ".join(f"{o}:{k}" for o, k in sorted(owners.items()))
        lines.append(
            f"{server} (epoch {status[server].epoch}{mark}): {len(store)} tokens, "
            f"{sum(v for v, _ in store.values())} version sum, behind on {behind}; {per_owner}"
        )
    return lines


def conservation(cluster: Cluster) -> list[str]:
    """Problems with conservation (empty if it holds): every current server with
    a store holds every token once; copies of one version name one owner; each
    token's latest version is on enough current servers that every read quorum
    meets it (n - q(n) + 1). Not a majority: a pay acknowledged by q(n) servers
    while one of them leaves ends on q(n) - 1 of the n - 1 left, which every
    read quorum of n - 1 still meets (PROTOCOL.md section 3)."""
    problems: list[str] = []
    tokens = cluster.params.tokens
    servers = cluster.servers()
    # a joiner still waiting for its SYNC_WRITE has no store yet: it holds nothing
    stores = {s: store for s, store in cluster.stores().items() if store is not None}
    need = len(servers) - quorum(len(servers)) + 1
    for s, store in stores.items():
        if sorted(store) != list(range(tokens)):
            problems.append(f"{s} holds tokens {sorted(set(range(tokens)) ^ set(store))} wrongly")
    for t in range(tokens):
        owners: dict[int, set[str]] = {}
        for store in stores.values():
            if t in store:
                v, o = store[t]
                owners.setdefault(v, set()).add(o)
        for v, os in sorted(owners.items()):
            if len(os) > 1:
                problems.append(f"token {t} version {v} has owners {sorted(os)} (double spend)")
        if not owners:
            continue
        top = max(owners)
        holders = [s for s, store in stores.items() if store.get(t, (0, ""))[0] == top]
        if len(holders) < need:
            problems.append(
                f"token {t}: latest version {top} on {len(holders)} servers "
                f"({', '.join(holders)}): a read quorum of {quorum(len(servers))} of "
                f"{len(servers)} servers could miss it (it needs {need})"
            )
    return problems


def versions_unique(completed: list[Completed]) -> list[str]:
    """No two successful pays wrote the same version of a token."""
    seen: dict[tuple[int, int], Completed] = {}
    problems = []
    for c in completed:
        if isinstance(c.call, Pay) and isinstance(c.answer, Ok):
            key = (c.call.token, c.answer.version)
            if key in seen:
                problems.append(
                    f"token {key[0]} version {key[1]} paid twice: {seen[key].describe()} "
                    f"and {c.describe()}"
                )
            seen[key] = c
    return problems


# -- the fault-free re-run -----------------------------------------------------


@dataclass
class Rerun:
    answers: list[Answer | str]
    ownership: dict[int, tuple[int, str]]


def rerun(params: Params, completed: list[Completed]) -> Rerun:
    """Replay `completed` in order on a fresh fault-free, delay-free system."""
    clean = Params(
        servers=params.servers, clients=params.clients, tokens=params.tokens,
        faulty=(), seed=params.seed, timeout=params.timeout, fast_read=params.fast_read,
    )  # fmt: skip
    system = Cluster(clean, mode="step", policy="fifo")
    answers: list[Answer | str] = []
    for c in completed:
        try:
            if isinstance(c.call, str):
                handle = system.transform(c.call)
            else:
                handle = system.submit_unchecked(c.node, c.call)
            answers.append(system.run(handle))
        except Exception as error:  # reported as a difference, never a crash
            answers.append(f"error: {error}")
    system.quiesce()
    return Rerun(answers, latest_values(system))


@dataclass(frozen=True, slots=True)
class Difference:
    index: int
    op: Completed
    rerun: Answer | str
    verdict: str  # "overlap", "follows-overlap" or "failure"
    why: str


@dataclass
class Comparison:
    differences: list[Difference] = field(default_factory=list)

    @property
    def failures(self) -> list[Difference]:
        return [d for d in self.differences if d.verdict == "failure"]

    def count(self, verdict: str) -> int:
        return sum(1 for d in self.differences if d.verdict == verdict)


def _differing_tokens(a: Answer | str, b: Answer | str, call: Pay | GetTokens | str) -> set[int]:
    if isinstance(a, Tokens) and isinstance(b, Tokens):
        return {t for t, _ in set(a.tokens) ^ set(b.tokens)}
    if isinstance(call, Pay) and isinstance(a, (Ok, NotOwner)) and isinstance(b, (Ok, NotOwner)):
        return {call.token}
    return set()


def compare(completed: list[Completed], rerun_answers: list[Answer | str]) -> Comparison:
    """Classify each answer that differs between the run and its re-run."""
    result = Comparison()
    diverged: dict[int, int] = {}  # token -> index of the explained difference that diverged it
    for i, (c, again) in enumerate(zip(completed, rerun_answers, strict=True)):
        if c.answer == again:
            continue
        touched = _differing_tokens(c.answer, again, c.call)
        if isinstance(c.answer, Installed) or not touched:
            result.differences.append(Difference(i, c, again, "failure", "answers differ"))
            continue
        unexplained = []
        why = []
        for t in sorted(touched):
            # only a pay can change a token's value, so only a pay can be the rival
            rival = next(
                (
                    o
                    for o in completed
                    if o is not c
                    and isinstance(o.call, Pay)
                    and o.call.token == t
                    and c.overlaps(o)
                ),
                None,
            )
            if rival is not None:
                why.append(f"token {t} overlapped with {rival.describe()}")
            elif t in diverged:
                why.append(f"token {t} diverged at op #{diverged[t] + 1}")
            else:
                unexplained.append(t)
        if unexplained:
            verdict = "failure"
            text = f"token(s) {unexplained} differ with no overlapping operation"
        elif any("overlapped" in w for w in why):
            verdict, text = "overlap", "; ".join(why)
        else:
            verdict, text = "follows-overlap", "; ".join(why)
        # only a pay that came out differently leaves the token in a different state
        if verdict != "failure" and isinstance(c.call, Pay):
            for t in touched:
                diverged.setdefault(t, i)
        result.differences.append(Difference(i, c, again, verdict, text))
    return result
