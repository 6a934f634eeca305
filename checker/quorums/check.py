"""Run every obligation of a `QuorumConfig`: one `Row` per n, then the
symbolic facts. Plain orchestration; the proofs are in `solver`.

    >>> from checker.quorums.config import QuorumConfig
    >>> row = check_row(4, QuorumConfig())
    >>> [o.status.value for o in row.outcomes]
    ['proven', 'proven', 'proven', 'proven', 'proven']
"""

from __future__ import annotations

from checker.quorums import solver
from checker.quorums.config import QuorumConfig
from checker.quorums.results import Report, Row
from checker.quorums.rules import maxf


def check_row(n: int, config: QuorumConfig) -> Row:
    """Every obligation at n servers, in the order of `OBLIGATIONS`."""
    rule = config.rule
    faulty = maxf(n) if config.faulty is None else config.faulty
    # For the protocol's rules max f is maxf(n); flexible sizes are asked
    # what they tolerate, which is what the user wants to learn from them.
    max_f = maxf(n) if rule.symmetric else solver.largest_tolerated_f(n, rule)
    outcomes = (
        solver.intersection(n, rule),
        solver.availability(n, rule, faulty),
        solver.change(n, rule, "join", config.transfer),
        solver.change(n, rule, "leave", config.transfer),
        solver.chain(n, rule, config.chain, config.transfer),
    )
    return Row(n, rule.read(n), rule.write(n), max_f, faulty, outcomes)


def check_quorums(config: QuorumConfig) -> Report:
    """The whole run. Symbolic facts only for rules whose sizes follow n."""
    rows = tuple(check_row(n, config) for n in config.sizes)
    symbolic = solver.symbolic_facts(config.rule) if config.rule.scales_with_n else ()
    return Report(config.rule.name, config.chain, config.transfer, config.faulty, rows, symbolic)
