"""A history as a picture: a lane per process (client), a bar per operation
from its invocation to its return (to the right edge if unfinished), and
the verdict: each operation numbered by its place in its object's
linearization, or, when illegal, the failing object's operations in colour:
the longest linearizable prefix (numbered), and the operations that cannot
come next in red.

At most MAX_OPERATIONS bars are drawn (the page says so when it cuts):
around the failure when there is one, else the first ones in time.

    write_history_html("run.html", history, check(history, model))
"""

from __future__ import annotations

from collections.abc import Hashable
from html import escape
from pathlib import Path

from checker.linearizability.check import ILLEGAL, OK, Result
from checker.linearizability.history import History, Operation
from checker.linearizability.report import object_name
from checker.pictures.page import page

MAX_OPERATIONS = 2000
LANE = 26
LEFT = 90
TOP = 30
MAX_WIDTH = 6000

COLOURS = {
    "prefix": "#6cbf6c",
    "stuck": "#e05555",
    "object": "#f0b060",
    "other": "#c8c8c8",
    "ok": "#7fa7e0",
    "pending": "#ffffff",
}


def _shown(history: History, result: Result) -> list[Operation]:
    ops = list(history.operations)
    if len(ops) <= MAX_OPERATIONS:
        return ops
    if result.failure is not None:
        keep = set(result.failure.prefix[-MAX_OPERATIONS // 2 :]) | set(result.failure.stuck)
        rest = [op for op in ops if op.id not in keep]
        first = min((history.operations[i].call for i in keep), default=0)
        rest.sort(key=lambda op: abs(op.call - first))
        keep |= {op.id for op in rest[: MAX_OPERATIONS - len(keep)]}
        return [op for op in ops if op.id in keep]
    return sorted(ops, key=lambda op: op.call)[:MAX_OPERATIONS]


def _labels(history: History, result: Result) -> tuple[dict[int, str], dict[int, str]]:
    """Per operation: its class (colour) and its label (place in a linearization)."""
    kinds: dict[int, str] = {}
    labels: dict[int, str] = {}
    if result.verdict == ILLEGAL and result.failure is not None:
        f = result.failure
        for n, op in enumerate(f.prefix, start=1):
            kinds[op] = "prefix"
            labels[op] = str(n)
        for op in f.stuck:
            kinds[op] = "stuck"
            labels[op] = "✗"
        return kinds, labels
    single = len(result.orders) == 1
    for key, order in result.orders.items():
        for n, op in enumerate(order, start=1):
            kinds[op] = "ok"
            labels.setdefault(op, str(n) if single else _place(result.model, key, n))
    return kinds, labels


def _place(model: str, key: Hashable, n: int) -> str:
    return f"t{key}:{n}" if model == "tokens" else f"{key}:{n}"


def history_html(history: History, result: Result) -> str:
    shown = _shown(history, result)
    processes = sorted({op.process for op in shown}, key=_natural)
    lane = {p: i for i, p in enumerate(processes)}
    first = min((op.call for op in shown), default=0)
    last = max((op.ret if op.ret is not None else op.call for op in shown), default=1) + 1
    scale = max(0.5, min(24.0, (MAX_WIDTH - LEFT) / max(1, last - first)))
    width = int(LEFT + (last - first + 2) * scale) + 20
    height = TOP + LANE * len(processes) + 10
    kinds, labels = _labels(history, result)
    failing = result.failure.key if result.failure is not None else None
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for p, i in lane.items():
        y = TOP + i * LANE
        parts.append(f'<text class="lane" x="4" y="{y + 15}">{escape(p)}</text>')
        parts.append(f'<line x1="{LEFT}" y1="{y + 20}" x2="{width}" y2="{y + 20}" stroke="#eee"/>')
    for op in shown:
        x = LEFT + (op.call - first) * scale
        end = LEFT + ((op.ret if op.ret is not None else last) - first) * scale
        y = TOP + lane[op.process] * LANE + 4
        kind = kinds.get(op.id, "other" if result.verdict == ILLEGAL else "ok")
        if kind == "other" and failing is not None and _touches(history, op, failing, result):
            kind = "object"
        fill = COLOURS["pending"] if op.pending and kind in ("ok", "other") else COLOURS[kind]
        dash = ' stroke-dasharray="4 2"' if op.pending else ""
        title = escape(f"#{op.id} {op.describe()} [line {op.line}]")
        parts.append(
            f'<g class="op {kind}" data-op="{op.id}"><title>{title}</title>'
            f'<rect class="op-bar" x="{x:.1f}" y="{y}" width="{max(2.0, end - x):.1f}" '
            f'height="16" fill="{fill}" stroke="#444"{dash}/>'
        )
        if op.id in labels and end - x > 14:
            parts.append(f'<text x="{x + 3:.1f}" y="{y + 12}">{escape(labels[op.id])}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    notes = [_verdict_note(result)]
    if len(shown) < len(history.operations):
        notes.append(
            f"Showing {len(shown):,} of {len(history.operations):,} operations: pictures are "
            f"capped at {MAX_OPERATIONS:,} bars"
            + (" (those around the failure)." if result.failure else " (the first in time).")
        )
    notes.append(
        "Bars run from invocation to return (dashed: unfinished); hover for the operation; "
        "numbers are places in the object's linearization."
    )
    legend = "".join(
        f'<span><span class="swatch" style="background:{COLOURS[k]}"></span>{escape(text)}</span>'
        for k, text in (
            [
                ("prefix", "longest linearizable prefix"),
                ("stuck", "cannot come next"),
                ("object", "same object, not placed"),
                ("other", "other objects"),
            ]
            if result.verdict == ILLEGAL
            else [("ok", "linearized"), ("pending", "unfinished")]
        )
    )
    body = f'<div class="legend">{legend}</div>\n' + "\n".join(parts)
    return page(f"{history.source}: {result.verdict}", notes, body)


def _verdict_note(result: Result) -> str:
    if result.verdict == OK:
        return (
            f"Linearizable: {result.operations:,} operations, {result.objects} objects "
            f"({result.model})."
        )
    if result.verdict == ILLEGAL and result.failure is not None:
        f = result.failure
        why = f" {f.why}." if f.why else ""
        return (
            f"Not linearizable: {object_name(result.model, f.key)}; the longest linearizable "
            f"prefix has {len(f.prefix)} operations, {len(f.stuck)} cannot come next.{why}"
        )
    return "Unknown: the timeout passed before every object was decided."


def _touches(history: History, op: Operation, key: Hashable, result: Result) -> bool:
    if result.model == "tokens":
        return op.op == "gettokens" or op.args.get("token") == key
    return op.args.get("key") == key


def _natural(name: str) -> tuple[str, int]:
    head = name.rstrip("0123456789")
    tail = name[len(head) :]
    return head, int(tail) if tail else -1


def write_history_html(path: str | Path, history: History, result: Result) -> None:
    Path(path).write_text(history_html(history, result), encoding="utf-8")
