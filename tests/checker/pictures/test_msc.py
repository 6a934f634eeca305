"""`check model --html/--mermaid`: one arrow per delivered message, a box per
other step, the violated property at the end, lanes from the step records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from checker.cli import main
from checker.pictures.msc import lanes, msc_html, msc_mermaid
from tests.checker.pictures.html_parse import Elements


def tiny_run() -> list[dict[str, Any]]:
    """Known by hand: a asks b, b notes it, b answers; b2 never speaks."""

    def step(n: int, action: str | None, message: dict[str, Any] | None, b: str) -> dict[str, Any]:
        record = {"type": "X", "message": message} if message else {"type": "Y", "node": "b1"}
        return {
            "step": n,
            "action": action,
            "action_index": 0,
            "record": record if n else None,
            "message": message,
            "state": {"a1": "client", "b1": b, "b2": "server e0"},
        }

    ask = {"kind": "ASK", "src": "a1", "dst": "b1"}
    answer = {"kind": "ANSWER", "src": "b1", "dst": "a1"}
    return [
        {
            "format": "tokencheck-counterexample",
            "property": "Claim",
            "detail": "x; #1 broke",
            "model": "tiny",
            "loop_start": None,
        },
        step(0, None, None, "server e0"),
        step(1, "Receive: ASK a1->b1", ask, "server e0"),
        step(2, "Think b1", None, "server e1"),
        step(3, "Receive: ANSWER b1->a1", answer, "server e1"),
    ]


def test_a_tiny_run_has_two_arrows_one_box_and_the_property_at_the_end() -> None:
    records = tiny_run()
    assert lanes(records[1:]) == ["a1", "b1", "b2"]
    page = Elements(msc_html(records))
    assert [a["data-step"] for a in page.with_class("g", "arrow")] == ["1", "3"]
    assert [a["data-step"] for a in page.with_class("g", "step")] == ["2"]
    assert len(page.with_class("g", "lane")) == 3
    assert len(page.with_class("g", "change")) == 1  # b1 enters epoch e1
    assert "violated Claim: x; #1 broke" in "".join(page.text)
    assert page.external_references() == []
    assert msc_mermaid(records).splitlines() == [
        "sequenceDiagram",
        "    participant a1",
        "    participant b1",
        "    participant b2",
        "    a1->>b1: 1. ASK a1->b1",
        "    Note over b1: 2. Think b1",
        "    b1->>a1: 3. ANSWER b1->a1",
        "    Note over a1,b2: violated Claim: x#59; #35;1 broke",
    ]


def test_check_model_draws_the_no_owner_check_counterexample(tmp_path: Path) -> None:
    html, mermaid, trace = tmp_path / "c.html", tmp_path / "c.mmd", tmp_path / "c.jsonl"
    result = CliRunner().invoke(
        main, ["model", "--mutant", "no-owner-check", "--quiet", "--html", str(html),
               "--mermaid", str(mermaid), "--trace-out", str(trace)])  # fmt: skip
    assert result.exit_code == 1, result.output
    steps = [json.loads(line) for line in trace.read_text().splitlines()[1:]]
    delivered = [s["step"] for s in steps if s["message"] is not None]
    assert len(delivered) == 8  # of 10 steps: 2 ClientStartPay, 8 deliveries
    page = Elements(html.read_text())
    assert [int(a["data-step"]) for a in page.with_class("g", "arrow")] == delivered
    assert len(page.with_class("g", "step")) == 2
    assert len(page.with_class("g", "violated")) == 1
    embedded = html.read_text().split('id="states">')[1].split("</script>")[0]
    states = json.loads(embedded)
    assert len(states) == 11
    lines = mermaid.read_text().splitlines()
    assert sum("->>" in line for line in lines) == 8
    assert [x for x in lines if "participant" in x] == [
        f"    participant {n}" for n in ("s1", "s2", "s3", "c1", "c2")
    ]
    assert "chart written to" in result.output


def test_a_role_change_is_marked_on_its_lane(tmp_path: Path) -> None:
    html = tmp_path / "c.html"
    result = CliRunner().invoke(
        main, ["model", "--config", "S3a", "--mutant", "sync-replace", "--quiet",
               "--html", str(html)])  # fmt: skip
    assert result.exit_code == 1
    page = Elements(html.read_text())
    assert "→ server e1" in page.text
    manager = [a for a in page.with_class("g", "lane") if a["data-node"] == "manager"]
    assert len(manager) == 1  # the actor of ManagerTransformAtomic gets a lane
