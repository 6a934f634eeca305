"""Message validation names the bad field; nodes survive malformed messages."""

from __future__ import annotations

import pytest

from impl.tokens.errors import BadMessage
from impl.tokens.messages import Message, Tag, validate

from .conftest import MakeCluster

TAG = Tag("c1", 1, "read", 0)


@pytest.mark.parametrize(
    ("msg", "field"),
    [
        ("not a message", "expected a Message"),
        (Message("SHOUT", "c1", "s1", TAG, {}), "kind"),
        (Message("READ", "c1", "s1", None, {"token": 0}), "tag"),
        (Message("READ", "c1", "s1", Tag("c1", 0, "read", 0), {"token": 0}), "tag.op"),
        (Message("READ", "c1", "s1", Tag("c1", 1, "later", 0), {"token": 0}), "tag.phase"),
        (Message("READ", "c1", "s1", TAG, {"token": -1}), "payload.token"),
        (Message("WRITE", "c1", "s1", TAG, {"entries": [(0, 0, "c2")]}), "version"),
        (Message("WRITE", "c1", "s1", TAG, {"entries": [(0, 2)]}), "payload.entries[0]"),
        (Message("SYNC_READ", "manager", "s1", None, {}), "payload.epoch"),
        (Message("SYNC_WRITE", "manager", "s1", None, {"epoch": 1, "entries": []}), "servers"),
    ],
)
def test_validate_names_the_bad_field(msg: object, field: str) -> None:
    with pytest.raises(BadMessage, match=field.replace("[", r"\[").replace("]", r"\]")):
        validate(msg)


def test_a_server_thread_survives_bad_messages_and_keeps_every_token(
    make_cluster: MakeCluster,
) -> None:
    from impl.tokens.recorder import Recorder

    recorder = Recorder(keep=True)
    cluster = make_cluster(mode="threaded", recorder=recorder, servers=3, faulty=())
    before = cluster.store("s1")
    cluster.inject("s1", "garbage")
    cluster.inject(
        "s1", Message("WRITE", "c1", "s1", Tag("c1", 1, "write", 0), {"entries": [(99, 5, "c2")]})
    )
    cluster.inject("s1", Message("READ", "c1", "s2", TAG, {"token": 0}))  # wrong recipient
    assert cluster.quiesce(5.0)
    bad = [e for e in recorder.events if e["event"] == "bad-message"]
    assert len(bad) == 3
    assert "token 99 out of range" in bad[1]["error"]
    assert cluster.store("s1") == before
    assert str(cluster.run(cluster.pay("c1", 0, "c2"))) == "OK(2)"
    assert cluster.store("s1")[0] == (2, "c2") or cluster.store("s2")[0] == (2, "c2")
