"""The engine pauses the cyclic collector during a run and restores it."""

from __future__ import annotations

import gc

import pytest

from checker.explore import explore
from tests.checker.tiny_models import Counter


class Watched(Counter):
    """Counter(3) that records whether the collector ran while it was explored."""

    def __init__(self) -> None:
        super().__init__(3)
        self.seen: set[bool] = set()

    def actions(self, s: int) -> tuple[str, ...]:
        self.seen.add(gc.isenabled())
        return super().actions(s)


@pytest.mark.parametrize("enabled", [True, False])
def test_explore_runs_without_the_collector_and_restores_it(enabled: bool) -> None:
    before = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        model = Watched()
        assert explore(model).stats.states == 4
        assert model.seen == {False}
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if before else gc.disable)()


def test_the_collector_comes_back_when_the_run_raises() -> None:
    class Broken(Counter):
        def actions(self, s: int) -> tuple[str, ...]:
            raise RuntimeError("broken model")

    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="broken model"):
        explore(Broken())
    assert gc.isenabled()
