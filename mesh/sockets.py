"""Small ZeroMQ helpers shared by every role: socket options, binding, the ready line.

Roles use `zmq.asyncio` sockets; this module only sets them up. It never builds a protocol frame.
"""

from __future__ import annotations

import json
import sys

import zmq
import zmq.asyncio

from mesh import security


def make_socket(ctx: zmq.asyncio.Context, kind: int, *, max_message: int) -> zmq.asyncio.Socket:
    """A socket that never blocks shutdown and disconnects peers sending absurd frames.

    With `--secure` it is a CURVE server or client by its kind (`mesh.security`).
    MAXMSGSIZE is a hard ceiling (twice the configured maximum) that protects memory; messages
    between the maximum and the ceiling reach the role, which drops, counts and answers them.
    """
    sock = ctx.socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    security.apply(sock, kind)  # CURVE when the process runs with --secure
    sock.setsockopt(zmq.MAXMSGSIZE, max_message * 2)
    return sock


def bind(sock: zmq.Socket, endpoint: str) -> str:  # type: ignore[type-arg]
    """Bind and return the endpoint actually bound (resolves `tcp://host:*` to a port)."""
    sock.bind(endpoint)
    bound = sock.getsockopt(zmq.LAST_ENDPOINT)
    return bound.decode() if isinstance(bound, bytes) else str(bound)


def announce_ready(role: str, **fields: str) -> None:
    """Print one JSON line on stdout once the role serves: how `codemesh analyze` learns the
    ports of the embedded processes it started (stdout carries nothing else; logs go to stderr)."""
    sys.stdout.write(json.dumps({"event": "ready", "role": role, **fields}) + "\n")
    sys.stdout.flush()


def message_size(frames: list[bytes]) -> int:
    return sum(len(frame) for frame in frames)
