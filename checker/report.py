"""Readable counterexamples: numbered steps, each with what changed.

    print(format_counterexample(model, result.counterexample))

      0. initial state
           config: e0 {s1,s2,s3}
      1. ClientStartPay c1: pay(0, c2)
           c1: client op#1 pay(0,c2) read e0 ...
           network: + READ c1->s1 [c1#1 read e0] tokens 0
      ...
    violated NoDoubleSpend: token 0 version 2 is owned by ...

The state change shown is a diff of `model.describe_state` views, so any
model whose view is a flat mapping prints well; a list-valued entry (such as
a network) prints as the items added and removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.model import PROGRESS, Model
from checker.result import Counterexample


def state_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """One line per entry of the view that differs (all of them initially)."""
    lines = []
    for key, value in after.items():
        old = None if before is None else before.get(key)
        if isinstance(value, list):
            old_items = old if isinstance(old, list) else []
            added = [x for x in value if x not in old_items]
            removed = [x for x in old_items if x not in value]
            lines += [f"{key}: + {x}" for x in added]
            lines += [f"{key}: - {x}" for x in removed]
        elif before is None or old != value:
            lines.append(f"{key}: {value}")
    return lines


def format_counterexample(model: Model[Any, Any], ce: Counterexample) -> str:
    out = []
    previous = None
    for number, step in enumerate(ce.steps):
        title = "initial state" if step.action is None else model.describe_action(step.action)
        marker = "  <- the loop starts here" if ce.loop_start == number else ""
        out.append(f"{number:>4}. {title}{marker}")
        view = model.describe_state(step.state)
        out += [f"        {line}" for line in state_changes(previous, view)]
        previous = view
    if ce.loop_start is not None:
        out.append(
            f"        (back to step {ce.loop_start}: a cycle of fair steps that never completes)"
        )
    elif ce.property_name == PROGRESS:
        out.append("        (stuck: no path of fair steps from here completes what is pending)")
    out.append(f"violated {ce.property_name}: {ce.detail}")
    return "\n".join(out)
