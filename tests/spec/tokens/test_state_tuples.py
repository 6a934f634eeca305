"""The state's NamedTuples keep their meaning with the compiled constructors
that spec/tokens/state.py installs: same type, fields, defaults, equality,
hash, pickling and errors as a NamedTuple built field by field."""

from __future__ import annotations

import pickle

import pytest

from spec.tokens.model import TokenModel
from spec.tokens.standard import STANDARD_CONFIGS
from spec.tokens.state import Answer, Client, Manager, Server, State


def test_each_constructor_builds_the_tuple_of_its_fields_with_the_defaults() -> None:
    answer = Answer(0, ((0, 2, 4),))
    client = Client(2, (0, 0, 4), 1, 2, 0b101, ((0, 1, 3),), (1,), answer=answer)
    assert type(client) is Client
    assert tuple(client) == (2, (0, 0, 4), 1, 2, 0b101, ((0, 1, 3),), (1,), 0, answer)
    assert (client.mixed, client.answer, client.snapshot) == (0, answer, (1,))
    assert Client(0, None, 0, 0, 0, (), None).answer is None
    server = Server(3, ((1, 4),))
    assert type(server) is Server and (server.epoch, server.store) == (3, ((1, 4),))
    manager = Manager(1, 4, (0, 1, 2, 4), 0b11, None)
    assert type(manager) is Manager and manager.servers == (0, 1, 2, 4)
    state = State(1, (0, 1), (server,), manager, (), (1,), (0,), 1)
    assert type(state) is State and state.manager is manager and state.reconfigs == 1
    # Equal to the same fields however built; a field changed is another value.
    again = Client(2, (0, 0, 4), 1, 2, 0b101, ((0, 1, 3),), (1,), 0, answer)
    assert client == again and hash(client) == hash(again) and client is not again
    assert client != client._replace(answered=0b111)
    assert client._replace(epoch=5).epoch == 5 and type(client._replace(epoch=5)) is Client


def test_a_wrong_call_is_still_a_type_error() -> None:
    with pytest.raises(TypeError):
        Server(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Client(0, None, 0, 0, 0, (), None, 0, None, 1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Client(0, None, 0, 0, 0, (), None, colour=1)  # type: ignore[call-arg]


def test_states_of_a_run_pickle_and_compare_as_before() -> None:
    model = TokenModel(STANDARD_CONFIGS["S3a"].config)
    s = model.initial_states()[0]
    for _ in range(12):  # a few steps in: clients in a phase, messages in flight
        s = model.next_state(s, model.actions(s)[-1])
    assert any(type(n) is Client and n.phase for n in s.nodes) and s.network
    back = pickle.loads(pickle.dumps(s))
    assert back == s and hash(back) == hash(s) and type(back.nodes[0]) is type(s.nodes[0])
