"""The manager's test hooks come from the environment: a bad value is logged
and the default kept, never a crash at start."""

from __future__ import annotations

import io

import pytest

from impl.cluster.manager import DEFAULT_RETRY, RETRY_ENV, _retry_seconds


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "-1", "0", "1e9"])
def test_a_bad_retry_value_is_logged_and_the_default_kept(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RETRY_ENV, text)
    log = io.StringIO()
    assert _retry_seconds(log) == DEFAULT_RETRY
    assert f"ignored {RETRY_ENV}={text!r}" in log.getvalue()


def test_a_good_retry_value_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RETRY_ENV, "0.5")
    log = io.StringIO()
    assert _retry_seconds(log) == 0.5
    assert log.getvalue() == ""
    monkeypatch.delenv(RETRY_ENV)
    assert _retry_seconds(log) == DEFAULT_RETRY
