"""The shell, driven through a pipe of lines, as a script or a test would."""

from __future__ import annotations

import io

from impl.tokens.config import Params
from impl.tokens.shell import Shell


def run_shell(lines: list[str], mode: str = "step", **params: object) -> tuple[int, str, Shell]:
    out = io.StringIO()
    shell = Shell(Params(**params), out, mode=mode)  # type: ignore[arg-type]
    code = shell.run(line + "\n" for line in lines)
    return code, out.getvalue(), shell


def test_pay_by_the_owner_succeeds_and_a_second_pay_is_not_owner() -> None:
    code, out, _ = run_shell(["pay c1 0 c2", "pay c1 0 c3", "close"], drop=0.5)
    assert "c1: pay(0, c2) -> OK(2)" in out
    assert "c1: pay(0, c3) -> NOT_OWNER(2, c2)" in out
    assert code == 0


def test_gettokens_lists_the_owners_tokens_with_versions() -> None:
    _, out, _ = run_shell(["pay c1 0 c2", "gettokens c3 c2", "close"])
    expected = "[(0, 2), " + ", ".join(f"({t}, 1)" for t in range(1, 60, 6)) + "]"
    assert f"c3: gettokens(c2) -> {expected}" in out


def test_transform_refuses_below_three_and_above_seven_servers_and_says_why() -> None:
    _, out, _ = run_shell(["transform s1"], servers=3)
    assert "s1 cannot leave: there are 3 servers, at least 3 must stay" in out
    lines = [f"transform c{i}" for i in (1, 2, 3)]
    _, out, _ = run_shell(lines, servers=5, faulty=())
    assert "transform(c1) -> installed epoch 1: servers s1, s2, s3, s4, s5, c1" in out
    assert "transform(c2) -> installed epoch 2" in out
    assert "c3 cannot join: there are already 7 servers, at most 7 allowed" in out


def test_transform_refuses_a_change_that_breaks_the_fault_bound() -> None:
    # 5 servers with 2 faulty: removing a correct one leaves 4 servers, maxf(4) = 1
    _, out, shell = run_shell(["transform s1", "status"], servers=5, faulty=("s4", "s5"))
    assert "would hold 2 faulty servers (s4, s5), more than maxf(4) = 1" in out
    assert "epoch 0: servers s1, s2, s3, s4, s5" in out
    assert shell.completed == []


def test_a_leaving_server_becomes_a_client_that_can_be_paid() -> None:
    _, out, _ = run_shell(["transform s1", "pay c1 0 s1", "gettokens s1 s1", "close"], faulty=())
    assert "installed epoch 1: servers s2, s3, s4, s5" in out
    assert "c1: pay(0, s1) -> OK(2)" in out
    assert "s1: gettokens(s1) -> [(0, 2)]" in out
    assert "same final ownership of all 60 tokens" in out


def test_status_shows_role_epoch_and_faultiness_of_every_node() -> None:
    _, out, _ = run_shell(["transform c6", "status"], servers=3, faulty=("s2",))
    assert "s2   server  epoch 1   faulty" in out
    assert "c6   server  epoch 1   correct" in out
    assert "c1   client  epoch -   correct  idle" in out


def test_token_status_prints_the_servers_store() -> None:
    _, out, _ = run_shell(["pay c1 6 c2", "token_status s1"], faulty=())
    assert " 6:v2 c2" in out
    assert "59:v1 c6" in out


def test_faults_shows_and_sets_within_the_bound() -> None:
    _, out, _ = run_shell(["faults", "faults set s1 s3", "faults set s1 s2 s3", "faults set"])
    assert "faulty: s1, s3 (at most maxf(5) = 2)" in out
    assert "3 faulty servers, but 5 servers tolerate at most maxf(5) = 2" in out
    shown = [line for line in out.splitlines() if line.startswith("faulty:")]
    assert shown[-1] == "faulty: none (at most maxf(5) = 2)"


def test_bad_commands_print_usage_and_change_nothing() -> None:
    bad = [
        "bogus",
        "pay c1 0",
        "pay c1 zero c2",
        "pay c1 60 c2",
        "pay c9 0 c2",
        "pay c1 0 c1",
        "pay s1 0 c2",
        "gettokens c1 s1",
        "token_status c1",
        "transform manager",
        "faults clear",
        'pay "c1 0',
        "help nothing",
    ]
    code, out, shell = run_shell([*bad, "token_status s1", "close"], faulty=())
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == len(bad), out
    assert "usage: pay <client> <token> <to>" in errors[1]
    assert "token: expected 0..59, got 60" in errors[3]
    assert "c1 cannot pay itself" in errors[5]
    assert "s1 is a server now, not a client" in errors[6]
    assert shell.bad_commands == len(bad)
    assert shell.completed == []
    assert " 0:v1 c1" in out  # nothing was paid
    assert code == 0


def test_close_reruns_the_accepted_commands_and_compares_ownership() -> None:
    code, out, _ = run_shell(
        ["pay c1 0 c2", "transform c3", "pay c2 0 c4", "transform s1", "pay c4 0 c5", "close"],
        drop=0.6,
    )
    assert (
        "re-ran 5 commands without faults or delays: same final ownership of all 60 tokens" in out
    )
    assert code == 0


def test_end_of_input_closes_like_close() -> None:
    code, out, _ = run_shell(["pay c1 0 c2"])
    assert "re-ran 1 commands" in out
    assert code == 0


def test_the_threaded_shell_answers_the_same_as_the_step_one() -> None:
    lines = ["pay c1 0 c2", "pay c1 0 c3", "transform c3", "pay c2 0 c4", "close"]
    code, out, _ = run_shell(lines, mode="threaded", drop=0.5, max_delay=0.002)
    assert "c1: pay(0, c3) -> NOT_OWNER(2, c2)" in out
    assert "c2: pay(0, c4) -> OK(3)" in out
    assert code == 0


def test_non_ascii_digits_are_rejected_as_tokens() -> None:
    bad = ["pay c1 ² c2", "pay c1 ① c2", "pay c1 ₃ c2", "pay c1 ٣ c2", "pay c1 ３ c2"]
    code, out, shell = run_shell([*bad, "token_status s1", "close"], faulty=())
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == len(bad), out
    assert all("error: pay: token: expected a number 0..59" in e for e in errors)
    assert shell.completed == []
    assert " 3:v1 c4" in out  # token 3 was not paid
    assert code == 0


def test_a_token_of_thousands_of_digits_is_rejected_without_a_crash() -> None:
    # 4050 digits fit in a line; 5000 are a line over the limit (int() would raise)
    lines = ["pay c1 " + "9" * 4050 + " c2", "pay c1 " + "0" * 4050 + " c2"]
    _, out, shell = run_shell([*lines, "pay c1 " + "9" * 5000 + " c2"])
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 3, out
    assert all("error: pay: token: expected a number 0..59" in e for e in errors[:2])
    assert "longer than 4096 characters" in errors[2]
    assert len(max(out.splitlines(), key=len)) < 200  # the number is not echoed whole
    assert shell.completed == []


def test_a_line_over_the_limit_is_rejected_at_once_naming_the_limit() -> None:
    import time

    from impl.tokens.shell import MAX_LINE

    assert MAX_LINE == 4096
    start = time.perf_counter()
    pay = "pay c1 0 c2"
    lines = ["x" * 10**6, pay + " " * (MAX_LINE + 1 - len(pay)), pay + " " * (MAX_LINE - len(pay))]
    _, out, shell = run_shell([*lines, "close"])
    assert time.perf_counter() - start < 5
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, out
    assert "longer than 4096 characters" in errors[0]
    assert "limit 4096" in errors[1]
    assert len(shell.completed) == 1  # a line of exactly the limit is accepted
