"""The SMR model's actions: small frozen records named actor plus verb.
Indexes are 0-based; they print as c1.., r1.."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClientSendRequest:
    client: int

    def __str__(self) -> str:
        return f"ClientSendRequest c{self.client + 1}"


@dataclass(frozen=True, slots=True)
class ClientSendNull:
    client: int

    def __str__(self) -> str:
        return f"ClientSendNull c{self.client + 1}"


@dataclass(frozen=True, slots=True)
class ReplicaReceive:
    replica: int
    client: int

    def __str__(self) -> str:
        return f"ReplicaReceive r{self.replica + 1} <- c{self.client + 1}"


@dataclass(frozen=True, slots=True)
class ClientReceiveReply:
    client: int
    replica: int

    def __str__(self) -> str:
        return f"ClientReceiveReply c{self.client + 1} <- r{self.replica + 1}"


@dataclass(frozen=True, slots=True)
class ReplicaCrash:
    replica: int

    def __str__(self) -> str:
        return f"ReplicaCrash r{self.replica + 1}"


@dataclass(frozen=True, slots=True)
class ClientCrash:
    client: int

    def __str__(self) -> str:
        return f"ClientCrash c{self.client + 1}"


Action = (
    ClientSendRequest
    | ClientSendNull
    | ReplicaReceive
    | ClientReceiveReply
    | ReplicaCrash
    | ClientCrash
)
