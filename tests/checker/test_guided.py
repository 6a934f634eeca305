"""Coverage-guided walks (`checker.guided`, `--policy guided`) on a tiny
model whose answer is known by hand: a combination lock."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from click.testing import CliRunner, Result

from checker.cli import main
from checker.errors import BadBound
from checker.guided import Corpus, default_features, guided
from checker.model import Invariant, StepProperty, has_coverage_features
from checker.replay import replay
from checker.result import Verdict
from checker.simulate import simulate
from checker.trace_file import read_counterexample
from spec.tokens.config import Config
from spec.tokens.model import TokenModel
from tests.checker.tiny_models import Counter
from tests.replaying import action_indexes
from tests.safety_models import without_progress

SECRET = (3, 1, 4, 1, 5, 9)


class Dial(NamedTuple):
    digit: int


class Lock:
    """A combination lock: the state is how many digits of the secret are
    dialled; each step dials one of 0..9 (ten actions of one kind, Dial, so
    swarm weights cannot favour the right digits): the right one moves on,
    a wrong one goes back to 0. The invariant Locked breaks when all six are
    dialled: 7 states, and the only counterexample without a loop is the
    secret, 6 steps. A uniform walk of d steps opens it with chance about
    (d - 5) / 10^6; its coverage feature, the position, makes each digit
    found a new feature, so guided walks open it digit by digit, about ten
    walks a digit."""

    name = "lock"
    step_properties: tuple[StepProperty, ...] = ()
    sometimes = ()

    def __init__(self) -> None:
        self.invariants = (Invariant("Locked", lambda s: "open" if s == len(SECRET) else None),)

    def initial_states(self) -> tuple[int, ...]:
        return (0,)

    def actions(self, s: int) -> tuple[Dial, ...]:
        return tuple(Dial(d) for d in range(10))

    def next_state(self, s: int, a: Dial) -> int:
        return s + 1 if a.digit == SECRET[s] else 0

    def coverage_features(self, s: int) -> tuple[int, ...]:
        return (s,)

    def describe_action(self, a: Dial) -> str:
        return f"dial {a.digit}"

    def describe_state(self, s: int) -> Mapping[str, Any]:
        return {"dialled": s}


LOCK = without_progress(Lock())


@pytest.mark.parametrize("seed", range(1, 6))
def test_guided_walks_open_the_lock_in_six_steps(seed: int) -> None:
    sim = simulate(LOCK, runs=2000, depth=20, seed=seed, policy="guided")
    ce = sim.result.counterexample
    assert sim.result.verdict is Verdict.VIOLATED and ce is not None
    assert ce.property_name == "Locked" and ce.length == 6
    assert [s.action.digit for s in ce.steps[1:]] == list(SECRET)
    assert sim.found_length is not None and sim.found_length >= 6
    # Measured: 61 to 263 walks with seeds 1 to 20 (uniform: about 1 in 70,000).
    assert sim.coverage.walks < 500 and sim.coverage.features == 6  # positions 0..5
    replayed = replay(LOCK, action_indexes(ce.steps))
    assert replayed[-1].state == 6


@pytest.mark.parametrize("seed", range(1, 6))
def test_without_the_corpus_the_same_budget_does_not_open_it(seed: int) -> None:
    """The same walks from the initial state only (swarm, uniform here):
    2,000 walks of 20 steps open it with chance about 3%."""
    sim = simulate(LOCK, runs=2000, depth=20, seed=seed, policy="swarm")
    assert sim.result.verdict is Verdict.VERIFIED
    assert sim.coverage.walks == 2000


def test_the_same_seed_gives_the_same_walks() -> None:
    first = simulate(LOCK, runs=2000, depth=20, seed=4, policy="guided")
    second = simulate(LOCK, runs=2000, depth=20, seed=4, policy="guided")
    assert first.coverage == second.coverage and first.found_length == second.found_length
    assert first.result.counterexample == second.result.counterexample
    other = simulate(LOCK, runs=2000, depth=20, seed=5, policy="guided")
    assert (other.coverage.walks, other.found_length) != (
        first.coverage.walks,
        first.found_length,
    )


def test_a_model_without_features_gets_the_last_action_and_the_depth() -> None:
    """Counter(5): the initial state, then inc at depths 1, 2-3, 4-5: four features."""
    assert not has_coverage_features(Counter(5)) and has_coverage_features(Lock())
    sim = guided(Counter(5), runs=3, depth=10, seed=1)
    assert sim.result.verdict is Verdict.VERIFIED
    assert sim.coverage.features == 4
    assert default_features(7, "inc", 5) == (("inc", 3),)


def test_the_corpus_homes_a_feature_in_a_uniform_state_and_favours_rare_ones() -> None:
    rng = random.Random(1)
    corpus = Corpus()
    corpus.observe(("a", "b"), "s0", 0, [], rng)
    corpus.observe(("a",), "s1", 0, [1], rng)
    corpus.observe(("a", "c"), "s2", 0, [1, 2], rng)
    assert len(corpus) == 3 and corpus.shown == [3, 1, 1]
    assert corpus.home[1] == ("s0", 0, ()) and corpus.home[2] == ("s2", 0, (1, 2))
    # "a" was shown by s0, s1, s2: each is its home with chance 1/3.
    homes: dict[str, int] = {}
    for _ in range(3000):
        one = Corpus()
        for state in ("s0", "s1", "s2"):
            one.observe(("a",), state, 0, [], rng)
        homes[one.home[0][0]] = homes.get(one.home[0][0], 0) + 1
    assert sorted(homes) == ["s0", "s1", "s2"]
    assert all(900 < n < 1100 for n in homes.values()), homes
    for walk in range(1, 3001):
        corpus.pick(rng, walk)
    # Weights 1 / (sqrt(shown) * (1 + chosen)): "a" (3 states) is picked least.
    a, b, c = corpus.chosen
    assert a + b + c == 3000 and a < b and a < c


def test_bug_depth_is_refused_with_the_guided_policy() -> None:
    with pytest.raises(BadBound, match="bug_depth is for the pct policies only"):
        simulate(LOCK, runs=1, depth=1, policy="guided", bug_depth=2)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["simulate", *args], catch_exceptions=False)


def test_the_cli_prints_the_same_bytes_for_the_same_seed_with_the_corpus_size() -> None:
    args = ("--policy", "guided", "--runs", "150", "--depth", "40", "--seed", "3")
    first, second = run(*args), run(*args)
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.stdout == second.stdout
    assert "no violation in 150 walks (seed 3); nothing is proven" in first.stdout
    assert re.search(r"^corpus   [\d,]+ coverage features", first.stdout, re.MULTILINE)
    assert run(*args[:-1], "4").stdout != first.stdout


def test_bad_usage_with_the_guided_policy_exits_2_in_one_line() -> None:
    both = run("--policy", "guided", "--bug-depth", "2")
    assert both.exit_code == 2
    assert "--bug-depth 2 needs --policy pct or swarm-pct (the policy is guided)" in both.output
    assert "Traceback" not in both.output
    bogus = run("--policy", "bogus")
    assert bogus.exit_code == 2 and "'bogus' is not one of" in bogus.output
    assert "guided" in bogus.output


def test_a_token_counterexample_found_by_guided_walks_replays(tmp_path: Path) -> None:
    """no-state-transfer, S3a with two changes and no scenario: 1,393 walks
    with seed 1, shortened to 16 steps (the shortest)."""
    out = tmp_path / "cex.jsonl"
    result = run(
        "--config", "S3a", "--reconfigs", "2", "--mutant", "no-state-transfer",
        "--policy", "guided", "--runs", "5000", "--depth", "60", "--seed", "1",
        "--trace-out", str(out),
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "VIOLATED: ReadNotStale, a walk of 33 steps shortened to 16" in result.stdout
    trace = read_counterexample(out)
    config = Config(**trace.header["config"])
    model = TokenModel(config)
    steps = replay(model, trace.action_indexes)
    assert len(steps) - 1 == trace.header["length"] == 16
    check = model.check_step
    assert check(steps[-2].state, steps[-1].action, steps[-1].state) is not None
    before = pairwise(steps[:-1])  # every step but the last keeps the step properties
    assert all(check(a.state, b.action, b.state) is None for a, b in before)


def test_no_epoch_check_is_found_and_prints_the_same_bytes_under_other_hash_seeds() -> None:
    """The two-change mutant no scenario reached before (S3a with two
    changes): seed 4 finds it in 8,639 walks (about 1.5 s). Two interpreters
    with different hash seeds print the same bytes: the corpus is filled in
    the walks' order, never by iterating a set."""
    args = (
        "simulate", "--config", "S3a", "--reconfigs", "2", "--mutant", "no-epoch-check",
        "--policy", "guided", "--runs", "20000", "--depth", "60", "--seed", "4",
    )  # fmt: skip
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", "from checker.cli import main; main()", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 1, done.stdout + done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert "VIOLATED: ReadNotStale, a walk of 30 steps shortened to 25" in outputs[0]
    assert "coverage 8,639 walks" in outputs[0]
