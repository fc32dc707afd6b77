"""The Majordomo Protocol on the wire: MDP/0.1 (ZeroMQ RFC 7) and MDP/0.2 (RFC 18).

This is the only place that knows protocol headers, command bytes and frame layouts. `parse`
turns the frames a ROUTER or DEALER received (routing identity already removed) into a message
object; each message object's `frames()` turns it back. Nothing here touches a socket.

Differences between the versions that matter here:
- 0.1 starts every command with an empty delimiter frame; 0.2 has none. We accept either on
  input and remember which form the peer used (`delimited`), so replies come back in the form
  the peer's socket expects (a REQ socket drops replies without the delimiter).
- 0.1 clients send no command byte (a request is a request, a reply is a reply); 0.2 clients use
  REQUEST/PARTIAL/FINAL.
- 0.1 workers answer with one REPLY; 0.2 workers with PARTIAL* FINAL. We name 0.1's REPLY FINAL,
  so the broker handles one vocabulary.

codemesh extensions that a plain MDP peer never sees unless it asks: a READY may carry one extra
frame (a msgpack advertisement) after the service name.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

CLIENT_V1 = b"MDPC01"
CLIENT_V2 = b"MDPC02"
WORKER_V1 = b"MDPW01"
WORKER_V2 = b"MDPW02"

# Paranoid Pirate defaults (RFC 6 and the zguide's Majordomo examples).
HEARTBEAT_INTERVAL = 2.5
HEARTBEAT_LIVENESS = 3

MMI_PREFIX = b"mmi."
MMI_SERVICE = b"mmi.service"
MMI_FOUND = b"200"
MMI_NOT_FOUND = b"404"
MMI_NOT_IMPLEMENTED = b"501"

# Services the codemesh broker answers itself, beside MMI.
CODEMESH_PREFIX = b"codemesh."
SERVICE_INFO = b"codemesh.info"
SERVICE_SUBMIT = b"codemesh.submit"
SERVICE_STATUS = b"codemesh.status"
BROKER_SERVICES = (SERVICE_INFO, SERVICE_SUBMIT, SERVICE_STATUS)

# The whole FINAL body of a worker that hands a request back unserved (all its slots are busy
# with other brokers' work); the broker re-routes the request. A plain MDP worker never sends it.
DECLINED = b"codemesh.declined"

CAPABILITY_SEPARATOR = "+"


class ProtocolError(ValueError):
    """Frames that are not a valid MDP message; `reason` is a short label for metrics."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class ClientCommand(enum.Enum):
    REQUEST = "request"
    PARTIAL = "partial"
    FINAL = "final"


class WorkerCommand(enum.Enum):
    READY = "ready"
    REQUEST = "request"
    PARTIAL = "partial"
    FINAL = "final"
    HEARTBEAT = "heartbeat"
    DISCONNECT = "disconnect"


_CLIENT_V2_CODES = {
    ClientCommand.REQUEST: b"\x01",
    ClientCommand.PARTIAL: b"\x02",
    ClientCommand.FINAL: b"\x03",
}
_WORKER_CODES = {
    1: {
        WorkerCommand.READY: b"\x01",
        WorkerCommand.REQUEST: b"\x02",
        WorkerCommand.FINAL: b"\x03",  # REPLY in RFC 7
        WorkerCommand.HEARTBEAT: b"\x04",
        WorkerCommand.DISCONNECT: b"\x05",
    },
    2: {
        WorkerCommand.READY: b"\x01",
        WorkerCommand.REQUEST: b"\x02",
        WorkerCommand.PARTIAL: b"\x03",
        WorkerCommand.FINAL: b"\x04",
        WorkerCommand.HEARTBEAT: b"\x05",
        WorkerCommand.DISCONNECT: b"\x06",
    },
}
_WORKER_COMMANDS = {
    version: {code: command for command, code in codes.items()}
    for version, codes in _WORKER_CODES.items()
}
_CLIENT_V2_COMMANDS = {code: command for command, code in _CLIENT_V2_CODES.items()}
_CLIENT_HEADERS = {CLIENT_V1: 1, CLIENT_V2: 2}
_WORKER_HEADERS = {WORKER_V1: 1, WORKER_V2: 2}


@dataclass(frozen=True)
class ClientMessage:
    """MDP/Client traffic. For 0.1, a message from a client is a REQUEST and one to it a FINAL."""

    command: ClientCommand
    service: bytes
    body: list[bytes] = field(default_factory=list)
    version: int = 2
    delimited: bool = False

    def frames(self) -> list[bytes]:
        head = [b""] if self.delimited else []
        if self.version == 1:
            if self.command is ClientCommand.PARTIAL:
                raise ProtocolError("unsupported", "MDP/0.1 has no PARTIAL")
            return [*head, CLIENT_V1, self.service, *self.body]
        return [*head, CLIENT_V2, _CLIENT_V2_CODES[self.command], self.service, *self.body]


@dataclass(frozen=True)
class WorkerMessage:
    """MDP/Worker traffic. `service` is set for READY, `client` for REQUEST/PARTIAL/FINAL;
    `body` after READY's service name holds codemesh's optional advertisement frame."""

    command: WorkerCommand
    service: bytes = b""
    client: bytes = b""
    body: list[bytes] = field(default_factory=list)
    version: int = 2
    delimited: bool = False

    def frames(self) -> list[bytes]:
        codes = _WORKER_CODES[self.version]
        if self.command not in codes:
            raise ProtocolError("unsupported", f"MDP/0.{self.version} has no {self.command.value}")
        head = [b""] if self.delimited else []
        header = WORKER_V1 if self.version == 1 else WORKER_V2
        frames = [*head, header, codes[self.command]]
        if self.command is WorkerCommand.READY:
            frames += [self.service, *self.body]
        elif self.command in (WorkerCommand.REQUEST, WorkerCommand.PARTIAL, WorkerCommand.FINAL):
            frames += [self.client, b"", *self.body]
        return frames


Message = ClientMessage | WorkerMessage


def parse(frames: list[bytes]) -> Message:
    """Parse one message as received (after the ROUTER's identity frame, if any)."""
    delimited = bool(frames) and frames[0] == b""
    rest = frames[1:] if delimited else frames
    if not rest:
        raise ProtocolError("empty", "no protocol frame")
    header = rest[0]
    if header in _CLIENT_HEADERS:
        return _parse_client(_CLIENT_HEADERS[header], rest[1:], delimited)
    if header in _WORKER_HEADERS:
        return _parse_worker(_WORKER_HEADERS[header], rest[1:], delimited)
    raise ProtocolError("unknown-protocol", repr(header[:16]))


def _parse_client(version: int, rest: list[bytes], delimited: bool) -> ClientMessage:
    if version == 1:
        # No command byte in 0.1; direction tells request from reply, so callers decide.
        if not rest:
            raise ProtocolError("truncated", "MDP/0.1 client message without service")
        return ClientMessage(ClientCommand.REQUEST, rest[0], rest[1:], 1, delimited)
    if len(rest) < 2:
        raise ProtocolError("truncated", "MDP/0.2 client message needs command and service")
    command = _CLIENT_V2_COMMANDS.get(rest[0])
    if command is None:
        raise ProtocolError("unknown-command", f"client command {rest[0][:4]!r}")
    return ClientMessage(command, rest[1], rest[2:], 2, delimited)


def _parse_worker(version: int, rest: list[bytes], delimited: bool) -> WorkerMessage:
    if not rest:
        raise ProtocolError("truncated", "worker message without command")
    command = _WORKER_COMMANDS[version].get(rest[0])
    if command is None:
        raise ProtocolError("unknown-command", f"worker command {rest[0][:4]!r}")
    args = rest[1:]
    if command is WorkerCommand.READY:
        if not args or not args[0]:
            raise ProtocolError("truncated", "READY without service name")
        return WorkerMessage(command, service=args[0], body=args[1:], version=version,
                             delimited=delimited)
    if command in (WorkerCommand.REQUEST, WorkerCommand.PARTIAL, WorkerCommand.FINAL):
        if len(args) < 2 or args[1] != b"" or not args[0]:
            raise ProtocolError("truncated", f"{command.value} needs client address and delimiter")
        return WorkerMessage(command, client=args[0], body=args[2:], version=version,
                             delimited=delimited)
    if args:
        raise ProtocolError("malformed", f"{command.value} takes no frames")
    return WorkerMessage(command, version=version, delimited=delimited)


def capabilities(service: bytes | str) -> frozenset[str]:
    """The capability set a service name stands for: `lang:go+race` -> {lang:go, race}."""
    text = service.decode("utf-8", "replace") if isinstance(service, bytes) else service
    return frozenset(part for part in text.split(CAPABILITY_SEPARATOR) if part)


def service_name(caps: frozenset[str] | set[str]) -> bytes:
    """The canonical service name of a capability set (sorted, `+`-joined)."""
    return CAPABILITY_SEPARATOR.join(sorted(caps)).encode()
