"""The store's wire protocol: request and reply frames and the bodies of each operation.

A client (DEALER) sends `[STORE_V1, request id, op, msgpack body]`; the store (ROUTER) answers
`[STORE_V1, request id, status, msgpack body]` where status is `ok` or `error`. Request ids let a
client keep many requests in flight on one socket. Every operation is idempotent, so a client
may resend after a timeout. Nothing here touches a socket or LMDB.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mesh.models import Model

STORE_V1 = b"CMS01"
STATUS_OK = b"ok"
STATUS_ERROR = b"error"

# Named LMDB databases. Keys and values are bytes; values are codec-encoded models except blobs.
DB_BLOBS = "blobs"  # sha256 hex -> file content (also job manifests)
DB_RESULTS = "results"  # result key (content + analyzer) -> FileAnalysis
DB_JOB_FILES = "job_files"  # job \0 path -> result key
DB_JOBS = "jobs"  # job id -> Job
DB_TASKS = "tasks"  # job \0 task id -> Task
DATABASES = (DB_BLOBS, DB_RESULTS, DB_JOB_FILES, DB_JOBS, DB_TASKS)

Op = Literal["has", "get", "put", "scan", "info"]
OPS: tuple[Op, ...] = ("has", "get", "put", "scan", "info")


class KeysRequest(Model):
    """Body of `has` and `get`."""

    db: str
    keys: list[bytes]


class Write(Model):
    """One write of a `put` batch; `value=None` deletes the key."""

    db: str
    key: bytes
    value: bytes | None


class PutRequest(Model):
    """Body of `put`: all writes commit in one LMDB transaction, or none do."""

    writes: list[Write]


class ScanRequest(Model):
    """Body of `scan`: keys starting with `prefix`, after `after` (exclusive), at most `limit`."""

    db: str
    prefix: bytes = b""
    after: bytes = b""
    limit: int = Field(default=1000, ge=1, le=100_000)


class HasReply(Model):
    present: list[bool]


class GetReply(Model):
    values: list[bytes | None]


class PutReply(Model):
    written: int


class ScanReply(Model):
    items: list[tuple[bytes, bytes]]
    more: bool


class InfoReply(Model):
    version: str
    path: str
    entries: dict[str, int]


class ErrorReply(Model):
    error: str
