"""The partitioned engine answers exactly as the one-process engine: the same
verdict, counts, depth, bound and counterexample, on models whose answers
are known by hand (tests/checker/test_explore.py pins them)."""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import pickle
import subprocess
import sys
from typing import Any, NamedTuple, TypedDict

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.explore import explore
from checker.fingerprint import stable_fingerprint
from checker.model import Model, Sometimes
from checker.parallel import ForkPool, Pool, explore_parallel
from checker.result import Verdict
from checker.shard import BALANCE_TOLERANCE, Shard, balance, dumps_states, plan_moves, route
from tests.checker.answers import answer
from tests.checker.test_symmetry import Juggler, TwoCounters
from tests.checker.tiny_models import (
    Counter,
    Edge,
    GraphModel,
    Grid,
    Permuted,
    ResetCounter,
    Spinner,
    TwoClocks,
    stuck_model,
)


class Bounds(TypedDict, total=False):
    """The explore options a case of MODELS sets."""

    max_states: int
    liveness: bool


MODELS: dict[str, tuple[Model[Any, Any], Bounds]] = {
    "grid": (Grid(6), {}),
    "two-clocks": (TwoClocks(5, 7), {}),
    "invariant at level 4": (Grid(5, forbidden_sum=4), {}),
    "step property into a visited state": (ResetCounter(), {}),
    "stuck state": (stuck_model(), {}),
    "fair cycle": (Spinner(), {}),
    "no fair cycle": (Spinner(fair_cycle=False), {}),
    "unmet sometimes": (Counter(5, sometimes=[Sometimes("ReachesTen", lambda s: s == 10)]), {}),
    "max_states mid-level": (Grid(6), {"max_states": 17}),
    "violation before the bound": (Grid(5, forbidden_sum=1), {"max_states": 2}),
    "bound before the violation": (Grid(5, forbidden_sum=4), {"max_states": 9}),
    "permuted actions": (Permuted(Grid(5, forbidden_sum=6), seed=3), {}),
    "two initial states": (
        GraphModel(edges={5: [Edge(6)]}, initial=(0, 5), bad=frozenset({6})),
        {},
    ),
    "no liveness": (Spinner(), {"liveness": False}),
}


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("name", list(MODELS))
def test_n_workers_answer_as_one_process(name: str, workers: int) -> None:
    model, bounds = MODELS[name]
    one = explore(model, **bounds)
    many = explore_parallel(model, workers=workers, **bounds)
    assert answer(many) == answer(one)


def test_the_hand_counted_answers_hold_on_two_workers() -> None:
    grid = explore_parallel(Grid(3), workers=2)
    assert (grid.stats.states, grid.stats.transitions, grid.stats.depth) == (16, 24, 6)
    cex = explore_parallel(Grid(3, forbidden_sum=4), workers=2).counterexample
    assert cex is not None and cex.length == 4 and cex.detail == "x+y = 4"
    lasso = explore_parallel(Spinner(), workers=2).counterexample
    assert lasso is not None and lasso.loop_start == 1


SYMMETRIC: dict[str, Model[Any, Any]] = {
    "two counters": TwoCounters(),
    "two counters, invariant at {0, 2}": TwoCounters(bad=True),
    "juggler's fair cycle": Juggler(),
}


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("name", list(SYMMETRIC))
def test_n_workers_reduce_by_symmetry_as_one_process(name: str, workers: int) -> None:
    model = SYMMETRIC[name]
    one = explore(model, symmetry=True)
    many = explore_parallel(model, workers=workers, symmetry=True)
    assert answer(many) == answer(one)
    assert many.reductions == one.reductions == ("symmetry",)


def test_the_hand_counted_classes_hold_on_two_workers() -> None:
    reduced = explore_parallel(TwoCounters(), workers=2, symmetry=True)
    assert (reduced.stats.states, reduced.stats.transitions) == (6, 8)
    # The first state reached of the class {1, 0} is (1, 0), by IncX: the
    # path to the violation goes on from it, concretely.
    cex = explore_parallel(TwoCounters(bad=True), workers=2, symmetry=True).counterexample
    assert cex is not None and [s.state for s in cex.steps] == [(0, 0), (1, 0), (2, 0)]
    lasso = explore_parallel(Juggler(), workers=2, symmetry=True).counterexample
    assert lasso is not None and (lasso.length, lasso.loop_start) == (2, 0)


def test_a_token_mutant_under_symmetry_gives_the_one_process_answer_on_two_workers() -> None:
    from spec.tokens import PROTOCOL

    params = PROTOCOL.mutated(PROTOCOL.standard("S1").config, PROTOCOL.mutant("wait-all"))
    model = PROTOCOL.build(params)
    one = explore(model, symmetry=True)
    assert one.reductions == ("symmetry",) and one.counterexample is not None
    assert answer(explore_parallel(model, workers=2, symmetry=True)) == answer(one)


def test_symmetry_with_a_fingerprint_other_than_hash_needs_canonical_by() -> None:
    with pytest.raises(ValueError, match="offers no canonical_by"):
        explore_parallel(TwoCounters(), workers=2, symmetry=True, fingerprint=stable_fingerprint)


def test_the_fork_pool_accounts_each_workers_cpu_and_the_critical_path() -> None:
    pools: list[ForkPool] = []

    def pool(shards: Any, poll: Any) -> ForkPool:
        pools.append(ForkPool(shards, poll))
        return pools[-1]

    result = explore_parallel(Grid(30), workers=2, pool_factory=pool)
    assert result.stats.states == 31 * 31
    (used,) = pools
    assert set(used.cpu) >= {"expand", "resolve", "accept", "next_level", "settle", "fair_edges"}
    spent = [sum(per_worker[k] for per_worker in used.cpu.values()) for k in range(2)]
    assert all(s > 0 for s in spent)
    # Each round waits for its slowest worker: no less than either, no more than both.
    assert max(spent) <= used.critical + 1e-9 and used.critical <= sum(spent) + 1e-9


def test_max_seconds_stops_an_endless_model_on_workers() -> None:
    result = explore_parallel(Counter(10**12), workers=2, max_seconds=0.5, liveness=False)
    assert result.verdict is Verdict.INCOMPLETE and result.bound == "max_seconds=0.5"


def test_max_memory_stops_the_workers_as_incomplete_with_the_bound() -> None:
    result = explore_parallel(Counter(10**12), workers=2, max_memory=2**20, liveness=False)
    assert result.verdict is Verdict.INCOMPLETE and result.bound == "max_memory=1MB"


def test_routing_spreads_small_int_fingerprints_over_the_shards() -> None:
    owners = [route(hash(i), 2) for i in range(1000)]
    assert 400 < owners.count(0) < 600


class Point(NamedTuple):
    x: int
    y: int | None


class Colour(enum.IntEnum):
    RED = 1


@dataclasses.dataclass(frozen=True, slots=True)
class Box:
    point: Point
    colour: Colour


def test_the_fast_pickler_keeps_named_tuples_dataclasses_and_enums() -> None:
    states = [Box(Point(1, None), Colour.RED), (Point(2, 3), "s", frozenset({1}))]
    back = pickle.loads(dumps_states(states))
    assert back == states
    assert type(back[0].point) is Point and type(back[1][0]) is Point


def test_stable_fingerprints_agree_across_interpreters_with_other_hash_seeds() -> None:
    state = (1, None, "c1", (Point(2, None), frozenset({"a", "b"})), Colour.RED)
    script = (
        "from tests.checker.test_parallel import Point, Colour; "
        "from checker.fingerprint import stable_fingerprint as f; "
        "print(f((1, None, 'c1', (Point(2, None), frozenset({'a', 'b'})), Colour.RED)))"
    )
    found = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
        )
        found.add(int(out.stdout))
    assert found == {stable_fingerprint(state)}
    assert stable_fingerprint((1, None)) != stable_fingerprint((1, 0))


def test_a_state_without_a_stable_fingerprint_is_named() -> None:
    with pytest.raises(TypeError, match="holds a object"):
        stable_fingerprint((1, object()))


def test_a_token_mutant_gives_the_same_counterexample_on_two_workers() -> None:
    from spec.tokens import PROTOCOL

    model = PROTOCOL.build(PROTOCOL.mutant_params(PROTOCOL.mutant("sync-replace")))
    assert answer(explore_parallel(model, workers=2)) == answer(explore(model))


def test_check_model_workers_prints_the_one_process_figures() -> None:
    runner = CliRunner()
    args = [
        "model",
        "--config",
        "S3a",
        "--mutant",
        "sync-replace",
        "--quiet",
        "--json",
        "--no-symmetry",
    ]
    one = runner.invoke(main, args)
    two = runner.invoke(main, [*args, "--workers", "2"])
    assert one.exit_code == two.exit_code == 1
    first, second = json.loads(one.output), json.loads(two.output)
    assert first.pop("stats")["states"] == second.pop("stats")["states"] == 4079
    assert first == second


def test_check_model_workers_reduces_s1_by_symmetry_as_one_process() -> None:
    runner = CliRunner()
    args = ["model", "--config", "S1", "--quiet", "--json"]
    one = runner.invoke(main, args)
    two = runner.invoke(main, [*args, "--workers", "2"])
    assert one.exit_code == two.exit_code == 0
    first, second = json.loads(one.output), json.loads(two.output)
    for summary in (first, second):
        del summary["stats"]["seconds"], summary["stats"]["states_per_second"]
        del summary["stats"]["peak_memory_bytes"]
    assert first["reductions"] == ["symmetry"] and first["stats"]["states"] == 11_103
    assert first == second


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "2", "--exact"], "--exact runs on one process"),
        (["--address", "10.0.0.1:6379"], "is for --engine ray"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_engine_options_that_cannot_work_are_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["model", "--quiet", *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("config", "mutant"),
    # F2 breaks Progress alone: the stuck state is found on the shards.
    [("S1", None), ("S1", "wait-all"), ("W3", "no-write-back"), ("F2", None)],
)
def test_token_runs_answer_as_one_process_on_two_workers(config: str, mutant: str | None) -> None:
    from spec.tokens import PROTOCOL

    params = PROTOCOL.standard(config).config
    if mutant is not None:
        params = PROTOCOL.mutated(params, PROTOCOL.mutant(mutant))
    model = PROTOCOL.build(params)
    assert answer(explore_parallel(model, workers=2)) == answer(explore(model))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("config", "mutant"), [("S3a", None), ("S3a", "sync-replace"), ("S1", "overwrite")]
)
def test_token_runs_under_symmetry_answer_as_one_process_on_two_workers(
    config: str, mutant: str | None
) -> None:
    from spec.tokens import PROTOCOL

    params = PROTOCOL.standard(config).config
    if mutant is not None:
        params = PROTOCOL.mutated(params, PROTOCOL.mutant(mutant))
    model = PROTOCOL.build(params)
    one = explore(model, symmetry=True)
    assert answer(explore_parallel(model, workers=2, symmetry=True)) == answer(one)


def test_engine_ray_without_ray_installed_is_a_usage_error_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    result = CliRunner().invoke(main, ["model", "--quiet", "--no-symmetry", "--engine", "ray"])
    assert result.exit_code == 2
    assert "pip install -e '.[ray]'" in result.output and "Traceback" not in result.output


def test_the_benchmark_prints_one_row_per_engine_with_the_pinned_counts() -> None:
    root = __import__("pathlib").Path(__file__).parents[2]
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--protocol", "generals", "G3", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    runs = json.loads(out.stdout)["runs"]
    assert [(r["engine"], r["workers"]) for r in runs] == [("local", 1), ("local", 2)]
    assert {(r["states"], r["transitions"], r["verdict"]) for r in runs} == {(101, 136, "violated")}


def test_the_rounds_benchmark_splits_the_workers_cpu_and_counts_the_candidates() -> None:
    root = __import__("pathlib").Path(__file__).parents[2]
    out = subprocess.run(
        [sys.executable, "benchmarks/bench_shard_rounds.py", "S1", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    row = json.loads(out.stdout)
    assert (row["states"], row["transitions"], row["verdict"]) == (11_103, 50_895, "verified")
    # every state but the initial one is won in some level, by one shard
    assert row["won_own"] + row["won_other"] == 11_102
    assert row["candidates"] >= 11_102 and 0 < row["own"] < row["candidates"]
    assert {"expand", "settle", "resolve", "accept"} <= set(row["rounds"])
    assert all(len(per_worker) == 2 for per_worker in row["rounds"].values())


# Generator keeps the state: balance and the states that move


def test_balance_moves_only_the_surplus_above_the_tolerance() -> None:
    assert balance([100, 0], 0.02) == [[0, 50], [0, 0]]
    assert balance([51, 49], 0.05) == [[0, 0], [0, 0]]  # 51 is within 5% of the mean 50
    assert balance([52, 48], 0.02) == [[0, 2], [0, 0]]
    # mean 40: the first shard gives 10 to each of the others
    assert balance([60, 30, 30], 0.02) == [[0, 10, 10], [0, 0, 0], [0, 0, 0]]
    assert balance([0, 0], 0.02) == [[0, 0], [0, 0]]


def test_a_seeded_shard_pickles_with_its_seeds_and_expands_alike() -> None:
    # Ray's actors get their shards pickled, compiled (no __dict__) or not.
    shard = Shard(Grid(3), 1, 2, True)
    shard.seed(hash((0, 0)), 0, (0, 0))
    copy = pickle.loads(pickle.dumps(shard))
    assert (copy.index, copy.shards, copy.liveness) == (1, 2, True)
    assert copy.frontier == [(0, (0, 0))] and copy.table.get(hash((0, 0))) == 0
    expanded = copy.expand()
    sent = sum(map(len, (fps for fps, _ in expanded[0])))
    assert sent + copy.own_candidates() == 2  # (1, 0) and (0, 1)
    assert expanded == shard.expand()
    with pytest.raises(pickle.PicklingError, match="before its first level"):
        pickle.dumps(shard)  # mid-level state would not travel: refused, not lost


def test_a_search_takes_at_most_256_shards() -> None:
    # A candidate's source shard travels in 8 bits (Shard.resolve).
    assert Shard(Grid(3), 255, 256, False).shards == 256
    with pytest.raises(ValueError, match="1 to 256"):
        Shard(Grid(3), 0, 257, False)


def test_the_states_that_move_are_spread_over_the_key_range() -> None:
    assert plan_moves(10, [0, 2]) == [[], [2, 7]]
    assert plan_moves(6, [0, 0]) == [[], []]
    # shard 2 takes two of three, shard 1 one, in turns
    assert plan_moves(9, [0, 1, 2]) == [[], [4], [1, 7]]
    assert plan_moves(3, [0, 3]) == [[], [0, 1, 2]]


class Recording(Pool):
    """The shards called in turn in this process; it notes each level's
    frontier sizes and how many states moved."""

    def __init__(self, shards: list[Shard], poll: Any) -> None:
        self.shards = shards
        self.frontiers: list[list[int]] = []
        self.moved = 0

    def call(self, method: str, args: Any) -> list[Any]:
        answers = [getattr(s, method)(*a) for s, a in zip(self.shards, args, strict=True)]
        if method in ("expand", "next_level"):
            self.frontiers.append([len(s.frontier) for s in self.shards])
        if method == "accept":
            self.moved += sum(len(pickle.loads(b)) for a in answers for b in a[3] if b)
        return answers

    def close(self) -> None:
        pass


@pytest.mark.parametrize("workers", [2, 3])
def test_the_frontiers_stay_balanced_and_few_states_move(workers: int) -> None:
    pools: list[Recording] = []

    def pool(shards: list[Shard], poll: Any) -> Recording:
        pools.append(Recording(shards, poll))
        return pools[-1]

    result = explore_parallel(Grid(60), workers=workers, pool_factory=pool)
    assert result.stats.states == 61 * 61
    (used,) = pools
    assert len(used.frontiers) == 2 * 60 + 1
    for sizes in used.frontiers[1:]:  # level 0: the initial state is on one shard
        assert max(sizes) <= sum(sizes) / workers * (1 + BALANCE_TOLERANCE) + 1, sizes
    # The initial state's shard generates all of level 1; after that the
    # winners stay about where they are: few states travel.
    assert 0 < used.moved < 0.1 * result.stats.states, used.moved


class HintedCounters(TwoCounters):
    """TwoCounters with a `canonical_hash` and the `expanding` hint that an
    incremental one needs: it notes each state named, and each state hashed
    that is not a successor of the last one named."""

    def __init__(self) -> None:
        super().__init__()
        self.named: list[tuple[int, int]] = []
        self.unnamed: list[tuple[int, int]] = []

    def canonical_hash(self, s: tuple[int, int]) -> int:
        last = self.named[-1] if self.named else None
        if last is None or s not in [self.next_state(last, a) for a in self.actions(last)]:
            self.unnamed.append(s)
        return hash(self.canonical(s))

    def expanding(self, s: tuple[int, int]) -> None:
        self.named.append(s)


def test_the_shards_name_each_state_they_expand_before_hashing_its_successors() -> None:
    model = HintedCounters()
    result = explore_parallel(model, workers=2, symmetry=True, pool_factory=Recording)
    assert (result.stats.states, result.stats.transitions) == (6, 8)
    # Each class's first state reached, once; only the initial state is
    # hashed before any is named (by the coordinator, which seeds the shards).
    assert sorted(model.named) == [(0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (2, 2)]
    assert model.unnamed == [(0, 0)]
