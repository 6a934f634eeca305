"""A restarted manager catches up every current server left behind by the
changes the last process installed: an install needs only q(n') acknowledgements,
so a SYNC_WRITE to another server may die with the manager that was sending it.
In the model that message is still in flight; without this, the server would
stay in its old epoch for good, holding every newer message (seen in CI: a
joiner left at epoch 0 after three changes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from impl.cluster.errors import ClusterError
from impl.cluster.layout import MANAGER, Layout
from impl.cluster.manager import RETRY_ENV
from impl.cluster.operator import Operator
from tests.impl.cluster.conftest import assert_trace_conforms, start, stop_everything, wait_for


@pytest.fixture()
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv(RETRY_ENV, "30")  # the manager dies before it gives up on s3
        layout = start(tmp_path_factory.mktemp("behind"), servers=3)
    try:
        yield layout
    finally:
        stop_everything(layout)


def _epoch(operator: Operator, name: str) -> int | None:  # None: status has no epoch
    return next(r.epoch for r in operator.status() if r.name == name)


def test_a_restarted_manager_resends_the_sync_write_a_server_missed(cluster: Layout) -> None:
    operator = Operator(cluster)
    operator.kill("s3")
    operator.transform("c4")  # installed with s1, s2 and c4; s3 is down
    assert cluster.read().current == (1, ["s1", "s2", "s3", "c4"])
    operator.kill(MANAGER)  # its retries of SYNC_WRITE(1) to s3 die with it
    with pytest.raises(ClusterError, match="could not catch up"):
        operator.restart("s3")  # it runs again, but no manager catches it up
    assert _epoch(operator, "s3") == 0
    operator.restart(MANAGER)
    wait_for("s3 reaches epoch 1", lambda: _epoch(operator, "s3") == 1)
    operator.close()
    assert_trace_conforms(cluster.root)
