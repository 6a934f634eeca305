"""A fast-read gettokens whose READ phase completes with replies of epoch 1
after epoch 2 is installed, and writes back in epoch 2. The trace (recorded by
`check run --requests 300 --fast-read --role-changes 2 --drop 0.3 --seed 5`,
which diverged about once in 25 runs) conforms: the follower keeps what the
whole read found even when the next phase is in a newer epoch. Before, it
took the answer from the write-back, which with fast-read holds only the
disputed tokens, and said "c6 answers TOKENS [...]; the specification answers
TOKENS []" at line 7285."""

from __future__ import annotations

import gzip
from pathlib import Path

from click.testing import CliRunner

from checker.cli import main

TRACE = Path(__file__).parents[2] / "data" / "fast_read_read_done_after_install.jsonl.gz"


def test_a_read_completed_across_an_install_answers_what_it_read(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    trace.write_bytes(gzip.decompress(TRACE.read_bytes()))
    result = CliRunner().invoke(main, ["trace", str(trace)], catch_exceptions=False)
    assert result.exit_code == 0, result.output[-2000:]
    assert "CONFORMS to the specification (10,966 events" in result.output
