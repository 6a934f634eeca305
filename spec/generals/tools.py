"""The generals' callables for `check generals` (the descriptor's `tools`),
imported lazily so that listing protocols never loads z3."""

from __future__ import annotations

from typing import Any


def prove(n: int, rounds: int, timeout: float) -> Any:
    """spec.generals.proofs.prove: one cell of the n x m table."""
    from spec.generals.proofs import prove as prove_cell

    return prove_cell(n, rounds, timeout)


MAX_REPLAY_MESSAGES = 20_000
"""Each replayed step copies the state's tuple of messages, so a replay costs
messages squared: 20,000 (n=10, m=4) takes seconds, n=12, m=4 would take hours."""


def replay(witness: Any) -> Any:
    """spec.generals.witness.replay_witness: a z3 witness on the explicit model,
    or None when the run has more than MAX_REPLAY_MESSAGES messages."""
    from spec.generals.oral import message_paths
    from spec.generals.witness import replay_witness

    if len(message_paths(witness.generals, witness.rounds)) > MAX_REPLAY_MESSAGES:
        return None
    return replay_witness(witness)


def check_trace(lines: Any) -> Any:
    """spec.generals.conformance.check_runs: a recorded trace against the model;
    raises ValueError (TraceError) on a malformed trace."""
    from spec.generals.conformance import check_runs

    return check_runs(lines)
