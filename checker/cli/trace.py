"""`check trace FILE`: does a recorded implementation trace follow the model?

    check trace run.jsonl                 # the token protocol's traces
    check trace --protocol NAME run.jsonl
    check trace run.jsonl --html run.html --mermaid run.mmd   # the run as a chart
    check trace DIR                       # a cluster's folder: merge by time, then
                                          # conformance and linearizability

Exit codes: 0 the trace conforms, 1 it diverges (the first divergence is
printed: line, event, the specification's state of the nodes involved, the
steps it allowed), 2 the file cannot be read (one line naming the line and
the field).
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

import click

from checker.cli.model import write_pictures
from checker.cli.registry import DEFAULT_PROTOCOL, lookup
from checker.conformance import TraceVerdict, check_trace_file, render_divergence
from checker.errors import TraceFormatError
from checker.protocol import ProtocolSpec


def conformance_of(protocol: ProtocolSpec) -> object:
    if protocol.conformance is None:
        raise click.BadParameter(
            f"protocol {protocol.name!r} has no trace conformance mapping; "
            f"check traces of a protocol that declares one (e.g. tokens)",
            param_hint="'--protocol'",
        )
    return protocol.conformance


def verdict_lines(path: str, verdict: TraceVerdict) -> list[str]:
    rate = verdict.events / verdict.seconds if verdict.seconds > 0 else 0.0
    figures = f"{verdict.events:,} events in {verdict.seconds:.2f} s ({rate:,.0f} events/s)"
    if verdict.divergence is None:
        return [f"trace {path}: CONFORMS to the specification ({figures})"]
    return [*render_divergence(verdict.divergence), f"trace {path}: DIVERGES ({figures})"]


def check_file(path: str, protocol: ProtocolSpec) -> tuple[int, list[str]]:
    """(exit code, lines to print) for one trace file."""
    code, lines, _ = checked_file(path, protocol)
    return code, lines


def checked_file(path: str, protocol: ProtocolSpec) -> tuple[int, list[str], TraceVerdict | None]:
    """(exit code, lines to print, the verdict if the file could be read)."""
    spec = protocol.conformance
    assert spec is not None
    try:
        verdict = check_trace_file(path, spec)
    except TraceFormatError as error:
        return 2, [f"error: {path}: {error}"], None
    return verdict.exit_code, verdict_lines(path, verdict), verdict


def chart_records(path: str, verdict: TraceVerdict) -> list[dict[str, Any]]:
    """The checked part of the trace, ending in its verdict."""
    from checker.pictures.events import file_records

    d = verdict.divergence
    if d is None:
        return file_records(path, f"conforms to the specification: {verdict.events:,} events")
    records = file_records(path, f"diverges at line {d.line}: {d.reason}", upto=d.line)
    records[0]["notes"] += render_divergence(d)[1:]
    return records


@click.command("trace")
@click.argument("file", type=click.Path())
@click.option(
    "--protocol",
    default=DEFAULT_PROTOCOL,
    show_default=True,
    help="The protocol whose specification the trace must follow.",
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also draw the run as a message sequence chart (one HTML page).",
)
@click.option(
    "--mermaid",
    "mermaid_out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the run as a Mermaid sequenceDiagram.",
)
def trace_command(file: str, protocol: str, html_out: str | None, mermaid_out: str | None) -> None:
    """Check a trace recorded by `check run` or `check shell` (--trace-out)
    against the specification, event by event. FILE may be a cluster's
    folder (`check cluster --data DIR`): its traces are merged by time, then
    checked, and its clients' history is checked for linearizability."""
    spec = lookup(protocol)
    conformance_of(spec)
    if os.path.isdir(file):
        sys.exit(check_cluster_dir(file, spec, html_out, mermaid_out))
    code, lines, verdict = checked_file(file, spec)
    for line in lines:
        click.echo(line, err=code == 2)
    if verdict is not None and (html_out or mermaid_out):
        write_pictures(chart_records(file, verdict), html_out, mermaid_out, quiet=False)
    sys.exit(code)


def check_cluster_dir(
    data: str, spec: ProtocolSpec, html_out: str | None, mermaid_out: str | None
) -> int:
    """A cluster's folder: its traces merged in real-time order (which is also
    causal, and the only one that sees a client learn a configuration from
    cluster.json), checked for conformance, then its clients' operations for
    linearizability. The exit code is the worse verdict (2, 1, 3, 0)."""
    from checker.cli.cluster import ClusterError, merge_cluster
    from checker.linearizability import MODELS, HistoryError, check, read_history
    from checker.linearizability.report import verdict_lines as history_lines

    with tempfile.TemporaryDirectory() as tmp:
        merged = os.path.join(tmp, "merged.jsonl")
        try:
            count, processes = merge_cluster(data, merged, "time")
        except ClusterError as error:
            click.echo(f"error: {error}", err=True)
            return 2
        click.echo(f"merged {count} events from {processes} processes of {data}")
        code, lines, verdict = checked_file(merged, spec)
        for line in lines:
            click.echo(line.replace(merged, f"{data} (merged)"), err=code == 2)
        if code == 2:
            return 2
        if verdict is not None and (html_out or mermaid_out):
            write_pictures(chart_records(merged, verdict), html_out, mermaid_out, quiet=False)
        try:
            history = read_history(merged)
            result = check(history, MODELS[history.model or "tokens"](), 60.0)
        except HistoryError as error:
            click.echo(f"error: {error}", err=True)
            return 2
        for line in history_lines(history, result):
            click.echo(line.replace(merged, f"{data} (merged)"))
    codes = {code, result.exit_code}
    return next(c for c in (1, 3, 0) if c in codes)
