"""The trace audit on small hand-written traces: a good run passes, and
each property fails on a trace tampered to break it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker.cli import main
from impl.smr.audit import TraceError, audit

ADD = {"op": "add", "site": "n", "vaccine": "mmr", "doses": 1}
QUERY = {"op": "query"}


def _write(path: Path, role: str, process: str, events: list[dict[str, Any]]) -> Path:
    header = {"format": "tokencheck-smr-trace", "version": 1, "role": role, "process": process}
    path.write_text("".join(json.dumps(x) + "\n" for x in [header, *events]))
    return path


def _applied(
    client: str, seq: int, clock: int, command: dict[str, Any], doses: int
) -> dict[str, Any]:
    return {
        "event": "applied",
        "client": client,
        "seq": seq,
        "clock": clock,
        "command": command,
        "result": {"ok": True, "doses": doses},
    }


def _run(tmp: Path, r1: list[dict[str, Any]], r2: list[dict[str, Any]]) -> list[Path]:
    a = [
        {"event": "sent", "seq": 1, "clock": 1, "command": ADD, "mono_ns": 10},
        {
            "event": "answered",
            "seq": 1,
            "replica": 1,
            "clock": 2,
            "result": {"ok": True, "doses": 1},
            "mono_ns": 20,
        },
    ]
    b = [{"event": "sent", "seq": 1, "clock": 2, "command": ADD, "mono_ns": 15}]
    return [
        _write(tmp / "r1.jsonl", "replica", "r1", r1),
        _write(tmp / "r2.jsonl", "replica", "r2", r2),
        _write(tmp / "a.jsonl", "client", "a", a),
        _write(tmp / "b.jsonl", "client", "b", b),
    ]


GOOD = [_applied("a", 1, 1, ADD, 1), _applied("b", 1, 2, ADD, 2)]


def test_a_good_run_passes_and_a_prefix_is_agreement(tmp_path: Path) -> None:
    report = audit(_run(tmp_path, GOOD, GOOD[:1]))
    assert report.verdict == "ok"
    assert report.replicas == {"r1": 2, "r2": 1}


@pytest.mark.parametrize(
    ("r1", "r2", "violation"),
    [
        (GOOD, GOOD[::-1], "Agreement: r1 and r2 applied different requests at position 1"),
        (GOOD[::-1], [], "Order: r1 applied 1.a after 2.b"),
        ([*GOOD, GOOD[0]], [], "Validity: r1 applied a#1 twice"),
        ([_applied("a", 2, 3, ADD, 1)], [], "Validity: r1 applied a#2, which a never sent"),
        ([_applied("a", 1, 5, ADD, 1)], [], "Validity: r1 applied a#1 at clock 5"),
        ([_applied("a", 1, 1, QUERY, 1)], [], "but a sent clock 1 with"),
        ([_applied("a", 1, 1, ADD, 9)], [], "Answers: a got"),
    ],
)
def test_each_property_fails_on_a_trace_tampered_to_break_it(
    tmp_path: Path, r1: list[dict[str, Any]], r2: list[dict[str, Any]], violation: str
) -> None:
    report = audit(_run(tmp_path, r1, r2))
    assert report.verdict == "violated"
    assert any(violation in v for v in report.violations), report.violations


def test_a_request_from_a_client_without_a_trace_leaves_the_verdict_incomplete(
    tmp_path: Path,
) -> None:
    paths = _run(tmp_path, GOOD, GOOD)
    report = audit(paths[:3])
    assert (report.verdict, report.unchecked) == ("incomplete", ["client b"])


def test_check_smr_trace_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    paths = [str(p) for p in _run(tmp_path, GOOD, GOOD)]
    ok = runner.invoke(main, ["smr", "trace", *paths])
    assert ok.exit_code == 0 and "verdict  ok" in ok.output
    assert runner.invoke(main, ["smr", "trace", *paths[:3]]).exit_code == 3
    bad = [str(p) for p in _run(tmp_path, GOOD, GOOD[::-1])]
    violated = runner.invoke(main, ["smr", "trace", *bad])
    assert violated.exit_code == 1 and "violated Agreement" in violated.output
    junk = tmp_path / "junk.jsonl"
    junk.write_text(
        '{"format": "tokencheck-smr-trace", "role": "replica", "process": "r9"}\nnot json\n'
    )
    unreadable = runner.invoke(main, ["smr", "trace", str(junk)])
    assert unreadable.exit_code == 2
    assert "junk.jsonl:2: not a JSON line" in unreadable.output


def test_a_file_that_is_not_a_trace_is_named(tmp_path: Path) -> None:
    other = tmp_path / "x.jsonl"
    other.write_text('{"format": "tokencheck-trace"}\n')
    with pytest.raises(TraceError, match=r"x\.jsonl:1: not an SMR trace"):
        audit([other])
    with pytest.raises(TraceError, match="cannot read"):
        audit([tmp_path / "missing.jsonl"])


def test_causal_order_catches_a_request_applied_before_one_its_client_had_heard_of(
    tmp_path: Path,
) -> None:
    # r1 had received b#1 (clock 5) when it answered a#1; a's next request
    # a#2 went out stamped 2 (a did not advance its clock past the reply's 5)
    # and r1 applied it before b#1: timestamp order, against causality.
    r1 = [
        {"event": "received", "client": "a", "kind": "request", "clock": 1, "seq": 1},
        {"event": "received", "client": "b", "kind": "request", "clock": 5, "seq": 1},
        _applied("a", 1, 1, ADD, 1),
        {"event": "received", "client": "a", "kind": "request", "clock": 2, "seq": 2},
        _applied("a", 2, 2, ADD, 2),
        _applied("b", 1, 5, ADD, 3),
    ]
    a = [
        {"event": "sent", "seq": 1, "clock": 1, "command": ADD},
        {
            "event": "answered",
            "seq": 1,
            "replica": 1,
            "clock": 5,
            "result": {"ok": True, "doses": 1},
        },
        {"event": "sent", "seq": 2, "clock": 2, "command": ADD},
    ]
    b = [{"event": "sent", "seq": 1, "clock": 5, "command": ADD}]
    paths = [
        _write(tmp_path / "r1.jsonl", "replica", "r1", r1),
        _write(tmp_path / "a.jsonl", "client", "a", a),
        _write(tmp_path / "b.jsonl", "client", "b", b),
    ]
    report = audit(paths)
    assert report.violations == [
        "CausalOrder: r1 applied a#2 before b#1, which r1 had received before answering a#1"
    ]
    # The same run with b#1 applied first passes.
    r1[4], r1[5] = _applied("b", 1, 5, ADD, 2), _applied("a", 2, 6, ADD, 3)
    r1[3]["clock"] = 6
    a[2]["clock"] = 6
    _write(tmp_path / "r1.jsonl", "replica", "r1", r1)
    _write(tmp_path / "a.jsonl", "client", "a", a)
    assert audit(paths).verdict == "ok"


def test_check_smr_trace_checks_the_client_history_for_linearizability(tmp_path: Path) -> None:
    runner = CliRunner()
    paths = [str(p) for p in _run(tmp_path, GOOD, GOOD)]
    ok = runner.invoke(main, ["smr", "trace", *paths])
    assert "history: 2 client traces, 2 operations (1 unfinished), model counter" in ok.output
    assert "linearizability: OK: linearizable" in ok.output
    # no time to search: unknown, never ok
    late = runner.invoke(main, ["smr", "trace", "--timeout", "0", *paths])
    assert late.exit_code == 3 and "linearizability: UNKNOWN" in late.output
    # a: after its add answered 1 dose, a query says n has none: stale
    query = {"event": "sent", "seq": 2, "clock": 3, "command": QUERY, "mono_ns": 30}
    stale = {"event": "answered", "seq": 2, "replica": 1, "clock": 3, "mono_ns": 40}
    stale["result"] = {"ok": True, "sites": {"n": {}}}
    a = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()[1:]]
    _write(tmp_path / "a.jsonl", "client", "a", [*a, query, stale])
    illegal = runner.invoke(main, ["smr", "trace", *paths[2:]])
    assert illegal.exit_code == 1, illegal.output
    assert "linearizability: ILLEGAL: key n/mmr is not linearizable" in illegal.output
    assert "#2 a: read(n/mmr) -> 0  (line 4)" in illegal.output
    assert illegal.output.endswith("verdict  violated\n")


def test_a_client_trace_without_times_leaves_the_verdict_incomplete(tmp_path: Path) -> None:
    paths = _run(tmp_path, GOOD, GOOD)
    rows = [json.loads(line) for line in paths[2].read_text().splitlines()[1:]]
    _write(paths[2], "client", "a", [{k: v for k, v in r.items() if k != "mono_ns"} for r in rows])
    out = CliRunner().invoke(main, ["smr", "trace", *map(str, paths)])
    assert out.exit_code == 3
    assert (
        "linearizability: not checked: " in out.output and "a.jsonl:2 has no mono_ns" in out.output
    )


@pytest.mark.parametrize(
    ("r1", "r2", "violations"),
    [
        (
            GOOD,
            GOOD[::-1],
            [
                "Agreement: r1 and r2 applied different requests at position 1: a#1 and b#1",
                "Order: r2 applied 1.a after 2.b",
            ],
        ),
        (
            [*GOOD, GOOD[0]],
            [],
            ["Order: r1 applied 1.a after 2.b", "Validity: r1 applied a#1 twice"],
        ),
        (
            [_applied("a", 2, 3, ADD, 1)],
            [],
            [
                "Validity: r1 applied a#2, which a never sent",
                "Answers: a got an answer to a#1 from r1, whose trace never applied it",
            ],
        ),
        (
            [_applied("a", 1, 1, QUERY, 1)],
            [],
            [f"Validity: r1 applied a#1 at clock 1 with {QUERY}, but a sent clock 1 with {ADD}"],
        ),
    ],
)
def test_the_hand_made_traces_keep_their_exact_violations(
    tmp_path: Path, r1: list[dict[str, Any]], r2: list[dict[str, Any]], violations: list[str]
) -> None:
    # pinned before CausalOrder was rewritten: the audit's whole answer, not one line of it
    assert audit(_run(tmp_path, r1, r2)).violations == violations


def test_a_client_trace_with_answers_but_no_requests_gets_a_verdict(tmp_path: Path) -> None:
    # CausalOrder used to look up the client's sent requests and raise KeyError
    r1 = [
        {"event": "received", "client": "a", "kind": "request", "clock": 1, "seq": 1},
        _applied("a", 1, 1, ADD, 1),
    ]
    answer = {"event": "answered", "seq": 1, "replica": 1, "clock": 2}
    answer["result"] = {"ok": True, "doses": 1}
    paths = [
        _write(tmp_path / "r1.jsonl", "replica", "r1", r1),
        _write(tmp_path / "a.jsonl", "client", "a", [answer]),
    ]
    assert audit(paths).violations == ["Validity: r1 applied a#1, which a never sent"]
