"""The Ray engine answers as the one-process engine, on a local Ray cluster
of 2 CPUs (127.0.0.1, no dashboard), started once for the module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from checker.errors import WorkerLost
from checker.explore import explore
from checker.ray_engine import explore_on_ray
from tests.checker.answers import answer
from tests.checker.tiny_models import Dying

ray = pytest.importorskip("ray", reason="ray is not installed: pip install -e '.[ray]'")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        logging_level="ERROR",
    )
    yield
    ray.shutdown()


@pytest.mark.parametrize(
    ("protocol", "config", "mutant"),
    [
        ("generals", "G4", None),  # dataclass states, verified
        ("generals", "G3", None),  # IC2 violated
        ("tokens", "S3a", "sync-replace"),  # a step property
        ("tokens", "S1", "wait-all"),  # Progress: a fair cycle or a stuck state
    ],
)
def test_ray_actors_answer_as_one_process(protocol: str, config: str, mutant: str | None) -> None:
    from checker.cli.registry import lookup

    spec = lookup(protocol)
    params = spec.standard(config).config
    if mutant is not None:
        params = spec.mutated(params, spec.mutant(mutant))
    model = spec.build(params)
    assert answer(explore_on_ray(model, workers=2)) == answer(explore(model))


@pytest.mark.parametrize("mutant", [None, "wait-all"])
def test_ray_actors_reduce_by_symmetry_as_one_process(mutant: str | None) -> None:
    """Each actor orders a class's renamings by their stable fingerprint
    (`canonical_by`), so the actors agree on the classes, which are the
    one-process engine's (that one orders them by hash)."""
    from spec.tokens import PROTOCOL

    params = PROTOCOL.standard("S1").config
    if mutant is not None:
        params = PROTOCOL.mutated(params, PROTOCOL.mutant(mutant))
    model = PROTOCOL.build(params)
    one = explore(model, symmetry=True)
    on_ray = explore_on_ray(model, workers=2, symmetry=True)
    assert on_ray.reductions == one.reductions == ("symmetry",)
    assert answer(on_ray) == answer(one)


def test_an_actor_lost_mid_run_raises_worker_lost() -> None:
    with pytest.raises(WorkerLost, match="ended mid-run, its Ray actor died: no verdict"):
        explore_on_ray(Dying(limit=10, at=4, code=7), workers=2)
