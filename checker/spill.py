"""Parent links and action indexes that move to disk by level (as TLC does).

The engine keeps, per state id, its parent id and the index of the action
that reached it (`checker.explore`): 8 bytes a state, read back only to
rebuild a counterexample (depth-many entries, `checker.replay.rebuild`).
`SpillArray` is an append-only int32 array that the engine appends to like
`array("i")` and indexes like one, but whose entries so far can be moved to
a temporary file (`spill()`, called between BFS levels); an entry on disk is
read back with one seek.

    >>> with SpillArray() as links:
    ...     for i in range(5):
    ...         links.append(10 * i)
    ...     links.spill()                # 0..4 now on disk, none in memory
    ...     links.append(50)
    ...     links[3], links[5], len(links), links.in_memory
    (30, 50, 6, 1)

`append` and `extend` are the bound methods of the in-memory tail, which
`spill()` empties in place, so the engine can bind them once. The file is created on the first
spill in the system temp dir (`tempfile.gettempdir()`, named
`tokencheck-spill-PID-*.i32`) and removed by `close()`, which the engine calls
in a `finally` (a violation, a bound, an exception, Ctrl-C or SIGTERM all
end there). A run killed outright leaves its files; the next spill on the
machine removes them (`remove_stale_spill_files`: their process is gone).

`ParentLinks` is the engine's pair (parent, via) with the rule of when to
spill (`SpillRule`): `never`, `always` (every completed level: the tests),
or `auto`: when the process's resident memory passes 70% of `max_memory`,
or without one when the machine's available memory falls below 20% of its
total (Linux's /proc; elsewhere `auto` spills only under `max_memory`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from array import array
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import BinaryIO, Literal, overload

SpillMode = Literal["never", "auto", "always"]
SPILL_MODES: tuple[SpillMode, ...] = ("never", "auto", "always")

# `auto` spills once resident memory passes this share of --max-memory ...
MAX_MEMORY_SHARE = 0.7
# ... or, without --max-memory, once the machine's available memory is below
# this share of its total.
LOW_AVAILABLE_SHARE = 0.2

_ITEM = array("i").itemsize

# As tempfile.mkstemp: created here or not at all, never through a symlink.
_CREATE = (
    os.O_RDWR
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_ATTEMPTS = 100  # names are 64 random bits: a clash is already unheard of
# A spill file is named by the process that made it: PREFIX + pid - random + SUFFIX.
_PREFIX, _SUFFIX = "tokencheck-spill-", ".i32"


class SpillArray(Sequence[int]):
    """An append-only int32 array whose prefix may live in a temporary file;
    see the module docstring."""

    __slots__ = ("_file", "_on_disk", "_path", "_tail", "append", "extend")

    append: Callable[[int], None]
    extend: Callable[[Iterable[int]], None]

    def __init__(self) -> None:
        self._tail = array("i")
        self.append = self._tail.append
        self.extend = self._tail.extend  # the partitioned engine appends a level at once
        self._on_disk = 0  # entries 0.._on_disk-1 are in the file
        self._file: BinaryIO | None = None
        self._path: str | None = None

    def __len__(self) -> int:
        return self._on_disk + len(self._tail)

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if index >= self._on_disk:
            return self._tail[index - self._on_disk]  # IndexError past the end
        if index < 0 or self._file is None:
            raise IndexError("SpillArray index out of range")
        self._file.seek(index * _ITEM)
        (value,) = array("i", self._file.read(_ITEM))
        return value

    @property
    def in_memory(self) -> int:
        """Entries held in memory (the rest are on disk)."""
        return len(self._tail)

    @property
    def on_disk(self) -> int:
        return self._on_disk

    @property
    def path(self) -> str | None:
        """The temporary file, once something was spilled and until close()."""
        return self._path

    def spill(self) -> None:
        """Move every entry in memory to the end of the file."""
        if not self._tail:
            return
        if self._file is None:
            self._file = self._create()
        self._file.seek(0, os.SEEK_END)
        self._tail.tofile(self._file)
        self._file.flush()
        self._on_disk += len(self._tail)
        del self._tail[:]  # in place: the bound `append`, `extend` stay valid; frees the buffer

    def _create(self) -> BinaryIO:
        """A new file in the temp dir, as tempfile.mkstemp makes one (0600,
        exclusive), but named in `_path` before it exists: a KeyboardInterrupt
        landing once the file exists (mkstemp returns its name only after
        that) still leaves close() the name to remove."""
        directory = tempfile.gettempdir()
        remove_stale_spill_files(directory)
        prefix = f"{_PREFIX}{os.getpid()}-"
        for _ in range(_ATTEMPTS):
            self._path = os.path.join(directory, f"{prefix}{os.urandom(8).hex()}{_SUFFIX}")
            try:
                fd = os.open(self._path, _CREATE, 0o600)
            except FileExistsError:  # someone else's: not ours to remove
                self._path = None
                continue
            return os.fdopen(fd, "w+b")
        raise FileExistsError(f"no free spill file name in {directory} after {_ATTEMPTS} tries")

    def close(self) -> None:
        """Remove the temporary file (idempotent); the entries on disk are lost."""
        f, path = self._file, self._path
        self._file = self._path = None
        try:
            if f is not None:
                f.close()
        finally:
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)

    def __enter__(self) -> SpillArray:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def resident_memory_bytes() -> int | None:
    """The process's current resident memory (Linux /proc), else None."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def memory_is_low() -> bool:
    """The machine's available memory is below LOW_AVAILABLE_SHARE of its
    total (Linux /proc/meminfo); False where that cannot be read."""
    fields: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                name, _, rest = line.partition(":")
                fields[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        return False
    total, available = fields.get("MemTotal"), fields.get("MemAvailable")
    if not total or available is None:
        return False
    return available < LOW_AVAILABLE_SHARE * total


class SpillRule:
    """When completed levels go to disk (see the module docstring)."""

    __slots__ = ("_cap", "mode")

    def __init__(self, mode: SpillMode, max_memory: int | None = None) -> None:
        if mode not in SPILL_MODES:
            raise ValueError(f"spill={mode!r} is not allowed: expected one of {SPILL_MODES}")
        self.mode = mode
        self._cap = None if max_memory is None else MAX_MEMORY_SHARE * max_memory

    def now(self) -> bool:
        """Whether to spill at this level's end."""
        if self.mode != "auto":
            return self.mode == "always"
        if self._cap is None:
            return memory_is_low()
        resident = resident_memory_bytes()
        return resident is not None and resident >= self._cap


class ParentLinks:
    """The engine's parent ids and action indexes, spilled by `rule`:
    `level_done()` after each BFS level, `close()` at the end of the run."""

    __slots__ = ("parent", "rule", "via")

    def __init__(self, mode: SpillMode = "never", max_memory: int | None = None) -> None:
        self.rule = SpillRule(mode, max_memory)
        self.parent = SpillArray()
        self.via = SpillArray()

    def level_done(self) -> None:
        if self.rule.now():
            self.parent.spill()
            self.via.spill()

    def close(self) -> None:
        try:
            self.parent.close()
        finally:
            self.via.close()


def remove_stale_spill_files(directory: str) -> list[str]:
    """Remove the spill files in `directory` left by runs that were killed
    outright (SIGKILL, the out-of-memory killer: no `finally` ran): this
    user's files whose process no longer exists. The names removed.

    A file of a live process stays. Were its pid in another pid namespace
    sharing the directory, removing it would still be harmless: the run
    reads through the descriptor it holds, not the name."""
    if os.name != "posix":  # elsewhere os.kill(pid, 0) would not be a mere probe
        return []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    removed = []
    for name in names:
        pid = _owner(name)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        path = os.path.join(directory, name)
        try:
            if os.lstat(path).st_uid != os.getuid():  # someone else's
                continue
            os.unlink(path)
        except OSError:  # gone meanwhile, or not ours to remove
            continue
        removed.append(name)
    return removed


def _owner(name: str) -> int | None:
    """The pid in a spill file's name, or None for any other name."""
    if not (name.startswith(_PREFIX) and name.endswith(_SUFFIX)):
        return None
    pid, dash, rest = name[len(_PREFIX) : -len(_SUFFIX)].partition("-")
    if not (dash and pid.isdigit() and len(rest) == 16):
        return None
    return int(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, as another user's
        return True
    return True
