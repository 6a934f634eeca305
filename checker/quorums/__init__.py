"""z3 proofs of the protocol's quorum arithmetic (PROTOCOL.md section 7).

For each n: any two quorums intersect, a quorum of correct servers survives
maxf(n) faults, and after a join, a leave, or a chain of up to k changes with
state transfer, every read quorum meets a server holding an acknowledged
write. Failing variants (a fixed or half-size quorum, no state transfer)
come back refuted with concrete server sets.

    >>> from checker.quorums import QuorumConfig, check_quorums
    >>> report = check_quorums(QuorumConfig(min_n=3, max_n=5))
    >>> report.exit_code, report.rows[0].outcome("chain").status.value
    (0, 'proven')

z3 is imported only by `checker.quorums.solver`.
"""

from checker.quorums.check import check_quorums, check_row
from checker.quorums.config import DEFAULT, MAX_CHAIN, MAX_SERVERS, QuorumConfig
from checker.quorums.errors import InvalidQuorumConfig, QuorumError
from checker.quorums.results import (
    OBLIGATIONS,
    Counterexample,
    Outcome,
    Report,
    Row,
    ServerSet,
    Status,
    SymbolicFact,
)
from checker.quorums.rules import (
    HALF,
    MAJORITY,
    RULES,
    QuorumRule,
    QuorumSize,
    fixed_rule,
    flexible_rule,
    maxf,
    q,
)

__all__ = [
    "DEFAULT",
    "HALF",
    "MAJORITY",
    "MAX_CHAIN",
    "MAX_SERVERS",
    "OBLIGATIONS",
    "RULES",
    "Counterexample",
    "InvalidQuorumConfig",
    "Outcome",
    "QuorumConfig",
    "QuorumError",
    "QuorumRule",
    "QuorumSize",
    "Report",
    "Row",
    "ServerSet",
    "Status",
    "SymbolicFact",
    "check_quorums",
    "check_row",
    "fixed_rule",
    "flexible_rule",
    "maxf",
    "q",
]
