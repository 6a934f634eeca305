"""The interface between the checker and any model it explores.

A model is initial states, the actions enabled in a state, the next state for
an action, and named properties. The checker knows nothing else about it: the
token protocol in `spec/` is one model, the tiny counters in the tests are
others.

    class Counter:
        name = "counter"
        invariants = (Invariant("BelowTen", lambda s: None if s < 10 else f"s = {s}"),)
        step_properties = ()
        sometimes = (Sometimes("ReachesThree", lambda s: s == 3),)
        def initial_states(self): return (0,)
        def actions(self, s): return ("inc",) if s < 5 else ()
        def next_state(self, s, a): return s + 1
        def is_fair(self, s, a): return True
        def is_quiescent(self, s): return s == 5
        def describe_action(self, a): return a
        def describe_state(self, s): return {"s": s}

States must be hashable and immutable, and equal states must hash equally
in every process (use ints and tuples, not strings, inside states if the
enumeration order must not depend on PYTHONHASHSEED). `actions` must list
actions in a deterministic order: counterexamples are rebuilt by replaying
the index of each action in that list.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, TypeVar

from checker.errors import UnknownNameError

S = TypeVar("S", bound=Hashable)
A = TypeVar("A")


@dataclass(frozen=True, slots=True)
class Invariant:
    """An *always* property of states. `check` returns None when it holds,
    else a one-line explanation naming the values that break it."""

    name: str
    check: Callable[[Any], str | None]


@dataclass(frozen=True, slots=True)
class StepProperty:
    """An *always* property of transitions, checked on every (state, action,
    next state), including transitions into states already visited."""

    name: str
    check: Callable[[Any, Any, Any], str | None]


@dataclass(frozen=True, slots=True)
class Sometimes:
    """A *sometimes* property: some reachable state must satisfy it. A full
    exploration that never meets it is a violation (a vacuous model)."""

    name: str
    check: Callable[[Any], bool]


# The liveness property the checker derives from `is_fair` and `is_quiescent`.
PROGRESS = "Progress"


def has_liveness(model: object) -> bool:
    """Progress is opt-in: only a model with `is_fair` and `is_quiescent` has it."""
    return callable(getattr(model, "is_fair", None)) and callable(
        getattr(model, "is_quiescent", None)
    )


def has_symmetry(model: object) -> bool:
    """Symmetry is opt-in: a model may offer `canonical(state)`, the one
    representative of the state's class under a renaming of interchangeable
    processes. It must be the same for every state of a class (an orbit),
    and the renaming must map initial states to initial states, successors
    to successors, and keep every property, `is_fair` and `is_quiescent`.
    The engine then visits one state per class (`explore(symmetry=True)`).
    A model may also offer `canonical_hash(state)`, a fingerprint of the
    class: equal for two states exactly when their canonical forms are
    equal (but for 64-bit collisions, as `hash`), and cheaper than
    `hash(canonical(state))`, which it need not equal; and
    `canonical_by(key)`: the pair (canonical, canonical_hash) with `key` in
    place of `hash`, for engines whose processes must agree on the
    representative (Ray's: `hash` differs between interpreters). A model
    whose `canonical_hash` is incremental offers `expanding(state)` too: the
    one-process engine calls it with each state it expands, before the
    canonical hashes of that state's successors, which then need not hash
    the parts they share with it; it is a hint and changes no answer. A
    `canonical_hash` that is the smallest of several hashes collides more
    often than `hash`: the model says how many times more often as
    `collision_factor` (see `collision_factor`), and the engine scales its
    collision estimate by it."""
    return callable(getattr(model, "canonical", None))


def collision_factor(model: object) -> float:
    """How many times likelier two classes' `canonical_hash` values
    collide than two states' `hash` values: the model's
    `collision_factor`, else 1."""
    factor = getattr(model, "collision_factor", 1.0)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or factor < 1:
        raise ValueError(f"{model!r} has collision_factor {factor!r}: expected a number >= 1")
    return float(factor)


def has_step_check(model: object) -> bool:
    """A model may offer `check_step(state, action, after)`: all of its
    `step_properties` at once, returning the (name, detail) of the first
    one violated, in their order, or None. It must give exactly what
    checking them one by one gives; it is cheaper when most steps concern
    none of them (one call a transition instead of one per property)."""
    return callable(getattr(model, "check_step", None))


def has_coverage_features(model: object) -> bool:
    """A model may offer `coverage_features(state)`: an abstraction of the
    state as a few hashable features (tuples of ints, so that they hash
    alike in every process), for coverage-guided simulation
    (`checker.guided`): a walk that shows a feature never seen before is
    kept, and later walks start from it. Features should describe where
    the protocol is (roles, epochs, phases, what is in flight), never
    whether a property is about to break. Without it the walks use a
    generic one: the kind of the last action and the depth."""
    return callable(getattr(model, "coverage_features", None))


StepCheck = Callable[[Any, Any, Any], tuple[str, str] | None]


def step_checker(model: Model[Any, Any]) -> StepCheck | None:
    """One call checking every step property of `model` on a transition:
    the model's `check_step` if it offers one, else the properties one by
    one; None when it has no step property (nothing to call)."""
    checks = tuple((p.name, p.check) for p in model.step_properties)
    if not checks:
        return None
    if has_step_check(model):
        return model.check_step  # type: ignore[attr-defined, no-any-return]

    def one_by_one(state: Any, action: Any, after: Any) -> tuple[str, str] | None:
        for name, check in checks:
            detail = check(state, action, after)
            if detail is not None:
                return name, detail
        return None

    return one_by_one


class SafetyModel(Protocol[S, A]):
    """What the checker needs of every model: without `is_fair` and
    `is_quiescent`, which only a model with Progress offers (`Model`)."""

    # Read-only (properties), so a model may declare them as tuples.
    @property
    def name(self) -> str: ...
    @property
    def invariants(self) -> Sequence[Invariant]: ...
    @property
    def step_properties(self) -> Sequence[StepProperty]: ...
    @property
    def sometimes(self) -> Sequence[Sometimes]: ...

    def initial_states(self) -> Iterable[S]: ...

    def actions(self, state: S) -> Sequence[A]:
        """The enabled actions, in a deterministic order."""
        ...

    def next_state(self, state: S, action: A) -> S: ...

    def describe_action(self, action: A) -> str:
        """One readable trace line."""
        ...

    def describe_state(self, state: S) -> Mapping[str, Any]:
        """A JSON-serialisable view of the state, for traces and --json."""
        ...


class Model(SafetyModel[S, A], Protocol[S, A]):
    """What the checker needs of a model. See the module docstring. The
    engine calls the two fairness methods only when `has_liveness` says the
    model defines them; a model without them is a `SafetyModel`."""

    def is_fair(self, state: S, action: A) -> bool:
        """True when fairness guarantees the step: it involves only correct
        nodes. Progress may rely only on fair steps."""
        ...

    def is_quiescent(self, state: S) -> bool:
        """True when nothing is pending (the goal Progress must reach)."""
        ...


class PropertyKind(Enum):
    """How a property is checked."""

    ALWAYS = "always"  # an invariant, on every reachable state
    STEP = "step"  # on every transition
    SOMETIMES = "sometimes"  # some reachable state must satisfy it
    PROGRESS = "progress under fairness"  # liveness, from is_fair and is_quiescent


@dataclass(frozen=True, slots=True)
class NamedProperty:
    name: str
    kind: PropertyKind


def properties(model: Model[Any, Any]) -> tuple[NamedProperty, ...]:
    """Every property of a model in one list, each with its kind.

    >>> class M:
    ...     invariants = (Invariant("Safe", lambda s: None),)
    ...     step_properties = ()
    ...     sometimes = (Sometimes("Done", lambda s: True),)
    >>> [(p.name, p.kind.value) for p in properties(M())]  # type: ignore[arg-type]
    [('Safe', 'always'), ('Done', 'sometimes')]
    """
    found = [NamedProperty(p.name, PropertyKind.ALWAYS) for p in model.invariants]
    found += [NamedProperty(p.name, PropertyKind.STEP) for p in model.step_properties]
    found += [NamedProperty(p.name, PropertyKind.SOMETIMES) for p in model.sometimes]
    if has_liveness(model):
        found.append(NamedProperty(PROGRESS, PropertyKind.PROGRESS))
    return tuple(found)


def property_named(model: Model[Any, Any], name: str) -> NamedProperty:
    """One property by name, or an error that lists the names that exist."""
    known = properties(model)
    for p in known:
        if p.name == name:
            return p
    raise UnknownNameError(f"{model.name} property", name, [p.name for p in known])
