"""The token model's coverage features (checker.model.has_coverage_features),
for coverage-guided simulation (`check simulate --policy guided`).

An abstraction of where the protocol is, with epochs counted back from the
installed configuration's (0: current, 1: one change behind, ...), so that
"a client still in an epoch-0 phase while the configuration is at epoch 2"
is a feature of its own:

- the configuration: its epoch, size, the manager's phase, changes started;
- per node: a server's role (member of the configuration or not), how far
  behind its epoch is, whether it still waits for its state; a client's
  phase, how far behind its phase's epoch is, how many answers it has, the
  operations it started, and the (kind, lag) of the messages of its phase
  in flight;
- per message kind and lag: how many are in flight.

It says nothing about stores, versions or whether a property is about to
break: the walks are guided to new situations, not to a bug. Ints only,
so the features hash alike in every process.
"""

from __future__ import annotations

from spec.tokens.state import Client, Server, State, Store

_CONFIG, _SERVER, _CLIENT, _MESSAGES = range(4)

Feature = tuple[object, ...]


def coverage_features(s: State) -> tuple[Feature, ...]:
    e = s.epoch
    manager = s.manager.phase if s.manager is not None else 0
    found: list[Feature] = [(_CONFIG, e, len(s.servers), manager, s.reconfigs)]
    # Per client: the (kind, lag) of its messages in flight; per (kind, lag): a count.
    own: dict[int, dict[tuple[int, int], None]] = {}
    counts: dict[tuple[int, int], int] = {}
    for m in s.network:
        key = (m[0], e - m[6])
        counts[key] = counts.get(key, 0) + 1
        own.setdefault(m[3], {})[key] = None
    nodes: list[Feature] = []
    for i, node in enumerate(s.nodes):
        if type(node) is Server:
            fresh = _freshness(node.store, s.linearized)
            nodes.append((_SERVER, i in s.servers, e - node.epoch, fresh))
        else:
            assert type(node) is Client
            flying = tuple(sorted(own.get(i, ())))
            lag = e - node.epoch
            nodes.append((_CLIENT, node.phase, lag, node.answered.bit_count(), s.started[i], flying))
    found.extend(sorted(nodes))
    found.extend((_MESSAGES, kind, lag, n) for (kind, lag), n in sorted(counts.items()))
    return tuple(found)


def _freshness(store: Store | None, linearized: tuple[int, ...]) -> tuple[int, ...]:
    """Per token, how many versions the store is behind the last one
    linearized (negative: a write not yet linearized); a joiner
    still waiting for its state gets ()."""
    if store is None:
        return ()
    return tuple(
        lin - (held[0] if held is not None else 0) for held, lin in zip(store, linearized, strict=True)
    )
