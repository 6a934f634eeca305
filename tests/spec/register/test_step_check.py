"""The register's `check_step` (both step properties in one call, skipping
steps that leave the clients alone) gives exactly what checking them one by
one gives, on every transition of the standard graphs and of the mutants
that break a step property; and the hand-written hashes cover every field."""

from __future__ import annotations

from dataclasses import fields

import pytest

from checker.model import has_step_check
from spec.register import PROTOCOL
from spec.register.model import RegisterModel
from spec.register.state import Client, State
from tests.step_checks import breadth_first_transitions, one_by_one


def _model(config: str, mutant: str | None) -> RegisterModel:
    params = PROTOCOL.standard(config).config
    if mutant is not None:
        params = PROTOCOL.mutated(params, PROTOCOL.mutant(mutant))
    return RegisterModel(params)


@pytest.mark.parametrize(
    ("config", "mutant", "limit"),
    [("RG2", None, 100_000), ("RGN", None, 30_000), ("RG1", "small-quorum", 30_000),
     ("RG2", "no-impose", 100_000)],
)  # fmt: skip
def test_check_step_equals_the_properties_one_by_one_on_every_transition(
    config: str, mutant: str | None, limit: int
) -> None:
    model = _model(config, mutant)
    assert has_step_check(model)
    found = breadth_first_transitions(model, limit)
    skipped = violated = 0
    for s, a, after in found:
        expected = one_by_one(model, s, a, after)
        assert model.check_step(s, a, after) == expected
        violated += expected is not None
        skipped += after.clients is s.clients
    assert (violated > 0) == (mutant is not None)
    assert 0 < skipped < len(found)  # the shortcut is taken, and not always
    if mutant is None and config == "RG2":
        assert len(found) == PROTOCOL.standard("RG2").transitions  # the whole graph


def test_the_written_out_hashes_cover_every_field_in_order() -> None:
    model = RegisterModel(PROTOCOL.standard("RGN").config)
    states = [after for _, _, after in breadth_first_transitions(model, 3_000)]
    clients = {c for s in states for c in s.clients}
    assert len(clients) > 20
    for c in clients:
        assert hash(c) == hash(tuple(getattr(c, f.name) for f in fields(Client)))
    for s in states:
        assert hash(s) == hash(tuple(getattr(s, f.name) for f in fields(State)))
