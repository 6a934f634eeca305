"""Hand-made histories whose verdicts are known by hand, for every model,
unfinished operations included; the failure names the object, the longest
linearizable prefix and the operations that cannot come next."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker.linearizability import (
    MODELS,
    RegisterModel,
    Result,
    TokensModel,
    check,
    parse_history,
)

Op = tuple[str, str, dict[str, Any], dict[str, Any] | None, int, int | None]


def history(*ops: Op, init: dict[str, Any] | None = None) -> list[str]:
    """Ops as (process, op, args, output or None, call time, return time or None)."""
    rows: list[dict[str, Any]] = [
        {"format": "tokencheck-history", "version": 1, "init": init or {}}
    ]
    for process, op, args, output, call, ret in ops:
        rows.append({"process": process, "type": "invoke", "op": op, "args": args, "time": call})
        if ret is not None:
            rows.append({"process": process, "type": "ok", "output": output, "time": ret})
    rows[1:] = sorted(rows[1:], key=lambda r: r["time"])
    return [json.dumps(r) for r in rows]


def register(lines: list[str], cas: bool = False) -> Result:
    return check(parse_history(lines), RegisterModel(cas=cas))


def both(lines: list[str]) -> tuple[Result, Result]:
    h = parse_history(lines)
    return check(h, TokensModel()), check(h, TokensModel(), fast=False)


def w(p: str, v: Any, call: int, ret: int | None, key: Any = None) -> Op:
    args = {"value": v} if key is None else {"value": v, "key": key}
    return (p, "write", args, {}, call, ret)


def r(p: str, v: Any, call: int, ret: int | None, key: Any = None) -> Op:
    return (p, "read", {} if key is None else {"key": key}, {"value": v}, call, ret)


# register


def test_a_read_overlapping_a_write_may_see_it() -> None:
    result = register(history(w("p1", 1, 0, 10), r("p2", 1, 5, 15), init={"value": 0}))
    assert (result.verdict, result.orders[None]) == ("ok", (0, 1))


def test_a_read_after_a_completed_write_cannot_see_the_old_value() -> None:
    result = register(history(w("p1", 1, 0, 1), r("p2", 0, 2, 3), init={"value": 0}))
    assert result.verdict == "illegal"
    assert result.failure is not None
    assert (result.failure.key, result.failure.prefix, result.failure.stuck) == (None, (0,), (1,))
    assert result.exit_code == 1


def test_an_unfinished_write_may_take_effect_or_not() -> None:
    took = register(history(w("p1", 1, 0, None), r("p2", 1, 5, 6), init={"value": 0}))
    did_not = register(history(w("p1", 1, 0, None), r("p2", 0, 5, 6), init={"value": 0}))
    assert (took.verdict, did_not.verdict) == ("ok", "ok")


def test_an_unfinished_write_cannot_take_effect_and_then_be_undone() -> None:
    lines = history(w("p1", 1, 0, None), r("p2", 1, 5, 6), r("p2", 0, 7, 8), init={"value": 0})
    result = register(lines)
    assert result.verdict == "illegal"
    assert result.failure is not None
    assert result.failure.stuck == (2,)  # after write, read 1, nothing fits the read of 0
    assert len(result.failure.prefix) == 2


def test_two_concurrent_writes_cannot_be_seen_in_both_orders() -> None:
    lines = history(
        w("p1", 1, 0, 100),
        w("p2", 2, 0, 100),
        r("p3", 1, 10, 11),
        r("p3", 2, 20, 21),
        r("p3", 1, 30, 31),
        init={"value": 0},
    )
    assert register(lines).verdict == "illegal"


def test_keys_are_independent_registers() -> None:
    lines = history(w("p1", 1, 0, 1, key="a"), r("p2", 0, 2, 3, key="b"), init={"value": 0})
    result = register(lines)
    assert result.verdict == "ok"
    assert result.objects == 2


def test_cas_succeeds_once_from_the_same_value() -> None:
    def cas(p: str, a: int, b: int, ok: bool, call: int, ret: int) -> Op:
        return (p, "cas", {"from": a, "to": b}, {"ok": ok}, call, ret)

    twice = history(cas("p1", 0, 1, True, 0, 1), cas("p2", 0, 2, True, 2, 3), init={"value": 0})
    once = history(
        cas("p1", 0, 1, True, 0, 1),
        cas("p2", 0, 2, False, 2, 3),
        r("p3", 1, 4, 5),
        init={"value": 0},
    )
    assert register(twice, cas=True).verdict == "illegal"
    assert register(once, cas=True).verdict == "ok"


def test_the_register_model_refuses_cas_and_names_the_line() -> None:
    from checker.linearizability import HistoryError

    lines = history(("p1", "cas", {"from": 0, "to": 1}, {"ok": True}, 0, 1))
    with pytest.raises(HistoryError, match=r":2: op: 'cas': the register model"):
        register(lines)
    assert MODELS["cas-register"]().name == "cas-register"


# tokens (one token, two or three clients)

ONE = {"tokens": 1, "clients": 2}


def pay(c: str, to: str, out: dict[str, Any] | None, call: int, ret: int | None) -> Op:
    return (c, "pay", {"token": 0, "to": to}, out, call, ret)


def get(c: str, owner: str, tokens: list[list[int]], call: int, ret: int | None) -> Op:
    return (c, "gettokens", {"owner": owner}, {"answer": "TOKENS", "tokens": tokens}, call, ret)


def OK(v: int) -> dict[str, Any]:
    return {"answer": "OK", "version": v}


def NOT_OWNER(v: int, o: str) -> dict[str, Any]:
    return {"answer": "NOT_OWNER", "version": v, "owner": o}


def test_a_pay_and_an_overlapping_read_linearize_both_ways() -> None:
    fast, general = both(
        history(
            pay("c1", "c2", OK(2), 0, 10),
            get("c2", "c2", [[0, 2]], 5, 6),
            get("c3", "c1", [[0, 1]], 4, 7),
            init=ONE,
        )
    )
    assert (fast.verdict, general.verdict) == ("ok", "ok")
    assert fast.fast == 1 and general.fast == 0
    assert fast.orders[0] == (1, 0, 2)  # ids by invocation: c3 read version 1 before the pay


def test_a_read_that_misses_a_token_after_another_read_saw_it_is_illegal() -> None:
    """c2 is seen owning version 2 at time 5..6; at 7..8 gettokens(c2) omits
    the token, and no other pay exists: the absent-token rule decides it."""
    lines = history(
        pay("c1", "c2", OK(2), 0, 10),
        get("c2", "c2", [[0, 2]], 5, 6),
        get("c3", "c2", [], 7, 8),
        init={"tokens": 1, "clients": 3},
    )
    fast, general = both(lines)
    assert (fast.verdict, general.verdict) == ("illegal", "illegal")
    assert fast.failure is not None and fast.failure.stuck == (2,)
    assert fast.failure.prefix == (0, 1)


def test_an_unfinished_pay_may_explain_a_version() -> None:
    took = history(pay("c1", "c2", None, 0, None), get("c2", "c2", [[0, 2]], 5, 6), init=ONE)
    did_not = history(pay("c1", "c2", None, 0, None), get("c2", "c1", [[0, 1]], 5, 6), init=ONE)
    for lines in (took, did_not):
        fast, general = both(lines)
        assert (fast.verdict, general.verdict) == ("ok", "ok")
    assert both(took)[0].searched == 1  # the fast path deferred: which pay wrote version 2?


def test_two_pays_answering_the_same_version_are_a_double_spend() -> None:
    lines = history(
        pay("c1", "c2", OK(2), 0, 10),
        pay("c1", "c3", OK(2), 11, 12),
        init={"tokens": 1, "clients": 3},
    )
    fast, general = both(lines)
    assert (fast.verdict, general.verdict) == ("illegal", "illegal")
    assert fast.failure is not None and "two pays answered OK(2)" in fast.failure.why


def test_not_owner_naming_the_caller_is_illegal() -> None:
    fast, general = both(history(pay("c1", "c2", NOT_OWNER(1, "c1"), 0, 1), init=ONE))
    assert (fast.verdict, general.verdict) == ("illegal", "illegal")


def test_a_read_after_two_completed_pays_cannot_see_the_first() -> None:
    lines = history(
        pay("c1", "c2", OK(2), 0, 1),
        pay("c2", "c1", OK(3), 2, 3),
        get("c2", "c2", [[0, 2]], 4, 5),
        init=ONE,
    )
    fast, general = both(lines)
    assert (fast.verdict, general.verdict) == ("illegal", "illegal")
    assert fast.failure is not None and fast.failure.prefix == (0, 1)


def test_not_owner_is_a_read_pinned_to_its_version() -> None:
    ok = history(
        pay("c1", "c2", OK(2), 0, 10), pay("c1", "c2", NOT_OWNER(2, "c2"), 11, 12), init=ONE
    )
    wrong_owner = history(
        pay("c1", "c2", OK(2), 0, 10),
        pay("c3", "c2", NOT_OWNER(2, "c1"), 11, 12),
        init={"tokens": 1, "clients": 3},
    )
    assert [r.verdict for r in both(ok)] == ["ok", "ok"]
    assert [r.verdict for r in both(wrong_owner)] == ["illegal", "illegal"]


def test_the_implementation_trace_in_tests_data_is_linearizable() -> None:
    from checker.linearizability import read_history

    result = check(read_history("tests/data/impl_step_trace.jsonl"), TokensModel())
    assert (result.verdict, result.operations, result.objects) == ("ok", 3, 60)


def test_a_timeout_gives_unknown_never_ok() -> None:
    # 12 concurrent writes of distinct values and a read of a value never written:
    # the search must try every order before it can say illegal.
    ops = [w(f"p{i}", i, 0, 100) for i in range(1, 13)]
    result = register(history(*ops, r("q", 99, 101, 102), init={"value": 0}))
    assert result.verdict == "illegal"
    quick = check(parse_history(history(*ops, r("q", 99, 101, 102))), RegisterModel(), timeout=0)
    assert (quick.verdict, quick.exit_code) == ("unknown", 3)
