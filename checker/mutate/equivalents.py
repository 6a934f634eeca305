"""Mutants known to change nothing observable, read from a TOML file kept
beside the protocol:

    [[equivalent]]
    id = "spec.tokens.server_steps:receive_write:compare: version > current[0] -> ..."
    reason = "an equal version is the same (version, owner): applying it changes nothing"
    configs = ["S1", "W3"]     # optional: only there (default: everywhere)

An id is `Mutant.id` (module, function, operator, change), as `check mutate`
prints it under a surviving mutant. `configs` limits an entry to the
configurations where the change cannot be observed (code that only a role
change exercises, say): elsewhere the mutant must be killed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from checker.errors import CheckerError


class EquivalentsError(CheckerError):
    """The equivalents file cannot be read, or an entry lacks an id or a reason."""


def load_equivalents(path: str | None, config: str | None = None) -> dict[str, str]:
    """id -> reason for the entries that apply to `config` (all if None);
    an absent file (or None) means none."""
    if path is None or not Path(path).exists():
        return {}
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise EquivalentsError(f"{path}: {error}; fix the file or remove it") from None
    entries = data.get("equivalent", [])
    found: dict[str, str] = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise EquivalentsError(f"{path}: entry {number} has no id string")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise EquivalentsError(f"{path}: entry {number} ({entry['id']}) gives no reason")
        configs = entry.get("configs")
        if configs is not None and not (
            isinstance(configs, list) and all(isinstance(c, str) for c in configs)
        ):
            raise EquivalentsError(f"{path}: entry {number} ({entry['id']}): configs is a list")
        if config is None or configs is None or config in configs:
            found[entry["id"]] = reason
    return found
