"""`check model`: explore one configuration of the token protocol.

    check model --servers 3 --clients 2 --tokens 1 --ops 1
    check model --config S3a --mutant sync-replace --trace-out cex.jsonl
    check model --list-mutants

One option per model parameter (PROTOCOL.md section 4); --config starts
from a standard configuration and the other options override it. Exit 0
every property holds, 1 a property is violated, 2 bad usage, 3 incomplete.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

import click

from checker.cli.interrupt import first_interrupt_stops
from checker.cli.runs import StandardRun, check_config, run_standards, violated_property
from checker.cli.suite import suite_part, worst_exit_code
from checker.progress import ProgressLine
from checker.report import format_counterexample
from checker.result import CheckResult, Verdict
from checker.trace_file import write_counterexample
from spec.tokens.config import RECONFIG_MODES, Config
from spec.tokens.errors import ConfigError, ScenarioError, SpecError
from spec.tokens.model import TokenModel
from spec.tokens.mutants import CATALOG, MUTANTS
from spec.tokens.standard import STANDARD_CONFIGS

_COUNT = click.IntRange(min=0)
_STANDARD_NAMES = click.Choice(list(STANDARD_CONFIGS), case_sensitive=False)


def print_catalog() -> None:
    click.echo(f"{'mutant':<18} {'caught by':<28} {'config':<6} change")
    for m in CATALOG:
        click.echo(f"{m.name:<18} {' or '.join(m.caught_by):<28} {m.config:<6} {m.change}")


def build_config(base_name: str | None, overrides: dict[str, Any]) -> Config:
    """The base config (a standard one, or the defaults) with the options given."""
    base = Config() if base_name is None else _standard(base_name).config
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        config = dataclasses.replace(base, **given)
        TokenModel(config)  # validates the parameters, the scenario and the mutant
    except ConfigError as error:
        option = "--" + error.option.replace("_", "-")
        raise click.BadParameter(
            f"{error.value!r} is not allowed: {error.allowed}", param_hint=f"'{option}'"
        ) from None
    except ScenarioError as error:
        raise click.BadParameter(
            f"{error.part!r}: {error.problem}", param_hint=f"'{error.option}'"
        ) from None
    except SpecError as error:
        raise click.UsageError(str(error)) from None
    return config.validated()


def _standard(name: str) -> Any:
    for key, standard in STANDARD_CONFIGS.items():
        if key.lower() == name.lower():
            return standard
    raise click.BadParameter(f"unknown configuration {name!r}", param_hint="'--config'")


def result_summary(model: TokenModel, result: CheckResult) -> dict[str, Any]:
    """The machine-readable summary that --json prints."""
    ce = result.counterexample
    return {
        "model": model.name,
        "config": dataclasses.asdict(model.config),
        "verdict": result.verdict.value,
        "exit_code": result.verdict.exit_code,
        "property": violated_property(result),
        "detail": ce.detail if ce else None,
        "length": ce.length if ce else None,
        "loop_start": ce.loop_start if ce else None,
        "actions": [model.describe_action(s.action) for s in ce.steps[1:]] if ce else None,
        "bound": result.bound,
        "unmet_sometimes": list(result.unmet_sometimes),
        "checked": list(result.checked),
        "stats": {
            **result.stats.as_dict(),
            "collision_probability": result.stats.collision_probability,
        },
    }


def verdict_line(result: CheckResult) -> str:
    ce = result.counterexample
    if result.verdict is Verdict.VERIFIED:
        return "VERIFIED: every property holds"
    if result.verdict is Verdict.INCOMPLETE:
        where = "by Ctrl-C" if result.bound == "interrupted" else f"at {result.bound}"
        return f"INCOMPLETE: stopped {where} before the exploration finished; nothing is proven"
    if ce is None:
        unmet = ", ".join(result.unmet_sometimes)
        return f"VIOLATED: {unmet} never holds in any reachable state (the model is vacuous)"
    kind = "a lasso" if ce.loop_start is not None else "a shortest counterexample"
    return f"VIOLATED: {ce.property_name}, {kind} of {ce.length} steps"


def print_result(model: TokenModel, result: CheckResult, liveness: bool = True) -> None:
    click.echo(f"model    {model.name}")
    checks = [p.name for p in model.invariants] + [p.name for p in model.step_properties]
    click.echo(
        f"checks   {', '.join(checks)}; liveness {'Progress' if liveness else 'off'};"
        f" sometimes {', '.join(p.name for p in model.sometimes)}"
    )
    click.echo(f"verdict  {verdict_line(result)}")
    st = result.stats
    click.echo(
        f"stats    {st.states:,} states, {st.transitions:,} transitions, depth {st.depth},"
        f" {st.seconds:.1f} s, {st.states_per_second:,.0f} states/s,"
        f" peak memory {st.peak_memory_bytes / 2**20:.0f} MB"
    )
    if st.collision_probability:
        click.echo(
            f"         fingerprints: chance of a collision {st.collision_probability:.1e}"
            " (--exact avoids it)"
        )
    if result.counterexample is not None:
        click.echo()
        click.echo(format_counterexample(model, result.counterexample))


@click.command("model")
@click.option("--config", "base", type=_STANDARD_NAMES, help="Start from a standard configuration.")
@click.option("--servers", type=_COUNT, help="Initial servers n (default 3).")
@click.option("--clients", type=_COUNT, help="Clients K (default 2).")
@click.option("--tokens", type=_COUNT, help="Tokens T (default 1).")
@click.option("--faulty", type=_COUNT, help="Faulty servers f: the first f (default maxf(n)).")
@click.option("--ops", type=_COUNT, help="Operations each node may start as a client (default 1).")
@click.option("--reconfigs", type=_COUNT, help="Role changes allowed (default 0).")
@click.option("--min-servers", type=_COUNT, help="Fewest servers (default 3).")
@click.option("--max-servers", type=_COUNT, help="Most servers (default 7).")
@click.option("--reconfig", type=click.Choice(RECONFIG_MODES), help="Change granularity.")
@click.option("--workload", help="Scripted ops, e.g. 'c1: pay(0,c2); c2: gettokens(c2)'.")
@click.option("--transforms", help="Scripted role changes in order, e.g. 'c2, s2'.")
@click.option("--mutant", help="Check a known bug (see --list-mutants).")
@click.option("--list-mutants", is_flag=True, help="Show the mutant catalog and exit.")
@click.option("--max-states", type=click.IntRange(min=1), help="Stop after N states (incomplete).")
@click.option(
    "--max-seconds", type=click.FloatRange(min=0, min_open=True), help="Stop after S seconds."
)
@click.option("--no-liveness", is_flag=True, help="Skip the Progress check.")
@click.option(
    "--exact",
    is_flag=True,
    help="Keep whole states, not 64-bit fingerprints: no collision risk, more memory.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.option(
    "--trace-out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the counterexample as JSON Lines.",
)
@click.option("--quiet", is_flag=True, help="No progress line.")
def model_command(
    base: str | None,
    list_mutants: bool,
    mutant: str | None,
    max_states: int | None,
    max_seconds: float | None,
    no_liveness: bool,
    exact: bool,
    as_json: bool,
    trace_out: str | None,
    quiet: bool,
    **parameters: Any,
) -> None:
    """Explore every reachable state of one configuration of the token
    protocol; print the verdict and, if a property breaks, the shortest run
    that breaks it. Exit 0 holds, 1 violated, 2 bad usage, 3 incomplete."""
    if list_mutants:
        print_catalog()
        return
    if mutant is not None and mutant not in MUTANTS:
        raise click.BadParameter(
            f"unknown mutant {mutant!r}; known: {', '.join(MUTANTS)}", param_hint="'--mutant'"
        )
    config = build_config(base, {**parameters, "mutant": mutant})
    for warning in config.warnings():
        click.echo(f"warning: {warning}", err=True)
    with (
        ProgressLine(enabled=False if quiet else None) as progress,
        first_interrupt_stops() as stop,
    ):
        model, result = check_config(
            config,
            max_states=max_states,
            max_seconds=max_seconds,
            liveness=not no_liveness,
            on_progress=progress,
            should_stop=stop,
            exact=exact,
        )
    if as_json:
        click.echo(json.dumps(result_summary(model, result), indent=2))
    else:
        print_result(model, result, liveness=not no_liveness)
    if trace_out is not None and result.counterexample is not None:
        write_counterexample(
            trace_out, model, result.counterexample, dataclasses.asdict(model.config)
        )
        if not as_json:
            click.echo(f"counterexample written to {trace_out}")
    sys.exit(result.verdict.exit_code)


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
    click.echo(STANDARD_HEADER)
    codes = []
    with ProgressLine() as line:
        for run in run_standards(list(STANDARD_CONFIGS), jobs, line):
            line.close()
            click.echo(standard_table_row(run))
            codes.append(run.exit_code)
            if run.status == "UNEXPECTED" and run.result.counterexample is not None:
                click.echo(format_counterexample(run.model, run.result.counterexample))
    return worst_exit_code(codes)
