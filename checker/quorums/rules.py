"""Quorum rules: how many servers a read and a write wait for, out of n.

Every size is `per_half * (n // 2) + offset`, so one shape covers the
protocol's majority (`n//2 + 1`), half (`n//2`, the token protocol's `small-quorum` mutant), a fixed
size and flexible read/write sizes, and the z3 module can state each one
symbolically for all n.

    >>> MAJORITY.read(5), HALF.write(4), fixed_rule(3).read(7), maxf(5)
    (3, 2, 3, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.quorums.errors import InvalidQuorumConfig


def q(n: int) -> int:
    """The protocol's quorum: a majority of the n current servers."""
    return n // 2 + 1


def maxf(n: int) -> int:
    """The most faulty servers the protocol allows among n: f < n/2."""
    return (n - 1) // 2


@dataclass(frozen=True, slots=True)
class QuorumSize:
    """A quorum size as a function of n: `per_half * (n // 2) + offset`."""

    per_half: int
    offset: int

    def __call__(self, n: int) -> int:
        return self.per_half * (n // 2) + self.offset

    @property
    def scales_with_n(self) -> bool:
        return self.per_half != 0


@dataclass(frozen=True, slots=True)
class QuorumRule:
    """The read and write quorum sizes; symmetric rules use one size for both."""

    name: str
    read: QuorumSize
    write: QuorumSize

    @property
    def symmetric(self) -> bool:
        return self.read == self.write

    @property
    def scales_with_n(self) -> bool:
        """True when the sizes follow n, so facts 'for all n' make sense."""
        return self.read.scales_with_n and self.write.scales_with_n

    def describe(self, n: int) -> str:
        """The sizes at n, as a table cell: `3` or `R2/W4`."""
        if self.symmetric:
            return str(self.read(n))
        return f"R{self.read(n)}/W{self.write(n)}"


MAJORITY = QuorumRule("majority (n//2 + 1)", QuorumSize(1, 1), QuorumSize(1, 1))
HALF = QuorumRule("half (n//2)", QuorumSize(1, 0), QuorumSize(1, 0))
RULES = {"majority": MAJORITY, "half": HALF}


def fixed_rule(size: int) -> QuorumRule:
    """Every quorum has `size` servers, whatever n."""
    if size < 1:
        raise InvalidQuorumConfig("quorum", size, "a quorum size is at least 1")
    return QuorumRule(f"fixed {size}", QuorumSize(0, size), QuorumSize(0, size))


def flexible_rule(read: int, write: int) -> QuorumRule:
    """Flexible quorums: reads wait for `read` servers, writes for `write`."""
    for field, size in (("read", read), ("write", write)):
        if size < 1:
            raise InvalidQuorumConfig(field, size, "a quorum size is at least 1")
    return QuorumRule(f"flexible R{read}/W{write}", QuorumSize(0, read), QuorumSize(0, write))
