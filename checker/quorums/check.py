"""Run every obligation of a `QuorumConfig`: one `Row` per n, then the
symbolic facts. Plain orchestration; the proofs are in `solver`.

    >>> from checker.quorums.config import QuorumConfig
    >>> row = check_row(4, QuorumConfig())
    >>> [o.status.value for o in row.outcomes]
    ['proven', 'proven', 'proven', 'proven', 'proven']
"""

from __future__ import annotations

from collections.abc import Callable

from checker.quorums import solver
from checker.quorums.config import QuorumConfig
from checker.quorums.errors import ProofInterrupted
from checker.quorums.results import Report, Row, SymbolicFact
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


def check_quorums(
    config: QuorumConfig,
    should_stop: Callable[[], bool] | None = None,
    on_row: Callable[[int, int], None] | None = None,
) -> Report:
    """The whole run. Symbolic facts only for rules whose sizes follow n.

    `should_stop` is asked before each n (a z3 call is not interrupted): once
    true, the report holds the rows so far and is incomplete. `on_row(n,
    done)` is called as the proofs at n start, `done` rows being finished."""
    rows: list[Row] = []
    interrupted = False
    for n in config.sizes:
        if should_stop is not None and should_stop():
            interrupted = True
            break
        if on_row is not None:
            on_row(n, len(rows))
        try:
            rows.append(check_row(n, config))
        except ProofInterrupted:  # the row under way is dropped
            interrupted = True
            break
    symbolic: tuple[SymbolicFact, ...] = ()
    if config.rule.scales_with_n and not interrupted:
        symbolic = solver.symbolic_facts(config.rule)
    return Report(
        config.rule.name, config.chain, config.transfer, config.faulty, tuple(rows), symbolic,
        interrupted=interrupted,
    )  # fmt: skip
