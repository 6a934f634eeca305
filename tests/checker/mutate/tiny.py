"""A counter protocol whose step module is tiny_steps, for `check mutate`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.model import Invariant, Model, Sometimes
from checker.protocol import MutationTargets, ProtocolSpec, StandardConfig, param
from tests.checker.mutate import tiny_steps
from tests.safety_models import without_progress


@dataclass(frozen=True, slots=True)
class Params:
    limit: int = field(default=3, metadata=param("Where the counter stops.", minimum=0))


class Counter:
    name = "counter"
    step_properties = ()

    def __init__(self, params: Params) -> None:
        limit = params.limit
        self.limit = limit
        self.invariants = (
            Invariant("AtMostLimit", lambda s: None if s <= limit else f"s = {s} > {limit}"),
        )
        self.sometimes = (Sometimes("ReachesLimit", lambda s: s == limit),)

    def initial_states(self) -> Sequence[int]:
        return (0,)

    def actions(self, state: int) -> Sequence[str]:
        return ("inc",) if tiny_steps.step(state, self.limit) is not None else ()

    def next_state(self, state: int, action: str) -> int:
        nxt = tiny_steps.step(state, self.limit)
        assert nxt is not None
        return nxt

    def describe_action(self, action: str) -> str:
        return "CounterInc"

    def describe_state(self, state: int) -> Mapping[str, Any]:
        return {"s": state}


def build(params: Params) -> Model[int, str]:
    return without_progress(Counter(params))


def protocol(equivalents: Path | None = None) -> ProtocolSpec:
    return ProtocolSpec(
        name="counter",
        summary="a counter up to its limit",
        params_type=Params,
        build=build,
        standards=(
            StandardConfig("L3", Params(), None, "count to 3", states=4, transitions=3),
            StandardConfig("BAD", Params(limit=1), "ReachesLimit", "expects a violation"),
        ),
        mutation=MutationTargets(
            modules=("tests.checker.mutate.tiny_steps",),
            equivalents=None if equivalents is None else str(equivalents),
        ),
    )
