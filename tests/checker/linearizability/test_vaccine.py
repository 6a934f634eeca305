"""SMR client traces as a counter history, on hand-written events: each
request becomes the operations the docstring says, a stale query is illegal
and names its key, and an unreadable event names its file, line and field."""

from __future__ import annotations

from typing import Any

import pytest

from checker.linearizability import ILLEGAL, OK, CounterModel, HistoryError, check
from checker.linearizability.vaccine import ClientTrace, Key, client_history, untimed


def add(site: str, vaccine: str, doses: int) -> dict[str, Any]:
    return {"op": "add", "site": site, "vaccine": vaccine, "doses": doses}


def update(site: str, vaccine: str, doses: int) -> dict[str, Any]:
    return {"op": "update", "site": site, "vaccine": vaccine, "doses": doses}


def client(
    name: str, *requests: tuple[dict[str, Any], dict[str, Any] | None, int, int | None]
) -> ClientTrace:
    """Requests as (command, result or None, sent mono_ns, answered mono_ns or None)."""
    events: list[dict[str, Any]] = []
    for seq, (command, result, sent, answered) in enumerate(requests, start=1):
        events.append({"event": "sent", "seq": seq, "clock": seq, "command": command})
        events[-1]["mono_ns"] = sent
        if answered is None:
            events.append({"event": "refused", "seq": seq, "error": "timeout"})
        else:
            events.append({"event": "answered", "seq": seq, "replica": 1, "result": result})
            events[-1]["mono_ns"] = answered
    return ClientTrace(f"{name}.jsonl", name, list(enumerate(events, start=2)))


def doses(n: int) -> dict[str, Any]:
    return {"ok": True, "doses": n}


def sites(**stock: dict[str, int]) -> dict[str, Any]:
    return {"ok": True, "sites": stock}


def test_each_request_becomes_counter_operations_and_a_query_one_read_per_key() -> None:
    history = client_history(
        [
            client(
                "c1",
                (add("north", "mmr", 5), doses(5), 0, 1),
                (update("south", "polio", 12), doses(12), 2, 3),
                (add("north", "mmr", 1), None, 4, None),  # refused: may have been applied
                ({"op": "query", "site": "north"}, sites(north={"mmr": 5}), 5, 6),
                ({"op": "query"}, sites(north={"mmr": 5}, south={"polio": 12}), 7, 8),
                ({"op": "query"}, None, 9, None),  # unanswered: constrains nothing
            )
        ]
    )
    assert [op.describe() for op in history.operations] == [
        "c1: add(north/mmr, 5) -> 5",
        "c1: write(south/polio, 12) -> 12",
        "c1: add(north/mmr, 1) -> pending",
        "c1: read(north/mmr) -> 5",
        "c1: read(north/mmr) -> 5",
        "c1: read(south/polio) -> 12",
    ]
    assert [op.line for op in history.operations] == [2, 4, 6, 8, 10, 10]
    result = check(history, CounterModel())
    assert (result.verdict, result.objects) == (OK, 2)


def test_a_query_that_misses_a_returned_add_is_illegal_and_names_the_key() -> None:
    writer = client("c1", (add("north", "mmr", 5), doses(5), 0, 10))
    # c2's query omits mmr at north: it reads 0 doses, after the add returned
    stale = client("c2", ({"op": "query", "site": "north"}, sites(north={}), 11, 12))
    result = check(client_history([writer, stale]), CounterModel())
    assert result.verdict == ILLEGAL and result.failure is not None
    assert result.failure.key == Key("north", "mmr")
    # the same query, overlapping the add, may have come first
    early = client("c2", ({"op": "query", "site": "north"}, sites(north={}), 9, 12))
    assert check(client_history([writer, early]), CounterModel()).verdict == OK
    # equal times count as overlapping, not as one after the other
    tie = client("c2", ({"op": "query", "site": "north"}, sites(north={}), 10, 12))
    assert check(client_history([writer, tie]), CounterModel()).verdict == OK


def test_a_query_of_a_key_no_one_wrote_reads_a_value_from_nowhere() -> None:
    ghost = client("c1", ({"op": "query"}, sites(east={"bcg": 4}), 0, 1))
    assert check(client_history([ghost]), CounterModel()).verdict == ILLEGAL


def test_a_trace_without_times_is_named() -> None:
    timed = client("c1", (add("north", "mmr", 5), doses(5), 0, 1))
    old = ClientTrace(
        "c2.jsonl", "c2", [(2, {"event": "sent", "seq": 1, "command": add("n", "m", 1)})]
    )
    assert untimed([timed]) is None
    assert untimed([timed, old]) == "c2.jsonl:2"


@pytest.mark.parametrize(
    ("event", "where"),
    [
        ({"event": "answered", "seq": 9, "result": doses(1), "mono_ns": 5}, "c1.jsonl:4: seq"),
        (
            {"event": "answered", "seq": 1, "result": doses(1), "mono_ns": "5"},
            "c1.jsonl:4: mono_ns",
        ),
        (
            {"event": "answered", "seq": 1, "result": {"ok": True}, "mono_ns": 5},
            "c1.jsonl:4: result.doses",
        ),
    ],
)
def test_an_unreadable_event_names_its_file_line_and_field(
    event: dict[str, Any], where: str
) -> None:
    sent = {"event": "sent", "seq": 1, "command": add("north", "mmr", 1), "mono_ns": 1}
    with pytest.raises(HistoryError, match=where):
        client_history([ClientTrace("c1.jsonl", "c1", [(2, sent), (4, event)])])


def test_a_bad_query_answer_is_named() -> None:
    bad = client("c1", ({"op": "query"}, {"ok": True, "sites": {"north": {"mmr": "5"}}}, 0, 1))
    with pytest.raises(HistoryError, match=r"c1\.jsonl:3: result\.sites"):
        client_history([bad])
