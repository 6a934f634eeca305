"""What Ray's actors receive of the register pickles, compiled
(checker.native) or not: the model as its parameters, states and actions
as themselves, with the same stable fingerprints."""

from __future__ import annotations

import pickle

from checker.fingerprint import stable_fingerprint
from spec.register import PROTOCOL
from spec.register.model import RegisterModel
from tests.step_checks import reachable_within


def test_a_register_model_pickles_as_its_parameters_and_steps_alike() -> None:
    model = RegisterModel(PROTOCOL.standard("RGN").config)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.params == model.params
    states = reachable_within(model, 6)
    assert len(states) > 100
    assert reachable_within(copy, 6) == states


def test_states_and_actions_pickle_to_equal_values_with_equal_fingerprints() -> None:
    model = RegisterModel(PROTOCOL.standard("RG1").config)
    states = reachable_within(model, 6)
    actions = [a for s in states for a in model.actions(s)]
    assert pickle.loads(pickle.dumps(states)) == states
    assert pickle.loads(pickle.dumps(actions)) == actions
    assert [stable_fingerprint(s) for s in pickle.loads(pickle.dumps(states))] == [
        stable_fingerprint(s) for s in states
    ]
    assert len({stable_fingerprint(s) for s in states}) == len(states)
