"""`check cluster`: the token protocol as a real cluster, one process per server.

    check cluster up --servers 3 --data DIR [--faulty s1 --drop 0.3]
    check cluster status --data DIR
    check cluster pay c1 0 c2 --data DIR
    check cluster gettokens c1 c2 --data DIR
    check cluster transform c4 --data DIR
    check cluster kill s2 --data DIR ; check cluster restart s2 --data DIR
    check cluster merge --data DIR --out merged.jsonl
    check cluster down --data DIR

Exit codes: 0 done, 2 bad usage, unreadable data or a refused request
(nothing changed), 3 an operation did not complete in time, or a transform
whose manager died before answering (`restart manager` resumes it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from checker.cli.types import Finite
from impl.cluster.client import ClusterClient
from impl.cluster.errors import ClusterError as ClusterError  # re-exported for check trace DIR
from impl.cluster.errors import Unanswered
from impl.cluster.lamport import ORDERS, merge
from impl.cluster.layout import DEFAULT_DIR, Layout
from impl.cluster.operator import Operator, down, up
from impl.tokens.config import MAX_SERVERS, MIN_SERVERS
from impl.tokens.errors import ImplError, OperationTimeout

F = TypeVar("F", bound=Callable[..., Any])


def data_option(f: F) -> F:
    return click.option(
        "--data",
        default=DEFAULT_DIR,
        show_default=True,
        type=click.Path(file_okay=False),
        help="The folder that names the cluster (DIR/cluster.json).",
    )(f)


def _fail(error: Exception) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(3 if isinstance(error, (OperationTimeout, Unanswered)) else 2)


@click.group("cluster")
def cluster() -> None:
    """A real cluster: every server a process on a 127.0.0.1 port, over gRPC."""


@cluster.command("up")
@click.option(
    "--servers", type=click.IntRange(MIN_SERVERS, MAX_SERVERS), default=5, show_default=True
)
@click.option("--faulty", default="", metavar="S1,S2", help="Servers that lose messages.")
@click.option("--drop", type=Finite(0, 1), default=0.0, show_default=True,
              help="Probability that a faulty server loses a request or a reply.")  # fmt: skip
@click.option(
    "--trace/--no-trace",
    default=True,
    show_default=True,
    help="Servers record their events in DIR/traces (JSON Lines, Lamport clocks).",
)
@data_option
def up_command(servers: int, faulty: str, drop: float, trace: bool, data: str) -> None:
    """Start the manager and N servers; print their ports."""
    names = [s.strip() for s in faulty.split(",") if s.strip()]
    try:
        started = up(Layout(data), servers, names, drop, trace=trace)
    except ClusterError as error:
        _fail(error)
    for name, pid, port in started:
        click.echo(f"{name:8} pid {pid:<7} 127.0.0.1:{port}")
    click.echo(f"cluster up in {data} ({servers} servers; faulty: {', '.join(names) or 'none'})")


@cluster.command("down")
@data_option
def down_command(data: str) -> None:
    """Stop every process of the cluster; the stores stay in DIR."""
    try:
        stopped = down(Layout(data))
    except ClusterError as error:
        _fail(error)
    click.echo(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@cluster.command("status")
@data_option
def status_command(data: str) -> None:
    """Each node's role, epoch, port, pid and health."""
    try:
        operator = Operator(Layout(data))
        rows = operator.status()
        operator.close()
    except ClusterError as error:
        _fail(error)
    click.echo(f"{'node':8} {'role':8} {'epoch':>5} {'port':>6} {'pid':>7}  {'health':9} detail")
    for r in rows:
        epoch = "-" if r.epoch is None else str(r.epoch)
        port = "-" if r.port is None else str(r.port)
        pid = "-" if r.pid is None else str(r.pid)
        click.echo(f"{r.name:8} {r.role:8} {epoch:>5} {port:>6} {pid:>7}  {r.health:9} {r.detail}")


def _client_op(
    data: str, client: str, timeout: float, trace: bool, op: Callable[[ClusterClient], Any]
) -> None:
    try:
        with ClusterClient(Layout(data), client, trace=trace) as c:
            answer = op(c)
    except (ClusterError, ImplError) as error:
        _fail(error)
    except KeyboardInterrupt:
        click.echo(f"interrupted: {client}'s operation may still complete", err=True)
        sys.exit(3)
    click.echo(answer)


@cluster.command("pay")
@click.argument("client")
@click.argument("token", type=click.IntRange(min=0))
@click.argument("to")
@click.option("--timeout", type=Finite(min=0, min_open=True), default=10.0, show_default=True)
@click.option("--trace/--no-trace", default=True, help="Record the client's events in DIR/traces.")
@data_option
def pay_command(client: str, token: int, to: str, timeout: float, trace: bool, data: str) -> None:
    """CLIENT pays TOKEN to TO."""
    _client_op(data, client, timeout, trace, lambda c: c.pay(token, to, timeout))


@cluster.command("gettokens")
@click.argument("client")
@click.argument("owner")
@click.option("--timeout", type=Finite(min=0, min_open=True), default=10.0, show_default=True)
@click.option("--trace/--no-trace", default=True, help="Record the client's events in DIR/traces.")
@data_option
def gettokens_command(client: str, owner: str, timeout: float, trace: bool, data: str) -> None:
    """CLIENT asks for the tokens OWNER holds."""
    _client_op(data, client, timeout, trace, lambda c: c.gettokens(owner, timeout))


@cluster.command("transform")
@click.argument("node")
@data_option
def transform_command(node: str, data: str) -> None:
    """A server leaves and becomes a client, or an idle client joins as a server."""
    try:
        operator = Operator(Layout(data))
        result = operator.transform(node)
        operator.close()
    except ClusterError as error:
        _fail(error)
    click.echo(f"manager: transform({node}) -> {result['text']}")


@cluster.command("kill")
@click.argument("server")
@click.option("--force", is_flag=True, help="Kill even beyond the fault bound maxf(n).")
@data_option
def kill_command(server: str, force: bool, data: str) -> None:
    """SIGKILL a server's process (it counts as faulty while down), or the manager's."""
    try:
        pid = Operator(Layout(data)).kill(server, force)
    except ClusterError as error:
        _fail(error)
    click.echo(f"killed {server} (pid {pid})")


@cluster.command("restart")
@click.argument("server")
@data_option
def restart_command(server: str, data: str) -> None:
    """Start a killed server again, with its store, on its old port (and catch it
    up on the role changes it missed); or the manager, which resumes a change."""
    try:
        pid, port = Operator(Layout(data)).restart(server)
    except ClusterError as error:
        _fail(error)
    click.echo(f"restarted {server}: pid {pid} 127.0.0.1:{port}")


def run_cluster_shell(data: str, timeout: float) -> int:
    """`check shell --cluster DIR`: the shell's commands against the live cluster."""
    from impl.cluster.shell import ClusterShell

    interactive = sys.stdin.isatty()
    try:
        session = ClusterShell(
            Layout(data), sys.stdout, timeout, prompt="> " if interactive else ""
        )
    except ClusterError as error:
        _fail(error)
    if interactive:
        click.echo(f"tokencheck shell on the cluster in {data}; `help` lists commands")
    return session.run(iter(sys.stdin.readline, ""))


@cluster.command("merge")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option(
    "--by",
    type=click.Choice(ORDERS),
    default="lamport",
    show_default=True,
    help="lamport: causal order from the Lamport clocks; time: the host's monotonic "
    "clock, causal and real-time (for `check history`).",
)
@data_option
def merge_command(out: str, by: str, data: str) -> None:
    """Merge the per-process traces of DIR/traces into one order; `check history
    OUT` then checks the clients' operations for linearizability."""
    try:
        count, processes = merge_cluster(data, out, by)
    except ClusterError as error:
        _fail(error)
    click.echo(f"merged {count} events from {processes} processes into {out}")


def merge_cluster(data: str, out: str, by: str) -> tuple[int, int]:
    """Merge DIR/traces into `out`, with the header the token model's follower
    needs; (events, processes). Raises ClusterError naming the bad input."""
    paths = sorted((Path(data) / "traces").glob("*.jsonl"))
    if not paths:
        raise ClusterError(f"{data}/traces: no traces; is --data the folder of a cluster?")
    cluster_file = Layout(data).read()
    # the sizes and faults the token model needs to follow the merged trace
    params = {
        "servers": len(cluster_file.servers),
        "clients": len(cluster_file.clients),
        "tokens": cluster_file.tokens,
        "faulty": cluster_file.faulty,
    }
    try:
        with open(out, "w") as f:
            return merge(paths, f, by, params), len(paths)
    except OSError as error:
        raise ClusterError(f"--out {out}: cannot write ({error.strerror})") from None
