"""`check smr`: the state machine replication implementation on loopback.

    check smr serve --replicas 3            # r1..r3 on 8892.. (or free ports), printed
    check smr fail 2 --control 8891         # fail-stop r2 (at most t-1 failures)
    printf 'add north mmr 5\\nquery\\n' | check smr client --ports 8892,8893,8894
    check smr trace traces/*.jsonl          # the replicas' logs, and the clients' history

Exit codes: 0 ok, 1 a request unanswered, a trace violates a property or the
client history is not linearizable, 2 bad usage or an unreadable trace, 3 a
trace that cannot be fully checked (or the linearizability check timed out).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from pathlib import Path
from typing import Any

import click

from checker.cli.types import Finite
from checker.linearizability import CounterModel, HistoryError, Result, check
from checker.linearizability.report import verdict_lines
from checker.linearizability.vaccine import ClientTrace, client_history, untimed
from impl.smr.audit import ProcessTrace, TraceError, audit, read_trace
from impl.smr.client import ClientError, SmrClient
from impl.smr.cluster import DEFAULT_BASE_PORT, Cluster, ClusterError
from impl.smr.control import ControlServer, request_fail
from impl.smr.menu import USAGE, BadCommand, parse, show
from impl.smr.trace import Trace

DEFAULT_CONTROL_PORT = DEFAULT_BASE_PORT - 1


@click.group("smr")
def smr_command() -> None:
    """State machine replication with Lamport clocks: replicas as processes
    on 127.0.0.1, clients, fail-stop failures, and trace checking."""


@smr_command.command("serve")
@click.option("--replicas", type=click.IntRange(1, 9), default=3, show_default=True)
@click.option(
    "--base-port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_BASE_PORT,
    show_default=True,
    help="Replicas listen on P..P+t-1 (other free ports when those are taken).",
)
@click.option(
    "--control-port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_CONTROL_PORT,
    show_default=True,
    help="Where `check smr fail` connects (a free port when taken).",
)
@click.option("--trace-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option(
    "--max-seconds",
    type=Finite(min=0, min_open=True),
    default=3600.0,
    show_default=True,
    help="Stop everything after this long.",
)
def serve(
    replicas: int, base_port: int, control_port: int, trace_dir: Path | None, max_seconds: float
) -> None:
    """Start T replica processes; type a replica number to fail it, `quit` to stop."""
    if trace_dir is not None:
        try:
            trace_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise click.BadParameter(
                f"cannot create {trace_dir}: {error}", param_hint="--trace-dir"
            ) from None
    cluster = Cluster(replicas, base_port, trace_dir)
    ports = cluster.start()
    control = ControlServer(control_port, cluster.fail)
    control.start()
    for number, port in enumerate(ports, start=1):
        click.echo(f"r{number} listening on 127.0.0.1:{port}")
    click.echo(f"clients: check smr client --ports {','.join(map(str, ports))}")
    click.echo(
        f"control on 127.0.0.1:{control.port}: type a replica number here to fail it,"
        f" or run `check smr fail ID --control {control.port}`; `quit` stops"
    )
    done = threading.Event()

    def console() -> None:
        for line in sys.stdin:
            word = line.strip().lower()
            if word in ("quit", "exit"):
                break
            if not word:
                continue
            try:
                with control.lock:
                    click.echo(cluster.fail(int(word.removeprefix("r"))))
            except ValueError:
                click.echo(f"not a replica number: {line.strip()!r}; type 1..{replicas} or quit")
            except ClusterError as error:
                click.echo(str(error))
        else:
            return  # end of input: keep serving until --max-seconds or Ctrl-C
        done.set()

    threading.Thread(target=console, daemon=True).start()
    try:
        done.wait(max_seconds)
    except KeyboardInterrupt:
        pass
    finally:
        control.close()
        cluster.stop()
    click.echo("stopped")


@smr_command.command("fail")
@click.argument("replica", type=click.IntRange(min=1))
@click.option(
    "--control",
    "control_port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_CONTROL_PORT,
    show_default=True,
    help="The control port `check smr serve` printed.",
)
def fail(replica: int, control_port: int) -> None:
    """Fail-stop replica ID of a running `check smr serve`."""
    try:
        click.echo(request_fail(control_port, replica))
    except ValueError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except OSError as error:
        click.echo(
            f"error: no `check smr serve` answers on control port {control_port} ({error});"
            " pass the port it printed with --control",
            err=True,
        )
        sys.exit(2)


def _ports(ctx: click.Context, param: click.Parameter, value: str) -> list[int]:
    try:
        ports = [int(p) for p in value.split(",")]
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a comma-separated list of ports, e.g. 8892,8893,8894"
        ) from None
    if not all(1 <= p <= 65535 for p in ports):
        raise click.BadParameter(f"{value!r}: each port must be in 1..65535")
    return ports


@smr_command.command("client")
@click.option(
    "--ports", required=True, callback=_ports, help="The replicas' ports, comma-separated."
)
@click.option("--id", "name", default=None, help="Client name, unique per run (default c<pid>).")
@click.option("--timeout", type=Finite(min=0, min_open=True), default=10.0, show_default=True)
@click.option(
    "--trace", "trace_path", type=click.Path(dir_okay=False, path_type=Path), default=None
)
def client(ports: list[int], name: str | None, timeout: float, trace_path: Path | None) -> None:
    """The menu: add, update, query, quit; from a terminal or a pipe."""
    name = name or f"c{os.getpid()}"
    try:
        sink = trace_path.open("w", encoding="utf-8") if trace_path else None
    except OSError as error:
        raise click.BadParameter(
            f"cannot write {trace_path}: {error}", param_hint="--trace"
        ) from None
    trace = Trace(sink, "client", name)
    try:
        code = asyncio.run(_menu(name, ports, timeout, trace))
    except KeyboardInterrupt:
        click.echo("interrupted: the request in progress, if any, may still be applied", err=True)
        code = 1
    sys.exit(code)


async def _menu(name: str, ports: list[int], timeout: float, trace: Trace) -> int:
    interactive = sys.stdin.isatty()
    try:
        smr = SmrClient(name, ports, timeout=timeout, trace=trace)
        await smr.connect()
    except ClientError as error:
        click.echo(f"error: {error}", err=True)
        trace.close()
        return 1
    failed = 0
    loop = asyncio.get_running_loop()
    if interactive:
        click.echo(f"{name} connected to {len(smr.writers)} replicas; {USAGE}")
    try:
        while True:
            if interactive:
                click.echo("> ", nl=False)
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            if not line.strip():
                continue
            try:
                command = parse(line)
            except BadCommand as error:
                click.echo(f"error: {error}")
                continue
            if command is None:
                break
            try:
                result: dict[str, Any] = await smr.submit(command)
            except ClientError as error:
                failed += 1
                click.echo(f"error: {error}")
                continue
            click.echo(show(command, result))
    finally:
        with contextlib.suppress(Exception):
            await smr.close()
    return 1 if failed else 0


@smr_command.command("trace")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--timeout",
    type=Finite(min=0),
    default=60.0,
    show_default=True,
    help="Seconds for the client history's linearizability check (then unknown, exit 3).",
)
def trace_command(files: tuple[Path, ...], timeout: float) -> None:
    """Check replica and client traces: Agreement, Order, Validity, CausalOrder,
    Answers, and that the clients' history is linearizable (a counter per key)."""
    try:
        report = audit(list(files))
        clients = [t for t in map(read_trace, files) if t.role == "client"]
        lines, history_verdict = _client_history(clients, timeout)
    except (TraceError, HistoryError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    for process, count in sorted(report.replicas.items()):
        click.echo(f"{process}: applied {count} requests")
    for process, count in sorted(report.clients.items()):
        click.echo(f"{process}: answered {count} requests")
    for line in report.violations:
        click.echo(f"violated {line}")
    for what in report.unchecked:
        click.echo(f"unchecked: {what} has no trace among the files (Validity not checked)")
    for line in lines:
        click.echo(line)
    verdicts = {report.verdict, history_verdict}
    verdict = next(v for v in ("violated", "incomplete", "ok") if v in verdicts)
    click.echo(f"verdict  {verdict}")
    sys.exit({"ok": 0, "violated": 1, "incomplete": 3}[verdict])


def _client_history(clients: list[ProcessTrace], timeout: float) -> tuple[list[str], str]:
    """The verdict lines of the clients' history and ok, violated or incomplete."""
    if not clients:
        return [], "ok"  # no client trace: the audit already says what it could not check
    traces = [
        ClientTrace(str(t.path), t.process, list(enumerate(t.events, start=2))) for t in clients
    ]
    missing = untimed(traces)
    if missing is not None:
        return [
            f"linearizability: not checked: {missing} has no mono_ns "
            "(a trace written before clients recorded the time)"
        ], "incomplete"
    history = client_history(traces)
    result: Result = check(history, CounterModel(), timeout=timeout, orders=False)
    head, *rest = verdict_lines(history, result)
    lines = [head, *(f"linearizability: {line.removeprefix('verdict  ')}" for line in rest)]
    return lines, {0: "ok", 1: "violated", 3: "incomplete"}[result.exit_code]
