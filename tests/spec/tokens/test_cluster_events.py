"""A merged cluster trace as the follower reads it: a caller's `dropped` of a
call is the loss of the request or of its reply, decided by the delivery."""

from __future__ import annotations

from typing import Any

from spec.tokens.cluster_events import cluster_events

TAG = {"client": "c1", "op": 1, "phase": "write", "epoch": 0}


def ev(event: str, id: str, kind: str, src: str, dst: str, **more: Any) -> dict[str, Any]:
    return {"event": event, "id": id, "kind": kind, "src": src, "dst": dst, "tag": TAG, **more}


WRITE = ev("sent", "c1.1", "WRITE", "c1", "s1")
ACK = ev("sent", "s1.2", "WRITE_ACK", "s1", "c1")
APPLIED = ev("delivered", "c1.1", "WRITE", "c1", "s1", effect="applied 1 of 1")
GAVE_UP = ev("dropped", "c1.1", "WRITE", "c1", "s1", reason="unreachable: s1: Channel closed!")


def follow(*events: dict[str, Any]) -> list[tuple[int, str, str, str]]:
    numbered = iter(list(enumerate(events, 2)))
    return [(n, e["event"], e["id"], e["kind"]) for n, e in cluster_events(numbered)]


def test_a_call_dropped_after_its_delivery_lost_the_reply() -> None:
    assert follow(WRITE, ACK, APPLIED, GAVE_UP)[-1] == (5, "dropped", "s1.2", "WRITE_ACK")


def test_a_drop_recorded_before_the_delivery_waits_for_it() -> None:
    assert follow(WRITE, GAVE_UP, ACK, APPLIED) == [
        (2, "sent", "c1.1", "WRITE"),
        (4, "sent", "s1.2", "WRITE_ACK"),
        (5, "delivered", "c1.1", "WRITE"),
        (3, "dropped", "s1.2", "WRITE_ACK"),
    ]


def test_a_call_never_delivered_lost_the_request_at_the_end() -> None:
    assert follow(WRITE, GAVE_UP, ACK) == [
        (2, "sent", "c1.1", "WRITE"),
        (4, "sent", "s1.2", "WRITE_ACK"),
        (3, "dropped", "c1.1", "WRITE"),
    ]


def test_a_call_dropped_twice_loses_its_reply_once() -> None:
    assert follow(WRITE, ACK, APPLIED, GAVE_UP, GAVE_UP) == [
        (2, "sent", "c1.1", "WRITE"),
        (3, "sent", "s1.2", "WRITE_ACK"),
        (4, "delivered", "c1.1", "WRITE"),
        (5, "dropped", "s1.2", "WRITE_ACK"),
    ]


def test_a_delivered_call_with_no_reply_loses_nothing() -> None:
    assert follow(WRITE, APPLIED, GAVE_UP) == [
        (2, "sent", "c1.1", "WRITE"),
        (3, "delivered", "c1.1", "WRITE"),
    ]
