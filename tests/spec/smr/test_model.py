"""The SMR model on configurations small enough to count by hand, its steps
one at a time, and each property on a state built to break it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

import spec.smr
from checker.cli import main
from checker.errors import ParameterError
from checker.explore import explore
from checker.result import Verdict
from spec.smr import PROTOCOL
from spec.smr.actions import (
    ClientCrash,
    ClientReceiveReply,
    ClientSendNull,
    ClientSendRequest,
    ReplicaCrash,
    ReplicaReceive,
)
from spec.smr.model import SmrModel
from spec.smr.params import SmrParams
from spec.smr.properties import agreement, causal_order, order, validity
from spec.smr.state import Request, State


def _run(model: SmrModel, *actions: object) -> State:
    s = model.initial_states()[0]
    for a in actions:
        assert a in model.actions(s), f"{a} is not enabled"
        s = model.next_state(s, a)  # type: ignore[arg-type]
    return s


def test_one_replica_one_client_is_a_chain_of_send_receive_reply_per_request() -> None:
    # Per request: send, the replica receives and applies, the client takes the
    # reply: 3 steps; no null is ever offered (the client's last stamp is the latest).
    for requests, states in ((1, 4), (2, 7)):
        result = explore(SmrModel(SmrParams(replicas=1, clients=1, requests=requests)))
        assert result.verdict is Verdict.VERIFIED
        assert (result.stats.states, result.stats.transitions) == (states, states - 1)


def test_a_request_waits_for_a_later_stamp_from_the_other_client() -> None:
    model = SmrModel(SmrParams(replicas=1))
    s = _run(model, ClientSendRequest(0), ClientSendRequest(1), ReplicaReceive(0, 1))
    assert s.replicas[0].log == ()  # 1.c2 is not stable: nothing heard from c1 yet
    s = model.next_state(s, ReplicaReceive(0, 0))
    # 1.c1 is stable (c2 sent 1.c2, later); 1.c2 still waits for c1.
    assert s.replicas[0].log == ((1, 0),)
    assert ClientSendNull(0) in model.actions(s) and ClientSendNull(1) not in model.actions(s)
    s = _run(model, ClientSendRequest(0), ClientSendRequest(1), ReplicaReceive(0, 0))
    s = model.next_state(model.next_state(s, ReplicaReceive(0, 1)), ClientSendNull(0))
    assert s.links[0][0][-1].clock == 2  # the null is stamped past the latest request, 1.c2
    s = model.next_state(s, ReplicaReceive(0, 0))
    assert s.replicas[0].log == ((1, 0), (1, 1))


def test_a_crash_notice_lets_a_replica_stop_waiting_for_that_client() -> None:
    model = SmrModel(SmrParams(replicas=1, client_crashes=1))
    s = _run(model, ClientSendRequest(0), ClientCrash(1), ReplicaReceive(0, 0))
    assert s.replicas[0].log == ()
    s = model.next_state(s, ReplicaReceive(0, 1))
    assert s.replicas[0].gone == (False, True)
    assert s.replicas[0].log == ((1, 0),)
    assert model.is_quiescent(model.next_state(s, ClientReceiveReply(0, 0)))


def test_a_crashed_replica_loses_its_input_and_keeps_its_log() -> None:
    model = SmrModel(SmrParams(replicas=2, clients=1))
    s = _run(model, ClientSendRequest(0), ReplicaReceive(0, 0), ReplicaCrash(0))
    assert s.replicas[0].log == ((1, 0),) and not s.replicas[0].live
    assert ReplicaCrash(1) not in model.actions(s)  # at most t-1 = 1 crash
    assert [type(a) for a in model.actions(s)] == [ReplicaReceive, ClientReceiveReply]


def test_quiescence_needs_every_live_replica_to_apply_every_request() -> None:
    model = SmrModel(SmrParams(replicas=2, clients=1))
    s = _run(model, ClientSendRequest(0), ReplicaReceive(0, 0), ClientReceiveReply(0, 0))
    assert not model.is_quiescent(s)
    assert model.is_quiescent(model.next_state(s, ReplicaReceive(1, 0)))


def _with_logs(*logs: tuple[tuple[int, int], ...]) -> State:
    model = SmrModel(SmrParams(replicas=len(logs)))
    s = _run(model, ClientSendRequest(0), ClientSendRequest(1))
    replicas = tuple(replace(x, log=log) for x, log in zip(s.replicas, logs, strict=True))
    return replace(s, replicas=replicas)


def test_the_properties_hold_on_logs_that_are_prefixes_in_timestamp_order() -> None:
    s = _with_logs(((1, 0), (1, 1)), ((1, 0),))
    assert [agreement(s), order(s), causal_order(s), validity(s)] == [None] * 4


def test_agreement_names_the_first_position_where_logs_differ() -> None:
    s = _with_logs(((1, 0),), ((1, 1),))
    assert agreement(s) == "r1 and r2 applied different requests at position 1: 1.c1 and 1.c2"


def test_order_catches_a_log_out_of_timestamp_order() -> None:
    s = _with_logs(((1, 1), (1, 0)))
    assert order(s) == "r1 applied 1.c1 after 1.c2, against timestamp order"


def test_validity_catches_an_unsent_request_and_a_duplicate() -> None:
    assert validity(_with_logs(((2, 0),))) == ("r1 applied 2.c1, which no client sent as a request")
    assert validity(_with_logs(((1, 0), (1, 0)))) == "r1 applied 1.c1 twice"


def test_causal_order_catches_a_request_applied_before_one_that_happened_before_it() -> None:
    s = _with_logs(((1, 1),))
    # c2's request 1.c2 had seen c1's first request.
    s = replace(s, requests=(s.requests[0], (Request(1, (1, 0)),)))
    assert causal_order(s) == "r1 applied 1.c2 before 1.c1, which happened before it"


def test_replica_crashes_are_bounded_by_t_minus_1() -> None:
    with pytest.raises(ParameterError, match="replica_crashes"):
        SmrParams(replicas=2, replica_crashes=2).validated()


def test_check_model_runs_the_smr_protocol_and_its_mutants() -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["model", "--protocol", "smr", "--config", "SM3", "--quiet"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(main, ["model", "--protocol", "smr", "--mutant", "apply-nulls", "--quiet"])
    assert bad.exit_code == 1
    assert "violated Validity" in bad.output
    usage = runner.invoke(main, ["model", "--protocol", "smr", "--replica-crashes", "5"])
    assert usage.exit_code == 2


def test_a_model_where_nothing_is_requested_fails_its_sometimes_property() -> None:
    result = explore(SmrModel(SmrParams(requests=0)))
    assert result.verdict is Verdict.VIOLATED
    # The initial state and the crash of either replica (t-1 = 1 may crash).
    assert (result.stats.states, result.unmet_sometimes) == (3, ("RequestApplied",))


def test_mutants_are_switches_the_model_code_never_names() -> None:
    folder = Path(spec.smr.__file__).parent
    code = "".join(p.read_text() for p in folder.glob("*.py") if p.name != "__init__.py")
    fields = {p.name for p in PROTOCOL.parameters}
    for mutant in PROTOCOL.mutants:
        assert mutant.name not in code
        assert set(mutant.overrides) <= fields
