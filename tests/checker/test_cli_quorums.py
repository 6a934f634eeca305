"""`check quorums` through click's CliRunner: exit codes, the table, the JSON
(whose counterexamples are re-checked with plain sets), and usage errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from checker.cli import main
from checker.cli.suite import PARTS


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["quorums", *args])


def run_json(*args: str) -> dict[str, Any]:
    result = run("--json", *args)
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.output)
    assert data["exit_code"] == result.exit_code
    return data


def sets_of(cx: dict[str, Any]) -> dict[tuple[str, int], set[str]]:
    return {(s["role"], s["epoch"]): set(s["members"]) for s in cx["sets"]}


def test_the_default_run_proves_everything_and_exits_0() -> None:
    result = run()
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if line[:3].strip().isdigit()]
    assert [r[0] for r in rows] == ["3", "4", "5", "6", "7"]
    assert all(r[3:] == ["proven"] * 5 for r in rows)
    assert "refuted" not in result.output
    assert "quorum proofs: all proven" in result.output


def test_half_quorums_exit_1_and_print_the_disjoint_sets_under_the_row() -> None:
    result = run("--quorum-rule", "half", "--min", "4", "--max", "4")
    assert result.exit_code == 1
    assert "intersection refuted" in result.output
    assert "epoch 0 write quorum (size 2): {s" in result.output


def test_the_json_counterexample_of_half_quorums_really_is_two_disjoint_quorums() -> None:
    data = run_json("--quorum-rule", "half", "--min", "3", "--max", "6")
    for row in data["rows"]:
        n, cx = row["n"], row["obligations"]["intersection"]["counterexample"]
        sets = sets_of(cx)
        servers = sets[("servers", 0)]
        w, r = sets[("write quorum", 0)], sets[("read quorum", 0)]
        assert servers == {f"s{i}" for i in range(1, n + 1)}
        assert w <= servers and r <= servers
        assert len(w) == len(r) == n // 2
        assert not w & r


def test_no_transfer_returns_configurations_and_a_read_quorum_missing_the_write() -> None:
    data = run_json("--no-transfer", "--min", "3", "--max", "5")
    assert data["exit_code"] == 1 and data["transfer"] is False
    for row in data["rows"]:
        assert row["obligations"]["join"]["status"] == "proven"
        assert row["obligations"]["leave"]["status"] == "proven"
        chain = row["obligations"]["chain"]
        assert chain["status"] == "refuted"
        sets = sets_of(chain["counterexample"])
        k = max(epoch for _, epoch in sets)
        assert k >= 2
        configs = [sets[("servers", e)] for e in range(k + 1)]
        holders = sets[("write quorum", 0)]
        assert len(holders) == len(configs[0]) // 2 + 1
        for config in configs[1:]:
            holders &= config  # no transfer: only servers that never left keep it
        read = sets[("read quorum", k)]
        assert read <= configs[k] and len(read) == len(configs[k]) // 2 + 1
        assert not read & holders


def test_a_fixed_quorum_is_refuted_where_it_is_at_most_half() -> None:
    data = run_json("--quorum", "2", "--min", "3", "--max", "4")
    statuses = {r["n"]: r["obligations"]["intersection"]["status"] for r in data["rows"]}
    assert statuses == {3: "proven", 4: "refuted"}
    assert data["exit_code"] == 1


def test_flexible_quorums_report_the_largest_tolerated_f() -> None:
    data = run_json(
        "--read-quorum", "2", "--write-quorum", "4", "--faulty", "1", "--min", "5", "--max", "5"
    )
    (row,) = data["rows"]
    assert (row["read_quorum"], row["write_quorum"], row["max_f"], row["faulty"]) == (2, 4, 1, 1)
    assert row["obligations"]["intersection"]["status"] == "proven"
    assert row["obligations"]["availability"]["status"] == "proven"
    assert data["symbolic"] == []


def test_flexible_quorums_with_r_plus_w_at_most_n_exit_1() -> None:
    result = run("--read-quorum", "2", "--write-quorum", "2", "--min", "4", "--max", "4")
    assert result.exit_code == 1
    assert "R2/W2" in result.output and "intersection refuted" in result.output


def test_more_faults_than_maxf_refute_availability() -> None:
    data = run_json("--faulty", "3", "--min", "5", "--max", "5")
    availability = data["rows"][0]["obligations"]["availability"]
    assert availability["status"] == "refuted"
    faulty = sets_of(availability["counterexample"])[("faulty", 0)]
    assert len(faulty) == 3 and 5 - len(faulty) < 5 // 2 + 1


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--min", "0"], "--min"),
        (["--min", "5", "--max", "4"], "--max"),
        (["--max", "1000"], "--max"),
        (["--chain", "0"], "--chain"),
        (["--faulty", "4"], "--faulty"),
        (["--faulty", "-1"], "--faulty"),
        (["--quorum", "0"], "--quorum"),
        (["--quorum", "3", "--quorum-rule", "half"], "--quorum-rule"),
        (["--read-quorum", "2"], "--write-quorum"),
        (["--read-quorum", "2", "--write-quorum", "3", "--quorum", "2"], "--quorum"),
        (["--read-quorum", "0", "--write-quorum", "3"], "--read-quorum"),
        (["--quorum-rule", "third"], "--quorum-rule"),
        (["--min", "three"], "--min"),
    ],
)
def test_bad_usage_exits_2_naming_the_option(args: list[str], named: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert named in result.output


def test_the_standard_suite_includes_the_quorum_proofs() -> None:
    assert "quorum proofs" in [p.name for p in PARTS]
