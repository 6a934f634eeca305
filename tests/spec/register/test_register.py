"""The register's properties on hand-built states and steps, its parameter
errors, and its (N,N) query phase: each property is shown to fail on the
state or step it forbids, and to hold on its neighbour that is allowed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from checker.errors import ParameterError
from checker.explore import explore
from spec.register.actions import ClientStartWrite
from spec.register.model import RegisterModel
from spec.register.params import RegisterParams
from spec.register.properties import (
    one_value_per_timestamp,
    read_not_stale,
    read_sees_write,
    write_not_stale,
)
from spec.register.state import INITIAL, Answer, Client, Copy, Kind, Message, Phase, State

C1_FIRST = Copy((1, 1), (1, 1))
C2_FIRST = Copy((1, 2), (1, 2))
C2_UNSTAMPED = Copy((1, 0), (1, 2))  # what the no-writer-id mutant writes
C1_UNSTAMPED = Copy((1, 0), (1, 1))


def _state(
    stores: tuple[Copy, ...] = (INITIAL,) * 3,
    clients: tuple[Client, ...] = (Client(),) * 2,
    network: frozenset[Message] = frozenset(),
    linearized: Copy = INITIAL,
) -> State:
    return State(stores, clients, network, linearized)


def test_one_value_per_timestamp_fails_on_two_values_under_one_stamp() -> None:
    clash = _state(stores=(C1_UNSTAMPED, INITIAL, C2_UNSTAMPED))
    assert "one stamp, two values" in (one_value_per_timestamp(clash) or "")
    write = Message(Kind.WRITE, 1, 0, 1, Phase.WRITING, C2_UNSTAMPED)
    assert one_value_per_timestamp(_state(stores=(C1_UNSTAMPED,) * 3, network=frozenset({write})))
    assert one_value_per_timestamp(_state(stores=(C1_FIRST, INITIAL, C2_FIRST))) is None


def _read(answer: Copy, snapshot: Copy) -> str | None:
    """ReadNotStale on the step where c2's read, started at `snapshot`, returns `answer`."""
    reading = Client(phase=Phase.IMPOSING, op=1, copy=answer, snapshot=snapshot)
    done = Client(op=1, reads_done=1, answer=Answer(True, answer))
    before, after = _state(clients=(Client(), reading)), _state(clients=(Client(), done))
    return read_not_stale(before, ClientStartWrite(0), after)  # the action is not read


def test_read_not_stale_fails_on_an_older_stamp_or_another_value_under_the_same_stamp() -> None:
    assert "was linearized before the read started" in (_read(INITIAL, C1_FIRST) or "")
    assert _read(C1_UNSTAMPED, C2_UNSTAMPED) is not None
    assert _read(C1_FIRST, C1_FIRST) is None
    assert _read(C2_FIRST, C1_FIRST) is None


def test_write_not_stale_fails_on_a_write_stamped_at_or_below_the_linearized_copy() -> None:
    writing = Client(phase=Phase.WRITING, op=1, copy=C1_FIRST, snapshot=C2_FIRST)
    done = Client(op=1, writes_done=1, answer=Answer(False, C1_FIRST))
    before, after = _state(clients=(writing, Client())), _state(clients=(done, Client()))
    assert "not above" in (write_not_stale(before, ClientStartWrite(0), after) or "")
    fresh = replace(writing, snapshot=INITIAL)
    assert write_not_stale(_state(clients=(fresh, Client())), ClientStartWrite(0), after) is None


def test_read_sees_write_needs_a_read_that_returned_a_written_value() -> None:
    wrote = Client(op=1, writes_done=1, answer=Answer(False, C1_FIRST))
    assert not read_sees_write(_state(clients=(wrote, Client())))
    read_initial = Client(op=1, reads_done=1, answer=Answer(True, INITIAL))
    assert not read_sees_write(_state(clients=(read_initial, Client())))
    read = Client(op=1, reads_done=1, answer=Answer(True, C1_FIRST))
    assert read_sees_write(_state(clients=(Client(), read)))


def test_an_nn_write_learns_the_highest_counter_before_it_stamps() -> None:
    model = RegisterModel(RegisterParams(writers="all", readers=0))
    s = model.next_state(model.initial_states()[0], ClientStartWrite(1))
    assert s.clients[1].phase is Phase.WRITE_QUERY
    assert {m.kind for m in s.network} == {Kind.QUERY}
    s = replace(s, stores=(Copy((4, 1), (4, 1)), INITIAL, INITIAL))
    for server in (0, 1):
        s = model.next_state(
            s, next(a for a in model.actions(s) if "QUERY c2->s" + str(server + 1) in str(a))
        )
        s = model.next_state(
            s, next(a for a in model.actions(s) if "REPLY s" + str(server + 1) in str(a))
        )
    assert s.clients[1].phase is Phase.WRITING
    assert s.clients[1].copy == Copy((5, 2), (5, 2))


def test_without_the_writer_id_two_writers_can_share_a_stamp() -> None:
    result = explore(RegisterModel(RegisterParams(writers="all", readers=0, writer_id=False)))
    assert result.counterexample is not None
    assert result.counterexample.property_name == "OneValuePerTimestamp"


@pytest.mark.parametrize(
    ("fields", "option"),
    [
        ({"servers": 0}, "servers"),
        ({"clients": 5}, "clients"),
        ({"readers": 3}, "readers"),
        ({"writers": "some"}, "writers"),
        ({"faulty": 4}, "faulty"),
        ({"reads": -1}, "reads"),
    ],
)
def test_a_bad_parameter_is_an_error_that_names_it(fields: dict[str, object], option: str) -> None:
    with pytest.raises(ParameterError) as error:
        RegisterModel(RegisterParams(**fields))  # type: ignore[arg-type]
    assert error.value.option == option
