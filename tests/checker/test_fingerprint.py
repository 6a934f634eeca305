"""Stable fingerprints (`checker.fingerprint`): remembering containers'
fingerprints never changes one. The same value whatever was met before,
in another interpreter with another hash seed and another order, for equal
parts that are distinct objects, and after the remembered ones roll over."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from typing import Any, NamedTuple

from checker.fingerprint import stable_fingerprint
from spec.tokens import PROTOCOL
from tests.step_checks import breadth_first_transitions

# The token states of S1's first transitions, printed by a fresh interpreter.
_SCRIPT = """
from checker.fingerprint import stable_fingerprint
from spec.tokens import PROTOCOL
from tests.step_checks import breadth_first_transitions
model = PROTOCOL.build(PROTOCOL.standard("S1").config)
states = [nxt for _, _, nxt in breadth_first_transitions(model, {count})]
for state in reversed(states):  # another order: other parts remembered first
    print(stable_fingerprint(state))
"""


def s1_states(count: int) -> list[object]:
    model = PROTOCOL.build(PROTOCOL.standard("S1").config)
    return [nxt for _, _, nxt in breadth_first_transitions(model, count)]


def test_token_states_fingerprint_alike_in_another_interpreter_and_order() -> None:
    count = 3000
    here = [stable_fingerprint(s) for s in s1_states(count)]
    env = {**os.environ, "PYTHONHASHSEED": "7"}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(count=count)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    there = [int(line) for line in reversed(out.stdout.split())]
    assert there == here
    assert len(set(here)) > count // 10  # not one value for all: they tell states apart


def test_equal_parts_that_are_other_objects_fingerprint_alike() -> None:
    states = s1_states(500)
    rebuilt = [_copy(s) for s in states]
    assert all(r == s and r is not s for r, s in zip(rebuilt, states, strict=True))
    assert [stable_fingerprint(r) for r in rebuilt] == [stable_fingerprint(s) for s in states]


class Fresh(NamedTuple):  # a kind no other test fingerprints
    a: int
    b: tuple[int, ...]


def test_a_kind_met_for_the_first_time_fingerprints_as_later() -> None:
    first = stable_fingerprint(Fresh(1, (2, 3)))  # the kind is learnt here
    assert stable_fingerprint(Fresh(1, (2, 3))) == first
    assert stable_fingerprint((1, (2, 3))) == first  # a NamedTuple counts as its items
    assert stable_fingerprint(Fresh(1, (3, 2))) != first


def test_values_stay_once_the_remembered_ones_roll_over() -> None:
    # More distinct containers than two generations hold (2 * 2**16).
    parts = [(i, (i, i + 1)) for i in range(150_000)]
    before = [stable_fingerprint(p) for p in parts[:1000]]
    for p in parts:
        stable_fingerprint(p)
    assert [stable_fingerprint(p) for p in parts[:1000]] == before
    assert before == [stable_fingerprint((i, (i, i + 1))) for i in range(1000)]


@dataclasses.dataclass(frozen=True)
class Tagged:
    value: int
    note: int = dataclasses.field(compare=False)  # left out of == and hash


def test_a_dataclass_fingerprints_by_the_fields_its_eq_compares() -> None:
    """As the engines' visited sets see it: a == b, so one state; and, nested
    in remembered tuples, the fingerprint cannot hang on which came first."""
    a, b, c = Tagged(1, 2), Tagged(1, 3), Tagged(2, 2)
    assert a == b and hash(a) == hash(b) and a != c
    # What it counts as, whatever was met before: the tuple of those fields.
    assert stable_fingerprint(b) == stable_fingerprint(a) == stable_fingerprint((1,))
    for state in [(a,), ((a,), 0), (((a,),),)]:
        other = _replace(state, a, b)
        assert stable_fingerprint(other) == stable_fingerprint(state)
    assert stable_fingerprint(((c,), 0)) != stable_fingerprint(((a,), 0))


def _replace(x: object, old: object, new: object) -> object:
    if x is old:
        return new
    if isinstance(x, tuple):
        return tuple(_replace(item, old, new) for item in x)
    return x


def _copy(x: object) -> object:
    """An equal value built of new containers throughout."""
    if isinstance(x, tuple):
        items = [_copy(item) for item in x]
        kind: Any = type(x)
        return kind(*items) if hasattr(kind, "_fields") else tuple(items)
    return x
