"""`check trace DIR` on a live cluster: the merged trace follows the token
model (and its history is linearizable), across a kill and a restart; a
hand-edited merged trace diverges."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from checker.cli import main
from impl.cluster.layout import Layout
from impl.cluster.operator import Operator
from tests.impl.cluster.conftest import stop_everything


def check(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def cluster(*args: str) -> str:
    result = check("cluster", *args)
    assert result.exit_code == 0, (args, result.output)
    return result.output


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("trace") / "cluster"
    try:
        cluster("up", "--servers", "5", "--faulty", "s1", "--drop", "0.3", "--data", str(folder))
        yield str(folder)
    finally:
        stop_everything(Layout(folder))


def test_a_live_runs_merged_trace_conforms_and_is_linearizable(data: str) -> None:
    assert cluster("pay", "c1", "0", "c2", "--data", data) == "OK(2)\n"
    assert cluster("pay", "c1", "0", "c3", "--data", data) == "NOT_OWNER(2, c2)\n"
    assert cluster("pay", "c2", "0", "c3", "--data", data) == "OK(3)\n"
    assert cluster("gettokens", "c4", "c3", "--data", data).startswith("[(0, 3), ")
    result = check("trace", data)
    assert result.exit_code == 0, result.output
    assert f"trace {data} (merged): CONFORMS to the specification" in result.output
    assert "verdict  OK: linearizable" in result.output
    assert "4 operations (0 unfinished)" in result.output


def test_a_killed_and_restarted_server_still_conforms(data: str) -> None:
    assert cluster("kill", "s2", "--data", data).startswith("killed s2")
    assert cluster("pay", "c3", "0", "c1", "--data", data) == "OK(4)\n"
    assert cluster("restart", "s2", "--data", data).startswith("restarted s2")
    assert cluster("pay", "c1", "0", "c5", "--data", data) == "OK(5)\n"
    result = check("trace", data)
    assert result.exit_code == 0, result.output
    assert "CONFORMS" in result.output and "6 operations (0 unfinished)" in result.output
    # the restarted s2 took part, with the store it had before the kill
    merged = merge(data, Path(data).parent / "after-restart.jsonl")[1:]
    down = next(
        i for i, e in enumerate(merged) if e.get("answer") == {"answer": "OK", "version": 4}
    )
    before = [e for e in merged[:down] if e["event"] == "delivered" and e["dst"] == "s2"]
    # token 0 as s2 last recorded it before the kill (at least the initial v1)
    had: list[Any] = next(
        (e["state"]["store"][0] for e in reversed(before) if "state" in e), [1, "c1"]
    )
    operator = Operator(Layout(Path(data)))
    try:
        store = operator.store("s2")
    finally:
        operator.close()
    assert store is not None and store[0][0] >= had[0]  # nothing went back across the kill


def merge(data: str, out: Path) -> list[dict[str, Any]]:
    cluster("merge", "--by", "time", "--out", str(out), "--data", data)
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_a_hand_edited_merged_trace_diverges(data: str, tmp_path: Path) -> None:
    out = tmp_path / "merged.jsonl"
    events = merge(data, out)
    assert check("trace", str(out)).exit_code == 0
    # s3's store after c1's first write, edited to have lost that write
    applied = next(
        e
        for e in events[1:]
        if e["event"] == "delivered" and e["dst"] == "s3" and e["kind"] == "WRITE"
    )
    edited = {**applied, "state": {**applied["state"]}}
    edited["state"]["store"] = [[1, "c1"], *applied["state"]["store"][1:]]
    text = out.read_text().replace(
        json.dumps(applied, separators=(",", ":")), json.dumps(edited, separators=(",", ":"))
    )
    bad = tmp_path / "edited.jsonl"
    bad.write_text(text)
    result = check("trace", str(bad))
    assert result.exit_code == 1, result.output
    assert "s3's store differs at token 0" in result.output
    assert f"diverges at line {applied['seq'] + 1}:" in result.output


def test_a_folder_without_traces_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = check("trace", str(tmp_path))
    assert result.exit_code == 2
    assert (
        result.output
        == f"error: {tmp_path}/traces: no traces; is --data the folder of a cluster?\n"
    )
