"""The history format and implementation traces: what is read, and the one
line naming the line and the field when something is wrong."""

from __future__ import annotations

import json

import pytest

from checker.linearizability import HistoryError, TokensModel, parse_history, read_history


def invoke(p: str, op: str, args: dict[str, object], time: float) -> str:
    return json.dumps({"process": p, "type": "invoke", "op": op, "args": args, "time": time})


def ret(p: str, output: dict[str, object], time: float, kind: str = "ok") -> str:
    return json.dumps({"process": p, "type": kind, "output": output, "time": time})


def test_ranks_order_calls_and_returns_by_time_then_by_line() -> None:
    h = parse_history(
        [
            invoke("p1", "write", {"value": 1}, 5.0),
            invoke("p2", "read", {}, 1.5),
            ret("p2", {"value": 0}, 5.0),
            ret("p1", {}, 7),
        ]
    )
    ops = {op.process: op for op in h.operations}
    assert (ops["p2"].call, ops["p1"].call, ops["p2"].ret, ops["p1"].ret) == (0, 1, 2, 3)


def test_fail_drops_the_operation_and_info_leaves_it_unfinished() -> None:
    h = parse_history(
        [
            invoke("p1", "write", {"value": 1}, 0),
            ret("p1", {}, 1, kind="fail"),
            invoke("p2", "write", {"value": 2}, 2),
            ret("p2", {}, 3, kind="info"),
        ]
    )
    assert [(op.process, op.pending) for op in h.operations] == [("p2", True)]


def test_an_implementation_trace_gives_its_client_operations() -> None:
    h = read_history("tests/data/impl_step_trace.jsonl")
    assert [op.describe() for op in h.operations] == [
        "c1: pay(0, c2) -> OK(2)",
        "c1: pay(0, c3) -> NOT_OWNER(2, c2)",
        "c2: gettokens(c2) -> [(0, 2), (1, 1), (7, 1), (13, 1), (19, 1), (25, 1), (31, 1), "
        "(37, 1), ...]",
    ]
    assert (h.model, dict(h.init)) == ("tokens", {"tokens": 60, "clients": 6})


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["{not json"], ":1: line: not JSON"),
        (["[1, 2]"], ":1: line: expected a JSON object, got list"),
        ([json.dumps({"format": "other"})], ":1: format: unknown format 'other'"),
        ([json.dumps({"format": "tokencheck-history", "version": 2})], ":1: version: 2"),
        ([json.dumps({"type": "invoke", "op": "read", "time": 0})], ":1: process: expected str"),
        ([invoke("p", "read", {}, 0).replace('"time": 0', '"time": "soon"')], ":1: time:"),
        (
            [invoke("p", "read", {}, 0), invoke("p", "read", {}, 1)],
            ":2: process: p invokes read while its operation from line 1 is pending",
        ),
        ([ret("p", {}, 0)], ":1: process: p returns with no pending invocation"),
        ([invoke("p", "read", {}, 0), ret("p", {}, 0, kind="done")], ":2: type: 'done'"),
        ([invoke("p", "read", {}, 5), ret("p", {}, 1)], ":2: time: 1 is before"),
        ([], ":1: file: empty"),
    ],
)
def test_an_unreadable_line_is_named_with_its_field(lines: list[str], message: str) -> None:
    with pytest.raises(HistoryError) as caught:
        parse_history(lines, "h.jsonl")
    assert message in str(caught.value)
    assert str(caught.value).startswith("h.jsonl:")


@pytest.mark.parametrize(
    ("op", "args", "output", "message"),
    [
        ("pay", {"token": "x", "to": "c2"}, None, ":1: args.token: expected an integer >= 0"),
        ("pay", {"token": 99, "to": "c2"}, None, ":1: args.token: token 99 is not in 0..59"),
        ("pay", {"token": 0}, None, ":1: args.to: expected a name"),
        (
            "pay",
            {"token": 0, "to": "c2"},
            {"answer": "MAYBE", "version": 2},
            ":2: output.answer: 'MAYBE'",
        ),
        (
            "gettokens",
            {"owner": "c1"},
            {"answer": "TOKENS", "tokens": [[0, 1], [0, 1]]},
            ":2: output.tokens: [0, 1]: expected [token, version], each token once",
        ),
        ("read", {}, {"value": 1}, ":1: op: 'read': the tokens model has pay and gettokens"),
    ],
)
def test_the_tokens_model_names_the_bad_field(
    op: str, args: dict[str, object], output: dict[str, object] | None, message: str
) -> None:
    lines = [invoke("c1", op, args, 0)] + ([ret("c1", output, 1)] if output else [])
    with pytest.raises(HistoryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        TokensModel().partition(parse_history(lines, "h.jsonl"))
