"""Errors of the specification package: one base class, one class per failure mode."""

from __future__ import annotations

from checker.errors import ParameterError


class SpecError(Exception):
    """Base class of every error the specification raises."""


class ConfigError(SpecError, ParameterError):
    """A model parameter is out of range. The message names the parameter,
    the value given, and what is allowed."""


class ScenarioError(SpecError, ValueError):
    """A --workload or --transforms text is malformed or names an unknown
    node or token. The message quotes the part that is wrong."""

    def __init__(self, option: str, part: str, problem: str) -> None:
        self.option = option
        self.part = part
        self.problem = problem
        super().__init__(f"{option}: {part!r}: {problem}")


class UnknownMutantError(SpecError, ValueError):
    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        super().__init__(f"unknown mutant {name!r}; known mutants: {', '.join(known)}")
