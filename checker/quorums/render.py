"""The report as a text table (one row per n, counterexamples beneath) and
as a JSON-ready dict holding the same facts.

    >>> from checker.quorums import QuorumConfig, check_quorums
    >>> to_text(check_quorums(QuorumConfig(min_n=3, max_n=3))).splitlines()[-1]
    'quorum proofs: all proven (11 proven)'
    >>> to_json(check_quorums(QuorumConfig(min_n=3, max_n=3)))["rows"][0]["max_f"]
    1
"""

from __future__ import annotations

from typing import Any

from checker.quorums.results import (
    OBLIGATIONS,
    Counterexample,
    Outcome,
    Report,
    Row,
    ServerSet,
    Status,
    braces,
)

_WIDTHS = {"intersection": 14, "availability": 14, "join": 8, "leave": 8, "chain": 8}


def to_text(report: Report) -> str:
    """The table, each refuted cell's counterexample, the symbolic facts and
    a one-line verdict."""
    how = "with state transfer" if report.transfer else "WITHOUT state transfer"
    lines = [
        f"quorum rule {report.rule}; chains of up to {report.chain} changes {how}",
        _faults_line(report),
        _header(report),
    ]
    for row in report.rows:
        lines.append(_row_line(row))
        for outcome in row.outcomes:
            if outcome.counterexample is not None:
                lines.append(f"      {outcome.obligation} refuted: {outcome.counterexample.claim}")
                lines.extend(f"        {line}" for line in _sets_lines(outcome.counterexample))
    if report.symbolic:
        lines.append("symbolic facts, for every n (z3 integer arithmetic):")
        for fact in report.symbolic:
            verdict = fact.status.value
            if fact.counterexample_n is not None:
                verdict += f" at n={fact.counterexample_n}"
            lines.append(f"  {fact.name:<20} {fact.claim:<34} n >= {fact.from_n}  {verdict}")
    lines.append(_verdict(report))
    return "\n".join(lines)


def _faults_line(report: Report) -> str:
    if report.faulty is None:
        return "availability with maxf(n) = (n-1)//2 faulty servers"
    return f"availability with {report.faulty} faulty servers"


def _header(report: Report) -> str:
    cells = [f"{'n':>3}", f"{'q':<5}", f"{'max f':>5}"]
    for name in OBLIGATIONS:
        label = f"chain({report.chain})" if name == "chain" else name
        cells.append(f"{label:<{_WIDTHS[name]}}")
    return "  ".join(cells).rstrip()


def _row_line(row: Row) -> str:
    sizes = (
        str(row.read_size)
        if row.read_size == row.write_size
        else f"R{row.read_size}/W{row.write_size}"
    )
    max_f = "none" if row.max_f is None else str(row.max_f)
    cells = [f"{row.n:>3}", f"{sizes:<5}", f"{max_f:>5}"]
    for o in row.outcomes:
        cells.append(f"{o.status.value:<{_WIDTHS[o.obligation]}}")
    return "  ".join(cells).rstrip()


def _sets_lines(cx: Counterexample) -> list[str]:
    lines = []
    previous: ServerSet | None = None
    for s in cx.sets:
        line = s.show()
        if s.role == "servers":
            if previous is not None:
                line += f"  ({_change(previous, s)})"
            previous = s
        lines.append(line)
    return lines


def _change(before: ServerSet, after: ServerSet) -> str:
    joined = set(after.members) - set(before.members)
    left = set(before.members) - set(after.members)
    if joined:
        return f"{braces(frozenset(joined))[1:-1]} joins"
    return f"{braces(frozenset(left))[1:-1]} leaves"


def _verdict(report: Report) -> str:
    statuses = [o.status for r in report.rows for o in r.outcomes]
    statuses += [f.status for f in report.symbolic]
    counts = {s: statuses.count(s) for s in Status if statuses.count(s)}
    summary = ", ".join(f"{c} {s.value}" for s, c in counts.items())
    word = {0: "all proven", 1: "REFUTED", 3: "INCOMPLETE"}[report.exit_code]
    if report.interrupted:
        stop = f"interrupted by Ctrl-C with {len(report.rows)} sizes done"
        summary = f"{summary}; {stop}" if summary else stop
    return f"quorum proofs: {word} ({summary})"


def to_json(report: Report) -> dict[str, Any]:
    """The same facts as `to_text`, losslessly, for `--json`."""
    return {
        "rule": report.rule,
        "chain": report.chain,
        "transfer": report.transfer,
        "exit_code": report.exit_code,
        "interrupted": report.interrupted,
        "rows": [
            {
                "n": r.n,
                "read_quorum": r.read_size,
                "write_quorum": r.write_size,
                "max_f": r.max_f,
                "faulty": r.faulty,
                "obligations": {o.obligation: _outcome_json(o) for o in r.outcomes},
            }
            for r in report.rows
        ],
        "symbolic": [
            {
                "name": f.name,
                "claim": f.claim,
                "from_n": f.from_n,
                "status": f.status.value,
                "counterexample_n": f.counterexample_n,
            }
            for f in report.symbolic
        ],
    }


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    cx = outcome.counterexample
    return {
        "status": outcome.status.value,
        "counterexample": None
        if cx is None
        else {
            "claim": cx.claim,
            "sets": [
                {"role": s.role, "epoch": s.epoch, "size": s.size, "members": list(s.members)}
                for s in cx.sets
            ],
        },
    }
