"""The token model's coverage features (spec/tokens/coverage.py), by hand
on S3a with two changes: epochs as lags, stores as freshness, nodes unnamed."""

from __future__ import annotations

import dataclasses

from checker.model import has_coverage_features
from spec.tokens import PROTOCOL
from spec.tokens.actions import ClientStartPay, ManagerTransformAtomic
from spec.tokens.model import TokenModel
from spec.tokens.state import PHASE_READ, READ, SYNC_WRITE

CONFIG, SERVER, CLIENT, MESSAGES = range(4)


def model() -> TokenModel:
    config = dataclasses.replace(PROTOCOL.standard("S3a").config, reconfigs=2)
    return TokenModel(config)


def test_the_initial_state_three_fresh_servers_two_idle_clients_nothing_in_flight() -> None:
    m = model()
    assert has_coverage_features(m)
    (s,) = m.initial_states()
    assert m.coverage_features(s) == (
        (CONFIG, 0, 3, 0, 0),
        (SERVER, True, 0, (0,)),
        (SERVER, True, 0, (0,)),
        (SERVER, True, 0, (0,)),
        (CLIENT, 0, 0, 0),
        (CLIENT, 0, 0, 0),
    )


def test_a_read_across_a_join_shows_its_lag_and_the_joiner_waiting() -> None:
    m = model()
    (s,) = m.initial_states()
    s = m.next_state(s, ClientStartPay(3, 0, 4))  # c1 pays c2
    join = next(a for a in m.actions(s) if type(a) is ManagerTransformAtomic and a.node == 4)
    s = m.next_state(s, join)  # c2 joins: epoch 1, four servers
    # The join read {s1,s2} and wrote {s1,s2,s3}: they are at epoch 1, fresh;
    # c2 is a server at lag 1 with no store yet (its SYNC_WRITE is in flight);
    # c1 still reads in epoch 0, and its READs are one epoch behind.
    assert m.coverage_features(s) == (
        (CONFIG, 1, 4, 0, 1),
        (SERVER, True, 0, (0,)),
        (SERVER, True, 0, (0,)),
        (SERVER, True, 0, (0,)),
        (SERVER, True, 1, ()),
        (CLIENT, PHASE_READ, 1, 1),
        (MESSAGES, READ, 1),
        (MESSAGES, SYNC_WRITE, 0),
    )
