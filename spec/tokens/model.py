"""The token protocol as a checkable model (checker.model.Model).

    >>> model = TokenModel(Config(servers=3, clients=2, tokens=1, ops=1))
    >>> from checker.explore import explore
    >>> explore(model).stats.states
    20283

The model is PROTOCOL.md section 4 at message granularity: a client starts an
operation or restarts a phase, a message is delivered and handled, the
manager starts, advances or installs a change. Omission needs no drop step: a
message to or from a faulty server may simply never be delivered, so such a
delivery is not fair, and Progress never relies on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from spec.tokens import client_steps, manager_steps, por, server_steps
from spec.tokens.actions import (
    RECEIVER_VERBS,
    Action,
    ClientRestartPhase,
    ClientStartGettokens,
    ClientStartPay,
    Discard,
    ManagerStartTransform,
    ManagerTransformAtomic,
    Receive,
    action_record,
    describe,
    format_answer,
    format_message,
    format_set,
    format_store,
    format_values,
)
from spec.tokens.config import Config
from spec.tokens.coverage import Feature, coverage_features
from spec.tokens.enabled import enabled_actions
from spec.tokens.params import Params, compile_params
from spec.tokens.properties import make_properties, step_check
from spec.tokens.state import (
    CLIENT_CLASS,
    GETTOKENS,
    IDLE,
    IDLE_CLIENT,
    PAY,
    PHASE_NAMES,
    READ,
    READ_REPLY,
    SYNC_ACK,
    SYNC_READ,
    SYNC_STATE,
    SYNC_WRITE,
    TO_SERVER,
    WRITE,
    WRITE_ACK,
    Client,
    Server,
    State,
)
from spec.tokens.symmetry import canonical_form, collision_factor, renamings, symmetry_of

# The interpreted action classes and the verbs as compiled-in constants:
# mypyc looks a plain global name up in the module's dict on every use, a
# Final one not (Receive and Discard are native classes: tested directly).
_RESTART: Final = ClientRestartPhase
_TRANSFORM_ATOMIC: Final = ManagerTransformAtomic
_VERBS: Final = tuple(RECEIVER_VERBS[k] for k in range(len(RECEIVER_VERBS)))


_KIND_NAMES: Final[dict[type, str]] = {
    Discard: "NodeDiscardMessage",
    **{
        k: k.__name__
        for k in (
            ClientStartPay,
            ClientStartGettokens,
            ClientRestartPhase,
            ManagerStartTransform,
            ManagerTransformAtomic,
        )
    },
}


class TokenModel:
    """The token protocol for one Config (validated on construction)."""

    def __init__(self, config: Config) -> None:
        self.params: Params = compile_params(config)
        self.config = self.params.config
        self.name = f"token protocol ({self.config.summary()})"
        self.invariants, self.step_properties, self.sometimes = make_properties(self.params)
        self.check_step = step_check(self.params, self.step_properties)
        # Symmetry is opt-in (checker.model.has_symmetry): only a model with
        # interchangeable nodes offers `canonical`.
        symmetry = symmetry_of(self.params)
        if symmetry is not None:
            self.canonical, self.canonical_hash = symmetry.canonical, symmetry.canonical_hash
            # The engine's hint for an incremental hash (checker.model.has_symmetry).
            hint: Callable[[State], None] | None = getattr(symmetry, "expanding", None)
            if hint is not None:
                self.expanding = hint
            # The smallest of a form per renaming collides more often than
            # `hash` (checker.model.collision_factor).
            self.collision_factor = collision_factor(len(renamings(self.params)) + 1)

    def __reduce__(self) -> tuple[type[TokenModel], tuple[Config]]:
        # Pickled (for Ray's actors) as its config, rebuilt on arrival: the
        # compiled build's property and symmetry closures do not pickle.
        return (TokenModel, (self.config,))

    def canonical_by(
        self, key: Callable[[Any], int]
    ) -> tuple[Callable[[State], State], Callable[[State], int]]:
        """`canonical` and `canonical_hash` ordered by `key` instead of
        `hash` (see `checker.model.has_symmetry`)."""
        found = canonical_form(self.params, key)
        if found is None:
            raise TypeError(f"{self.name} has no interchangeable nodes")
        return found

    def initial_states(self) -> Sequence[State]:
        p = self.params
        store = manager_steps.initial_store(p)
        nodes = tuple(Server(0, store) for _ in range(p.servers)) + tuple(
            IDLE_CLIENT for _ in range(p.nodes - p.servers)
        )
        return (
            State(
                epoch=0,
                servers=tuple(range(p.servers)),
                nodes=nodes,
                manager=None,
                network=(),
                linearized=(1,) * p.tokens,
                started=(0,) * p.nodes,
                reconfigs=0,
            ),
        )

    def actions(self, state: State) -> Sequence[Action]:
        return enabled_actions(self.params, state)

    def next_state(self, state: State, action: Action) -> State:
        p = self.params
        # `type(a) is X` rather than isinstance: the hot path. The handlers
        # are called directly, not from a table: a compiled call, where one
        # through a dict of functions parses its arguments as Python's do.
        if type(action) is Receive:
            m = action.message
            k = m[0]
            if k == READ:
                return server_steps.receive_read(p, state, m)
            if k == READ_REPLY:
                return client_steps.receive_read_reply(p, state, m)
            if k == WRITE:
                return server_steps.receive_write(p, state, m)
            if k == WRITE_ACK:
                return client_steps.receive_write_ack(p, state, m)
            if k == SYNC_READ:
                return server_steps.receive_sync_read(p, state, m)
            if k == SYNC_STATE:
                return manager_steps.receive_sync_state(p, state, m)
            if k == SYNC_WRITE:
                return server_steps.receive_sync_write(p, state, m)
            if k == SYNC_ACK:
                return manager_steps.receive_sync_ack(p, state, m)
            raise KeyError(k)  # as the table of receivers did
        if type(action) is Discard:
            return server_steps.discard(p, state, action.message)
        if type(action) is ClientStartPay:
            op = (PAY, action.token, action.payee)
            return client_steps.start_operation(p, state, action.client, op)
        if type(action) is ClientStartGettokens:
            op = (GETTOKENS, 0, action.owner)
            return client_steps.start_operation(p, state, action.client, op)
        if type(action) is _RESTART:
            return client_steps.restart_phase(p, state, action.client)
        if type(action) is ManagerStartTransform:
            return manager_steps.start_transform(p, state, action.node)
        if type(action) is ManagerTransformAtomic:
            return manager_steps.transform_atomic(
                p, state, action.node, action.read_quorum, action.write_quorum
            )
        raise TypeError(f"not a token-model action: {action!r}")

    def is_fair(self, state: State, action: Action) -> bool:
        """Fair unless it needs a faulty server: a message whose server end
        is faulty may never be delivered; an atomic change may use only
        correct servers to be guaranteed."""
        if type(action) is Receive or type(action) is Discard:
            m = action.message
            server: int = m[2] if m[0] in TO_SERVER else m[1]  # typed: native int ops
            return not self.params.faulty_mask >> server & 1  # p.is_faulty inlined
        if type(action) is _TRANSFORM_ATOMIC:
            p = self.params
            used = (*action.read_quorum, *action.write_quorum)
            return not any(p.is_faulty(x) for x in used)
        return True

    def is_quiescent(self, state: State) -> bool:
        """No operation pending and no role change under way."""
        return state.manager is None and all(
            type(n) is not CLIENT_CLASS or n.phase == IDLE for n in state.nodes
        )

    def ample(self, state: State, enabled: Sequence[Action]) -> list[int] | None:
        """Partial-order reduction (`--por`): see spec/tokens/por.py."""
        return por.token_ample(self.params, state, enabled)

    def is_visible(self, state: State, action: Action) -> bool:
        return por.token_is_visible(self.params, state, action)

    def describe_action(self, action: Action) -> str:
        return describe(action, self.params.names)

    def coverage_features(self, state: State) -> tuple[Feature, ...]:
        """Coverage-guided simulation's abstraction: see spec/tokens/coverage.py."""
        return coverage_features(state)

    def action_kind(self, action: Action) -> str:
        """Action coverage's kind: the action's name, a delivery by its receiver."""
        if type(action) is Receive:
            return _VERBS[action.message[0]]
        return _KIND_NAMES[type(action)]

    def action_kinds(self) -> tuple[str, ...]:
        """Every kind this configuration could take: role changes only with
        reconfigs, SYNC messages only when changes are message by message."""
        p = self.params
        kinds = ["ClientStartPay", "ClientStartGettokens"]
        kinds += [RECEIVER_VERBS[k] for k in (READ, READ_REPLY, WRITE, WRITE_ACK)]
        if p.reconfigs:
            kinds += ["ClientRestartPhase", _KIND_NAMES[Discard]]
            if p.atomic:  # one step, but the joiner still receives its SYNC_WRITE
                kinds += [_KIND_NAMES[ManagerTransformAtomic], RECEIVER_VERBS[SYNC_WRITE]]
            else:
                kinds.append(_KIND_NAMES[ManagerStartTransform])
                kinds += [RECEIVER_VERBS[k] for k in (SYNC_READ, SYNC_STATE, SYNC_WRITE, SYNC_ACK)]
        return tuple(kinds)

    def action_record(self, action: Action) -> dict[str, Any]:
        return action_record(action, self.params.names)

    def describe_state(self, state: State) -> Mapping[str, Any]:
        names = self.params.names
        view: dict[str, Any] = {
            "config": f"e{state.epoch} {format_set(state.servers, names)}",
            "linearized": " ".join(f"t{t}=v{v}" for t, v in enumerate(state.linearized)),
        }
        for i, node in enumerate(state.nodes):
            view[names[i]] = self._describe_node(i, node, state)
        mgr = state.manager
        view["manager"] = (
            "idle"
            if mgr is None
            else f"{'sync-read' if mgr.phase == 1 else 'sync-write'} change {state.reconfigs}:"
            f" {names[mgr.target]} -> {format_set(mgr.servers, names)}"
            f" answered {format_set(_bits(mgr.answered), names)}"
            f" merged {format_store(mgr.merged, names)}"
        )
        view["network"] = [format_message(m, names) for m in state.network]
        return view

    def _describe_node(self, i: int, node: Server | Client, state: State) -> str:
        names = self.params.names
        if isinstance(node, Server):
            return f"server e{node.epoch} {format_store(node.store, names)}"
        started = state.started[i]
        if node.phase == IDLE or node.op is None:
            text = f"client idle, {started} op(s) started"
            if node.answer is not None:  # answered without a write-back
                text += f", answered {format_answer(node.answer, names)}"
            return text
        kind, token, target = node.op
        op = f"pay({token},{names[target]})" if kind == PAY else f"gettokens({names[target]})"
        text = (
            f"client op#{started} {op} {PHASE_NAMES[node.phase]} e{node.epoch}"
            f" answered {format_set(_bits(node.answered), names)}"
            f" (needs {node.needed}) values {format_values(node.values, names) or '-'}"
        )
        if node.snapshot is not None:
            text += f" snapshot {list(node.snapshot)}"
        if node.answer is not None:
            text += f" answer {format_answer(node.answer, names)}"
        return text


def _bits(mask: int) -> tuple[int, ...]:
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)
