"""`check shell --cluster DIR` runs the shell's commands against the processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from checker.cli import main
from impl.cluster.layout import Layout
from tests.impl.cluster.conftest import start, stop_everything


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    layout = start(tmp_path_factory.mktemp("shell"))
    try:
        yield layout
    finally:
        stop_everything(layout)


def shell(layout: Layout, text: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["shell", "--cluster", str(layout.root)], input=text)
    return result.exit_code, result.output.splitlines()


def test_the_shell_pays_kills_restarts_and_compares_with_a_fault_free_rerun(
    cluster: Layout,
) -> None:
    code, lines = shell(
        cluster,
        "pay c1 0 c2\npay c1 0 c3\nkill s3\npay c2 0 c3\nrestart s3\ntoken_status s3\n"
        "transform c4\ngettokens c5 c3\nbogus\nclose\n",
    )
    assert code == 0, lines
    assert lines[:4] == [
        "c1: pay(0, c2) -> OK(2)",
        "c1: pay(0, c3) -> NOT_OWNER(2, c2)",
        lines[2],
        "c2: pay(0, c3) -> OK(3)",
    ]
    assert lines[2].startswith("killed s3 (pid ")
    assert lines[4].startswith("restarted s3: pid ")
    # s3 kept version 2 across its kill; version 3 too if the pay's retry reached it
    assert lines[5].split()[:2] in (["0:v2", "c2"], ["0:v3", "c3"])
    assert "manager: transform(c4) -> installed epoch 1: servers s1, s2, s3, c4" in lines
    assert any(line.startswith("c5: gettokens(c3) -> [(0, 3), ") for line in lines)
    assert any(line.startswith("error: unknown command 'bogus'") for line in lines)
    assert lines[-1] == (
        "re-ran 5 commands without faults or delays: same final ownership of all 60 tokens"
    )


def test_a_bad_cluster_folder_is_one_line_and_exit_2(tmp_path: object) -> None:
    result = CliRunner().invoke(main, ["shell", "--cluster", f"{tmp_path}/none"], input="")
    assert result.exit_code == 2 and result.output.startswith("error: ")
    assert result.output.count("\n") == 1
