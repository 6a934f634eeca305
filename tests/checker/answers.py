"""What two runs of one model must agree on, whichever engine ran them:
everything a CheckResult reports but time and memory."""

from __future__ import annotations

from typing import Any

from checker.result import CheckResult


def answer(r: CheckResult) -> tuple[Any, ...]:
    s = r.stats
    return (
        r.verdict,
        s.states,
        s.transitions,
        s.depth,
        r.counterexample,
        r.bound,
        r.unmet_sometimes,
        r.checked,
        r.coverage,
        r.reductions,
    )
