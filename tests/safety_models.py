"""Typing for the test models that opt out of Progress.

`checker.model.Model` lists `is_fair` and `is_quiescent`, but Progress is
opt-in (`checker.model.has_liveness`): the engine calls them only on a model
that defines both. A model without them is still a model; `without_progress`
checks everything else it must offer and hands it to the checker as one.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, cast

from checker.model import Invariant, Model, Sometimes, StepProperty

S = TypeVar("S", bound=Hashable)
A = TypeVar("A")


class SafetyModel(Protocol[S, A]):
    """`checker.model.Model` without `is_fair` and `is_quiescent`."""

    @property
    def name(self) -> str: ...
    @property
    def invariants(self) -> Sequence[Invariant]: ...
    @property
    def step_properties(self) -> Sequence[StepProperty]: ...
    @property
    def sometimes(self) -> Sequence[Sometimes]: ...
    def initial_states(self) -> Iterable[S]: ...
    def actions(self, state: S) -> Sequence[A]: ...
    def next_state(self, state: S, action: A) -> S: ...
    def describe_action(self, action: A) -> str: ...
    def describe_state(self, state: S) -> Mapping[str, Any]: ...


def without_progress(model: SafetyModel[S, A]) -> Model[S, A]:
    """`model`, which defines no fairness, typed as the checker's Model."""
    return cast(Model[S, A], model)
