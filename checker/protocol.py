"""What a protocol plug-in gives the checker: one `ProtocolSpec` descriptor.

A protocol is a subpackage `spec/<name>/` (or an installed package that
declares an entry point in the group `tokencheck.protocols`) exposing one
descriptor:

    PROTOCOL = ProtocolSpec(
        name="register",
        summary="read-impose-write-all atomic register on n servers",
        params_type=RegisterParams,          # a frozen dataclass, fields below
        build=RegisterModel,                 # params -> Model
        standards=(StandardConfig("RG1", RegisterParams(), expected=None, ...),),
        mutants=(MutantSpec("no-impose", ..., overrides={"impose": False}),),
    )

The parameter record is a frozen dataclass whose fields carry their help
text and bounds in `param(...)` metadata; `check model --protocol NAME`
turns each field into one option, so a new field is a new option and no
CLI code. A mutant is data: the field values it overrides (typed switches
such as `owner_check=False`); the model reads them once when it is built and
never compares a mutant's name.

    >>> from dataclasses import dataclass, field
    >>> @dataclass(frozen=True)
    ... class P:
    ...     n: int = field(default=3, metadata=param("servers", minimum=1, maximum=7))
    >>> [(p.name, p.default, p.minimum, p.maximum) for p in parameters(P)]
    [('n', 3, 1, 7)]
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from checker.errors import UnknownNameError
from checker.model import Model

__all__ = [
    "MutantSpec",
    "Parameter",
    "ProtocolSpec",
    "QuorumNeeds",
    "StandardConfig",
    "UnknownNameError",
    "param",
    "parameters",
]

PARAM_KEY = "tokencheck"


def param(
    help: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    choices: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Field metadata: the option's help text and the values allowed."""
    return {PARAM_KEY: {"help": help, "minimum": minimum, "maximum": maximum, "choices": choices}}


@dataclass(frozen=True, slots=True)
class Parameter:
    """One field of a protocol's parameter record, as the CLI shows it."""

    name: str
    kind: type  # int, str, bool or float
    optional: bool  # None is allowed (it means "the default that depends on others")
    default: Any
    help: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def bounds_text(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum}..{self.maximum}"
        if self.minimum is not None:
            return f">= {self.minimum}"
        if self.maximum is not None:
            return f"<= {self.maximum}"
        return ""


def _base_type(hint: Any) -> tuple[type, bool]:
    """(the plain type, whether None is allowed) of a field's annotation."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return hint, False


def parameters(record: type) -> tuple[Parameter, ...]:
    """The fields of a parameter record that carry `param(...)` metadata."""
    hints = typing.get_type_hints(record)
    found = []
    for f in dataclasses.fields(record):
        meta = f.metadata.get(PARAM_KEY)
        if meta is None:
            continue
        kind, optional = _base_type(hints[f.name])
        found.append(
            Parameter(
                name=f.name,
                kind=kind,
                optional=optional,
                default=f.default,
                help=meta["help"],
                minimum=meta["minimum"],
                maximum=meta["maximum"],
                choices=meta["choices"],
            )
        )
    return tuple(found)


@dataclass(frozen=True, slots=True)
class StandardConfig:
    """A named configuration with the verdict the correct protocol must give
    (`expected`: the one property it violates, None when all hold) and its
    pinned figures (None: not pinned)."""

    name: str
    config: Any  # the protocol's parameter record
    expected: str | None
    purpose: str
    states: int | None = None
    transitions: int | None = None


@dataclass(frozen=True, slots=True)
class MutantSpec:
    """A known bug: the parameter values it sets, the properties allowed to
    catch it, the standard configuration that exposes it, and the length of
    its shortest counterexample there (None: not pinned)."""

    name: str
    change: str
    caught_by: tuple[str, ...]
    config: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    length: int | None = None


@dataclass(frozen=True, slots=True)
class QuorumNeeds:
    """The quorum-system obligations a protocol relies on, which the standard
    suite proves with z3 (`check quorums`): majority quorums intersect and
    survive `maxf(n)` faults for every n in min_n..max_n, and, when `chain`
    > 0, a write survives up to `chain` successive one-server changes with
    state transfer (join, leave)."""

    min_n: int
    max_n: int
    chain: int = 0


# One recorded event: its line number in the file and its JSON object.
TraceEvent = tuple[int, Mapping[str, Any]]


class TraceFollower(Protocol):
    """Follows one recorded trace against the specification."""

    def follow(self, events: Iterator[TraceEvent]) -> int:
        """Check every event in order; return how many were checked. Raises
        checker.errors.Divergence at the first event the specification does
        not allow, TraceFormatError at a field it cannot read."""
        ...


@dataclass(frozen=True, slots=True)
class ConformanceSpec:
    """How a protocol's implementation traces are checked (`check trace`).

    `events` is the schema the generic reader enforces: for each event name,
    its fields and their JSON types (`int`, `str`, `bool`, `object`, `list`,
    `any`, or `T|null`); a field named with a leading `?` is optional.
    `start(header)` builds a follower for one file (raising TraceFormatError
    for a header it cannot use); everything protocol-specific lives there."""

    format: str
    version: int
    events: Mapping[str, Mapping[str, str]]
    start: Callable[[Mapping[str, Any]], TraceFollower]
    # (model, model state, node name, the implementation's snapshot of that
    # node) -> why they differ, or None: how `check replay` compares states.
    node_difference: Callable[[Any, Any, str, Mapping[str, Any]], str | None] | None = None


@dataclass(frozen=True, slots=True)
class MutationTargets:
    """What `check mutate` may change in a protocol (`checker.mutate`).

    `modules`: the dotted names of its step modules, whose functions are
    mutated one change at a time. `sends`: names of the functions that put
    messages in the network (a send is removed by returning their first
    argument). `quorums`: names of the functions that give a quorum size
    (changed by one either way). `equivalents`: a TOML file of mutants
    known to change nothing observable, each with its reason."""

    modules: tuple[str, ...]
    sends: tuple[str, ...] = ()
    quorums: tuple[str, ...] = ()
    equivalents: str | None = None


@dataclass(frozen=True, slots=True)
class ProtocolSpec:
    """A protocol plug-in's descriptor: see the module docstring."""

    name: str
    summary: str
    params_type: type
    build: Callable[[Any], Model[Any, Any]]
    standards: tuple[StandardConfig, ...]
    mutants: tuple[MutantSpec, ...] = ()
    # Applies a mutant to a parameter record; default: replace its fields.
    with_mutant: Callable[[Any, MutantSpec], Any] | None = None
    # What the suite must prove of the protocol's quorum system (None: nothing).
    quorums: QuorumNeeds | None = None
    # How implementation traces are checked against the model (None: they are not).
    conformance: ConformanceSpec | None = None
    # Protocol-specific callables a CLI command reaches by name (the generals'
    # z3 prover, say), so that the command itself imports nothing of spec/.
    tools: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    # What `check mutate` mutates (None: the protocol offers no step modules).
    mutation: MutationTargets | None = None

    def tool(self, name: str) -> Callable[..., Any]:
        if name not in self.tools:
            raise UnknownNameError(f"{self.name} tool", name, sorted(self.tools))
        return self.tools[name]

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return parameters(self.params_type)

    def standard(self, name: str) -> StandardConfig:
        for s in self.standards:
            if s.name.lower() == name.lower():
                return s
        raise UnknownNameError(f"{self.name} configuration", name, [s.name for s in self.standards])

    def mutant(self, name: str) -> MutantSpec:
        for m in self.mutants:
            if m.name == name:
                return m
        raise UnknownNameError(f"{self.name} mutant", name, [m.name for m in self.mutants])

    def mutated(self, params: Any, mutant: MutantSpec) -> Any:
        if self.with_mutant is not None:
            return self.with_mutant(params, mutant)
        return dataclasses.replace(params, **mutant.overrides)

    def mutant_params(self, mutant: MutantSpec) -> Any:
        """The parameters a mutant's catalog row runs on."""
        return self.mutated(self.standard(mutant.config).config, mutant)
