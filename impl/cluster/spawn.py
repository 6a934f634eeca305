"""Starting and stopping the cluster's processes.

Each process runs in its own session (its own process group), so `kill` can
SIGKILL exactly it, and it outlives the command that started it. It writes
DIR/run/NAME.json (pid, port) once it listens; `wait_ready` waits for that.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from impl.cluster.errors import Unreachable
from impl.cluster.layout import Layout

READY_TIMEOUT = 20.0


def spawn(layout: Layout, module: str, name: str, *extra: str) -> int:
    """Start `python -m module --data DIR --name NAME ...`; return its pid."""
    layout.run(name).unlink(missing_ok=True)
    with open(layout.log(name), "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--data", str(layout.root), "--name", name, *extra],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    return process.pid


def alive(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def wait_ready(layout: Layout, name: str, pid: int, timeout: float = READY_TIMEOUT) -> int:
    """The port of `name` once its process listens; Unreachable if it died or took too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = layout.read_run(name)
        if run is not None and run["pid"] == pid:
            return run["port"]
        if not alive(pid):
            tail = layout.log(name).read_text()[-400:] if layout.log(name).exists() else ""
            raise Unreachable(f"{name} (pid {pid}) exited while starting; its log ends: {tail}")
        time.sleep(0.05)
    raise Unreachable(f"{name} (pid {pid}) did not start listening within {timeout:g}s")


def processes_of(layout: Layout, name: str) -> list[int]:
    """The pids of every live process started as node `name` of this cluster
    (`--data DIR --name NAME` on its command line), found in /proc: a process
    whose pid no file holds yet (the manager died after starting it, before it
    wrote DIR/run/NAME.json) is found too. Linux only; elsewhere, none."""
    root = layout.root.resolve()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            cwd = os.readlink(entry / "cwd")
        except OSError:  # gone, or not ours
            continue
        if "--data" not in argv or "--name" not in argv[:-1]:
            continue
        data = argv[argv.index("--data") + 1] if argv.index("--data") + 1 < len(argv) else ""
        if argv[argv.index("--name") + 1] == name and (Path(cwd) / data).resolve() == root:
            pid = int(entry.name)
            if pid != os.getpid() and alive(pid):
                found.append(pid)
    return found


def stop_all(layout: Layout, name: str, timeout: float = 5.0) -> list[int]:
    """SIGKILL every process of node `name` (the one in DIR/run/NAME.json and
    any other found by `processes_of`), wait until they are gone, and remove
    the run file. Idempotent: with none running, it does nothing."""
    run = layout.read_run(name)
    pids = set(processes_of(layout, name))
    if run is not None and alive(run["pid"]):
        pids.add(run["pid"])
    for pid in pids:
        kill(pid)
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    layout.run(name).unlink(missing_ok=True)
    return sorted(pids)


def kill(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal the process group of `pid` (the process and anything it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0 if sig == signal.SIGKILL else os.WNOHANG)
