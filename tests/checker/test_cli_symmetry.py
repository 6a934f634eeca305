"""`check model --symmetry/--no-symmetry`: on by default, reported, and the
same verdict and counterexample length either way."""

from __future__ import annotations

import json

from click.testing import CliRunner, Result

from checker.cli import main

# 45 states, 17 classes: three correct servers are interchangeable.
SMALL = ("--faulty", "0", "--workload", "c1: pay(0,c2)", "--quiet")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["model", *args], catch_exceptions=False)


def test_symmetry_is_on_by_default_and_named_in_the_report() -> None:
    result = run(*SMALL)
    assert result.exit_code == 0, result.output
    assert "17 states" in result.stdout
    assert "reduced  symmetry" in result.stdout
    plain = run(*SMALL, "--no-symmetry")
    assert "45 states" in plain.stdout and "reduced" not in plain.stdout


def test_json_lists_the_reductions() -> None:
    on = json.loads(run(*SMALL, "--json").stdout)
    off = json.loads(run(*SMALL, "--json", "--no-symmetry").stdout)
    assert on["reductions"] == ["symmetry"] and off["reductions"] == []
    assert (on["stats"]["states"], off["stats"]["states"]) == (17, 45)


def test_a_mutant_gives_the_same_property_and_length_either_way() -> None:
    args = ("--mutant", "no-owner-check", "--json", "--quiet")
    on = json.loads(run(*args).stdout)
    off = json.loads(run(*args, "--no-symmetry").stdout)
    assert on["property"] == off["property"] == "NoDoubleSpend"
    assert on["length"] == off["length"] == 10
    assert on["stats"]["states"] < off["stats"]["states"]
