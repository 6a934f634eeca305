"""An implementation's recorded run (`--trace-out` of `check run`/`check
shell`, or the events `check replay` records) as the step records that
msc.py draws: nothing here knows the implementation, only the trace format.

- `delivered` is an arrow from `src` to `dst`, labelled with the kind, the
  tag, the payload its `sent` event carried and the effect; `dropped` is the
  same arrow marked lost. `sent` is not drawn (its arrow is the delivery).
- Any other event is a box on the lane of its `node` (`reconfig` events are
  the manager's: their `node` is the one joining or leaving).
- A lane's role and epoch come from the node states the events carry; a
  click shows the state of the event's node after it.
- Only the first and last `keep` drawn events are kept while streaming, so a
  100,000-event trace makes a page of the same size as a 400-event one; a
  box in the middle and a note say what was cut.

    records = event_records(header, numbered_events, ending="conforms", title="trace run.jsonl")
    html = msc_html(records)
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

KEEP = 200  # drawn events kept at each end
VALUES = 60  # characters of a payload kept in a label


def _tag(tag: Any) -> str:
    if not isinstance(tag, Mapping):
        return ""
    return f"[{tag.get('client')}#{tag.get('op')} {tag.get('phase')} e{tag.get('epoch')}]"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else _compact(value)
    return text if len(text) <= VALUES else text[: VALUES - 3] + "..."


def _compact(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_compact(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ",".join(_compact(v) for v in value) + "]"
    return str(value)


def summary(state: Any) -> str:
    """'server e1' from a node state {'role': 'server', 'epoch': 1, ...}."""
    if not isinstance(state, Mapping):
        return ""
    epoch = state.get("epoch")
    return " ".join(
        str(x) for x in (state.get("role", "?"), f"e{epoch}" if epoch is not None else "") if x
    )


def _owner(event: Mapping[str, Any]) -> str | None:
    if event.get("event") == "reconfig":
        return "manager"
    for key in ("node", "dst"):
        if isinstance(event.get(key), str):
            return str(event[key])
    return None


def _action(event: Mapping[str, Any], payload: str) -> str:
    kind = str(event.get("event"))
    if kind in ("delivered", "dropped"):
        route = f"{event.get('src')}->{event.get('dst')}"
        where = " ".join(
            x for x in (str(event.get("kind")), route, _tag(event.get("tag")), payload) if x
        )
        if kind == "dropped":
            return f"lost: {where}: {event.get('reason', 'dropped')}"
        return f"deliver: {where} -> {event.get('effect', '')}"
    node = event.get("node", "")
    if kind == "reconfig":
        return f"manager: reconfig {event.get('step')} {node} e{event.get('epoch')}"
    if kind in ("invoked", "answered"):
        call: Mapping[str, Any] = event["call"] if isinstance(event.get("call"), Mapping) else {}
        args = _short({k: v for k, v in call.items() if k != "op"})
        said = f" -> {_short(event.get('answer'))}" if kind == "answered" else ""
        return f"{node} {kind} #{event.get('op')} {call.get('op')}({args}){said}"
    if kind == "phase":
        restart = " (restart)" if event.get("restart") else ""
        return f"{node} phase {_tag(event.get('tag'))}{restart}"
    if kind == "role":
        return f"{node} becomes {event.get('role')}"
    rest = {k: v for k, v in event.items() if k not in ("seq", "event", "node", "state")}
    return " ".join(x for x in (str(kind), str(node), _short(rest)) if x)


class _Runs:
    """Follows node states through the events; builds one record per drawn event."""

    def __init__(self, nodes: Iterable[str]) -> None:
        self.states: dict[str, Any] = {n: None for n in nodes}
        self.epochs: dict[str, int] = {}
        self.first: dict[str, Any] = {}  # each node's first state seen
        self.payloads: dict[Any, str] = {}  # in flight: id -> the values its `sent` carried

    def record(self, number: int, event: Mapping[str, Any]) -> dict[str, Any] | None:
        kind = event.get("event")
        if kind == "sent":
            self.payloads[event.get("id")] = _short(event.get("payload", ""))
            for end in ("src", "dst"):
                self.states.setdefault(str(event.get(end)), None)
            return None
        owner = _owner(event)
        if owner is not None:
            self.states.setdefault(owner, None)
            if isinstance(event.get("state"), Mapping):
                self.states[owner] = event["state"]
                # a node first seen taking a role had another before: start it blank
                self.first.setdefault(owner, None if kind == "role" else event["state"])
        if kind == "reconfig" and event.get("step") == "install":
            self.epochs["manager"] = int(event.get("epoch", 0))
        message = None
        payload = ""
        if kind in ("delivered", "dropped"):
            payload = self.payloads.pop(event.get("id"), "")
            message = {k: event.get(k) for k in ("kind", "src", "dst")}
        return {
            "step": number,
            "action": _action(event, payload),
            "record": None if message else {"type": str(kind), "node": owner},
            "message": message,
            "lost": kind == "dropped",
            "state": self.lanes(),
            "shown": {owner: self.states.get(owner)} if owner else {},
        }

    def lanes(self) -> dict[str, str]:
        out = {n: summary(s) for n, s in self.states.items() if s is not None}
        for n, epoch in self.epochs.items():
            out[n] = f"{out.get(n) or n} e{epoch}"
        return out


def event_records(
    header: Mapping[str, Any],
    events: Iterable[tuple[int, Mapping[str, Any]]],
    ending: str,
    title: str,
    numbered_by: str = "trace line",
    keep: int = KEEP,
) -> list[dict[str, Any]]:
    """Records for msc_html/msc_mermaid from (number, event) pairs."""
    params = header.get("params", {}) if isinstance(header.get("params"), Mapping) else {}
    nodes = [f"s{i}" for i in range(1, int(params.get("servers", 0)) + 1)]
    nodes += [f"c{i}" for i in range(1, int(params.get("clients", 0)) + 1)]
    runs = _Runs(nodes)
    head: list[dict[str, Any]] = []
    tail: deque[dict[str, Any]] = deque(maxlen=keep)
    drawn = 0
    gap_state: dict[str, str] = {}  # the lanes after the last event cut
    for number, event in events:
        step = runs.record(number, event)
        if step is None:
            continue
        drawn += 1
        if len(head) < keep:
            head.append(step)
            continue
        if len(tail) == keep:
            gap_state = tail[0]["state"]
        tail.append(step)
    cut = drawn - len(head) - len(tail)
    gap = [_gap(head[-1]["step"], cut, gap_state)] if cut else []
    steps = head + gap + list(tail)
    # a lane starts as its node's first state seen: its first event is no role change
    initial = {n: summary(s) for n, s in runs.first.items()}
    for step in steps:
        step["state"] = {n: step["state"].get(n, initial.get(n, "")) for n in runs.states}
    first = {"step": 0, "action": None, "record": None, "message": None, "state": initial}
    first["state"] = {n: initial.get(n, "") for n in runs.states}  # every lane, in order
    notes = [
        f"Rows are numbered by {numbered_by}; sent events are not drawn (a message's arrow"
        " is its delivery or its loss)."
    ]
    if cut:
        notes.append(
            f"Showing the first {len(head)} and last {len(tail)} of {drawn:,} drawn events:"
            f" the {cut:,} between are cut (charts are capped at {2 * keep} events)."
        )
    return [{"title": title, "model": _describe(header), "ending": ending, "notes": notes},
            first, *steps]  # fmt: skip


def _gap(after: int, cut: int, state: dict[str, str]) -> dict[str, Any]:
    return {
        "step": f"{after}+",
        "action": f"... {cut:,} events not drawn ...",
        "record": None,
        "message": None,
        "state": state,
        "shown": {},
    }


def _describe(header: Mapping[str, Any]) -> str:
    params = header.get("params")
    if not isinstance(params, Mapping):
        return ""
    return "implementation run: " + _compact(params)


def file_records(path: str, ending: str, upto: int | None = None) -> list[dict[str, Any]]:
    """Records for a trace file already checked (so readable), up to line `upto`."""
    with open(path, encoding="utf-8") as f:
        header = json.loads(f.readline())

        def events() -> Iterator[tuple[int, dict[str, Any]]]:
            for number, line in enumerate(f, start=2):
                if upto is not None and number > upto:
                    return
                if line.strip():
                    yield number, json.loads(line)

        return event_records(header, events(), ending, f"trace {path}")
