"""What the prover returns: plain frozen records, free of z3 and click.

A refuted obligation carries a `Counterexample`: named server sets (the
configurations, the quorums, the servers holding the write) that a reader or a
test can check with set arithmetic alone.

    >>> w = ServerSet("write quorum", 0, ("s1", "s2"), 2)
    >>> w.show()
    'epoch 0 write quorum (size 2): {s1,s2}'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

OBLIGATIONS = ("intersection", "availability", "join", "leave", "chain")


class Status(Enum):
    PROVEN = "proven"  # z3: no counterexample exists (unsat)
    REFUTED = "refuted"  # z3 found one; it comes with the result
    UNKNOWN = "unknown"  # z3 gave up; never a pass
    NOT_APPLICABLE = "n/a"  # e.g. a leave from a single server

    @property
    def exit_code(self) -> int:
        """0 proven (or nothing to prove), 1 refuted, 3 unknown."""
        return {"refuted": 1, "unknown": 3}.get(self.value, 0)


def worst(codes: list[int]) -> int:
    """1 over 3 over 0: a refutation is never hidden by an unknown."""
    return 1 if 1 in codes else 3 if 3 in codes else 0


@dataclass(frozen=True, slots=True)
class ServerSet:
    """A set of servers with its role, its epoch and the size it must have.

    `size` is what the obligation requires (the quorum size, the faults, the
    configuration's n); for the `holders` set it is simply its size.
    """

    role: str
    epoch: int
    members: tuple[str, ...]
    size: int

    def show(self) -> str:
        return f"epoch {self.epoch} {self.role} (size {self.size}): {braces(self.members)}"


def braces(members: tuple[str, ...] | frozenset[str]) -> str:
    """Servers as a set literal, in server order: {s1,s2,s10}."""
    return "{" + ",".join(sorted(members, key=server_number)) + "}"


def server_number(name: str) -> int:
    return int(name[1:])


@dataclass(frozen=True, slots=True)
class Counterexample:
    """The sets that break an obligation, and the claim they break."""

    claim: str
    sets: tuple[ServerSet, ...]

    def find(self, role: str, epoch: int) -> ServerSet:
        """The set with this role and epoch; KeyError names what is missing."""
        for s in self.sets:
            if s.role == role and s.epoch == epoch:
                return s
        raise KeyError(f"no {role!r} at epoch {epoch} in this counterexample")

    @property
    def epochs(self) -> int:
        """The number of changes the counterexample goes through."""
        return max(s.epoch for s in self.sets)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One obligation at one n."""

    obligation: str
    status: Status
    counterexample: Counterexample | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """Every obligation at one n. `max_f` is maxf(n), or for flexible quorums
    the largest f the sizes tolerate (None when not even f = 0 works);
    `faulty` is the f the availability obligation assumed."""

    n: int
    read_size: int
    write_size: int
    max_f: int | None
    faulty: int
    outcomes: tuple[Outcome, ...]

    def outcome(self, obligation: str) -> Outcome:
        return next(o for o in self.outcomes if o.obligation == obligation)


@dataclass(frozen=True, slots=True)
class SymbolicFact:
    """A counting fact for every n >= `from_n`; refuted ones carry an n."""

    name: str
    claim: str
    from_n: int
    status: Status
    counterexample_n: int | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """A whole run: one row per n, then the symbolic facts (empty when the
    rule's sizes do not follow n)."""

    rule: str
    chain: int
    transfer: bool
    faulty: int | None  # None: maxf(n) at each n
    rows: tuple[Row, ...]
    symbolic: tuple[SymbolicFact, ...]
    interrupted: bool = False  # stopped by Ctrl-C: the rows so far only

    @property
    def exit_code(self) -> int:
        codes = [o.status.exit_code for r in self.rows for o in r.outcomes]
        codes += [f.status.exit_code for f in self.symbolic]
        return worst([*codes, 3] if self.interrupted else codes)
