"""Typing for the test models that opt out of Progress.

`checker.model.Model` lists `is_fair` and `is_quiescent`, but Progress is
opt-in (`checker.model.has_liveness`): the engine calls them only on a model
that defines both. A model without them is a `checker.model.SafetyModel`;
`without_progress` checks that and hands it to the checker as a Model.
"""

from collections.abc import Hashable
from typing import TypeVar, cast

from checker.model import Model, SafetyModel

S = TypeVar("S", bound=Hashable)
A = TypeVar("A")


def without_progress(model: SafetyModel[S, A]) -> Model[S, A]:
    """`model`, which defines no fairness, typed as the checker's Model."""
    return cast(Model[S, A], model)
