"""`check cluster` end to end: one cluster driven only through the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from checker.cli import main
from impl.cluster.layout import Layout
from tests.impl.cluster.conftest import stop_everything


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["cluster", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("cli") / "cluster"
    try:
        result = run(
            "up", "--servers", "3", "--faulty", "s1", "--drop", "0.3", "--data", str(folder)
        )
        assert result.exit_code == 0, result.output
        yield str(folder)
    finally:
        stop_everything(Layout(folder))


def test_up_prints_every_process_and_writes_cluster_json(data: str) -> None:
    config = json.loads((Path(data) / "cluster.json").read_text())
    assert config["faulty"] == ["s1"] and config["drop"] == 0.3
    assert config["configs"] == [{"epoch": 0, "servers": ["s1", "s2", "s3"]}]
    for name in ("manager", "s1", "s2", "s3"):
        assert (Path(data) / "keys" / f"{name}.key").stat().st_mode & 0o777 == 0o600


def test_status_lists_role_epoch_port_pid_and_health(data: str) -> None:
    result = run("status", "--data", data)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["node", "role", "epoch", "port", "pid", "health", "detail"]
    s1 = next(line for line in lines if line.startswith("s1 "))
    assert s1.split()[1:3] == ["server", "0"] and " ok " in s1 and s1.endswith("faulty")


def test_pay_gettokens_transform_and_back(data: str) -> None:
    assert run("pay", "c1", "0", "c2", "--data", data).output == "OK(2)\n"
    assert run("pay", "c1", "0", "c3", "--data", data).output == "NOT_OWNER(2, c2)\n"
    assert "(0, 2)" in run("gettokens", "c3", "c2", "--data", data).output
    joined = run("transform", "c4", "--data", data)
    assert joined.output == "manager: transform(c4) -> installed epoch 1: servers s1, s2, s3, c4\n"
    refused = run("pay", "c4", "4", "c1", "--data", data)
    assert refused.exit_code == 2 and "c4 is a server now" in refused.output
    assert run("pay", "c2", "0", "c4", "--data", data).exit_code == 2  # c4 is no payee now
    left = run("transform", "s2", "--data", data)
    assert left.output == "manager: transform(s2) -> installed epoch 2: servers s1, s3, c4\n"
    assert run("pay", "c2", "0", "s2", "--data", data).output == "OK(3)\n"  # s2 is a client
    assert run("pay", "s2", "0", "c5", "--data", data).output == "OK(4)\n"
    status = run("status", "--data", data).output
    assert "c4       server       2" in status and "\ns2 " not in status


def test_kill_and_restart(data: str) -> None:
    current = json.loads((Path(data) / "cluster.json").read_text())["configs"][-1]["servers"]
    victim = next(s for s in current if s != "s1")
    refused = run("kill", victim, "--data", data)  # s1 is faulty: one more breaks maxf(3)
    assert refused.exit_code == 2 and "pass --force" in refused.output
    killed = run("kill", victim, "--force", "--data", data)
    assert killed.exit_code == 0 and killed.output.startswith(f"killed {victim} (pid ")
    assert f"{victim} " in run("status", "--data", data).output
    assert " down" in run("status", "--data", data).output
    restarted = run("restart", victim, "--data", data)
    assert restarted.exit_code == 0 and restarted.output.startswith(f"restarted {victim}: pid ")
    again = run("restart", victim, "--data", data)
    assert again.exit_code == 2 and "is running" in again.output


def test_bad_input_is_one_line_and_exit_2(data: str, tmp_path: Path) -> None:
    cases = [
        ("status", "--data", str(tmp_path / "nothing")),
        ("pay", "c9", "0", "c2", "--data", data),
        ("pay", "c1", "99", "c2", "--data", data),
        ("kill", "c1", "--data", data),
        ("transform", "x7", "--data", data),
        ("transform", "s1", "--data", data),  # 3 servers: none may leave
        ("up", "--servers", "3", "--data", data),  # already running there
    ]
    broken = tmp_path / "broken"
    (broken / "keys").mkdir(parents=True)
    (broken / "cluster.json").write_text("{not json")
    cases.append(("status", "--data", str(broken)))
    keyless = tmp_path / "keyless"
    keyless.mkdir()
    (keyless / "cluster.json").write_text((Path(data) / "cluster.json").read_text())
    cases.append(("pay", "c1", "0", "c2", "--data", str(keyless)))
    for args in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output


def test_merge_orders_events_of_every_process_by_lamport_clock(data: str, tmp_path: Path) -> None:
    out = tmp_path / "merged.jsonl"
    result = run("merge", "--data", data, "--out", str(out))
    assert result.exit_code == 0 and result.output.startswith("merged ")
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    events = lines[1:]
    assert {"manager", "s1", "c1"} <= set(lines[0]["processes"])
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["lamport"] for e in events] == sorted(e["lamport"] for e in events)
    sent = {e["id"]: e["lamport"] for e in events if e["event"] == "sent"}
    delivered = [e for e in events if e["event"] == "delivered" and e["id"] in sent]
    assert delivered and all(e["lamport"] > sent[e["id"]] for e in delivered)  # causality


def test_merged_by_time_the_clients_history_is_linearizable(data: str, tmp_path: Path) -> None:
    out = tmp_path / "by-time.jsonl"
    assert run("merge", "--by", "time", "--data", data, "--out", str(out)).exit_code == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["order"] == "time"
    assert lines[0]["params"] == {"servers": 3, "clients": 6, "tokens": 60, "faulty": ["s1"]}
    times = [e["mono_ns"] for e in lines[1:]]
    assert times == sorted(times)
    answered = [e for e in lines[1:] if e["event"] == "answered"]
    assert len(answered) == 5  # the pays and the gettokens of the tests above
    result = CliRunner().invoke(main, ["history", str(out)])
    assert result.exit_code == 0, result.output
    # the same history with c1's first pay answering a version it cannot have
    first = answered[0]
    assert first["answer"] == {"answer": "OK", "version": 2}
    forged = out.read_text().replace(
        json.dumps(first, separators=(",", ":")),
        json.dumps({**first, "answer": {"answer": "OK", "version": 5}}, separators=(",", ":")),
    )
    bad = tmp_path / "forged.jsonl"
    bad.write_text(forged)
    assert CliRunner().invoke(main, ["history", str(bad)]).exit_code == 1


def test_down_stops_every_process(data: str) -> None:
    result = run("down", "--data", data)
    assert result.exit_code == 0 and result.output.startswith("stopped: manager")
    assert list((Path(data) / "run").glob("*.json")) == []
