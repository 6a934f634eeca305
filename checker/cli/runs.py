"""Runs of the token model that the CLI, the suite, the tests and the
benchmarks share: one configuration, one standard configuration, one mutant.
No click here: these return data, the commands print it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from checker.explore import explore
from checker.result import CheckResult, Stats, Verdict
from spec.config import Config
from spec.model import TokenModel
from spec.mutants import CATALOG, Mutant
from spec.standard import STANDARD_CONFIGS, Standard

Progress = Callable[[Stats], None] | None


def violated_property(result: CheckResult) -> str | None:
    """The property a VIOLATED result names (a sometimes-property if unmet)."""
    if result.counterexample is not None:
        return result.counterexample.property_name
    if result.unmet_sometimes:
        return result.unmet_sometimes[0]
    return None


def check_config(
    config: Config,
    *,
    max_states: int | None = None,
    max_seconds: float | None = None,
    liveness: bool = True,
    on_progress: Progress = None,
) -> tuple[TokenModel, CheckResult]:
    model = TokenModel(config)
    result = explore(
        model,
        max_states=max_states,
        max_seconds=max_seconds,
        liveness=liveness,
        on_progress=on_progress,
    )
    return model, result


@dataclass(frozen=True, slots=True)
class StandardRun:
    standard: Standard
    model: TokenModel
    result: CheckResult

    @property
    def status(self) -> str:
        """'as expected', 'UNEXPECTED', or 'incomplete'."""
        if self.result.verdict is Verdict.INCOMPLETE:
            return "incomplete"
        got = violated_property(self.result)
        return "as expected" if got == self.standard.expected else "UNEXPECTED"

    @property
    def exit_code(self) -> int:
        return {"as expected": 0, "incomplete": 3}.get(self.status, 1)


def run_standard(
    name: str, *, max_seconds: float | None = None, on_progress: Progress = None
) -> StandardRun:
    standard = STANDARD_CONFIGS[name]
    model, result = check_config(standard.config, max_seconds=max_seconds, on_progress=on_progress)
    return StandardRun(standard, model, result)


@dataclass(frozen=True, slots=True)
class MutantRun:
    mutant: Mutant
    model: TokenModel
    result: CheckResult

    @property
    def status(self) -> str:
        """'caught', 'SURVIVED', 'WRONG PROPERTY', or 'incomplete'."""
        if self.result.verdict is Verdict.INCOMPLETE:
            return "incomplete"
        got = violated_property(self.result)
        if got is None:
            return "SURVIVED"
        return "caught" if got in self.mutant.caught_by else "WRONG PROPERTY"

    @property
    def exit_code(self) -> int:
        return {"caught": 0, "incomplete": 3}.get(self.status, 1)


def mutant_config(mutant: Mutant) -> Config:
    return replace(STANDARD_CONFIGS[mutant.config].config, mutant=mutant.name)


def run_mutant(
    mutant: Mutant, *, max_seconds: float | None = None, on_progress: Progress = None
) -> MutantRun:
    model, result = check_config(
        mutant_config(mutant), max_seconds=max_seconds, on_progress=on_progress
    )
    return MutantRun(mutant, model, result)


__all__ = ["CATALOG", "MutantRun", "StandardRun", "check_config", "run_mutant", "run_standard"]
