"""The token model's coverage features (checker.model.has_coverage_features),
for coverage-guided simulation (`check simulate --policy guided`).

An abstraction of where the protocol is, with epochs counted back from the
installed configuration's (lag 0: current, 1: one change behind, ...), so
that "a client still in an epoch-0 phase while the configuration is at
epoch 2" is a feature of its own:

- the configuration: its epoch, size, the manager's phase, changes started;
- per server: member of the configuration or not, its epoch's lag, and per
  token how many versions its store is behind the last one linearized
  (negative: it holds a write not yet linearized);
- per client: its phase, its phase's epoch lag, operations started;
- per (message kind, epoch lag): at least one such message in flight.

Nodes are not named: their features are sorted, so interchangeable nodes
count once and the abstraction stays small (about 7,000 combinations in
60 s of S3a --reconfigs 2; naming the nodes and counting the messages gave
80,000, and the walks then chose each one too rarely). It says nothing
about which property holds: the walks are guided to new situations, not to
a bug. Ints only, so the features hash alike in every process.
"""

from __future__ import annotations

from spec.tokens.state import Client, Server, State, Store

_CONFIG, _SERVER, _CLIENT, _MESSAGES = range(4)

Feature = tuple[object, ...]


def coverage_features(s: State) -> tuple[Feature, ...]:
    e = s.epoch
    manager = s.manager.phase if s.manager is not None else 0
    found: list[Feature] = [(_CONFIG, e, len(s.servers), manager, s.reconfigs)]
    nodes: list[Feature] = []
    for i, node in enumerate(s.nodes):
        if type(node) is Server:
            fresh = _freshness(node.store, s.linearized)
            nodes.append((_SERVER, i in s.servers, e - node.epoch, fresh))
        else:
            assert type(node) is Client
            nodes.append((_CLIENT, node.phase, e - node.epoch, s.started[i]))
    found.extend(sorted(nodes))
    flying = sorted({(m[0], e - m[6]) for m in s.network})
    found.extend((_MESSAGES, kind, lag) for kind, lag in flying)
    return tuple(found)


def _freshness(store: Store | None, linearized: tuple[int, ...]) -> tuple[int, ...]:
    """Per token, how many versions the store is behind the last one
    linearized; () for a joiner still waiting for its state."""
    if store is None:
        return ()
    return tuple(
        lin - (held[0] if held is not None else 0)
        for held, lin in zip(store, linearized, strict=True)
    )
