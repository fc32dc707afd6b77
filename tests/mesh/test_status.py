"""`codemesh status` against real processes: workers with their slots and capabilities, queue
depths per capability set, running jobs, brokers found by mDNS, unreachable brokers."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import zmq

pytestmark = pytest.mark.timeout(180)


def _status(*args: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "mesh", "status", "--format", "json",
                           "--wait", "1.5", *args], capture_output=True, timeout=60)
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return done.returncode, json.loads(done.stdout)


def test_status_shows_workers_queues_and_jobs(mesh: Any, tmp_path: Path,
                                              cli_env: dict[str, str]) -> None:
    name = ["--mesh", f"t-{secrets.token_hex(4)}"]
    store = mesh.store(*name)
    broker = mesh.broker(store.endpoint, *name)
    # a plain MDP request no worker serves waits in the queue under its service name
    ctx = zmq.Context()
    client = ctx.socket(zmq.DEALER)
    client.setsockopt(zmq.LINGER, 0)
    client.connect(broker.endpoint)
    client.send_multipart([b"MDPC02", b"\x01", b"echo+x", b"hello"])
    # a job with no worker yet: it runs, and its task waits for a lang:python worker
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("def f():\n    return 1\n")
    job = subprocess.Popen([sys.executable, "-m", "mesh", "analyze", str(src), "--broker",
                            broker.endpoint, "--format", "json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=cli_env)
    try:
        deadline = time.monotonic() + 30
        while True:
            code, status = _status(*name)  # the broker found by mDNS alone
            brokers = status["brokers"]
            info = brokers[0]["status"] if brokers else None
            if (info and info["jobs"]) or time.monotonic() > deadline:
                break
        assert code == 0 and len(brokers) == 1 and brokers[0]["reachable"]
        assert brokers[0]["endpoint"] == broker.endpoint
        assert info is not None and info["store"] == store.endpoint
        assert info["queues"].get("echo+x") == 1
        assert info["queues"].get("lang:python") == 1
        assert [j["state"] for j in info["jobs"]] == ["running"]
        assert info["jobs"][0]["files_total"] == 1 and info["workers"] == []
        assert [s["endpoint"] for s in status["stores"]] == [store.endpoint]
        assert status["stores"][0]["kind"] == "primary"

        mesh.worker(broker.endpoint, "--slots", "2", "--no-mdns")
        out, err = job.communicate(timeout=90)
        assert job.returncode == 0, err.decode()[-2000:]
        assert b'"a.py"' in out
        code, status = _status("--broker", broker.endpoint, "--no-mdns")
        (entry,) = status["brokers"]
        (worker,) = entry["status"]["workers"]
        assert worker["slots"] == 2 and worker["running"] == 0
        assert "lang:python" in worker["capabilities"] and worker["version"]
        assert worker["pid"] > 0 and entry["status"]["jobs"] == []
        assert "lang:python" not in entry["status"]["queues"]
    finally:
        job.kill()
        job.wait()
        client.close()
        ctx.term()


def test_status_of_an_unreachable_broker_and_of_an_empty_mesh() -> None:
    with socket_port() as port:
        code, status = _status("--broker", f"tcp://127.0.0.1:{port}", "--no-mdns",
                               "--timeout", "1")
    assert code == 1
    assert status["brokers"][0]["reachable"] is False
    assert "no answer" in status["brokers"][0]["error"]
    code, status = _status("--mesh", f"t-{secrets.token_hex(4)}")
    assert code == 1 and status["brokers"] == [] and status["stores"] == []


def test_status_table_names_the_workers(mesh: Any) -> None:
    name = ["--mesh", f"t-{secrets.token_hex(4)}"]
    store = mesh.store(*name)
    broker = mesh.broker(store.endpoint, *name)
    mesh.worker(broker.endpoint, "--slots", "3", "--no-mdns")
    done = subprocess.run([sys.executable, "-m", "mesh", "status", "--wait", "1.5", *name],
                          capture_output=True, timeout=60, env={**os.environ, "COLUMNS": "250"})
    text = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    assert broker.endpoint in text and store.endpoint in text and "lang:python" in text


class socket_port:
    """A loopback TCP port with nothing listening on it (bound, never listened to)."""

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
