"""`check trace`: exit 0 conforms, 1 diverges, 2 unreadable (one line)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from checker.cli import main

DATA = Path(__file__).parents[1] / "data"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["trace", *args])
    return result.exit_code, result.output


def test_a_recorded_step_trace_conforms() -> None:
    code, out = run(str(DATA / "impl_step_trace.jsonl"))
    assert code == 0
    assert "CONFORMS to the specification (140 events" in out


def test_a_divergence_prints_line_event_states_and_allowed_steps(tmp_path: Path) -> None:
    lines = (DATA / "impl_step_trace.jsonl").read_text().splitlines(keepends=True)
    lines[14] = lines[14].replace('"entries":[[0,2,"c2"]]', '"entries":[[0,3,"c2"]]')
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(lines))
    code, out = run(str(bad))
    assert code == 1
    assert out.startswith("diverges at line 15: sends WRITE c1->s1 [c1#1 write e0] t0=v3/c2")
    assert '  event: {"seq":14,' in out
    assert "    c1: client op#1 pay(0,c2) write e0" in out
    assert "ServerReceiveWrite: WRITE c1->s1 [c1#1 write e0] t0=v2/c2" in out
    assert "bad.jsonl: DIVERGES (14 events" in out.splitlines()[-1]


def test_an_unreadable_trace_is_one_line_and_exit_2(tmp_path: Path) -> None:
    lines = (DATA / "impl_step_trace.jsonl").read_text().splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(lines[:20]) + lines[20][:30])
    code, out = run(str(cut))
    assert code == 2
    assert out.strip().count("\n") == 0
    assert "line 21: line: truncated" in out


def test_a_missing_file_is_exit_2() -> None:
    code, out = run("/nonexistent/trace.jsonl")
    assert code == 2
    assert "cannot read /nonexistent/trace.jsonl" in out


def test_a_protocol_without_a_mapping_is_a_usage_error() -> None:
    code, out = run("--protocol", "register", str(DATA / "impl_step_trace.jsonl"))
    assert code == 2
    assert "no trace conformance mapping" in out
