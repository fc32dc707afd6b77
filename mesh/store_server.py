"""The store process: one LMDB environment behind a ROUTER socket.

A write is acknowledged only after its LMDB transaction commits (durably: LMDB's default sync),
so a worker that got an `ok` may forget the result. Blobs are content-addressed and verified on
the way in. Bad requests get an `error` reply; nothing a peer sends can stop the store.
It never imports the broker, the worker or tree-sitter.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lmdb
import zmq
import zmq.asyncio

from mesh import __version__, codec, metrics, sockets
from mesh.store_protocol import (
    DATABASES,
    DB_BLOBS,
    OPS,
    STATUS_ERROR,
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
)

log = logging.getLogger("codemesh.store")

DEFAULT_MAX_MESSAGE = 256 * 1024 * 1024
DEFAULT_MAP_SIZE = 1 << 30  # grows by doubling when full; LMDB files are sparse
MAX_KEY = 511  # LMDB's default maximum key size


class StoreError(Exception):
    """A request the store refuses; its text goes back to the client."""


class Store:
    """The LMDB side, usable without sockets (tests, `mdb_stat`-compatible files)."""

    def __init__(self, path: Path, map_size: int = DEFAULT_MAP_SIZE) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.env = lmdb.open(str(path), max_dbs=len(DATABASES) + 8, map_size=map_size,
                             subdir=True, readahead=False)
        self.dbs = {name: self.env.open_db(name.encode()) for name in DATABASES}

    def close(self) -> None:
        self.env.close()

    def _db(self, name: str) -> Any:
        try:
            return self.dbs[name]
        except KeyError:
            raise StoreError(f"unknown database {name!r}") from None

    @staticmethod
    def _check_key(key: bytes) -> None:
        if not key or len(key) > MAX_KEY:
            raise StoreError(f"key length {len(key)} outside 1..{MAX_KEY}")

    def has(self, req: KeysRequest) -> HasReply:
        db = self._db(req.db)
        for key in req.keys:
            self._check_key(key)
        with self.env.begin(db=db) as txn:
            return HasReply(present=[txn.get(key) is not None for key in req.keys])

    def get(self, req: KeysRequest) -> GetReply:
        db = self._db(req.db)
        with self.env.begin(db=db) as txn:
            values: list[bytes | None] = []
            for key in req.keys:
                self._check_key(key)
                value = txn.get(key)
                values.append(bytes(value) if value is not None else None)
            return GetReply(values=values)

    def put(self, req: PutRequest) -> PutReply:
        for write in req.writes:
            self._db(write.db)
            self._check_key(write.key)
            if write.db == DB_BLOBS and write.value is not None:
                digest = hashlib.sha256(write.value).hexdigest().encode()
                if digest != write.key:
                    raise StoreError(f"blob key {write.key[:64]!r} is not the sha256 of its value")
        while True:
            try:
                with self.env.begin(write=True) as txn:
                    for write in req.writes:
                        db = self.dbs[write.db]
                        if write.value is None:
                            txn.delete(write.key, db=db)
                        else:
                            txn.put(write.key, write.value, db=db)
                return PutReply(written=len(req.writes))
            except lmdb.MapFullError:
                new_size = self.env.info()["map_size"] * 2
                log.info("growing LMDB map", extra={"map_size": new_size})
                self.env.set_mapsize(new_size)

    def scan(self, req: ScanRequest) -> ScanReply:
        db = self._db(req.db)
        items: list[tuple[bytes, bytes]] = []
        with self.env.begin(db=db) as txn:
            cursor = txn.cursor()
            start = max(req.prefix, req.after)
            positioned = cursor.set_range(start) if start else cursor.first()
            if not positioned:
                return ScanReply(items=[], more=False)
            for key, value in cursor.iternext():
                if not key.startswith(req.prefix):
                    return ScanReply(items=items, more=False)
                if req.after and key <= req.after:
                    continue
                if len(items) == req.limit:
                    return ScanReply(items=items, more=True)
                items.append((bytes(key), bytes(value)))
        return ScanReply(items=items, more=False)

    def info(self) -> InfoReply:
        with self.env.begin() as txn:
            entries = {name: txn.stat(db)["entries"] for name, db in self.dbs.items()}
        return InfoReply(version=__version__, path=str(self.path), entries=entries)

    def handle(self, op: str, body: bytes) -> bytes:
        """Run one request; raises StoreError or codec.DecodeError for bad ones."""
        if op == "has":
            return codec.pack(self.has(codec.unpack(body, KeysRequest)))
        if op == "get":
            return codec.pack(self.get(codec.unpack(body, KeysRequest)))
        if op == "put":
            return codec.pack(self.put(codec.unpack(body, PutRequest)))
        if op == "scan":
            return codec.pack(self.scan(codec.unpack(body, ScanRequest)))
        if op == "info":
            return codec.pack(self.info())
        raise StoreError(f"unknown operation {op!r}; known: {', '.join(OPS)}")


class StoreServer:
    """Serves a `Store` on a ROUTER socket until `stop` is set."""

    def __init__(self, store: Store, bind: str, max_message: int = DEFAULT_MAX_MESSAGE) -> None:
        self.store = store
        self.bind_endpoint = bind
        self.max_message = max_message
        self.endpoint = ""

    async def run(self, stop: asyncio.Event, on_ready: Callable[[str], None]) -> None:
        ctx = zmq.asyncio.Context.instance()
        sock = sockets.make_socket(ctx, zmq.ROUTER, max_message=self.max_message)
        self.endpoint = sockets.bind(sock, self.bind_endpoint)
        log.info("store serving", extra={"endpoint": self.endpoint, "path": str(self.store.path)})
        on_ready(self.endpoint)
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                receiving = asyncio.ensure_future(sock.recv_multipart())
                done, _ = await asyncio.wait({receiving, stopping},
                                             return_when=asyncio.FIRST_COMPLETED)
                if receiving not in done:
                    receiving.cancel()
                    break
                reply = self._serve(receiving.result())
                if reply is not None:
                    await sock.send_multipart(reply)
        finally:
            stopping.cancel()
            sock.close(linger=0)

    def _serve(self, frames: list[bytes]) -> list[bytes] | None:
        metrics.MESSAGES.labels("store").inc()
        if len(frames) != 5 or frames[1] != STORE_V1 or len(frames[2]) > 64:
            metrics.DROPPED_MESSAGES.labels("store", "malformed").inc()
            log.warning("dropped malformed store request", extra={"frames": len(frames)})
            if len(frames) >= 3 and frames[1] == STORE_V1 and len(frames[2]) <= 64:
                return self._error(frames[0], frames[2], "malformed request: expected 4 frames")
            return None
        identity, _, request_id, op_frame, body = frames
        if sockets.message_size(frames) > self.max_message:
            metrics.DROPPED_MESSAGES.labels("store", "oversized").inc()
            return self._error(identity, request_id,
                               f"message larger than the store's maximum of {self.max_message}")
        op = op_frame.decode("ascii", "replace")
        try:
            with metrics.STORE_OPS.labels(op if op in OPS else "unknown").time():
                result = self.store.handle(op, body)
        except (StoreError, codec.DecodeError) as exc:
            metrics.DROPPED_MESSAGES.labels("store", "invalid").inc()
            return self._error(identity, request_id, str(exc))
        except lmdb.Error as exc:
            log.error("LMDB error", extra={"op": op, "error": str(exc)})
            return self._error(identity, request_id, f"storage error: {exc}")
        return [identity, STORE_V1, request_id, STATUS_OK, result]

    @staticmethod
    def _error(identity: bytes, request_id: bytes, message: str) -> list[bytes]:
        return [identity, STORE_V1, request_id, STATUS_ERROR, codec.pack(ErrorReply(error=message))]
