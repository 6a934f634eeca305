"""`check generals`: the Byzantine generals beyond exhaustive search.

    check generals prove --max-n 10 --max-m 3   # z3: proven exactly where n > 3m
    check generals shell 7                      # threaded generals and their console
    check generals trace run.jsonl              # an order's recorded run against OM(m)

The commands reach the protocol through its descriptor's tools
(`lookup("generals").tool("prove")`), never by importing spec/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from checker.cli.registry import lookup
from checker.cli.types import Finite

PROTOCOL = "generals"
MAX_N, MAX_M = 13, 4  # n=13 m=4 takes z3 about 12 s
ORDER_NAMES = ("retreat", "attack")


@click.group("generals")
def generals() -> None:
    """The Byzantine generals: z3 proofs of OM(m), the threaded generals'
    shell, and their traces checked against the model."""


def _name(g: int) -> str:
    return f"g{g + 1}"


def _witness_lines(cell: Any, replayed: Any) -> list[str]:
    w = cell.witness
    traitors = ",".join(_name(g) for g in w.traitors)
    order = "traitor" if w.order is None else ORDER_NAMES[w.order]
    lines = [
        f"  n={cell.generals} m={cell.rounds}: {w.property} broken; traitors {traitors};"
        f" commander's order: {order}; {len(w.sent)} traitor messages read"
    ]
    lying = [f"{':'.join(_name(g) for g in p)}={ORDER_NAMES[v]}" for p, v in w.sent.items()]
    lines.append("    traitors send: " + " ".join(lying[:12]) + (" ..." if len(lying) > 12 else ""))
    lines.append(
        "    z3 decisions: "
        + " ".join(f"{_name(g)}={ORDER_NAMES[d]}" for g, d in sorted(w.decisions.items()))
    )
    if replayed is None:
        lines.append("    not replayed: too many messages for the explicit model")
    else:
        lines.append(
            f"    replayed on the explicit model in {replayed.steps} steps:"
            f" {replayed.violated} violated: {replayed.detail}"
        )
    return lines


@generals.command("prove", short_help="z3: OM(m) proven or refuted for every n and m.")
@click.option(
    "--min-n", type=click.IntRange(3, MAX_N), default=3, show_default=True, help="Fewest generals."
)
@click.option(
    "--max-n", type=click.IntRange(3, MAX_N), default=10, show_default=True, help="Most generals."
)
@click.option(
    "--max-m",
    type=click.IntRange(1, MAX_M),
    default=3,
    show_default=True,
    help="Most rounds m (each column: at most m traitors).",
)
@click.option(
    "--timeout",
    type=Finite(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds z3 may spend on one query.",
)
@click.option(
    "--witnesses",
    is_flag=True,
    help="Print each refuted cell's traitor messages, replayed on the explicit model.",
)
def prove_command(min_n: int, max_n: int, max_m: int, timeout: float, witnesses: bool) -> None:
    """Prove OM(m) with z3 for every n and m: each traitor message is a free
    variable. proven: no behaviour of at most m traitors breaks IC1 or IC2;
    refuted: z3 found the traitors' messages that do. Exit 0 when the table
    shows the n > 3m boundary exactly, 1 when a cell disagrees, 3 on unknown."""
    if min_n > max_n:
        raise click.BadParameter(
            f"--min-n {min_n} is above --max-n {max_n}; give --min-n <= --max-n",
            param_hint="'--min-n'",
        )
    spec = lookup(PROTOCOL)
    prove, replay = spec.tool("prove"), spec.tool("replay")
    click.echo(
        "OM(m) against at most m traitors, z3 per cell (proven: unsat for every"
        " traitor behaviour; refuted: a run breaking IC1 or IC2)"
    )
    click.echo("  n  " + "".join(f"m={m:<17}" for m in range(1, max_m + 1)) + "n > 3m for m")
    disagree, unknown, notes = [], [], []
    for n in range(min_n, max_n + 1):
        row = f"{n:>3}  "
        for m in range(1, max_m + 1):
            cell = prove(n, m, timeout)
            row += f"{cell.status:<8} {cell.seconds:>6.2f}s   "
            if cell.status == "unknown":
                unknown.append((n, m))
            elif (cell.status == "proven") != (n > 3 * m):
                disagree.append((n, m))
            if witnesses and cell.witness is not None:
                notes.extend(_witness_lines(cell, replay(cell.witness)))
        bound = [m for m in range(1, max_m + 1) if n > 3 * m]
        click.echo(row + (",".join(map(str, bound)) or "-"))
    for line in notes:
        click.echo(line)
    if unknown:
        click.echo(
            f"unknown (z3 timeout {timeout:g}s): " + " ".join(f"n={n},m={m}" for n, m in unknown)
        )
        sys.exit(3 if not disagree else 1)
    if disagree:
        click.echo("DISAGREES with n > 3m at " + " ".join(f"n={n},m={m}" for n, m in disagree))
        sys.exit(1)
    click.echo(f"every cell agrees: proven exactly where n > 3m (n={min_n}..{max_n}, m=1..{max_m})")


@generals.command("trace", short_help="Check a shell trace against the OM(m) model.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def trace_command(file: Path) -> None:
    """Check a trace written by `check generals shell --trace-out FILE`: every
    run replays on the explicit OM(m) model with its recorded traitors, and
    each loyal general's decision is what OM(m) gives for the messages it
    received. Exit 0 every run conforms, 1 one does not, 2 unreadable file."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"cannot read {file}: {error}", param_hint="'FILE'") from None
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise click.BadParameter(
                f"{file} line {number} is not JSON ({error.msg}); give a file written by"
                " check generals shell --trace-out",
                param_hint="'FILE'",
            ) from None
        if not isinstance(data, dict):
            raise click.BadParameter(
                f"{file} line {number} is not a JSON object", param_hint="'FILE'"
            )
        lines.append(data)
    try:
        reports = lookup(PROTOCOL).tool("check_trace")(lines)
    except ValueError as error:
        raise click.BadParameter(f"{file}: {error}", param_hint="'FILE'") from None
    if not reports:
        raise click.BadParameter(
            f"{file} holds no run; give a file written by check generals shell --trace-out",
            param_hint="'FILE'",
        )
    bad = 0
    for r in reports:
        status = "conforms" if r.conforms else "DOES NOT CONFORM"
        faulty = ",".join(r.faulty) or "none"
        click.echo(
            f"run {r.run}: OM({r.rounds}) n={r.generals} faulty {faulty}:"
            f" {r.steps} steps, {status}; {r.verdict}"
        )
        for problem in r.problems[:10]:
            click.echo(f"  {problem}")
        bad += not r.conforms
    click.echo(f"{len(reports) - bad} of {len(reports)} runs conform to the model")
    sys.exit(1 if bad else 0)


from checker.cli.generals_shell import shell_command  # noqa: E402

generals.add_command(shell_command)
