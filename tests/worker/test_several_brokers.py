"""A worker shares its slots among every broker it is connected to: a broker that sends beyond
the worker's free slots gets the request back at once (FINAL `codemesh.declined`) and the broker
re-routes it. Real worker and broker processes; the peers on the other side are written here
from the MDP RFC text (RFC 18), so only the wire is trusted."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import msgpack
import pytest
import zmq

pytestmark = pytest.mark.timeout(180)

MDPW02, MDPC02 = b"MDPW02", b"MDPC02"
READY, REQUEST, PARTIAL, FINAL, HEARTBEAT = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"
DECLINED = b"codemesh.declined"


def _recv(sock: zmq.Socket[Any], timeout: float) -> list[bytes] | None:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if not sock.poll(int(left * 1000)):
            return None
        frames = sock.recv_multipart()
        if frames[2:3] != [HEARTBEAT]:  # [identity, MDPW02, command, ...]
            return frames
    return None


def test_a_worker_declines_beyond_its_free_slots(mesh: Any) -> None:
    ctx = zmq.Context()
    brokers = [ctx.socket(zmq.ROUTER) for _ in range(2)]
    silent_store = ctx.socket(zmq.ROUTER)  # never answers: holds the worker's one slot
    try:
        endpoints = []
        for sock in [*brokers, silent_store]:
            sock.setsockopt(zmq.LINGER, 0)
            sock.bind("tcp://127.0.0.1:*")
            endpoints.append(sock.getsockopt(zmq.LAST_ENDPOINT).decode())
        mesh.start("worker", "--broker", endpoints[0], "--broker", endpoints[1], "--slots", "1",
                   "--no-mdns")
        workers = []
        for sock in brokers:
            ready = _recv(sock, 20)
            assert ready is not None and ready[1:3] == [MDPW02, READY]
            assert msgpack.unpackb(ready[4])["slots"] == 1
            workers.append(ready[0])
        task = {"task": "t1", "job": "j1", "stage": "analyze", "attempt": 0,
                "store": endpoints[2],
                "files": [{"path": "a.py", "sha256": "0" * 64, "size": 1,
                           "language": "python"}]}
        brokers[0].send_multipart([workers[0], MDPW02, REQUEST, b"\x00task:t1", b"",
                                   msgpack.packb(task)])
        assert silent_store.poll(10_000), "the worker never started the first task"
        sent = time.monotonic()
        brokers[1].send_multipart([workers[1], MDPW02, REQUEST, b"\x00task:t2", b"",
                                   msgpack.packb({**task, "task": "t2"})])
        reply = _recv(brokers[1], 5)
        assert reply is not None and reply[1:] == [MDPW02, FINAL, b"\x00task:t2", b"", DECLINED]
        assert time.monotonic() - sent < 5
        assert _recv(brokers[0], 0.5) is None  # the first task is still running, unanswered
    finally:
        for sock in [*brokers, silent_store]:
            sock.close(linger=0)
        ctx.term()


def test_a_broker_reroutes_a_declined_request(mesh: Any) -> None:
    store = mesh.store("--no-mdns")
    broker = mesh.broker(store.endpoint, "--no-mdns")
    ctx = zmq.Context()
    socks = [ctx.socket(zmq.DEALER) for _ in range(3)]
    try:
        for sock in socks:
            sock.setsockopt(zmq.LINGER, 0)
            sock.connect(broker.endpoint)
        *workers, client = socks
        for worker in workers:
            worker.send_multipart([MDPW02, READY, b"echo"])
        time.sleep(0.3)
        client.send_multipart([MDPC02, b"\x01", b"echo", b"hello"])
        poller = zmq.Poller()
        for worker in workers:
            poller.register(worker, zmq.POLLIN)
        got = dict(poller.poll(5000))
        (first,) = [w for w in workers if w in got]
        request = first.recv_multipart()
        assert request[:2] == [MDPW02, REQUEST] and request[-1] == b"hello"
        first.send_multipart([MDPW02, FINAL, request[2], b"", DECLINED])
        other = workers[1 - workers.index(first)]
        assert other.poll(2000), "the declined request was not re-routed to the other worker"
        again = other.recv_multipart()
        assert again[:2] == [MDPW02, REQUEST] and again[-1] == b"hello"
        other.send_multipart([MDPW02, FINAL, again[2], b"", b"world"])
        assert client.poll(5000)
        assert client.recv_multipart() == [MDPC02, b"\x03", b"echo", b"world"]
    finally:
        for sock in socks:
            sock.close(linger=0)
        ctx.term()


def test_workers_join_every_broker_found_and_both_brokers_finish_jobs(
        mesh: Any, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """Two real brokers on one store, one-slot workers that find both by mDNS; a job submitted
    to each broker at the same time completes on both."""
    name = ["--mesh", f"t-{secrets.token_hex(4)}"]
    store = mesh.store(*name)
    brokers = [mesh.broker(store.endpoint, *name) for _ in range(2)]
    for _ in range(2):
        mesh.start("worker", "--slots", "1", *name)
    deadline = time.monotonic() + 30
    while True:
        counts = [_worker_count(b.endpoint) for b in brokers]
        if counts == [2, 2] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert counts == [2, 2], "each worker should be registered with both brokers"
    src = tmp_path / "src"
    src.mkdir()
    for i in range(40):
        (src / f"m{i}.py").write_text(f"def f{i}(x):\n    if x > {i}:\n        return x\n"
                                      f"    return {i}\n")
    jobs = [subprocess.Popen([sys.executable, "-m", "mesh", "analyze", str(src), "--broker",
                              b.endpoint, "--format", "json", "--no-mdns"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env)
            for b in brokers]
    reports = []
    for job in jobs:
        out, err = job.communicate(timeout=150)
        assert job.returncode == 0, err.decode()[-2000:]
        reports.append(json.loads(out))
    for report in reports:
        assert len(report["files"]) == 40
        assert report["summary"]["functions"] == 40


def _worker_count(endpoint: str) -> int:
    done = subprocess.run([sys.executable, "-m", "mesh", "status", "--format", "json",
                           "--no-mdns", "--broker", endpoint], capture_output=True, timeout=60)
    info = json.loads(done.stdout)["brokers"][0]["status"]
    return len(info["workers"]) if info else 0
