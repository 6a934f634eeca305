from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Entry(_message.Message):
    __slots__ = ("token", "version", "owner")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    token: int
    version: int
    owner: str
    def __init__(self, token: _Optional[int] = ..., version: _Optional[int] = ..., owner: _Optional[str] = ...) -> None: ...

class Tag(_message.Message):
    __slots__ = ("client", "op", "phase", "epoch")
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    client: str
    op: int
    phase: str
    epoch: int
    def __init__(self, client: _Optional[str] = ..., op: _Optional[int] = ..., phase: _Optional[str] = ..., epoch: _Optional[int] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ("kind", "src", "dst", "tag", "all_tokens", "token", "entries", "epoch", "servers", "proofs", "lamport", "id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SRC_FIELD_NUMBER: _ClassVar[int]
    DST_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    ALL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    SERVERS_FIELD_NUMBER: _ClassVar[int]
    PROOFS_FIELD_NUMBER: _ClassVar[int]
    LAMPORT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    kind: str
    src: str
    dst: str
    tag: Tag
    all_tokens: bool
    token: int
    entries: _containers.RepeatedCompositeFieldContainer[Entry]
    epoch: int
    servers: _containers.RepeatedScalarFieldContainer[str]
    proofs: _containers.RepeatedCompositeFieldContainer[Frame]
    lamport: int
    id: str
    def __init__(self, kind: _Optional[str] = ..., src: _Optional[str] = ..., dst: _Optional[str] = ..., tag: _Optional[_Union[Tag, _Mapping]] = ..., all_tokens: _Optional[bool] = ..., token: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[Entry, _Mapping]]] = ..., epoch: _Optional[int] = ..., servers: _Optional[_Iterable[str]] = ..., proofs: _Optional[_Iterable[_Union[Frame, _Mapping]]] = ..., lamport: _Optional[int] = ..., id: _Optional[str] = ...) -> None: ...

class Command(_message.Message):
    __slots__ = ("verb", "node")
    VERB_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    verb: str
    node: str
    def __init__(self, verb: _Optional[str] = ..., node: _Optional[str] = ...) -> None: ...

class Frame(_message.Message):
    __slots__ = ("sender", "receiver", "rpc", "nonce_time", "nonce", "body", "mac")
    SENDER_FIELD_NUMBER: _ClassVar[int]
    RECEIVER_FIELD_NUMBER: _ClassVar[int]
    RPC_FIELD_NUMBER: _ClassVar[int]
    NONCE_TIME_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    MAC_FIELD_NUMBER: _ClassVar[int]
    sender: str
    receiver: str
    rpc: str
    nonce_time: int
    nonce: bytes
    body: bytes
    mac: bytes
    def __init__(self, sender: _Optional[str] = ..., receiver: _Optional[str] = ..., rpc: _Optional[str] = ..., nonce_time: _Optional[int] = ..., nonce: _Optional[bytes] = ..., body: _Optional[bytes] = ..., mac: _Optional[bytes] = ...) -> None: ...

class Outcome(_message.Message):
    __slots__ = ("status", "detail", "reply", "json")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    REPLY_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    status: str
    detail: str
    reply: Frame
    json: str
    def __init__(self, status: _Optional[str] = ..., detail: _Optional[str] = ..., reply: _Optional[_Union[Frame, _Mapping]] = ..., json: _Optional[str] = ...) -> None: ...
