"""`check replay CEX`: the step-mode implementation follows each catalog
counterexample when built with the same mutant (and its own audit breaks the
same property), and the correct implementation stops at a pinned step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main

CEX = Path(__file__).parents[1] / "data" / "cex"

# mutant: (property, the step the correct implementation cannot follow, why);
# the files are `check model --config C --mutant M --trace-out` of the catalog's rows
CATALOG = {
    "small-quorum": (
        "ReadNotStale",
        3,
        'c1\'s state differs at pending.phase: implementation "read"',
    ),
    "no-write-back": ("ReadNotStale", 11, "c2's state differs at pending"),
    "no-owner-check": (
        "NoDoubleSpend",
        10,
        'c2\'s state differs at pending.phase: implementation "write-back"',
    ),
    "overwrite": ("StoreMonotone", 12, "s1's store differs at token 0: implementation v2/c2"),
    "sync-replace": ("StoreMonotone", 7, "s1's store differs at token 0: implementation v2/c2"),
    "no-state-transfer": ("ReadNotStale", 7, "s3's store differs at token 0: implementation v2/c2"),
    "no-epoch-check": ("ReadNotStale", 9, "s1's store differs at token 0: implementation v1/c1"),
}


def replay(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["replay", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("mutant", sorted(CATALOG))
def test_the_same_mutant_follows_every_step_and_breaks_the_same_property(mutant: str) -> None:
    prop = CATALOG[mutant][0]
    path = CEX / f"{mutant}.jsonl"
    assert json.loads(path.read_text().splitlines()[0])["property"] == prop
    code, out = replay(str(path), "--mutant", mutant)
    assert code == 0, out
    steps = json.loads(path.read_text().splitlines()[0])["length"]
    assert out.count(": same state") == steps
    assert f"implementation audit: {prop} broken" in out
    assert out.rstrip().endswith(f"the implementation breaks {prop} too")


@pytest.mark.parametrize("mutant", sorted(CATALOG))
def test_the_correct_implementation_stops_at_the_step_the_mutant_changes(mutant: str) -> None:
    _, step, why = CATALOG[mutant]
    code, out = replay(str(CEX / f"{mutant}.jsonl"))
    assert code == 1
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("the implementation cannot follow step")
    assert last.startswith(f"the implementation cannot follow step {step}: after it, {why}")


def test_a_file_that_is_not_a_counterexample_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"format": "tokencheck-trace", "version": 1}\n')
    code, out = replay(str(bad))
    assert code == 2
    assert "not a counterexample file" in out


def test_a_missing_file_is_exit_2() -> None:
    code, out = replay("/nonexistent.jsonl")
    assert code == 2
    assert "cannot read" in out
