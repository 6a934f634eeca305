"""The JSON Lines trace: its shape, and a recorded step-mode trace that the
same seed must reproduce byte for byte (tests/data/impl_step_trace.jsonl).

After an intended change of the format or of the node code, regenerate it
with `python3 -m tests.impl.tokens.test_trace_format` and review the diff.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from impl.tokens.cluster import Cluster
from impl.tokens.config import Params
from impl.tokens.recorder import FORMAT, FORMAT_VERSION, Recorder

RECORDED = Path(__file__).parents[2] / "data" / "impl_step_trace.jsonl"


def recorded_scenario() -> str:
    """3 servers (s2 faulty, losing half its messages), a pay, a join, a
    NOT_OWNER, a leave and a gettokens, under the seeded scheduler."""
    params = Params(servers=3, faulty=("s2",), drop=0.5, seed=1)
    sink = io.StringIO()
    header = {"mode": "step", "seed": params.seed, "params": params.to_json()}
    cluster = Cluster(params, mode="step", recorder=Recorder(sink=sink, header=header))
    cluster.run(cluster.pay("c1", 0, "c2"))
    cluster.run(cluster.transform("c4"))
    cluster.run(cluster.pay("c1", 0, "c3"))
    cluster.run(cluster.transform("s1"))
    cluster.run(cluster.gettokens("c2", "c2"))
    return sink.getvalue()


def test_the_recorded_trace_is_reproduced_byte_for_byte() -> None:
    assert recorded_scenario() == RECORDED.read_text(encoding="utf-8")


def test_every_trace_line_is_json_with_a_header_and_consecutive_sequence_numbers() -> None:
    header, *events = [json.loads(line) for line in recorded_scenario().splitlines()]
    assert (header["format"], header["version"]) == (FORMAT, FORMAT_VERSION)
    assert header["params"]["faulty"] == ["s2"] and header["seed"] == 1
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


def test_each_message_is_sent_once_then_delivered_or_dropped_at_most_once() -> None:
    events = [json.loads(line) for line in recorded_scenario().splitlines()[1:]]
    sent = {e["id"]: e for e in events if e["event"] == "sent"}
    ends = [e for e in events if e["event"] in ("delivered", "dropped")]
    assert len({e["id"] for e in ends}) == len(ends)
    for end in ends:
        origin = sent[end["id"]]
        assert origin["seq"] < end["seq"]
        assert {k: origin[k] for k in ("kind", "src", "dst", "tag")} == {
            k: end[k] for k in ("kind", "src", "dst", "tag")
        }
    assert all(sent[i]["dst"] == "s2" or sent[i]["src"] == "s2" for i in
               (e["id"] for e in ends if e["event"] == "dropped"))  # fmt: skip
    for e in sent.values():
        assert set(e) >= {"kind", "src", "dst", "tag", "payload"}
        if e["kind"] in ("READ", "READ_REPLY", "WRITE", "WRITE_ACK"):
            assert set(e["tag"]) == {"client", "op", "phase", "epoch"}


def test_operations_and_reconfiguration_steps_appear_with_their_answers() -> None:
    events = [json.loads(line) for line in recorded_scenario().splitlines()[1:]]
    answers = [e["answer"] for e in events if e["event"] == "answered"]
    assert answers[0] == {"answer": "OK", "version": 2}
    assert answers[1] == {"answer": "NOT_OWNER", "version": 2, "owner": "c2"}
    steps = [(e["step"], e["node"]) for e in events if e["event"] == "reconfig"]
    assert steps == [("start", "c4"), ("merge", "c4"), ("install", "c4"),
                     ("start", "s1"), ("merge", "s1"), ("install", "s1")]  # fmt: skip
    roles = [(e["node"], e["role"]) for e in events if e["event"] == "role"]
    assert roles == [("c4", "server"), ("s1", "client")]


if __name__ == "__main__":
    RECORDED.write_text(recorded_scenario(), encoding="utf-8")
    print(f"wrote {RECORDED}")
