"""`check model`: explore one configuration of any protocol.

    check model --servers 3 --clients 2 --tokens 1 --ops 1
    check model --config S3a --mutant sync-replace --trace-out cex.jsonl
    check model --protocol register --config RG1
    check model --protocol register --help      # that protocol's options

The options after the common ones are generated from the protocol's
parameter record (`checker.protocol`): one option per field, with its help
text and bounds, so a new field is a new option. --config starts from a
standard configuration and the other options override it. Exit 0 every
property holds, 1 a property is violated, 2 bad usage, 3 incomplete.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from checker.cli.interrupt import first_interrupt_stops
from checker.cli.lost import worker_loss_is_incomplete
from checker.cli.paths import writable_path
from checker.cli.registry import DEFAULT_PROTOCOL, all_protocols, lookup
from checker.cli.runs import StandardRun, check_config, run_standards, violated_property
from checker.cli.suite import suite_part, worst_exit_code
from checker.cli.types import Finite, WorkerCount
from checker.coverage import Coverage
from checker.errors import ParameterError
from checker.model import PROGRESS, Model, has_liveness, has_symmetry
from checker.por import PARTIAL_ORDER, has_por
from checker.progress import ProgressLine
from checker.protocol import Parameter, ProtocolSpec, UnknownNameError
from checker.report import format_counterexample
from checker.result import CheckResult, Verdict
from checker.spill import SPILL_MODES, SpillMode
from checker.trace_file import (
    counterexample_records,
    write_counterexample,
    write_no_counterexample,
)


def print_catalog(protocol: ProtocolSpec) -> None:
    click.echo(f"{'mutant':<18} {'caught by':<28} {'config':<6} change")
    for m in protocol.mutants:
        click.echo(f"{m.name:<18} {' or '.join(m.caught_by):<28} {m.config:<6} {m.change}")


def option_for(parameter: Parameter) -> click.Option:
    """The click option of one parameter field; unset (None) keeps the base value."""
    default = "" if parameter.default is None else f" (default {parameter.default})"
    help_text = f"{parameter.help}{default}"
    if parameter.kind is bool:
        name = parameter.name.replace("_", "-")
        return click.Option([f"--{name}/--no-{name}", parameter.name], default=None, help=help_text)
    kind: click.ParamType[Any]
    if parameter.choices:
        kind = click.Choice(list(parameter.choices))
    elif parameter.kind is int:
        kind = click.IntRange(min=parameter.minimum, max=parameter.maximum)
    elif parameter.kind is float:
        kind = Finite(min=parameter.minimum, max=parameter.maximum)
    else:
        kind = click.STRING
    return click.Option([parameter.option, parameter.name], type=kind, help=help_text)


def _protocol_named_in(args: Sequence[str]) -> str:
    """The --protocol value among raw arguments, before click parses them."""
    for i, arg in enumerate(args):
        if arg == "--protocol" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--protocol="):
            return arg.split("=", 1)[1]
    return DEFAULT_PROTOCOL


class ProtocolCommand(click.Command):
    """A command whose options include the chosen protocol's parameters."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        protocol = lookup(_protocol_named_in(args))
        common = [p for p in self.params if not getattr(p, "generated", False)]
        generated: list[click.Parameter] = []
        for parameter in protocol.parameters:
            option = option_for(parameter)
            option.generated = True  # type: ignore[attr-defined]
            generated.append(option)
        self.params = [*common, *generated]
        ctx.meta["protocol"] = protocol
        return super().parse_args(ctx, args)


def build_config(
    protocol: ProtocolSpec,
    base_name: str | None,
    overrides: dict[str, Any],
    mutant_name: str | None = None,
) -> Any:
    """The base config (a standard one, or the defaults) with the options
    given and the mutant applied, checked by building the model once."""
    try:
        base = protocol.params_type() if base_name is None else protocol.standard(base_name).config
    except UnknownNameError as error:
        raise click.BadParameter(str(error), param_hint="'--config'") from None
    try:
        mutant = None if mutant_name is None else protocol.mutant(mutant_name)
    except UnknownNameError as error:
        raise click.BadParameter(str(error), param_hint="'--mutant'") from None
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        config = dataclasses.replace(base, **given)
        if mutant is not None:
            config = protocol.mutated(config, mutant)
        protocol.build(config)  # validates the parameters (and the scenario, the mutant)
    except ParameterError as error:
        raise parameter_usage_error(error, base, given) from None
    except ValueError as error:
        flag = getattr(error, "option", None)
        part, problem = getattr(error, "part", None), getattr(error, "problem", None)
        if isinstance(flag, str) and part is not None:
            raise click.BadParameter(f"{part!r}: {problem}", param_hint=f"'{flag}'") from None
        raise click.UsageError(str(error)) from None
    validated = getattr(config, "validated", None)
    return validated() if callable(validated) else config


def parameter_usage_error(
    error: ParameterError, base: Any, given: dict[str, Any]
) -> click.UsageError:
    """Name the option the user gave: a conflict between parameters (servers
    against min_servers) blames the ones given, and shows every value."""

    def flag(field: str) -> str:
        return "--" + field.replace("_", "-")

    fields = (error.option, *error.others)
    named = [f for f in fields if f in given] or [error.option]
    hint = " / ".join(f"'{flag(f)}'" for f in named)
    if not error.others:
        text = f"{error.value!r} is not allowed: {error.allowed}"
        return click.BadParameter(text, param_hint=hint)
    values = ", ".join(f"{flag(f)} {given.get(f, getattr(base, f, '?'))}" for f in fields)
    text = f"{values} conflict: {error.option} must be {error.allowed}; change one of them"
    return click.BadParameter(text, param_hint=hint)


def config_record(config: Any) -> dict[str, Any]:
    is_record = dataclasses.is_dataclass(config) and not isinstance(config, type)
    return dataclasses.asdict(config) if is_record else {}


def result_summary(
    protocol: ProtocolSpec, config: Any, model: Model[Any, Any], result: CheckResult
) -> dict[str, Any]:
    """The machine-readable summary that --json prints."""
    ce = result.counterexample
    return {
        "protocol": protocol.name,
        "model": model.name,
        "config": config_record(config),
        "verdict": result.verdict.value,
        "exit_code": result.verdict.exit_code,
        "property": violated_property(result),
        "detail": ce.detail if ce else None,
        "length": ce.length if ce else None,
        "loop_start": ce.loop_start if ce else None,
        "actions": [model.describe_action(s.action) for s in ce.steps[1:]] if ce else None,
        "bound": result.bound,
        "unmet_sometimes": list(result.unmet_sometimes),
        "coverage": result.coverage.as_dict() if result.coverage else None,
        "checked": list(result.checked),
        "reductions": list(result.reductions),
        "por": result.por.as_dict() if result.por is not None else None,
        "stats": {
            **result.stats.as_dict(),
            "collision_probability": result.stats.collision_probability,
        },
    }


def _liveness_word(model: Model[Any, Any], liveness: bool, reduced: bool = False) -> str:
    if not has_liveness(model):
        return "none (the protocol defines no fairness)"
    if reduced:
        return "off (--por)"
    return "Progress" if liveness else "off"


def verdict_line(result: CheckResult, progress_skipped: bool = False) -> str:
    ce = result.counterexample
    reduced = PARTIAL_ORDER in result.reductions
    if result.verdict is Verdict.VERIFIED:
        if progress_skipped and reduced:
            return (
                f"VERIFIED: every checked property holds; {PROGRESS} not checked under --por"
                " (--no-por checks it)"
            )
        if progress_skipped:
            return f"VERIFIED: every checked property holds; {PROGRESS} was not checked"
        return "VERIFIED: every property holds"
    if result.verdict is Verdict.INCOMPLETE:
        where = "by Ctrl-C" if result.bound == "interrupted" else f"at {result.bound}"
        return f"INCOMPLETE: stopped {where} before the exploration finished; nothing is proven"
    if ce is None:
        unmet = ", ".join(result.unmet_sometimes)
        return f"VIOLATED: {unmet} never holds in any reachable state (the model is vacuous)"
    if reduced:
        return (
            f"VIOLATED: {ce.property_name}, a counterexample of {ce.length} steps"
            " (shortest under --por, maybe longer than a shortest run: --no-por gives one)"
        )
    kind = "a lasso" if ce.loop_start is not None else "a shortest counterexample"
    return f"VIOLATED: {ce.property_name}, {kind} of {ce.length} steps"


def print_result(model: Model[Any, Any], result: CheckResult, liveness: bool = True) -> None:
    click.echo(f"model    {model.name}")
    checks = [p.name for p in model.invariants] + [p.name for p in model.step_properties]
    click.echo(
        f"checks   {', '.join(checks)};"
        f" liveness {_liveness_word(model, liveness, PARTIAL_ORDER in result.reductions)};"
        f" sometimes {', '.join(p.name for p in model.sometimes)}"
    )
    skipped = has_liveness(model) and (not liveness or PARTIAL_ORDER in result.reductions)
    click.echo(f"verdict  {verdict_line(result, progress_skipped=skipped)}")
    st = result.stats
    click.echo(
        f"stats    {st.states:,} states, {st.transitions:,} transitions, depth {st.depth},"
        f" {st.seconds:.1f} s, {st.states_per_second:,.0f} states/s,"
        f" peak memory {st.peak_memory_bytes / 2**20:.0f} MB"
    )
    if "symmetry" in result.reductions:
        click.echo(
            "reduced  symmetry: one state per class of interchangeable nodes is counted"
            " (--no-symmetry counts every state)"
        )
    if result.por is not None:
        por = result.por
        click.echo(
            f"reduced  partial-order: an ample set expanded at {por.reduced:,} states, refused at"
            f" {por.refused_visible:,} (a visible action) and {por.refused_proviso:,} (the cycle"
            " proviso); Progress is not checked and counterexamples may be longer (--no-por)"
        )
    if st.collision_probability:
        click.echo(
            f"         fingerprints: chance of a collision {st.collision_probability:.1e}"
            " (--exact avoids it)"
        )
    if result.coverage is not None:
        click.echo(f"coverage {coverage_line(result.coverage)}")
    if result.counterexample is not None:
        click.echo()
        click.echo(format_counterexample(model, result.counterexample))


def coverage_line(coverage: Coverage) -> str:
    """Which kinds of action the run took (TLC's action coverage)."""
    taken = len(coverage.taken)
    if not coverage.never:
        return f"every kind of action was taken ({taken} kinds)"
    total = taken + len(coverage.never)
    return f"{taken} of {total} kinds of action taken; never: {', '.join(coverage.never)}"


@click.command("model", cls=ProtocolCommand)
@click.option(
    "--protocol",
    default=DEFAULT_PROTOCOL,
    show_default=True,
    help="The protocol to check (`check list` shows them); its options follow.",
)
@click.option("--config", "base", help="Start from a standard configuration (`check list`).")
@click.option("--mutant", help="Check a known bug (see --list-mutants).")
@click.option("--list-mutants", is_flag=True, help="Show the mutant catalog and exit.")
@click.option("--max-states", type=click.IntRange(min=1), help="Stop after N states (incomplete).")
@click.option("--max-seconds", type=Finite(min=0, min_open=True), help="Stop after S seconds.")
@click.option(
    "--max-memory",
    type=click.IntRange(min=1),
    metavar="MB",
    help="Stop when the process's peak memory reaches MB megabytes (incomplete).",
)
@click.option("--no-liveness", is_flag=True, help="Skip the Progress check.")
@click.option(
    "--exact",
    is_flag=True,
    help="Keep whole states, not 64-bit fingerprints: no collision risk, more memory.",
)
@click.option(
    "--workers",
    type=WorkerCount(),
    default="auto",
    show_default=True,
    help="Processes (or Ray actors) sharing the search, each owning a shard of the states."
    " auto: one process if the run ends within 2 CPU seconds, else every core (it starts"
    " again on them); 1 forces one process.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: this machine's processes; ray: Ray actors (pip install -e '.[ray]').",
)
@click.option(
    "--address", help="With --engine ray: join this Ray cluster (else start a local one)."
)
@click.option(
    "--symmetry/--no-symmetry",
    default=True,
    show_default=True,
    help="Visit one state per class of interchangeable nodes, where the protocol"
    " defines them; counterexamples stay concrete and shortest, verdicts (Progress too)"
    " are unchanged, counts are of classes.",
)
@click.option(
    "--por/--no-por",
    default=False,
    show_default=True,
    help="Partial-order reduction: where the protocol offers ample sets (generals, smr, tokens),"
    " expand only those; invariants, step and sometimes properties keep their verdicts,"
    " Progress is not checked, and a counterexample may be longer than a shortest one"
    " (off by default, so counterexamples are shortest).",
)
@click.option(
    "--spill",
    type=click.Choice(SPILL_MODES),
    default="auto",
    show_default=True,
    help="When the parent links of completed levels (8 bytes a state) move to a temporary"
    " file: auto when resident memory passes 70% of --max-memory (without it, when the"
    " machine's available memory is below 20%), always every level, never."
    " Same results; the file is removed when the run ends.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.option(
    "--trace-out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the counterexample as JSON Lines.",
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the counterexample as a message sequence chart (self-contained HTML).",
)
@click.option(
    "--mermaid",
    "mermaid_out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the counterexample as a Mermaid sequenceDiagram.",
)
@click.option("--quiet", is_flag=True, help="No progress line.")
@click.pass_context
def model_command(
    ctx: click.Context,
    /,
    protocol: str,
    base: str | None,
    list_mutants: bool,
    mutant: str | None,
    max_states: int | None,
    max_seconds: float | None,
    max_memory: int | None,
    no_liveness: bool,
    exact: bool,
    workers: int | None,
    engine: str,
    address: str | None,
    symmetry: bool,
    por: bool,
    spill: SpillMode,
    as_json: bool,
    trace_out: str | None,
    html_out: str | None,
    mermaid_out: str | None,
    quiet: bool,
    **parameters: Any,
) -> None:
    """Explore every reachable state of one configuration of a protocol;
    print the verdict and, if a property breaks, the shortest run that
    breaks it. Exit 0 holds, 1 violated, 2 bad usage, 3 incomplete."""
    spec: ProtocolSpec = ctx.meta["protocol"]
    if list_mutants:
        print_catalog(spec)
        return
    config = build_config(spec, base, parameters, mutant)
    built = spec.build(config)
    symmetric = symmetry and has_symmetry(built)
    stable = callable(getattr(built, "canonical_by", None))
    _check_engine_options(workers, engine, address, exact, symmetric and not stable)
    if por and ((workers is not None and workers > 1) or engine == "ray"):
        raise click.UsageError(
            "--por runs on one process (the cycle proviso needs the whole visited set);"
            " drop --workers N (auto or 1 run it on one process) and --engine ray, or drop --por"
        )
    if por and not has_por(built):
        click.echo(
            f"warning: --por: the {spec.name} model offers no ample sets; every state is"
            " expanded (no reduction)",
            err=True,
        )
    if trace_out is not None:
        writable_path(trace_out, "--trace-out")  # before the run, not after it
    warnings = getattr(config, "warnings", None)
    for warning in warnings() if callable(warnings) else ():
        click.echo(f"warning: {warning}", err=True)
    with (
        ProgressLine(enabled=False if quiet else None) as progress,
        first_interrupt_stops() as stop,
        worker_loss_is_incomplete(),
    ):
        model, result = check_config(
            spec,
            config,
            max_states=max_states,
            max_seconds=max_seconds,
            max_memory=None if max_memory is None else max_memory * 2**20,
            liveness=not no_liveness,
            on_progress=progress,
            should_stop=stop,
            exact=exact,
            workers=workers,
            engine=engine,
            address=address,
            symmetry=symmetry,
            por=por,
            spill=spill,
        )
    if as_json:
        click.echo(json.dumps(result_summary(spec, config, model, result), indent=2))
    else:
        print_result(model, result, liveness=not no_liveness)
    if trace_out is not None:
        write_trace_out(trace_out, spec, config, model, result, as_json)
    if (html_out or mermaid_out) and result.counterexample is not None:
        records = counterexample_records(
            model, result.counterexample, config_record(config), protocol=spec.name
        )
        write_pictures(records, html_out, mermaid_out, quiet=as_json)
    sys.exit(result.verdict.exit_code)


def _check_engine_options(
    workers: int | None, engine: str, address: str | None, exact: bool, unstable_symmetry: bool
) -> None:
    partitioned = (workers is not None and workers > 1) or engine == "ray"
    if exact and partitioned:
        raise click.UsageError(
            "--exact runs on one process: shards route states by fingerprint;"
            " drop --exact or use --workers 1 --engine local"
        )
    if unstable_symmetry and engine == "ray":
        raise click.UsageError(
            "--engine ray needs a canonical form that every process computes alike"
            " (canonical_by), which this protocol does not offer;"
            " add --no-symmetry (counts are then of states, not classes)"
        )
    if address is not None and engine != "ray":
        raise click.BadParameter(
            f"{address!r} is for --engine ray; add --engine ray or drop --address",
            param_hint="'--address'",
        )
    if engine == "ray":
        from checker.ray_engine import ray_missing

        missing = ray_missing()
        if missing:
            raise click.UsageError(f"--engine ray: {missing}")


def write_trace_out(
    path: str,
    spec: ProtocolSpec,
    config: Any,
    model: Model[Any, Any],
    result: CheckResult,
    quiet: bool,
) -> None:
    """Write the counterexample, or a header saying there is none: never
    leave an older run's counterexample in the file."""
    if result.counterexample is not None:
        write_counterexample(
            path, model, result.counterexample, config_record(config), protocol=spec.name
        )
        message = f"counterexample written to {path}"
    else:
        detail = f"no counterexample: {verdict_line(result)}"
        write_no_counterexample(
            path, model, config_record(config), result.verdict.value, detail, protocol=spec.name
        )
        message = f"no counterexample; {path} holds a header saying so"
    if not quiet:
        click.echo(message)


def write_pictures(
    records: list[dict[str, Any]], html_out: str | None, mermaid_out: str | None, quiet: bool
) -> None:
    from checker.pictures.msc import msc_html, msc_mermaid

    for path, render in ((html_out, msc_html), (mermaid_out, msc_mermaid)):
        if path is None:
            continue
        try:
            Path(path).write_text(render(records), encoding="utf-8")
        except OSError as error:
            raise click.BadParameter(f"cannot write {path}: {error.strerror}") from None
        if not quiet:
            click.echo(f"chart written to {path}")


def standard_table_row(run: StandardRun) -> str:
    r = run.result
    expected = run.standard.expected or "all hold"
    got = violated_property(r) or ("all hold" if r.verdict is Verdict.VERIFIED else "-")
    return (
        f"{run.standard.name:<5} {expected:<9} {got:<14} {r.stats.states:>10,}"
        f" {r.stats.transitions:>11,} {r.stats.seconds:>8.1f}s  {run.status}"
    )


STANDARD_HEADER = (
    f"{'name':<5} {'expected':<9} {'got':<14} {'states':>10} {'transitions':>11}"
    f" {'time':>9}  status"
)


@suite_part("standard configurations")
def standard_configurations(jobs: int) -> int:
    """Each standard configuration must give its expected verdict."""
    codes = []
    work = [(p, s.name) for p in all_protocols().values() for s in p.standards]
    shown = None
    with ProgressLine() as line:
        for run in run_standards(work, jobs, line):
            line.close()
            if run.protocol.name != shown:
                shown = run.protocol.name
                click.echo(f"-- {shown}: {run.protocol.summary}")
                click.echo(STANDARD_HEADER)
            click.echo(standard_table_row(run))
            codes.append(run.exit_code)
            if run.status == "UNEXPECTED" and run.result.counterexample is not None:
                click.echo(format_counterexample(run.model, run.result.counterexample))
    return worst_exit_code(codes)
