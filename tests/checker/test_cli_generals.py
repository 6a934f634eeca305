"""`check generals prove` and the generals through the generic commands
(`check list`, `check model --protocol generals`, `check mutants`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from checker.cli import main
from checker.replay import replay
from checker.trace_file import read_counterexample
from spec.generals.model import build_model
from spec.generals.params import GeneralsParams


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_prove_prints_the_n_by_m_table_with_the_3m_boundary_and_exits_0() -> None:
    result = run("generals", "prove", "--max-n", "7", "--max-m", "2")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:7]}
    assert rows["3"][1::2][:2] == ["refuted", "refuted"]
    assert rows["4"][1::2][:2] == ["proven", "refuted"]
    assert rows["7"][1::2][:2] == ["proven", "proven"]
    assert "proven exactly where n > 3m" in result.stdout


def test_prove_witnesses_are_replayed_on_the_explicit_model() -> None:
    result = run("generals", "prove", "--max-n", "3", "--max-m", "1", "--witnesses")
    assert result.exit_code == 0, result.output
    assert "IC2 broken; traitors g3" in result.stdout
    assert "replayed on the explicit model in 5 steps: IC2 violated" in result.stdout


def test_prove_with_min_above_max_is_a_one_line_usage_error() -> None:
    result = run("generals", "prove", "--min-n", "6", "--max-n", "4")
    assert result.exit_code == 2
    assert "--min-n 6 is above --max-n 4" in result.output
    assert "Traceback" not in result.output


def test_list_shows_the_generals_configurations_and_mutants() -> None:
    result = run("list")
    assert result.exit_code == 0
    assert "G4 G3 G4m2 SM3 SM4 SM4m1" in result.stdout
    assert "no-relay first-value short" in result.stdout


def test_model_g3_prints_the_four_step_ic2_counterexample(tmp_path: Path) -> None:
    out = tmp_path / "g3.jsonl"
    result = run(
        "model", "--protocol", "generals", "--config", "G3", "--quiet", "--trace-out", str(out)
    )
    assert result.exit_code == 1, result.output
    assert "VIOLATED: IC2, a shortest counterexample of 4 steps" in result.stdout
    assert "LieutenantRelay g2->g3 [g1:g2] retreat" in result.stdout
    header = json.loads(out.read_text().splitlines()[0])
    assert header["protocol"] == "generals" and header["length"] == 4
    assert read_counterexample(out) is not None


def test_model_g4_holds_and_a_bad_traitor_list_is_a_usage_error() -> None:
    assert run("model", "--protocol", "generals", "--quiet").exit_code == 0
    result = run("model", "--protocol", "generals", "--traitors", "g1,general2")
    assert result.exit_code == 2
    assert "--traitors" in result.output and "e.g. g1,g3" in result.output


def test_mutants_of_the_generals_are_all_caught() -> None:
    result = run("mutants", "--protocol", "generals")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("caught") == 3


def shell(n: int, commands: str, *options: str) -> Result:
    return CliRunner().invoke(
        main, ["generals", "shell", str(n), *options], input=commands, catch_exceptions=False
    )


def _primary(output: str) -> str:
    return [line for line in output.splitlines() if ", primary," in line][-1].split(",")[0]


def test_the_shell_reads_a_pipe_and_g_kill_of_the_primary_elects_another() -> None:
    first = shell(4, "g-state\nexit\n", "--seed", "5")
    primary = _primary(first.stdout)
    result = shell(4, f"g-kill {primary}\ng-state\nactual-order attack\nexit\n", "--seed", "5")
    assert result.exit_code == 0, result.output
    assert f"{primary} was the primary; elected g" in result.stdout
    assert _primary(result.stdout) != primary
    assert f"{primary}," not in result.stdout.split("killed")[1]
    assert "execute order: attack! 3 of 3 generals decided attack" in result.stdout


def test_a_faulty_majority_is_warned_about_and_does_not_fail_the_shell(tmp_path: Path) -> None:
    trace = tmp_path / "runs.jsonl"
    commands = "".join(f"g-state {g} faulty\n" for g in (1, 2, 3, 4)) + (
        "actual-order attack\nactual-order retreat\nexit\n"
    )
    result = shell(7, commands, "--seed", "2", "--trace-out", str(trace))
    assert result.exit_code == 0, result.output
    assert "warning: 4 faulty of 7 generals; OM needs n > 3f, so at most 2" in result.stdout
    checked = run("generals", "trace", str(trace))
    assert checked.exit_code == 0, checked.output
    assert "2 of 2 runs conform to the model" in checked.stdout


def test_bad_shell_commands_print_usage_and_change_nothing() -> None:
    script = "g-state\nfly away\ng-kill\ng-kill g42\ng-state 2 sleepy\ng-add x\ng-add 99\n"
    script += "actual-order charge\ng-state\nexit\n"
    result = shell(4, script, "--seed", "1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 7
    assert all("usage" in e or "commands:" in e for e in errors)
    states = [line for line in lines if ", majority=" in line]
    assert states[:4] == states[4:]


def test_the_trace_command_rejects_a_tampered_run_and_an_unreadable_file(tmp_path: Path) -> None:
    trace = tmp_path / "one.jsonl"
    shell(4, "actual-order attack\nexit\n", "--trace-out", str(trace))
    lines = trace.read_text().splitlines()
    primary = json.loads(lines[0])["primary"]
    decided = next(
        i
        for i, line in enumerate(lines)
        if '"decided"' in line and json.loads(line)["general"] != primary
    )
    lines[decided] = lines[decided].replace('"attack"', '"retreat"')
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    result = run("generals", "trace", str(bad))
    assert result.exit_code == 1 and "DOES NOT CONFORM" in result.stdout
    junk = tmp_path / "junk.jsonl"
    junk.write_text("{not json\n")
    result = run("generals", "trace", str(junk))
    assert result.exit_code == 2 and "line 1 is not JSON" in result.output
    result = run("generals", "trace", str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 2 and "cannot read" in result.output


def test_a_generals_counterexample_file_replays_on_the_model_it_names(tmp_path: Path) -> None:
    out = tmp_path / "sm.jsonl"
    result = run(
        "model", "--protocol", "generals", "--config", "SM4m1", "--quiet", "--trace-out", str(out)
    )
    assert result.exit_code == 1
    trace = read_counterexample(out)
    model = build_model(GeneralsParams(**trace.header["config"]))
    # The file does not name the initial state (step 0 has no action_index), and
    # the generals have several: find it by its described state.
    starts = [dict(model.describe_state(s)) for s in model.initial_states()]
    steps = replay(model, trace.action_indexes, starts.index(trace.steps[0]["state"]))
    ic1 = next(p.check for p in model.invariants if p.name == "IC1")
    assert (
        ic1(steps[-1].state)
        == trace.header["detail"]
        == ("g3 decided attack but g4 decided retreat")
    )
    assert [s["action"] for s in trace.steps[1:]] == [
        model.describe_action(s.action) for s in steps[1:]
    ]


def test_an_unknown_tool_names_the_tools_that_exist() -> None:
    from checker.protocol import UnknownNameError
    from spec import protocol

    with pytest.raises(UnknownNameError, match="known: check_trace, prove, replay"):
        protocol("generals").tool("disprove")


@pytest.mark.slow
def test_prove_to_10_by_3_shows_the_boundary_exactly() -> None:
    result = run("generals", "prove", "--max-n", "10", "--max-m", "3", "--witnesses")
    assert result.exit_code == 0, result.output
    assert "every cell agrees: proven exactly where n > 3m (n=3..10, m=1..3)" in result.stdout
    # 3 + 3 + 6 refuted cells, each replayed on the explicit model
    assert result.stdout.count("replayed on the explicit model") == 12
