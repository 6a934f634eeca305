"""`check quorums`: z3 proofs of the quorum arithmetic, one row per n.

    check quorums                          # majority quorums, n = 3..7, all proven
    check quorums --quorum-rule half       # the small-quorum mutant: refuted, with sets
    check quorums --no-transfer            # two or three changes without state transfer
    check quorums --read-quorum 2 --write-quorum 4 --faulty 1 --min 3 --max 5

Exit 0 everything asked is proven, 1 something is refuted (the counterexample
is printed under its row), 2 bad usage, 3 z3 answered unknown.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import click
from click.core import ParameterSource

from checker.cli.interrupt import first_interrupt_stops, stop_requested
from checker.cli.registry import all_protocols
from checker.cli.suite import suite_part, worst_exit_code
from checker.progress import ProgressLine
from checker.quorums import (
    DEFAULT,
    MAX_CHAIN,
    MAX_SERVERS,
    RULES,
    InvalidQuorumConfig,
    QuorumConfig,
    QuorumRule,
    check_quorums,
    fixed_rule,
    flexible_rule,
)
from checker.quorums.render import to_json, to_text

# QuorumConfig's fields (and the rule builders' arguments) to the options.
_OPTIONS = {
    "min_n": "--min",
    "max_n": "--max",
    "chain": "--chain",
    "faulty": "--faulty",
    "quorum": "--quorum",
    "read": "--read-quorum",
    "write": "--write-quorum",
}


@click.command("quorums")
@click.option(
    "--min",
    "min_n",
    type=int,
    default=DEFAULT.min_n,
    show_default=True,
    help=f"Smallest number of servers (1..{MAX_SERVERS}).",
)
@click.option(
    "--max",
    "max_n",
    type=int,
    default=DEFAULT.max_n,
    show_default=True,
    help=f"Largest number of servers (--min..{MAX_SERVERS}).",
)
@click.option(
    "--quorum",
    "quorum",
    type=int,
    default=None,
    help="A fixed quorum size for every n instead of a rule.",
)
@click.option(
    "--quorum-rule",
    type=click.Choice(sorted(RULES)),
    default="majority",
    show_default=True,
    help="majority: n//2 + 1 (the protocol); half: n//2.",
)
@click.option(
    "--no-transfer",
    is_flag=True,
    help="Changes carry no state: joiners start from the initial store.",
)
@click.option(
    "--read-quorum",
    "read",
    type=int,
    default=None,
    help="Flexible quorums: reads wait for R servers (with --write-quorum).",
)
@click.option(
    "--write-quorum",
    "write",
    type=int,
    default=None,
    help="Flexible quorums: writes wait for W servers (with --read-quorum).",
)
@click.option(
    "--faulty",
    type=int,
    default=None,
    help="Faulty servers for availability (default maxf(n) = (n-1)//2).",
)
@click.option(
    "--chain",
    type=int,
    default=DEFAULT.chain,
    show_default=True,
    help=f"Most successive changes in the chain obligation (1..{MAX_CHAIN}).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def quorums(
    ctx: click.Context,
    min_n: int,
    max_n: int,
    quorum: int | None,
    quorum_rule: str,
    no_transfer: bool,
    read: int | None,
    write: int | None,
    faulty: int | None,
    chain: int,
    as_json: bool,
) -> None:
    """Prove, with z3, for every n in --min..--max: quorum intersection,
    availability under faults, a join, a leave and chains of changes."""
    rule_given = ctx.get_parameter_source("quorum_rule") is not ParameterSource.DEFAULT
    try:
        rule = _rule(quorum, quorum_rule, rule_given, read, write)
        config = QuorumConfig(min_n, max_n, rule, not no_transfer, chain, faulty)
    except InvalidQuorumConfig as error:
        option = _OPTIONS.get(error.field, error.field)
        allowed = error.allowed
        for field in ("min_n", "max_n"):
            allowed = allowed.replace(field, _OPTIONS[field])  # speak in options, not fields
        raise click.BadParameter(
            f"{error.value!r} is not allowed: {allowed}", param_hint=f"'{option}'"
        ) from None
    with (
        ProgressLine() as line,
        first_interrupt_stops() as stop,
        progress_ticker(line, len(config.sizes)) as on_row,
    ):
        report = check_quorums(config, should_stop=stop, on_row=on_row)
    click.echo(json.dumps(to_json(report), indent=2) if as_json else to_text(report))
    sys.exit(report.exit_code)


@contextlib.contextmanager
def progress_ticker(line: ProgressLine, sizes: int) -> Iterator[Callable[[int, int], None]]:
    """A live line, redrawn every 0.5 s by a thread (a z3 call can take many
    seconds and releases the GIL); yields the `on_row` callback that feeds it."""
    now = {"n": 0, "done": 0}
    started = time.perf_counter()
    finished = threading.Event()

    def tick() -> None:
        while not finished.wait(0.5):
            elapsed = time.perf_counter() - started
            text = f"proving n = {now['n']}: {now['done']}/{sizes} sizes done, {elapsed:.0f} s"
            line.show(text, elapsed)

    def on_row(n: int, done: int) -> None:
        now.update(n=n, done=done)

    ticker = threading.Thread(target=tick, name="quorums-progress", daemon=True)
    ticker.start()
    try:
        yield on_row
    finally:
        finished.set()
        ticker.join()


def _rule(
    quorum: int | None, rule_name: str, rule_given: bool, read: int | None, write: int | None
) -> QuorumRule:
    """The one quorum rule the options ask for; conflicting options are usage errors."""
    if (read is None) != (write is None):
        raise click.UsageError(
            "--read-quorum and --write-quorum go together: give both (flexible quorums) or neither"
        )
    if read is not None and write is not None:
        if quorum is not None or rule_given:
            raise click.UsageError(
                "--read-quorum/--write-quorum replace --quorum and --quorum-rule: give one of them"
            )
        return flexible_rule(read, write)
    if quorum is not None:
        if rule_given:
            raise click.UsageError(
                f"--quorum {quorum} and --quorum-rule {rule_name} both set the quorum size:"
                " give one of them"
            )
        return fixed_rule(quorum)
    return RULES[rule_name]


@suite_part("quorum proofs")
def quorum_proofs() -> int:
    """What each protocol declares it needs of its quorum system (for the
    token protocol: majority quorums, n = 3..7, chains of up to 3 changes)."""
    codes = []
    for protocol in all_protocols().values():
        needs = protocol.quorums
        if needs is None:
            continue
        click.echo(f"-- {protocol.name}: n = {needs.min_n}..{needs.max_n}, chain {needs.chain}")
        config = replace(DEFAULT, min_n=needs.min_n, max_n=needs.max_n, chain=needs.chain)
        report = check_quorums(config, should_stop=stop_requested)
        click.echo(to_text(report))
        codes.append(report.exit_code)
    return worst_exit_code(codes)
