"""Shared helpers of the token-model tests: cached runs, property checks along
a replayed path, and a plain breadth-first search that keeps every state (for
small models whose states a test inspects)."""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from checker.explore import explore
from checker.model import PROGRESS
from checker.result import CheckResult, Step
from spec.tokens.config import Config
from spec.tokens.model import TokenModel
from spec.tokens.mutants import MUTANTS
from spec.tokens.standard import STANDARD_CONFIGS
from spec.tokens.state import State


def mutant_config(name: str) -> Config:
    """The catalog configuration of mutant `name`, with the mutant selected."""
    mutant = MUTANTS[name]
    config: Config = STANDARD_CONFIGS[mutant.config].config
    return replace(config, mutant=name)


@functools.cache
def mutant_run(name: str) -> tuple[TokenModel, CheckResult]:
    """Explore mutant `name` on its catalog configuration, once per session."""
    model = TokenModel(mutant_config(name))
    return model, explore(model)


@functools.cache
def standard_run(name: str) -> tuple[TokenModel, CheckResult]:
    """Explore standard configuration `name` (liveness on), once per session."""
    model = TokenModel(STANDARD_CONFIGS[name].config)
    return model, explore(model)


def property_kind(model: TokenModel, name: str) -> str:
    """'invariant', 'step' or 'progress'."""
    if name == PROGRESS:
        return "progress"
    if any(p.name == name for p in model.invariants):
        return "invariant"
    if any(p.name == name for p in model.step_properties):
        return "step"
    raise AssertionError(f"the model has no property named {name!r}")


def failures(model: TokenModel, steps: Sequence[Step], name: str) -> list[int]:
    """The indexes of the steps at which safety property `name` fails: an
    invariant on the state of a step, a step property on the transition into
    that step (so never at step 0)."""
    kind = property_kind(model, name)
    if kind == "invariant":
        check = next(p.check for p in model.invariants if p.name == name)
        return [i for i, step in enumerate(steps) if check(step.state) is not None]
    if kind == "step":
        step_check = next(p.check for p in model.step_properties if p.name == name)
        return [
            i
            for i in range(1, len(steps))
            if step_check(steps[i - 1].state, steps[i].action, steps[i].state) is not None
        ]
    raise AssertionError(f"{name} is not a safety property")


def can_complete(model: TokenModel, state: State) -> bool:
    """Whether some path of fair steps from `state` reaches quiescence (the
    part of Progress that a stuck state breaks)."""
    seen = {state}
    queue = deque([state])
    while queue:
        s = queue.popleft()
        if model.is_quiescent(s):
            return True
        for action in model.actions(s):
            if not model.is_fair(s, action):
                continue
            nxt = model.next_state(s, action)
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


def reachable_states(model: Any, limit: int = 200_000) -> set[Any]:
    """Every reachable state of a small model, found by a plain BFS that keeps
    the states themselves (independent of the engine's fingerprints)."""
    initial = list(model.initial_states())
    seen = set(initial)
    queue = deque(initial)
    while queue:
        s = queue.popleft()
        for action in model.actions(s):
            nxt = model.next_state(s, action)
            if nxt not in seen:
                seen.add(nxt)
                if len(seen) > limit:
                    raise AssertionError(f"more than {limit} states: not a small model")
                queue.append(nxt)
    return seen
