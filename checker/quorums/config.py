"""What to prove: the range of n, the quorum rule, the faults, the changes.

>>> QuorumConfig(min_n=3, max_n=7).chain
3
>>> QuorumConfig(min_n=5, max_n=3)
Traceback (most recent call last):
...
checker.quorums.errors.InvalidQuorumConfig: max_n=3 is not allowed: at least min_n (5)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.quorums.errors import InvalidQuorumConfig
from checker.quorums.rules import MAJORITY, QuorumRule

# Cardinality encodings stay fast well beyond the protocol's 7 servers; the
# caps only keep a typo (--max 10000) from hanging the solver.
MAX_SERVERS = 64
MAX_CHAIN = 5


@dataclass(frozen=True, slots=True)
class QuorumConfig:
    """One run of the prover; the CLI options map one-to-one onto the fields.

    `faulty` None means maxf(n) faulty servers at each n. `chain` is the most
    successive changes the chain obligation covers; `transfer` False is a
    reconfiguration without state transfer (joiners start from the initial store).
    """

    min_n: int = 3
    max_n: int = 7
    rule: QuorumRule = field(default=MAJORITY)
    transfer: bool = True
    chain: int = 3
    faulty: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.min_n <= MAX_SERVERS:
            raise InvalidQuorumConfig("min_n", self.min_n, f"between 1 and {MAX_SERVERS}")
        if not 1 <= self.max_n <= MAX_SERVERS:
            raise InvalidQuorumConfig("max_n", self.max_n, f"between 1 and {MAX_SERVERS}")
        if self.max_n < self.min_n:
            raise InvalidQuorumConfig("max_n", self.max_n, f"at least min_n ({self.min_n})")
        if not 1 <= self.chain <= MAX_CHAIN:
            raise InvalidQuorumConfig("chain", self.chain, f"between 1 and {MAX_CHAIN} changes")
        if self.faulty is not None and not 0 <= self.faulty <= self.min_n:
            raise InvalidQuorumConfig(
                "faulty",
                self.faulty,
                f"between 0 and min_n ({self.min_n}): no configuration has more"
                " faulty servers than servers",
            )

    @property
    def sizes(self) -> range:
        return range(self.min_n, self.max_n + 1)


DEFAULT = QuorumConfig()
