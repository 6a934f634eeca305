"""`check generals prove` and the generals through the generic commands
(`check list`, `check model --protocol generals`, `check mutants`)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from checker.cli import main
from checker.trace_file import read_counterexample


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
