"""A live cluster per test module, on 127.0.0.1 in a tmp dir; every process it
started is killed (its process group) when the module ends."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from impl.cluster.layout import MANAGER, Layout
from impl.cluster.operator import down, up
from impl.cluster.spawn import kill, stop_all


def wait_for(what: str, ready: Callable[[], bool], seconds: float = 20.0) -> None:
    """Poll `ready` until it holds; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.05)


def assert_trace_conforms(root: Path) -> str:
    """`check trace ROOT` exits 0 and says the merged trace conforms; its output."""
    result = CliRunner().invoke(main, ["trace", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "CONFORMS to the specification" in result.output
    return result.output


def stop_everything(layout: Layout) -> None:
    if not layout.exists():
        return
    down(layout, timeout=2.0)
    for path in (layout.root / "run").glob("*.json"):  # anything left, e.g. a joiner
        run = layout.read_run(path.stem)
        if run is not None:
            kill(run["pid"], signal.SIGKILL)
    for name in [MANAGER, *layout.read().nodes]:  # even one no run file names (a failed test)
        stop_all(layout, name)


def start(
    tmp: Path, servers: int = 3, faulty: list[str] | None = None, drop: float = 0.0
) -> Layout:
    layout = Layout(tmp / "cluster")
    up(layout, servers, faulty, drop)
    return layout


@pytest.fixture(scope="module")
def cluster3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    layout = Layout(tmp_path_factory.mktemp("c3") / "cluster")
    try:
        up(layout, 3)
        yield layout
    finally:
        stop_everything(layout)


__all__ = ["MANAGER", "start", "stop_everything"]
