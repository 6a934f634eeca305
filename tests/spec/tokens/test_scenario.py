"""Scenarios (--workload, --transforms), Config validation and warnings, and
the sometimes-properties that keep a vacuous model from passing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from checker.explore import explore
from checker.result import Verdict
from spec.tokens.config import Config
from spec.tokens.errors import ConfigError, ScenarioError
from spec.tokens.model import TokenModel
from spec.tokens.scenario import GETTOKENS, PAY, ScriptedOp, parse_transforms, parse_workload
from spec.tokens.standard import S1, S3A, STANDARD_CONFIGS
from spec.tokens.state import IDLE, Client, Server
from tests.spec.tokens.helpers import reachable_states

NODES = ["s1", "s2", "s3", "c1", "c2"]

# Workload parsing


def test_workload_parses_each_nodes_operations_in_order() -> None:
    workload = parse_workload("c1: pay(0,c2); c2: gettokens(c2), gettokens(c1)", NODES, 1)
    assert workload == {
        "c1": (ScriptedOp(PAY, 0, "c2"),),
        "c2": (ScriptedOp(GETTOKENS, None, "c2"), ScriptedOp(GETTOKENS, None, "c1")),
    }


def test_workload_allows_spaces_and_an_empty_trailing_entry() -> None:
    workload = parse_workload("  s2 : pay( 1 , c1 ) , gettokens( c1 ) ; ", NODES, 2)
    assert workload == {"s2": (ScriptedOp(PAY, 1, "c1"), ScriptedOp(GETTOKENS, None, "c1"))}


def test_scripted_ops_print_as_they_are_written() -> None:
    workload = parse_workload("c1: pay(0,c2), gettokens(c1)", NODES, 1)
    assert [str(op) for op in workload["c1"]] == ["pay(0,c2)", "gettokens(c1)"]


@pytest.mark.parametrize(
    ("text", "part", "problem"),
    [
        ("c1 pay(0,c2)", "c1 pay(0,c2)", "expected 'NODE: OP, OP'"),
        ("c9: pay(0,c1)", "c9", "unknown node 'c9'"),
        ("c1: pay(0,c9)", "pay(0,c9)", "unknown node 'c9'"),
        ("c1: gettokens(zz)", "gettokens(zz)", "unknown node 'zz'"),
        ("c1: pay(1,c2)", "pay(1,c2)", "token 1 does not exist"),
        ("c1: pay(0,c1)", "pay(0,c1)", "c1 cannot pay itself"),
        ("c1: pay(0", "pay(0", "expected pay(TOKEN,PAYEE) or gettokens(OWNER)"),
        ("c1: send(0,c2)", "send(0,c2)", "expected pay(TOKEN,PAYEE) or gettokens(OWNER)"),
        ("c1: pay(x,c2)", "pay(x,c2)", "expected pay(TOKEN,PAYEE) or gettokens(OWNER)"),
        ("c1:", "c1:", "no operation given for c1"),
        ("c1: pay(0,c2); c1: gettokens(c1)", "c1: gettokens(c1)", "c1 is listed twice"),
        (" ; ", " ; ", "no operation given"),
    ],
)
def test_a_bad_workload_raises_a_scenario_error_naming_the_part(
    text: str, part: str, problem: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_workload(text, NODES, 1)
    assert caught.value.option == "--workload"
    assert caught.value.part == part
    assert problem in caught.value.problem
    assert repr(part) in str(caught.value)


# Transforms parsing


def test_transforms_parse_into_the_nodes_in_order() -> None:
    assert parse_transforms("c2, s2", NODES) == ("c2", "s2")
    assert parse_transforms(" s1 ,", NODES) == ("s1",)


@pytest.mark.parametrize(
    ("text", "part", "problem"),
    [
        ("zz", "zz", "unknown node 'zz'"),
        ("c2, s9", "s9", "unknown node 's9'"),
        (" , ", " , ", "expected node names"),
    ],
)
def test_bad_transforms_raise_a_scenario_error_naming_the_part(
    text: str, part: str, problem: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_transforms(text, NODES)
    assert caught.value.option == "--transforms"
    assert caught.value.part == part
    assert problem in caught.value.problem


def test_the_model_rejects_a_workload_naming_an_unknown_node() -> None:
    with pytest.raises(ScenarioError, match="'c3'"):
        TokenModel(replace(S1, workload="c3: gettokens(c1)"))


def test_the_model_rejects_more_transforms_than_reconfigs_allows() -> None:
    with pytest.raises(ConfigError) as caught:
        TokenModel(replace(S1, reconfigs=1, max_servers=5, transforms="c2, s2"))
    assert caught.value.option == "reconfigs"
    assert "2 changes" in caught.value.allowed


# Config validation


@pytest.mark.parametrize(
    ("overrides", "option", "allowed"),
    [
        ({"faulty": 4}, "faulty", "at most servers (3)"),
        ({"faulty": -1}, "faulty", "0 or more"),
        (
            {"min_servers": 5, "max_servers": 4, "servers": 4},
            "min_servers",
            "at most max_servers (4)",
        ),
        ({"servers": 2}, "servers", "between min_servers (3) and max_servers (7)"),
        ({"servers": 8}, "servers", "between min_servers (3) and max_servers (7)"),
        (
            {"servers": 4, "max_servers": 3},
            "servers",
            "between min_servers (3) and max_servers (3)",
        ),
        ({"servers": -1}, "servers", "0 or more"),
        ({"clients": -1}, "clients", "0 or more"),
        ({"tokens": -1}, "tokens", "0 or more"),
        ({"ops": -1}, "ops", "0 or more"),
        ({"reconfigs": -1}, "reconfigs", "0 or more"),
        ({"tokens": 0}, "tokens", "at least 1"),
        ({"reconfig": "slow"}, "reconfig", "one of messages, atomic"),
    ],
)
def test_a_bad_config_raises_a_config_error_naming_the_option_and_the_allowed_range(
    overrides: dict[str, Any], option: str, allowed: str
) -> None:
    config = replace(Config(), **overrides)
    with pytest.raises(ConfigError) as caught:
        config.validated()
    assert caught.value.option == option
    assert allowed in caught.value.allowed
    assert str(caught.value).startswith(f"{option}=")


def test_validation_fills_faulty_with_the_most_the_servers_tolerate() -> None:
    assert Config(servers=3).validated().faulty == 1
    assert Config(servers=5).validated().faulty == 2
    assert Config(servers=4, max_servers=4).validated().faulty == 1


@pytest.mark.parametrize(
    ("servers", "faulty", "warns"),
    [(3, 1, False), (3, 2, True), (4, 1, False), (4, 2, True), (5, 2, False), (5, 3, True)],
)
def test_faulty_at_least_half_the_servers_warns_that_liveness_needs_fewer(
    servers: int, faulty: int, warns: bool
) -> None:
    warnings = Config(servers=servers, faulty=faulty).validated().warnings()
    if warns:
        assert len(warnings) == 1
        assert f"faulty={faulty}" in warnings[0]
        assert "liveness" in warnings[0]
    else:
        assert warnings == []


def test_f2_warns_and_s1_does_not() -> None:
    assert STANDARD_CONFIGS["F2"].config.validated().warnings() != []
    assert S1.validated().warnings() == []


# The workload restricts what starts


def test_a_gettokens_workload_starts_only_that_operation_and_only_once() -> None:
    model = TokenModel(replace(S1, workload="c1: gettokens(c1)"))
    states = reachable_states(model)
    c1, c2 = 3, 4
    ops = {s.nodes[c1].op for s in states if s.nodes[c1].phase != IDLE}
    assert ops == {(GETTOKENS, 0, c1)}
    assert all(s.nodes[c2].phase == IDLE and s.started[c2] == 0 for s in states)
    assert max(s.started[c1] for s in states) == 1
    # It does start and complete, and linearized never moves (no pay).
    assert any(s.nodes[c1].phase == IDLE and s.started[c1] == 1 for s in states)
    assert all(s.linearized == (1,) for s in states)
    assert explore(model).stats.states == len(states)


def test_a_workload_runs_each_clients_ops_in_order_beyond_the_ops_budget() -> None:
    model = TokenModel(replace(S1, ops=1, workload="c2: pay(0,c1), gettokens(c2)"))
    states = reachable_states(model)
    c1, c2 = 3, 4
    assert all(s.started[c1] == 0 for s in states)
    first = {s.nodes[c2].op for s in states if s.started[c2] == 1 and s.nodes[c2].phase != IDLE}
    second = {s.nodes[c2].op for s in states if s.started[c2] == 2 and s.nodes[c2].phase != IDLE}
    assert first == {(PAY, 0, c1)}
    assert second == {(GETTOKENS, 0, c2)}


def test_the_unrestricted_s1_model_starts_every_kind_of_operation() -> None:
    states = reachable_states(TokenModel(S1))
    started_ops = {
        (i, n.op) for s in states for i, n in enumerate(s.nodes) if type(n) is Client and n.op
    }
    c1, c2 = 3, 4
    assert started_ops == {
        (c1, (PAY, 0, c2)),
        (c1, (GETTOKENS, 0, c1)),
        (c1, (GETTOKENS, 0, c2)),
        (c2, (PAY, 0, c1)),
        (c2, (GETTOKENS, 0, c1)),
        (c2, (GETTOKENS, 0, c2)),
    }


def test_transforms_fix_which_node_changes_role() -> None:
    model = TokenModel(replace(S3A, ops=0, transforms="c2"))
    states = reachable_states(model)
    configurations = {s.servers for s in states}
    assert configurations == {(0, 1, 2), (0, 1, 2, 4)}
    assert all(type(s.nodes[3]) is Client for s in states)
    assert any(type(s.nodes[4]) is Server for s in states)


# Sometimes properties


def test_a_model_with_no_operations_is_violated_as_vacuous() -> None:
    result = explore(TokenModel(replace(S1, ops=0)))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample is None
    assert result.unmet_sometimes == ("OperationCompletes",)


def test_a_workload_without_pay_does_not_ask_for_a_pay_to_complete() -> None:
    with_pay = [p.name for p in TokenModel(S1).sometimes]
    without = [p.name for p in TokenModel(replace(S1, workload="c1: gettokens(c1)")).sometimes]
    assert with_pay == ["OperationCompletes", "PayCompletes", "PayMovesToken", "GettokensAnswers"]
    assert without == ["OperationCompletes", "GettokensAnswers", "ScriptCompletes"]
    result = explore(TokenModel(replace(S1, workload="c1: gettokens(c1)")))
    assert result.verdict is Verdict.VERIFIED


def test_script_completes_asks_for_exactly_the_scripted_operations_and_nothing_pending() -> None:
    # W3: c1 pays once, c2 asks gettokens twice (node ids: c1 = 3, c2 = 4).
    model = TokenModel(replace(S1, workload="c1: pay(0,c2); c2: gettokens(c2), gettokens(c2)"))
    check = next(p.check for p in model.sometimes if p.name == "ScriptCompletes")
    initial = model.initial_states()[0]
    assert not check(initial)
    assert check(initial._replace(started=(0, 0, 0, 1, 2)))
    assert not check(initial._replace(started=(0, 0, 0, 1, 1)))  # c2's second op not run
    assert not check(initial._replace(started=(0, 0, 0, 2, 2)))  # an op the script lacks
