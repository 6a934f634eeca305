"""Live runs: replica processes on 127.0.0.1, concurrent clients, replicas
failing one by one while the clients work. Every request must be answered,
the live replicas must end with identical logs, and the traces must pass
the audit. Each run is bounded (client timeouts, a deadline on waiting) and
stops every process it started."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from checker.cli import main
from impl.smr.audit import audit
from impl.smr.client import SmrClient
from impl.smr.cluster import Cluster
from impl.smr.trace import Trace

REQUESTS = 30  # per client


def _applied(path: Path) -> list[tuple[str, int]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()[1:]]
    return [(r["client"], r["seq"]) for r in rows if r["event"] == "applied"]


def _add(client: int, k: int) -> dict[str, Any]:
    return {"op": "add", "site": f"site{k % 3}", "vaccine": "mmr", "doses": 1}


def _mixed(client: int, k: int) -> dict[str, Any]:
    """Deliveries, stock-takes and queries on 2 sites and 2 vaccines."""
    site, vaccine = f"site{k % 2}", ("mmr", "polio")[(client + k) % 2]
    if k % 5 == 4:
        return {"op": "query", **({"site": site} if k % 2 else {})}
    if k % 7 == 3:
        return {"op": "update", "site": site, "vaccine": vaccine, "doses": 100 * client + k}
    return {"op": "add", "site": site, "vaccine": vaccine, "doses": client}


Command = Callable[[int, int], dict[str, Any]]


async def _workload(
    cluster: Cluster,
    trace_dir: Path,
    clients: int,
    fail_after: dict[int, int],
    command: Command = _add,
) -> list[dict[str, Any]]:
    """`clients` clients each send REQUESTS commands (by default: add 1 dose),
    concurrently; when the answered count reaches a key of `fail_after`, that
    replica fails."""
    group = [
        SmrClient(
            f"c{i}",
            cluster.ports,
            timeout=20,
            trace=Trace((trace_dir / f"c{i}.jsonl").open("w"), "client", f"c{i}"),
        )
        for i in range(1, clients + 1)
    ]
    for c in group:
        await c.connect()
    answered = 0

    async def work(number: int, c: SmrClient) -> None:
        nonlocal answered
        for k in range(REQUESTS):
            await c.submit(command(number, k))
            answered += 1
            if answered in fail_after:
                await asyncio.to_thread(cluster.fail, fail_after[answered])

    await asyncio.gather(*(work(n, c) for n, c in enumerate(group, start=1)))
    finals = [await c.submit({"op": "query"}) for c in group]
    for c in group:
        await c.close()
    return finals


def _run(
    replicas: int, clients: int, fail_after: dict[int, int], tmp: Path, command: Command = _add
) -> dict[str, Any]:
    with Cluster(replicas, base_port=None, trace_dir=tmp) as cluster:
        finals = asyncio.run(_workload(cluster, tmp, clients, fail_after, command))
        live = cluster.live()
        total = clients * (REQUESTS + 1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the slower live replicas catch up
            if all(len(_applied(tmp / f"r{n}.jsonl")) == total for n in live):
                break
            time.sleep(0.05)
    logs = {n: _applied(tmp / f"r{n}.jsonl") for n in range(1, replicas + 1)}
    return {"finals": finals, "live": live, "logs": logs, "total": total}


def test_concurrent_clients_while_replicas_fail_one_by_one_down_to_one(tmp_path: Path) -> None:
    run = _run(4, 3, {20: 1, 40: 2, 60: 3}, tmp_path)
    assert run["live"] == [4]
    # Every request was answered (submit raises otherwise), and the last
    # queries all see the 90 doses, spread over three sites.
    for final in run["finals"]:
        assert final == {"ok": True, "sites": {f"site{i}": {"mmr": 30} for i in range(3)}}
    assert len(run["logs"][4]) == run["total"]
    # The failed replicas stopped part of the way: their logs are prefixes.
    for n in (1, 2, 3):
        assert 0 < len(run["logs"][n]) < run["total"]
    report = audit(sorted(tmp_path.glob("*.jsonl")))
    assert report.verdict == "ok", report.violations
    assert sum(report.clients.values()) == run["total"]


def test_the_live_replicas_end_with_identical_logs(tmp_path: Path) -> None:
    run = _run(3, 3, {30: 2}, tmp_path)
    assert run["live"] == [1, 3]
    assert run["logs"][1] == run["logs"][3]
    assert len(run["logs"][1]) == run["total"]
    assert run["logs"][2] == run["logs"][1][: len(run["logs"][2])]
    assert audit(sorted(tmp_path.glob("*.jsonl"))).verdict == "ok"


def test_a_client_that_crashes_mid_run_blocks_no_one(tmp_path: Path) -> None:
    async def go(ports: list[int]) -> list[dict[str, Any]]:
        def client(name: str) -> SmrClient:
            sink = (tmp_path / f"{name}.jsonl").open("w")
            return SmrClient(name, ports, timeout=20, trace=Trace(sink, "client", name))

        a, b, doomed = client("a"), client("b"), client("doomed")
        for c in (a, b, doomed):
            await c.connect()
        add = {"op": "add", "site": "x", "vaccine": "mmr", "doses": 1}
        await doomed.submit(add)
        for writer in doomed.writers.values():  # a crash: no bye, the sockets just go
            writer.transport.abort()
        doomed.trace.close()
        for _ in range(10):
            await asyncio.gather(a.submit(add), b.submit(add))
        finals = [await a.submit({"op": "query"}), await b.submit({"op": "query"})]
        await a.close()
        await b.close()
        return finals

    with Cluster(3, base_port=None, trace_dir=tmp_path) as cluster:
        finals = asyncio.run(go(cluster.ports))
    assert finals == [{"ok": True, "sites": {"x": {"mmr": 21}}}] * 2
    assert audit(sorted(tmp_path.glob("*.jsonl"))).verdict == "ok"


def test_a_live_client_history_is_linearizable_and_a_stale_query_is_not(tmp_path: Path) -> None:
    _run(3, 3, {30: 2}, tmp_path)
    runner = CliRunner()
    traces = sorted(map(str, tmp_path.glob("*.jsonl")))
    ok = runner.invoke(main, ["smr", "trace", *traces])
    assert ok.exit_code == 0, ok.output
    assert "history: 3 client traces, 99 operations (0 unfinished), model counter, 3 objects" in (
        ok.output
    )
    assert "linearizability: OK: linearizable" in ok.output
    # Every add had returned when c1 sent its last query: 29 doses at site0 is stale.
    c1 = tmp_path / "c1.jsonl"
    lines = c1.read_text().splitlines()
    last = max(i for i, line in enumerate(lines) if '"event":"answered"' in line)
    assert '"site0":{"mmr":30}' in lines[last]
    lines[last] = lines[last].replace('"site0":{"mmr":30}', '"site0":{"mmr":29}')
    c1.write_text("\n".join(lines) + "\n")
    clients = sorted(map(str, tmp_path.glob("c*.jsonl")))
    stale = runner.invoke(main, ["smr", "trace", *clients])
    assert stale.exit_code == 1, stale.output
    assert "linearizability: ILLEGAL: key site0/mmr is not linearizable" in stale.output
    assert "c1: read(site0/mmr) -> 29" in stale.output


def test_a_live_history_of_adds_updates_and_queries_is_linearizable(tmp_path: Path) -> None:
    run = _run(3, 3, {40: 3}, tmp_path, _mixed)
    assert run["live"] == [1, 2]
    out = CliRunner().invoke(main, ["smr", "trace", *sorted(map(str, tmp_path.glob("*.jsonl")))])
    assert out.exit_code == 0, out.output
    assert "model counter, 4 objects" in out.output
    assert "linearizability: OK: linearizable" in out.output
