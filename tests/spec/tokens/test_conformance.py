"""Implementation traces follow the token model (spec/tokens/conformance.py):
random runs conform, and a trace with one hand-made defect is rejected at the
defect's line, naming it."""

from __future__ import annotations

import contextlib
import io
import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from checker.conformance import TraceVerdict, check_trace_lines
from checker.errors import TraceFormatError
from spec.tokens.conformance import CONFORMANCE
from tests.spec.tokens.conformance_runs import SIZES, step_trace, threaded_trace

Event = dict[str, Any]


def check(text: str) -> TraceVerdict:
    return check_trace_lines(iter(io.StringIO(text)), CONFORMANCE)


def assert_conforms(text: str) -> None:
    verdict = check(text)
    assert verdict.divergence is None, str(verdict.divergence)
    assert verdict.events == text.count("\n") - 1


@pytest.mark.parametrize("servers", SIZES)
def test_step_mode_runs_with_faults_and_role_changes_conform(servers: int) -> None:
    text = step_trace(servers, seed=5)
    assert '"dropped"' in text and '"step":"install"' in text
    assert_conforms(text)


@pytest.mark.parametrize("servers", SIZES)
def test_threaded_runs_with_faults_and_role_changes_conform(servers: int) -> None:
    text = threaded_trace(servers, seed=1)
    assert '"dropped"' in text and '"step":"install"' in text
    assert_conforms(text)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2, 8))
@pytest.mark.parametrize("servers", SIZES)
def test_more_seeds_conform_in_both_modes(servers: int, seed: int) -> None:
    assert_conforms(step_trace(servers, seed))
    assert_conforms(threaded_trace(servers, seed))


# -- one defect each ---------------------------------------------------------


@pytest.fixture(scope="module")
def trace() -> list[Event]:
    """A step-mode run on 3 servers, 1 faulty, with four role changes."""
    lines = step_trace(3, seed=5).splitlines()
    return [json.loads(line) for line in lines]


def edited(
    trace: list[Event], match: Callable[[Event], bool], edit: Callable[[Event], Any]
) -> tuple[str, int]:
    """The trace with the first event that `match`es edited (a list returned by
    `edit` replaces it, renumbered), and the line number of the edit."""
    events = [json.loads(json.dumps(e)) for e in trace]
    index = next(i for i, e in enumerate(events) if i > 0 and match(e))
    result = edit(events[index])
    if isinstance(result, list):
        events[index : index + 1] = result
    for seq, e in enumerate(events[1:], start=1):
        e["seq"] = seq
    text = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events)
    return text, index + 1


def diverges_at(text: str, line: int, *words: str) -> str:
    verdict = check(text)
    assert verdict.divergence is not None
    assert verdict.divergence.line == line, verdict.divergence.reason
    for word in words:
        assert word in verdict.divergence.reason
    return verdict.divergence.reason


def test_the_unedited_trace_conforms(trace: list[Event]) -> None:
    text, _ = edited(trace, lambda e: True, lambda e: None)
    assert_conforms(text)


def test_a_stale_reply_is_rejected_where_it_is_sent(trace: list[Event]) -> None:
    def stale(e: Event) -> None:
        next(entry for entry in e["payload"]["entries"] if entry[1] > 1)[1] -= 1

    text, line = edited(
        trace,
        lambda e: (
            e["event"] == "sent"
            and e["kind"] == "READ_REPLY"
            and any(entry[1] > 1 for entry in e["payload"]["entries"])
        ),
        stale,
    )
    reason = diverges_at(text, line, "does not send here", "sends READ_REPLY")
    assert "instead" in reason


def test_a_skipped_version_is_rejected_where_the_write_is_sent(trace: list[Event]) -> None:
    def skip(e: Event) -> None:
        e["payload"]["entries"][0][1] += 1

    text, line = edited(
        trace,
        lambda e: e["event"] == "sent" and e["tag"] is not None and e["tag"]["phase"] == "write",
        skip,
    )
    diverges_at(text, line, "sends WRITE", "does not send here")


def test_an_owner_changed_without_a_write_is_rejected(trace: list[Event]) -> None:
    def steal(e: Event) -> None:
        e["state"]["store"][5][1] = "c1" if e["state"]["store"][5][1] != "c1" else "c2"

    text, line = edited(
        trace, lambda e: e["event"] == "delivered" and e["effect"] == "applied 1 of 1", steal
    )
    diverges_at(text, line, "store differs at token 5", "the owner changed without a new version")


def test_a_store_that_goes_back_is_rejected(trace: list[Event]) -> None:
    # a server applies a write to one token and, in the same breath, an older
    # token of its store loses a version it already had
    written = {
        e["id"]: e["payload"]["entries"][0][0]
        for e in trace[1:]
        if e["event"] == "sent" and e["kind"] == "WRITE"
    }

    def older(e: Event) -> list[int]:
        return [
            t
            for t, entry in enumerate(e["state"]["store"])
            if entry[0] > 1 and t != written[e["id"]]
        ]

    def back(e: Event) -> None:
        e["state"]["store"][older(e)[0]][0] -= 1

    text, line = edited(
        trace,
        lambda e: e["event"] == "delivered" and e["effect"] == "applied 1 of 1" and older(e) != [],
        back,
    )
    diverges_at(text, line, "store differs at token", "the store went back")


def test_a_skipped_epoch_is_rejected(trace: list[Event]) -> None:
    def skip(e: Event) -> None:
        e["state"]["epoch"] += 1

    text, line = edited(
        trace, lambda e: e["event"] == "delivered" and e["effect"].startswith("entered epoch"), skip
    )
    diverges_at(text, line, "state differs at epoch")


def test_a_message_delivered_twice_is_rejected_at_the_second_delivery(trace: list[Event]) -> None:
    text, line = edited(
        trace,
        lambda e: e["event"] == "delivered" and e["kind"] == "WRITE",
        lambda e: [e, json.loads(json.dumps(e))],
    )
    diverges_at(text, line + 1, "already delivered or dropped", f"(line {line})")


def test_a_trace_that_stops_before_the_messages_a_step_sends_diverges_at_its_end(
    trace: list[Event],
) -> None:
    cut = next(i for i, e in enumerate(trace) if i > 0 and e["event"] == "phase")
    text = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in trace[: cut + 1])
    diverges_at(text, cut + 1, "at the end of the trace", "which the trace never sends")


def test_a_quorum_claimed_too_early_is_rejected(trace: list[Event]) -> None:
    def early(e: Event) -> None:
        e["effect"] = "quorum reached"

    text, line = edited(
        trace, lambda e: e["event"] == "delivered" and e["effect"].startswith("counted 1/"), early
    )
    diverges_at(text, line, "says 'quorum reached' after 1 answers", "needs 2")


def test_an_answer_the_model_does_not_give_is_rejected(trace: list[Event]) -> None:
    def wrong(e: Event) -> None:
        if e["answer"]["answer"] == "OK":
            e["answer"]["version"] += 1
        else:
            e["answer"] = {"answer": "OK", "version": 99}

    text, line = edited(trace, lambda e: e["event"] == "answered", wrong)
    diverges_at(text, line, "the specification answers")


def test_a_lost_message_between_correct_nodes_is_rejected(trace: list[Event]) -> None:
    # turn the first delivery of a message between correct nodes into a loss
    def lose(e: Event) -> None:
        e.update(event="dropped", reason="lost (faulty server)")
        e.pop("effect")
        e.pop("state", None)

    faulty = trace[0]["params"]["faulty"]
    text, line = edited(
        trace,
        lambda e: (
            e["event"] == "delivered"
            and e["kind"] == "READ_REPLY"
            and e["effect"].startswith("counted")
            and e["src"] not in faulty
        ),
        lose,
    )
    diverges_at(text, line, "is not faulty")


def test_a_divergence_names_the_model_state_and_the_steps_allowed(trace: list[Event]) -> None:
    text, line = edited(
        trace,
        lambda e: e["event"] == "sent" and e["kind"] == "WRITE",
        lambda e: e["payload"]["entries"][0].__setitem__(1, 9),
    )
    d = check(text).divergence
    assert d is not None and d.line == line
    assert d.states["config"] == "e0 {s1,s2,s3}"
    assert any(step.startswith("ServerReceiveWrite: WRITE") for step in d.allowed)
    assert '"event":"sent"' in d.event


def test_a_delivery_of_a_message_never_sent_is_unreadable(trace: list[Event]) -> None:
    def unsent(e: Event) -> None:
        e["id"] = 10**6

    text, line = edited(trace, lambda e: e["event"] == "delivered", unsent)
    with pytest.raises(TraceFormatError) as error:
        check(text)
    assert (error.value.line, error.value.field) == (line, "id")
    assert "never sent" in str(error.value)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("kind", "PING", "expected one of READ"),
        ("src", "x9", "unknown node 'x9'"),
        ("payload", {"entries": [[0, "v", "c1"]]}, "expected [token, version, owner]"),
        ("tag", {"client": "c1"}, "expected op and epoch"),
    ],
)
def test_a_sent_message_that_cannot_be_read_names_its_field(
    trace: list[Event], field: str, value: object, problem: str
) -> None:
    text, line = edited(
        trace,
        lambda e: e["event"] == "sent" and e["kind"] == "READ_REPLY",
        lambda e: e.__setitem__(field, value),
    )
    with pytest.raises(TraceFormatError) as error:
        check(text)
    assert error.value.line == line
    assert problem in str(error.value)


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"servers": 2, "clients": 6, "tokens": 60, "faulty": []}, "params.servers", "between"),
        ({"servers": 3, "clients": 0, "tokens": 60, "faulty": []}, "params.clients", ">= 1"),
        ({"servers": 3, "clients": 6, "tokens": 60, "faulty": ["x9"]}, "params.faulty", "'x9'"),
        ({"servers": 3, "clients": 6, "tokens": 60}, "params.faulty", "expected a list"),
        (None, "params", "missing"),
    ],
)
def test_a_header_the_model_cannot_use_names_its_field(
    params: dict[str, object] | None, field: str, words: str
) -> None:
    header = {"format": "tokencheck-trace", "version": 1, "params": params}
    with pytest.raises(TraceFormatError) as error:
        check(json.dumps(header) + "\n")
    assert (error.value.line, error.value.field) == (1, field)
    assert words in error.value.problem


JUNK: list[object] = [None, -1, 10**9, 1.5, "x", "c1", [], [1], {}, {"a": 1}, True]


def corrupt(trace: list[Event], rounds: int, seed: int) -> None:
    """Put junk in one field of one event, `rounds` times: each trace must
    diverge, conform or be unreadable, and nothing else."""
    rng = random.Random(seed)
    lines = [json.dumps(e) + "\n" for e in trace]
    for _ in range(rounds):
        index = rng.randrange(1, len(lines))
        event = json.loads(lines[index])
        target = event
        if rng.random() < 0.5 and isinstance(event.get("state"), dict):
            target = event["state"]
        elif rng.random() < 0.5 and isinstance(event.get("payload"), dict):
            target = event["payload"]
        keys = sorted(k for k in target if k != "seq")
        if not keys:
            continue
        target[rng.choice(keys)] = rng.choice(JUNK)
        edited = [*lines[:index], json.dumps(event) + "\n", *lines[index + 1 :]]
        with contextlib.suppress(TraceFormatError):
            check("".join(edited))


def test_a_corrupted_field_is_a_divergence_or_a_format_error_never_a_crash(
    trace: list[Event],
) -> None:
    corrupt(trace, rounds=25, seed=7)


@pytest.mark.slow
def test_many_corrupted_fields_never_crash(trace: list[Event]) -> None:
    corrupt(trace, rounds=400, seed=8)
