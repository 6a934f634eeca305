"""`check replay CEX`: drive the implementation's step scheduler along a model
counterexample (`check model --trace-out CEX`), comparing node states.

    check model --mutant no-owner-check --trace-out cex.jsonl
    check replay cex.jsonl --mutant no-owner-check   # follows it; the audit breaks NoDoubleSpend
    check replay cex.jsonl                           # the correct implementation: where it stops
    check replay cex.jsonl --html run.html           # the implementation's run as a chart

The implementation is built on the counterexample's configuration (servers,
clients, tokens, the first f servers faulty) and the same messages are
delivered in the same order. A `reconfig=atomic` change is taken as its
messages: SYNC_READ and SYNC_STATE with the read quorum, SYNC_WRITE and
SYNC_ACK with the write quorum. Exit codes: 0 the implementation followed
every step and its audit broke the counterexample's property, 1 it could not
follow (or its audit found nothing), 2 bad usage.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from typing import Any

import click

from checker.cli.model import write_pictures
from checker.cli.registry import lookup
from checker.errors import CheckerError
from checker.pictures.events import event_records
from checker.replay import replay
from checker.trace_file import read_counterexample
from impl.tokens.cluster import Cluster
from impl.tokens.config import Params, maxf
from impl.tokens.errors import ImplError
from impl.tokens.messages import Message, Tag
from impl.tokens.mutants import MUTANTS
from impl.tokens.properties import audit_properties
from impl.tokens.recorder import Recorder


class CannotFollow(Exception):
    """The implementation cannot take a step of the counterexample; says why."""


def impl_params(config: Mapping[str, Any], mutant: str | None) -> Params:
    servers = int(config["servers"])
    faulty = config.get("faulty")
    count = maxf(servers) if faulty is None else int(faulty)
    names = tuple(f"s{i}" for i in range(1, count + 1))
    return Params(
        servers=servers,
        clients=int(config["clients"]),
        tokens=int(config["tokens"]),
        faulty=names,
        seed=0,
        mutant=mutant,
    )


def _matches(m: Message, record: Mapping[str, Any]) -> bool:
    if (m.kind, m.src, m.dst) != (record["kind"], record["src"], record["dst"]):
        return False
    tag = record["tag"]
    if m.tag is None:
        return bool(m.epoch == tag["epoch"])
    return m.tag == Tag(tag["client"], tag["op"], tag["phase"], tag["epoch"])


class Driver:
    """Takes the counterexample's steps on a step-mode implementation."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        assert cluster.scheduler is not None
        self.sched = cluster.scheduler

    def deliver(self, record: Mapping[str, Any]) -> None:
        found = [m for m in self.sched.in_flight() if _matches(m, record)]
        if not found:
            near = [m.describe() for m in self.sched.in_flight() if m.dst == record["dst"]]
            raise CannotFollow(
                f"the implementation has no such message in flight"
                f" (in flight to {record['dst']}: {'; '.join(near) or 'none'})"
            )
        if not self.sched.can_deliver(found[0]):
            raise CannotFollow(f"{record['dst']} would hold it: its epoch is newer")
        self.sched.deliver(found[0].id)

    def take(self, record: Mapping[str, Any]) -> list[str]:
        """Take one step; return the nodes it involves."""
        kind = record["type"]
        try:
            if kind == "ClientStartPay":
                self.cluster.pay(record["client"], record["token"], record["payee"])
                return [record["client"]]
            if kind == "ClientStartGettokens":
                self.cluster.gettokens(record["client"], record["owner"])
                return [record["client"]]
            if kind == "ClientRestartPhase":
                if not self.cluster.restart_phase(record["client"]):
                    raise CannotFollow(f"{record['client']} has no phase of an older epoch")
                return [record["client"]]
            if kind == "ManagerStartTransform":
                self.cluster.transform(record["node"])
                return ["manager", record["node"]]
            if kind == "ManagerTransformAtomic":
                return self.transform_atomic(record)
        except ImplError as error:
            raise CannotFollow(str(error)) from None
        message = record["message"]
        self.deliver(message)
        return [message["dst"]]

    def transform_atomic(self, record: Mapping[str, Any]) -> list[str]:
        """One atomic change as its messages, with the step's quorums."""
        node = record["node"]
        epoch = self.cluster.configuration().epoch
        self.cluster.transform(node)

        def sync(kind: str, **where: str) -> list[Message]:
            # this change's messages only: an earlier change may have left some
            wanted = epoch if kind in ("SYNC_READ", "SYNC_STATE") else epoch + 1
            found = self.sched.find(kind=kind, **where)
            return [m for m in found if m.tag is None and m.epoch == wanted]

        for server in record["read_quorum"]:
            for kind, field in (("SYNC_READ", "dst"), ("SYNC_STATE", "src")):
                found = sync(kind, **{field: server})
                if not found:
                    raise CannotFollow(f"no {kind} {'to' if field == 'dst' else 'from'} {server}")
                self.sched.deliver(found[0].id)
        for server in record["write_quorum"]:
            for kind, field in (("SYNC_WRITE", "dst"), ("SYNC_ACK", "src")):
                found = sync(kind, **{field: server})
                if not found:
                    raise CannotFollow(f"no {kind} {'to' if field == 'dst' else 'from'} {server}")
                self.sched.deliver(found[0].id)
        return ["manager", *record["read_quorum"], *record["write_quorum"]]


def snapshot(cluster: Cluster, name: str) -> dict[str, Any]:
    if name == "manager":
        return cluster.manager.snapshot()
    return cluster.env.nodes[name].snapshot()


@click.command("replay")
@click.argument("cex", type=click.Path(dir_okay=False))
@click.option(
    "--mutant",
    type=click.Choice(sorted(MUTANTS)),
    default=None,
    help="Build the implementation with this known bug (default: the correct one).",
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also draw the implementation's run as a message sequence chart (one HTML page).",
)
@click.option(
    "--mermaid",
    "mermaid_out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the implementation's run as a Mermaid sequenceDiagram.",
)
def replay_command(
    cex: str, mutant: str | None, html_out: str | None, mermaid_out: str | None
) -> None:
    """Drive the step-mode implementation along a counterexample of `check
    model --trace-out`, comparing node states at every step."""
    try:
        trace = read_counterexample(cex)
        protocol = lookup(str(trace.header.get("protocol", "tokens")))
        spec = protocol.conformance
        if protocol.name != "tokens" or spec is None or spec.node_difference is None:
            raise click.UsageError(f"{cex}: only token-protocol counterexamples can be replayed")
        config = dict(trace.header["config"])
        model = protocol.build(protocol.params_type(**config))
        steps = replay(model, trace.action_indexes)
        params = impl_params(config, mutant)
    except (CheckerError, ImplError, KeyError, TypeError, ValueError) as error:
        click.echo(f"error: {cex}: {error}", err=True)
        sys.exit(2)
    recorder = Recorder(sink=io.StringIO(), keep=True)
    cluster = Cluster(params, mode="step", recorder=recorder)
    cluster.defer_restarts = True  # restarts happen where the counterexample takes them
    driver = Driver(cluster)
    prop = trace.header.get("property")
    label = f"implementation {'with mutant ' + mutant if mutant else '(correct)'}"
    click.echo(
        f"replaying {len(steps) - 1} steps of {cex} ({prop} violated in"
        f" {trace.header.get('model')}) on the {label}"
    )
    code, ending = 1, ""
    for number, (row, step) in enumerate(zip(trace.steps[1:], steps[1:], strict=True), start=1):
        try:
            involved = driver.take(row["record"])
            for name in dict.fromkeys(involved):
                diff = spec.node_difference(model, step.state, name, snapshot(cluster, name))
                if diff is not None:
                    raise CannotFollow(f"after it, {diff}")
        except CannotFollow as why:
            click.echo(f"  step {number}: {row['action']}")
            ending = f"the implementation cannot follow step {number}: {why}"
            click.echo(ending)
            ending = f"{ending} (step {number}: {row['action']})"
            break
        click.echo(f"  step {number}: {row['action']}: same state")
    else:
        problems = audit_properties(cluster)
        for name, detail in problems:
            click.echo(f"implementation audit: {name} broken: {detail}")
        broken = [detail for name, detail in problems if name == prop]
        if broken:
            code = 0
            click.echo(f"followed all {len(steps) - 1} steps; the implementation breaks {prop} too")
            ending = f"followed all {len(steps) - 1} steps; {prop} broken: {broken[0]}"
        else:
            ending = (
                f"followed all {len(steps) - 1} steps, but the implementation's audit does not "
                f"find {prop} broken"
            )
            click.echo(ending)
    if html_out or mermaid_out:
        records = event_records(
            {"params": run_params(params)},
            ((int(e["seq"]), e) for e in recorder.events),
            ending,
            f"replay of {cex} on the {label}",
            numbered_by="event seq",
        )
        write_pictures(records, html_out, mermaid_out, quiet=False)
    sys.exit(code)


def run_params(params: Params) -> dict[str, Any]:
    """The run's shape, as a trace header's params say it."""
    return {
        "servers": params.servers,
        "clients": params.clients,
        "tokens": params.tokens,
        "faulty": list(params.faulty or ()),
        "mutant": params.mutant,
    }
