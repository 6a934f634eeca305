"""The fast-read variant (PROTOCOL.md section 2): a read skips the
write-back of the tokens on which all q(n) replies agreed. A variant, not a
mutant: it must keep every property."""

from __future__ import annotations

from dataclasses import replace

import pytest

from checker.explore import explore
from checker.result import Verdict
from spec.tokens import client_steps
from spec.tokens.config import Config
from spec.tokens.model import TokenModel
from spec.tokens.standard import S2, W3


def test_fast_read_keeps_every_property_on_s1_in_fewer_states() -> None:
    result = explore(TokenModel(Config(fast_read=True)))
    assert result.verdict is Verdict.VERIFIED
    # 9,499 / 42,291 before issue 16: a fast read that answers on its READ step
    # now leaves the answer on the idle client (AnswerIsFresh reads it there).
    assert (result.stats.states, result.stats.transitions) == (9_761, 42_879)


def test_fast_read_keeps_every_property_on_w3() -> None:
    result = explore(TokenModel(replace(W3, fast_read=True)))
    assert result.verdict is Verdict.VERIFIED
    assert result.stats.states == 10_090  # 10,015 before issue 16 (see above)


@pytest.mark.pure  # patches a function of a compiled module
def test_skipping_write_backs_despite_disagreeing_replies_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a client that never notices disagreement skips every write-back: stale reads
    monkeypatch.setattr(client_steps, "disagreeing", lambda best, reply: 0)
    result = explore(TokenModel(replace(W3, fast_read=True)))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample is not None
    assert result.counterexample.property_name == "ReadNotStale"


def test_fast_read_keeps_every_property_on_s2_where_a_write_back_carries_only_some_tokens() -> None:
    # With two tokens a gettokens may write back one and list the other
    # unwritten: AnswerIsFresh takes the listed one's version as its data.
    result = explore(TokenModel(replace(S2, fast_read=True)))
    assert result.verdict is Verdict.VERIFIED
    assert (result.stats.states, result.stats.transitions) == (20_050, 88_188)
