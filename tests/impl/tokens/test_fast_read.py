"""The fast-read variant in the implementation: the same answers and final
ownership as the standard protocol, with fewer WRITE messages."""

from __future__ import annotations

import io

from impl.tokens.config import Params
from impl.tokens.recorder import Recorder
from impl.tokens.shell import Shell

SCRIPT = [
    "pay c1 0 c2",
    "gettokens c3 c2",
    "pay c2 0 c3",
    "pay c1 0 c3",  # NOT_OWNER: its write-back may be skipped too
    "gettokens c4 c3",
    "transform c6",
    "gettokens c5 c3",
    "pay c3 0 c1",
    "gettokens c2 c1",
]


def run(fast_read: bool) -> tuple[list[str], int, int]:
    out = io.StringIO()
    recorder = Recorder(keep=True)
    params = Params(servers=5, drop=0.3, seed=2, fast_read=fast_read)
    code = Shell(params, out, mode="step", recorder=recorder).run(SCRIPT)
    writes = [e for e in recorder.events if e["event"] == "sent" and e["kind"] == "WRITE"]
    entries = sum(len(e["payload"]["entries"]) for e in writes)
    answers = [line for line in out.getvalue().splitlines() if " -> " in line]
    assert code == 0, out.getvalue()
    assert "same final ownership" in out.getvalue()
    return answers, len(writes), entries


def test_fast_read_gives_the_same_answers_with_fewer_writes() -> None:
    standard, standard_writes, standard_entries = run(fast_read=False)
    fast, fast_writes, fast_entries = run(fast_read=True)
    assert fast == standard
    assert fast_writes < standard_writes
    assert fast_entries < standard_entries


def test_the_trace_header_is_unchanged_without_fast_read() -> None:
    assert "fast_read" not in Params().to_json()
    assert Params(fast_read=True).to_json()["fast_read"] is True
