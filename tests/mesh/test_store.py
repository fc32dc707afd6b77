"""The store against a real `codemesh store` process: round trips in every database, verified
and atomic blob writes, scans and their pagination, batching, the repository layer, hostile
requests on a raw DEALER, an unreachable store, durability across restarts and SIGKILL, and
LMDB map growth (in-process).

Every assertion compares exact values: a key that is lost, duplicated, reordered or written by
a refused batch fails a test.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import random
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import msgpack
import pytest
import zmq

from mesh import codec, store_client
from mesh.models import (
    FileAnalysis,
    FileError,
    FunctionMetrics,
    Job,
    JobManifest,
    SkippedFile,
    SourceFile,
    Task,
)
from mesh.repository import Repository, job_file_key, result_key, task_key
from mesh.store_client import (
    BATCH_BYTES,
    KEYS_PER_REQUEST,
    StoreClient,
    StoreRequestError,
    StoreUnavailable,
)
from mesh.store_protocol import (
    DATABASES,
    DB_BLOBS,
    DB_JOB_FILES,
    DB_JOBS,
    DB_RESULTS,
    DB_TASKS,
    STATUS_ERROR,
    STATUS_OK,
    STORE_V1,
    ErrorReply,
    GetReply,
    InfoReply,
    KeysRequest,
    PutRequest,
    ScanReply,
    ScanRequest,
    Write,
)
from mesh.store_server import MAX_KEY, Store

T = TypeVar("T")


# --- helpers ----------------------------------------------------------------------------------


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).hexdigest().encode()


def with_client(endpoint: str, body: Callable[[StoreClient], Awaitable[T]], **options: Any) -> T:
    """Run `body(client)` in a fresh event loop with a connected client, closing it after."""
    async def main() -> T:
        async with StoreClient(endpoint, **options) as client:
            return await body(client)

    return asyncio.run(main())


def value_for(db: str, i: int) -> tuple[bytes, bytes]:
    """A (key, value) pair valid in `db` (blob keys are the sha256 of their value)."""
    value = f"{db} value {i} ".encode() * (i % 7 + 1)
    key = sha(value) if db == DB_BLOBS else f"{db}-key-{i:04d}".encode()
    return key, value


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def count_calls(client: StoreClient) -> list[str]:
    """Record the op of every request `client` sends (after batching and chunking)."""
    ops: list[str] = []
    original = client.call

    async def call(op: str, body: Any, reply: Any) -> Any:
        ops.append(op)
        return await original(op, body, reply)

    client.call = call  # type: ignore[method-assign]
    return ops


class Raw:
    """A plain pyzmq DEALER speaking (or mis-speaking) the store protocol: not our client."""

    def __init__(self, endpoint: str) -> None:
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)
        self._ids = itertools.count(1)

    def rid(self) -> bytes:
        return next(self._ids).to_bytes(8, "big")

    def send(self, frames: list[bytes]) -> None:
        self.sock.send_multipart(frames)

    def recv(self, timeout: float = 5.0) -> list[bytes] | None:
        if not self.sock.poll(int(timeout * 1000)):
            return None
        frames: list[bytes] = self.sock.recv_multipart()
        return frames

    def ok(self, op: bytes, body: bytes) -> bytes:
        """Send a valid request and return the body of its `ok` reply (the next reply)."""
        rid = self.rid()
        self.send([STORE_V1, rid, op, body])
        reply = self.recv()
        assert reply is not None, "store did not answer a valid request"
        assert reply[:3] == [STORE_V1, rid, STATUS_OK], reply[:4]
        return reply[3]

    def close(self) -> None:
        self.sock.close(linger=0)
        self.ctx.term()


# --- round trips ------------------------------------------------------------------------------


def test_put_get_has_round_trip_in_every_database(mesh: Any) -> None:
    store = mesh.store()
    pairs = {db: [value_for(db, i) for i in range(3)] for db in DATABASES}

    async def body(client: StoreClient) -> None:
        writes = [Write(db=db, key=k, value=v) for db, kv in pairs.items() for k, v in kv]
        assert await client.put(writes) == 3 * len(DATABASES)
        for db, kv in pairs.items():
            keys = [k for k, _ in kv]
            absent = b"absent-" + db.encode()
            assert await client.has(db, [keys[0], absent, keys[2], keys[1]]) == \
                [True, False, True, True]
            assert await client.get(db, [keys[1], absent, keys[0]]) == \
                [kv[1][1], None, kv[0][1]]
            # a key of one database is not visible in another
            other = DB_JOBS if db != DB_JOBS else DB_TASKS
            assert await client.has(other, keys) == [False, False, False]
        info = await client.info()
        assert info.entries == {db: 3 for db in DATABASES}
        # overwrite keeps one entry per key and returns the new value
        await client.put([Write(db=DB_JOBS, key=pairs[DB_JOBS][0][0], value=b"new")])
        assert await client.get(DB_JOBS, [pairs[DB_JOBS][0][0]]) == [b"new"]
        assert (await client.info()).entries[DB_JOBS] == 3

    with_client(store.endpoint, body)


def test_has_and_get_beyond_one_request_of_keys(mesh: Any) -> None:
    store = mesh.store()
    n = KEYS_PER_REQUEST + 500
    keys = [f"job-{i:05d}".encode() for i in range(n)]
    values = [f"value {i}".encode() for i in range(n)]

    async def body(client: StoreClient) -> None:
        await client.put(Write(db=DB_JOBS, key=k, value=v) for k, v in zip(keys, values,
                                                                               strict=True))
        ops = count_calls(client)
        # every third key asked for is missing; answers stay in request order across chunks
        asked = [k if i % 3 else b"missing-" + k for i, k in enumerate(keys)]
        assert await client.has(DB_JOBS, asked) == [bool(i % 3) for i in range(n)]
        assert await client.get(DB_JOBS, asked) == \
            [v if i % 3 else None for i, v in enumerate(values)]
        assert ops == ["has", "has", "get", "get"]
        assert await client.has(DB_JOBS, []) == []
        assert await client.get(DB_JOBS, []) == []

    with_client(store.endpoint, body)


def test_blob_whose_key_is_not_its_sha256_is_refused_and_nothing_of_the_batch_lands(
        mesh: Any) -> None:
    store = mesh.store()
    good = b"good blob"
    bad = b"bad blob"

    async def body(client: StoreClient) -> None:
        batch = [
            Write(db=DB_BLOBS, key=sha(good), value=good),
            Write(db=DB_JOBS, key=b"job-1", value=b"job"),
            Write(db=DB_BLOBS, key=sha(b"something else"), value=bad),
            Write(db=DB_TASKS, key=b"job-1\x00t", value=b"task"),
        ]
        with pytest.raises(StoreRequestError, match="is not the sha256 of its value"):
            await client.put(batch)
        assert await client.has(DB_BLOBS, [sha(good), sha(bad), sha(b"something else")]) == \
            [False, False, False]
        assert await client.has(DB_JOBS, [b"job-1"]) == [False]
        assert (await client.info()).entries == {db: 0 for db in DATABASES}
        # a blob keyed by its upper-case or raw digest is not content-addressed either
        for key in (sha(good).upper(), hashlib.sha256(good).digest()):
            with pytest.raises(StoreRequestError, match="not the sha256"):
                await client.put([Write(db=DB_BLOBS, key=key, value=good)])
        # an error late in a batch (unknown database, empty key) also leaves nothing written
        for late in (Write(db="nope", key=b"k", value=b"v"),
                     Write(db=DB_JOBS, key=b"", value=b"v")):
            with pytest.raises(StoreRequestError):
                await client.put([Write(db=DB_JOBS, key=b"job-2", value=b"x"), late])
        assert (await client.info()).entries == {db: 0 for db in DATABASES}
        # the same blob with its real key is accepted
        assert await client.put([Write(db=DB_BLOBS, key=sha(good), value=good)]) == 1
        assert await client.get(DB_BLOBS, [sha(good)]) == [good]

    with_client(store.endpoint, body)


# --- scans --------------------------------------------------------------------------------------


def test_scan_prefix_and_pagination_return_every_key_once_in_order(mesh: Any) -> None:
    store = mesh.store()
    prefix = b"job1\x00"
    mine = [(prefix + f"task-{i:05d}".encode(), f"v{i}".encode()) for i in range(2500)]
    # neighbours that sort before, between and after the prefix, sharing its first bytes
    others = [(b"job0\x00task-00001", b"o"), (b"job1", b"o"), (b"job1\x01", b"o"),
              (b"job10\x00task-00000", b"o"), (b"job1\x00", b"o-exact-prefix"),
              (b"job2\x00task-00000", b"o")]
    expected = sorted([*mine, (b"job1\x00", b"o-exact-prefix")])
    shuffled = [*mine, *others]
    random.Random(3).shuffle(shuffled)

    async def body(client: StoreClient) -> None:
        # written in several batches, out of order
        for start in range(0, len(shuffled), 700):
            await client.put(Write(db=DB_TASKS, key=k, value=v)
                             for k, v in shuffled[start:start + 700])

        ops = count_calls(client)
        assert await client.scan(DB_TASKS, prefix, page=1000) == expected
        assert ops == ["scan"] * 3
        ops.clear()
        # 2501 matching keys in pages of 500: six pages, the last one short
        assert await client.scan(DB_TASKS, prefix, page=500) == expected
        assert ops == ["scan"] * 6
        everything = sorted([*mine, *others])
        assert await client.scan(DB_TASKS) == everything
        assert await client.scan(DB_TASKS, b"job3") == []
        assert await client.scan(DB_JOBS, prefix) == []

        # the raw protocol: `after` is exclusive, `more` says whether another page exists
        async def page(after: bytes, limit: int, pre: bytes = prefix) -> ScanReply:
            return await client.call("scan", ScanRequest(db=DB_TASKS, prefix=pre, after=after,
                                                         limit=limit), ScanReply)

        seen: list[tuple[bytes, bytes]] = []
        after = b""
        mores = []
        while True:
            reply = await page(after, 1000)
            seen += reply.items
            mores.append((len(reply.items), reply.more))
            if not reply.more:
                break
            after = reply.items[-1][0]
        assert mores == [(1000, True), (1000, True), (501, False)]
        assert seen == expected
        assert len({k for k, _ in seen}) == 2501

        # exactly `limit` items left: more is False
        exact = await page(expected[-5][0], 4)
        assert (exact.items, exact.more) == (expected[-4:], False)
        exact = await page(expected[-6][0], 4)
        assert (exact.items, exact.more) == (expected[-5:-1], True)
        # `after` below the prefix starts at the prefix; above every match gives nothing
        below = await page(b"job0", 2)
        assert (below.items, below.more) == (expected[:2], True)
        above = await page(b"job1\x00zzz", 10)
        assert (above.items, above.more) == ([], False)
        # `after` need not be a stored key
        between = await page(prefix + b"task-00010x", 2)
        assert [k for k, _ in between.items] == [prefix + b"task-00011", prefix + b"task-00012"]

    with_client(store.endpoint, body)


def test_delete_removes_keys_everywhere(mesh: Any) -> None:
    store = mesh.store()
    blob = b"blob to delete"

    async def body(client: StoreClient) -> None:
        await client.put([Write(db=DB_JOBS, key=f"k{i}".encode(), value=b"v") for i in range(5)]
                         + [Write(db=DB_BLOBS, key=sha(blob), value=blob)])
        written = await client.put([Write(db=DB_JOBS, key=b"k1", value=None),
                                    Write(db=DB_JOBS, key=b"k3", value=None),
                                    Write(db=DB_JOBS, key=b"never-written", value=None),
                                    Write(db=DB_BLOBS, key=sha(blob), value=None)])
        assert written == 4
        assert await client.has(DB_JOBS, [b"k0", b"k1", b"k2", b"k3", b"k4"]) == \
            [True, False, True, False, True]
        assert await client.get(DB_JOBS, [b"k1", b"k2"]) == [None, b"v"]
        assert [k for k, _ in await client.scan(DB_JOBS)] == [b"k0", b"k2", b"k4"]
        assert await client.has(DB_BLOBS, [sha(blob)]) == [False]
        assert (await client.info()).entries[DB_JOBS] == 3
        # a put and a delete of the same key in one batch apply in order
        await client.put([Write(db=DB_JOBS, key=b"k9", value=b"a"),
                          Write(db=DB_JOBS, key=b"k9", value=None),
                          Write(db=DB_JOBS, key=b"k0", value=None),
                          Write(db=DB_JOBS, key=b"k0", value=b"back")])
        assert await client.get(DB_JOBS, [b"k9", b"k0"]) == [None, b"back"]

    with_client(store.endpoint, body)


# --- batching -----------------------------------------------------------------------------------


def test_writes_bigger_than_one_batch_are_split_and_all_land(mesh: Any) -> None:
    store = mesh.store()
    rng = random.Random(11)
    blobs = [rng.randbytes(1024 * 1024) for _ in range(40)]  # 40 MiB > BATCH_BYTES (32 MiB)
    assert sum(map(len, blobs)) > BATCH_BYTES

    async def body(client: StoreClient) -> None:
        ops = count_calls(client)
        assert await Repository(client).put_blobs(blobs) == 40
        assert ops == ["put", "put"]  # 31 blobs fit in 32 MiB with their overhead, then 9
        keys = [sha(b) for b in blobs]
        assert await client.has(DB_BLOBS, keys) == [True] * 40
        assert await client.get(DB_BLOBS, keys) == blobs
        assert (await client.info()).entries[DB_BLOBS] == 40

    with_client(store.endpoint, body)


def test_batch_split_boundaries(mesh: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    store = mesh.store()
    monkeypatch.setattr(store_client, "BATCH_BYTES", 1000)
    # each write weighs 10 + 200 + 64 = 274: three per batch of 1000, the tenth alone
    writes = [Write(db=DB_JOBS, key=f"key-{i:05d}".encode(), value=bytes([i]) * 200)
              for i in range(10)]
    huge = Write(db=DB_JOBS, key=b"huge-00000", value=b"h" * 5000)

    async def body(client: StoreClient) -> None:
        ops = count_calls(client)
        assert await client.put(writes) == 10
        assert ops == ["put"] * 4
        ops.clear()
        # a write heavier than a whole batch still goes, alone
        assert await client.put([writes[0], huge, writes[1]]) == 3
        assert ops == ["put"] * 3
        items = await client.scan(DB_JOBS)
        assert items == sorted([(w.key, w.value or b"") for w in [*writes, huge]])

    with_client(store.endpoint, body)


# --- the repository layer -----------------------------------------------------------------------


def source(path: str, language: str = "python", size: int = 10) -> SourceFile:
    return SourceFile(path=path, sha256=hashlib.sha256(path.encode()).hexdigest(), size=size,
                      language=language)  # type: ignore[arg-type]


def test_repository_round_trips(mesh: Any) -> None:
    store = mesh.store()
    files = [source("a.py"), source("pkg/b.go", "go", 2048), source("c/d.rs", "rust", 7)]
    manifest = JobManifest(
        job="j1", root="/src/project", files=files,
        errors=[FileError(path="bin.py", kind="binary", message="not text")],
        skipped=[SkippedFile(path="huge.c", reason="too large")],
        options={"analyzer": "lizard"}, submitted="2024-05-01T12:00:00Z")
    job = Job(job="j1", root="/src/project", manifest="", submitted="2024-05-01T12:00:00Z",
              state="running", tasks_total=3, files_total=3)
    other_job = Job(job="j10", root="/other", manifest="x", submitted="2024-05-02T00:00:00Z")
    tasks = [Task(task=f"j1.{i:05d}", job="j1", requires=[f"lang:{f.language}"], files=[f],
                  attempt=i, state="queued" if i else "failed", error=None if i else "boom",
                  not_before=1.5 * i)
             for i, f in enumerate(files)]
    # "j10" shares "j1" as a prefix: its tasks and results must not leak into j1's
    other_tasks = [Task(task="j10.00000", job="j10", requires=["lang:python"], files=files[:1])]
    analysis_py = FileAnalysis(language="python", nloc=12, functions=[FunctionMetrics(
        name="f", long_name="f(x)", start_line=1, end_line=9, nloc=8, ccn=3, params=1,
        tokens=40)])
    analysis_go = FileAnalysis(language="go", nloc=0, error=FileError(
        path="", kind="analyzer", message="parse error"))
    key_py = result_key(files[0].sha256, "python", "lizard-1")
    key_go = result_key(files[1].sha256, "go", "lizard-1")

    async def body(client: StoreClient) -> None:
        repo = Repository(client)
        digest = await repo.put_manifest(manifest)
        assert digest == hashlib.sha256(codec.pack(manifest)).hexdigest()
        assert await repo.get_manifest(digest) == manifest
        assert await repo.get_manifest("0" * 64) is None
        assert await repo.missing_blobs([digest, "f" * 64]) == ["f" * 64]

        job.manifest = digest
        await repo.put_job(job)
        assert await repo.get_job("j1") == job
        assert await repo.get_job("j2") is None

        await repo.put_tasks(tasks, job=other_job)
        await repo.put_tasks(other_tasks)
        assert await repo.tasks("j1") == tasks
        assert await repo.tasks("j10") == other_tasks
        assert await repo.tasks("j") == []
        assert await repo.get_job("j10") == other_job
        assert await client.get(DB_TASKS, [task_key("j1", "j1.00002")]) == \
            [codec.pack(tasks[2])]

        # two paths with the same content share one cached result
        await repo.put_results("j1", [("a.py", key_py, analysis_py),
                                      ("copy/of/a.py", key_py, analysis_py),
                                      ("pkg/b.go", key_go, analysis_go)])
        await repo.put_results("j10", [("a.py", key_py, analysis_py)])
        assert await repo.job_results("j1") == {"a.py": analysis_py, "copy/of/a.py": analysis_py,
                                                "pkg/b.go": analysis_go}
        assert await repo.job_results("j10") == {"a.py": analysis_py}
        assert await repo.job_results("j2") == {}
        assert await client.get(DB_JOB_FILES, [job_file_key("j1", "pkg/b.go")]) == [key_go]
        info = await client.info()
        assert info.entries == {DB_BLOBS: 1, DB_RESULTS: 2, DB_JOB_FILES: 4, DB_JOBS: 2,
                                DB_TASKS: 4}

    with_client(store.endpoint, body)


# --- hostile requests ---------------------------------------------------------------------------


def test_hostile_requests_get_errors_or_are_dropped_and_the_store_keeps_serving(
        mesh: Any) -> None:
    max_message = 65536
    store = mesh.store("--max-message", str(max_message))
    raw = Raw(store.endpoint)
    pack = msgpack.packb
    get_body = pack({"db": DB_JOBS, "keys": [b"k"]})
    ping = pack({"db": DB_JOBS, "keys": [b"ping"]})

    def still_serves() -> None:
        assert store.alive()
        reply = codec.unpack(raw.ok(b"get", ping), GetReply)
        assert reply.values == [b"pong"]

    def expect_error(frames_after_rid: list[bytes], message: str) -> None:
        rid = raw.rid()
        raw.send([STORE_V1, rid, *frames_after_rid])
        reply = raw.recv()
        assert reply is not None, f"no error reply for {frames_after_rid!r:.80}"
        assert reply[:3] == [STORE_V1, rid, STATUS_ERROR], reply
        assert len(reply) == 4
        error = codec.unpack(reply[3], ErrorReply).error
        assert message in error, (message, error)
        still_serves()

    def expect_dropped(frames: list[bytes]) -> None:
        raw.send(frames)
        # the store answers in order on one connection: the next reply is for the next request
        still_serves()

    raw.ok(b"put", codec.pack(PutRequest(writes=[Write(db=DB_JOBS, key=b"ping",
                                                       value=b"pong")])))
    still_serves()

    # wrong protocol header, a bare header, a request id too long to echo: dropped
    expect_dropped([b"CMS99", raw.rid(), b"get", get_body])
    expect_dropped([b"MDPC02", raw.rid(), b"get", get_body])
    expect_dropped([STORE_V1])
    expect_dropped([STORE_V1, b"r" * 65, b"get", get_body])
    expect_dropped([b""])

    # wrong frame count with a readable request id: error
    expect_error([b"get"], "malformed request")
    expect_error([], "malformed request")
    expect_error([b"get", get_body, b"extra"], "malformed request")

    expect_error([b"drop", get_body], "unknown operation 'drop'")
    expect_error([b"\xff\xfe", get_body], "unknown operation")

    # not msgpack at all, truncated msgpack, trailing bytes
    expect_error([b"get", b"\xc1"], "not valid msgpack")
    expect_error([b"get", b""], "not valid msgpack")
    expect_error([b"get", get_body[:-1]], "not valid msgpack")
    expect_error([b"get", get_body + b"\x00"], "not valid msgpack")
    expect_error([b"get", b"\x81\x01\x02"], "not valid msgpack")  # {1: 2}: int map key

    # msgpack of the wrong shape
    expect_error([b"get", pack([1, 2, 3])], "invalid KeysRequest")
    expect_error([b"has", pack({"db": DB_JOBS, "keys": b"k"})], "invalid KeysRequest")
    expect_error([b"get", pack({"db": DB_JOBS, "keys": [1, 2]})], "invalid KeysRequest")
    expect_error([b"put", pack({"writes": [{"db": DB_JOBS, "key": b"k"}]})],
                 "invalid PutRequest")
    expect_error([b"put", pack({"writes": "nope"})], "invalid PutRequest")
    expect_error([b"scan", pack({"db": DB_JOBS, "limit": 0})], "invalid ScanRequest")
    expect_error([b"scan", pack({"db": DB_JOBS, "limit": 10**9})], "invalid ScanRequest")

    # unknown database, in every op
    expect_error([b"get", pack({"db": "nope", "keys": [b"k"]})], "unknown database 'nope'")
    expect_error([b"has", pack({"db": "nope", "keys": [b"k"]})], "unknown database 'nope'")
    expect_error([b"scan", pack({"db": "nope"})], "unknown database 'nope'")
    expect_error([b"put", pack({"writes": [{"db": "nope", "key": b"k", "value": b"v"}]})],
                 "unknown database 'nope'")

    # empty keys and keys longer than LMDB allows
    long_key = b"k" * (MAX_KEY + 1)
    for op, body in [(b"get", pack({"db": DB_JOBS, "keys": [b""]})),
                     (b"has", pack({"db": DB_JOBS, "keys": [b"ping", b""]})),
                     (b"put", pack({"writes": [{"db": DB_JOBS, "key": b"", "value": b"v"}]}))]:
        expect_error([op, body], "key length 0 outside 1..511")
    for op, body in [(b"get", pack({"db": DB_JOBS, "keys": [long_key]})),
                     (b"has", pack({"db": DB_JOBS, "keys": [long_key]})),
                     (b"put", pack({"writes": [{"db": DB_JOBS, "key": long_key,
                                                "value": b"v"}]}))]:
        expect_error([op, body], "key length 512 outside 1..511")
    # scan bounds are not stored keys: any length works (and does not crash the store)
    scanned = codec.unpack(raw.ok(b"scan", pack({"db": DB_JOBS, "after": long_key})), ScanReply)
    assert (scanned.items, scanned.more) == ([(b"ping", b"pong")], False)
    scanned = codec.unpack(raw.ok(b"scan", pack({"db": DB_JOBS, "prefix": long_key})),
                           ScanReply)
    assert (scanned.items, scanned.more) == ([], False)
    still_serves()

    # the longest allowed key works
    max_key = b"m" * MAX_KEY
    raw.ok(b"put", pack({"writes": [{"db": DB_JOBS, "key": max_key, "value": b"max"}]}))
    assert codec.unpack(raw.ok(b"get", pack({"db": DB_JOBS, "keys": [max_key]})),
                        GetReply).values == [b"max"]

    # over --max-message: error; the refused write is not applied
    big_key = b"big"
    big = pack({"writes": [{"db": DB_JOBS, "key": big_key, "value": b"x" * max_message}]})
    assert max_message < len(big) < 2 * max_message
    expect_error([b"put", big], f"larger than the store's maximum of {max_message}")
    assert codec.unpack(raw.ok(b"get", pack({"db": DB_JOBS, "keys": [big_key]})),
                        GetReply).values == [None]

    # far over it (beyond the socket's hard ceiling): the connection is dropped, nothing else
    huge = pack({"writes": [{"db": DB_JOBS, "key": big_key, "value": b"x" * 3 * max_message}]})
    raw.send([STORE_V1, raw.rid(), b"put", huge])
    assert raw.recv(timeout=0.5) is None
    raw.close()
    assert store.alive()

    raw = Raw(store.endpoint)
    try:
        still_serves()
        info = codec.unpack(raw.ok(b"info", b"\xc1"), InfoReply)  # info ignores its body
        assert info.entries[DB_JOBS] == 2
    finally:
        raw.close()

    # and our own client still works against it
    async def body(client: StoreClient) -> None:
        assert await client.get(DB_JOBS, [b"ping", big_key]) == [b"pong", None]

    with_client(store.endpoint, body)
    assert store.alive()


# --- availability and durability ----------------------------------------------------------------


def test_client_raises_store_unavailable_when_nothing_listens() -> None:
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    timeout, retries = 0.2, 3

    async def body(client: StoreClient) -> None:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match=endpoint.replace(".", r"\.")):
            await client.get(DB_JOBS, [b"k"])
        elapsed = time.monotonic() - started
        assert timeout * retries * 0.9 <= elapsed < timeout * retries + 1.0
        assert client._pending == {}

    with_client(endpoint, body, timeout=timeout, retries=retries)


def test_acknowledged_writes_survive_a_clean_restart(mesh: Any, tmp_path: Path) -> None:
    path = tmp_path / "lmdb"
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    first = mesh.store("--path", str(path), "--bind", endpoint)
    assert first.endpoint == endpoint
    pairs = {db: [value_for(db, i) for i in range(50)] for db in DATABASES}

    async def body(client: StoreClient) -> None:
        await client.put(Write(db=db, key=k, value=v) for db, kv in pairs.items() for k, v in kv)
        await client.put([Write(db=DB_JOBS, key=pairs[DB_JOBS][0][0], value=None)])
        assert first.stop() == 0
        second = await asyncio.to_thread(mesh.store, "--path", str(path), "--bind", endpoint)
        assert second.endpoint == endpoint
        # the same client reconnects by itself to the new process
        for db, kv in pairs.items():
            expected: list[bytes | None] = [v for _, v in kv]
            if db == DB_JOBS:
                expected[0] = None
            assert await client.get(db, [k for k, _ in kv]) == expected
        info = await client.info()
        assert info.path == str(path)
        assert info.entries == {db: 49 if db == DB_JOBS else 50 for db in DATABASES}

    with_client(endpoint, body, timeout=2.0, retries=10)


def test_acknowledged_write_survives_sigkill(mesh: Any, tmp_path: Path) -> None:
    path = tmp_path / "lmdb"
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    first = mesh.store("--path", str(path), "--bind", endpoint)
    blob = b"acknowledged just before the kill"

    async def body(client: StoreClient) -> None:
        assert await client.put([Write(db=DB_BLOBS, key=sha(blob), value=blob),
                                 Write(db=DB_JOBS, key=b"job-k", value=b"state")]) == 2
        first.kill()
        assert first.popen.wait(timeout=10) == -9
        # a request made while the store is down is resent until the new process answers
        pending = asyncio.ensure_future(client.get(DB_JOBS, [b"job-k", b"other"]))
        await asyncio.sleep(0.3)
        assert not pending.done()
        await asyncio.to_thread(mesh.store, "--path", str(path), "--bind", endpoint)
        assert await pending == [b"state", None]
        assert await client.get(DB_BLOBS, [sha(blob)]) == [blob]
        assert (await client.info()).entries == {db: 1 if db in (DB_BLOBS, DB_JOBS) else 0
                                                 for db in DATABASES}

    with_client(endpoint, body, timeout=0.5, retries=60)


# --- LMDB map growth (in-process) ---------------------------------------------------------------


def test_store_grows_its_map_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "grow"
    store = Store(path, map_size=1 << 20)
    rng = random.Random(5)
    blobs = [rng.randbytes(100 * 1024) for _ in range(50)]  # 5 MB, incompressible
    try:
        # one transaction bigger than the whole initial map, then more in smaller ones
        assert store.put(PutRequest(writes=[Write(db=DB_BLOBS, key=sha(b), value=b)
                                            for b in blobs[:30]])).written == 30
        for b in blobs[30:]:
            assert store.put(PutRequest(writes=[Write(db=DB_BLOBS, key=sha(b),
                                                      value=b)])).written == 1
        assert store.env.info()["map_size"] >= 5 * 1024 * 1024
        keys = [sha(b) for b in blobs]
        assert store.get(KeysRequest(db=DB_BLOBS, keys=keys)).values == blobs
        assert store.info().entries[DB_BLOBS] == 50
    finally:
        store.close()
    # reopened with the small map size again, everything is readable and writable
    store = Store(path, map_size=1 << 20)
    try:
        assert store.get(KeysRequest(db=DB_BLOBS, keys=[sha(b) for b in blobs])).values == blobs
        extra = rng.randbytes(2 * 1024 * 1024)
        assert store.put(PutRequest(writes=[Write(db=DB_BLOBS, key=sha(extra),
                                                  value=extra)])).written == 1
        assert store.info().entries[DB_BLOBS] == 51
    finally:
        store.close()
