"""What Ray's actors receive pickles, compiled (checker.native) or not."""

from __future__ import annotations

import pickle

from checker.fingerprint import stable_fingerprint
from checker.parallel import CanonicalFingerprint
from checker.shard import Shard
from spec.tokens.model import TokenModel
from spec.tokens.standard import S1, S3A
from tests.step_checks import reachable_within


def test_a_token_model_pickles_as_its_config_and_steps_alike() -> None:
    model = TokenModel(S3A)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.config == model.config
    states = reachable_within(model, 3)
    assert len(states) > 100
    assert reachable_within(copy, 3) == states
    assert [copy.canonical(s) for s in states] == [model.canonical(s) for s in states]
    assert [[p.check(s) for p in copy.invariants] for s in states] == [
        [p.check(s) for p in model.invariants] for s in states
    ]


def test_a_canonical_fingerprint_pickles_and_gives_the_same_fingerprints() -> None:
    model = TokenModel(S1)
    fingerprint = CanonicalFingerprint(model, stable_fingerprint)
    copy = pickle.loads(pickle.dumps(fingerprint))
    states = reachable_within(model, 3)
    assert [copy(s) for s in states] == [fingerprint(s) for s in states]
    # classes, not states: two renamings of one state share a fingerprint
    assert len({fingerprint(s) for s in states}) < len(set(states))


def test_a_shard_of_the_token_model_pickles_with_its_sometimes_properties() -> None:
    model = TokenModel(S1)
    shard = Shard(model, 0, 2, True, CanonicalFingerprint(model, stable_fingerprint))
    copy = pickle.loads(pickle.dumps(shard))
    assert [name for name, _ in copy.unmet] == [p.name for p in model.sometimes]
    states = reachable_within(model, 12)
    assert [[check(s) for _, check in copy.unmet] for s in states] == [
        [check(s) for _, check in shard.unmet] for s in states
    ]
    assert any(check(s) for _, check in copy.unmet for s in states)  # the checks do answer
