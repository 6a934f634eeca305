"""Rebuild a path of a model from the indexes of its actions.

The explorer stores no states along a path, only, for each visited state, its
parent and the index of the action that reached it in the parent's
`actions(state)` list. A path is therefore a list of small ints, and `replay`
turns it back into states by running the model forward. This is also how a
saved counterexample is checked again on a (mutant) model:

    steps = replay(model, [0, 2, 1])          # from the first initial state
    steps[0].state                            # the initial state
    steps[-1].action, steps[-1].state         # the last action and its result

An index that is not enabled raises ReplayError naming the step, the index
and what was enabled, so a path recorded on another configuration fails
loudly instead of drifting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checker.errors import NondeterministicModel, ReplayError
from checker.model import Model
from checker.result import Step


def replay(
    model: Model[Any, Any], action_indexes: Sequence[int], initial_index: int = 0
) -> tuple[Step, ...]:
    """The steps of the path that starts at `model.initial_states()[initial_index]`
    and takes, at step i, the action `model.actions(state)[action_indexes[i]]`.

    `steps[0]` is the initial state (action None); there is one more step
    than there are indexes. Raises ReplayError if an index is out of range.
    """
    initials = list(model.initial_states())
    if not 0 <= initial_index < len(initials):
        raise ReplayError(
            f"initial state index {initial_index} does not exist: the model has "
            f"{len(initials)} initial state(s), so expected 0..{len(initials) - 1}; "
            "was the path recorded on another model or configuration?"
        )
    state = initials[initial_index]
    steps = [Step(None, None, state)]
    for number, index in enumerate(action_indexes, start=1):
        enabled = model.actions(state)
        if not 0 <= index < len(enabled):
            allowed = f"0..{len(enabled) - 1}" if enabled else "none: no action is enabled"
            raise ReplayError(
                f"step {number}: action index {index} is not enabled; "
                f"{len(enabled)} action(s) are enabled here ({allowed}); "
                "was the path recorded on another model or configuration?"
            )
        action = enabled[index]
        state = model.next_state(state, action)
        steps.append(Step(action, index, state))
    return tuple(steps)


def path_indexes(parent: Sequence[int], via: Sequence[int], state_id: int) -> tuple[int, list[int]]:
    """Walk the explorer's parent links from `state_id` back to its initial
    state. Returns (initial state index, action indexes from it), ready for
    `replay`. `parent[id]` is -1 for an initial state, whose `via[id]` is its
    index in `initial_states()`; otherwise `via[id]` is the action index."""
    indexes: list[int] = []
    node = state_id
    while parent[node] >= 0:
        indexes.append(via[node])
        node = parent[node]
    indexes.reverse()
    return via[node], indexes


def rebuild(
    model: Model[Any, Any],
    parent: Sequence[int],
    via: Sequence[int],
    state_id: int,
    extra_indexes: Sequence[int] = (),
) -> tuple[Step, ...]:
    """The steps of the shortest recorded path to `state_id`, then
    `extra_indexes` from there. A failure to replay means the model is not
    deterministic (the exploration recorded these very indexes), so it raises
    NondeterministicModel rather than ReplayError."""
    initial_index, indexes = path_indexes(parent, via, state_id)
    indexes.extend(extra_indexes)
    try:
        return replay(model, indexes, initial_index)
    except ReplayError as err:
        raise NondeterministicModel(
            f"replaying a recorded path failed ({err}); the model must list its "
            "initial states and actions in the same order on every call"
        ) from err
