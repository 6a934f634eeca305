"""The counter model on histories whose verdicts are known by hand: adds
ordered by the values they answer, a stale read, an unfinished add that may
or may not have taken effect, and the errors that name a bad field."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.linearizability import ILLEGAL, OK, CounterModel, HistoryError, Result, check
from checker.linearizability import parse_history as parse
from tests.checker.linearizability.test_check import history

KEY = ["north", "mmr"]


def counter(
    *ops: tuple[str, str, dict[str, object], dict[str, object] | None, int, int | None],
) -> Result:
    return check(parse(history(*ops)), CounterModel())


def test_concurrent_adds_linearize_in_the_order_their_answers_say() -> None:
    # c2's add answered 6, so it came second, although it was invoked first.
    result = counter(
        ("c2", "add", {"key": KEY, "delta": 1}, {"value": 6}, 0, 5),
        ("c1", "add", {"key": KEY, "delta": 5}, {"value": 5}, 1, 4),
        ("c3", "read", {"key": KEY}, {"value": 6}, 6, 7),
    )
    assert result.verdict == OK
    assert result.orders[("north", "mmr")] == (1, 0, 2)


def test_a_read_after_an_add_returned_cannot_see_the_value_before_it() -> None:
    result = counter(
        ("c1", "add", {"key": KEY, "delta": 5}, {"value": 5}, 0, 1),
        ("c2", "read", {"key": KEY}, {"value": 0}, 2, 3),
    )
    assert result.verdict == ILLEGAL and result.failure is not None
    assert result.failure.key == ("north", "mmr")
    assert (result.failure.prefix, result.failure.stuck) == ((0,), (1,))


def test_an_unfinished_add_may_or_may_not_have_taken_effect() -> None:
    pending = ("c1", "add", {"key": KEY, "delta": 2}, None, 0, None)
    for seen in (0, 2):
        assert counter(pending, ("c2", "read", {"key": KEY}, {"value": seen}, 1, 2)).verdict == OK
    # ... but only once, and only by its delta
    twice = counter(
        pending,
        ("c2", "read", {"key": KEY}, {"value": 2}, 1, 2),
        ("c2", "read", {"key": KEY}, {"value": 0}, 3, 4),
    )
    assert twice.verdict == ILLEGAL
    assert counter(pending, ("c2", "read", {"key": KEY}, {"value": 1}, 1, 2)).verdict == ILLEGAL


def test_a_write_sets_the_value_and_an_add_counts_from_it() -> None:
    ok = counter(
        ("c1", "add", {"key": KEY, "delta": 5}, {"value": 5}, 0, 1),
        ("c1", "write", {"key": KEY, "value": 12}, {"value": 12}, 2, 3),
        ("c2", "add", {"key": KEY, "delta": 1}, {"value": 13}, 4, 5),
    )
    assert ok.verdict == OK
    wrong_answer = counter(("c1", "write", {"key": KEY, "value": 12}, {"value": 11}, 0, 1))
    assert wrong_answer.verdict == ILLEGAL


def test_keys_are_independent_objects_named_in_the_verdict() -> None:
    result = counter(
        ("c1", "add", {"key": ["north", "mmr"], "delta": 5}, {"value": 5}, 0, 1),
        ("c1", "add", {"key": ["south", "mmr"], "delta": 1}, {"value": 1}, 2, 3),
        ("c2", "read", {"key": ["south", "mmr"]}, {"value": 0}, 4, 5),
    )
    assert result.objects == 2
    assert result.failure is not None and result.failure.key == ("south", "mmr")


@pytest.mark.parametrize(
    ("args", "output", "field"),
    [
        ({"key": KEY, "delta": "5"}, {"value": 5}, "args.delta"),
        ({"key": KEY, "delta": True}, {"value": 1}, "args.delta"),
        ({"key": KEY, "delta": 5}, {}, "output.value"),
        ({"key": [KEY], "delta": 5}, {"value": 5}, "args.key"),
    ],
)
def test_a_bad_field_is_named(
    args: dict[str, object], output: dict[str, object], field: str
) -> None:
    with pytest.raises(HistoryError, match=field.replace(".", r"\.")):
        counter(("c1", "add", args, output, 0, 1))


def test_check_history_with_the_counter_model_names_the_stale_key(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(
        "\n".join(
            history(
                ("c1", "add", {"key": KEY, "delta": 5}, {"value": 5}, 0, 1),
                ("c2", "read", {"key": KEY}, {"value": 0}, 2, 3),
            )
        )
    )
    out = CliRunner().invoke(main, ["history", str(path), "--model", "counter"])
    assert out.exit_code == 1
    assert "verdict  ILLEGAL: key north/mmr is not linearizable" in out.output
