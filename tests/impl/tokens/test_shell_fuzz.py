"""Fuzz: malformed lines change nothing (issue 15).

A seeded generator makes thousands of malformed shell lines of many kinds
(unknown commands, wrong argument counts, bad tokens in every digit system,
unknown or wrong-role nodes, refused fault sets, broken quoting, over-long
lines) and interleaves them with a fixed script of valid commands. The run
must print exactly what the valid script alone prints once the `error:`
lines are removed, end in the same stores, reject every malformed line
once, and never raise.
"""

from __future__ import annotations

import io
import random

import pytest

from impl.tokens.config import Params
from impl.tokens.shell import MAX_LINE, Shell

# s1 and s2 stay servers and c1..c4 stay clients throughout VALID.
VALID = [
    "pay c1 0 c2",
    "gettokens c3 c2",
    "transform c6",
    "pay c2 0 c3",
    "faults set s2",
    "pay c3 0 c4",
    "status",
    "transform s5",
    "gettokens c4 c4",
    "token_status s1",
    "faults",
    "help pay",
    "pay c4 0 c1",
]

_BAD_TOKENS = ["60", "-1", "1.0", "0x1", "1e2", "²", "①", "₃", "٣", "３", "9" * 7, "zero", "+1"]
_NOT_CLIENTS = ["c9", "s9", "x", "manager", "s1", "s2", "C1", "c01", "c1;", "ç1"]


def _junk(rng: random.Random) -> str:
    """One malformed line; never blank, never a comment, never a newline."""
    client = rng.choice(["c1", "c2", "c3", "c4"])
    other = rng.choice([c for c in ("c1", "c2", "c3", "c4") if c != client])
    kind = rng.randrange(14)
    if kind == 0:  # unknown command
        letters = "abcdefghijklmnopqrstuvwxyz_-!?"
        word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 12)))
        return word if word not in {"pay", "gettokens", "transform", "status", "token_status",
                                    "faults", "help", "close"} else word + "x"  # fmt: skip
    if kind == 1:  # a known command with the wrong number of arguments
        return rng.choice(
            ["pay", f"pay {client}", f"pay {client} 0", f"pay {client} 0 {other} extra",
             "gettokens", f"gettokens {client}", f"gettokens {client} {other} x", "transform",
             "transform c5 c6", "status now", "token_status", "token_status s1 s2",
             "help pay gettokens", "close now"]
        )  # fmt: skip
    if kind == 2:  # a bad token
        return f"pay {client} {rng.choice(_BAD_TOKENS)} {other}"
    if kind == 3:  # a payer that is not a client
        return f"pay {rng.choice(_NOT_CLIENTS)} 0 {other}"
    if kind == 4:  # a payee that is not a client, or the payer itself
        return f"pay {client} 0 {rng.choice([*_NOT_CLIENTS, client])}"
    if kind == 5:  # gettokens from or about a non-client
        if rng.random() < 0.5:
            return f"gettokens {rng.choice(_NOT_CLIENTS)} {client}"
        return f"gettokens {client} {rng.choice(_NOT_CLIENTS)}"
    if kind == 6:  # the store of a non-server
        return f"token_status {rng.choice(['c1', 'c2', 'x', 'manager', 's9'])}"
    if kind == 7:  # a role change of nobody
        return f"transform {rng.choice(['manager', 'x', 's9', 'c9', 'S1'])}"
    if kind == 8:  # faults: a bad subcommand, non-servers, too many
        return rng.choice(
            ["faults clear", "faults list", "faults set c1", "faults set s9",
             "faults set s1 s2 s3", "faults set manager", "faults set s1 c2"]
        )  # fmt: skip
    if kind == 9:  # help about nothing
        return f"help {rng.choice(['x', 'pays', 'PAY', 'shell'])}"
    if kind == 10:  # broken quoting
        return rng.choice([f'pay "{client} 0 {other}', f"pay '{client} 0 {other}", 'gettokens "c1',
                           "'", '"', f"pay {client} 0 {other}\\"])  # fmt: skip
    if kind == 11:  # over the line limit
        return f"pay {client} 0 {other}" + " " * (MAX_LINE + rng.randint(0, 50))
    if kind == 12:  # control characters and odd whitespace glued into a word
        glue = rng.choice(["\x00", "\x1b", "\x07", "\u00a0", "\u200b", "\ufeff"])
        return f"pay {client}{glue} 0 {other}"
    # kind 13: a valid command's words shuffled into an invalid order
    return rng.choice([f"{client} pay 0 {other}", f"0 pay {client} {other}",
                       f"pay 0 {client} {other}", f"pay {client} {other} 0",
                       f"gettokens pay {client}"])  # fmt: skip


def _run(lines: list[str]) -> tuple[str, Shell]:
    out = io.StringIO()
    shell = Shell(Params(servers=5, drop=0.3, seed=3), out, mode="step")
    shell.run([*lines, "close"])
    return out.getvalue(), shell


def fuzz(total: int, seed: int) -> None:
    rng = random.Random(seed)
    junk = [_junk(rng) for _ in range(total)]
    lines: list[str] = []
    per = total // len(VALID)
    for i, command in enumerate(VALID):
        lines.extend(junk[i * per : (i + 1) * per])
        lines.append(command)
    lines.extend(junk[len(VALID) * per :])
    clean_out, clean = _run(VALID)
    fuzzed_out, fuzzed = _run(lines)
    assert "error:" not in clean_out, clean_out
    assert clean.bad_commands == 0
    rejected = f"{total} commands rejected (each printed an error; none ran)"
    kept = [line for line in fuzzed_out.splitlines() if not line.startswith("error:")]
    assert kept == [*clean_out.splitlines(), rejected]
    assert fuzzed.bad_commands == total  # every malformed line rejected, once
    assert fuzzed.completed == clean.completed
    assert fuzzed.cluster.stores() == clean.cluster.stores()
    assert fuzzed.cluster.configuration() == clean.cluster.configuration()
    assert fuzzed.exit_code == clean.exit_code == 0
    assert "Traceback" not in fuzzed_out


def test_ten_thousand_malformed_lines_change_no_state_and_no_answer() -> None:
    fuzz(10_000, seed=15)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fifty_thousand_more_malformed_lines_on_other_seeds(seed: int) -> None:
    fuzz(50_000, seed=seed)
