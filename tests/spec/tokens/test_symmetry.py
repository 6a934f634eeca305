"""The token model's symmetry: the right classes, one state per orbit, and
concrete shortest counterexamples with the same verdicts."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Any

import pytest

from checker.explore import explore
from checker.replay import replay
from checker.result import Verdict
from spec.tokens import symmetry
from spec.tokens.config import Config
from spec.tokens.model import TokenModel
from spec.tokens.mutants import CATALOG
from spec.tokens.standard import STANDARD_CONFIGS
from spec.tokens.symmetry import interchangeable_classes, rename, renamings
from tests.replaying import action_indexes
from tests.step_checks import breadth_first_transitions

S1 = STANDARD_CONFIGS["S1"].config


def _reachable(model: TokenModel) -> set[Any]:
    seen = set(model.initial_states())
    queue = deque(seen)
    while queue:
        state = queue.popleft()
        for action in model.actions(state):
            nxt = model.next_state(state, action)
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _orbits(model: TokenModel, states: set[Any]) -> int:
    """Orbits counted without `canonical`: each as the set of its renamings."""
    group = renamings(model.params)
    return len({frozenset([s, *(rename(s, pi) for pi in group)]) for s in states})


def test_interchangeable_classes_follow_faultiness_ownership_and_the_scenario() -> None:
    params = TokenModel(S1).params
    assert interchangeable_classes(params) == [[1, 2]]  # s2, s3: c1 owns token 0
    f2 = TokenModel(STANDARD_CONFIGS["F2"].config).params
    assert interchangeable_classes(f2) == [[0, 1], [2, 3]]
    three = TokenModel(replace(S1, clients=3)).params
    assert interchangeable_classes(three) == [[1, 2], [4, 5]]  # c2, c3 own nothing
    r2 = TokenModel(STANDARD_CONFIGS["R2"].config).params
    assert interchangeable_classes(r2) == []  # s2, c1, c2 named; s1 is alone faulty
    assert not hasattr(TokenModel(STANDARD_CONFIGS["R2"].config), "canonical")


@pytest.mark.parametrize(
    "config",
    [
        # 45 states, 17 orbits: a class of three servers.
        Config(servers=3, clients=2, tokens=1, faulty=0, workload="c1: pay(0,c2)"),
        # 4,420 states, 1,284 orbits: s2, s3 and c2, c3 (who may join).
        Config(
            servers=3,
            clients=3,
            tokens=1,
            reconfigs=1,
            max_servers=4,
            reconfig="atomic",
            workload="c1: gettokens(c1)",
        ),
        pytest.param(S1, marks=pytest.mark.slow),
        pytest.param(
            Config(servers=3, clients=2, tokens=1, faulty=0, ops=1), marks=pytest.mark.slow
        ),
    ],
    ids=["3-servers-scripted", "joining-clients", "S1", "3-servers"],
)
@pytest.mark.parametrize("sorted_form", [False, True], ids=["every-renaming", "sorted"])
def test_reduced_count_equals_the_orbits_of_the_full_reachable_set(
    config: Config, sorted_form: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both canonical forms: trying every renaming (small groups) and sorting
    # by signatures (large ones), forced here on small configurations.
    monkeypatch.setattr(symmetry, "_SORT_ABOVE", 0 if sorted_form else 10**6)
    model = TokenModel(config)
    full = _reachable(model)
    orbits = _orbits(model, full)
    reduced = explore(model, symmetry=True, liveness=False)
    assert reduced.verdict is Verdict.VERIFIED
    assert reduced.stats.states == orbits < len(full)


@pytest.mark.parametrize("reconfig", ["atomic", "messages"])
def test_renaming_maps_successors_to_successors(reconfig: str) -> None:
    # Along seeded walks through changes, deliveries and SYNC messages, the
    # successors of a renamed state are the renamed successors.
    import random

    config = replace(S1, clients=3, reconfigs=2, max_servers=4, reconfig=reconfig)
    model = TokenModel(config)
    group = renamings(model.params)
    assert len(group) == 3  # s2<->s3, c2<->c3, both
    rng = random.Random(5)
    for _ in range(3):
        state = model.initial_states()[0]
        for _ in range(25):
            enabled = model.actions(state)
            if not enabled:
                break
            succ = {model.next_state(state, a) for a in enabled}
            for pi in group:
                renamed = rename(state, pi)
                assert {model.next_state(renamed, a) for a in model.actions(renamed)} == {
                    rename(x, pi) for x in succ
                }
            state = model.next_state(state, enabled[rng.randrange(len(enabled))])


# The two-change mutants run on R2, which has no symmetry (its model offers
# no `canonical`, tested above): with and without are the same run.
_ON_R2 = {m.name for m in CATALOG if m.config == "R2"}


@pytest.mark.parametrize(
    "mutant",
    [
        pytest.param(m.name, marks=pytest.mark.slow) if m.name == "wait-all" else m.name
        for m in CATALOG
        if m.name not in _ON_R2
    ],
)
def test_mutant_counterexamples_under_symmetry_are_as_short_and_replay_unreduced(
    mutant: str,
) -> None:
    spec = next(m for m in CATALOG if m.name == mutant)
    from spec.tokens import PROTOCOL

    config = PROTOCOL.mutant_params(PROTOCOL.mutant(mutant))
    full = explore(TokenModel(config))
    reduced = explore(TokenModel(config), symmetry=True)
    assert full.counterexample is not None and reduced.counterexample is not None
    assert reduced.counterexample.property_name == full.counterexample.property_name
    assert reduced.counterexample.property_name in spec.caught_by
    assert reduced.counterexample.length == full.counterexample.length
    assert reduced.stats.states <= full.stats.states
    assert reduced.verdict is full.verdict is Verdict.VIOLATED
    steps = reduced.counterexample.steps
    plain = TokenModel(config)  # a fresh model: nothing shared with the reduced run
    replayed = replay(plain, action_indexes(steps))
    assert [s.state for s in replayed] == [s.state for s in steps]


# name -> (classes, transitions from their representatives) with symmetry,
# liveness on. R2 has no interchangeable nodes (see above): its counts are
# the unreduced ones.
PINNED_WITH_SYMMETRY: dict[str, tuple[int, int]] = {
    "S1": (11_103, 50_895),
    "S2": (20_732, 94_274),
    "W3": (11_647, 57_920),
    "S3a": (91_914, 455_245),
    "F2": (75_975, 431_901),
    "S3m": (359_012, 1_851_523),
}


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n != "S1" else n for n in PINNED_WITH_SYMMETRY],
)
def test_standard_configurations_with_symmetry_keep_their_verdict_with_pinned_counts(
    name: str,
) -> None:
    standard = STANDARD_CONFIGS[name]
    result = explore(TokenModel(standard.config), symmetry=True)
    assert result.reductions == ("symmetry",)
    got = result.counterexample.property_name if result.counterexample else None
    assert got == standard.expected
    assert (result.stats.states, result.stats.transitions) == PINNED_WITH_SYMMETRY[name]
    assert standard.states is not None and result.stats.states < standard.states


def _walk_states(model: TokenModel, seed: int, walks: int, depth: int) -> list[Any]:
    import random

    rng = random.Random(seed)
    found = []
    for _ in range(walks):
        state = model.initial_states()[0]
        for _ in range(depth):
            found.append(state)
            enabled = model.actions(state)
            if not enabled:
                break
            state = model.next_state(state, enabled[rng.randrange(len(enabled))])
    return found


_RENAMED_CONFIGS = {
    # Two classes of servers (faulty s1, s2; correct s3, s4): a group of 4.
    "F2": STANDARD_CONFIGS["F2"].config,
    # The two clients, with a change by messages: a group of 2.
    "S3m": STANDARD_CONFIGS["S3m"].config,
    # Three correct servers and a change by messages: a group of 6, the
    # largest that takes every renaming (symmetry._SORT_ABOVE).
    "three-servers": replace(
        S1, servers=4, reconfigs=1, min_servers=3, max_servers=4, reconfig="messages"
    ),
    # Servers s2, s3 and clients c2, c3, with changes by messages (manager
    # parts, SYNC payloads, joiners): a group of 4 that renames owners too.
    "clients-and-changes": replace(S1, clients=3, reconfigs=1, max_servers=4),
}


@pytest.mark.parametrize("name", sorted(_RENAMED_CONFIGS))
@pytest.mark.parametrize("stable", [False, True], ids=["hash", "stable_fingerprint"])
def test_every_renaming_of_a_state_has_the_same_canonical_hash_and_form(
    name: str, stable: bool
) -> None:
    from checker.fingerprint import stable_fingerprint

    model = TokenModel(_RENAMED_CONFIGS[name])
    group = renamings(model.params)
    if stable:
        canonical, canonical_hash = model.canonical_by(stable_fingerprint)
    else:
        canonical, canonical_hash = model.canonical, model.canonical_hash
    # A second form with empty caches: the answer must not depend on what
    # the first has seen (parts are cached by value and by identity).
    fresh = TokenModel(_RENAMED_CONFIGS[name])
    fresh_hash = fresh.canonical_by(stable_fingerprint)[1] if stable else fresh.canonical_hash
    states = _walk_states(model, seed=11, walks=6, depth=30)
    hashes = set()
    for state in states:
        h = canonical_hash(state)
        form = canonical(state)
        orbit = [state, *(rename(state, pi) for pi in group)]
        assert form in orbit  # a renaming of the state, as written
        for other in orbit:
            assert canonical_hash(other) == h
            assert canonical(other) == form
        assert canonical_hash(form) == h
        assert fresh_hash(orbit[-1]) == h
        hashes.add(h)
    # Distinct classes along the walks (counted as sets of renamings) get
    # distinct hashes.
    orbits = {frozenset([s, *(rename(s, pi) for pi in group)]) for s in states}
    assert len(hashes) == len(orbits) > 1


@pytest.mark.slow  # about 26 s for the four
@pytest.mark.parametrize("name", sorted(_RENAMED_CONFIGS))
def test_canonical_hashes_count_the_orbits_of_a_breadth_first_prefix(name: str) -> None:
    """Every part of a state that a renaming keeps or moves (the manager,
    `started`, the messages) must be in the hash: one left out merges
    classes that differ only there, which the random walks above may miss.
    So: the classes of the states of the first 80,000 transitions found breadth-first, counted
    as sets of renamings, against their distinct hashes. (At 20,000
    transitions, a hash without `started` still passed.)"""
    model = TokenModel(_RENAMED_CONFIGS[name])
    group = renamings(model.params)
    assert len(group) + 1 == {"F2": 4, "S3m": 2, "clients-and-changes": 4}.get(name, 6)
    states = {after for _, _, after in breadth_first_transitions(model, 80_000)}
    orbits = {frozenset([s, *(rename(s, pi) for pi in group)]) for s in states}
    assert len({model.canonical_hash(s) for s in states}) == len(orbits) > 1_000


def test_the_renaming_check_catches_a_hash_of_one_renaming_only() -> None:
    # The mutant: a form over the identity alone is no class invariant, and
    # the comparison above tells it apart on the first few states.
    model = TokenModel(_RENAMED_CONFIGS["F2"])
    group = renamings(model.params)
    identity_only = symmetry._Digests([tuple(range(model.params.nodes + 1))], hash)
    states = _walk_states(model, seed=11, walks=2, depth=10)
    assert any(
        identity_only.canonical_hash(rename(s, pi)) != identity_only.canonical_hash(s)
        for s in states
        for pi in group
    )
    full = symmetry._Digests([tuple(range(model.params.nodes + 1)), *group], hash)
    assert all(
        full.canonical_hash(rename(s, pi)) == full.canonical_hash(s) for s in states for pi in group
    )


@pytest.mark.parametrize("name", ["F2", "S3m", "clients-and-changes"])
def test_the_expanding_hint_changes_no_canonical_hash(name: str) -> None:
    """`expanding(parent)` only lets a successor's parts be found by
    identity: each successor's canonical hash is the one a form never
    hinted gives, after the right parent, after an unrelated state, and
    for states of the orbit (renamed objects share nothing)."""
    config = _RENAMED_CONFIGS[name]
    hinted, plain = TokenModel(config), TokenModel(config)
    group = renamings(hinted.params)
    states = _walk_states(hinted, seed=5, walks=4, depth=25)
    checked = 0
    for parent, unrelated in zip(states, reversed(states), strict=True):
        successors = [hinted.next_state(parent, a) for a in hinted.actions(parent)]
        for hint in (parent, unrelated, rename(parent, group[0])):
            hinted.expanding(hint)
            for after in successors:
                assert hinted.canonical_hash(after) == plain.canonical_hash(after)
                assert hinted.canonical(after) == plain.canonical(after)
                checked += 1
    assert checked > 1_000


@pytest.mark.parametrize("k", [2, 6, 12])
def test_the_collision_factor_is_that_of_the_smallest_of_k_forms(k: int) -> None:
    """Exactly, on a 2**16-value space: two classes' smallest of k forms
    meet with probability sum over m of P(min = m)**2, which the factor
    gives relative to two 64-bit hashes (the forms have 63 bits)."""
    n = 2**16
    meet = sum((((n - m) ** k - (n - m - 1) ** k) / n**k) ** 2 for m in range(n))
    assert symmetry.collision_factor(k) == pytest.approx(2 * n * meet, rel=1e-3)


def test_the_token_model_scales_the_collision_estimate_by_its_group() -> None:
    model = TokenModel(STANDARD_CONFIGS["S3a"].config)
    group = len(renamings(model.params)) + 1
    assert group == 2 and model.collision_factor == symmetry.collision_factor(2) == 8 / 3
    result = explore(model, symmetry=True, max_states=1000)
    assert result.stats.collision_probability == pytest.approx(8 / 3 * 1000**2 / 2**65)
