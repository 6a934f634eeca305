"""Generated histories: linearizable by construction; one injected anomaly
makes them illegal; the ledger's fast path and the general search agree."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checker.linearizability import MODELS, RegisterModel, TokensModel, check, parse_history
from tests.checker.linearizability.strategies import (
    Generated,
    appended,
    ledger_histories,
    register_histories,
)

# Anomalies need pays that succeed: some generated histories have none.
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


def verdicts(lines: list[str]) -> tuple[str, str]:
    history = parse_history(lines)
    fast = check(history, TokensModel()).verdict
    general = check(history, TokensModel(), fast=False).verdict
    return fast, general


@FAST
@given(ledger_histories())
def test_ledger_histories_from_a_sequential_run_are_linearizable_both_ways(gen: Generated) -> None:
    assert verdicts(gen.lines()) == ("ok", "ok")


@FAST
@given(register_histories(), st.booleans())
def test_register_histories_from_a_sequential_run_are_linearizable(
    gen: Generated, cas: bool
) -> None:
    model = MODELS["cas-register"]() if cas else RegisterModel()
    assert check(parse_history(gen.lines()), model).verdict == "ok"


@FAST
@given(register_histories(cas=True))
def test_cas_register_histories_from_a_sequential_run_are_linearizable(gen: Generated) -> None:
    assert check(parse_history(gen.lines()), RegisterModel(cas=True)).verdict == "ok"


# Anomalies, appended after every other operation so that they are illegal
# whatever the intervals (no unfinished operation may take effect later).


@FAST
@given(ledger_histories(pending=False), st.data())
def test_a_stale_read_is_illegal_both_ways(gen: Generated, data: st.DataObject) -> None:
    stale = [(t, v, o) for t, v, o in gen.written if gen.final[t][0] > v]
    assume(stale)  # a later version exists: reading v at the end is stale
    t, v, owner = data.draw(st.sampled_from(stale))
    line = appended(
        gen, "reader", "gettokens", {"owner": owner}, {"answer": "TOKENS", "tokens": [[t, v]]}
    )
    assert verdicts(line) == ("illegal", "illegal")


@FAST
@given(ledger_histories(pending=False))
def test_a_lost_write_is_illegal_both_ways(gen: Generated) -> None:
    assume(gen.written)
    t, _, _ = gen.written[-1]
    owner = gen.final[t][1]
    others = [[x, v] for x, (v, o) in sorted(gen.final.items()) if o == owner and x != t]
    line = appended(
        gen, "reader", "gettokens", {"owner": owner}, {"answer": "TOKENS", "tokens": others}
    )
    assert verdicts(line) == ("illegal", "illegal")


@FAST
@given(ledger_histories(pending=False), st.data())
def test_a_double_spend_is_illegal_both_ways(gen: Generated, data: st.DataObject) -> None:
    assume(gen.written)
    t, v, _ = data.draw(st.sampled_from(gen.written))
    payer = data.draw(st.sampled_from(["c1", "c2"]))
    line = appended(gen, payer, "pay", {"token": t, "to": "c1"}, {"answer": "OK", "version": v})
    assert verdicts(line) == ("illegal", "illegal")


@FAST
@given(ledger_histories(pending=False), st.data())
def test_a_pay_accepted_from_a_non_owner_is_illegal_both_ways(
    gen: Generated, data: st.DataObject
) -> None:
    t = data.draw(st.sampled_from(sorted(gen.final)))
    version, owner = gen.final[t]
    payer = "c2" if owner == "c1" else "c1"
    line = appended(
        gen, payer, "pay", {"token": t, "to": owner}, {"answer": "OK", "version": version + 1}
    )
    assert verdicts(line) == ("illegal", "illegal")


@FAST
@given(register_histories(pending=False))
def test_reading_the_initial_value_after_a_completed_write_is_illegal(gen: Generated) -> None:
    assume(gen.final["value"] != 0)  # something was written (values are unique, never 0)
    line = appended(gen, "reader", "read", {}, {"value": 0})
    assert check(parse_history(line), RegisterModel(cas=True)).verdict == "illegal"


@settings(max_examples=200, deadline=None)
@given(ledger_histories(), st.data())
def test_the_fast_path_and_the_general_search_agree_on_perturbed_histories(
    gen: Generated, data: st.DataObject
) -> None:
    """Change one output at random: whatever the verdict, both give the same."""
    rows = [r for r in gen.rows if r["type"] == "ok"]
    assume(rows)
    row = data.draw(st.sampled_from(rows))
    out = row["output"]
    if out["answer"] == "TOKENS":
        pairs = out["tokens"]
        choice = data.draw(st.integers(0, 2))
        if choice == 0 and pairs:
            pairs.pop(data.draw(st.integers(0, len(pairs) - 1)))
        elif choice == 1 and pairs:
            pairs[0][1] = max(1, pairs[0][1] + data.draw(st.sampled_from([-1, 1])))
        else:
            taken = {p[0] for p in pairs}
            free = [t for t in gen.final if t not in taken]
            assume(free)
            pairs.append([free[0], data.draw(st.integers(1, 4))])
            pairs.sort()
    else:
        out["version"] = max(1, out["version"] + data.draw(st.sampled_from([-1, 1])))
        if out["answer"] == "NOT_OWNER" and data.draw(st.booleans()):
            out["owner"] = data.draw(st.sampled_from(["c1", "c2", "c3"]))
    fast, general = verdicts([json.dumps(r) for r in [gen.header, *gen.rows]])
    assert fast == general


def _mid_history_anomaly(gen: Generated, kind: str, data: st.DataObject) -> bool:
    """Rewrite one answer in the middle of the history so that no interval can
    excuse it; False when this history offers no place for `kind`."""
    ops = []  # (invoke row, return row) in file order, per process
    open_calls: dict[str, dict[str, Any]] = {}
    for row in gen.rows:
        if row["type"] == "invoke":
            open_calls[row["process"]] = row
        else:
            ops.append((open_calls.pop(row["process"]), row))
    oks = [(i, r) for i, r in ops if r["output"].get("answer") == "OK"]
    refused = [(i, r) for i, r in ops if r["output"].get("answer") == "NOT_OWNER"]
    reads = [(i, r) for i, r in ops if r["output"].get("answer") == "TOKENS"]
    if kind == "stale read":  # a read after a completed pay sees the version before it
        pairs = [(p, g) for p in oks for g in reads if p[1]["time"] < g[0]["time"]]
        if not pairs:
            return False
        (pay_in, pay_out), (get_in, get_out) = data.draw(st.sampled_from(pairs))
        v = pay_out["output"]["version"]
        owner = next(
            (o for t, w, o in gen.written if t == pay_in["args"]["token"] and w == v - 1),
            f"c{pay_in['args']['token'] % gen.header['init']['clients'] + 1}",
        )
        get_in["args"] = {"owner": owner}
        get_out["output"] = {"answer": "TOKENS", "tokens": [[pay_in["args"]["token"], v - 1]]}
    elif kind == "lost write":  # a read after the last pay of a token misses it
        last = {}  # per token, the pay that wrote its highest version
        for p in sorted(oks, key=lambda p: p[1]["output"]["version"]):
            last[p[0]["args"]["token"]] = p
        pairs = [(p, g) for p in last.values() for g in reads if p[1]["time"] < g[0]["time"]]
        if not pairs:
            return False
        (pay_in, _), (get_in, get_out) = data.draw(st.sampled_from(pairs))
        get_in["args"] = {"owner": pay_in["args"]["to"]}
        get_out["output"] = {"answer": "TOKENS", "tokens": []}
    elif kind == "double spend":  # a refused pay answers a version another pay wrote
        written = {(t, v) for t, v, _ in gen.written}
        choices = [(q, v) for q in refused for t, v in written if t == q[0]["args"]["token"]]
        if not choices:
            return False
        (_, q_out), v = data.draw(st.sampled_from(choices))
        q_out["output"] = {"answer": "OK", "version": v}
    else:  # non-owner: a refused pay is accepted at the version it saw
        if not refused:
            return False
        _, q_out = data.draw(st.sampled_from(refused))
        q_out["output"] = {"answer": "OK", "version": q_out["output"]["version"] + 1}
    return True


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    ledger_histories(max_ops=14, pending=False),
    st.sampled_from(["stale read", "lost write", "double spend", "non-owner"]),
    st.data(),
)
def test_an_anomaly_in_the_middle_of_a_history_is_illegal_both_ways(
    gen: Generated, kind: str, data: st.DataObject
) -> None:
    assume(_mid_history_anomaly(gen, kind, data))
    assert verdicts(gen.lines()) == ("illegal", "illegal"), kind
