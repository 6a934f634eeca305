"""Regressions from issue 15 for the shell (defects 4 and on)."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

from impl.tokens.config import Params
from impl.tokens.shell import Shell


def test_a_timed_out_pay_that_completes_later_is_reported_and_counted() -> None:
    out = io.StringIO()
    shell = Shell(Params(servers=3, max_delay=0.4, timeout=0.1, faulty=()), out)

    def lines() -> Iterator[str]:
        yield "pay c1 0 c2\n"
        deadline = time.monotonic() + 20
        while not (shell.incomplete and shell.incomplete[0].done):
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.05)
        yield "status\n"
        yield "close\n"

    code = shell.run(lines())
    text = out.getvalue()
    assert "timeout: c1: pay(0, c2)" in text
    assert "late answer: c1: pay(0, c2) -> OK(2)" in text
    assert "re-ran 1 commands without faults or delays: same final ownership" in text
    assert "did not complete" not in text.split("late answer")[1]
    assert shell.incomplete == []
    assert code == 0
