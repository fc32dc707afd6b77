"""Async client of the store protocol: many requests in flight on one DEALER, resent on timeout.

Every store operation is idempotent, so a request that times out (store restarting, message lost
with a dead connection) is simply sent again; after `retries` the caller gets `StoreUnavailable`
with the endpoint in the message, never a hang. Large batches are split here so no single
message exceeds `max_message`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Iterable, Sequence
from typing import TypeVar

import zmq
import zmq.asyncio
from pydantic import BaseModel

from mesh import codec, sockets
from mesh.store_protocol import (
    STATUS_OK,
    STORE_V1,
    ErrorReply,
    GetReply,
    HasReply,
    InfoReply,
    KeysRequest,
    PutReply,
    PutRequest,
    ScanReply,
    ScanRequest,
    Write,
)

log = logging.getLogger("codemesh.store.client")
R = TypeVar("R", bound=BaseModel)

KEYS_PER_REQUEST = 2000
BATCH_BYTES = 32 * 1024 * 1024


class StoreUnavailable(ConnectionError):
    """The store did not answer after all retries."""


class StoreRequestError(RuntimeError):
    """The store answered with an error: the request itself is wrong."""


class StoreClient:
    def __init__(self, endpoint: str, *, timeout: float = 10.0, retries: int = 5,
                 max_message: int = 256 * 1024 * 1024) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.retries = retries
        self.max_message = max_message
        self._ids = itertools.count(1)
        self._pending: dict[bytes, asyncio.Future[tuple[bytes, bytes]]] = {}
        self._sock: zmq.asyncio.Socket | None = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> StoreClient:
        self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def connect(self) -> None:
        ctx = zmq.asyncio.Context.instance()
        self._sock = sockets.make_socket(ctx, zmq.DEALER, max_message=self.max_message)
        self._sock.connect(self.endpoint)
        self._reader = asyncio.ensure_future(self._read())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._sock is not None:
            self._sock.close(linger=0)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(StoreUnavailable(f"store client for {self.endpoint} closed"))
        self._pending.clear()

    async def _read(self) -> None:
        assert self._sock is not None
        while True:
            frames = await self._sock.recv_multipart()
            if len(frames) != 4 or frames[0] != STORE_V1:
                log.warning("dropped malformed store reply", extra={"frames": len(frames)})
                continue
            future = self._pending.get(frames[1])
            if future is not None and not future.done():
                future.set_result((frames[2], frames[3]))

    async def call(self, op: str, body: BaseModel | None, reply: type[R]) -> R:
        """Send one request and wait for its reply, resending on timeout."""
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        payload = codec.pack(body) if body is not None else codec.pack({})
        request_id = next(self._ids).to_bytes(8, "big")
        future: asyncio.Future[tuple[bytes, bytes]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            for attempt in range(self.retries):
                try:
                    await asyncio.wait_for(
                        self._sock.send_multipart([STORE_V1, request_id, op.encode(), payload]),
                        self.timeout)
                    status, data = await asyncio.wait_for(asyncio.shield(future), self.timeout)
                    break
                except TimeoutError:
                    log.warning("store request timed out; resending",
                                extra={"op": op, "attempt": attempt + 1, "store": self.endpoint})
            else:
                raise StoreUnavailable(
                    f"the store at {self.endpoint} did not answer {op!r} after {self.retries} "
                    f"tries of {self.timeout:g}s; is `codemesh store` running there?")
        finally:
            self._pending.pop(request_id, None)
        if status != STATUS_OK:
            raise StoreRequestError(codec.unpack(data, ErrorReply).error)
        return codec.unpack(data, reply)

    # -- batched operations ---------------------------------------------------------------------

    async def has(self, db: str, keys: Sequence[bytes]) -> list[bool]:
        present: list[bool] = []
        for chunk in _chunks(keys, KEYS_PER_REQUEST):
            present += (await self.call("has", KeysRequest(db=db, keys=chunk), HasReply)).present
        return present

    async def get(self, db: str, keys: Sequence[bytes]) -> list[bytes | None]:
        values: list[bytes | None] = []
        for chunk in _chunks(keys, KEYS_PER_REQUEST):
            values += (await self.call("get", KeysRequest(db=db, keys=chunk), GetReply)).values
        return values

    async def put(self, writes: Iterable[Write]) -> int:
        """Write in batches of at most BATCH_BYTES; each batch is atomic and acknowledged after
        the store's commit. (A sequence that spans batches is not atomic as a whole.)"""
        limit = min(BATCH_BYTES, self.max_message // 2)
        written = 0
        batch: list[Write] = []
        size = 0
        for write in writes:
            weight = len(write.key) + len(write.value or b"") + 64
            if batch and size + weight > limit:
                written += (await self.call("put", PutRequest(writes=batch), PutReply)).written
                batch, size = [], 0
            batch.append(write)
            size += weight
        if batch:
            written += (await self.call("put", PutRequest(writes=batch), PutReply)).written
        return written

    async def scan(self, db: str, prefix: bytes = b"",
                   page: int = 1000) -> list[tuple[bytes, bytes]]:
        """Every item whose key starts with `prefix`, in key order, fetched page by page."""
        items: list[tuple[bytes, bytes]] = []
        after = b""
        while True:
            reply = await self.call("scan", ScanRequest(db=db, prefix=prefix, after=after,
                                                        limit=page), ScanReply)
            items += reply.items
            if not reply.more or not reply.items:
                return items
            after = reply.items[-1][0]

    async def info(self) -> InfoReply:
        return await self.call("info", None, InfoReply)


def _chunks(items: Sequence[bytes], size: int) -> Iterable[list[bytes]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])
