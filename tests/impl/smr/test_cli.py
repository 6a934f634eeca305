"""`check smr serve`, `fail` and `client` as a user runs them: separate
processes on 127.0.0.1, each bounded by a timeout and stopped at the end."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from click.testing import CliRunner

from checker.cli import main
from tests.processes import children, wait_until_gone

CHECK = [sys.executable, "-c", "from checker.cli import main; main()"]
WAIT = 30


def _check(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHECK, *args], input=stdin, capture_output=True, text=True, timeout=WAIT
    )


@contextmanager
def _serve(*args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    process = subprocess.Popen(
        [*CHECK, "smr", "serve", "--max-seconds", "60", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("control on"):
            line = process.stdout.readline()
            assert line, f"serve ended early: {lines}"
            lines.append(line.rstrip())
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=WAIT)


def test_serve_takes_free_ports_when_the_base_is_taken_and_fails_at_most_t_minus_1() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        base = taken.getsockname()[1]
        with _serve("--replicas", "2", "--base-port", str(base), "--control-port", "0") as (
            serve,
            lines,
        ):
            ports = [
                int(m) for m in re.findall(r"r\d listening on 127\.0\.0\.1:(\d+)", "\n".join(lines))
            ]
            assert len(ports) == 2 and base not in ports
            control = re.search(r"control on 127\.0\.0\.1:(\d+)", lines[-1])
            assert control is not None
            client = _check(
                "smr",
                "client",
                "--ports",
                ",".join(map(str, ports)),
                "--id",
                "t1",
                stdin="add north mmr 4\nbogus\nadd north mmr 1\nquery north\nquit\n",
            )
            assert client.returncode == 0, client.stderr
            assert client.stdout.splitlines() == [
                "north mmr: 4 doses",
                "error: unknown command 'bogus'; commands: add SITE VACCINE DOSES"
                " | update SITE VACCINE DOSES | query [SITE] | quit",
                "north mmr: 5 doses",
                "north: mmr 5",
            ]
            # The rest in this process: the same commands, without a start-up each.
            runner, at = CliRunner(), ["--control", control.group(1)]
            first = runner.invoke(main, ["smr", "fail", "1", *at])
            assert (first.exit_code, first.output.strip()) == (0, "r1 failed (1 of at most 1)")
            second = runner.invoke(main, ["smr", "fail", "2", *at])
            assert second.exit_code == 1 and "at most t-1 = 1 may fail" in second.output
            to_all = ["smr", "client", "--ports", ",".join(map(str, ports))]
            again = runner.invoke(main, [*to_all, "--id", "t2"], input="query\n")
            assert (again.exit_code, again.output.strip()) == (0, "north: mmr 5")
            taken_name = runner.invoke(main, [*to_all, "--id", "t1"], input="query\n")
            assert taken_name.exit_code == 1 and "refused client 't1'" in taken_name.output
            assert serve.stdin is not None and serve.stdout is not None
            serve.stdin.write("r2\nfrog\n")  # the console: a replica id fails it
            serve.stdin.flush()
            assert "at most t-1 = 1 may fail" in serve.stdout.readline()
            assert "not a replica number: 'frog'" in serve.stdout.readline()
            serve.stdin.write("quit\n")
            serve.stdin.flush()
            assert serve.wait(timeout=WAIT) == 0


def test_bad_usage_is_one_line_and_exit_2() -> None:
    runner = CliRunner()
    bad_ports = runner.invoke(main, ["smr", "client", "--ports", "88x2"])
    assert bad_ports.exit_code == 2 and "comma-separated list of ports" in bad_ports.output
    with socket.create_server(("127.0.0.1", 0)) as s:
        closed = s.getsockname()[1]
    no_serve = runner.invoke(main, ["smr", "fail", "1", "--control", str(closed)])
    assert no_serve.exit_code == 2 and "pass the port it printed" in no_serve.output
    no_replica = runner.invoke(main, ["smr", "client", "--ports", str(closed)], input="query\n")
    assert no_replica.exit_code == 1 and "no replica answers" in no_replica.output


def test_replicas_exit_when_their_serve_process_is_killed() -> None:
    with (
        socket.create_server(("127.0.0.1", 0)) as taken,
        _serve("--replicas", "2", "--base-port", str(taken.getsockname()[1])) as (serve, _),
    ):
        replicas = children(serve.pid)
        assert len(replicas) == 2
        serve.kill()
        serve.wait(timeout=WAIT)
        assert wait_until_gone(replicas, seconds=WAIT) == []
