"""Does a recorded run of the threaded generals conform to OM(m)?

A trace (impl/generals/trace.py) is one or more runs, each a header and its
events. A run is replayed on the explicit model with the recorded traitors:
the primary is the model's commander g1, the other generals follow in the
order listed. Every recorded send must be a step the model allows (a loyal
general relays exactly what it received, only after receiving it), and
every loyal lieutenant's recorded decision must equal the decision the
model computes from the messages it received, traitors' included.

    >>> check_runs([])
    []
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spec.generals.model import OralModel
from spec.generals.oral import ATTACK, RETREAT
from spec.generals.params import MAX_GENERALS, GeneralsParams, general_name
from spec.generals.state import NONE, Decide, OralState, Send, order_name

FORMAT = "generals-trace"
VALUES = {"retreat": RETREAT, "attack": ATTACK}


class TraceError(ValueError):
    """The file is not a generals trace (or a field is malformed): names the line."""


@dataclass(slots=True)
class RunReport:
    run: int
    generals: int
    rounds: int
    faulty: tuple[str, ...]
    steps: int = 0
    problems: list[str] = field(default_factory=list)  # non-conformance, each one line
    verdict: str = ""  # the model's IC1/IC2 on the final state

    @property
    def conforms(self) -> bool:
        return not self.problems


def _need(obj: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TraceError(f"{where}: field {key!r} must be a {kind.__name__}, got {value!r}")
    return value


def split_runs(lines: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    runs: list[list[Mapping[str, Any]]] = []
    for number, line in enumerate(lines, 1):
        if line.get("format") == FORMAT:
            runs.append([line])
        elif not runs:
            raise TraceError(f"line {number}: expected a header with format {FORMAT!r} first")
        else:
            runs[-1].append(line)
    return runs


def check_runs(lines: Sequence[Mapping[str, Any]]) -> list[RunReport]:
    """One report per run; TraceError on a malformed trace."""
    return [check_run(run) for run in split_runs(lines)]


def check_run(run: Sequence[Mapping[str, Any]]) -> RunReport:
    header = run[0]
    where = f"run {header.get('run')!r} header"
    names = _need(header, "generals", list, where)
    primary = _need(header, "primary", str, where)
    faulty = _need(header, "faulty", list, where)
    rounds = _need(header, "rounds", int, where)
    order_text = _need(header, "order", str, where)
    if primary not in names or not set(faulty) <= set(names) or order_text not in VALUES:
        raise TraceError(f"{where}: primary, faulty and order must name listed generals/orders")
    if not 1 <= len(names) <= MAX_GENERALS or not 0 <= rounds <= 4:
        raise TraceError(f"{where}: 1..{MAX_GENERALS} generals and 0..4 rounds are checkable")
    if len(names) == 1:  # the primary alone: no message, no lieutenant
        return RunReport(
            int(header.get("run") or 0),
            1,
            rounds,
            tuple(faulty),
            0,
            [],
            "one general: no lieutenant, nothing to check",
        )
    index = {primary: 0} | {g: i for i, g in enumerate((g for g in names if g != primary), 1)}
    model_name = {i: g for g, i in index.items()}
    traitors = ",".join(general_name(index[g]) for g in faulty) or "none"
    model = OralModel(GeneralsParams(generals=len(names), rounds=rounds, traitors=traitors))
    report = RunReport(int(header.get("run") or 0), len(names), rounds, tuple(faulty))
    order = VALUES[order_text]
    state = next(s for s in model.initial_states() if s.traitors & 1 or s.order == order)
    message = {p: i for i, p in enumerate(model.paths)}

    def who(path: tuple[int, ...]) -> str:
        return ":".join(model_name[g] for g in path)

    for event in run[1:]:
        seq = event.get("seq")
        kind = event.get("event")
        if kind == "sent":
            path_names = _need(event, "path", list, f"event {seq}")
            value = VALUES.get(str(event.get("value")))
            if value is None or not set(path_names) <= set(index):
                raise TraceError(f"event {seq}: unknown generals or value in {event}")
            path = tuple(index[g] for g in path_names)
            i = message.get(path)
            if i is None:
                report.problems.append(f"event {seq}: {who(path)} is not a message of OM({rounds})")
                continue
            allowed = model.send_values(state, i)
            if value not in allowed:
                why = (
                    "its sender had not received what it relays, or it was sent twice"
                    if not allowed
                    else "a loyal general relays exactly what it received"
                )
                options = " or ".join(map(order_name, allowed)) or "nothing"
                report.problems.append(
                    f"event {seq}: {path_names[-2]} sent {order_name(value)} along {who(path)};"
                    f" the model allows {options} ({why})"
                )
                continue
            state = model.next_state(state, Send(i, value))
            report.steps += 1
        elif kind == "decided":
            g_name = _need(event, "general", str, f"event {seq}")
            value = VALUES.get(str(event.get("value")))
            if g_name not in index or value is None:
                raise TraceError(f"event {seq}: unknown general or value in {event}")
            g = index[g_name]
            if g == 0 and not state.traitors & 1 and value != order:
                report.problems.append(
                    f"event {seq}: the loyal primary {g_name} decided {order_name(value)},"
                    f" not its own order {order_text}"
                )
            if g == 0 or state.traitors >> g & 1:
                continue  # the commander's order is its decision; a traitor's binds nobody
            if not model.can_decide(state, g):
                report.problems.append(
                    f"event {seq}: {g_name} decided before every message to it arrived"
                )
                continue
            state = model.next_state(state, Decide(g))
            report.steps += 1
            if state.decisions[g] != value:
                report.problems.append(
                    f"event {seq}: {g_name} decided {order_name(value)}, but OM({rounds}) on the"
                    f" messages it received gives {order_name(state.decisions[g])}"
                )
    report.problems.extend(_undecided(model, state, model_name))
    report.verdict = _verdict(model, state, model_name)
    return report


def _undecided(model: OralModel, s: OralState, names: Mapping[int, str]) -> list[str]:
    return [
        f"{names[g]} (loyal) never decided"
        for g in range(1, model.n)
        if not s.traitors >> g & 1 and s.decisions[g] == NONE
    ]


def _verdict(model: OralModel, s: OralState, names: Mapping[int, str]) -> str:
    """The model's IC1 and IC2 on the final state, in the trace's names."""
    for prop in model.invariants:
        detail = prop.check(s)
        if detail is not None:
            detail = re.sub(r"\bg(\d+)\b", lambda m: names[int(m.group(1)) - 1], detail)
            return f"{prop.name} violated: {detail}"
    return "IC1 and IC2 hold"
