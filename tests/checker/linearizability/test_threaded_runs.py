"""Threaded runs of the reference implementation, with faulty servers losing
messages and role changes, give linearizable client histories; `check run`
takes its verdict from that check."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.cli.run import linearizability_verdict
from checker.linearizability import TokensModel, check, history_from_events
from impl.tokens.config import Params
from impl.tokens.recorder import Recorder
from impl.tokens.workload import Workload, run_workload


def run_history(seed: int, requests: int) -> tuple[int, str, int]:
    servers = 3 + seed % 5
    params = Params(servers=servers, drop=0.3 + 0.7 * (seed % 2), max_delay=0.002, seed=seed)
    recorder = Recorder(history=True)
    report = run_workload(
        params, Workload(requests=requests, max_interval=0.001, role_changes=3), recorder=recorder
    )
    assert recorder.history is not None
    history = history_from_events(recorder.history, params.to_json())
    result = check(history, TokensModel(), timeout=60)
    return report.exit_code, result.verdict, len(history.operations)


@pytest.mark.parametrize("seed", range(4))
def test_threaded_runs_with_faults_and_role_changes_are_linearizable(seed: int) -> None:
    audit, verdict, operations = run_history(seed, requests=80)
    assert (audit, verdict, operations) == (0, "ok", 80)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4, 24))
def test_many_threaded_runs_are_linearizable(seed: int) -> None:
    audit, verdict, operations = run_history(seed, requests=300)
    assert (audit, verdict, operations) == (0, "ok", 300)


def events(
    *answers: tuple[str, int, dict[str, object], dict[str, object]],
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for node, op, call, answer in answers:
        out.append({"seq": len(out) + 1, "event": "invoked", "node": node, "op": op, "call": call})
        out.append(
            {
                "seq": len(out) + 1,
                "event": "answered",
                "node": node,
                "op": op,
                "call": call,
                "answer": answer,
            }
        )
    return out


def test_check_run_fails_a_run_whose_history_is_not_linearizable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pay = {"op": "pay", "token": 0, "to": "c2"}
    ok = events(("c1", 1, pay, {"answer": "OK", "version": 2}))
    spent_twice = events(
        ("c1", 1, pay, {"answer": "OK", "version": 2}),
        ("c1", 2, pay, {"answer": "OK", "version": 2}),
    )
    assert linearizability_verdict(ok, {"tokens": 60, "clients": 6}, audit_code=0) == 0
    assert linearizability_verdict(spent_twice, {"tokens": 60, "clients": 6}, audit_code=0) == 1
    out = capsys.readouterr().out
    assert "verdict: OK (audit ok, history ok)" in out
    assert "linearizability: ILLEGAL: token 0 is not linearizable" in out
    assert "verdict: FAILED (audit ok, history illegal)" in out


def test_check_run_prints_the_linearizability_verdict() -> None:
    result = CliRunner().invoke(
        main, ["run", "--requests", "40", "--delay", "0.001", "--max-interval", "0.001",
               "--role-changes", "1", "--seed", "3"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "linearizability: OK: linearizable (60 objects" in result.output
    # the run also checks its own trace (conformance), which the verdict names
    assert result.output.rstrip().endswith("verdict: OK (audit ok, history ok, trace conforms)")
