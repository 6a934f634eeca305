"""`check trace` and `check replay` with --html/--mermaid: an implementation's
recorded run drawn through checker/pictures/events.py and msc.py, one arrow
per delivered message, one lost arrow per dropped one, capped in size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from checker.cli import main
from checker.pictures.events import KEEP, event_records
from checker.pictures.msc import msc_html, msc_mermaid
from tests.checker.pictures.html_parse import Elements

DATA = Path(__file__).parents[2] / "data"
TRACE = DATA / "impl_step_trace.jsonl"


def numbered(path: Path, event: str) -> list[int]:
    """The line numbers of one kind of event in a trace file."""
    lines = path.read_text().splitlines()
    return [n for n, line in enumerate(lines[1:], start=2) if json.loads(line)["event"] == event]


def clicked(html: str) -> dict[str, Any]:
    embedded = html.split('id="states">')[1].split("</script>")[0]
    states: dict[str, Any] = json.loads(embedded)
    return states


def tiny_events() -> list[tuple[int, dict[str, Any]]]:
    """Known by hand: c1's READ reaches s1, its READ to s2 is lost, s2 then
    becomes a client; 2 of 5 events are `sent` and are not drawn."""
    tag = {"client": "c1", "op": 1, "phase": "read", "epoch": 0}
    read: dict[str, object] = {"kind": "READ", "src": "c1", "tag": tag, "payload": {"token": 0}}
    events: list[dict[str, object]] = [
        {"event": "sent", "id": 1, "dst": "s1", **read},
        {"event": "sent", "id": 2, "dst": "s2", **read},
        {"event": "delivered", "id": 1, "dst": "s1", **read, "effect": "replied",
         "state": {"role": "server", "epoch": 0, "store": {}}},
        {"event": "dropped", "id": 2, "dst": "s2", **read, "reason": "lost (faulty server)"},
        {"event": "role", "node": "s2", "role": "client", "state": {"role": "client"}},
    ]  # fmt: skip
    return [(n, {"seq": n - 1, **e}) for n, e in enumerate(events, start=2)]


def test_a_tiny_run_has_one_arrow_one_lost_one_box_and_one_role_change() -> None:
    header = {"params": {"servers": 2, "clients": 1}}
    records = event_records(header, tiny_events(), "conforms", "trace tiny")
    page = Elements(html := msc_html(records))
    assert [a["data-node"] for a in page.with_class("g", "lane")] == ["s1", "s2", "c1"]
    assert [a["data-step"] for a in page.with_class("g", "arrow")] == ["4"]
    assert [a["data-step"] for a in page.with_class("g", "lost")] == ["5"]
    assert [a["data-step"] for a in page.with_class("g", "step")] == ["6"]
    assert "→ client" in page.text  # s2's role change, on its lane
    assert len(page.with_class("g", "change")) == 1
    assert "conforms" in page.text
    assert clicked(html)["4"] == {"s1": {"role": "server", "epoch": 0, "store": {}}}
    assert page.external_references() == []
    assert msc_mermaid(records).splitlines() == [
        "sequenceDiagram",
        "    participant s1",
        "    participant s2",
        "    participant c1",
        "    c1->>s1: 4. READ c1->s1 [c1#35;1 read e0] token 0 -> replied",
        "    c1--xs2: 5. READ c1->s2 [c1#35;1 read e0] token 0: lost (faulty server)",
        "    Note over s2: 6. s2 becomes client",
        "    Note over s1,c1: conforms",
    ]


def test_check_trace_draws_one_arrow_per_delivery_and_marks_the_lost(tmp_path: Path) -> None:
    html, mermaid = tmp_path / "t.html", tmp_path / "t.mmd"
    result = CliRunner().invoke(
        main, ["trace", str(TRACE), "--html", str(html), "--mermaid", str(mermaid)]
    )
    assert result.exit_code == 0, result.output
    delivered, dropped = numbered(TRACE, "delivered"), numbered(TRACE, "dropped")
    assert (len(delivered), len(dropped)) == (51, 9)
    page = Elements(text := html.read_text())
    assert [int(a["data-step"]) for a in page.with_class("g", "arrow")] == delivered
    assert [int(a["data-step"]) for a in page.with_class("g", "lost")] == dropped
    lanes = [a["data-node"] for a in page.with_class("g", "lane")]
    assert lanes == ["s1", "s2", "s3", "c1", "c2", "c3", "c4", "c5", "c6", "manager"]
    assert {"→ server e0", "→ client", "→ server e2"} <= set(page.text)  # c4 joins, s1 leaves
    assert "→ manager e1" in page.text  # the manager installs epoch 1
    assert "conforms to the specification: 140 events" in page.text
    assert len(clicked(text)) == 1 + 140 - 60  # the start, and every event but `sent`
    lines = mermaid.read_text().splitlines()
    assert sum("->>" in line for line in lines) == 51
    assert sum("--x" in line for line in lines) == 9
    assert "chart written to" in result.output


def test_a_diverging_trace_is_drawn_up_to_its_divergence(tmp_path: Path) -> None:
    trace, html = tmp_path / "sq.jsonl", tmp_path / "sq.html"
    recorded = CliRunner().invoke(
        main, ["shell", "--servers", "3", "--step", "--mutant", "small-quorum", "--no-check",
               "--trace-out", str(trace)], input="pay c1 1 c2\nclose\n")  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    result = CliRunner().invoke(main, ["trace", str(trace), "--html", str(html)])
    assert result.exit_code == 1
    assert "diverges at line 13" in result.output
    page = Elements(html.read_text())
    arrows = [int(a["data-step"]) for a in page.with_class("g", "arrow")]
    assert arrows == [n for n in numbered(trace, "delivered") if n <= 13]
    assert arrows[-1] == 13  # the delivery the specification rejects is the last row
    ending = "".join(page.text)
    assert "diverges at line 13: c1 says 'quorum reached' after 1 answers" in ending


def long_run(n: int) -> list[tuple[int, dict[str, Any]]]:
    """n events: c1 sends s1 a READ and s1 receives it, over and over."""
    tag = {"client": "c1", "op": 1, "phase": "read", "epoch": 0}
    out: list[tuple[int, dict[str, Any]]] = []
    for i in range(n // 2):
        m = {"id": i, "kind": "READ", "src": "c1", "dst": "s1", "tag": tag}
        out.append((2 * i + 2, {"event": "sent", **m, "payload": {"token": 0}}))
        out.append((2 * i + 3, {"event": "delivered", **m, "effect": "replied"}))
    return out


def test_a_100000_event_run_draws_the_first_and_last_events_and_says_so() -> None:
    records = event_records({"params": {"servers": 1, "clients": 1}}, long_run(100_000), "ok", "t")
    page = Elements(html := msc_html(records))
    arrows = [int(a["data-step"]) for a in page.with_class("g", "arrow")]
    assert len(arrows) == 2 * KEEP
    assert arrows[:2] == [3, 5] and arrows[-1] == 100_001
    assert len(page.with_class("g", "step")) == 1  # the gap
    assert "... 49,600 events not drawn ..." in "".join(page.text)
    assert any("Showing the first 200 and last 200 of 50,000 drawn events" in t for t in page.text)
    assert len(html) < 300_000
    assert len(msc_mermaid(records).splitlines()) == 1 + 2 + 2 * KEEP + 1 + 1


def test_check_replay_draws_the_implementations_run(tmp_path: Path) -> None:
    cex = DATA / "cex" / "no-owner-check.jsonl"
    html, mermaid = tmp_path / "r.html", tmp_path / "r.mmd"
    result = CliRunner().invoke(
        main, ["replay", str(cex), "--mutant", "no-owner-check", "--html", str(html),
               "--mermaid", str(mermaid)])  # fmt: skip
    assert result.exit_code == 0, result.output
    page = Elements(html.read_text())
    assert len(page.with_class("g", "arrow")) == 8  # the counterexample's 8 deliveries
    assert [a["data-node"] for a in page.with_class("g", "lane")] == ["s1", "s2", "s3", "c1", "c2"]
    assert "followed all 10 steps; NoDoubleSpend broken" in "".join(page.text)
    assert sum("->>" in line for line in mermaid.read_text().splitlines()) == 8

    result = CliRunner().invoke(main, ["replay", str(cex), "--html", str(html)])
    assert result.exit_code == 1
    ending = "".join(Elements(html.read_text()).text)
    assert "the implementation cannot follow step 10: after it, c2's state differs" in ending
