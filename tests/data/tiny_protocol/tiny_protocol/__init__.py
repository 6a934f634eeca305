"""A protocol that lives outside tokencheck: a counter from 0 by steps of 1.

Known by hand: `limit + 1` states and `limit` transitions; the invariant
`StaysBelowCap` holds while `step` is 1; the mutant `double-step` (step 2)
on T3 (limit 3) reaches 4 in 2 steps, a shortest counterexample of length 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from checker.errors import ParameterError
from checker.model import Invariant, Model, Sometimes
from checker.protocol import MutantSpec, ProtocolSpec, StandardConfig, param


@dataclass(frozen=True, slots=True)
class TinyParams:
    limit: int = field(default=4, metadata=param("Where the counter stops.", minimum=0))
    step: int = field(default=1, metadata=param("How much one step adds.", minimum=1))


class TinyModel:
    name = "tiny counter"

    def __init__(self, params: TinyParams) -> None:
        if params.limit > 1000:
            raise ParameterError("limit", params.limit, "at most 1000")
        self.params = params
        cap = params.limit
        self.invariants = (
            Invariant("StaysBelowCap", lambda s: None if s <= cap else f"s = {s} > {cap}"),
        )
        self.step_properties = ()
        self.sometimes = (Sometimes("ReachesLimit", lambda s: s >= cap),)

    def initial_states(self) -> Sequence[int]:
        return (0,)

    def actions(self, state: int) -> Sequence[str]:
        return ("inc",) if state < self.params.limit else ()

    def next_state(self, state: int, action: str) -> int:
        return state + self.params.step

    def describe_action(self, action: str) -> str:
        return f"Counter{action.capitalize()}"

    def describe_state(self, state: int) -> Mapping[str, Any]:
        return {"s": state}


def build(params: TinyParams) -> Model[int, str]:
    # No is_fair/is_quiescent: the counter opts out of Progress, which the
    # Model protocol lists but the checker calls only on a model with both.
    return cast("Model[int, str]", TinyModel(params))


PROTOCOL = ProtocolSpec(
    name="tiny",
    summary="a counter that must stay at or below its limit",
    params_type=TinyParams,
    build=build,
    standards=(
        StandardConfig("T4", TinyParams(), None, "count to 4", states=5, transitions=4),
        StandardConfig("T3", TinyParams(limit=3), None, "count to 3", states=4, transitions=3),
    ),
    mutants=(
        MutantSpec(
            "double-step", "each step adds 2", ("StaysBelowCap",), "T3", {"step": 2}, length=2
        ),
    ),
)
