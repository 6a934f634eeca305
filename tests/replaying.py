"""Typed helper for the tests that replay a counterexample."""

from collections.abc import Sequence

from checker.result import Step


def action_indexes(steps: Sequence[Step]) -> list[int]:
    """The action index of every step after the initial state, the input
    `checker.replay.replay` takes; only the initial step has None."""
    indexes = [s.action_index for s in steps[1:]]
    assert None not in indexes, indexes
    return [i for i in indexes if i is not None]
