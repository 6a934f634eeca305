"""A counterexample as a message sequence chart, from the step records that
`check model --trace-out` writes (checker/trace_file.py): nothing here knows
a protocol.

- Lanes: the nodes. A node is a name that a delivered message has as `src`
  or `dst`, or that an action record names; a state field shaped like one of
  them (same letters, then digits: s3 beside s1) is a lane too.
- A step that delivers a message is an arrow from `src` to `dst`, labelled
  with the step's trace line (kind and values); any other step is a box on
  the lane of the node its record names first.
- When a node's role (the first word of its state) or epoch (a word `e<N>`)
  changes, the lane says so. Messages still in flight at the end (list-valued
  state fields) are listed as never delivered: the model has no drop steps.
- The violated property ends the chart; clicking a row shows the state after
  that step (hovering shows the action).
- Records converted from something else (checker/pictures/events.py: an
  implementation's trace) may mark a message step `lost` (a dashed arrow
  ending in a cross), give a step `shown` (what a click shows instead of its
  state), and give the header `title`, `ending` (instead of the violated
  property) and `notes`.

    html = msc_html(counterexample_records(model, ce, config))
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from checker.pictures.page import attr, page

COLUMN = 150
ROW = 34
TOP = 60
LEFT = 40
MAX_STEPS = 500  # rows drawn; the page says so when it cuts

SCRIPT = """
const states = JSON.parse(document.getElementById('states').textContent);
for (const row of document.querySelectorAll('[data-step]')) {
  row.style.cursor = 'pointer';
  row.addEventListener('click', () => {
    const n = row.dataset.step;
    document.getElementById('state').textContent =
      'state after step ' + n + ':\\n' + JSON.stringify(states[n], null, 2);
  });
}
"""


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def lanes(steps: Sequence[Mapping[str, Any]]) -> list[str]:
    """The nodes of the run, in the order the initial state lists them."""
    named: set[str] = set()
    for step in steps:
        message = step.get("message")
        if isinstance(message, Mapping):
            named.update(x for x in (message.get("src"), message.get("dst")) if isinstance(x, str))
    fields = list(steps[0].get("state", {})) if steps else []
    for step in steps:
        record = step.get("record")
        if isinstance(record, Mapping):
            actor = _typed_actor(record, fields)
            if actor:
                named.add(actor)
            named.update(
                s for k, v in record.items() if k != "type" for s in _strings(v) if s in fields
            )
    shapes = {re.sub(r"\d+$", "", n) for n in named if re.search(r"\d$", n)}
    order = [
        f
        for f in fields
        if f in named or (re.fullmatch(r"[a-z]+\d+", f) and re.sub(r"\d+$", "", f) in shapes)
    ]
    return order + sorted(named - set(order))


def _typed_actor(record: Mapping[str, Any], names: Sequence[str]) -> str | None:
    """Actions are named actor plus verb (ManagerTransformAtomic): a state field
    whose name starts the record's type is the actor."""
    kind = str(record.get("type", "")).lower()
    return next((n for n in names if len(n) > 2 and kind.startswith(n.lower())), None)


def _actor(step: Mapping[str, Any], lane_names: Sequence[str]) -> str | None:
    record = step.get("record")
    if isinstance(record, Mapping):
        typed = _typed_actor(record, lane_names)
        if typed:
            return typed
        for key, value in record.items():
            if key != "type":
                for s in _strings(value):
                    if s in lane_names:
                        return s
    action = str(step.get("action") or "")
    for word in re.findall(r"[\w]+", action):
        if word in lane_names:
            return str(word)
    return None


def _label(step: Mapping[str, Any]) -> str:
    action = str(step.get("action") or "")
    return action.split(": ", 1)[1] if ": " in action and step.get("message") else action


def _summary(state: Any) -> str:
    """A node's role and epoch, from its state text: 'server e1'."""
    if not isinstance(state, str):
        return ""
    words = state.split()
    epoch = next((w for w in words if re.fullmatch(r"e\d+", w)), "")
    return " ".join(x for x in (words[0] if words else "", epoch) if x)


def msc_html(records: Sequence[Mapping[str, Any]]) -> str:
    header, steps = records[0], list(records[1:])
    names = lanes(steps)
    x = {n: LEFT + COLUMN // 2 + i * COLUMN for i, n in enumerate(names)}
    shown = steps[: MAX_STEPS + 1]
    width = LEFT + COLUMN * max(1, len(names)) + 40
    height = TOP + ROW * (len(shown) + 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
        '<defs><marker id="head" markerWidth="8" markerHeight="8" refX="8" refY="4" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>',
    ]
    first_state = steps[0].get("state", {}) if steps else {}
    for n in names:
        parts.append(
            f'<g class="lane" data-node="{attr(n)}">'
            f"<title>{escape(str(first_state.get(n, '')))}</title>"
            f'<text x="{x[n] - 20}" y="{TOP - 30}" font-weight="bold">{escape(n)}</text>'
            f'<text x="{x[n] - 20}" y="{TOP - 16}" fill="#666">'
            f"{escape(_summary(first_state.get(n)))}</text>"
            f'<line x1="{x[n]}" y1="{TOP - 10}" x2="{x[n]}" y2="{height - 10}" '
            'stroke="#bbb"/></g>'
        )
    previous = {n: _summary(first_state.get(n)) for n in names}
    for row, step in enumerate(shown[1:], start=1):
        y = TOP + row * ROW
        number = step.get("step", row)
        title = escape(f"{number}. {step.get('action') or ''}")
        message = step.get("message")
        if _drawn(message, x) and step.get("lost"):
            assert isinstance(message, Mapping)
            a, b = x[str(message["src"])], x[str(message["dst"])]
            end = (a + b) // 2 if a != b else a + 30
            parts.append(
                f'<g class="lost" data-step="{number}"><title>{title}</title>'
                f'<line x1="{a}" y1="{y}" x2="{end}" y2="{y + 5}" stroke="#c03030" '
                'stroke-dasharray="4 3"/>'
                f'<text x="{end - 4}" y="{y + 9}" fill="#c03030" font-weight="bold">✕</text>'
                f'<text x="{min(a, end) + 4}" y="{y - 3}" fill="#c03030">'
                f"{escape(f'{number}. {_label(step)}'[:90])}</text>"
                "</g>"
            )
        elif _drawn(message, x):
            assert isinstance(message, Mapping)
            a, b = x[str(message["src"])], x[str(message["dst"])]
            parts.append(
                f'<g class="arrow" data-step="{number}"><title>{title}</title>'
                f'<line x1="{a}" y1="{y}" x2="{b}" y2="{y + 10}" stroke="#333" '
                'marker-end="url(#head)"/>'
                f'<text x="{min(a, b) + 4}" y="{y - 3}">'
                f"{escape(f'{number}. {_label(step)}'[:90])}</text>"
                "</g>"
            )
        else:
            actor = _actor(step, names)
            at = x[actor] - 60 if actor else LEFT
            parts.append(
                f'<g class="step" data-step="{number}"><title>{title}</title>'
                f'<rect x="{at}" y="{y - 12}" width="{COLUMN - 10 if actor else width - 2 * LEFT}" '
                f'height="18" fill="#fff7d6" stroke="#b09030"/>'
                f'<text x="{at + 4}" y="{y + 1}">{escape(f"{number}. {_label(step)}"[:60])}</text>'
                "</g>"
            )
        state = step.get("state", {})
        for n in names:
            now = _summary(state.get(n))
            if now != previous[n]:
                parts.append(
                    f'<g class="change"><text x="{x[n] + 4}" y="{y + 16}" fill="#a03030">'
                    f"→ {escape(now or 'gone')}</text></g>"
                )
                previous[n] = now
    y = TOP + (len(shown)) * ROW + 8
    violated = _verdict(header)
    kind = "ending" if "ending" in header else "violated"
    parts.append(
        f'<g class="{kind}"><rect x="{LEFT}" y="{y - 14}" width="{width - 2 * LEFT}" '
        f'height="20" fill="#fde0e0" stroke="#c03030"/>'
        f'<text x="{LEFT + 6}" y="{y}">{escape(violated)}</text></g>'
    )
    parts.append("</svg>")
    notes = [f"{header.get('model', '')}", violated, *header.get("notes", [])]
    if len(shown) < len(steps):
        notes.append(
            f"Showing the first {MAX_STEPS} of {len(steps) - 1} steps: charts are capped "
            f"at {MAX_STEPS} rows."
        )
    in_flight = _in_flight(steps[-1].get("state", {}) if steps else {})
    if in_flight:
        notes.append(
            f"In flight at the end, never delivered ({len(in_flight)}): "
            + "; ".join(in_flight[:20])
            + (" ..." if len(in_flight) > 20 else "")
        )
    notes.append("Click a row for the state after that step; hover for the action.")
    # keyed by step number: converted records need not number their steps 0, 1, ...
    clicked = {
        str(s.get("step", i)): s.get("shown", s.get("state", {})) for i, s in enumerate(shown)
    }
    states = json.dumps(clicked).replace("</", "<\\/")
    body = "\n".join(parts) + (
        f'\n<pre id="state">(click a step)</pre>\n'
        f'<script type="application/json" id="states">{states}</script>'
    )
    title = header.get("title") or f"counterexample: {header.get('property')}"
    return page(str(title), notes, body, SCRIPT)


def _drawn(message: Any, x: Mapping[str, int]) -> bool:
    return isinstance(message, Mapping) and message.get("src") in x and message.get("dst") in x


def _verdict(header: Mapping[str, Any]) -> str:
    if "ending" in header:
        return str(header["ending"])
    violated = f"violated {header.get('property')}: {header.get('detail')}"
    if header.get("loop_start") is not None:
        violated += f" (the run loops back to step {header.get('loop_start')})"
    return violated


def _in_flight(state: Mapping[str, Any]) -> list[str]:
    return [str(m) for value in state.values() if isinstance(value, list) for m in value]


MERMAID_ESCAPES = str.maketrans({"#": "#35;", ";": "#59;", "\n": " "})


def _mermaid_text(text: str) -> str:
    """Mermaid reads ';' as a line break and '#' as an entity: write both as entities."""
    return text.translate(MERMAID_ESCAPES)


def msc_mermaid(records: Sequence[Mapping[str, Any]]) -> str:
    header, steps = records[0], list(records[1:])
    names = lanes(steps)
    out = ["sequenceDiagram"]
    out.extend(f"    participant {n}" for n in names)
    for step in steps[1:]:
        number = step.get("step")
        message = step.get("message")
        label = _mermaid_text(f"{number}. {_label(step)}")
        if (
            isinstance(message, Mapping)
            and message.get("src") in names
            and message.get("dst") in names
        ):
            arrow = "--x" if step.get("lost") else "->>"
            out.append(f"    {message['src']}{arrow}{message['dst']}: {label}")
        else:
            actor = _actor(step, names)
            where = actor if actor else f"{names[0]},{names[-1]}" if names else ""
            out.append(f"    Note over {where}: {label}")
    violated = _mermaid_text(_verdict(header))
    if names:
        out.append(f"    Note over {names[0]},{names[-1]}: {violated}")
    return "\n".join(out) + "\n"
